//! The commit log in Spike's `--log-commits` format: one line per retired instruction,
//!
//! ```text
//! core   0: 3 0x0000000080000000 (0x00000297) x5  0x0000000080000000
//! core   0: 3 0x0000000080000010 (0x00e7b023) mem 0x0000000080001000 0x0000000000000005
//! core   0: 3 0x0000000080000014 (0x4501) x10 0x0000000000000000
//! ```
//!
//! Fields: privilege before the instruction (0 U, 1 S, 3 M), pc, the raw bits (4 hex
//! digits for a compressed instruction, 8 otherwise), then the register writes in the
//! order Spike prints them, then `mem ADDR` for each load and `mem ADDR DATA` for each
//! store (DATA as wide as the access). Traps add Spike's trap lines (see
//! [`trap_lines`](super::trap_lines)).
//!
//! Which writes are logged, and in which order they enter Spike's `log_reg_write` map,
//! follows Spike's instruction definitions ([`spike_writes`]); the print order is then the
//! map's iteration order ([`StdHashOrder`], one per hart, living across instructions).
//! Writes to x0 enter the map (and take a place in it) but are never printed.

use super::spike_order::{key, StdHashOrder};
use super::{trap_lines, TraceOut};
use crate::hart::csr::{addr, mstatus};
use crate::hart::trap::irq;
use crate::hart::{Hart, Privilege, Tracer, TrapEvent};
use crate::isa::disasm::csr_name;
use crate::isa::{Instr, Op};
use std::fmt::Write as _;

/// The CSR a Zicsr instruction writes, if it writes one (Unprivileged 7.1: CSRRS/CSRRC
/// with rs1 = x0 and CSRRSI/CSRRCI with uimm = 0 do not write).
pub fn csr_written(ins: &Instr) -> Option<u16> {
    use Op::*;
    let csr = (ins.imm as u32 & 0xfff) as u16;
    match ins.op {
        Csrrw | Csrrwi => Some(csr),
        Csrrs | Csrrc | Csrrsi | Csrrci if ins.rs1 != 0 => Some(csr),
        _ => None,
    }
}

/// The register writes of one instruction, in the order Spike inserts them into its
/// log: `(key, value)` with Spike's key (`reg << 4 | kind`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Writes {
    items: [(u64, u64); 8],
    n: usize,
}

impl Writes {
    fn push(&mut self, key: u64, value: u64) {
        // Re-assigning a key keeps its entry (and place); the value is the last one.
        if let Some(w) = self.items[..self.n].iter_mut().find(|w| w.0 == key) {
            w.1 = value;
        } else {
            // At most four writes per instruction come out of `spike_writes` (a CSR with
            // its side effects, then rd), so the capacity is never reached.
            debug_assert!(self.n < self.items.len());
            if self.n < self.items.len() {
                self.items[self.n] = (key, value);
                self.n += 1;
            }
        }
    }

    /// The writes in insertion order.
    pub fn as_slice(&self) -> &[(u64, u64)] {
        &self.items[..self.n]
    }

    fn value(&self, key: u64) -> u64 {
        self.as_slice().iter().find(|w| w.0 == key).map_or(0, |w| w.1)
    }
}

/// Spike's `mvip` (AIA; rvsim has no such CSR, but Spike logs it on `mip` writes).
const MVIP: u16 = 0x309;

/// What the log needs of the state before an instruction, which the hart no longer has
/// after it: whether `mstatus.FS` was already Dirty (riscv/csrs.cc
/// `sstatus_csr_t::dirty` writes, and so logs, `mstatus` only when it was not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Before {
    pub fs_dirty: bool,
}

impl Before {
    /// Reads it from a hart (after the previous instruction or trap).
    pub fn of(hart: &Hart) -> Before {
        Before { fs_dirty: hart.csr.mstatus & mstatus::FS == mstatus::FS_DIRTY }
    }
}

