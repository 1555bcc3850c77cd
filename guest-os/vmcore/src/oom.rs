//! The out-of-memory killer's choice of victim.
//!
//! When a page fault needs a frame, no frame is free, no clean page can be dropped and the
//! swap device is full ([`crate::swap::SwapSlots::is_full`]), nothing the kernel can do
//! will make memory appear: some process must die so the others can continue. Linux's
//! "OOM killer" scores processes by how much memory killing them would release; this
//! kernel uses the simplest honest version of that rule:
//!
//! * the victim is the process with the **largest footprint**, resident pages plus pages
//!   on swap (both are released when it exits);
//! * ties go to the **highest pid** (the most recently started process, which has usually
//!   done the least work; and the rule is deterministic, so runs are reproducible);
//! * **pid 1 (`init`) is never chosen** while another candidate exists: killing init would
//!   bring the whole system down. If init is the only process, it is the victim and the
//!   kernel should halt with a message.
//!
//! The kernel collects one [`OomCandidate`] per live user process (not the kernel itself,
//! not processes already exiting) and logs the decision.

/// One process as the OOM killer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OomCandidate {
    /// Process id.
    pub pid: u32,
    /// Pages currently in RAM charged to the process.
    pub resident: u64,
    /// Pages of the process on swap.
    pub swapped: u64,
}

impl OomCandidate {
    /// Resident plus swapped pages (saturating).
    pub const fn footprint(&self) -> u64 {
        self.resident.saturating_add(self.swapped)
    }
}

/// The pid of init, spared while any other process exists.
pub const INIT_PID: u32 = 1;

/// Chooses the process to kill: largest [`OomCandidate::footprint`], ties to the highest
/// pid, never [`INIT_PID`] unless it is the only candidate. `None` for an empty list.
pub fn oom_victim(procs: &[OomCandidate]) -> Option<OomCandidate> {
    let best = procs
        .iter()
        .filter(|p| p.pid != INIT_PID)
        .max_by(|a, b| a.footprint().cmp(&b.footprint()).then(a.pid.cmp(&b.pid)))
        .copied();
    best.or_else(|| procs.iter().find(|p| p.pid == INIT_PID).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(pid: u32, resident: u64, swapped: u64) -> OomCandidate {
        OomCandidate { pid, resident, swapped }
    }

    #[test]
    fn largest_footprint_counts_swap_too() {
        let v = oom_victim(&[c(2, 100, 0), c(3, 60, 50), c(4, 10, 0)]).unwrap();
        assert_eq!(v.pid, 3, "110 pages (60 resident + 50 swapped) beats 100 resident");
    }

    #[test]
    fn ties_go_to_the_highest_pid_regardless_of_order() {
        let a = [c(5, 10, 10), c(9, 20, 0), c(7, 0, 20)];
        assert_eq!(oom_victim(&a).unwrap().pid, 9);
        let mut b = a;
        b.reverse();
        assert_eq!(oom_victim(&b).unwrap().pid, 9);
    }

    #[test]
    fn init_is_spared_unless_alone() {
        assert_eq!(oom_victim(&[c(1, 1000, 1000), c(2, 1, 0)]).unwrap().pid, 2);
        assert_eq!(oom_victim(&[c(1, 1000, 1000), c(2, 0, 0)]).unwrap().pid, 2);
        assert_eq!(oom_victim(&[c(1, 5, 5)]).unwrap().pid, 1);
        assert_eq!(oom_victim(&[]), None);
    }

    #[test]
    fn footprint_saturates() {
        assert_eq!(c(2, u64::MAX, 5).footprint(), u64::MAX);
        assert_eq!(oom_victim(&[c(2, u64::MAX, 5), c(3, u64::MAX, 0)]).unwrap().pid, 3, "tie at MAX: higher pid");
    }
}
