//! Control and status registers (Privileged spec ch. 2 "CSR Listing", 3.1, 4.1; Zicntr
//! and Zicsr in the Unprivileged spec ch. 9-10; Sstc).
//!
//! Each CSR knows its write mask and who may access it: the address encodes the lowest
//! privilege (bits 9:8) and read-only-ness (bits 11:10 = 0b11) (Privileged 2.1). Access
//! from too low a privilege, a write to a read-only CSR, or an address that names no CSR
//! raises illegal-instruction.
//!
//! PMP: `pmpcfg0..14` (even numbers, RV64) and `pmpaddr0..63` are present; entries
//! 0..15 are implemented, the rest read-only zero. Writes follow the lock rules and
//! re-decode the entries the MMU checks accesses against (`mmu::pmp`).

use super::trap::{irq, Exception};
use super::{Hart, Privilege};
use crate::mmu::pmp;

/// CSR addresses (Privileged spec tables 2.2-2.6).
pub mod addr {
    pub const FFLAGS: u16 = 0x001;
    pub const FRM: u16 = 0x002;
    pub const FCSR: u16 = 0x003;
    pub const CYCLE: u16 = 0xC00;
    pub const TIME: u16 = 0xC01;
    pub const INSTRET: u16 = 0xC02;
    pub const HPMCOUNTER3: u16 = 0xC03;
    pub const HPMCOUNTER31: u16 = 0xC1F;
    pub const SSTATUS: u16 = 0x100;
    pub const SIE: u16 = 0x104;
    pub const STVEC: u16 = 0x105;
    pub const SCOUNTEREN: u16 = 0x106;
    pub const SENVCFG: u16 = 0x10A;
    pub const SSCRATCH: u16 = 0x140;
    pub const SEPC: u16 = 0x141;
    pub const SCAUSE: u16 = 0x142;
    pub const STVAL: u16 = 0x143;
    pub const SIP: u16 = 0x144;
    pub const STIMECMP: u16 = 0x14D;
    pub const SATP: u16 = 0x180;
    pub const MVENDORID: u16 = 0xF11;
    pub const MARCHID: u16 = 0xF12;
    pub const MIMPID: u16 = 0xF13;
    pub const MHARTID: u16 = 0xF14;
    pub const MCONFIGPTR: u16 = 0xF15;
    pub const MSTATUS: u16 = 0x300;
    pub const MISA: u16 = 0x301;
    pub const MEDELEG: u16 = 0x302;
    pub const MIDELEG: u16 = 0x303;
    pub const MIE: u16 = 0x304;
    pub const MTVEC: u16 = 0x305;
    pub const MCOUNTEREN: u16 = 0x306;
    pub const MENVCFG: u16 = 0x30A;
    pub const MCOUNTINHIBIT: u16 = 0x320;
    pub const MHPMEVENT3: u16 = 0x323;
    pub const MHPMEVENT31: u16 = 0x33F;
    pub const MSCRATCH: u16 = 0x340;
    pub const MEPC: u16 = 0x341;
    pub const MCAUSE: u16 = 0x342;
    pub const MTVAL: u16 = 0x343;
    pub const MIP: u16 = 0x344;
    pub const PMPCFG0: u16 = 0x3A0;
    pub const PMPCFG15: u16 = 0x3AF;
    pub const PMPADDR0: u16 = 0x3B0;
    pub const PMPADDR63: u16 = 0x3EF;
    pub const TSELECT: u16 = 0x7A0;
    pub const TDATA1: u16 = 0x7A1;
    pub const TDATA2: u16 = 0x7A2;
    pub const TDATA3: u16 = 0x7A3;
    pub const MCYCLE: u16 = 0xB00;
    pub const MINSTRET: u16 = 0xB02;
    pub const MHPMCOUNTER3: u16 = 0xB03;
    pub const MHPMCOUNTER31: u16 = 0xB1F;
}

