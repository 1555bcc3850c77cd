//! A hart: architectural state (registers, pc, privilege, CSRs, MMU) and instruction
//! execution. [`Core`] pairs a hart with its decoded-instruction cache and runs it.

pub mod csr;
mod exec;
mod exec_amo;
mod exec_bitmanip;
mod exec_block;
mod exec_cmo;
mod exec_fp;
mod icache;
mod mem;
mod run;
pub mod trap;
mod uop;

pub use run::{Core, NoTrace, StopReason, Tracer};
pub use trap::{Exception, TrapEvent};

use crate::mmu::{Mmu, MmuConfig, TranslateCtx};
use csr::{mstatus, CsrFile};

/// Privilege levels (Privileged spec 1.2, table 1.1), ordered so that `U < S < M`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Privilege {
    User = 0,
    Supervisor = 1,
    Machine = 3,
}

impl Privilege {
    /// From the 2-bit encoding; the reserved value 2 reads as U (MPP is legalized on write).
    pub fn from_bits(b: u64) -> Privilege {
        match b & 3 {
            3 => Privilege::Machine,
            1 => Privilege::Supervisor,
            _ => Privilege::User,
        }
    }

    /// One-letter name as in Spike's commit log (0, 1, 3).
    pub fn letter(self) -> char {
        match self {
            Privilege::User => 'U',
            Privilege::Supervisor => 'S',
            Privilege::Machine => 'M',
        }
    }
}

/// Counters kept per hart for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct HartStats {
    /// Retired instructions per privilege (indexed by the privilege encoding).
    pub retired_by_priv: [u64; 4],
    /// Exceptions taken, by cause code.
    pub exceptions: [u64; 16],
    /// Interrupts taken, by cause code.
    pub interrupts: [u64; 16],
}

/// The architectural state of one hart.
pub struct Hart {
    /// Integer registers; `x[0]` is kept zero.
    pub x: [u64; 32],
    /// FP registers, holding NaN-boxed singles or doubles.
    pub f: [u64; 32],
    pub pc: u64,
    pub prv: Privilege,
    pub csr: CsrFile,
    pub mmu: Mmu,
    pub hartid: u64,
    /// Instructions retired since reset (drives `minstret` and the time base).
    pub retired: u64,
    /// Cycles spent waiting in WFI.
    pub idle: u64,
    /// Traps taken (each costs one cycle, so a guest stuck in a trap loop still moves
    /// time and the instruction limit forward).
    pub traps: u64,
    /// Device interrupt lines into `mip` (MSIP, MTIP, MEIP, SEIP; STIP under Sstc).
    pub irq_lines: u64,
    /// `mtime - cycles`, copied from the CLINT at block boundaries.
    pub mtime_offset: u64,
    /// True while stalled in WFI.
    pub waiting: bool,
    /// Translation on for instruction fetch / for loads and stores (satp and privilege).
    fetch_paging: bool,
    data_paging: bool,
    /// Fetches / loads and stores go through the MMU at all: translation is on, or PMP
    /// applies (below M, or in M while an entry is locked). False means pa = va and no
    /// check, the cost-free path of M-mode without locked PMP entries.
    fetch_check: bool,
    data_check: bool,
    /// Translation contexts for fetches and for loads/stores, rebuilt with the flags above.
    fetch_ctx: TranslateCtx,
    data_ctx: TranslateCtx,
    /// Set by FENCE.I: the decoded-instruction cache must be flushed.
    pub(crate) flush_icache: bool,
    /// Memory accesses of the current instruction, recorded only while tracing.
    pub log_mem: bool,
    pub mem_log: Vec<MemAccess>,
    /// The IEEE exception flags the last FP computation raised (for the commit log, which
    /// shows an `fflags` write whenever flags were raised, as Spike's does).
    pub fp_raised: u8,
    pub stats: HartStats,
}

/// One memory access, for the commit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemAccess {
    pub vaddr: u64,
    pub value: u64,
    pub size: u8,
    pub store: bool,
}

