//! Disassembler: renders an [`Instr`] as GNU objdump 2.40 prints it by default (aliases on,
//! ABI register names). Spike's rendering, for `-l` style traces, is in
//! `trace::spike_disasm`.
//!
//! objdump's choices are reproduced exactly, including its less obvious ones: compressed
//! instructions print as the 32-bit mnemonic objdump's opcode table lists first (so
//! `c.addi a0,1` prints `add a0,a0,1` and `c.slli` prints `sll`), HINT encodings print
//! with a `c.` prefix (`c.nop 1`, `c.li zero,5`, `c.slli64 a0`), rounding modes print as a
//! last operand unless they are `dyn`, `csrrwi` prints as `csrrw` with an immediate, and
//! reserved encodings print as `.2byte`/`.4byte` (and the all-zero halfword as `unimp`).
//! The exhaustive comparison against objdump lives in `tests/tests/disasm.rs`.
//!
//! Objdump's `# 0x...` comments (addresses it computes from earlier `auipc`/`lui`) are not
//! produced: they depend on other instructions, not on the one being printed.

use super::instr::{Instr, Op};
use std::fmt;

/// ABI names of the integer registers (psABI, "Register Convention").
pub const XREG: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2",
    "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

/// ABI names of the floating-point registers.
pub const FREG: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/// Rounding-mode names (Unprivileged 13.2, table "Rounding mode encoding"); 5 and 6 are
/// reserved and objdump prints them as `unknown`.
const RM: [&str; 8] = ["rne", "rtz", "rdn", "rup", "rmm", "unknown", "unknown", "dyn"];

/// One operand of a disassembled instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Arg {
    /// Printed as is.
    Text(String),
    /// A pc-relative target: the byte offset from the instruction's address.
    Target(i64),
}

/// Mnemonic and operands, before layout.
struct Parts {
    mnem: String,
    args: Vec<Arg>,
}

fn x(r: u8) -> Arg {
    Arg::Text(XREG[r as usize & 31].to_string())
}

fn f(r: u8) -> Arg {
    Arg::Text(FREG[r as usize & 31].to_string())
}

fn dec(v: i64) -> Arg {
    Arg::Text(v.to_string())
}

fn hex(v: u64) -> Arg {
    Arg::Text(format!("{v:#x}"))
}

fn mem(imm: i32, base: u8) -> Arg {
    Arg::Text(format!("{imm}({})", XREG[base as usize & 31]))
}

fn amo_base(base: u8) -> Arg {
    Arg::Text(format!("({})", XREG[base as usize & 31]))
}

fn csr_arg(csr: u32) -> Arg {
    Arg::Text(match csr_name(csr) {
        Some(n) => n.to_string(),
        None => format!("{csr:#x}"),
    })
}

fn p(mnem: &str, args: Vec<Arg>) -> Parts {
    Parts { mnem: mnem.to_string(), args }
}

