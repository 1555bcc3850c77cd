//! Exceptions, interrupts, and trap entry (Privileged spec 3.1.6-3.1.9, 3.1.15-3.1.16,
//! 4.1.1-4.1.9).

use super::{Hart, Privilege};
use crate::hart::csr::mstatus;

/// A synchronous exception, carrying the value the trap writes to `xtval`
/// (Privileged table 3.6 gives the codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    InstructionAddressMisaligned(u64),
    InstructionAccessFault(u64),
    IllegalInstruction(u64),
    Breakpoint(u64),
    LoadAddressMisaligned(u64),
    LoadAccessFault(u64),
    StoreAddressMisaligned(u64),
    StoreAccessFault(u64),
    EnvironmentCallFromU,
    EnvironmentCallFromS,
    EnvironmentCallFromM,
    InstructionPageFault(u64),
    LoadPageFault(u64),
    StorePageFault(u64),
}

impl Exception {
    /// The exception code written to `xcause` (interrupt bit clear).
    pub fn code(&self) -> u64 {
        use Exception::*;
        match self {
            InstructionAddressMisaligned(_) => 0,
            InstructionAccessFault(_) => 1,
            IllegalInstruction(_) => 2,
            Breakpoint(_) => 3,
            LoadAddressMisaligned(_) => 4,
            LoadAccessFault(_) => 5,
            StoreAddressMisaligned(_) => 6,
            StoreAccessFault(_) => 7,
            EnvironmentCallFromU => 8,
            EnvironmentCallFromS => 9,
            EnvironmentCallFromM => 11,
            InstructionPageFault(_) => 12,
            LoadPageFault(_) => 13,
            StorePageFault(_) => 15,
        }
    }

    /// The value written to `xtval`.
    pub fn tval(&self) -> u64 {
        use Exception::*;
        match *self {
            InstructionAddressMisaligned(v)
            | InstructionAccessFault(v)
            | IllegalInstruction(v)
            | Breakpoint(v)
            | LoadAddressMisaligned(v)
            | LoadAccessFault(v)
            | StoreAddressMisaligned(v)
            | StoreAccessFault(v)
            | InstructionPageFault(v)
            | LoadPageFault(v)
            | StorePageFault(v) => v,
            EnvironmentCallFromU | EnvironmentCallFromS | EnvironmentCallFromM => 0,
        }
    }

    /// A short name as the spec's table of exception codes words it.
    pub fn name(&self) -> &'static str {
        EXCEPTION_NAMES[self.code() as usize]
    }
}

/// Exception names by cause code (Privileged table 3.6).
pub const EXCEPTION_NAMES: [&str; 16] = [
    "instruction address misaligned",
    "instruction access fault",
    "illegal instruction",
    "breakpoint",
    "load address misaligned",
    "load access fault",
    "store/AMO address misaligned",
    "store/AMO access fault",
    "environment call from U-mode",
    "environment call from S-mode",
    "reserved (10)",
    "environment call from M-mode",
    "instruction page fault",
    "load page fault",
    "reserved (14)",
    "store/AMO page fault",
];

/// Interrupt numbers (bit positions in `mip`/`mie`, Privileged 3.1.9).
pub mod irq {
    pub const SSI: u64 = 1;
    pub const MSI: u64 = 3;
    pub const STI: u64 = 5;
    pub const MTI: u64 = 7;
    pub const SEI: u64 = 9;
    pub const MEI: u64 = 11;
    pub const SSIP: u64 = 1 << SSI;
    pub const MSIP: u64 = 1 << MSI;
    pub const STIP: u64 = 1 << STI;
    pub const MTIP: u64 = 1 << MTI;
    pub const SEIP: u64 = 1 << SEI;
    pub const MEIP: u64 = 1 << MEI;
    /// Priority order for simultaneous interrupts (Privileged 3.1.9): MEI, MSI, MTI, SEI, SSI, STI.
    pub const PRIORITY: [u64; 6] = [MEI, MSI, MTI, SEI, SSI, STI];
}

/// What a trap did, for traces and statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapEvent {
    pub cause: u64,
    pub interrupt: bool,
    pub tval: u64,
    pub epc: u64,
    pub from: Privilege,
    pub to: Privilege,
}

impl Hart {
    /// Takes a synchronous exception raised by the instruction at `self.pc`.
    pub fn take_exception(&mut self, e: Exception) -> TrapEvent {
        self.enter_trap(e.code(), false, e.tval())
    }

