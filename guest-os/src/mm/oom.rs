//! The OOM killer: memory and swap are exhausted, so a process must end (the one with
//! the largest resident + swapped footprint, `vmcore::oom`).
//!
//! Layer: the top of memory management; called by the fault handler when a fault found
//! no frame even after reclaim.

use super::frame;
use super::swap;
use super::vm::AddressSpace;
use crate::proc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

/// Processes killed by the OOM killer.
pub static OOM_KILLS: AtomicU64 = AtomicU64::new(0);

/// The pid the OOM killer last chose, while it is still dying.
static OOM_PENDING: Mutex<i32> = Mutex::new(0);

/// The OOM killer, called when a fault of the current process (address space `cur`)
/// found no frame even after reclaim. Picks the process with the largest resident +
/// swapped footprint (`vmcore::oom`). Returns true if the current process is the victim
/// (the caller kills it); otherwise the victim has been marked killed (or is still dying
/// from an earlier choice) and the caller should let it run and retry.
pub fn oom(cur: &AddressSpace) -> bool {
    use vmcore::oom::{oom_victim, OomCandidate};
    let Some(cur_pid) = proc::try_current_pid() else { return true };
    {
        let mut pend = OOM_PENDING.lock();
        if *pend != 0 && *pend != cur_pid && proc::task_of(*pend).is_some() {
            return false;
        }
        *pend = 0;
    }
    let mut c = Vec::new();
    for (pid, _, task) in proc::vm_owners() {
        let (resident, swapped) = if pid == cur_pid {
            (cur.pages as u64, cur.swapped as u64)
        } else {
            match task.try_lock() {
                Some(g) => (g.aspace.pages as u64, g.aspace.swapped as u64),
                None => (proc::pages_of(pid), 0),
            }
        };
        if c.try_reserve(1).is_ok() {
            c.push(OomCandidate { pid: pid as u32, resident, swapped });
        }
    }
    let Some(v) = oom_victim(&c) else { return true };
    let (used, total) = swap::usage();
    crate::kprintln!(
        "oom: out of memory (free frames {}, swap {used}/{total}): killing pid {} ({} pages resident, {} swapped)",
        frame::stats().0,
        v.pid,
        v.resident,
        v.swapped
    );
    OOM_KILLS.fetch_add(1, Ordering::Relaxed);
    if v.pid as i32 == cur_pid {
        return true;
    }
    let _ = proc::kill(v.pid as i32, abi::signal::SIGKILL as i32);
    *OOM_PENDING.lock() = v.pid as i32;
    false
}