/// `mstatus` fields (Privileged 3.1.6, figure 3.7 for RV64).
pub mod mstatus {
    pub const SIE: u64 = 1 << 1;
    pub const MIE: u64 = 1 << 3;
    pub const SPIE: u64 = 1 << 5;
    pub const MPIE: u64 = 1 << 7;
    pub const SPP: u64 = 1 << 8;
    pub const MPP_SHIFT: u64 = 11;
    pub const MPP: u64 = 3 << MPP_SHIFT;
    pub const FS_SHIFT: u64 = 13;
    pub const FS: u64 = 3 << FS_SHIFT;
    pub const FS_DIRTY: u64 = 3 << FS_SHIFT;
    pub const MPRV: u64 = 1 << 17;
    pub const SUM: u64 = 1 << 18;
    pub const MXR: u64 = 1 << 19;
    pub const TVM: u64 = 1 << 20;
    pub const TW: u64 = 1 << 21;
    pub const TSR: u64 = 1 << 22;
    /// UXL = SXL = 2 (64-bit), read-only.
    pub const UXL_SXL_64: u64 = (2 << 32) | (2 << 34);
    pub const SD: u64 = 1 << 63;
    pub const WRITABLE: u64 = SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
    /// The view through `sstatus` (Privileged 4.1.1).
    pub const SSTATUS_VIEW: u64 = SIE | SPIE | SPP | FS | SUM | MXR | (3 << 32) | SD;
    pub const SSTATUS_WRITABLE: u64 = SIE | SPIE | SPP | FS | SUM | MXR;
}

/// `misa`: MXL = 2 (RV64) and extensions A, C, D, F, I, M, S, U (Privileged 3.1.1).
pub const MISA: u64 = (2 << 62)
    | (1 << 0)   // A
    | (1 << 2)   // C
    | (1 << 3)   // D
    | (1 << 5)   // F
    | (1 << 8)   // I
    | (1 << 12)  // M
    | (1 << 18)  // S
    | (1 << 20); // U

/// Exceptions that may be delegated to S-mode, Spike's set (riscv/csrs.cc
/// `medeleg_csr_t::unlogged_write`): causes 0-9, 12, 13, 15 (all but ecall from M), plus
/// software check (18) and hardware error (19), which rvsim never raises.
const MEDELEG_MASK: u64 = 0xb3ff | 1 << 18 | 1 << 19;
/// Interrupts that may be delegated: the supervisor ones.
const MIDELEG_MASK: u64 = irq::SSIP | irq::STIP | irq::SEIP;
const MIE_MASK: u64 = irq::SSIP | irq::MSIP | irq::STIP | irq::MTIP | irq::SEIP | irq::MEIP;
/// `mip` bits M-mode software may write; MSIP/MTIP/MEIP come from CLINT and PLIC.
const MIP_WRITABLE: u64 = irq::SSIP | irq::STIP | irq::SEIP;
/// `menvcfg`: FIOM (bit 0), CBIE (bits 5:4), CBCFE (bit 6), CBZE (bit 7), PBMTE (bit 62,
/// Svpbmt) and STCE (bit 63, Sstc) (Privileged 3.1.18). `senvcfg` has the same low bits
/// (4.1.10).
const MENVCFG_MASK: u64 = 1 | envcfg::CBIE | envcfg::CBCFE | envcfg::CBZE | MENVCFG_PBMTE | (1 << 63);
const SENVCFG_MASK: u64 = 1 | envcfg::CBIE | envcfg::CBCFE | envcfg::CBZE;
/// `menvcfg.PBMTE`: Svpbmt's PBMT field is usable (Privileged 3.1.18).
pub const MENVCFG_PBMTE: u64 = 1 << 62;
pub const MENVCFG_STCE: u64 = 1 << 63;

/// The Zicbom/Zicboz enable fields of `menvcfg` and `senvcfg` (Privileged 3.1.18, 4.1.10).
pub mod envcfg {
    /// CBIE: CBO.INVAL enable, `00` illegal, `01` flush, `11` invalidate (`10` reserved).
    pub const CBIE: u64 = 3 << 4;
    /// CBIE = `01`: CBO.INVAL performs a flush.
    pub const CBIE_FLUSH: u64 = 1 << 4;
    /// CBCFE: CBO.CLEAN and CBO.FLUSH enable.
    pub const CBCFE: u64 = 1 << 6;
    /// CBZE: CBO.ZERO enable.
    pub const CBZE: u64 = 1 << 7;

