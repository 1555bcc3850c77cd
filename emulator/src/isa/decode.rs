//! Decoder for 32-bit encodings (Unprivileged spec ch. 2, 5, 7, 8, 11, 12, 13, the "B",
//! Zicond, Zihintpause and CMO chapters, and the
//! opcode map of ch. 37; privileged instructions from Privileged spec 3.3 and 4.2.1).
//!
//! Decoding is exhaustive: every encoding not listed here, including the all-zero and
//! all-ones words, decodes to [`Op::Illegal`] carrying its bits.

use super::instr::{Instr, Op};

#[inline]
fn bits(raw: u32, hi: u32, lo: u32) -> u32 {
    (raw >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// I-type immediate: inst[31:20], sign-extended.
#[inline]
fn imm_i(raw: u32) -> i32 {
    (raw as i32) >> 20
}

/// S-type immediate: inst[31:25] | inst[11:7], sign-extended.
#[inline]
fn imm_s(raw: u32) -> i32 {
    ((raw as i32) >> 25 << 5) | bits(raw, 11, 7) as i32
}

/// B-type immediate: inst[31|7|30:25|11:8] << 1, sign-extended.
#[inline]
fn imm_b(raw: u32) -> i32 {
    ((raw as i32) >> 31 << 12)
        | (bits(raw, 7, 7) << 11) as i32
        | (bits(raw, 30, 25) << 5) as i32
        | (bits(raw, 11, 8) << 1) as i32
}

/// J-type immediate: inst[31|19:12|20|30:21] << 1, sign-extended.
#[inline]
fn imm_j(raw: u32) -> i32 {
    ((raw as i32) >> 31 << 20)
        | (bits(raw, 19, 12) << 12) as i32
        | (bits(raw, 20, 20) << 11) as i32
        | (bits(raw, 30, 21) << 1) as i32
}

/// Decodes one 32-bit instruction (the low two bits must be `0b11`).
pub fn decode32(raw: u32) -> Instr {
    let rd = bits(raw, 11, 7) as u8;
    let rs1 = bits(raw, 19, 15) as u8;
    let rs2 = bits(raw, 24, 20) as u8;
    let rs3 = bits(raw, 31, 27) as u8;
    let f3 = bits(raw, 14, 12);
    let f7 = bits(raw, 31, 25);
    let mk = |op: Op, imm: i32| Instr { op, rd, rs1, rs2, rs3, rm: f3 as u8, len: 4, imm, raw };
    let illegal = Instr::illegal(raw, 4);

    if raw & 0b11 != 0b11 {
        return Instr::illegal(raw, 4);
    }
    match bits(raw, 6, 0) {
        0b0110111 => mk(Op::Lui, (raw & 0xffff_f000) as i32),
        0b0010111 => mk(Op::Auipc, (raw & 0xffff_f000) as i32),
        0b1101111 => mk(Op::Jal, imm_j(raw)),
        0b1100111 if f3 == 0 => mk(Op::Jalr, imm_i(raw)),
        0b1100011 => {
            let op = match f3 {
                0 => Op::Beq,
                1 => Op::Bne,
                4 => Op::Blt,
                5 => Op::Bge,
                6 => Op::Bltu,
                7 => Op::Bgeu,
                _ => return illegal,
            };
            mk(op, imm_b(raw))
        }
        0b0000011 => {
            let op = match f3 {
                0 => Op::Lb,
                1 => Op::Lh,
                2 => Op::Lw,
                3 => Op::Ld,
                4 => Op::Lbu,
                5 => Op::Lhu,
                6 => Op::Lwu,
                _ => return illegal,
            };
            mk(op, imm_i(raw))
        }
        0b0100011 => {
            let op = match f3 {
                0 => Op::Sb,
                1 => Op::Sh,
                2 => Op::Sw,
                3 => Op::Sd,
                _ => return illegal,
            };
            mk(op, imm_s(raw))
        }
        0b0010011 => {
            // RV64I shifts take a 6-bit shamt; inst[31:26] selects logical/arithmetic.
            let f6 = bits(raw, 31, 26);
            let shamt = bits(raw, 25, 20) as i32;
            match f3 {
                0 => mk(Op::Addi, imm_i(raw)),
                2 => mk(Op::Slti, imm_i(raw)),
                3 => mk(Op::Sltiu, imm_i(raw)),
                4 => mk(Op::Xori, imm_i(raw)),
                6 => mk(Op::Ori, imm_i(raw)),
                7 => mk(Op::Andi, imm_i(raw)),
                1 if f6 == 0 => mk(Op::Slli, shamt),
                5 if f6 == 0 => mk(Op::Srli, shamt),
                5 if f6 == 0b010000 => mk(Op::Srai, shamt),
                1 | 5 => decode_bitmanip_imm(raw, f3, f6).map_or(illegal, |op| mk(op, shamt)),
                _ => illegal,
            }
        }
        0b0011011 => {
            let shamt = rs2 as i32;
            match (f3, f7) {
                (0, _) => mk(Op::Addiw, imm_i(raw)),
                (1, 0) => mk(Op::Slliw, shamt),
                (5, 0) => mk(Op::Srliw, shamt),
                (5, 0b0100000) => mk(Op::Sraiw, shamt),
                // Zba SLLI.UW takes a 6-bit shamt (funct6 = 000010).
                (1, _) if bits(raw, 31, 26) == 0b000010 => mk(Op::SlliUw, bits(raw, 25, 20) as i32),
                (1, 0b0110000) => match rs2 {
                    0 => mk(Op::Clzw, 0),
                    1 => mk(Op::Ctzw, 0),
                    2 => mk(Op::Cpopw, 0),
                    _ => illegal,
                },
                (5, 0b0110000) => mk(Op::Roriw, shamt),
                _ => illegal,
            }
        }
        0b0110011 => {
            let op = match (f7, f3) {
                (0, 0) => Op::Add,
                (0, 1) => Op::Sll,
                (0, 2) => Op::Slt,
                (0, 3) => Op::Sltu,
                (0, 4) => Op::Xor,
                (0, 5) => Op::Srl,
                (0, 6) => Op::Or,
                (0, 7) => Op::And,
                (0b0100000, 0) => Op::Sub,
                (0b0100000, 5) => Op::Sra,
                (1, 0) => Op::Mul,
                (1, 1) => Op::Mulh,
                (1, 2) => Op::Mulhsu,
                (1, 3) => Op::Mulhu,
                (1, 4) => Op::Div,
                (1, 5) => Op::Divu,
                (1, 6) => Op::Rem,
                (1, 7) => Op::Remu,
                _ => match decode_bitmanip_reg(f7, f3) {
                    Some(op) => op,
                    None => return illegal,
                },
            };
            mk(op, 0)
        }
        0b0111011 => {
            let op = match (f7, f3) {
                (0, 0) => Op::Addw,
                (0, 1) => Op::Sllw,
                (0, 5) => Op::Srlw,
                (0b0100000, 0) => Op::Subw,
                (0b0100000, 5) => Op::Sraw,
                (1, 0) => Op::Mulw,
                (1, 4) => Op::Divw,
                (1, 5) => Op::Divuw,
                (1, 6) => Op::Remw,
                (1, 7) => Op::Remuw,
                // Zba and Zbb word forms; ZEXT.H is the RV64 encoding (funct7 0000100,
                // funct3 100, rs2 = 0), which Zbkb would call PACKW rd, rs1, x0.
                (0b0000100, 0) => Op::AddUw,
                (0b0000100, 4) if rs2 == 0 => Op::ZextH,
                (0b0010000, 2) => Op::Sh1addUw,
                (0b0010000, 4) => Op::Sh2addUw,
                (0b0010000, 6) => Op::Sh3addUw,
                (0b0110000, 1) => Op::Rolw,
                (0b0110000, 5) => Op::Rorw,
                _ => return illegal,
            };
            mk(op, 0)
        }
        // MISC-MEM. Unused fields of FENCE and FENCE.I are ignored for forward compatibility
        // (Unprivileged 2.7 and ch. 6), and reserved `fm` values act as a normal fence.
        // PAUSE (Zihintpause) is the one FENCE encoding with pred = W, succ = 0, fm = 0 and
        // rd = rs1 = x0. The CBO instructions (Zicbom, Zicboz) are MISC-MEM funct3 = 010
        // with rd = x0 and the operation in inst[31:20]; other values are reserved.
        0b0001111 => match f3 {
            0 if raw == 0x0100_000f => mk(Op::Pause, 0),
            0 => mk(Op::Fence, bits(raw, 31, 20) as i32),
            1 => mk(Op::FenceI, imm_i(raw)),
            2 if rd == 0 => match bits(raw, 31, 20) {
                0 => mk(Op::CboInval, 0),
                1 => mk(Op::CboClean, 0),
                2 => mk(Op::CboFlush, 0),
                4 => mk(Op::CboZero, 0),
                _ => illegal,
            },
            _ => illegal,
        },
        0b1110011 => decode_system(raw, f3, mk),
        0b0101111 => decode_amo(raw, f3, rs2, mk),
        0b0000111 => match f3 {
            2 => mk(Op::Flw, imm_i(raw)),
            3 => mk(Op::Fld, imm_i(raw)),
            _ => illegal,
        },
        0b0100111 => match f3 {
            2 => mk(Op::Fsw, imm_s(raw)),
            3 => mk(Op::Fsd, imm_s(raw)),
            _ => illegal,
        },
        opc @ (0b1000011 | 0b1000111 | 0b1001011 | 0b1001111) => {
            let double = match bits(raw, 26, 25) {
                0 => false,
                1 => true,
                _ => return illegal,
            };
            let op = match (opc, double) {
                (0b1000011, false) => Op::FmaddS,
                (0b1000111, false) => Op::FmsubS,
                (0b1001011, false) => Op::FnmsubS,
                (0b1001111, false) => Op::FnmaddS,
                (0b1000011, true) => Op::FmaddD,
                (0b1000111, true) => Op::FmsubD,
                (0b1001011, true) => Op::FnmsubD,
                _ => Op::FnmaddD,
            };
            mk(op, 0)
        }
        0b1010011 => decode_op_fp(raw, f7, f3, rs2).map_or(illegal, |op| mk(op, 0)),
        _ => illegal,
    }
}

/// OP (opcode 0110011) encodings of Zba, Zbb, Zbc, Zbs and Zicond, by funct7 and funct3.
fn decode_bitmanip_reg(f7: u32, f3: u32) -> Option<Op> {
    use Op::*;
    Some(match (f7, f3) {
        (0b0010000, 2) => Sh1add,
        (0b0010000, 4) => Sh2add,
        (0b0010000, 6) => Sh3add,
        (0b0100000, 7) => Andn,
        (0b0100000, 6) => Orn,
        (0b0100000, 4) => Xnor,
        (0b0000101, 1) => Clmul,
        (0b0000101, 2) => Clmulr,
        (0b0000101, 3) => Clmulh,
        (0b0000101, 4) => Min,
        (0b0000101, 5) => Minu,
        (0b0000101, 6) => Max,
        (0b0000101, 7) => Maxu,
        (0b0110000, 1) => Rol,
        (0b0110000, 5) => Ror,
        (0b0100100, 1) => Bclr,
        (0b0100100, 5) => Bext,
        (0b0110100, 1) => Binv,
        (0b0010100, 1) => Bset,
        (0b0000111, 5) => CzeroEqz,
        (0b0000111, 7) => CzeroNez,
        _ => return None,
    })
}

/// OP-IMM (opcode 0010011) funct3 = 001 / 101 encodings of Zbb and Zbs: the unary
/// operations are selected by the whole inst[31:20], the immediate forms by funct6 with
/// a 6-bit shamt (RV64).
fn decode_bitmanip_imm(raw: u32, f3: u32, f6: u32) -> Option<Op> {
    use Op::*;
    let f12 = bits(raw, 31, 20);
    Some(match (f3, f6) {
        (1, 0b011000) => match f12 {
            0x600 => Clz,
            0x601 => Ctz,
            0x602 => Cpop,
            0x604 => SextB,
            0x605 => SextH,
            _ => return None,
        },
        (1, 0b010010) => Bclri,
        (1, 0b001010) => Bseti,
        (1, 0b011010) => Binvi,
        (5, 0b011000) => Rori,
        (5, 0b010010) => Bexti,
        (5, 0b001010) if f12 == 0x287 => OrcB,
        (5, 0b011010) if f12 == 0x6b8 => Rev8,
        _ => return None,
    })
}

fn decode_system(raw: u32, f3: u32, mk: impl Fn(Op, i32) -> Instr) -> Instr {
    let csr = bits(raw, 31, 20) as i32;
    match f3 {
        0 => match raw {
            0x0000_0073 => mk(Op::Ecall, 0),
            0x0010_0073 => mk(Op::Ebreak, 0),
            0x1020_0073 => mk(Op::Sret, 0),
            0x3020_0073 => mk(Op::Mret, 0),
            0x1050_0073 => mk(Op::Wfi, 0),
            // SFENCE.VMA rs1, rs2: funct7 = 0001001, rd = 0 (Privileged 4.2.1).
            _ if bits(raw, 31, 25) == 0b0001001 && bits(raw, 11, 7) == 0 => mk(Op::SfenceVma, 0),
            // Svinval: SINVAL.VMA rs1, rs2 (funct7 = 0001011), SFENCE.W.INVAL and
            // SFENCE.INVAL.IR (funct7 = 0001100, rs2 = 0 / 1, rs1 = rd = 0).
            _ if bits(raw, 31, 25) == 0b0001011 && bits(raw, 11, 7) == 0 => mk(Op::SinvalVma, 0),
            0x1800_0073 => mk(Op::SfenceWInval, 0),
            0x1810_0073 => mk(Op::SfenceInvalIr, 0),
            _ => Instr::illegal(raw, 4),
        },
        1 => mk(Op::Csrrw, csr),
        2 => mk(Op::Csrrs, csr),
        3 => mk(Op::Csrrc, csr),
        5 => mk(Op::Csrrwi, csr),
        6 => mk(Op::Csrrsi, csr),
        7 => mk(Op::Csrrci, csr),
        _ => Instr::illegal(raw, 4),
    }
}

fn decode_amo(raw: u32, f3: u32, rs2: u8, mk: impl Fn(Op, i32) -> Instr) -> Instr {
    let double = match f3 {
        2 => false,
        3 => true,
        _ => return Instr::illegal(raw, 4),
    };
    let (w, d) = match bits(raw, 31, 27) {
        0b00010 if rs2 == 0 => (Op::LrW, Op::LrD),
        0b00011 => (Op::ScW, Op::ScD),
        0b00001 => (Op::AmoswapW, Op::AmoswapD),
        0b00000 => (Op::AmoaddW, Op::AmoaddD),
        0b00100 => (Op::AmoxorW, Op::AmoxorD),
        0b01100 => (Op::AmoandW, Op::AmoandD),
        0b01000 => (Op::AmoorW, Op::AmoorD),
        0b10000 => (Op::AmominW, Op::AmominD),
        0b10100 => (Op::AmomaxW, Op::AmomaxD),
        0b11000 => (Op::AmominuW, Op::AmominuD),
        0b11100 => (Op::AmomaxuW, Op::AmomaxuD),
        _ => return Instr::illegal(raw, 4),
    };
    mk(if double { d } else { w }, 0)
}

/// OP-FP (opcode 1010011): funct7 selects operation and format, then funct3 or rs2.
fn decode_op_fp(_raw: u32, f7: u32, f3: u32, rs2: u8) -> Option<Op> {
    use Op::*;
    let op = match (f7, f3, rs2) {
        (0x00, _, _) => FaddS,
        (0x04, _, _) => FsubS,
        (0x08, _, _) => FmulS,
        (0x0c, _, _) => FdivS,
        (0x2c, _, 0) => FsqrtS,
        (0x01, _, _) => FaddD,
        (0x05, _, _) => FsubD,
        (0x09, _, _) => FmulD,
        (0x0d, _, _) => FdivD,
        (0x2d, _, 0) => FsqrtD,
        (0x10, 0, _) => FsgnjS,
        (0x10, 1, _) => FsgnjnS,
        (0x10, 2, _) => FsgnjxS,
        (0x11, 0, _) => FsgnjD,
        (0x11, 1, _) => FsgnjnD,
        (0x11, 2, _) => FsgnjxD,
        (0x14, 0, _) => FminS,
        (0x14, 1, _) => FmaxS,
        (0x15, 0, _) => FminD,
        (0x15, 1, _) => FmaxD,
        (0x20, _, 1) => FcvtSD,
        (0x21, _, 0) => FcvtDS,
        (0x50, 0, _) => FleS,
        (0x50, 1, _) => FltS,
        (0x50, 2, _) => FeqS,
        (0x51, 0, _) => FleD,
        (0x51, 1, _) => FltD,
        (0x51, 2, _) => FeqD,
        (0x60, _, 0) => FcvtWS,
        (0x60, _, 1) => FcvtWuS,
        (0x60, _, 2) => FcvtLS,
        (0x60, _, 3) => FcvtLuS,
        (0x61, _, 0) => FcvtWD,
        (0x61, _, 1) => FcvtWuD,
        (0x61, _, 2) => FcvtLD,
        (0x61, _, 3) => FcvtLuD,
        (0x68, _, 0) => FcvtSW,
        (0x68, _, 1) => FcvtSWu,
        (0x68, _, 2) => FcvtSL,
        (0x68, _, 3) => FcvtSLu,
        (0x69, _, 0) => FcvtDW,
        (0x69, _, 1) => FcvtDWu,
        (0x69, _, 2) => FcvtDL,
        (0x69, _, 3) => FcvtDLu,
        (0x70, 0, 0) => FmvXW,
        (0x70, 1, 0) => FclassS,
        (0x71, 0, 0) => FmvXD,
        (0x71, 1, 0) => FclassD,
        (0x78, 0, 0) => FmvWX,
        (0x79, 0, 0) => FmvDX,
        _ => return None,
    };
    Some(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immediates_sign_extend() {
        // addi x1, x0, -1
        let i = decode32(0xfff0_0093);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Addi, 1, 0, -1));
        // jal x0, -4
        assert_eq!(decode32(0xffdf_f06f).imm, -4);
        // beq x0, x0, -2048*2 (most negative B offset)
        assert_eq!(decode32(0x8000_0063).imm, -4096);
        // sd x2, -8(x8)
        let s = decode32(0xfe24_3c23);
        assert_eq!((s.op, s.rs1, s.rs2, s.imm), (Op::Sd, 8, 2, -8));
    }

    #[test]
    fn all_zero_and_all_ones_are_illegal() {
        assert_eq!(decode32(0xffff_ffff).op, Op::Illegal);
        assert_eq!(decode32(0x0000_0003 | 0x7000).op, Op::Illegal); // load funct3=7
    }

    #[test]
    fn shifts_take_six_bit_shamt_on_rv64() {
        let i = decode32(0x03f0_9093); // slli x1, x1, 63
        assert_eq!((i.op, i.imm), (Op::Slli, 63));
        assert_eq!(decode32(0x43f0_d093).op, Op::Srai); // srai x1, x1, 63
        assert_eq!(decode32(0x0200_909b).op, Op::Illegal); // slliw with shamt[5] set
    }
}
