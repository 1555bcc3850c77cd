//! The F and D arithmetic (Unprivileged ch. 11 "F" and 12 "D") as a pure function of the
//! operation, the resolved rounding mode and the source register values: [`compute`]
//! returns the value written to the destination register and the accrued exception flags.
//! The hart ([`crate::hart`]) adds register access, `mstatus.FS`, `frm` and `fflags`.
//!
//! Rounding, exception flags and NaN results come from Berkeley SoftFloat 3 built with its
//! RISC-V specialization (through `softfloat-wrapper`): it is the library Spike uses, it
//! produces the canonical NaN for every NaN result (11.3), detects tininess after rounding
//! (11.2: "tininess is detected after rounding") and saturates integer conversions to the
//! values of the table "Domains of float-to-integer conversions" (11.7). The operations
//! IEEE 754 leaves to the architecture are written here: sign injection, min/max,
//! classification, moves and NaN-boxing.

use crate::isa::Op;
use softfloat_wrapper::{ExceptionFlags, Float, RoundingMode, F32, F64};

/// `fflags` bits (Unprivileged 11.2, figure "Floating-point control and status register").
pub mod flags {
    /// Inexact.
    pub const NX: u8 = 1;
    /// Underflow.
    pub const UF: u8 = 2;
    /// Overflow.
    pub const OF: u8 = 4;
    /// Divide by zero.
    pub const DZ: u8 = 8;
    /// Invalid operation.
    pub const NV: u8 = 16;
}

/// The canonical NaN of each format (Unprivileged 11.3).
pub const CANONICAL_NAN_S: u32 = 0x7fc0_0000;
/// The canonical double-precision NaN (Unprivileged 12.3).
pub const CANONICAL_NAN_D: u64 = 0x7ff8_0000_0000_0000;
/// The upper half of a properly NaN-boxed single (Unprivileged 12.2).
const BOX: u64 = 0xffff_ffff_0000_0000;

/// The `rm` encodings (Unprivileged 11.2, table "Rounding mode encoding").
pub mod rm {
    /// Round to nearest, ties to even.
    pub const RNE: u8 = 0;
    /// Round towards zero.
    pub const RTZ: u8 = 1;
    /// Round down (towards negative infinity).
    pub const RDN: u8 = 2;
    /// Round up (towards positive infinity).
    pub const RUP: u8 = 3;
    /// Round to nearest, ties to max magnitude.
    pub const RMM: u8 = 4;
    /// Dynamic: use `frm`.
    pub const DYN: u8 = 7;
}

/// Resolves an instruction's `rm` field against `frm`: `None` for the reserved encodings
/// (5, 6) and for DYN when `frm` holds an invalid value (5-7), which raise
/// illegal-instruction (Unprivileged 11.2).
#[inline]
pub fn resolve_rm(rm_field: u8, frm: u64) -> Option<u8> {
    let r = if rm_field == rm::DYN { frm as u8 } else { rm_field };
    (r <= rm::RMM).then_some(r)
}

/// NaN-boxes a single for an FP register: the upper 32 bits are all ones (Unprivileged 12.2).
#[inline]
pub fn box_s(v: u32) -> u64 {
    BOX | v as u64
}

/// Reads a single from an FP register value: an improperly NaN-boxed value reads as the
/// canonical NaN (Unprivileged 12.2).
#[inline]
pub fn unbox_s(v: u64) -> u32 {
    if v & BOX == BOX {
        v as u32
    } else {
        CANONICAL_NAN_S
    }
}