impl Hart {
    pub fn new(hartid: u64, mmu_cfg: MmuConfig) -> Hart {
        let mut h = Hart {
            x: [0; 32],
            f: [0; 32],
            pc: 0x1000,
            prv: Privilege::Machine,
            csr: CsrFile::default(),
            mmu: Mmu::new(mmu_cfg),
            hartid,
            retired: 0,
            idle: 0,
            traps: 0,
            irq_lines: 0,
            mtime_offset: 0,
            waiting: false,
            fetch_paging: false,
            data_paging: false,
            fetch_check: false,
            data_check: false,
            fetch_ctx: TranslateCtx::new(0, Privilege::Machine, false, false),
            data_ctx: TranslateCtx::new(0, Privilege::Machine, false, false),
            flush_icache: false,
            log_mem: false,
            mem_log: Vec::new(),
            fp_raised: 0,
            stats: HartStats::default(),
        };
        h.reset(0x1000);
        h
    }

    /// Resets to M-mode at `pc` (Privileged 3.4): MIE and MPRV clear, satp Bare.
    pub fn reset(&mut self, pc: u64) {
        self.pc = pc;
        self.prv = Privilege::Machine;
        self.csr = CsrFile::default();
        self.waiting = false;
        // PMP entries reset to OFF and unlocked (Privileged 3.7.1); pmp_changed also
        // recomputes the translation mode.
        self.pmp_changed();
    }

    /// Cycle count: retired instructions and traps taken (one cycle each) plus WFI idle
    /// cycles.
    #[inline]
    pub fn cycles(&self) -> u64 {
        self.retired.wrapping_add(self.idle).wrapping_add(self.traps)
    }

    /// `mtime` as this hart sees it.
    #[inline]
    pub fn time(&self) -> u64 {
        self.cycles().wrapping_add(self.mtime_offset)
    }

    pub fn set_privilege(&mut self, p: Privilege) {
        self.prv = p;
        self.update_translation_mode();
    }

    /// The privilege loads and stores are checked against: MPP when MPRV is set in M-mode
    /// (Privileged 3.1.6.3).
    pub fn data_privilege(&self) -> Privilege {
        if self.prv == Privilege::Machine && self.csr.mstatus & mstatus::MPRV != 0 {
            Privilege::from_bits((self.csr.mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT)
        } else {
            self.prv
        }
    }

    /// Recomputes whether fetches and data accesses translate, after a change to satp,
    /// privilege or mstatus.
    pub fn update_translation_mode(&mut self) {
        let on = self.csr.satp >> 60 != 0;
        let data_prv = self.data_privilege();
        self.fetch_paging = on && self.prv != Privilege::Machine;
        self.data_paging = on && data_prv != Privilege::Machine;
        self.fetch_check = self.fetch_paging || self.mmu.pmp.checks_needed(self.prv);
        self.data_check = self.data_paging || self.mmu.pmp.checks_needed(data_prv);
        // Without translation the MMU sees satp Bare: it only checks PMP.
        self.fetch_ctx = self.translate_ctx(self.prv);
        self.data_ctx = self.translate_ctx(data_prv);
        if !self.fetch_paging {
            self.fetch_ctx.satp = 0;
        }
        if !self.data_paging {
            self.data_ctx.satp = 0;
        }
    }

    /// The context the MMU needs for an access at privilege `prv`.
    #[inline]
    pub fn translate_ctx(&self, prv: Privilege) -> TranslateCtx {
        let ms = self.csr.mstatus;
        TranslateCtx::new(self.csr.satp, prv, ms & mstatus::SUM != 0, ms & mstatus::MXR != 0)
            .with_pbmte(self.csr.menvcfg & csr::MENVCFG_PBMTE != 0)
    }

    /// Reads integer register `r`.
    #[inline(always)]
    pub fn xr(&self, r: u8) -> u64 {
        self.x[r as usize & 31]
    }

    /// Writes integer register `r` (writes to x0 are discarded).
    #[inline(always)]
    pub fn xw(&mut self, r: u8, v: u64) {
        self.x[r as usize & 31] = v;
        self.x[0] = 0;
    }
}
