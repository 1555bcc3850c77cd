//! Instruction text as Spike's disassembler prints it, for the `-l` style trace.
//!
//! Spike's choices differ from objdump's in mnemonics and operands, not only in spacing:
//! compressed instructions keep their `c.` names (`c.addi sp, -16`, `c.ldsp ra, 8(sp)`),
//! there are fewer aliases (no `neg`, `blez`, `fmv.s`, `rdcycle`, `fence.tso`), shift
//! amounts are decimal, FP instructions never show a rounding mode, `jalr` with an offset
//! reads `jalr rd, rs1, imm`, branch targets read `pc + 12` and jump targets `pc + 0x10`,
//! FENCE always names its sets (`fence iorw,iorw`) and unnamed CSRs read `unknown_800`.
//! Layout: the mnemonic, padded with spaces to 8 columns (at least one space), then the
//! operands separated by `", "`.

use crate::isa::disasm::{csr_name, op_name, FREG, XREG};
use crate::isa::{Instr, Op};

fn x(r: u8) -> String {
    XREG[r as usize & 31].to_string()
}

fn f(r: u8) -> String {
    FREG[r as usize & 31].to_string()
}

fn mem(imm: i32, base: u8) -> String {
    format!("{imm}({})", XREG[base as usize & 31])
}

/// Conditional-branch targets: decimal offset from pc.
fn branch(off: i32) -> String {
    if off < 0 {
        format!("pc - {}", off.unsigned_abs())
    } else {
        format!("pc + {off}")
    }
}

/// JAL targets: hexadecimal offset from pc.
fn jump(off: i32) -> String {
    if off < 0 {
        format!("pc - {:#x}", off.unsigned_abs())
    } else {
        format!("pc + {off:#x}")
    }
}

fn csr(num: u32) -> String {
    match csr_name(num) {
        Some(n) => n.to_string(),
        None => format!("unknown_{num:03x}"),
    }
}

/// FENCE set letters in `iorw` order.
fn iorw(bits: u32) -> String {
    [(8, 'i'), (4, 'o'), (2, 'r'), (1, 'w')].iter().filter(|(b, _)| bits & b != 0).map(|(_, c)| c).collect()
}

fn amo_suffix(raw: u32) -> &'static str {
    ["", ".rl", ".aq", ".aqrl"][(raw >> 25) as usize & 3]
}

/// Lays out a mnemonic and its operands as Spike does.
fn layout(mnem: &str, args: &[String]) -> String {
    if args.is_empty() {
        return mnem.to_string();
    }
    let pad = 8usize.saturating_sub(mnem.len()).max(1);
    format!("{mnem}{:pad$}{}", "", args.join(", "))
}

/// Spike's text for `ins` (see the module docs).
pub fn spike_disasm(ins: &Instr) -> String {
    let (mnem, args) = if ins.len == 2 { compressed(ins) } else { full(ins) };
    layout(&mnem, &args)
}