/// The register and CSR writes Spike logs for `ins`, in insertion order, with the values
/// the hart holds after it (which are the last values written):
/// - `WRITE_RD` (riscv/decode_macros.h) logs `rd` even when it is x0; instructions without
///   `rd` (branches, stores, fences, ECALL/EBREAK, xRET, WFI, SFENCE.VMA, CBO, C.J, C.JR)
///   log nothing;
/// - `WRITE_FRD` logs `f rd`, then `dirty_fp_state` writes `mstatus` (logged) if FS was not
///   Dirty; `set_fp_exceptions` writes `fflags` (after dirtying FS) only if the operation
///   raised flags;
/// - Zicsr (riscv/insns/csrr*.h): the CSR write (`put_csr`) comes before `WRITE_RD`; what a
///   CSR write logs is [`csr_write_keys`];
/// - MRET and SRET (riscv/insns/mret.h, sret.h) write `mstatus` (SRET through the sstatus
///   proxy, which logs under `mstatus`).
pub fn spike_writes(hart: &Hart, ins: &Instr, before: Before) -> Writes {
    use Op::*;
    let mut w = Writes::default();
    let ms = || hart.csr_read(addr::MSTATUS).unwrap_or(hart.csr.mstatus);
    let mut fs_dirty = before.fs_dirty;
    let mut dirty_fp = |w: &mut Writes| {
        if !fs_dirty {
            fs_dirty = true;
            w.push(key::csr(addr::MSTATUS), ms());
        }
    };
    match ins.op {
        Illegal | Beq | Bne | Blt | Bge | Bltu | Bgeu | Sb | Sh | Sw | Sd | Fsw | Fsd | Fence | FenceI | Ecall
        | Ebreak | Wfi | SfenceVma | SinvalVma | SfenceWInval | SfenceInvalIr | Pause => {}
        _ if ins.op.is_cbo() => {}
        // C.J and C.JR (riscv/insns/c_j.h, c_jr.h) only set the pc.
        Jal | Jalr if ins.len == 2 && ins.rd == 0 => {}
        Mret | Sret => w.push(key::csr(addr::MSTATUS), ms()),
        Csrrw | Csrrs | Csrrc | Csrrwi | Csrrsi | Csrrci => {
            if let Some(csr) = csr_written(ins) {
                for &(k, _) in csr_write_keys(csr, before).as_slice() {
                    let v = if k == key::csr(MVIP) {
                        // Spike's mvip view of the software-writable pending bits. (Spike
                        // logs it before mip is updated, so its SSIP/STIP there are the old
                        // ones; here they are the new ones.)
                        hart.csr.mip & (irq::SEIP | irq::SSIP | irq::STIP)
                    } else {
                        hart.csr_read((k >> 4) as u16).unwrap_or(0)
                    };
                    w.push(k, v);
                }
            }
            w.push(key::x(ins.rd), hart.xr(ins.rd));
        }
        Flw | Fld => {
            w.push(key::f(ins.rd), hart.f[ins.rd as usize & 31]);
            dirty_fp(&mut w);
        }
        op if op.is_fp() => {
            if crate::fp::writes_x(op) {
                w.push(key::x(ins.rd), hart.xr(ins.rd));
            } else {
                w.push(key::f(ins.rd), hart.f[ins.rd as usize & 31]);
                dirty_fp(&mut w);
            }
            if hart.fp_raised != 0 {
                // float_csr_t::unlogged_write dirties FS before fflags is logged.
                dirty_fp(&mut w);
                w.push(key::csr(addr::FFLAGS), hart.csr.fflags);
            }
        }
        _ => w.push(key::x(ins.rd), hart.xr(ins.rd)),
    }
    w
}

/// The CSRs a write to `csr` logs, in order (keys only; the values are left 0)
/// (riscv/csrs.cc): `fflags`/`frm` (`float_csr_t`) first dirty FS (logging `mstatus` if it
/// was not Dirty); `fcsr` (`composite_csr_t`) writes `frm` then `fflags` and is not logged
/// itself; `sstatus` (`sstatus_proxy_csr_t`) logs `mstatus`; `sie`/`sip` (the mie/mip
/// proxies) log `mie`/`mip`; `mip` logs `mvip` (0x309) then itself; every other CSR logs
/// itself.
pub fn csr_write_keys(csr: u16, before: Before) -> Writes {
    let mut w = Writes::default();
    let csr_key = |w: &mut Writes, a: u16| w.push(key::csr(a), 0);
    match csr {
        addr::FFLAGS | addr::FRM | addr::FCSR => {
            if !before.fs_dirty {
                csr_key(&mut w, addr::MSTATUS);
            }
            if csr != addr::FFLAGS {
                csr_key(&mut w, addr::FRM);
            }
            if csr != addr::FRM {
                csr_key(&mut w, addr::FFLAGS);
            }
        }
        addr::SSTATUS => csr_key(&mut w, addr::MSTATUS),
        addr::SIE => csr_key(&mut w, addr::MIE),
        addr::SIP => csr_key(&mut w, addr::MIP),
        // mip_csr_t::write_with_mask: SEIP is an alias of mvip.SEIP (mvien = 0), written
        // (and logged) first through mvip_csr_t::write_with_mask.
        addr::MIP => {
            csr_key(&mut w, MVIP);
            csr_key(&mut w, addr::MIP);
        }
        c => csr_key(&mut w, c),
    }
    w
}