    /// Legalizes a write of an envcfg register under `mask`: the reserved CBIE value `10`
    /// (a WARL field) reads back as `00`.
    pub fn legalize(v: u64, mask: u64) -> u64 {
        let v = v & mask;
        if v & CBIE == 2 << 4 {
            v & !CBIE
        } else {
            v
        }
    }
}
/// `mcountinhibit`: CY (bit 0), IR (bit 2) and HPM3-31, all but TM, as Spike (riscv/
/// csr_init.cc: the Zicntr/Zihpm counter mask without TM). rvsim's hpmcounters read 0, so
/// their inhibit bits only hold their value.
const MCOUNTINHIBIT_MASK: u64 = 0xffff_fffd;

/// The CSR state that is plain storage. Counters and derived views live in [`Hart`].
#[derive(Clone, Debug)]
pub struct CsrFile {
    pub mstatus: u64,
    pub medeleg: u64,
    pub mideleg: u64,
    pub mie: u64,
    /// Software-writable pending bits (SSIP, STIP, SEIP); device lines are in `Hart::irq_lines`.
    pub mip: u64,
    pub mtvec: u64,
    pub mcounteren: u64,
    pub menvcfg: u64,
    pub mcountinhibit: u64,
    pub mscratch: u64,
    pub mepc: u64,
    pub mcause: u64,
    pub mtval: u64,
    pub stvec: u64,
    pub scounteren: u64,
    pub senvcfg: u64,
    pub sscratch: u64,
    pub sepc: u64,
    pub scause: u64,
    pub stval: u64,
    pub satp: u64,
    pub stimecmp: u64,
    pub fflags: u64,
    pub frm: u64,
    pub pmpcfg: [u64; 8],
    pub pmpaddr: [u64; 64],
    /// Counter state: the value is `base + running count` unless inhibited.
    pub cycle_offset: u64,
    pub instret_offset: u64,
}

impl Default for CsrFile {
    fn default() -> Self {
        CsrFile {
            mstatus: 0,
            medeleg: 0,
            mideleg: 0,
            mie: 0,
            mip: 0,
            mtvec: 0,
            mcounteren: 0,
            menvcfg: 0,
            mcountinhibit: 0,
            mscratch: 0,
            mepc: 0,
            mcause: 0,
            mtval: 0,
            stvec: 0,
            scounteren: 0,
            senvcfg: 0,
            sscratch: 0,
            sepc: 0,
            scause: 0,
            stval: 0,
            satp: 0,
            stimecmp: u64::MAX,
            fflags: 0,
            frm: 0,
            pmpcfg: [0; 8],
            pmpaddr: [0; 64],
            cycle_offset: 0,
            instret_offset: 0,
        }
    }
}

/// The operation a CSR instruction performs on the old value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrOp {
    Write,
    Set,
    Clear,
}

impl Hart {
    /// `mip` as software reads it: writable bits OR'ed with the device lines.
    /// With `menvcfg.STCE` set, STIP is read-only and reflects `time >= stimecmp` alone,
    /// computed now rather than at the last block boundary (Privileged 3.1.9 and
    /// `menvcfg.STCE`, Sstc: a bit M-mode wrote before enabling STCE no longer shows).
    #[inline]
    pub fn mip(&self) -> u64 {
        let v = self.csr.mip | self.irq_lines;
        if self.csr.menvcfg & MENVCFG_STCE == 0 {
            return v;
        }
        let stip = if self.time() >= self.csr.stimecmp { irq::STIP } else { 0 };
        (v & !irq::STIP) | stip
    }

    /// Executes the CSR part of a Zicsr instruction (Unprivileged ch. 7): reads the CSR
    /// unless `read` is false (CSRRW with rd = x0), writes it unless `write` is false
    /// (CSRRS/C with rs1 = x0 or zero uimm). Returns the old value.
    pub fn csr_access(
        &mut self,
        csr: u16,
        op: CsrOp,
        operand: u64,
        read: bool,
        write: bool,
        raw: u32,
    ) -> Result<u64, Exception> {
        let illegal = Exception::IllegalInstruction(raw as u64);
        let min_priv = (csr >> 8) & 3;
        if (self.prv as u16) < min_priv || (write && csr >> 10 == 0b11) {
            return Err(illegal);
        }
        let old = self.csr_read(csr).ok_or(illegal)?;
        let _ = read;
        if write {
            let new = match op {
                CsrOp::Write => operand,
                CsrOp::Set => old | operand,
                CsrOp::Clear => old & !operand,
            };
            self.csr_write(csr, new).ok_or(illegal)?;
        }
        Ok(old)
    }