    /// Returns the interrupt to take now, if any (Privileged 3.1.6.1 and 3.1.9): an
    /// interrupt i traps to M if it is pending and enabled in mie, not delegated, and
    /// either the hart runs below M or mstatus.MIE is set; a delegated one traps to S if the
    /// hart runs below S, or in S with sstatus.SIE set. M-level interrupts come first.
    pub fn pending_interrupt(&self) -> Option<u64> {
        let pending = self.mip() & self.csr.mie;
        if pending == 0 {
            return None;
        }
        let mstatus = self.csr.mstatus;
        let m_enabled = self.prv < Privilege::Machine || mstatus & mstatus::MIE != 0;
        let s_enabled =
            self.prv < Privilege::Supervisor || (self.prv == Privilege::Supervisor && mstatus & mstatus::SIE != 0);
        let m = if m_enabled { pending & !self.csr.mideleg } else { 0 };
        let s = if s_enabled { pending & self.csr.mideleg } else { 0 };
        let set = if m != 0 { m } else { s };
        irq::PRIORITY.iter().copied().find(|&i| set & (1 << i) != 0)
    }

    /// Takes interrupt number `i`.
    pub fn take_interrupt(&mut self, i: u64) -> TrapEvent {
        self.enter_trap(i, true, 0)
    }

    /// Trap entry common to exceptions and interrupts (Privileged 3.1.6.1, 3.1.7, 4.1.1).
    fn enter_trap(&mut self, cause: u64, interrupt: bool, tval: u64) -> TrapEvent {
        let from = self.prv;
        let deleg = if interrupt { self.csr.mideleg } else { self.csr.medeleg };
        let epc = self.pc;
        let xcause = cause | if interrupt { 1 << 63 } else { 0 };
        let to_s = from <= Privilege::Supervisor && (deleg >> cause) & 1 != 0;
        let ms = self.csr.mstatus;
        let (tvec, to) = if to_s {
            self.csr.scause = xcause;
            self.csr.sepc = epc;
            self.csr.stval = tval;
            let mut s = ms & !(mstatus::SPP | mstatus::SPIE | mstatus::SIE);
            if ms & mstatus::SIE != 0 {
                s |= mstatus::SPIE;
            }
            if from == Privilege::Supervisor {
                s |= mstatus::SPP;
            }
            self.csr.mstatus = s;
            (self.csr.stvec, Privilege::Supervisor)
        } else {
            self.csr.mcause = xcause;
            self.csr.mepc = epc;
            self.csr.mtval = tval;
            let mut m = ms & !(mstatus::MPP | mstatus::MPIE | mstatus::MIE);
            if ms & mstatus::MIE != 0 {
                m |= mstatus::MPIE;
            }
            m |= (from as u64) << mstatus::MPP_SHIFT;
            self.csr.mstatus = m;
            (self.csr.mtvec, Privilege::Machine)
        };
        // Vectored mode (MODE = 1) sends interrupts to BASE + 4 * cause (Privileged 3.1.7).
        let base = tvec & !3;
        self.pc = if interrupt && tvec & 3 == 1 { base.wrapping_add(4 * cause) } else { base };
        self.set_privilege(to);
        TrapEvent { cause, interrupt, tval, epc, from, to }
    }

    /// MRET (Privileged 3.3.2): return to MPP, MIE = MPIE, MPIE = 1, MPP = U, and MPRV
    /// cleared when returning below M.
    pub fn mret(&mut self) {
        let ms = self.csr.mstatus;
        let to = Privilege::from_bits((ms & mstatus::MPP) >> mstatus::MPP_SHIFT);
        let mut m = ms & !(mstatus::MIE | mstatus::MPP);
        if ms & mstatus::MPIE != 0 {
            m |= mstatus::MIE;
        }
        m |= mstatus::MPIE;
        if to != Privilege::Machine {
            m &= !mstatus::MPRV;
        }
        self.csr.mstatus = m;
        self.pc = self.csr.mepc;
        self.set_privilege(to);
    }

    /// SRET (Privileged 3.3.2, 4.1.1): return to SPP, SIE = SPIE, SPIE = 1, SPP = U,
    /// MPRV cleared.
    pub fn sret(&mut self) {
        let ms = self.csr.mstatus;
        let to = if ms & mstatus::SPP != 0 { Privilege::Supervisor } else { Privilege::User };
        let mut s = ms & !(mstatus::SIE | mstatus::SPP | mstatus::MPRV);
        if ms & mstatus::SPIE != 0 {
            s |= mstatus::SIE;
        }
        s |= mstatus::SPIE;
        self.csr.mstatus = s;
        self.pc = self.csr.sepc;
        self.set_privilege(to);
    }
}