/// Writes the Spike commit log.
pub struct CommitLog {
    out: TraceOut,
    line: String,
    /// Per hart: Spike's write-log map and the state carried between instructions.
    harts: Vec<(StdHashOrder, Before)>,
}

impl CommitLog {
    pub fn new(out: TraceOut) -> CommitLog {
        CommitLog { out, line: String::with_capacity(160), harts: Vec::new() }
    }

    /// Flushes the log; returns the first write error, if any.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.out.finish()
    }

    fn hart_state(&mut self, hart: &Hart) -> &mut (StdHashOrder, Before) {
        let i = hart.hartid as usize;
        if self.harts.len() <= i {
            // Reset state: FS Off (Privileged 3.1.6.6; Spike's mstatus starts with FS = 0).
            let reset = (StdHashOrder::new(), Before { fs_dirty: false });
            self.harts.resize(i + 1, reset);
        }
        &mut self.harts[i]
    }
}

/// Formats one commit line (without the newline) into `s`, printing `writes` in the order
/// of `order` (Spike's map, cleared and refilled here).
pub fn format_commit(
    s: &mut String,
    hart: &Hart,
    pc: u64,
    prv: Privilege,
    ins: &Instr,
    writes: &Writes,
    order: &mut StdHashOrder,
) {
    s.clear();
    let _ = write!(s, "core {:3}: {} 0x{pc:016x} ", hart.hartid, prv as u8);
    if ins.len == 2 {
        let _ = write!(s, "(0x{:04x})", ins.raw & 0xffff);
    } else {
        let _ = write!(s, "(0x{:08x})", ins.raw);
    }
    order.clear();
    for &(k, _) in writes.as_slice() {
        order.insert(k);
    }
    for &k in order.keys() {
        if k == 0 {
            continue;
        }
        let v = writes.value(k);
        let r = k >> 4;
        match k & 0xf {
            0 => {
                let _ = write!(s, " x{r:<2} 0x{v:016x}");
            }
            1 => {
                let _ = write!(s, " f{r:<2} 0x{v:016x}");
            }
            _ => {
                let name = csr_name(r as u32).unwrap_or("unknown");
                let _ = write!(s, " c{r}_{name} 0x{v:016x}");
            }
        }
    }
    for m in hart.mem_log.iter().filter(|m| !m.store) {
        let _ = write!(s, " mem 0x{:016x}", m.vaddr);
    }
    for m in hart.mem_log.iter().filter(|m| m.store) {
        // riscv/execute.cc commit_log_print_value: 8-bit data prints as `0x%01x`.
        let digits = if m.size == 1 { 1 } else { 2 * m.size as usize };
        let mask = if m.size >= 8 { u64::MAX } else { (1u64 << (8 * m.size)) - 1 };
        let _ = write!(s, " mem 0x{:016x} 0x{:0digits$x}", m.vaddr, m.value & mask);
    }
}

impl Tracer for CommitLog {
    const ACTIVE: bool = true;

    fn commit(&mut self, hart: &Hart, pc: u64, prv: Privilege, ins: &Instr) {
        let mut line = std::mem::take(&mut self.line);
        let (order, before) = self.hart_state(hart);
        let writes = spike_writes(hart, ins, *before);
        format_commit(&mut line, hart, pc, prv, ins, &writes, order);
        *before = Before::of(hart);
        self.out.line(&line);
        self.line = line;
    }

    fn trap(&mut self, hart: &Hart, ev: &TrapEvent) {
        // Spike's take_trap logs its CSR writes into the same map (mepc, mcause, mtval,
        // mtval2, mtinst, mstatus: six keys, never more than the 13 buckets the first
        // insertion made), and the next instruction clears it: no effect on any order.
        let (_, before) = self.hart_state(hart);
        *before = Before::of(hart);
        trap_lines(&mut self.out, hart.hartid, ev);
    }
}