/// The name objdump (default privileged spec 1.12) gives CSR `csr`, if any.
pub fn csr_name(csr: u32) -> Option<&'static str> {
    const HPMCOUNTER: [&str; 29] = [
        "hpmcounter3",
        "hpmcounter4",
        "hpmcounter5",
        "hpmcounter6",
        "hpmcounter7",
        "hpmcounter8",
        "hpmcounter9",
        "hpmcounter10",
        "hpmcounter11",
        "hpmcounter12",
        "hpmcounter13",
        "hpmcounter14",
        "hpmcounter15",
        "hpmcounter16",
        "hpmcounter17",
        "hpmcounter18",
        "hpmcounter19",
        "hpmcounter20",
        "hpmcounter21",
        "hpmcounter22",
        "hpmcounter23",
        "hpmcounter24",
        "hpmcounter25",
        "hpmcounter26",
        "hpmcounter27",
        "hpmcounter28",
        "hpmcounter29",
        "hpmcounter30",
        "hpmcounter31",
    ];
    const HPMCOUNTERH: [&str; 29] = [
        "hpmcounter3h",
        "hpmcounter4h",
        "hpmcounter5h",
        "hpmcounter6h",
        "hpmcounter7h",
        "hpmcounter8h",
        "hpmcounter9h",
        "hpmcounter10h",
        "hpmcounter11h",
        "hpmcounter12h",
        "hpmcounter13h",
        "hpmcounter14h",
        "hpmcounter15h",
        "hpmcounter16h",
        "hpmcounter17h",
        "hpmcounter18h",
        "hpmcounter19h",
        "hpmcounter20h",
        "hpmcounter21h",
        "hpmcounter22h",
        "hpmcounter23h",
        "hpmcounter24h",
        "hpmcounter25h",
        "hpmcounter26h",
        "hpmcounter27h",
        "hpmcounter28h",
        "hpmcounter29h",
        "hpmcounter30h",
        "hpmcounter31h",
    ];
    const MHPMCOUNTER: [&str; 29] = [
        "mhpmcounter3",
        "mhpmcounter4",
        "mhpmcounter5",
        "mhpmcounter6",
        "mhpmcounter7",
        "mhpmcounter8",
        "mhpmcounter9",
        "mhpmcounter10",
        "mhpmcounter11",
        "mhpmcounter12",
        "mhpmcounter13",
        "mhpmcounter14",
        "mhpmcounter15",
        "mhpmcounter16",
        "mhpmcounter17",
        "mhpmcounter18",
        "mhpmcounter19",
        "mhpmcounter20",
        "mhpmcounter21",
        "mhpmcounter22",
        "mhpmcounter23",
        "mhpmcounter24",
        "mhpmcounter25",
        "mhpmcounter26",
        "mhpmcounter27",
        "mhpmcounter28",
        "mhpmcounter29",
        "mhpmcounter30",
        "mhpmcounter31",
    ];
    const MHPMCOUNTERH: [&str; 29] = [
        "mhpmcounter3h",
        "mhpmcounter4h",
        "mhpmcounter5h",
        "mhpmcounter6h",
        "mhpmcounter7h",
        "mhpmcounter8h",
        "mhpmcounter9h",
        "mhpmcounter10h",
        "mhpmcounter11h",
        "mhpmcounter12h",
        "mhpmcounter13h",
        "mhpmcounter14h",
        "mhpmcounter15h",
        "mhpmcounter16h",
        "mhpmcounter17h",
        "mhpmcounter18h",
        "mhpmcounter19h",
        "mhpmcounter20h",
        "mhpmcounter21h",
        "mhpmcounter22h",
        "mhpmcounter23h",
        "mhpmcounter24h",
        "mhpmcounter25h",
        "mhpmcounter26h",
        "mhpmcounter27h",
        "mhpmcounter28h",
        "mhpmcounter29h",
        "mhpmcounter30h",
        "mhpmcounter31h",
    ];
    const MHPMEVENT: [&str; 29] = [
        "mhpmevent3",
        "mhpmevent4",
        "mhpmevent5",
        "mhpmevent6",
        "mhpmevent7",
        "mhpmevent8",
        "mhpmevent9",
        "mhpmevent10",
        "mhpmevent11",
        "mhpmevent12",
        "mhpmevent13",
        "mhpmevent14",
        "mhpmevent15",
        "mhpmevent16",
        "mhpmevent17",
        "mhpmevent18",
        "mhpmevent19",
        "mhpmevent20",
        "mhpmevent21",
        "mhpmevent22",
        "mhpmevent23",
        "mhpmevent24",
        "mhpmevent25",
        "mhpmevent26",
        "mhpmevent27",
        "mhpmevent28",
        "mhpmevent29",
        "mhpmevent30",
        "mhpmevent31",
    ];
    const MHPMEVENTH: [&str; 29] = [
        "mhpmevent3h",
        "mhpmevent4h",
        "mhpmevent5h",
        "mhpmevent6h",
        "mhpmevent7h",
        "mhpmevent8h",
        "mhpmevent9h",
        "mhpmevent10h",
        "mhpmevent11h",
        "mhpmevent12h",
        "mhpmevent13h",
        "mhpmevent14h",
        "mhpmevent15h",
        "mhpmevent16h",
        "mhpmevent17h",
        "mhpmevent18h",
        "mhpmevent19h",
        "mhpmevent20h",
        "mhpmevent21h",
        "mhpmevent22h",
        "mhpmevent23h",
        "mhpmevent24h",
        "mhpmevent25h",
        "mhpmevent26h",
        "mhpmevent27h",
        "mhpmevent28h",
        "mhpmevent29h",
        "mhpmevent30h",
        "mhpmevent31h",
    ];
    const PMPCFG: [&str; 16] = [
        "pmpcfg0", "pmpcfg1", "pmpcfg2", "pmpcfg3", "pmpcfg4", "pmpcfg5", "pmpcfg6", "pmpcfg7", "pmpcfg8", "pmpcfg9",
        "pmpcfg10", "pmpcfg11", "pmpcfg12", "pmpcfg13", "pmpcfg14", "pmpcfg15",
    ];
    const PMPADDR: [&str; 64] = [
        "pmpaddr0",
        "pmpaddr1",
        "pmpaddr2",
        "pmpaddr3",
        "pmpaddr4",
        "pmpaddr5",
        "pmpaddr6",
        "pmpaddr7",
        "pmpaddr8",
        "pmpaddr9",
        "pmpaddr10",
        "pmpaddr11",
        "pmpaddr12",
        "pmpaddr13",
        "pmpaddr14",
        "pmpaddr15",
        "pmpaddr16",
        "pmpaddr17",
        "pmpaddr18",
        "pmpaddr19",
        "pmpaddr20",
        "pmpaddr21",
        "pmpaddr22",
        "pmpaddr23",
        "pmpaddr24",
        "pmpaddr25",
        "pmpaddr26",
        "pmpaddr27",
        "pmpaddr28",
        "pmpaddr29",
        "pmpaddr30",
        "pmpaddr31",
        "pmpaddr32",
        "pmpaddr33",
        "pmpaddr34",
        "pmpaddr35",
        "pmpaddr36",
        "pmpaddr37",
        "pmpaddr38",
        "pmpaddr39",
        "pmpaddr40",
        "pmpaddr41",
        "pmpaddr42",
        "pmpaddr43",
        "pmpaddr44",
        "pmpaddr45",
        "pmpaddr46",
        "pmpaddr47",
        "pmpaddr48",
        "pmpaddr49",
        "pmpaddr50",
        "pmpaddr51",
        "pmpaddr52",
        "pmpaddr53",
        "pmpaddr54",
        "pmpaddr55",
        "pmpaddr56",
        "pmpaddr57",
        "pmpaddr58",
        "pmpaddr59",
        "pmpaddr60",
        "pmpaddr61",
        "pmpaddr62",
        "pmpaddr63",
    ];
    let i = |base: u32| (csr - base) as usize;
    Some(match csr {
        0xc03..=0xc1f => HPMCOUNTER[i(0xc03)],
        0xc83..=0xc9f => HPMCOUNTERH[i(0xc83)],
        0xb03..=0xb1f => MHPMCOUNTER[i(0xb03)],
        0xb83..=0xb9f => MHPMCOUNTERH[i(0xb83)],
        0x323..=0x33f => MHPMEVENT[i(0x323)],
        0x723..=0x73f => MHPMEVENTH[i(0x723)],
        0x3a0..=0x3af => PMPCFG[i(0x3a0)],
        0x3b0..=0x3ef => PMPADDR[i(0x3b0)],
        _ => return CSR_NAMES.iter().find(|(n, _)| *n as u32 == csr).map(|(_, s)| *s),
    })
}