/// Whether `op` has an `rm` field that selects a rounding mode and so must be checked for
/// the reserved encodings (Unprivileged 11.2: instructions whose result is exact, such as
/// widening conversions, still decode `rm` "as usual").
pub fn uses_rm(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        FmaddS
            | FmsubS
            | FnmsubS
            | FnmaddS
            | FaddS
            | FsubS
            | FmulS
            | FdivS
            | FsqrtS
            | FcvtWS
            | FcvtWuS
            | FcvtLS
            | FcvtLuS
            | FcvtSW
            | FcvtSWu
            | FcvtSL
            | FcvtSLu
            | FmaddD
            | FmsubD
            | FnmsubD
            | FnmaddD
            | FaddD
            | FsubD
            | FmulD
            | FdivD
            | FsqrtD
            | FcvtSD
            | FcvtDS
            | FcvtWD
            | FcvtWuD
            | FcvtLD
            | FcvtLuD
            | FcvtDW
            | FcvtDWu
            | FcvtDL
            | FcvtDLu
    )
}

/// Whether `op` reads its first source from the integer register file (the conversions
/// from integers and the moves into FP registers).
pub fn reads_x(op: Op) -> bool {
    use Op::*;
    matches!(op, FcvtSW | FcvtSWu | FcvtSL | FcvtSLu | FmvWX | FcvtDW | FcvtDWu | FcvtDL | FcvtDLu | FmvDX)
}

/// Whether `op` writes its result to the integer register file (conversions to integers,
/// moves out of FP registers, compares and classification).
pub fn writes_x(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        FcvtWS
            | FcvtWuS
            | FcvtLS
            | FcvtLuS
            | FmvXW
            | FclassS
            | FeqS
            | FltS
            | FleS
            | FcvtWD
            | FcvtWuD
            | FcvtLD
            | FcvtLuD
            | FmvXD
            | FclassD
            | FeqD
            | FltD
            | FleD
    )
}

fn mode(rm: u8) -> RoundingMode {
    match rm {
        rm::RTZ => RoundingMode::TowardZero,
        rm::RDN => RoundingMode::TowardNegative,
        rm::RUP => RoundingMode::TowardPositive,
        rm::RMM => RoundingMode::TiesToAway,
        _ => RoundingMode::TiesToEven,
    }
}

#[inline]
fn sext32(v: u32) -> u64 {
    v as i32 as i64 as u64
}

const S_SIGN: u32 = 1 << 31;
const D_SIGN: u64 = 1 << 63;

fn is_nan_s(v: u32) -> bool {
    v & 0x7fff_ffff > 0x7f80_0000
}

fn is_snan_s(v: u32) -> bool {
    is_nan_s(v) && v & 0x0040_0000 == 0
}

fn is_nan_d(v: u64) -> bool {
    v & !D_SIGN > 0x7ff0_0000_0000_0000
}

fn is_snan_d(v: u64) -> bool {
    is_nan_d(v) && v & 0x0008_0000_0000_0000 == 0
}

/// FCLASS (Unprivileged 11.9, table "Format of result of FCLASS instruction"): one bit set,
/// from bit 0 (negative infinity) to bit 9 (quiet NaN). Generic over the format through
/// its sign, exponent-field and fraction-field values.
fn classify(sign: bool, exp_all_ones: bool, exp_zero: bool, frac_zero: bool, quiet_bit: bool) -> u64 {
    let bit = if exp_all_ones {
        if frac_zero {
            if sign {
                0
            } else {
                7
            }
        } else if quiet_bit {
            9
        } else {
            8
        }
    } else if exp_zero {
        match (sign, frac_zero) {
            (true, true) => 3,
            (true, false) => 2,
            (false, true) => 4,
            (false, false) => 5,
        }
    } else if sign {
        1
    } else {
        6
    };
    1 << bit
}

fn fclass_s(v: u32) -> u64 {
    let e = (v >> 23) & 0xff;
    classify(v & S_SIGN != 0, e == 0xff, e == 0, v & 0x7f_ffff == 0, v & 0x40_0000 != 0)
}

fn fclass_d(v: u64) -> u64 {
    let e = (v >> 52) & 0x7ff;
    classify(v & D_SIGN != 0, e == 0x7ff, e == 0, v & ((1 << 52) - 1) == 0, v & (1 << 51) != 0)
}