#[cfg(test)]
mod tests {
    //! Each expected line is worked out by hand from Spike's rules (module docs) and the
    //! bucket arithmetic of [`StdHashOrder`] (13 buckets, `key % 13`).
    use super::*;
    use crate::hart::MemAccess;
    use crate::isa::decode;
    use crate::mmu::MmuConfig;

    const CLEAN: Before = Before { fs_dirty: false };
    const DIRTY: Before = Before { fs_dirty: true };

    fn line(h: &Hart, pc: u64, raw: u32, before: Before) -> String {
        let mut s = String::new();
        let ins = decode(raw);
        let w = spike_writes(h, &ins, before);
        format_commit(&mut s, h, pc, Privilege::Machine, &ins, &w, &mut StdHashOrder::new());
        s
    }

    #[test]
    fn csr_writes_in_spikes_map_order() {
        let mut h = Hart::new(0, MmuConfig::default());
        h.csr.mtvec = 0x8000_0100;
        // csrw mtvec, t0: mtvec then x0 (never printed), the CSR as c<decimal>_<name>.
        assert_eq!(
            line(&h, 0x8000_0000, 0x3052_9073, CLEAN),
            "core   0: 3 0x0000000080000000 (0x30529073) c773_mtvec 0x0000000080000100"
        );
        // csrrw a0, mscratch, a1: mscratch (13316 % 13 = 4) then x10 (160 % 13 = 4): same
        // bucket, the later key first.
        h.x[10] = 7;
        h.csr.mscratch = 9;
        assert_eq!(
            line(&h, 0x8000_0004, 0x3405_9573, CLEAN),
            "core   0: 3 0x0000000080000004 (0x34059573) x10 0x0000000000000007 c832_mscratch 0x0000000000000009"
        );
        // csrrw a0, mepc, a1: mepc (13332 % 13 = 7) then x10 (bucket 4, empty): x10 first.
        h.csr.mepc = 0x40;
        assert_eq!(
            line(&h, 0x8000_0004, 0x3415_9573, CLEAN),
            "core   0: 3 0x0000000080000004 (0x34159573) x10 0x0000000000000007 c833_mepc 0x0000000000000040"
        );
        // csrr a0, mhartid does not write the CSR.
        assert!(!line(&h, 0, 0xf140_2573, CLEAN).contains(" c"));
    }

    #[test]
    fn fp_csr_writes_dirty_fs_first() {
        let mut h = Hart::new(0, MmuConfig::default());
        h.csr.mstatus |= mstatus::FS_DIRTY;
        h.csr.fflags = 1;
        h.csr.frm = 2;
        h.x[10] = 7;
        let ms = h.csr_read(addr::MSTATUS).unwrap();
        assert_eq!(ms, 0x8000_000a_0000_6000);
        // csrrw a0, fflags, a1 with FS Off before: mstatus (12292 % 13 = 7), fflags (20 % 13
        // = 7, before mstatus), x10 (bucket 4, to the front).
        assert_eq!(
            line(&h, 0, 0x0015_9573, CLEAN),
            "core   0: 3 0x0000000000000000 (0x00159573) x10 0x0000000000000007 c1_fflags 0x0000000000000001 \
             c768_mstatus 0x8000000a00006000"
        );
        // The same with FS already Dirty: no mstatus.
        assert_eq!(
            line(&h, 0, 0x0015_9573, DIRTY),
            "core   0: 3 0x0000000000000000 (0x00159573) x10 0x0000000000000007 c1_fflags 0x0000000000000001"
        );
        // csrw fcsr, a1 (FS Off before): mstatus (7), frm (36 % 13 = 10, front), fflags (7,
        // before mstatus), x0 (bucket 0, front, not printed). fcsr itself is not logged.
        assert_eq!(
            line(&h, 0, 0x0035_9073, CLEAN),
            "core   0: 3 0x0000000000000000 (0x00359073) c2_frm 0x0000000000000002 c1_fflags 0x0000000000000001 \
             c768_mstatus 0x8000000a00006000"
        );
        // csrw mip, a1: mvip (0x309 << 4 | 4 = 12436, % 13 = 8) then mip (13380 % 13 = 3):
        // both to the front in turn.
        h.csr.mip = irq::SSIP;
        assert_eq!(
            line(&h, 0, 0x3445_9073, DIRTY),
            "core   0: 3 0x0000000000000000 (0x34459073) c836_mip 0x0000000000000002 c777_mvip 0x0000000000000002"
        );
        // csrw sstatus, a1 logs mstatus.
        assert_eq!(
            line(&h, 0, 0x1005_9073, DIRTY),
            "core   0: 3 0x0000000000000000 (0x10059073) c768_mstatus 0x8000000a00006000"
        );
    }