/// Named CSRs outside the numbered families (Privileged tables 2.2-2.6, plus the
/// hypervisor, debug, vector, Sstc, Smstateen and AIA CSRs objdump also names).
const CSR_NAMES: &[(u16, &str)] = &[
    (0x001, "fflags"),
    (0x002, "frm"),
    (0x003, "fcsr"),
    (0x008, "vstart"),
    (0x009, "vxsat"),
    (0x00a, "vxrm"),
    (0x00f, "vcsr"),
    (0x015, "seed"),
    (0x100, "sstatus"),
    (0x104, "sie"),
    (0x105, "stvec"),
    (0x106, "scounteren"),
    (0x10a, "senvcfg"),
    (0x10c, "sstateen0"),
    (0x10d, "sstateen1"),
    (0x10e, "sstateen2"),
    (0x10f, "sstateen3"),
    (0x114, "sieh"),
    (0x140, "sscratch"),
    (0x141, "sepc"),
    (0x142, "scause"),
    (0x143, "stval"),
    (0x144, "sip"),
    (0x14d, "stimecmp"),
    (0x150, "siselect"),
    (0x151, "sireg"),
    (0x154, "siph"),
    (0x15c, "stopei"),
    (0x15d, "stimecmph"),
    (0x180, "satp"),
    (0x200, "vsstatus"),
    (0x204, "vsie"),
    (0x205, "vstvec"),
    (0x214, "vsieh"),
    (0x240, "vsscratch"),
    (0x241, "vsepc"),
    (0x242, "vscause"),
    (0x243, "vstval"),
    (0x244, "vsip"),
    (0x24d, "vstimecmp"),
    (0x250, "vsiselect"),
    (0x251, "vsireg"),
    (0x254, "vsiph"),
    (0x25c, "vstopei"),
    (0x25d, "vstimecmph"),
    (0x280, "vsatp"),
    (0x300, "mstatus"),
    (0x301, "misa"),
    (0x302, "medeleg"),
    (0x303, "mideleg"),
    (0x304, "mie"),
    (0x305, "mtvec"),
    (0x306, "mcounteren"),
    (0x308, "mvien"),
    (0x309, "mvip"),
    (0x30a, "menvcfg"),
    (0x30c, "mstateen0"),
    (0x30d, "mstateen1"),
    (0x30e, "mstateen2"),
    (0x30f, "mstateen3"),
    (0x310, "mstatush"),
    (0x313, "midelegh"),
    (0x314, "mieh"),
    (0x318, "mvienh"),
    (0x319, "mviph"),
    (0x31a, "menvcfgh"),
    (0x31c, "mstateen0h"),
    (0x31d, "mstateen1h"),
    (0x31e, "mstateen2h"),
    (0x31f, "mstateen3h"),
    (0x320, "mcountinhibit"),
    (0x340, "mscratch"),
    (0x341, "mepc"),
    (0x342, "mcause"),
    (0x343, "mtval"),
    (0x344, "mip"),
    (0x34a, "mtinst"),
    (0x34b, "mtval2"),
    (0x350, "miselect"),
    (0x351, "mireg"),
    (0x354, "miph"),
    (0x35c, "mtopei"),
    (0x5a8, "scontext"),
    (0x600, "hstatus"),
    (0x602, "hedeleg"),
    (0x603, "hideleg"),
    (0x604, "hie"),
    (0x605, "htimedelta"),
    (0x606, "hcounteren"),
    (0x607, "hgeie"),
    (0x608, "hvien"),
    (0x609, "hvictl"),
    (0x60a, "henvcfg"),
    (0x60c, "hstateen0"),
    (0x60d, "hstateen1"),
    (0x60e, "hstateen2"),
    (0x60f, "hstateen3"),
    (0x613, "hidelegh"),
    (0x615, "htimedeltah"),
    (0x618, "hvienh"),
    (0x61a, "henvcfgh"),
    (0x61c, "hstateen0h"),
    (0x61d, "hstateen1h"),
    (0x61e, "hstateen2h"),
    (0x61f, "hstateen3h"),
    (0x643, "htval"),
    (0x644, "hip"),
    (0x645, "hvip"),
    (0x646, "hviprio1"),
    (0x647, "hviprio2"),
    (0x64a, "htinst"),
    (0x655, "hviph"),
    (0x656, "hviprio1h"),
    (0x657, "hviprio2h"),
    (0x680, "hgatp"),
    (0x6a8, "hcontext"),
    (0x747, "mseccfg"),
    (0x757, "mseccfgh"),
    (0x7a0, "tselect"),
    (0x7a1, "tdata1"),
    (0x7a2, "tdata2"),
    (0x7a3, "tdata3"),
    (0x7a4, "tinfo"),
    (0x7a5, "tcontrol"),
    (0x7a8, "mcontext"),
    (0x7aa, "mscontext"),
    (0x7b0, "dcsr"),
    (0x7b1, "dpc"),
    (0x7b2, "dscratch0"),
    (0x7b3, "dscratch1"),
    (0xb00, "mcycle"),
    (0xb02, "minstret"),
    (0xb80, "mcycleh"),
    (0xb82, "minstreth"),
    (0xc00, "cycle"),
    (0xc01, "time"),
    (0xc02, "instret"),
    (0xc20, "vl"),
    (0xc21, "vtype"),
    (0xc22, "vlenb"),
    (0xc80, "cycleh"),
    (0xc81, "timeh"),
    (0xc82, "instreth"),
    (0xda0, "scountovf"),
    (0xdb0, "stopi"),
    (0xe12, "hgeip"),
    (0xeb0, "vstopi"),
    (0xf11, "mvendorid"),
    (0xf12, "marchid"),
    (0xf13, "mimpid"),
    (0xf14, "mhartid"),
    (0xf15, "mconfigptr"),
    (0xfb0, "mtopi"),
];