    /// Whether counter `bit` of cycle/time/instret/hpmcounter may be read at the current
    /// privilege (Privileged 3.1.11, 4.1.5).
    fn counter_enabled(&self, bit: u16) -> bool {
        let m = self.csr.mcounteren >> bit & 1 != 0;
        let s = self.csr.scounteren >> bit & 1 != 0;
        match self.prv {
            Privilege::Machine => true,
            Privilege::Supervisor => m,
            Privilege::User => m && s,
        }
    }

    fn fp_enabled(&self) -> bool {
        self.csr.mstatus & mstatus::FS != 0
    }

    /// Reads a CSR; `None` when it does not exist or may not be accessed now.
    pub fn csr_read(&self, csr: u16) -> Option<u64> {
        use addr::*;
        let c = &self.csr;
        Some(match csr {
            FFLAGS if self.fp_enabled() => c.fflags,
            FRM if self.fp_enabled() => c.frm,
            FCSR if self.fp_enabled() => (c.frm << 5) | c.fflags,
            CYCLE if self.counter_enabled(0) => self.mcycle(),
            TIME if self.counter_enabled(1) => self.time(),
            INSTRET if self.counter_enabled(2) => self.minstret(),
            HPMCOUNTER3..=HPMCOUNTER31 if self.counter_enabled(csr - CYCLE) => 0,
            SSTATUS => self.read_mstatus() & mstatus::SSTATUS_VIEW,
            SIE => c.mie & c.mideleg,
            STVEC => c.stvec,
            SCOUNTEREN => c.scounteren,
            SENVCFG => c.senvcfg,
            SSCRATCH => c.sscratch,
            SEPC => c.sepc,
            SCAUSE => c.scause,
            STVAL => c.stval,
            SIP => self.mip() & c.mideleg,
            STIMECMP if self.stimecmp_accessible() => c.stimecmp,
            SATP if !(self.prv == Privilege::Supervisor && c.mstatus & mstatus::TVM != 0) => c.satp,
            MVENDORID | MARCHID | MIMPID | MCONFIGPTR => 0,
            MHARTID => self.hartid,
            MSTATUS => self.read_mstatus(),
            MISA => super::csr::MISA,
            MEDELEG => c.medeleg,
            MIDELEG => c.mideleg,
            MIE => c.mie,
            MTVEC => c.mtvec,
            MCOUNTEREN => c.mcounteren,
            MENVCFG => c.menvcfg,
            MCOUNTINHIBIT => c.mcountinhibit,
            MHPMEVENT3..=MHPMEVENT31 => 0,
            MSCRATCH => c.mscratch,
            MEPC => c.mepc,
            MCAUSE => c.mcause,
            MTVAL => c.mtval,
            MIP => self.mip(),
            // RV64 has only the even-numbered pmpcfg registers (Privileged 3.7.1).
            PMPCFG0..=PMPCFG15 if csr & 1 == 0 => c.pmpcfg[((csr - PMPCFG0) / 2) as usize],
            PMPADDR0..=PMPADDR63 => c.pmpaddr[(csr - PMPADDR0) as usize],
            // No debug triggers: tselect reads 0 and tdata1 type 0 ("no trigger").
            TSELECT | TDATA1 | TDATA2 | TDATA3 => 0,
            MCYCLE => self.mcycle(),
            MINSTRET => self.minstret(),
            MHPMCOUNTER3..=MHPMCOUNTER31 => 0,
            _ => return None,
        })
    }