/// FMIN/FMAX (Unprivileged 11.6, v2.2 semantics = IEEE 754-2019 minimumNumber and
/// maximumNumber): a NaN operand yields the other operand, two NaNs the canonical NaN,
/// -0 is less than +0, and a signaling NaN input raises NV.
/// `lt(a, b)` is the numeric order of two non-NaN values.
fn min_max<T: Copy + PartialEq>(
    a: T,
    b: T,
    max: bool,
    is_nan: impl Fn(T) -> bool,
    is_snan: impl Fn(T) -> bool,
    lt: impl Fn(T, T) -> bool,
    nan: T,
) -> (T, u8) {
    let fl = if is_snan(a) || is_snan(b) { flags::NV } else { 0 };
    let r = match (is_nan(a), is_nan(b)) {
        (true, true) => nan,
        (true, false) => b,
        (false, true) => a,
        (false, false) => {
            if lt(a, b) != max {
                a
            } else {
                b
            }
        }
    };
    (r, fl)
}

/// Numeric `a < b` for non-NaN singles with -0 < +0, from the bits (sign-magnitude order).
fn lt_total_s(a: u32, b: u32) -> bool {
    let key = |v: u32| if v & S_SIGN != 0 { !v } else { v | S_SIGN };
    key(a) < key(b)
}

fn lt_total_d(a: u64, b: u64) -> bool {
    let key = |v: u64| if v & D_SIGN != 0 { !v } else { v | D_SIGN };
    key(a) < key(b)
}

