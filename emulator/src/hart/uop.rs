//! Micro-ops: the compact form the untraced block loop (`exec_block.rs`) runs. Each
//! decoded [`Instr`] of a block is lowered once, when the block is built, into a 16-byte
//! [`Uop`] whose fields are ready to use: immediates sign-extended to 64 bits, pc-relative
//! immediates turned into offsets from the block's first instruction (a block can be
//! entered at different virtual addresses when pages alias, so nothing absolute is kept),
//! and every write to `x0` removed at decode time (an ALU op with `rd = x0` becomes
//! [`K::Nop`], `jal x0`/`jalr x0` become [`K::J`]/[`K::Jr`]), so register writes need no
//! check. Instructions without a micro-op of their own ([`K::Generic`]) run through
//! [`super::Hart::execute`] on the block's `Instr`, exactly as in the traced loop.

use crate::isa::{Instr, Op};

/// What a micro-op does. The ALU kinds are named after the operation they run
/// ([`super::exec::alu`]); `I`-suffixed ones take the immediate as second operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum K {
    /// Run the block's `Instr` at index `idx` through `Hart::execute`.
    Generic,
    /// No architectural effect (an ALU op writing x0, FENCE, PAUSE).
    Nop,
    // Register-register ALU and M operations: rd = alu(op, rs1, rs2).
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Addw,
    Subw,
    Sllw,
    Srlw,
    Sraw,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    Mulw,
    Divw,
    Divuw,
    Remw,
    Remuw,
    // Register-immediate: rd = alu(op, rs1, imm).
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Addiw,
    Slliw,
    Srliw,
    Sraiw,
    /// rd = imm (LUI, and ADDI from x0 as in `li`).
    Li,
    /// rd = block pc + imm (AUIPC; imm includes the instruction's offset).
    Auipc,
    // Loads: rd = mem[rs1 + imm].
    Lb,
    Lh,
    Lw,
    Ld,
    Lbu,
    Lhu,
    Lwu,
    // Stores: mem[rs1 + imm] = rs2.
    Sb,
    Sh,
    Sw,
    Sd,
    // Conditional branches: to block pc + imm when taken.
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    /// JAL: rd = block pc + nxt, pc = block pc + imm.
    Jal,
    /// JAL x0.
    J,
    /// JALR: pc = (rs1 + imm) & !1, then rd = block pc + nxt.
    Jalr,
    /// JALR x0 (`ret`, `jr`).
    Jr,
}

/// One micro-op (16 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Uop {
    pub k: K,
    /// Destination register, never 0 for a kind that writes one.
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    /// Byte offset of this instruction from the block's first one (a block holds at
    /// most 64 instructions, so at most 252).
    pub off: u8,
    /// Index of this instruction in its block.
    pub idx: u8,
    /// Length of the instruction in bytes (2 or 4).
    pub len: u8,
    /// The immediate, sign-extended (see [`K`] for what it means per kind).
    pub imm: u64,
}

impl Uop {
    /// Byte offset of the instruction after this one.
    #[inline(always)]
    pub fn nxt(&self) -> u64 {
        self.off as u64 + self.len as u64
    }
}

