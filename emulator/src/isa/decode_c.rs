//! Decoder for the RV64C compressed encodings (Unprivileged spec ch. 27, "C" Standard
//! Extension, tables 27.4-27.6 for RV64). Each compressed instruction decodes to the
//! 32-bit operation it expands to, with `len = 2`; reserved encodings are illegal, HINTs
//! execute as the no-ops they expand to.

use super::instr::{Instr, Op};

#[inline]
fn b(raw: u32, hi: u32, lo: u32) -> u32 {
    (raw >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// The 3-bit compressed register fields name x8..x15 (or f8..f15).
#[inline]
fn creg(raw: u32, lo: u32) -> u8 {
    (b(raw, lo + 2, lo) + 8) as u8
}

/// Sign-extends the low `width` bits of `v`.
#[inline]
fn sext(v: u32, width: u32) -> i32 {
    let shift = 32 - width;
    ((v << shift) as i32) >> shift
}

fn ins(op: Op, rd: u8, rs1: u8, rs2: u8, imm: i32, raw: u32) -> Instr {
    Instr { op, rd, rs1, rs2, rs3: 0, rm: 0, len: 2, imm, raw }
}

/// Decodes one 16-bit instruction (the low two bits must not be `0b11`).
pub fn decode16(raw16: u16) -> Instr {
    let raw = raw16 as u32;
    let illegal = Instr::illegal(raw, 2);
    let f3 = b(raw, 15, 13);
    let rd_full = b(raw, 11, 7) as u8;
    let rs2_full = b(raw, 6, 2) as u8;
    match (b(raw, 1, 0), f3) {
        // Quadrant 0
        (0, 0) => {
            // C.ADDI4SPN: nzuimm[5:4|9:6|2|3]; nzuimm = 0 is reserved (covers the all-zero word).
            let imm = (b(raw, 12, 11) << 4) | (b(raw, 10, 7) << 6) | (b(raw, 6, 6) << 2) | (b(raw, 5, 5) << 3);
            if imm == 0 {
                return illegal;
            }
            ins(Op::Addi, creg(raw, 2), 2, 0, imm as i32, raw)
        }
        (0, 1) => ins(Op::Fld, creg(raw, 2), creg(raw, 7), 0, uimm_d(raw), raw),
        (0, 2) => ins(Op::Lw, creg(raw, 2), creg(raw, 7), 0, uimm_w(raw), raw),
        (0, 3) => ins(Op::Ld, creg(raw, 2), creg(raw, 7), 0, uimm_d(raw), raw),
        (0, 5) => ins(Op::Fsd, 0, creg(raw, 7), creg(raw, 2), uimm_d(raw), raw),
        (0, 6) => ins(Op::Sw, 0, creg(raw, 7), creg(raw, 2), uimm_w(raw), raw),
        (0, 7) => ins(Op::Sd, 0, creg(raw, 7), creg(raw, 2), uimm_d(raw), raw),
        // Quadrant 1
        (1, 0) => ins(Op::Addi, rd_full, rd_full, 0, imm6(raw), raw), // C.NOP / C.ADDI (HINTs legal)
        (1, 1) => {
            if rd_full == 0 {
                return illegal; // C.ADDIW with rd = 0 is reserved
            }
            ins(Op::Addiw, rd_full, rd_full, 0, imm6(raw), raw)
        }
        (1, 2) => ins(Op::Addi, rd_full, 0, 0, imm6(raw), raw), // C.LI
        (1, 3) => {
            if rd_full == 2 {
                // C.ADDI16SP: nzimm[9|4|6|8:7|5]
                let v = (b(raw, 12, 12) << 9)
                    | (b(raw, 6, 6) << 4)
                    | (b(raw, 5, 5) << 6)
                    | (b(raw, 4, 3) << 7)
                    | (b(raw, 2, 2) << 5);
                if v == 0 {
                    return illegal;
                }
                ins(Op::Addi, 2, 2, 0, sext(v, 10), raw)
            } else {
                // C.LUI: nzimm[17|16:12]; nzimm = 0 reserved.
                let v = (b(raw, 12, 12) << 17) | (b(raw, 6, 2) << 12);
                if v == 0 {
                    return illegal;
                }
                ins(Op::Lui, rd_full, 0, 0, sext(v, 18), raw)
            }
        }
        (1, 4) => {
            let rd = creg(raw, 7);
            let shamt = ((b(raw, 12, 12) << 5) | b(raw, 6, 2)) as i32;
            match b(raw, 11, 10) {
                0 => ins(Op::Srli, rd, rd, 0, shamt, raw),
                1 => ins(Op::Srai, rd, rd, 0, shamt, raw),
                2 => ins(Op::Andi, rd, rd, 0, imm6(raw), raw),
                _ => {
                    let rs2 = creg(raw, 2);
                    let op = match (b(raw, 12, 12), b(raw, 6, 5)) {
                        (0, 0) => Op::Sub,
                        (0, 1) => Op::Xor,
                        (0, 2) => Op::Or,
                        (0, 3) => Op::And,
                        (1, 0) => Op::Subw,
                        (1, 1) => Op::Addw,
                        _ => return illegal,
                    };
                    ins(op, rd, rd, rs2, 0, raw)
                }
            }
        }
        (1, 5) => {
            // C.J: imm[11|4|9:8|10|6|7|3:1|5]
            let v = (b(raw, 12, 12) << 11)
                | (b(raw, 11, 11) << 4)
                | (b(raw, 10, 9) << 8)
                | (b(raw, 8, 8) << 10)
                | (b(raw, 7, 7) << 6)
                | (b(raw, 6, 6) << 7)
                | (b(raw, 5, 3) << 1)
                | (b(raw, 2, 2) << 5);
            ins(Op::Jal, 0, 0, 0, sext(v, 12), raw)
        }
        (1, 6) | (1, 7) => {
            // C.BEQZ / C.BNEZ: imm[8|4:3|7:6|2:1|5]
            let v = (b(raw, 12, 12) << 8)
                | (b(raw, 11, 10) << 3)
                | (b(raw, 6, 5) << 6)
                | (b(raw, 4, 3) << 1)
                | (b(raw, 2, 2) << 5);
            let op = if f3 == 6 { Op::Beq } else { Op::Bne };
            ins(op, 0, creg(raw, 7), 0, sext(v, 9), raw)
        }
        // Quadrant 2
        (2, 0) => {
            let shamt = ((b(raw, 12, 12) << 5) | b(raw, 6, 2)) as i32;
            ins(Op::Slli, rd_full, rd_full, 0, shamt, raw)
        }
        (2, 1) => ins(Op::Fld, rd_full, 2, 0, uimm_ldsp(raw), raw),
        (2, 2) => {
            if rd_full == 0 {
                return illegal;
            }
            let v = (b(raw, 12, 12) << 5) | (b(raw, 6, 4) << 2) | (b(raw, 3, 2) << 6);
            ins(Op::Lw, rd_full, 2, 0, v as i32, raw)
        }
        (2, 3) => {
            if rd_full == 0 {
                return illegal;
            }
            ins(Op::Ld, rd_full, 2, 0, uimm_ldsp(raw), raw)
        }
        (2, 4) => match (b(raw, 12, 12), rd_full, rs2_full) {
            (0, 0, 0) => illegal,                              // C.JR with rs1 = 0 is reserved
            (0, rs1, 0) => ins(Op::Jalr, 0, rs1, 0, 0, raw),   // C.JR
            (0, rd, rs2) => ins(Op::Add, rd, 0, rs2, 0, raw),  // C.MV
            (1, 0, 0) => ins(Op::Ebreak, 0, 0, 0, 0, raw),     // C.EBREAK
            (1, rs1, 0) => ins(Op::Jalr, 1, rs1, 0, 0, raw),   // C.JALR
            (_, rd, rs2) => ins(Op::Add, rd, rd, rs2, 0, raw), // C.ADD
        },
        (2, 5) => ins(Op::Fsd, 0, 2, rs2_full, uimm_sdsp(raw), raw),
        (2, 6) => {
            let v = (b(raw, 12, 9) << 2) | (b(raw, 8, 7) << 6);
            ins(Op::Sw, 0, 2, rs2_full, v as i32, raw)
        }
        (2, 7) => ins(Op::Sd, 0, 2, rs2_full, uimm_sdsp(raw), raw),
        _ => illegal,
    }
}

/// CI-format 6-bit signed immediate: imm[5] = inst[12], imm[4:0] = inst[6:2].
fn imm6(raw: u32) -> i32 {
    sext((b(raw, 12, 12) << 5) | b(raw, 6, 2), 6)
}

/// C.LW/C.SW offset: uimm[5:3] = inst[12:10], uimm[2] = inst[6], uimm[6] = inst[5].
fn uimm_w(raw: u32) -> i32 {
    ((b(raw, 12, 10) << 3) | (b(raw, 6, 6) << 2) | (b(raw, 5, 5) << 6)) as i32
}

/// C.LD/C.SD/C.FLD/C.FSD offset: uimm[5:3] = inst[12:10], uimm[7:6] = inst[6:5].
fn uimm_d(raw: u32) -> i32 {
    ((b(raw, 12, 10) << 3) | (b(raw, 6, 5) << 6)) as i32
}

/// C.LDSP/C.FLDSP offset: uimm[5] = inst[12], uimm[4:3] = inst[6:5], uimm[8:6] = inst[4:2].
fn uimm_ldsp(raw: u32) -> i32 {
    ((b(raw, 12, 12) << 5) | (b(raw, 6, 5) << 3) | (b(raw, 4, 2) << 6)) as i32
}

/// C.SDSP/C.FSDSP offset: uimm[5:3] = inst[12:10], uimm[8:6] = inst[9:7].
fn uimm_sdsp(raw: u32) -> i32 {
    ((b(raw, 12, 10) << 3) | (b(raw, 9, 7) << 6)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_zero_halfword_is_illegal() {
        assert_eq!(decode16(0).op, Op::Illegal);
    }

    #[test]
    fn common_forms_expand() {
        // c.addi16sp sp, -16  (0x7139 is addi sp,sp,-64)
        let i = decode16(0x7139);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Addi, 2, 2, -64));
        // c.sdsp ra, 56(sp) = 0xfc06
        let i = decode16(0xfc06);
        assert_eq!((i.op, i.rs1, i.rs2, i.imm), (Op::Sd, 2, 1, 56));
        // c.ret = c.jr ra = 0x8082
        let i = decode16(0x8082);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Jalr, 0, 1, 0));
        // c.li a0, -1 = 0x557d
        let i = decode16(0x557d);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Addi, 10, 0, -1));
        // c.ebreak = 0x9002
        assert_eq!(decode16(0x9002).op, Op::Ebreak);
    }

    #[test]
    fn reserved_encodings_are_illegal() {
        assert_eq!(decode16(0x2001 & !0x0f80).op, Op::Illegal); // c.addiw rd=0
        assert_eq!(decode16(0x6101 & !0x107c).op, Op::Illegal); // c.addi16sp imm=0
        assert_eq!(decode16(0x8002).op, Op::Illegal); // c.jr x0
        assert_eq!(decode16(0x4002).op, Op::Illegal); // c.lwsp rd=0
        assert_eq!(decode16(0x9c41 | 0x0040).op, Op::Illegal); // c.subw family, reserved funct2
    }
}
