//! The commit log in Spike's `--log-commits` format: one line per retired instruction,
//!
//! ```text
//! core   0: 3 0x0000000080000000 (0x00000297) x5  0x0000000080000000
//! core   0: 3 0x0000000080000010 (0x00e7b023) mem 0x0000000080001000 0x0000000000000005
//! core   0: 3 0x0000000080000014 (0x4501) x10 0x0000000000000000
//! ```
//!
//! Fields: privilege before the instruction (0 U, 1 S, 3 M), pc, the raw bits (4 hex
//! digits for a compressed instruction, 8 otherwise), then the register writes sorted as
//! Spike sorts them (by register number, integer `x`, FP `f`, CSR `c<num>_<name>`;
//! writes to x0 are not shown), then `mem ADDR` for each load and `mem ADDR DATA` for each
//! store (DATA as wide as the access). Traps add Spike's trap lines (see
//! [`trap_lines`](super::trap_lines)).
//!
//! Differences from Spike: only the CSR an instruction names is logged (Spike also logs
//! implicit updates such as `fflags` set by FP arithmetic or `mstatus.FS` turning dirty).

use super::{trap_lines, TraceOut};
use crate::hart::{Hart, Privilege, Tracer, TrapEvent};
use crate::isa::disasm::csr_name;
use crate::isa::{Instr, Op};
use std::fmt::Write as _;

/// Where an instruction writes its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    None,
    X(u8),
    F(u8),
}

/// The destination register of `ins` (Unprivileged ch. 37 lists which formats have rd).
pub fn dest(ins: &Instr) -> Dest {
    use Op::*;
    match ins.op {
        Illegal | Beq | Bne | Blt | Bge | Bltu | Bgeu | Sb | Sh | Sw | Sd | Fsw | Fsd | Fence | FenceI | Ecall
        | Ebreak | Mret | Sret | Wfi | SfenceVma | SinvalVma | SfenceWInval | SfenceInvalIr => Dest::None,
        Flw | Fld | FmaddS | FmsubS | FnmsubS | FnmaddS | FaddS | FsubS | FmulS | FdivS | FsqrtS | FsgnjS | FsgnjnS
        | FsgnjxS | FminS | FmaxS | FcvtSW | FcvtSWu | FcvtSL | FcvtSLu | FmvWX | FmaddD | FmsubD | FnmsubD
        | FnmaddD | FaddD | FsubD | FmulD | FdivD | FsqrtD | FsgnjD | FsgnjnD | FsgnjxD | FminD | FmaxD | FcvtSD
        | FcvtDS | FcvtDW | FcvtDWu | FcvtDL | FcvtDLu | FmvDX => Dest::F(ins.rd),
        _ => Dest::X(ins.rd),
    }
}

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

/// Writes the Spike commit log.
pub struct CommitLog {
    out: TraceOut,
    line: String,
}

impl CommitLog {
    pub fn new(out: TraceOut) -> CommitLog {
        CommitLog { out, line: String::with_capacity(160) }
    }

    /// Flushes the log; returns the first write error, if any.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.out.finish()
    }
}

/// Formats one commit line (without the newline) into `s`.
pub fn format_commit(s: &mut String, hart: &Hart, pc: u64, prv: Privilege, ins: &Instr) {
    s.clear();
    let _ = write!(s, "core {:3}: {} 0x{pc:016x} ", hart.hartid, prv as u8);
    if ins.len == 2 {
        let _ = write!(s, "(0x{:04x})", ins.raw & 0xffff);
    } else {
        let _ = write!(s, "(0x{:08x})", ins.raw);
    }
    // Spike keys its register-write log by (number << 4 | kind): x = 0, f = 1, CSR = 4,
    // and prints it in key order.
    let mut writes: [(u32, String); 2] = Default::default();
    let mut n = 0;
    match dest(ins) {
        Dest::X(0) | Dest::None => {}
        Dest::X(r) => {
            writes[n] = ((r as u32) << 4, format!(" x{:<2} 0x{:016x}", r, hart.xr(r)));
            n += 1;
        }
        Dest::F(r) => {
            writes[n] = ((r as u32) << 4 | 1, format!(" f{:<2} 0x{:016x}", r, hart.f[r as usize & 31]));
            n += 1;
        }
    }
    if let Some(csr) = csr_written(ins) {
        if let Some(v) = hart.csr_read(csr) {
            let name = csr_name(csr as u32).unwrap_or("unknown");
            writes[n] = ((csr as u32) << 4 | 4, format!(" c{csr}_{name} 0x{v:016x}"));
            n += 1;
        }
    }
    writes[..n].sort_by_key(|w| w.0);
    for (_, w) in &writes[..n] {
        s.push_str(w);
    }
    for m in hart.mem_log.iter().filter(|m| !m.store) {
        let _ = write!(s, " mem 0x{:016x}", m.vaddr);
    }
    for m in hart.mem_log.iter().filter(|m| m.store) {
        let digits = 2 * m.size as usize;
        let mask = if m.size >= 8 { u64::MAX } else { (1u64 << (8 * m.size)) - 1 };
        let _ = write!(s, " mem 0x{:016x} 0x{:0digits$x}", m.vaddr, m.value & mask);
    }
}