/// Lowers the instruction at index `idx` and byte offset `off` in its block (a block
/// has at most 64 instructions, `icache::MAX_BLOCK`, so both fit in a byte).
pub(crate) fn lower(ins: &Instr, idx: usize, off: u8) -> Uop {
    use Op::*;
    let imm = ins.imm as i64 as u64;
    let rel = imm.wrapping_add(off as u64);
    let (idx, len) = (idx as u8, ins.len);
    let u = |k: K, imm: u64| Uop { k, rd: ins.rd, rs1: ins.rs1, rs2: ins.rs2, off, idx, len, imm };
    let alu_rr = |k: K| if ins.rd == 0 { u(K::Nop, 0) } else { u(k, 0) };
    let alu_ri = |k: K| if ins.rd == 0 { u(K::Nop, 0) } else { u(k, imm) };
    let generic = u(K::Generic, 0);
    match ins.op {
        Add => alu_rr(K::Add),
        Sub => alu_rr(K::Sub),
        Sll => alu_rr(K::Sll),
        Slt => alu_rr(K::Slt),
        Sltu => alu_rr(K::Sltu),
        Xor => alu_rr(K::Xor),
        Srl => alu_rr(K::Srl),
        Sra => alu_rr(K::Sra),
        Or => alu_rr(K::Or),
        And => alu_rr(K::And),
        Addw => alu_rr(K::Addw),
        Subw => alu_rr(K::Subw),
        Sllw => alu_rr(K::Sllw),
        Srlw => alu_rr(K::Srlw),
        Sraw => alu_rr(K::Sraw),
        Mul => alu_rr(K::Mul),
        Mulh => alu_rr(K::Mulh),
        Mulhsu => alu_rr(K::Mulhsu),
        Mulhu => alu_rr(K::Mulhu),
        Div => alu_rr(K::Div),
        Divu => alu_rr(K::Divu),
        Rem => alu_rr(K::Rem),
        Remu => alu_rr(K::Remu),
        Mulw => alu_rr(K::Mulw),
        Divw => alu_rr(K::Divw),
        Divuw => alu_rr(K::Divuw),
        Remw => alu_rr(K::Remw),
        Remuw => alu_rr(K::Remuw),
        Addi if ins.rs1 == 0 => alu_ri(K::Li),
        Addi => alu_ri(K::Addi),
        Slti => alu_ri(K::Slti),
        Sltiu => alu_ri(K::Sltiu),
        Xori => alu_ri(K::Xori),
        Ori => alu_ri(K::Ori),
        Andi => alu_ri(K::Andi),
        Slli => alu_ri(K::Slli),
        Srli => alu_ri(K::Srli),
        Srai => alu_ri(K::Srai),
        Addiw => alu_ri(K::Addiw),
        Slliw => alu_ri(K::Slliw),
        Srliw => alu_ri(K::Srliw),
        Sraiw => alu_ri(K::Sraiw),
        Lui => alu_ri(K::Li),
        Auipc if ins.rd == 0 => u(K::Nop, 0),
        Auipc => u(K::Auipc, rel),
        // A load into x0 still accesses memory (and may trap): the generic path.
        Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu if ins.rd == 0 => generic,
        Lb => u(K::Lb, imm),
        Lh => u(K::Lh, imm),
        Lw => u(K::Lw, imm),
        Ld => u(K::Ld, imm),
        Lbu => u(K::Lbu, imm),
        Lhu => u(K::Lhu, imm),
        Lwu => u(K::Lwu, imm),
        Sb => u(K::Sb, imm),
        Sh => u(K::Sh, imm),
        Sw => u(K::Sw, imm),
        Sd => u(K::Sd, imm),
        Beq => u(K::Beq, rel),
        Bne => u(K::Bne, rel),
        Blt => u(K::Blt, rel),
        Bge => u(K::Bge, rel),
        Bltu => u(K::Bltu, rel),
        Bgeu => u(K::Bgeu, rel),
        Jal if ins.rd == 0 => u(K::J, rel),
        Jal => u(K::Jal, rel),
        Jalr if ins.rd == 0 => u(K::Jr, imm),
        Jalr => u(K::Jalr, imm),
        Fence | Pause => u(K::Nop, 0),
        _ => generic,
    }
}

/// Lowers a whole block.
pub(crate) fn lower_block(instrs: &[Instr]) -> Box<[Uop]> {
    let mut off = 0u8;
    let mut out = Vec::with_capacity(instrs.len());
    for (i, ins) in instrs.iter().enumerate() {
        out.push(lower(ins, i, off));
        off = off.wrapping_add(ins.len);
    }
    out.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::decode;

    #[test]
    fn writes_to_x0_are_removed_at_decode_time() {
        // addi x0, x1, 5; add x0, x1, x2; lui x0, 1; jal x0, 8; jalr x0, 0(x1)
        for (raw, k) in [
            (0x0050_8013, K::Nop),
            (0x0020_8033, K::Nop),
            (0x0000_1037, K::Nop),
            (0x0080_006f, K::J),
            (0x0000_8067, K::Jr),
        ] {
            assert_eq!(lower(&decode(raw), 0, 0).k, k, "{raw:#x}");
        }
        // lw x0, 0(x1) must still access memory.
        assert_eq!(lower(&decode(0x0000_a003), 3, 0).k, K::Generic);
        assert_eq!(lower(&decode(0x0000_a003), 3, 0).idx, 3);
    }

    #[test]
    fn pc_relative_immediates_are_block_offsets() {
        // auipc a0, 1 at offset 6; beq a0, a1, -4 at offset 10 (2-byte c.nop before).
        let blk =
            lower_block(&[decode(0x0001), decode(0x0001), decode(0x0001), decode(0x0000_1517), decode(0xfeb5_0ee3)]);
        assert_eq!((blk[3].k, blk[3].off, blk[3].nxt(), blk[3].imm), (K::Auipc, 6, 10, 0x1006));
        assert_eq!((blk[4].k, blk[4].off, blk[4].imm), (K::Beq, 10, 6));
        // li: addi a0, x0, -1 is rd = -1.
        let li = lower(&decode(0xfff0_0513), 0, 0);
        assert_eq!((li.k, li.rd, li.imm), (K::Li, 10, u64::MAX));
    }
}
