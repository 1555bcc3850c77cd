//! The bit-manipulation extensions Zba, Zbb, Zbc and Zbs (Unprivileged "B" chapter, RV64
//! forms) and the conditional-zero instructions of Zicond (Unprivileged "Zicond"
//! chapter). Every one of them is a pure function of `rs1`, `rs2` and the immediate, so
//! the executor is [`compute`], which the hart's `execute` calls and writes to `rd`.

use crate::isa::Op;

#[inline(always)]
fn sext32(v: u64) -> u64 {
    v as i32 as i64 as u64
}

/// Carry-less product of `a` and `b` as a 128-bit value (Zbc: CLMUL gives the low half,
/// CLMULH the high half, CLMULR bits 126..63).
fn clmul128(a: u64, b: u64) -> u128 {
    let mut r = 0u128;
    for i in 0..64 {
        if (b >> i) & 1 != 0 {
            r ^= (a as u128) << i;
        }
    }
    r
}

/// OR-combine within each byte: every byte that is not zero becomes 0xff (ORC.B).
fn orc_b(a: u64) -> u64 {
    let mut r = 0u64;
    for k in 0..8 {
        if (a >> (8 * k)) & 0xff != 0 {
            r |= 0xff << (8 * k);
        }
    }
    r
}

/// The value written to `rd` by the Zba/Zbb/Zbc/Zbs/Zicond operation `op` on the register
/// values `a` (rs1) and `b` (rs2) and the decoded immediate `imm` (the shift amount of the
/// immediate forms). `op` must satisfy [`Op::is_bitmanip`]; any other operation gives 0.
///
/// Shift and rotate amounts use the low 6 bits (5 for the `*w` forms), as the base shifts
/// do; the `*w` results are sign-extended from bit 31 and the `.uw` forms zero-extend
/// `rs1` from bit 31 before use.
#[inline]
pub(crate) fn compute(op: Op, a: u64, b: u64, imm: i32) -> u64 {
    use Op::*;
    let sh = imm as u32 & 63;
    let uw = a as u32 as u64;
    match op {
        // Zba
        AddUw => b.wrapping_add(uw),
        Sh1add => b.wrapping_add(a << 1),
        Sh2add => b.wrapping_add(a << 2),
        Sh3add => b.wrapping_add(a << 3),
        Sh1addUw => b.wrapping_add(uw << 1),
        Sh2addUw => b.wrapping_add(uw << 2),
        Sh3addUw => b.wrapping_add(uw << 3),
        SlliUw => uw << sh,
        // Zbb
        Andn => a & !b,
        Orn => a | !b,
        Xnor => !(a ^ b),
        Clz => a.leading_zeros() as u64,
        Clzw => (a as u32).leading_zeros() as u64,
        Ctz => a.trailing_zeros() as u64,
        Ctzw => (a as u32).trailing_zeros() as u64,
        Cpop => a.count_ones() as u64,
        Cpopw => (a as u32).count_ones() as u64,
        Max => (a as i64).max(b as i64) as u64,
        Maxu => a.max(b),
        Min => (a as i64).min(b as i64) as u64,
        Minu => a.min(b),
        SextB => a as i8 as i64 as u64,
        SextH => a as i16 as i64 as u64,
        ZextH => a & 0xffff,
        Rol => a.rotate_left(b as u32 & 63),
        Rolw => sext32((a as u32).rotate_left(b as u32 & 31) as u64),
        Ror => a.rotate_right(b as u32 & 63),
        Rori => a.rotate_right(sh),
        Rorw => sext32((a as u32).rotate_right(b as u32 & 31) as u64),
        Roriw => sext32((a as u32).rotate_right(sh & 31) as u64),
        OrcB => orc_b(a),
        Rev8 => a.swap_bytes(),
        // Zbc
        Clmul => clmul128(a, b) as u64,
        Clmulh => (clmul128(a, b) >> 64) as u64,
        Clmulr => (clmul128(a, b) >> 63) as u64,
        // Zbs: the bit index is rs2 (or the shamt) modulo XLEN.
        Bclr => a & !(1 << (b & 63)),
        Bclri => a & !(1 << sh),
        Bext => (a >> (b & 63)) & 1,
        Bexti => (a >> sh) & 1,
        Binv => a ^ (1 << (b & 63)),
        Binvi => a ^ (1 << sh),
        Bset => a | (1 << (b & 63)),
        Bseti => a | (1 << sh),
        // Zicond: rd = (rs2 == 0) ? 0 : rs1, and the reverse.
        CzeroEqz => {
            if b == 0 {
                0
            } else {
                a
            }
        }
        CzeroNez => {
            if b != 0 {
                0
            } else {
                a
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::compute;
    use crate::isa::{decode, Op};
    use Op::*;

    const NEG: u64 = 0x8000_0000_0000_0000;

    #[test]
    fn rotations_by_zero_and_by_63() {
        let v = 0x8000_0000_0000_0001;
        assert_eq!(compute(Ror, v, 0, 0), v);
        assert_eq!(compute(Rol, v, 64, 0), v, "only the low 6 bits of rs2 count");
        assert_eq!(compute(Ror, v, 63, 0), 0x0000_0000_0000_0003);
        assert_eq!(compute(Rol, v, 63, 0), 0xc000_0000_0000_0000);
        assert_eq!(compute(Rori, v, 0, 63), 0x0000_0000_0000_0003);
        assert_eq!(compute(Rori, 0x1234, 0, 0), 0x1234);
        // Word rotates use 5 bits and sign-extend bit 31 of the 32-bit result.
        assert_eq!(compute(Rorw, 0xffff_ffff_0000_0001, 1, 0), 0xffff_ffff_8000_0000);
        assert_eq!(compute(Rolw, 0x0000_0000_8000_0000, 32, 0), 0xffff_ffff_8000_0000);
        assert_eq!(compute(Rolw, 0x0000_0000_8000_0000, 1, 0), 1);
        assert_eq!(compute(Roriw, 0x0000_0000_0000_0001, 0, 31), 2);
    }

    #[test]
    fn counts_of_zero_and_of_upper_bits() {
        assert_eq!(compute(Clz, 0, 0, 0), 64);
        assert_eq!(compute(Ctz, 0, 0, 0), 64);
        assert_eq!(compute(Clzw, 0xffff_ffff_0000_0000, 0, 0), 32);
        assert_eq!(compute(Ctzw, 0xffff_ffff_0000_0000, 0, 0), 32);
        assert_eq!(compute(Clz, NEG, 0, 0), 0);
        assert_eq!(compute(Clzw, 1, 0, 0), 31);
        // CPOPW counts bits 31..0 only.
        assert_eq!(compute(Cpopw, 0xffff_ffff_0000_0003, 0, 0), 2);
        assert_eq!(compute(Cpop, u64::MAX, 0, 0), 64);
    }

    #[test]
    fn sign_and_zero_extensions() {
        assert_eq!(compute(SextB, 0x1234_5680, 0, 0), 0xffff_ffff_ffff_ff80);
        assert_eq!(compute(SextB, 0xff7f, 0, 0), 0x7f);
        assert_eq!(compute(SextH, 0x0001_8000, 0, 0), 0xffff_ffff_ffff_8000);
        assert_eq!(compute(ZextH, u64::MAX, 0, 0), 0xffff);
        // The .uw forms zero-extend rs1 from bit 31 before shifting/adding.
        assert_eq!(compute(AddUw, 0xffff_ffff_8000_0000, 1, 0), 0x8000_0001);
        assert_eq!(compute(Sh3addUw, 0xffff_ffff_ffff_ffff, 0, 0), 0x7_ffff_fff8);
        assert_eq!(compute(SlliUw, 0xffff_ffff_ffff_ffff, 0, 32), 0xffff_ffff_0000_0000);
        assert_eq!(compute(SlliUw, 0x8000_0000, 0, 63), 0, "bit 31 shifted by 63 leaves");
        assert_eq!(compute(Sh1add, NEG | 1, 5, 0), 7, "plain shNadd uses all 64 bits");
    }

    #[test]
    fn byte_operations() {
        assert_eq!(compute(Rev8, 0x0102_0304_0506_0708, 0, 0), 0x0807_0605_0403_0201);
        assert_eq!(compute(OrcB, 0x0001_0000_8000_00ff, 0, 0), 0x00ff_0000_ff00_00ff);
        assert_eq!(compute(OrcB, 0, 0, 0), 0);
    }

    #[test]
    fn carry_less_products() {
        // (x + 1)^2 = x^2 + 1 in GF(2)[x].
        assert_eq!(compute(Clmul, 3, 3, 0), 5);
        assert_eq!(compute(Clmulh, 3, 3, 0), 0);
        // x^63 * x^63 = x^126: high half bit 62, reversed product bit 63.
        assert_eq!(compute(Clmul, NEG, NEG, 0), 0);
        assert_eq!(compute(Clmulh, NEG, NEG, 0), 1 << 62);
        assert_eq!(compute(Clmulr, NEG, NEG, 0), NEG);
        // All ones squared: the carry-less square spreads the bits to even positions.
        assert_eq!(compute(Clmul, u64::MAX, u64::MAX, 0), 0x5555_5555_5555_5555);
        assert_eq!(compute(Clmulh, u64::MAX, u64::MAX, 0), 0x5555_5555_5555_5555);
        assert_eq!(compute(Clmulr, u64::MAX, u64::MAX, 0), 0xaaaa_aaaa_aaaa_aaaa);
        assert_eq!(compute(Clmulr, 1, 1, 0), 0);
    }

    #[test]
    fn single_bits_and_min_max() {
        assert_eq!(compute(Bexti, NEG, 0, 63), 1);
        assert_eq!(compute(Bext, NEG, 127, 0), 1, "index is rs2 mod 64");
        assert_eq!(compute(Bseti, 0, 0, 63), NEG);
        assert_eq!(compute(Bclri, u64::MAX, 0, 63), !NEG);
        assert_eq!(compute(Binv, 5, 64 + 2, 0), 1);
        assert_eq!(compute(Bset, 0, 65, 0), 2);
        assert_eq!(compute(Min, NEG, 1, 0), NEG);
        assert_eq!(compute(Minu, NEG, 1, 0), 1);
        assert_eq!(compute(Max, NEG, 1, 0), 1);
        assert_eq!(compute(Maxu, NEG, 1, 0), NEG);
        assert_eq!(compute(Andn, 0b1100, 0b1010, 0), 0b0100);
        assert_eq!(compute(Orn, 0, u64::MAX - 1, 0), 1);
        assert_eq!(compute(Xnor, 0xf0, 0x0f, 0), !0xff);
    }

    #[test]
    fn czero() {
        assert_eq!(compute(CzeroEqz, 7, 0, 0), 0);
        assert_eq!(compute(CzeroEqz, 7, NEG, 0), 7);
        assert_eq!(compute(CzeroNez, 7, 0, 0), 7);
        assert_eq!(compute(CzeroNez, 7, 1, 0), 0);
    }

    #[test]
    fn decoder_sends_the_spec_encodings_here() {
        // Encodings from the "B" chapter's instruction pages, rd = a0 (x10), rs1 = a1, rs2 = a2.
        let cases = [
            (0x08c5853b, AddUw),
            (0x20c5a533, Sh1add),
            (0x20c5c53b, Sh2addUw),
            (0x0805951b | (63 << 20), SlliUw),
            (0x40c5f533, Andn),
            (0x60059513, Clz),
            (0x6025951b, Cpopw),
            (0x0805c53b, ZextH),
            (0x6b85d513, Rev8),
            (0x2875d513, OrcB),
            (0x63f5d513, Rori),
            (0x6005d51b | (31 << 20), Roriw),
            (0x0ac5b533, Clmulh),
            (0x0ac5a533, Clmulr),
            (0x4bf5d513, Bexti),
            (0x2bf59513, Bseti),
            (0x0ec5d533, CzeroEqz),
            (0x0ec5f533, CzeroNez),
        ];
        for (raw, op) in cases {
            let i = decode(raw);
            assert_eq!(i.op, op, "{raw:08x}");
            assert!(op.is_bitmanip());
        }
        assert_eq!(decode(0x4bf5d513).imm, 63, "bexti shamt 63");
        // ZEXT.H's RV32 encoding (OP, funct7 0000100 = PACK with rs2 = 0) is not ZEXT.H on RV64.
        assert_eq!(decode(0x0805c533).op, Op::Illegal);
        // REV8's RV32 immediate (0x698) is reserved on RV64; roriw with shamt[5] set too.
        assert_eq!(decode(0x6985d513).op, Op::Illegal);
        assert_eq!(decode(0x6205d51b).op, Op::Illegal);
        // A reserved unary selector (0x603) and ZEXT.H with rs2 != 0 (PACKW, Zbkb).
        assert_eq!(decode(0x60359513).op, Op::Illegal);
        assert_eq!(decode(0x08d5c53b).op, Op::Illegal);
    }
}
