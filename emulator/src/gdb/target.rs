//! The machine as a gdbstub [`Target`]: harts are threads (tid = hart index + 1),
//! registers and CSRs by gdb's numbers, memory through [`super::memory`], breakpoints and
//! watchpoints into [`Hooks`], and the resume actions (continue, step) that the event
//! loop in [`super::session`] carries out.

use super::arch::{CoreRegs, Reg, Rv64};
use super::hooks::{Hooks, Watchpoint};
use super::memory;
use crate::hart::csr::addr;
use crate::hart::{Hart, Privilege};
use crate::machine::{Machine, Outcome, Turn};
use gdbstub::common::{Signal, Tid};
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::single_register_access::{SingleRegisterAccess, SingleRegisterAccessOps};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps, SwBreakpoint,
    SwBreakpointOps, WatchKind,
};
use gdbstub::target::ext::target_description_xml_override::{
    TargetDescriptionXmlOverride, TargetDescriptionXmlOverrideOps,
};
use gdbstub::target::{Target, TargetError, TargetResult};

/// errno values in error replies (`Exx`), as gdb prints them.
const EFAULT: u8 = 14;
const EINVAL: u8 = 22;

/// A machine under a debugger, and where its scheduler stands.
pub struct DebugTarget {
    pub m: Machine,
    pub hooks: Hooks,
    pub turn: Turn,
    pub max_insns: Option<u64>,
    /// How the run ended, once it has.
    pub outcome: Option<Outcome>,
}

/// Fatal target errors (none so far: every failure is an error reply).
#[derive(Debug, thiserror::Error)]
#[error("debug target failure")]
pub struct Fatal;

impl DebugTarget {
    pub fn new(m: Machine, turn: Turn, max_insns: Option<u64>) -> DebugTarget {
        let harts = m.cores.len();
        let hooks = Hooks { resumed_at: vec![None; harts], ..Default::default() };
        DebugTarget { m, hooks, turn, max_insns, outcome: None }
    }

    /// The hart index of thread `tid`, if it exists.
    fn hart_index(&self, tid: Tid) -> Option<usize> {
        let i = tid.get() - 1;
        (i < self.m.cores.len()).then_some(i)
    }

    fn hart(&self, tid: Tid) -> Result<&Hart, TargetError<Fatal>> {
        let i = self.hart_index(tid).ok_or(TargetError::Errno(EINVAL))?;
        Ok(&self.m.cores[i].hart)
    }

    /// The hart of `tid`, to change: the run then resumes with a full look at the
    /// machine state rather than inside the block it stopped in.
    fn hart_mut(&mut self, tid: Tid) -> Result<&mut Hart, TargetError<Fatal>> {
        let i = self.hart_index(tid).ok_or(TargetError::Errno(EINVAL))?;
        self.m.cores[i].state_changed();
        Ok(&mut self.m.cores[i].hart)
    }

    /// The thread of hart `i`.
    pub fn tid(i: usize) -> Tid {
        Tid::new(i + 1).unwrap_or(Tid::MIN)
    }

    /// Whether `addr` is memory (RAM or ROM) through some hart's translation now: a
    /// watchpoint elsewhere (unmapped, a device) is refused.
    fn mapped(&self, addr: u64) -> bool {
        self.m.cores.iter().any(|c| memory::read(&c.hart, &self.m.bus, addr, &mut [0u8; 1]).is_ok())
    }
}

/// Reads a register as gdb sees it; `None` when it does not exist.
pub fn read_reg(h: &Hart, reg: Reg) -> Option<u64> {
    let c = &h.csr;
    Some(match reg {
        Reg::X(i) => h.x[i as usize & 31],
        Reg::Pc => h.pc,
        Reg::F(i) => h.f[i as usize & 31],
        Reg::Priv => h.prv as u64,
        // The debugger sees FP and counter CSRs whatever mstatus.FS and the counter
        // enables say (those gate the guest's accesses, not the debugger's).
        Reg::Csr(addr::FFLAGS) => c.fflags,
        Reg::Csr(addr::FRM) => c.frm,
        Reg::Csr(addr::FCSR) => c.frm << 5 | c.fflags,
        Reg::Csr(addr::CYCLE) => h.mcycle(),
        Reg::Csr(addr::TIME) => h.time(),
        Reg::Csr(addr::INSTRET) => h.minstret(),
        Reg::Csr(addr::SATP) => c.satp,
        Reg::Csr(n) => h.csr_read(n)?,
        Reg::Unknown(_) => return None,
    })
}

/// Writes a register; `None` when it does not exist or cannot be written.
pub fn write_reg(h: &mut Hart, reg: Reg, v: u64) -> Option<()> {
    match reg {
        Reg::X(i) => h.xw(i, v),
        Reg::Pc => h.pc = v,
        Reg::F(i) => h.f[i as usize & 31] = v,
        Reg::Priv => match v {
            0 | 1 | 3 => h.set_privilege(Privilege::from_bits(v)),
            _ => return None,
        },
        Reg::Csr(addr::FFLAGS) => h.csr.fflags = v & 0x1f,
        Reg::Csr(addr::FRM) => h.csr.frm = v & 7,
        Reg::Csr(addr::FCSR) => {
            h.csr.fflags = v & 0x1f;
            h.csr.frm = (v >> 5) & 7;
        }
        Reg::Csr(n) => {
            h.csr_write(n, v)?;
            h.update_translation_mode();
        }
        Reg::Unknown(_) => return None,
    }
    Some(())
}

impl Target for DebugTarget {
    type Arch = Rv64;
    type Error = Fatal;