/// FENCE predecessor/successor set as objdump names it (`iorw` order; empty = `unknown`).
fn fence_set(bits: u32) -> Arg {
    let mut s = String::new();
    for (bit, c) in [(8, 'i'), (4, 'o'), (2, 'r'), (1, 'w')] {
        if bits & bit != 0 {
            s.push(c);
        }
    }
    if s.is_empty() {
        s.push_str("unknown");
    }
    Arg::Text(s)
}

/// `.aq`, `.rl` or `.aqrl` from the AMO's aq (bit 26) and rl (bit 25) bits.
fn aqrl(raw: u32) -> &'static str {
    match (raw >> 25) & 3 {
        0 => "",
        1 => ".rl",
        2 => ".aq",
        _ => ".aqrl",
    }
}

/// Splits `ins` into objdump's mnemonic and operands.
fn parts(ins: &Instr) -> Parts {
    use Op::*;
    let (rd, rs1, rs2, imm) = (ins.rd, ins.rs1, ins.rs2, ins.imm);
    let c = ins.len == 2;
    let raw = ins.raw;
    // Trailing rounding-mode operand, omitted when dynamic.
    let with_rm = |mnem: &str, mut args: Vec<Arg>| {
        if ins.rm != 7 {
            args.push(Arg::Text(RM[ins.rm as usize & 7].to_string()));
        }
        p(mnem, args)
    };
    // Exact conversions whose objdump form has no rounding mode when rm = 0 (rne).
    let exact = |mnem: &str, args: Vec<Arg>| {
        if ins.rm == 0 {
            p(mnem, args)
        } else {
            let mut args = args;
            args.push(Arg::Text(RM[ins.rm as usize & 7].to_string()));
            p(mnem, args)
        }
    };
    let name = op_name(ins.op);
    match ins.op {
        Illegal => {
            if ins.len == 2 {
                if raw & 0xffff == 0 {
                    p("unimp", vec![])
                } else {
                    p(".2byte", vec![hex(raw as u64 & 0xffff)])
                }
            } else {
                p(".4byte", vec![hex(raw as u64)])
            }
        }
        Lui if c && rd == 0 => p("c.lui", vec![x(rd), hex((imm as u32 >> 12) as u64 & 0xfffff)]),
        Lui | Auipc => p(name, vec![x(rd), hex((imm as u32 >> 12) as u64 & 0xfffff)]),
        Jal => match rd {
            0 => p("j", vec![Arg::Target(imm as i64)]),
            1 => p("jal", vec![Arg::Target(imm as i64)]),
            _ => p("jal", vec![x(rd), Arg::Target(imm as i64)]),
        },
        Jalr => match (rd, rs1, imm) {
            (0, 1, 0) => p("ret", vec![]),
            (0, _, 0) => p("jr", vec![x(rs1)]),
            (0, _, _) => p("jr", vec![mem(imm, rs1)]),
            (1, _, 0) => p("jalr", vec![x(rs1)]),
            (1, _, _) => p("jalr", vec![mem(imm, rs1)]),
            _ => p("jalr", vec![x(rd), mem(imm, rs1)]),
        },
        Beq | Bne | Blt | Bge | Bltu | Bgeu => {
            let t = Arg::Target(imm as i64);
            match (ins.op, rs1, rs2) {
                (Beq, _, 0) => p("beqz", vec![x(rs1), t]),
                (Bne, _, 0) => p("bnez", vec![x(rs1), t]),
                (Bge, 0, _) => p("blez", vec![x(rs2), t]),
                (Bge, _, 0) => p("bgez", vec![x(rs1), t]),
                (Blt, _, 0) => p("bltz", vec![x(rs1), t]),
                (Blt, 0, _) => p("bgtz", vec![x(rs2), t]),
                _ => p(name, vec![x(rs1), x(rs2), t]),
            }
        }
        Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => p(name, vec![x(rd), mem(imm, rs1)]),
        Sb | Sh | Sw | Sd => p(name, vec![x(rs2), mem(imm, rs1)]),
        Flw | Fld => p(name, vec![f(rd), mem(imm, rs1)]),
        Fsw | Fsd => p(name, vec![f(rs2), mem(imm, rs1)]),
        // objdump 2.40 prints the register-immediate forms with the register-register
        // mnemonic (`add a0,a1,5` for `addi`), keeping only the named aliases below.
        Addi if c && (raw & 0xe003) == 0x0001 && rd == 0 && imm == 0 => p("nop", vec![]),
        Addi if c && (raw & 0xe003) == 0x0001 && rd == 0 => p("c.nop", vec![dec(imm as i64)]), // HINT
        Addi if c && (raw & 0xe003) == 0x4001 && rd == 0 => p("c.li", vec![x(rd), dec(imm as i64)]), // HINT
        Addi if c && (raw & 0xe003) == 0x4001 => p("li", vec![x(rd), dec(imm as i64)]),
        Addi if c => p("add", vec![x(rd), x(rs1), dec(imm as i64)]),
        Addi => match (rd, rs1, imm) {
            (0, 0, 0) => p("nop", vec![]),
            (_, 0, _) => p("li", vec![x(rd), dec(imm as i64)]),
            (_, _, 0) => p("mv", vec![x(rd), x(rs1)]),
            _ => p("add", vec![x(rd), x(rs1), dec(imm as i64)]),
        },
        Addiw if imm == 0 => p("sext.w", vec![x(rd), x(rs1)]),
        Sltiu if imm == 1 => p("seqz", vec![x(rd), x(rs1)]),
        Xori if imm == -1 => p("not", vec![x(rd), x(rs1)]),
        Slti | Sltiu => p(name, vec![x(rd), x(rs1), dec(imm as i64)]),
        // Zicbop prefetches are ORI hints with rd = x0, selected by imm[4:0].
        Ori if rd == 0 && matches!(imm & 0x1f, 0 | 1 | 3) => {
            let hint = ["prefetch.i", "prefetch.r", "", "prefetch.w"][imm as usize & 3];
            p(hint, vec![mem(imm & !0x1f, rs1)])
        }
        // Zbb's ZEXT.B is the pseudo-instruction `andi rd, rs1, 255`.
        Andi if imm == 255 => p("zext.b", vec![x(rd), x(rs1)]),
        Addiw | Xori | Ori | Andi => p(reg_form(ins.op), vec![x(rd), x(rs1), dec(imm as i64)]),
        Slli | Srli | Srai if c && imm == 0 => p(&format!("c.{name}64"), vec![x(rd)]), // HINTs
        Slli if c && rd == 0 => p("c.slli", vec![x(rd), hex(imm as u64)]),             // HINT
        Slli | Srli | Srai | Slliw | Srliw | Sraiw => p(reg_form(ins.op), vec![x(rd), x(rs1), hex(imm as u64 & 0x3f)]),
        Add if c => {
            // C.MV (rs1 = 0 in the expansion) and C.ADD; rd = 0 forms are HINTs.
            let mv = raw & 0x1000 == 0;
            match (mv, rd) {
                (true, 0) => p("c.mv", vec![x(rd), x(rs2)]),
                (true, _) => p("mv", vec![x(rd), x(rs2)]),
                (false, 0) => p("c.add", vec![x(rd), x(rs2)]),
                (false, _) => p("add", vec![x(rd), x(rs1), x(rs2)]),
            }
        }
        Sub if rs1 == 0 => p("neg", vec![x(rd), x(rs2)]),
        Subw if rs1 == 0 => p("negw", vec![x(rd), x(rs2)]),
        Sltu if rs1 == 0 => p("snez", vec![x(rd), x(rs2)]),
        Slt if rs2 == 0 => p("sltz", vec![x(rd), x(rs1)]),
        Slt if rs1 == 0 => p("sgtz", vec![x(rd), x(rs2)]),
        Add | Sub | Sll | Slt | Sltu | Xor | Srl | Sra | Or | And | Addw | Subw | Sllw | Srlw | Sraw | Mul | Mulh
        | Mulhsu | Mulhu | Div | Divu | Rem | Remu | Mulw | Divw | Divuw | Remw | Remuw => {
            p(name, vec![x(rd), x(rs1), x(rs2)])
        }
        Fence => {
            let bits = imm as u32;
            let (fm, pred, succ) = (bits >> 8, (bits >> 4) & 15, bits & 15);
            if fm == 8 && pred == 3 && succ == 3 {
                p("fence.tso", vec![])
            } else if pred == 15 && succ == 15 {
                p("fence", vec![])
            } else {
                p("fence", vec![fence_set(pred), fence_set(succ)])
            }
        }
        FenceI | Ecall | Ebreak | Mret | Sret | Wfi | Pause | SfenceWInval | SfenceInvalIr => p(name, vec![]),
        SinvalVma => p(name, vec![x(rs1), x(rs2)]),
        CboInval | CboClean | CboFlush | CboZero => p(name, vec![amo_base(rs1)]),
        AddUw if rs2 == 0 => p("zext.w", vec![x(rd), x(rs1)]),
        Clz | Clzw | Ctz | Ctzw | Cpop | Cpopw | SextB | SextH | ZextH | OrcB | Rev8 => p(name, vec![x(rd), x(rs1)]),
        SlliUw | Rori | Roriw | Bclri | Bexti | Binvi | Bseti => {
            p(reg_form(ins.op), vec![x(rd), x(rs1), hex(imm as u64 & 0x3f)])
        }
        op if op.is_bitmanip() => p(name, vec![x(rd), x(rs1), x(rs2)]),
        SfenceVma => match (rs1, rs2) {
            (0, 0) => p(name, vec![]),
            (_, 0) => p(name, vec![x(rs1)]),
            _ => p(name, vec![x(rs1), x(rs2)]),
        },
        Csrrw | Csrrs | Csrrc | Csrrwi | Csrrsi | Csrrci => csr_parts(ins),
        LrW | LrD => p(&format!("{name}{}", aqrl(raw)), vec![x(rd), amo_base(rs1)]),
        op if op.is_amo() => p(&format!("{name}{}", aqrl(raw)), vec![x(rd), x(rs2), amo_base(rs1)]),
        FmaddS | FmsubS | FnmsubS | FnmaddS | FmaddD | FmsubD | FnmsubD | FnmaddD => {
            with_rm(name, vec![f(rd), f(rs1), f(rs2), f(ins.rs3)])
        }
        FaddS | FsubS | FmulS | FdivS | FaddD | FsubD | FmulD | FdivD => with_rm(name, vec![f(rd), f(rs1), f(rs2)]),
        FsqrtS | FsqrtD | FcvtSD => with_rm(name, vec![f(rd), f(rs1)]),
        FcvtDS => exact(name, vec![f(rd), f(rs1)]),
        FsgnjS | FsgnjnS | FsgnjxS | FsgnjD | FsgnjnD | FsgnjxD if rs1 == rs2 => {
            let alias = match ins.op {
                FsgnjS => "fmv.s",
                FsgnjnS => "fneg.s",
                FsgnjxS => "fabs.s",
                FsgnjD => "fmv.d",
                FsgnjnD => "fneg.d",
                _ => "fabs.d",
            };
            p(alias, vec![f(rd), f(rs1)])
        }
        FsgnjS | FsgnjnS | FsgnjxS | FsgnjD | FsgnjnD | FsgnjxD | FminS | FmaxS | FminD | FmaxD => {
            p(name, vec![f(rd), f(rs1), f(rs2)])
        }
        FeqS | FltS | FleS | FeqD | FltD | FleD => p(name, vec![x(rd), f(rs1), f(rs2)]),
        FcvtWS | FcvtWuS | FcvtLS | FcvtLuS | FcvtWD | FcvtWuD | FcvtLD | FcvtLuD => with_rm(name, vec![x(rd), f(rs1)]),
        FcvtSW | FcvtSWu | FcvtSL | FcvtSLu | FcvtDL | FcvtDLu => with_rm(name, vec![f(rd), x(rs1)]),
        FcvtDW | FcvtDWu => exact(name, vec![f(rd), x(rs1)]),
        FmvXW | FmvXD | FclassS | FclassD => p(name, vec![x(rd), f(rs1)]),
        FmvWX | FmvDX => p(name, vec![f(rd), x(rs1)]),
        _ => p(name, vec![]),
    }
}