/// Computes FP operation `op` (any F or D operation except the loads and stores) with the
/// resolved rounding mode `rm` (0-4) on source register values `a`, `b`, `c` (rs1, rs2,
/// rs3: raw FP register contents, or the integer register value for the operations that
/// read `x[rs1]`). Returns the value to write to rd (NaN-boxed for single results,
/// sign-extended for 32-bit integer results) and the exception flags raised (`fflags`
/// bits). `None` for operations this function does not compute (loads, stores, non-FP).
pub fn compute(op: Op, rm: u8, a: u64, b: u64, c: u64) -> Option<(u64, u8)> {
    use Op::*;
    let rnd = mode(rm);
    let (sa, sb, sc) = (F32::from_bits(unbox_s(a)), F32::from_bits(unbox_s(b)), F32::from_bits(unbox_s(c)));
    let (da, db, dc) = (F64::from_bits(a), F64::from_bits(b), F64::from_bits(c));
    let neg_s = |v: F32| F32::from_bits(v.to_bits() ^ S_SIGN);
    let neg_d = |v: F64| F64::from_bits(v.to_bits() ^ D_SIGN);
    // Operations without IEEE exceptions or with flags computed here return directly.
    match op {
        // Sign injection (11.6, 12.5) does not canonicalize NaNs and raises nothing.
        FsgnjS | FsgnjnS | FsgnjxS => {
            let (x, y) = (unbox_s(a), unbox_s(b));
            let sign = match op {
                FsgnjS => y & S_SIGN,
                FsgnjnS => !y & S_SIGN,
                _ => (x ^ y) & S_SIGN,
            };
            return Some((box_s((x & !S_SIGN) | sign), 0));
        }
        FsgnjD | FsgnjnD | FsgnjxD => {
            let sign = match op {
                FsgnjD => b & D_SIGN,
                FsgnjnD => !b & D_SIGN,
                _ => (a ^ b) & D_SIGN,
            };
            return Some(((a & !D_SIGN) | sign, 0));
        }
        FminS | FmaxS => {
            let (r, f) = min_max(unbox_s(a), unbox_s(b), op == FmaxS, is_nan_s, is_snan_s, lt_total_s, CANONICAL_NAN_S);
            return Some((box_s(r), f));
        }
        FminD | FmaxD => {
            let (r, f) = min_max(a, b, op == FmaxD, is_nan_d, is_snan_d, lt_total_d, CANONICAL_NAN_D);
            return Some((r, f));
        }
        // Moves (11.7, 12.6) transfer bits unchanged: FMV.X.W takes the low 32 bits of the
        // register whether or not they are NaN-boxed, and sign-extends them.
        FmvXW => return Some((sext32(a as u32), 0)),
        FmvWX => return Some((box_s(a as u32), 0)),
        FmvXD | FmvDX => return Some((a, 0)),
        FclassS => return Some((fclass_s(unbox_s(a)), 0)),
        FclassD => return Some((fclass_d(a), 0)),
        _ => {}
    }
    ExceptionFlags::default().set();
    let v = match op {
        FaddS => box_s(sa.add(sb, rnd).to_bits()),
        FsubS => box_s(sa.sub(sb, rnd).to_bits()),
        FmulS => box_s(sa.mul(sb, rnd).to_bits()),
        FdivS => box_s(sa.div(sb, rnd).to_bits()),
        FsqrtS => box_s(sa.sqrt(rnd).to_bits()),
        // The fused multiply-adds round once (11.6); FNMSUB negates the product and FNMADD
        // negates both the product and the addend (written as negated inputs, as Spike does).
        FmaddS => box_s(sa.fused_mul_add(sb, sc, rnd).to_bits()),
        FmsubS => box_s(sa.fused_mul_add(sb, neg_s(sc), rnd).to_bits()),
        FnmsubS => box_s(neg_s(sa).fused_mul_add(sb, sc, rnd).to_bits()),
        FnmaddS => box_s(neg_s(sa).fused_mul_add(sb, neg_s(sc), rnd).to_bits()),
        FaddD => da.add(db, rnd).to_bits(),
        FsubD => da.sub(db, rnd).to_bits(),
        FmulD => da.mul(db, rnd).to_bits(),
        FdivD => da.div(db, rnd).to_bits(),
        FsqrtD => da.sqrt(rnd).to_bits(),
        FmaddD => da.fused_mul_add(db, dc, rnd).to_bits(),
        FmsubD => da.fused_mul_add(db, neg_d(dc), rnd).to_bits(),
        FnmsubD => neg_d(da).fused_mul_add(db, dc, rnd).to_bits(),
        FnmaddD => neg_d(da).fused_mul_add(db, neg_d(dc), rnd).to_bits(),
        // Compares (11.8): FEQ is quiet (NV only for signaling NaNs), FLT and FLE are
        // signaling (NV for any NaN); a NaN operand gives 0.
        FeqS => sa.eq(sb) as u64,
        FltS => sa.lt(sb) as u64,
        FleS => sa.le(sb) as u64,
        FeqD => da.eq(db) as u64,
        FltD => da.lt(db) as u64,
        FleD => da.le(db) as u64,
        // Float-to-integer (11.7, the table "Domains of float-to-integer conversions"): NaN
        // and out-of-range saturate and raise NV
        // only; in-range inexact results raise NX. 32-bit results are sign-extended, also
        // for the unsigned conversions (11.7 "FCVT.WU.S ... sign-extended").
        FcvtWS => sext32(sa.to_i32(rnd, true) as u32),
        FcvtWuS => sext32(sa.to_u32(rnd, true)),
        FcvtLS => sa.to_i64(rnd, true) as u64,
        FcvtLuS => sa.to_u64(rnd, true),
        FcvtWD => sext32(da.to_i32(rnd, true) as u32),
        FcvtWuD => sext32(da.to_u32(rnd, true)),
        FcvtLD => da.to_i64(rnd, true) as u64,
        FcvtLuD => da.to_u64(rnd, true),
        // Integer-to-float: the W forms take the low 32 bits of x[rs1].
        FcvtSW => box_s(F32::from_i32(a as i32, rnd).to_bits()),
        FcvtSWu => box_s(F32::from_u32(a as u32, rnd).to_bits()),
        FcvtSL => box_s(F32::from_i64(a as i64, rnd).to_bits()),
        FcvtSLu => box_s(F32::from_u64(a, rnd).to_bits()),
        FcvtDW => F64::from_i32(a as i32, rnd).to_bits(),
        FcvtDWu => F64::from_u32(a as u32, rnd).to_bits(),
        FcvtDL => F64::from_i64(a as i64, rnd).to_bits(),
        FcvtDLu => F64::from_u64(a, rnd).to_bits(),
        // Between formats (12.4): NaNs become the canonical NaN.
        FcvtSD => box_s(da.to_f32(rnd).to_bits()),
        FcvtDS => sa.to_f64(rnd).to_bits(),
        _ => return None,
    };
    let mut f = ExceptionFlags::default();
    f.get();
    let fl = (f.is_invalid() as u8 * flags::NV)
        | (f.is_infinite() as u8 * flags::DZ)
        | (f.is_overflow() as u8 * flags::OF)
        | (f.is_underflow() as u8 * flags::UF)
        | (f.is_inexact() as u8 * flags::NX);
    Some((v, fl))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(op: Op, rm: u8, a: u32, b: u32) -> (u32, u8) {
        let (v, f) = compute(op, rm, box_s(a), box_s(b), box_s(0)).unwrap();
        assert_eq!(v >> 32, 0xffff_ffff, "single result must be NaN-boxed");
        (v as u32, f)
    }

    #[test]
    fn add_rounds_and_flags() {
        // 1 + 2^-24 is a tie between 1 and 1+2^-23: RNE gives 1, RUP gives 1+2^-23.
        assert_eq!(s(Op::FaddS, rm::RNE, 0x3f80_0000, 0x3380_0000), (0x3f80_0000, flags::NX));
        assert_eq!(s(Op::FaddS, rm::RUP, 0x3f80_0000, 0x3380_0000), (0x3f80_0001, flags::NX));
        assert_eq!(s(Op::FaddS, rm::RMM, 0x3f80_0000, 0x3380_0000), (0x3f80_0001, flags::NX));
        // inf - inf is invalid and gives the canonical NaN.
        assert_eq!(s(Op::FsubS, rm::RNE, 0x7f80_0000, 0x7f80_0000), (CANONICAL_NAN_S, flags::NV));
        // x - x is +0 except in RDN, where it is -0 (IEEE 754 6.3).
        assert_eq!(s(Op::FsubS, rm::RNE, 0x3f80_0000, 0x3f80_0000).0, 0);
        assert_eq!(s(Op::FsubS, rm::RDN, 0x3f80_0000, 0x3f80_0000).0, 0x8000_0000);
    }

    #[test]
    fn div_by_zero_and_overflow() {
        assert_eq!(s(Op::FdivS, rm::RNE, 0x3f80_0000, 0), (0x7f80_0000, flags::DZ));
        // MAX * 2 overflows: RNE gives inf, RTZ gives MAX; both OF|NX.
        assert_eq!(s(Op::FmulS, rm::RNE, 0x7f7f_ffff, 0x4000_0000), (0x7f80_0000, flags::OF | flags::NX));
        assert_eq!(s(Op::FmulS, rm::RTZ, 0x7f7f_ffff, 0x4000_0000), (0x7f7f_ffff, flags::OF | flags::NX));
    }

    #[test]
    fn tininess_is_detected_after_rounding() {
        // (1 + 2^-23) * (2^-126 - 2^-149) = 2^-126 * (1 - 2^-46): below 2^-126, but rounded
        // to 24 bits with an unbounded exponent it is 2^-126, so in RNE it is not tiny
        // after rounding: the result is the smallest normal with NX and no UF.
        let (v, f) = s(Op::FmulS, rm::RNE, 0x3f80_0001, 0x007f_ffff);
        assert_eq!((v, f), (0x0080_0000, flags::NX));
        // RTZ keeps it below 2^-126: tiny and inexact, so UF|NX.
        let (v, f) = s(Op::FmulS, rm::RTZ, 0x3f80_0001, 0x007f_ffff);
        assert_eq!((v, f), (0x007f_ffff, flags::UF | flags::NX));
    }

    #[test]
    fn nan_boxing() {
        // An improperly boxed input reads as the canonical NaN.
        let (v, f) = compute(Op::FaddS, rm::RNE, 0x3f80_0000, box_s(0x3f80_0000), 0).unwrap();
        assert_eq!((v, f), (box_s(CANONICAL_NAN_S), 0));
        // FMV.X.W moves the raw low bits and sign-extends them.
        assert_eq!(compute(Op::FmvXW, 0, 0x1234_5678_8000_0001, 0, 0), Some((0xffff_ffff_8000_0001, 0)));
        // FSGNJ keeps a NaN payload.
        assert_eq!(s(Op::FsgnjS, 0, 0x7f80_0001, 0x8000_0000), (0xff80_0001, 0));
    }

    #[test]
    fn min_max_rules() {
        assert_eq!(s(Op::FminS, 0, 0, 0x8000_0000), (0x8000_0000, 0));
        assert_eq!(s(Op::FmaxS, 0, 0x8000_0000, 0), (0, 0));
        assert_eq!(s(Op::FminS, 0, 0x7fc0_0000, 0x3f80_0000), (0x3f80_0000, 0));
        assert_eq!(s(Op::FminS, 0, 0x7f80_0001, 0x3f80_0000), (0x3f80_0000, flags::NV));
        assert_eq!(s(Op::FmaxS, 0, 0x7f80_0001, 0xffc0_0000), (CANONICAL_NAN_S, flags::NV));
    }

    #[test]
    fn conversions_saturate() {
        let cvt = |op, a: u64| compute(op, rm::RTZ, a, 0, 0).unwrap();
        assert_eq!(cvt(Op::FcvtWS, box_s(CANONICAL_NAN_S)), (0x7fff_ffff, flags::NV));
        assert_eq!(cvt(Op::FcvtWS, box_s(0xff80_0000)), (0xffff_ffff_8000_0000, flags::NV));
        assert_eq!(cvt(Op::FcvtWuS, box_s(0xbf80_0000)), (0, flags::NV));
        assert_eq!(cvt(Op::FcvtWuS, box_s(0x7f80_0000)), (u64::MAX, flags::NV));
        assert_eq!(cvt(Op::FcvtWuS, box_s(0xbf00_0000)), (0, flags::NX)); // -0.5 -> 0
        assert_eq!(cvt(Op::FcvtLuD, 0x7ff8_0000_0000_0000), (u64::MAX, flags::NV));
        assert_eq!(cvt(Op::FcvtLD, 0xc3e0_0000_0000_0000), (1 << 63, 0)); // -2^63 exact
    }

    #[test]
    fn rm_resolution() {
        assert_eq!(resolve_rm(rm::DYN, 3), Some(3));
        assert_eq!(resolve_rm(rm::DYN, 5), None);
        assert_eq!(resolve_rm(5, 0), None);
        assert_eq!(resolve_rm(6, 0), None);
        assert_eq!(resolve_rm(rm::RMM, 7), Some(rm::RMM));
    }

    #[test]
    fn fclass_bits() {
        let cls = |v: u32| compute(Op::FclassS, 0, box_s(v), 0, 0).unwrap().0;
        let cases = [
            (0xff80_0000, 0),
            (0xbf80_0000, 1),
            (0x8000_0001, 2),
            (0x8000_0000, 3),
            (0, 4),
            (1, 5),
            (0x3f80_0000, 6),
            (0x7f80_0000, 7),
            (0x7f80_0001, 8),
            (0x7fc0_0000, 9),
        ];
        for (v, bit) in cases {
            assert_eq!(cls(v), 1 << bit, "fclass of {v:#x}");
        }
    }
}