    /// Writes a CSR (after the privilege and read-only checks). `None` when the CSR does
    /// not exist or may not be written now.
    pub fn csr_write(&mut self, csr: u16, v: u64) -> Option<()> {
        use addr::*;
        match csr {
            FFLAGS | FRM | FCSR if !self.fp_enabled() => return None,
            // Writing fcsr or its fields modifies FP state: FS becomes Dirty (Privileged 3.1.6.6).
            FFLAGS => {
                self.csr.fflags = v & 0x1f;
                self.csr.mstatus |= mstatus::FS_DIRTY;
            }
            FRM => {
                self.csr.frm = v & 7;
                self.csr.mstatus |= mstatus::FS_DIRTY;
            }
            FCSR => {
                self.csr.fflags = v & 0x1f;
                self.csr.frm = (v >> 5) & 7;
                self.csr.mstatus |= mstatus::FS_DIRTY;
            }
            SSTATUS => {
                let m = (self.csr.mstatus & !mstatus::SSTATUS_WRITABLE) | (v & mstatus::SSTATUS_WRITABLE);
                self.write_mstatus(m);
            }
            SIE => {
                let mask = self.csr.mideleg & MIE_MASK;
                self.csr.mie = (self.csr.mie & !mask) | (v & mask);
            }
            STVEC => self.csr.stvec = legalize_tvec(v),
            SCOUNTEREN => self.csr.scounteren = v & 0xffff_ffff,
            SENVCFG => self.csr.senvcfg = envcfg::legalize(v, SENVCFG_MASK),
            SSCRATCH => self.csr.sscratch = v,
            SEPC => self.csr.sepc = v & !1,
            SCAUSE => self.csr.scause = v,
            STVAL => self.csr.stval = v,
            SIP => {
                // Only SSIP is writable through sip, and only when delegated (Privileged 4.1.3).
                let mask = self.csr.mideleg & irq::SSIP;
                self.csr.mip = (self.csr.mip & !mask) | (v & mask);
            }
            STIMECMP if self.stimecmp_accessible() => self.csr.stimecmp = v,
            SATP if !(self.prv == Privilege::Supervisor && self.csr.mstatus & mstatus::TVM != 0) => {
                self.write_satp(v);
            }
            MSTATUS => self.write_mstatus(v),
            MISA | MHPMEVENT3..=MHPMEVENT31 | MHPMCOUNTER3..=MHPMCOUNTER31 => {}
            MEDELEG => self.csr.medeleg = v & MEDELEG_MASK,
            MIDELEG => self.csr.mideleg = v & MIDELEG_MASK,
            MIE => self.csr.mie = v & MIE_MASK,
            MTVEC => self.csr.mtvec = legalize_tvec(v),
            MCOUNTEREN => self.csr.mcounteren = v & 0xffff_ffff,
            MENVCFG => {
                self.csr.menvcfg = envcfg::legalize(v, MENVCFG_MASK);
                // PBMTE changes how walks read PTEs (the walk context holds it).
                self.update_translation_mode();
            }
            MCOUNTINHIBIT => {
                let (cycle, instret) = (self.mcycle(), self.minstret());
                self.csr.mcountinhibit = v & MCOUNTINHIBIT_MASK;
                // Re-base so the counters continue (or freeze) from their current values.
                self.set_mcycle(cycle);
                self.set_minstret(instret);
            }
            MSCRATCH => self.csr.mscratch = v,
            MEPC => self.csr.mepc = v & !1,
            MCAUSE => self.csr.mcause = v,
            MTVAL => self.csr.mtval = v,
            MIP => {
                // With Sstc enabled STIP reflects stimecmp and is read-only (Sstc spec).
                let mut mask = MIP_WRITABLE;
                if self.csr.menvcfg & MENVCFG_STCE != 0 {
                    mask &= !irq::STIP;
                }
                self.csr.mip = (self.csr.mip & !mask) | (v & mask);
            }
            PMPCFG0..=PMPCFG15 if csr & 1 == 0 => {
                let i = ((csr - PMPCFG0) / 2) as usize;
                let old = self.csr.pmpcfg[i];
                let mut new = 0u64;
                for byte in 0..8 {
                    let sh = byte * 8;
                    // Entries past the implemented ones are read-only zero.
                    if i * 8 + byte < pmp::PMP_ENTRIES {
                        new |= (pmp::write_cfg((old >> sh) as u8, (v >> sh) as u8) as u64) << sh;
                    }
                }
                self.csr.pmpcfg[i] = new;
                self.pmp_changed();
            }
            PMPADDR0..=PMPADDR63 => {
                let i = (csr - PMPADDR0) as usize;
                if !pmp::pmpaddr_locked(&self.csr.pmpcfg, i) {
                    // pmpaddr holds bits 55:2 of the address (Privileged 3.7.1).
                    self.csr.pmpaddr[i] = v & ((1 << 54) - 1);
                    self.pmp_changed();
                }
            }
            TSELECT | TDATA1 | TDATA2 | TDATA3 => {}
            // A counter write takes precedence over the writing instruction's own
            // increment (Privileged 3.1.11): the next read sees exactly `v`.
            MCYCLE => self.set_mcycle(v),
            MINSTRET => self.set_minstret(v),
            _ => return None,
        }
        Some(())
    }