fn full(ins: &Instr) -> (String, Vec<String>) {
    use Op::*;
    let (rd, rs1, rs2, imm, raw) = (ins.rd, ins.rs1, ins.rs2, ins.imm, ins.raw);
    let name = op_name(ins.op).to_string();
    let m = |s: &str| s.to_string();
    match ins.op {
        Illegal => (m("unknown"), vec![]),
        Lui | Auipc => (name, vec![x(rd), format!("{:#x}", (imm as u32) >> 12)]),
        Jal if rd == 0 => (m("j"), vec![jump(imm)]),
        Jal if rd == 1 => (m("jal"), vec![jump(imm)]),
        Jal => (name, vec![x(rd), jump(imm)]),
        Jalr if rd == 0 && rs1 == 1 && imm == 0 => (m("ret"), vec![]),
        Jalr if rd == 0 && imm == 0 => (m("jr"), vec![x(rs1)]),
        Jalr if rd == 1 && imm == 0 => (m("jalr"), vec![x(rs1)]),
        Jalr => (name, vec![x(rd), x(rs1), imm.to_string()]),
        Beq if rs2 == 0 => (m("beqz"), vec![x(rs1), branch(imm)]),
        Bne if rs2 == 0 => (m("bnez"), vec![x(rs1), branch(imm)]),
        Blt if rs2 == 0 => (m("bltz"), vec![x(rs1), branch(imm)]),
        Bge if rs2 == 0 => (m("bgez"), vec![x(rs1), branch(imm)]),
        Beq | Bne | Blt | Bge | Bltu | Bgeu => (name, vec![x(rs1), x(rs2), branch(imm)]),
        Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => (name, vec![x(rd), mem(imm, rs1)]),
        Sb | Sh | Sw | Sd => (name, vec![x(rs2), mem(imm, rs1)]),
        Flw | Fld => (name, vec![f(rd), mem(imm, rs1)]),
        Fsw | Fsd => (name, vec![f(rs2), mem(imm, rs1)]),
        Addi if rd == 0 && rs1 == 0 && imm == 0 => (m("nop"), vec![]),
        Addi if rs1 == 0 => (m("li"), vec![x(rd), imm.to_string()]),
        Addi if imm == 0 => (m("mv"), vec![x(rd), x(rs1)]),
        Sltiu if imm == 1 => (m("seqz"), vec![x(rd), x(rs1)]),
        Xori if imm == -1 => (m("not"), vec![x(rd), x(rs1)]),
        Addiw if imm == 0 => (m("sext.w"), vec![x(rd), x(rs1)]),
        Ori if rd == 0 && matches!(imm & 0x1f, 0 | 1 | 3) => {
            let hint = ["prefetch.i", "prefetch.r", "", "prefetch.w"][imm as usize & 3];
            (m(hint), vec![mem(imm & !0x1f, rs1)])
        }
        Addi | Slti | Sltiu | Xori | Ori | Andi | Addiw | Slli | Srli | Srai | Slliw | Srliw | Sraiw => {
            (name, vec![x(rd), x(rs1), imm.to_string()])
        }
        Sltu if rs1 == 0 => (m("snez"), vec![x(rd), x(rs2)]),
        Fence => {
            let b = imm as u32;
            let (pred, succ) = (iorw((b >> 4) & 15), iorw(b & 15));
            let text = if pred.is_empty() { succ } else { format!("{pred},{succ}") };
            (name, vec![text])
        }
        FenceI | Ecall | Ebreak | Mret | Sret | Wfi | Pause | SfenceWInval | SfenceInvalIr => (name, vec![]),
        CboInval | CboClean | CboFlush | CboZero => (name, vec![format!("({})", XREG[rs1 as usize & 31])]),
        AddUw if rs2 == 0 => (m("zext.w"), vec![x(rd), x(rs1)]),
        Clz | Clzw | Ctz | Ctzw | Cpop | Cpopw | SextB | SextH | ZextH | OrcB | Rev8 => (name, vec![x(rd), x(rs1)]),
        SlliUw | Rori | Roriw | Bclri | Bexti | Binvi | Bseti => (name, vec![x(rd), x(rs1), imm.to_string()]),
        SfenceVma | SinvalVma => (name, vec![x(rs1), x(rs2)]),
        Csrrw | Csrrs | Csrrc | Csrrwi | Csrrsi | Csrrci => {
            let c = csr(imm as u32 & 0xfff);
            let src = if matches!(ins.op, Csrrwi | Csrrsi | Csrrci) { rs1.to_string() } else { x(rs1) };
            // Spike's table tries the rd = x0 forms before `csrr` (they sort into its
            // exact-match hash bucket), so `csrrs x0, c, x0` reads `csrs c, zero`.
            match (ins.op, rd, rs1) {
                (Csrrw, 0, _) => (m("csrw"), vec![c, src]),
                (Csrrs, 0, _) => (m("csrs"), vec![c, src]),
                (Csrrc, 0, _) => (m("csrc"), vec![c, src]),
                (Csrrwi, 0, _) => (m("csrwi"), vec![c, src]),
                (Csrrsi, 0, _) => (m("csrsi"), vec![c, src]),
                (Csrrci, 0, _) => (m("csrci"), vec![c, src]),
                (Csrrs, _, 0) => (m("csrr"), vec![x(rd), c]),
                _ => (name, vec![x(rd), c, src]),
            }
        }
        LrW | LrD => (name, vec![x(rd), format!("({})", XREG[rs1 as usize & 31])]),
        op if op.is_amo() => {
            (format!("{name}{}", amo_suffix(raw)), vec![x(rd), x(rs2), format!("({})", XREG[rs1 as usize & 31])])
        }
        FmaddS | FmsubS | FnmsubS | FnmaddS | FmaddD | FmsubD | FnmsubD | FnmaddD => {
            (name, vec![f(rd), f(rs1), f(rs2), f(ins.rs3)])
        }
        FaddS | FsubS | FmulS | FdivS | FaddD | FsubD | FmulD | FdivD | FsgnjS | FsgnjnS | FsgnjxS | FsgnjD
        | FsgnjnD | FsgnjxD | FminS | FmaxS | FminD | FmaxD => (name, vec![f(rd), f(rs1), f(rs2)]),
        FsqrtS | FsqrtD | FcvtSD | FcvtDS => (name, vec![f(rd), f(rs1)]),
        FeqS | FltS | FleS | FeqD | FltD | FleD => (name, vec![x(rd), f(rs1), f(rs2)]),
        FcvtWS | FcvtWuS | FcvtLS | FcvtLuS | FcvtWD | FcvtWuD | FcvtLD | FcvtLuD | FmvXW | FmvXD | FclassS
        | FclassD => (name, vec![x(rd), f(rs1)]),
        FcvtSW | FcvtSWu | FcvtSL | FcvtSLu | FcvtDW | FcvtDWu | FcvtDL | FcvtDLu | FmvWX | FmvDX => {
            (name, vec![f(rd), x(rs1)])
        }
        _ => (name, vec![x(rd), x(rs1), x(rs2)]),
    }
}

