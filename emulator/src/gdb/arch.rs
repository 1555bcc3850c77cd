//! The register view gdb gets: the `g` packet (x0-x31, pc), register numbers for `p`/`P`,
//! and the target description XML that names them, split into the same features and
//! files as QEMU's (`riscv-64bit-cpu.xml`, `-fpu.xml`, `-csr.xml`, `-virtual.xml`;
//! QEMU: target/riscv/gdbstub.c, gdb-xml/).
//!
//! Numbering follows gdb's own for RISC-V (gdb/riscv-tdep.h): x0-x31 are 0-31, pc 32,
//! f0-f31 33-64, CSR `n` is 65 + n (so fflags/frm/fcsr are 66/67/68) and the virtual
//! `priv` register is 65 + 4096. The XML gives every register its `regnum`, so gdb uses
//! exactly these numbers in `p` and `P` packets.

use crate::hart::csr::addr;
use core::num::NonZeroUsize;
use gdbstub::arch::{Arch, RegId, Registers};

/// gdb's number of the first CSR (gdb: RISCV_FIRST_CSR_REGNUM).
pub const FIRST_CSR: usize = 65;
/// gdb's number of the `priv` register (gdb: RISCV_PRIV_REGNUM).
pub const PRIV: usize = FIRST_CSR + 4096;

/// The architecture as gdbstub sees it.
pub enum Rv64 {}

impl Arch for Rv64 {
    type Usize = u64;
    type Registers = CoreRegs;
    /// 2 for a compressed breakpoint, 4 otherwise (gdb sends the instruction length).
    type BreakpointKind = usize;
    type RegId = Reg;
}

/// What the `g` and `G` packets carry: the integer registers and pc. Every other register
/// is read and written one at a time (`p`/`P`), as QEMU does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreRegs {
    pub x: [u64; 32],
    pub pc: u64,
}

impl Registers for CoreRegs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.pc
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        for v in self.x.iter().chain(std::iter::once(&self.pc)) {
            v.to_le_bytes().into_iter().for_each(|b| write_byte(Some(b)));
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        if bytes.len() < 33 * 8 {
            return Err(());
        }
        let mut words = bytes.chunks_exact(8).map(|c| {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            u64::from_le_bytes(w)
        });
        for x in self.x.iter_mut() {
            *x = words.next().ok_or(())?;
        }
        self.pc = words.next().ok_or(())?;
        Ok(())
    }
}

/// A register as gdb numbers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    X(u8),
    Pc,
    F(u8),
    Csr(u16),
    Priv,
    /// A number the description does not list: reading or writing it is an error reply.
    Unknown(usize),
}

impl Reg {
    /// The size in bytes gdb expects (the `bitsize` of the XML).
    pub fn size(self) -> usize {
        match self {
            Reg::Csr(addr::FFLAGS | addr::FRM | addr::FCSR) => 4,
            _ => 8,
        }
    }
}

impl RegId for Reg {
    fn from_raw_id(id: usize) -> Option<(Reg, Option<NonZeroUsize>)> {
        let reg = match id {
            0..=31 => Reg::X(id as u8),
            32 => Reg::Pc,
            33..=64 => Reg::F((id - 33) as u8),
            PRIV => Reg::Priv,
            n if n >= FIRST_CSR && CSRS.iter().any(|c| c.1 as usize + FIRST_CSR == n) => {
                Reg::Csr((n - FIRST_CSR) as u16)
            }
            // Unknown registers still map (to an error reply): an empty reply would tell
            // gdb that `p` is not supported at all.
            n => return Some((Reg::Unknown(n), None)),
        };
        Some((reg, NonZeroUsize::new(reg.size())))
    }
}

/// The CSRs the description lists (beyond fflags/frm/fcsr, which are in the FPU
/// feature), by the names gdb and the Privileged spec use.
pub const CSRS: &[(&str, u16)] = &[
    ("fflags", addr::FFLAGS),
    ("frm", addr::FRM),
    ("fcsr", addr::FCSR),
    ("cycle", addr::CYCLE),
    ("time", addr::TIME),
    ("instret", addr::INSTRET),
    ("sstatus", addr::SSTATUS),
    ("sie", addr::SIE),
    ("stvec", addr::STVEC),
    ("scounteren", addr::SCOUNTEREN),
    ("senvcfg", addr::SENVCFG),
    ("sscratch", addr::SSCRATCH),
    ("sepc", addr::SEPC),
    ("scause", addr::SCAUSE),
    ("stval", addr::STVAL),
    ("sip", addr::SIP),
    ("stimecmp", addr::STIMECMP),
    ("satp", addr::SATP),
    ("mvendorid", addr::MVENDORID),
    ("marchid", addr::MARCHID),
    ("mimpid", addr::MIMPID),
    ("mhartid", addr::MHARTID),
    ("mconfigptr", addr::MCONFIGPTR),
    ("mstatus", addr::MSTATUS),
    ("misa", addr::MISA),
    ("medeleg", addr::MEDELEG),
    ("mideleg", addr::MIDELEG),
    ("mie", addr::MIE),
    ("mtvec", addr::MTVEC),
    ("mcounteren", addr::MCOUNTEREN),
    ("menvcfg", addr::MENVCFG),
    ("mcountinhibit", addr::MCOUNTINHIBIT),
    ("mscratch", addr::MSCRATCH),
    ("mepc", addr::MEPC),
    ("mcause", addr::MCAUSE),
    ("mtval", addr::MTVAL),
    ("mip", addr::MIP),
    ("pmpcfg0", addr::PMPCFG0),
    ("pmpcfg2", addr::PMPCFG0 + 2),
    ("pmpaddr0", addr::PMPADDR0),
    ("pmpaddr1", addr::PMPADDR0 + 1),
    ("pmpaddr2", addr::PMPADDR0 + 2),
    ("pmpaddr3", addr::PMPADDR0 + 3),
    ("mcycle", addr::MCYCLE),
    ("minstret", addr::MINSTRET),
];