/// Zicsr instructions with objdump's aliases (`csrr`, `csrw`, `rdcycle`, `frflags`, ...).
fn csr_parts(ins: &Instr) -> Parts {
    use Op::*;
    let (rd, rs1) = (ins.rd, ins.rs1);
    let csr = ins.imm as u32 & 0xfff;
    let imm_form = matches!(ins.op, Csrrwi | Csrrsi | Csrrci);
    let src = if imm_form { dec(rs1 as i64) } else { x(rs1) };
    // The F-extension CSR aliases (Unprivileged 13.2): (read form, write form).
    let fcsr_alias = match csr {
        1 => Some(("frflags", "fsflags")),
        2 => Some(("frrm", "fsrm")),
        3 => Some(("frcsr", "fscsr")),
        _ => None,
    };
    match ins.op {
        Csrrs if rs1 == 0 => {
            let counter = match csr {
                0xc00 => Some("rdcycle"),
                0xc01 => Some("rdtime"),
                0xc02 => Some("rdinstret"),
                0xc80 => Some("rdcycleh"),
                0xc81 => Some("rdtimeh"),
                0xc82 => Some("rdinstreth"),
                _ => None,
            };
            if let Some(n) = counter.or(fcsr_alias.map(|a| a.0)) {
                p(n, vec![x(rd)])
            } else {
                p("csrr", vec![x(rd), csr_arg(csr)])
            }
        }
        Csrrw if csr == 0xc00 && rd == 0 && rs1 == 0 => p("unimp", vec![]),
        Csrrw => match fcsr_alias.map(|a| a.1) {
            Some(n) if rd == 0 => p(n, vec![x(rs1)]),
            Some(n) => p(n, vec![x(rd), x(rs1)]),
            None if rd == 0 => p("csrw", vec![csr_arg(csr), src]),
            None => p("csrrw", vec![x(rd), csr_arg(csr), src]),
        },
        Csrrwi => {
            let alias = match csr {
                1 => Some("fsflagsi"),
                2 => Some("fsrmi"),
                _ => None,
            };
            match alias {
                Some(n) if rd == 0 => p(n, vec![src]),
                Some(n) => p(n, vec![x(rd), src]),
                None if rd == 0 => p("csrw", vec![csr_arg(csr), src]),
                None => p("csrrw", vec![x(rd), csr_arg(csr), src]),
            }
        }
        Csrrs | Csrrsi if rd == 0 => p("csrs", vec![csr_arg(csr), src]),
        Csrrc | Csrrci if rd == 0 => p("csrc", vec![csr_arg(csr), src]),
        Csrrs | Csrrsi => p("csrrs", vec![x(rd), csr_arg(csr), src]),
        _ => p("csrrc", vec![x(rd), csr_arg(csr), src]),
    }
}