impl Tracer for CommitLog {
    const ACTIVE: bool = true;

    fn commit(&mut self, hart: &Hart, pc: u64, prv: Privilege, ins: &Instr) {
        let mut line = std::mem::take(&mut self.line);
        format_commit(&mut line, hart, pc, prv, ins);
        self.out.line(&line);
        self.line = line;
    }

    fn trap(&mut self, hart: &Hart, ev: &TrapEvent) {
        trap_lines(&mut self.out, hart.hartid, ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hart::csr::mstatus;
    use crate::hart::MemAccess;
    use crate::isa::decode;
    use crate::mmu::MmuConfig;

    fn line(h: &Hart, pc: u64, raw: u32) -> String {
        let mut s = String::new();
        format_commit(&mut s, h, pc, Privilege::Machine, &decode(raw));
        s
    }

    #[test]
    fn csr_writes_follow_spikes_key_order() {
        let mut h = Hart::new(0, MmuConfig::default());
        h.csr.mtvec = 0x8000_0100;
        // csrw mtvec, t0: no integer write (rd = x0), the CSR as c<decimal>_<name>.
        assert_eq!(
            line(&h, 0x8000_0000, 0x3052_9073),
            "core   0: 3 0x0000000080000000 (0x30529073) c773_mtvec 0x0000000080000100"
        );
        // csrrw a0, mscratch, a1: x10 (key 0xa0) before mscratch (key 0x3404).
        h.x[10] = 7;
        h.csr.mscratch = 9;
        assert_eq!(
            line(&h, 0x8000_0004, 0x3405_9573),
            "core   0: 3 0x0000000080000004 (0x34059573) x10 0x0000000000000007 c832_mscratch 0x0000000000000009"
        );
        // csrrw a0, fflags, a1: fflags (key 0x14) sorts before x10.
        h.csr.mstatus |= mstatus::FS_DIRTY;
        h.csr.fflags = 1;
        assert_eq!(
            line(&h, 0x8000_0008, 0x0015_9573),
            "core   0: 3 0x0000000080000008 (0x00159573) c1_fflags 0x0000000000000001 x10 0x0000000000000007"
        );
        // csrr a0, mhartid does not write the CSR.
        assert!(!line(&h, 0, 0xf140_2573).contains(" c"));
    }

    #[test]
    fn fp_writes_compressed_bits_and_store_widths() {
        let mut h = Hart::new(0, MmuConfig::default());
        h.f[10] = 0x3ff0_0000_0000_0000;
        h.mem_log.push(MemAccess { vaddr: 0x8000_1000, value: 1.0f64.to_bits(), size: 8, store: false });
        // fld fa0, 0(a0)
        assert_eq!(
            line(&h, 0x8000_0000, 0x0005_3507),
            "core   0: 3 0x0000000080000000 (0x00053507) f10 0x3ff0000000000000 mem 0x0000000080001000"
        );
        // c.sw a5, 0(a0) logs 8 hex digits of data; x0 writes never appear.
        h.mem_log.clear();
        h.mem_log.push(MemAccess { vaddr: 0x8000_2000, value: 0xffff_ffff_1234_5678, size: 4, store: true });
        assert_eq!(
            line(&h, 0x8000_0004, 0xc11c),
            "core   0: 3 0x0000000080000004 (0xc11c) mem 0x0000000080002000 0x12345678"
        );
        h.mem_log.clear();
        assert_eq!(line(&h, 0x8000_0006, 0x0000_0013), "core   0: 3 0x0000000080000006 (0x00000013)");
    }
}