    #[test]
    fn fp_arithmetic_with_and_without_flags() {
        let mut h = Hart::new(0, MmuConfig::default());
        h.csr.mstatus |= mstatus::FS_DIRTY;
        h.f[1] = 0xffff_ffff_3f80_0000;
        h.csr.fflags = 1;
        // fadd.s f1, f2, f3 raising NX with FS Off before: f1 (17 % 13 = 4), mstatus (7,
        // front), fflags (7, before mstatus).
        h.fp_raised = 1;
        assert_eq!(
            line(&h, 0, 0x0031_70d3, CLEAN),
            "core   0: 3 0x0000000000000000 (0x003170d3) c1_fflags 0x0000000000000001 c768_mstatus 0x8000000a00006000 \
             f1  0xffffffff3f800000"
        );
        // No flags, FS already Dirty: just f1.
        h.fp_raised = 0;
        assert_eq!(
            line(&h, 0, 0x0031_70d3, DIRTY),
            "core   0: 3 0x0000000000000000 (0x003170d3) f1  0xffffffff3f800000"
        );
        // feq.s a0, f1, f2 raising NV (FS Dirty before): x10 (4), fflags (7, front).
        h.fp_raised = 0x10;
        h.x[10] = 0;
        assert_eq!(
            line(&h, 0, 0xa020_a553, DIRTY),
            "core   0: 3 0x0000000000000000 (0xa020a553) c1_fflags 0x0000000000000001 x10 0x0000000000000000"
        );
    }

    #[test]
    fn xret_logs_mstatus() {
        let h = Hart::new(0, MmuConfig::default());
        let ms = h.csr_read(addr::MSTATUS).unwrap();
        let expect = format!("core   0: 3 0x0000000000000000 (0x30200073) c768_mstatus 0x{ms:016x}");
        assert_eq!(line(&h, 0, 0x3020_0073, CLEAN), expect);
        let expect = format!("core   0: 3 0x0000000000000000 (0x10200073) c768_mstatus 0x{ms:016x}");
        assert_eq!(line(&h, 0, 0x1020_0073, CLEAN), expect);
    }

    #[test]
    fn fp_loads_compressed_bits_and_store_widths() {
        let mut h = Hart::new(0, MmuConfig::default());
        h.csr.mstatus |= mstatus::FS_DIRTY;
        h.f[10] = 0x3ff0_0000_0000_0000;
        h.mem_log.push(MemAccess { vaddr: 0x8000_1000, value: 1.0f64.to_bits(), size: 8, store: false });
        // fld fa0, 0(a0) with FS Dirty before
        assert_eq!(
            line(&h, 0x8000_0000, 0x0005_3507, DIRTY),
            "core   0: 3 0x0000000080000000 (0x00053507) f10 0x3ff0000000000000 mem 0x0000000080001000"
        );
        // c.sw a5, 0(a0) logs 8 hex digits of data.
        h.mem_log.clear();
        h.mem_log.push(MemAccess { vaddr: 0x8000_2000, value: 0xffff_ffff_1234_5678, size: 4, store: true });
        assert_eq!(
            line(&h, 0x8000_0004, 0xc11c, CLEAN),
            "core   0: 3 0x0000000080000004 (0xc11c) mem 0x0000000080002000 0x12345678"
        );
        // sb: 8-bit data prints with `0x%01x` (no leading zero).
        h.mem_log.clear();
        h.mem_log.push(MemAccess { vaddr: 0x8000_2000, value: 5, size: 1, store: true });
        assert_eq!(
            line(&h, 0x8000_0008, 0x00b5_0023, CLEAN),
            "core   0: 3 0x0000000080000008 (0x00b50023) mem 0x0000000080002000 0x5"
        );
        h.mem_log.clear();
        assert_eq!(line(&h, 0x8000_0006, 0x0000_0013, CLEAN), "core   0: 3 0x0000000080000006 (0x00000013)");
    }
}