/// The register-register mnemonic objdump prints for a register-immediate operation.
fn reg_form(op: Op) -> &'static str {
    use Op::*;
    match op {
        Addi => "add",
        Addiw => "addw",
        Xori => "xor",
        Ori => "or",
        Andi => "and",
        Slli => "sll",
        Srli => "srl",
        Srai => "sra",
        Slliw => "sllw",
        Srliw => "srlw",
        Sraiw => "sraw",
        Rori => "ror",
        Roriw => "rorw",
        Bclri => "bclr",
        Bexti => "bext",
        Binvi => "binv",
        Bseti => "bset",
        _ => op_name(op),
    }
}

/// The canonical (non-alias) mnemonic of `op`.
pub fn op_name(op: Op) -> &'static str {
    use Op::*;
    match op {
        Illegal => "illegal",
        Lui => "lui",
        Auipc => "auipc",
        Jal => "jal",
        Jalr => "jalr",
        Beq => "beq",
        Bne => "bne",
        Blt => "blt",
        Bge => "bge",
        Bltu => "bltu",
        Bgeu => "bgeu",
        Lb => "lb",
        Lh => "lh",
        Lw => "lw",
        Ld => "ld",
        Lbu => "lbu",
        Lhu => "lhu",
        Lwu => "lwu",
        Sb => "sb",
        Sh => "sh",
        Sw => "sw",
        Sd => "sd",
        Addi => "addi",
        Slti => "slti",
        Sltiu => "sltiu",
        Xori => "xori",
        Ori => "ori",
        Andi => "andi",
        Slli => "slli",
        Srli => "srli",
        Srai => "srai",
        Addiw => "addiw",
        Slliw => "slliw",
        Srliw => "srliw",
        Sraiw => "sraiw",
        Add => "add",
        Sub => "sub",
        Sll => "sll",
        Slt => "slt",
        Sltu => "sltu",
        Xor => "xor",
        Srl => "srl",
        Sra => "sra",
        Or => "or",
        And => "and",
        Addw => "addw",
        Subw => "subw",
        Sllw => "sllw",
        Srlw => "srlw",
        Sraw => "sraw",
        Fence => "fence",
        FenceI => "fence.i",
        Ecall => "ecall",
        Ebreak => "ebreak",
        Mul => "mul",
        Mulh => "mulh",
        Mulhsu => "mulhsu",
        Mulhu => "mulhu",
        Div => "div",
        Divu => "divu",
        Rem => "rem",
        Remu => "remu",
        Mulw => "mulw",
        Divw => "divw",
        Divuw => "divuw",
        Remw => "remw",
        Remuw => "remuw",
        LrW => "lr.w",
        ScW => "sc.w",
        AmoswapW => "amoswap.w",
        AmoaddW => "amoadd.w",
        AmoxorW => "amoxor.w",
        AmoandW => "amoand.w",
        AmoorW => "amoor.w",
        AmominW => "amomin.w",
        AmomaxW => "amomax.w",
        AmominuW => "amominu.w",
        AmomaxuW => "amomaxu.w",
        LrD => "lr.d",
        ScD => "sc.d",
        AmoswapD => "amoswap.d",
        AmoaddD => "amoadd.d",
        AmoxorD => "amoxor.d",
        AmoandD => "amoand.d",
        AmoorD => "amoor.d",
        AmominD => "amomin.d",
        AmomaxD => "amomax.d",
        AmominuD => "amominu.d",
        AmomaxuD => "amomaxu.d",
        Csrrw => "csrrw",
        Csrrs => "csrrs",
        Csrrc => "csrrc",
        Csrrwi => "csrrwi",
        Csrrsi => "csrrsi",
        Csrrci => "csrrci",
        Mret => "mret",
        Sret => "sret",
        Wfi => "wfi",
        SfenceVma => "sfence.vma",
        SinvalVma => "sinval.vma",
        SfenceWInval => "sfence.w.inval",
        SfenceInvalIr => "sfence.inval.ir",
        Flw => "flw",
        Fsw => "fsw",
        FmaddS => "fmadd.s",
        FmsubS => "fmsub.s",
        FnmsubS => "fnmsub.s",
        FnmaddS => "fnmadd.s",
        FaddS => "fadd.s",
        FsubS => "fsub.s",
        FmulS => "fmul.s",
        FdivS => "fdiv.s",
        FsqrtS => "fsqrt.s",
        FsgnjS => "fsgnj.s",
        FsgnjnS => "fsgnjn.s",
        FsgnjxS => "fsgnjx.s",
        FminS => "fmin.s",
        FmaxS => "fmax.s",
        FcvtWS => "fcvt.w.s",
        FcvtWuS => "fcvt.wu.s",
        FcvtLS => "fcvt.l.s",
        FcvtLuS => "fcvt.lu.s",
        FmvXW => "fmv.x.w",
        FclassS => "fclass.s",
        FeqS => "feq.s",
        FltS => "flt.s",
        FleS => "fle.s",
        FcvtSW => "fcvt.s.w",
        FcvtSWu => "fcvt.s.wu",
        FcvtSL => "fcvt.s.l",
        FcvtSLu => "fcvt.s.lu",
        FmvWX => "fmv.w.x",
        Fld => "fld",
        Fsd => "fsd",
        FmaddD => "fmadd.d",
        FmsubD => "fmsub.d",
        FnmsubD => "fnmsub.d",
        FnmaddD => "fnmadd.d",
        FaddD => "fadd.d",
        FsubD => "fsub.d",
        FmulD => "fmul.d",
        FdivD => "fdiv.d",
        FsqrtD => "fsqrt.d",
        FsgnjD => "fsgnj.d",
        FsgnjnD => "fsgnjn.d",
        FsgnjxD => "fsgnjx.d",
        FminD => "fmin.d",
        FmaxD => "fmax.d",
        FcvtSD => "fcvt.s.d",
        FcvtDS => "fcvt.d.s",
        FeqD => "feq.d",
        FltD => "flt.d",
        FleD => "fle.d",
        FclassD => "fclass.d",
        FcvtWD => "fcvt.w.d",
        FcvtWuD => "fcvt.wu.d",
        FcvtLD => "fcvt.l.d",
        FcvtLuD => "fcvt.lu.d",
        FcvtDW => "fcvt.d.w",
        FcvtDWu => "fcvt.d.wu",
        FcvtDL => "fcvt.d.l",
        FcvtDLu => "fcvt.d.lu",
        FmvXD => "fmv.x.d",
        FmvDX => "fmv.d.x",
        AddUw => "add.uw",
        Sh1add => "sh1add",
        Sh2add => "sh2add",
        Sh3add => "sh3add",
        Sh1addUw => "sh1add.uw",
        Sh2addUw => "sh2add.uw",
        Sh3addUw => "sh3add.uw",
        SlliUw => "slli.uw",
        Andn => "andn",
        Orn => "orn",
        Xnor => "xnor",
        Clz => "clz",
        Clzw => "clzw",
        Ctz => "ctz",
        Ctzw => "ctzw",
        Cpop => "cpop",
        Cpopw => "cpopw",
        Max => "max",
        Maxu => "maxu",
        Min => "min",
        Minu => "minu",
        SextB => "sext.b",
        SextH => "sext.h",
        ZextH => "zext.h",
        Rol => "rol",
        Rolw => "rolw",
        Ror => "ror",
        Rori => "rori",
        Rorw => "rorw",
        Roriw => "roriw",
        OrcB => "orc.b",
        Rev8 => "rev8",
        Clmul => "clmul",
        Clmulh => "clmulh",
        Clmulr => "clmulr",
        Bclr => "bclr",
        Bclri => "bclri",
        Bext => "bext",
        Bexti => "bexti",
        Binv => "binv",
        Binvi => "binvi",
        Bset => "bset",
        Bseti => "bseti",
        CzeroEqz => "czero.eqz",
        CzeroNez => "czero.nez",
        Pause => "pause",
        CboInval => "cbo.inval",
        CboClean => "cbo.clean",
        CboFlush => "cbo.flush",
        CboZero => "cbo.zero",
    }
}