    /// After a `pmpcfg`/`pmpaddr` write: re-decode the entries, and drop everything that
    /// cached a PMP result (the MMU's fast path and page cache, and the decoded blocks,
    /// whose later instructions are not re-checked) (Privileged 3.7.2: only cached
    /// translations need an SFENCE.VMA; PMP itself applies at once).
    pub(crate) fn pmp_changed(&mut self) {
        self.mmu.pmp.update(&self.csr.pmpcfg, &self.csr.pmpaddr);
        self.mmu.flush_fast();
        self.flush_icache = true;
        self.update_translation_mode();
    }

    fn stimecmp_accessible(&self) -> bool {
        self.prv == Privilege::Machine || (self.csr.menvcfg & MENVCFG_STCE != 0 && self.csr.mcounteren & 2 != 0)
    }

    /// mstatus with SD computed from FS (Privileged 3.1.6.6) and the fixed UXL/SXL fields.
    pub fn read_mstatus(&self) -> u64 {
        let m = self.csr.mstatus | mstatus::UXL_SXL_64;
        if m & mstatus::FS == mstatus::FS_DIRTY {
            m | mstatus::SD
        } else {
            m
        }
    }

    fn write_mstatus(&mut self, v: u64) {
        let mut m = (self.csr.mstatus & !mstatus::WRITABLE) | (v & mstatus::WRITABLE);
        // MPP is WARL: the reserved value 2 is legalized to U, as Spike does.
        if (m & mstatus::MPP) >> mstatus::MPP_SHIFT == 2 {
            m &= !mstatus::MPP;
        }
        self.csr.mstatus = m & !mstatus::SD;
        self.update_translation_mode();
    }

    /// satp (Privileged 4.1.11): a write naming an unsupported MODE has no effect.
    fn write_satp(&mut self, v: u64) {
        if self.mmu.satp_mode_supported(v >> 60) {
            self.csr.satp = v;
            self.update_translation_mode();
        }
    }

    /// Cycles (retired instructions plus idle cycles in WFI) as `mcycle` shows them.
    pub fn mcycle(&self) -> u64 {
        if self.csr.mcountinhibit & 1 != 0 {
            self.csr.cycle_offset
        } else {
            self.cycles().wrapping_sub(self.csr.cycle_offset)
        }
    }

    pub fn minstret(&self) -> u64 {
        if self.csr.mcountinhibit & 4 != 0 {
            self.csr.instret_offset
        } else {
            self.retired.wrapping_sub(self.csr.instret_offset)
        }
    }

    /// Sets mcycle so that it reads `v` once the current instruction has retired.
    fn set_mcycle(&mut self, v: u64) {
        self.csr.cycle_offset =
            if self.csr.mcountinhibit & 1 != 0 { v } else { self.cycles().wrapping_add(1).wrapping_sub(v) };
    }

    /// Sets minstret so that it reads `v` once the current instruction has retired.
    fn set_minstret(&mut self, v: u64) {
        self.csr.instret_offset =
            if self.csr.mcountinhibit & 4 != 0 { v } else { self.retired.wrapping_add(1).wrapping_sub(v) };
    }
}

/// xtvec MODE values 2 and 3 are reserved; clear bit 1 as Spike does (WARL).
fn legalize_tvec(v: u64) -> u64 {
    v & !2
}

#[cfg(test)]
mod sstc_tests {
    use super::*;
    use crate::mmu::MmuConfig;