/// ABI names of x0-x31, as gdb's riscv-64bit-cpu.xml spells them.
const X_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2",
    "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

/// ABI names of f0-f31.
const F_NAMES: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

const HEADER: &str = "<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n";

/// The document gdb asks for by `annex` (`target.xml` and the files it includes).
pub fn description(annex: &str) -> Option<String> {
    let mut s = String::from(HEADER);
    match annex {
        "target.xml" => {
            s = s.replace("feature SYSTEM", "target SYSTEM");
            s.push_str("<target version=\"1.0\">\n<architecture>riscv:rv64</architecture>\n");
            for f in ["cpu", "fpu", "csr", "virtual"] {
                s.push_str(&format!("<xi:include href=\"riscv-64bit-{f}.xml\"/>\n"));
            }
            s.push_str("</target>\n");
        }
        "riscv-64bit-cpu.xml" => {
            s.push_str("<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
            for (i, n) in X_NAMES.iter().enumerate() {
                let ty = match i {
                    1 => "code_ptr",
                    2 | 3 | 8 => "data_ptr",
                    _ => "int",
                };
                s.push_str(&format!("  <reg name=\"{n}\" bitsize=\"64\" type=\"{ty}\" regnum=\"{i}\"/>\n"));
            }
            s.push_str("  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n");
        }
        "riscv-64bit-fpu.xml" => {
            s.push_str("<feature name=\"org.gnu.gdb.riscv.fpu\">\n");
            s.push_str("  <union id=\"riscv_double\">\n    <field name=\"float\" type=\"ieee_single\"/>\n    <field name=\"double\" type=\"ieee_double\"/>\n  </union>\n");
            for (i, n) in F_NAMES.iter().enumerate() {
                s.push_str(&format!(
                    "  <reg name=\"{n}\" bitsize=\"64\" type=\"riscv_double\" regnum=\"{}\"/>\n",
                    33 + i
                ));
            }
            for (n, c) in &CSRS[..3] {
                s.push_str(&format!(
                    "  <reg name=\"{n}\" bitsize=\"32\" type=\"int\" regnum=\"{}\"/>\n",
                    FIRST_CSR + *c as usize
                ));
            }
            s.push_str("</feature>\n");
        }
        "riscv-64bit-csr.xml" => {
            s.push_str("<feature name=\"org.gnu.gdb.riscv.csr\">\n");
            for (n, c) in &CSRS[3..] {
                s.push_str(&format!(
                    "  <reg name=\"{n}\" bitsize=\"64\" type=\"int\" regnum=\"{}\" group=\"csr\"/>\n",
                    FIRST_CSR + *c as usize
                ));
            }
            s.push_str("</feature>\n");
        }
        "riscv-64bit-virtual.xml" => {
            s.push_str("<feature name=\"org.gnu.gdb.riscv.virtual\">\n");
            s.push_str(&format!("  <reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"{PRIV}\"/>\n</feature>\n"));
        }
        _ => return None,
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_numbers_match_gdb() {
        assert_eq!(Reg::from_raw_id(0).map(|r| r.0), Some(Reg::X(0)));
        assert_eq!(Reg::from_raw_id(32).map(|r| r.0), Some(Reg::Pc));
        assert_eq!(Reg::from_raw_id(64).map(|r| r.0), Some(Reg::F(31)));
        assert_eq!(Reg::from_raw_id(66), Some((Reg::Csr(addr::FFLAGS), NonZeroUsize::new(4))));
        assert_eq!(Reg::from_raw_id(65 + 0x142).map(|r| r.0), Some(Reg::Csr(addr::SCAUSE)));
        assert_eq!(Reg::from_raw_id(4161).map(|r| r.0), Some(Reg::Priv));
        // A CSR that is not described and a number past everything: an error, not "no p".
        assert_eq!(Reg::from_raw_id(65 + 0x7c0).map(|r| r.0), Some(Reg::Unknown(65 + 0x7c0)));
        assert_eq!(Reg::from_raw_id(99_999).map(|r| r.0), Some(Reg::Unknown(99_999)));
    }

    #[test]
    fn g_packet_round_trips_and_rejects_short_input() {
        let mut r = CoreRegs::default();
        r.x[5] = 0x1122_3344_5566_7788;
        r.pc = 0x8000_0000;
        let mut bytes = Vec::new();
        r.gdb_serialize(|b| bytes.push(b.unwrap_or(0)));
        assert_eq!(bytes.len(), 33 * 8);
        let mut back = CoreRegs::default();
        assert_eq!(back.gdb_deserialize(&bytes), Ok(()));
        assert_eq!(back, r);
        assert_eq!(back.gdb_deserialize(&bytes[..100]), Err(()));
    }

    #[test]
    fn descriptions_name_every_register_once() {
        let all: String = [
            "target.xml",
            "riscv-64bit-cpu.xml",
            "riscv-64bit-fpu.xml",
            "riscv-64bit-csr.xml",
            "riscv-64bit-virtual.xml",
        ]
        .iter()
        .map(|a| description(a).expect("known annex"))
        .collect();
        assert!(all.contains("name=\"scause\" bitsize=\"64\" type=\"int\" regnum=\"387\""));
        assert!(all.contains("name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"4161\""));
        assert!(all.contains("<xi:include href=\"riscv-64bit-virtual.xml\"/>"));
        assert_eq!(all.matches("regnum=\"66\"").count(), 1);
        assert!(description("../etc/passwd").is_none());
    }
}