/// How pc-relative targets are printed.
enum Targets<'a> {
    /// Relative to the instruction, as `.+8` / `.-4` (no address known).
    Relative,
    /// Absolute, as objdump prints them without symbols: `0x80000010`.
    Absolute(u64),
    /// Absolute with a symbol, as objdump prints them for an ELF: `80000010 <main+0x10>`.
    Symbolic(u64, &'a dyn Fn(u64) -> Option<(String, u64)>),
}

fn target_text(off: i64, t: &Targets) -> String {
    match t {
        Targets::Relative => format!(".{off:+}"),
        Targets::Absolute(pc) => format!("{:#x}", pc.wrapping_add(off as u64)),
        Targets::Symbolic(pc, lookup) => {
            let a = pc.wrapping_add(off as u64);
            match lookup(a) {
                Some((name, 0)) => format!("{a:x} <{name}>"),
                Some((name, o)) => format!("{a:x} <{name}+{o:#x}>"),
                None => format!("{a:#x}"),
            }
        }
    }
}

/// objdump layout: `mnemonic<TAB>op1,op2`.
fn objdump_layout(ins: &Instr, t: &Targets) -> String {
    let Parts { mnem, args } = parts(ins);
    if args.is_empty() {
        return mnem;
    }
    let ops: Vec<String> = args
        .into_iter()
        .map(|a| match a {
            Arg::Text(s) => s,
            Arg::Target(off) => target_text(off, t),
        })
        .collect();
    format!("{mnem}\t{}", ops.join(","))
}