    fn base_ops(&mut self) -> BaseOps<'_, Rv64, Fatal> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_target_description_xml_override(&mut self) -> Option<TargetDescriptionXmlOverrideOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for DebugTarget {
    fn read_registers(&mut self, regs: &mut CoreRegs, tid: Tid) -> TargetResult<(), Self> {
        let h = self.hart(tid)?;
        regs.x = h.x;
        regs.pc = h.pc;
        Ok(())
    }

    fn write_registers(&mut self, regs: &CoreRegs, tid: Tid) -> TargetResult<(), Self> {
        let h = self.hart_mut(tid)?;
        h.x = regs.x;
        h.x[0] = 0;
        h.pc = regs.pc;
        Ok(())
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, Tid, Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], tid: Tid) -> TargetResult<usize, Self> {
        let i = self.hart_index(tid).unwrap_or(0);
        memory::read(&self.m.cores[i].hart, &self.m.bus, start, data).map_err(|_| TargetError::Errno(EFAULT))
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], tid: Tid) -> TargetResult<(), Self> {
        let i = self.hart_index(tid).unwrap_or(0);
        let m = &mut self.m;
        memory::write(&m.cores[i].hart, &mut m.bus, start, data).map_err(|_| TargetError::Errno(EFAULT))?;
        m.cores.iter_mut().for_each(|c| c.state_changed());
        Ok(())
    }

    fn list_active_threads(&mut self, thread_is_active: &mut dyn FnMut(Tid)) -> Result<(), Fatal> {
        (0..self.m.cores.len()).for_each(|i| thread_is_active(Self::tid(i)));
        Ok(())
    }

    fn is_thread_alive(&mut self, tid: Tid) -> Result<bool, Fatal> {
        Ok(self.hart_index(tid).is_some())
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<Tid> for DebugTarget {
    fn read_register(&mut self, tid: Tid, reg: Reg, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let v = read_reg(self.hart(tid)?, reg).ok_or(TargetError::Errno(EINVAL))?;
        let n = reg.size().min(buf.len());
        buf[..n].copy_from_slice(&v.to_le_bytes()[..n]);
        Ok(n)
    }

    fn write_register(&mut self, tid: Tid, reg: Reg, val: &[u8]) -> TargetResult<(), Self> {
        let mut b = [0u8; 8];
        let n = val.len().min(8);
        b[..n].copy_from_slice(&val[..n]);
        write_reg(self.hart_mut(tid)?, reg, u64::from_le_bytes(b)).ok_or(TargetError::Errno(EINVAL))
    }
}

impl MultiThreadResume for DebugTarget {
    fn resume(&mut self) -> Result<(), Fatal> {
        for (i, c) in self.m.cores.iter().enumerate() {
            self.hooks.resumed_at[i] = Some(c.hart.pc);
        }
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), Fatal> {
        self.hooks.step = None;
        Ok(())
    }

    fn set_resume_action_continue(&mut self, _tid: Tid, _signal: Option<Signal>) -> Result<(), Fatal> {
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

/// gdb asks for this when it resumes one thread only (`stepi`, or `set scheduler-locking
/// on`). The other harts keep running all the same: they advance by the deterministic
/// scheduler, so that a run under gdb is the run without it (docs/gdb.md). With one hart
/// this is exact.
impl MultiThreadSchedulerLocking for DebugTarget {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Fatal> {
        Ok(())
    }
}

impl MultiThreadSingleStep for DebugTarget {
    fn set_resume_action_step(&mut self, tid: Tid, _signal: Option<Signal>) -> Result<(), Fatal> {
        self.hooks.step = self.hart_index(tid);
        Ok(())
    }
}

impl Breakpoints for DebugTarget {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl DebugTarget {
    fn add_break(&mut self, addr: u64, hw: bool) -> bool {
        if !self.hooks.breakpoints.contains(&(addr, hw)) {
            self.hooks.breakpoints.push((addr, hw));
        }
        true
    }

    fn remove_break(&mut self, addr: u64, hw: bool) -> bool {
        let before = self.hooks.breakpoints.len();
        self.hooks.breakpoints.retain(|b| *b != (addr, hw));
        self.hooks.breakpoints.len() != before
    }
}

impl SwBreakpoint for DebugTarget {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.add_break(addr, false))
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.remove_break(addr, false))
    }
}

impl HwBreakpoint for DebugTarget {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.add_break(addr, true))
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.remove_break(addr, true))
    }
}

impl HwWatchpoint for DebugTarget {
    fn add_hw_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        if len == 0 || len > 4096 || !self.mapped(addr) {
            return Err(TargetError::Errno(EFAULT));
        }
        let wp = Watchpoint { addr, len, kind };
        if !self.hooks.watchpoints.contains(&wp) {
            self.hooks.watchpoints.push(wp);
        }
        Ok(true)
    }

    fn remove_hw_watchpoint(&mut self, addr: u64, len: u64, kind: WatchKind) -> TargetResult<bool, Self> {
        let before = self.hooks.watchpoints.len();
        self.hooks.watchpoints.retain(|w| *w != Watchpoint { addr, len, kind });
        Ok(self.hooks.watchpoints.len() != before)
    }
}

impl TargetDescriptionXmlOverride for DebugTarget {
    fn target_description_xml(
        &self,
        annex: &[u8],
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let annex = std::str::from_utf8(annex).map_err(|_| TargetError::Errno(EINVAL))?;
        let doc = super::arch::description(annex).ok_or(TargetError::Errno(EINVAL))?;
        let bytes = doc.as_bytes();
        let start = (offset as usize).min(bytes.len());
        let n = length.min(buf.len()).min(bytes.len() - start);
        buf[..n].copy_from_slice(&bytes[start..start + n]);
        Ok(n)
    }
}