/// Compressed instructions keep their RVC names (Unprivileged ch. 27); the decoded form
/// gives the registers and immediates, the raw bits tell which RVC instruction it was.
fn compressed(ins: &Instr) -> (String, Vec<String>) {
    use Op::*;
    let (rd, rs1, rs2, imm, raw) = (ins.rd, ins.rs1, ins.rs2, ins.imm, ins.raw);
    let (quadrant, f3) = (raw & 3, (raw >> 13) & 7);
    let c = |s: &str, a: Vec<String>| (format!("c.{s}"), a);
    let sp_mem = |off: i32| format!("{off}(sp)");
    match (ins.op, quadrant) {
        (Illegal, _) if raw & 0xffff == 0 => (String::from("c.unimp"), vec![]),
        (Illegal, _) => (String::from("unknown"), vec![]),
        (Addi, 0) => c("addi4spn", vec![x(rd), x(2), imm.to_string()]),
        (Addi, _) if f3 == 3 => c("addi16sp", vec![x(2), imm.to_string()]),
        (Addi, _) if f3 == 2 => c("li", vec![x(rd), imm.to_string()]),
        (Addi, _) if rd == 0 && imm == 0 => c("nop", vec![]),
        (Addi, _) => c("addi", vec![x(rd), imm.to_string()]),
        (Addiw, _) => c("addiw", vec![x(rd), imm.to_string()]),
        (Lui, _) => c("lui", vec![x(rd), format!("{:#x}", (imm as u32 >> 12) & 0xfffff)]),
        (Slli, _) => c("slli", vec![x(rd), imm.to_string()]),
        (Srli, _) => c("srli", vec![x(rd), imm.to_string()]),
        (Srai, _) => c("srai", vec![x(rd), imm.to_string()]),
        (Andi, _) => c("andi", vec![x(rd), imm.to_string()]),
        (Sub | Xor | Or | And | Subw | Addw, _) => c(op_name(ins.op), vec![x(rd), x(rs2)]),
        (Add, _) if raw & 0x1000 == 0 => c("mv", vec![x(rd), x(rs2)]),
        (Add, _) => c("add", vec![x(rd), x(rs2)]),
        (Jal, _) => c("j", vec![branch(imm)]),
        (Beq, _) => c("beqz", vec![x(rs1), branch(imm)]),
        (Bne, _) => c("bnez", vec![x(rs1), branch(imm)]),
        (Jalr, _) if rd == 0 && rs1 == 1 => (String::from("ret"), vec![]),
        (Jalr, _) if rd == 0 => c("jr", vec![x(rs1)]),
        (Jalr, _) => c("jalr", vec![x(rs1)]),
        (Ebreak, _) => c("ebreak", vec![]),
        (Lw, 2) => c("lwsp", vec![x(rd), sp_mem(imm)]),
        (Ld, 2) => c("ldsp", vec![x(rd), sp_mem(imm)]),
        (Fld, 2) => c("fldsp", vec![f(rd), sp_mem(imm)]),
        (Sw, 2) => c("swsp", vec![x(rs2), sp_mem(imm)]),
        (Sd, 2) => c("sdsp", vec![x(rs2), sp_mem(imm)]),
        (Fsd, 2) => c("fsdsp", vec![f(rs2), sp_mem(imm)]),
        (Lw | Ld, _) => c(op_name(ins.op), vec![x(rd), mem(imm, rs1)]),
        (Fld, _) => c("fld", vec![f(rd), mem(imm, rs1)]),
        (Sw | Sd, _) => c(op_name(ins.op), vec![x(rs2), mem(imm, rs1)]),
        (Fsd, _) => c("fsd", vec![f(rs2), mem(imm, rs1)]),
        _ => full(ins),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::decode;

    fn s(raw: u32) -> String {
        spike_disasm(&decode(raw))
    }

    #[test]
    fn base_forms() {
        assert_eq!(s(0x0000_0297), "auipc   t0, 0x0");
        assert_eq!(s(0x0000_0613), "li      a2, 0");
        assert_eq!(s(0xf140_2573), "csrr    a0, mhartid");
        assert_eq!(s(0x0202_b583), "ld      a1, 32(t0)");
        assert_eq!(s(0x0002_8067), "jr      t0");
        assert_eq!(s(0x00a0_80e7), "jalr    ra, ra, 10");
        assert_eq!(s(0x1a81_0113), "addi    sp, sp, 424");
        assert_eq!(s(0x03f0_9093), "slli    ra, ra, 63");
        assert_eq!(s(0x0062_f663), "bgeu    t0, t1, pc + 12");
        assert_eq!(s(0x0100_00ef), "jal     pc + 0x10");
        assert_eq!(s(0xffdf_f06f), "j       pc - 0x4");
        assert_eq!(s(0x0ff0_000f), "fence   iorw,iorw");
        assert_eq!(s(0x8330_000f), "fence   rw,rw");
        assert_eq!(s(0x8000_2573), "csrr    a0, unknown_800");
        assert_eq!(s(0x3020_0073), "mret");
        assert_eq!(s(0x1200_0073), "sfence.vma zero, zero");
        assert_eq!(s(0x0c02_b02f), "amoswap.d.aq zero, zero, (t0)");
        assert_eq!(s(0x1405_22af), "lr.w    t0, (a0)");
        assert_eq!(s(0x00a5_0553), "fadd.s  fa0, fa0, fa0");
        assert_eq!(s(0x40a0_0533), "sub     a0, zero, a0");
    }

    #[test]
    fn compressed_forms_keep_rvc_names() {
        assert_eq!(s(0x1141), "c.addi  sp, -16");
        assert_eq!(s(0x7139), "c.addi16sp sp, -64");
        assert_eq!(s(0x0800), "c.addi4spn s0, sp, 16");
        assert_eq!(s(0xe406), "c.sdsp  ra, 8(sp)");
        assert_eq!(s(0x60a2), "c.ldsp  ra, 8(sp)");
        assert_eq!(s(0x8082), "ret");
        assert_eq!(s(0x557d), "c.li    a0, -1");
        assert_eq!(s(0x0001), "c.nop");
        assert_eq!(s(0x9002), "c.ebreak");
        assert_eq!(s(0x852e), "c.mv    a0, a1");
        assert_eq!(s(0x952e), "c.add   a0, a1");
        assert_eq!(s(0xc11c), "c.sw    a5, 0(a0)");
        assert_eq!(s(0xa001), "c.j     pc + 0");
        assert_eq!(s(0xc101), "c.beqz  a0, pc + 0");
        assert_eq!(s(0x0000), "c.unimp");
    }
}