/// Disassembles `ins` at address `pc` exactly as `riscv64-unknown-elf-objdump -d` prints
/// it for a file without symbols: mnemonic, a tab, operands separated by commas, with
/// pc-relative targets as absolute addresses (`"j\t0x80000010"`).
pub fn disasm(ins: &Instr, pc: u64) -> String {
    objdump_layout(ins, &Targets::Absolute(pc))
}

/// Like [`disasm`], naming targets with `lookup(addr) -> (symbol, offset)` as objdump does
/// for an ELF with symbols (`"jal\t80000040 <main>"`).
pub fn disasm_with_symbols(ins: &Instr, pc: u64, lookup: &dyn Fn(u64) -> Option<(String, u64)>) -> String {
    objdump_layout(ins, &Targets::Symbolic(pc, lookup))
}

/// objdump's text with targets relative to the instruction (`"j\t.+16"`); use [`disasm`]
/// when the address is known.
impl fmt::Display for Instr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&objdump_layout(self, &Targets::Relative))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::decode;

    fn d(raw: u32, pc: u64) -> String {
        disasm(&decode(raw), pc)
    }

    #[test]
    fn reset_vector_reads_as_objdump_prints_it() {
        assert_eq!(d(0x0000_0297, 0x1000), "auipc\tt0,0x0");
        assert_eq!(d(0x0000_0613, 0x1004), "li\ta2,0");
        assert_eq!(d(0xf140_2573, 0x1008), "csrr\ta0,mhartid");
        assert_eq!(d(0x0202_b583, 0x100c), "ld\ta1,32(t0)");
        assert_eq!(d(0x0002_8067, 0x1014), "jr\tt0");
    }

    #[test]
    fn targets_compressed_and_fp() {
        assert_eq!(d(0x0000_006f, 0x8000_0000), "j\t0x80000000");
        assert_eq!(d(0xfeb5_1ee3, 0xbc), "bne\ta0,a1,0xb8");
        assert_eq!(d(0x8082, 0), "ret");
        assert_eq!(d(0x7139, 0), "add\tsp,sp,-64");
        assert_eq!(d(0x0001, 0), "nop");
        assert_eq!(d(0x0000, 0), "unimp");
        assert_eq!(d(0x00a5_0553, 0), "fadd.s\tfa0,fa0,fa0,rne");
        assert_eq!(d(0x00a5_7553, 0), "fadd.s\tfa0,fa0,fa0");
        assert_eq!(d(0x0c02_b02f, 0), "amoswap.d.aq\tzero,zero,(t0)");
        assert_eq!(d(0x2000_0033, 0), ".4byte\t0x20000033");
        assert_eq!(format!("{}", decode(0xfe00_0ee3)), "beqz\tzero,.-4");
    }

    #[test]
    fn symbolic_targets_as_objdump_prints_them_for_an_elf() {
        let lookup = |a: u64| match a {
            0x8000_0040 => Some(("main".to_string(), 0)),
            0x8000_0044 => Some(("main".to_string(), 4)),
            _ => None,
        };
        let jal = decode(0x0400_00ef); // jal ra, +64
        assert_eq!(disasm_with_symbols(&jal, 0x8000_0000, &lookup), "jal\t80000040 <main>");
        assert_eq!(disasm_with_symbols(&jal, 0x8000_0004, &lookup), "jal\t80000044 <main+0x4>");
        assert_eq!(disasm_with_symbols(&jal, 0x9000_0000, &lookup), "jal\t0x90000040");
    }
}
