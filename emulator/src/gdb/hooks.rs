//! The debugger as a [`Tracer`]: breakpoints by pc match before an instruction,
//! watchpoints on the data accesses an instruction made, single step as "one event of
//! this hart" (an instruction retired, or a trap or interrupt taken).
//!
//! Breakpoints are matched against the pc instead of patching `ebreak` into memory: the
//! guest's memory, its decoded blocks, traces and instruction counts stay exactly what
//! they are without a debugger, and breakpoints work in ROM and on pages the guest has
//! not mapped yet. The run loop is generic over the tracer, so none of this exists in a
//! run without `--gdb`.

use crate::hart::{Hart, Privilege, Tracer, TrapEvent};
use crate::isa::Instr;
use gdbstub::target::ext::breakpoints::WatchKind;

/// A data watchpoint: `len` bytes at virtual `addr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watchpoint {
    pub addr: u64,
    pub len: u64,
    pub kind: WatchKind,
}

impl Watchpoint {
    fn hit_by(&self, vaddr: u64, size: u64, store: bool) -> bool {
        let kind_ok = match self.kind {
            WatchKind::Write => store,
            WatchKind::Read => !store,
            WatchKind::ReadWrite => true,
        };
        kind_ok && vaddr < self.addr.wrapping_add(self.len) && self.addr < vaddr.wrapping_add(size)
    }
}

/// Why the debugger stopped the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    /// A breakpoint at the hart's pc (software or hardware, as gdb set it).
    Break { hart: usize, hw: bool },
    /// An access by the instruction that just retired on `hart` hit a watchpoint.
    Watch { hart: usize, wp: Watchpoint },
    /// The hart being single-stepped completed one step.
    Step { hart: usize },
}

/// Breakpoints, watchpoints and the step request of a debug session.
#[derive(Debug, Default)]
pub struct Hooks {
    /// (virtual pc, hardware?) pairs.
    pub breakpoints: Vec<(u64, bool)>,
    pub watchpoints: Vec<Watchpoint>,
    /// The hart to stop after one step.
    pub step: Option<usize>,
    /// Per hart, the pc it was resumed at: a breakpoint there does not fire for the first
    /// instruction (gdb continues from a breakpoint it just reported).
    pub resumed_at: Vec<Option<u64>>,
    /// Set when a hook stopped the run.
    pub hit: Option<Hit>,
}

impl Hooks {
    /// True when nothing would ever stop a run (a plain run is then enough).
    pub fn idle(&self) -> bool {
        self.breakpoints.is_empty() && self.watchpoints.is_empty() && self.step.is_none()
    }
}

impl Tracer for Hooks {
    const ACTIVE: bool = true;

    fn stop_before(&mut self, hart: &Hart, pc: u64) -> bool {
        let id = hart.hartid as usize;
        let resumed = self.resumed_at.get_mut(id).and_then(Option::take);
        if resumed == Some(pc) || self.breakpoints.is_empty() {
            return false;
        }
        match self.breakpoints.iter().find(|b| b.0 == pc) {
            Some(&(_, hw)) => {
                self.hit = Some(Hit::Break { hart: id, hw });
                true
            }
            None => false,
        }
    }

    fn commit(&mut self, hart: &Hart, _pc: u64, _prv: Privilege, _ins: &Instr) {
        if self.watchpoints.is_empty() || self.hit.is_some() {
            return;
        }
        for a in &hart.mem_log {
            if let Some(wp) = self.watchpoints.iter().find(|w| w.hit_by(a.vaddr, a.size as u64, a.store)) {
                self.hit = Some(Hit::Watch { hart: hart.hartid as usize, wp: *wp });
                return;
            }
        }
    }

    fn trap(&mut self, hart: &Hart, _ev: &TrapEvent) {
        // A trap is a step's event too; the first instruction of the handler is new.
        if let Some(r) = self.resumed_at.get_mut(hart.hartid as usize) {
            *r = None;
        }
    }

    fn stop_after(&mut self, hart: &Hart) -> bool {
        let id = hart.hartid as usize;
        if let Some(r) = self.resumed_at.get_mut(id) {
            *r = None;
        }
        if self.hit.is_some() {
            return true;
        }
        if self.step == Some(id) {
            self.hit = Some(Hit::Step { hart: id });
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hart::MemAccess;
    use crate::mmu::MmuConfig;

    #[test]
    fn watchpoints_match_overlap_and_kind() {
        let w = Watchpoint { addr: 0x1000, len: 4, kind: WatchKind::Write };
        assert!(w.hit_by(0x1003, 1, true));
        assert!(w.hit_by(0x0ffc, 8, true));
        assert!(!w.hit_by(0x1004, 4, true));
        assert!(!w.hit_by(0x1000, 4, false));
        let r = Watchpoint { kind: WatchKind::Read, ..w };
        assert!(r.hit_by(0x1000, 1, false) && !r.hit_by(0x1000, 1, true));
    }

    #[test]
    fn breakpoint_skipped_once_after_resume_and_watch_hit_stops_after() {
        let mut h = Hart::new(0, MmuConfig::default());
        let mut hooks = Hooks { breakpoints: vec![(0x80, false)], resumed_at: vec![Some(0x80)], ..Default::default() };
        assert!(!hooks.stop_before(&h, 0x80), "resumed on the breakpoint: it does not fire again at once");
        assert!(hooks.stop_before(&h, 0x80));
        assert_eq!(hooks.hit, Some(Hit::Break { hart: 0, hw: false }));
        hooks.hit = None;
        hooks.watchpoints.push(Watchpoint { addr: 0x2000, len: 8, kind: WatchKind::Write });
        h.mem_log.push(MemAccess { vaddr: 0x2004, value: 1, size: 4, store: true });
        hooks.commit(&h, 0x84, Privilege::Machine, &crate::isa::decode(0x13));
        assert!(hooks.stop_after(&h));
        assert!(matches!(hooks.hit, Some(Hit::Watch { hart: 0, .. })));
    }
}