    /// Sstc access rules (Privileged 3.1.11 mcounteren.TM, 3.1.18 menvcfg.STCE) and
    /// STIP in mip/sip.
    #[test]
    fn stimecmp_access_and_stip() {
        let mut h = Hart::new(0, MmuConfig::default());
        let rd = |h: &mut Hart| h.csr_access(addr::STIMECMP, CsrOp::Set, 0, true, false, 0);
        // M-mode may always access stimecmp.
        assert!(rd(&mut h).is_ok());
        // M-mode sets STIP by software, then enables Sstc: STIP now follows stimecmp only.
        h.csr_write(addr::MIP, irq::STIP).unwrap();
        assert_ne!(h.mip() & irq::STIP, 0);
        h.csr_write(addr::MENVCFG, MENVCFG_STCE).unwrap();
        assert_eq!(h.mip() & irq::STIP, 0, "stimecmp = max: no STIP");
        h.csr_write(addr::STIMECMP, 0).unwrap();
        assert_ne!(h.mip() & irq::STIP, 0, "time >= 0");
        h.csr_write(addr::MIDELEG, irq::STIP).unwrap();
        assert_ne!(h.csr_read(addr::SIP).unwrap() & irq::STIP, 0, "sip.STIP readable");
        // S-mode: needs both STCE and mcounteren.TM.
        h.prv = Privilege::Supervisor;
        assert!(rd(&mut h).is_err(), "TM = 0");
        h.csr.mcounteren = 2;
        assert!(rd(&mut h).is_ok());
        h.csr.menvcfg = 0;
        assert!(rd(&mut h).is_err(), "STCE = 0");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmu::MmuConfig;

    fn hart() -> Hart {
        Hart::new(0, MmuConfig::default())
    }

    /// Write masks: only the writable fields change (Privileged 3.1.6, 3.1.8, 3.1.9, 4.1).
    #[test]
    fn write_masks() {
        let mut h = hart();
        h.csr_write(addr::MSTATUS, u64::MAX).unwrap();
        let ms = h.read_mstatus();
        assert_eq!(ms & !mstatus::SD, mstatus::WRITABLE | mstatus::UXL_SXL_64, "MPP = 3 (M) is kept");
        assert_ne!(ms & mstatus::SD, 0, "FS = Dirty sets SD");
        h.csr_write(addr::MEDELEG, u64::MAX).unwrap();
        assert_eq!(h.csr.medeleg, MEDELEG_MASK, "ecall from M is not delegable");
        h.csr_write(addr::MIDELEG, u64::MAX).unwrap();
        assert_eq!(h.csr.mideleg, irq::SSIP | irq::STIP | irq::SEIP);
        h.csr_write(addr::MIE, u64::MAX).unwrap();
        assert_eq!(h.csr.mie, MIE_MASK);
        // sie/sip see only delegated bits; only SSIP is writable through sip.
        h.csr_write(addr::MIDELEG, irq::SSIP).unwrap();
        assert_eq!(h.csr_read(addr::SIE), Some(irq::SSIP));
        h.csr_write(addr::SIP, u64::MAX).unwrap();
        assert_eq!(h.csr.mip, irq::SSIP);
        // MTIP cannot be written by software.
        h.csr_write(addr::MIP, irq::MTIP).unwrap();
        assert_eq!(h.csr.mip & irq::MTIP, 0);
        // xepc bit 0 is zero; reserved tvec mode 2 becomes 0, 3 becomes 1.
        h.csr_write(addr::MEPC, 0x1001).unwrap();
        assert_eq!(h.csr.mepc, 0x1000);
        h.csr_write(addr::MTVEC, 0x8000_0002).unwrap();
        assert_eq!(h.csr.mtvec, 0x8000_0000);
        h.csr_write(addr::STVEC, 0x8000_0003).unwrap();
        assert_eq!(h.csr.stvec, 0x8000_0001);
        // misa is read-only WARL: writes are ignored.
        h.csr_write(addr::MISA, 0).unwrap();
        assert_eq!(h.csr_read(addr::MISA), Some(MISA));
        // MPP = 2 (reserved) reads back as U.
        h.csr_write(addr::MSTATUS, 2 << mstatus::MPP_SHIFT).unwrap();
        assert_eq!(h.csr.mstatus & mstatus::MPP, 0);
    }

    /// Access rules (Privileged 2.1): privilege in bits 9:8, read-only when bits 11:10 are
    /// 0b11, unknown numbers and RV32-only pmpcfg1 illegal, counters gated by *counteren.
    #[test]
    fn permission_checks() {
        let mut h = hart();
        let acc = |h: &mut Hart, csr: u16, write: bool| h.csr_access(csr, CsrOp::Set, 1, true, write, 0x1234);
        assert_eq!(acc(&mut h, addr::MHARTID, true), Err(Exception::IllegalInstruction(0x1234)), "read-only");
        assert!(acc(&mut h, addr::MHARTID, false).is_ok());
        assert!(acc(&mut h, 0x7c0, false).is_err(), "no such CSR");
        assert!(acc(&mut h, addr::PMPCFG0 + 1, false).is_err(), "pmpcfg1 is RV32-only");
        h.prv = Privilege::Supervisor;
        assert!(acc(&mut h, addr::MSTATUS, false).is_err(), "M CSR from S");
        assert!(acc(&mut h, addr::SSTATUS, false).is_ok());
        assert!(acc(&mut h, addr::CYCLE, false).is_err(), "mcounteren.CY = 0");
        h.csr.mcounteren = 1;
        assert!(acc(&mut h, addr::CYCLE, false).is_ok());
        h.prv = Privilege::User;
        assert!(acc(&mut h, addr::CYCLE, false).is_err(), "scounteren.CY = 0");
        h.csr.scounteren = 1;
        assert!(acc(&mut h, addr::CYCLE, false).is_ok());
        assert!(acc(&mut h, addr::SSTATUS, false).is_err(), "S CSR from U");
        // With TVM, satp is illegal in S-mode.
        h.prv = Privilege::Supervisor;
        h.csr.mstatus |= mstatus::TVM;
        assert!(acc(&mut h, addr::SATP, false).is_err());
    }

    /// Trap entry and return (Privileged 3.1.6.1, 3.3.2, 4.1.1): delegation, the status
    /// stack, vectored interrupts and xRET.
    #[test]
    fn trap_entry_and_return() {
        let mut h = hart();
        h.csr.mtvec = 0x8000_0001; // vectored
        h.csr.stvec = 0x9000_0000;
        h.csr.medeleg = 1 << 8; // ecall from U goes to S
                                // An exception from U that is delegated enters S.
        h.prv = Privilege::User;
        h.pc = 0x1000;
        h.csr.mstatus = mstatus::SIE;
        h.take_exception(Exception::EnvironmentCallFromU);
        assert_eq!((h.prv, h.pc, h.csr.sepc, h.csr.scause), (Privilege::Supervisor, 0x9000_0000, 0x1000, 8));
        assert_eq!(h.csr.mstatus & (mstatus::SIE | mstatus::SPIE | mstatus::SPP), mstatus::SPIE, "SPP = U");
        // SRET returns to U with SIE restored.
        h.sret();
        assert_eq!((h.prv, h.pc), (Privilege::User, 0x1000));
        assert_eq!(h.csr.mstatus & (mstatus::SIE | mstatus::SPIE), mstatus::SIE | mstatus::SPIE);
        // An exception from S that is not delegated enters M at the vector base with tval.
        h.prv = Privilege::Supervisor;
        h.pc = 0x2000;
        h.csr.mstatus = mstatus::MIE | mstatus::MPRV;
        h.take_exception(Exception::LoadPageFault(0xdead));
        assert_eq!(
            (h.prv, h.pc, h.csr.mepc, h.csr.mcause, h.csr.mtval),
            (Privilege::Machine, 0x8000_0000, 0x2000, 13, 0xdead)
        );
        assert_eq!((h.csr.mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT, 1, "MPP = S");
        assert_eq!(h.csr.mstatus & (mstatus::MIE | mstatus::MPIE), mstatus::MPIE);
        // MRET back to S clears MPRV and restores MIE.
        h.mret();
        assert_eq!((h.prv, h.pc), (Privilege::Supervisor, 0x2000));
        assert_eq!(h.csr.mstatus & (mstatus::MIE | mstatus::MPRV), mstatus::MIE);
        // A vectored interrupt lands at BASE + 4 * cause; M-level interrupts are not taken
        // in M with MIE clear, and machine timer beats supervisor software.
        h.csr.mie = irq::MTIP | irq::SSIP;
        h.csr.mip = irq::SSIP;
        h.irq_lines = irq::MTIP;
        h.prv = Privilege::Machine;
        h.csr.mstatus = 0;
        assert_eq!(h.pending_interrupt(), None);
        h.prv = Privilege::Supervisor;
        assert_eq!(h.pending_interrupt(), Some(irq::MTI));
        h.take_interrupt(irq::MTI);
        assert_eq!((h.pc, h.csr.mcause), (0x8000_0000 + 4 * irq::MTI, (1 << 63) | irq::MTI));
    }
}
