//! D: FCVT.S.D / FCVT.D.S (12.4: NaNs become canonical, narrowing rounds with overflow and
//! tininess-after-rounding underflow), FCVT between double and every integer width with
//! the limits of the table "Domains of float-to-integer conversions", compares, min/max,
//! sign injection, FCLASS.D and FMV.X.D/FMV.D.X.
#![no_std]
#![no_main]

#[path = "fp_common/mod.rs"]
mod common;
use common::Op::*;
use common::*;
use isa_tests::entry;

entry!(main);

const ONE: u64 = 0x3ff0_0000_0000_0000;
const TWO: u64 = 0x4000_0000_0000_0000;
const NEG_ONE: u64 = 0xbff0_0000_0000_0000;
const PZ: u64 = 0;
const NZ: u64 = 1 << 63;
const PINF: u64 = 0x7ff0_0000_0000_0000;
const NINF: u64 = 0xfff0_0000_0000_0000;
const QNAN: u64 = 0x7ff8_0000_0000_0000;
const SNAN: u64 = 0x7ff0_0000_0000_0001;
const MAX: u64 = 0x7fef_ffff_ffff_ffff;
const I32_MIN: u64 = 0xffff_ffff_8000_0000;
const I32_MAX: u64 = 0x7fff_ffff;
const SQNAN: u64 = bx(0x7fc0_0000);

fn all(t: &mut Checker, op: common::Op, a: u64, want: u64, flags: u64) {
    t.d_all(op, a, 0, 0, want, flags);
}

fn main() -> u32 {
    enable_fs();
    let mut t = Checker::default();
    // FCVT.S.D
    t.per_rm(
        fcvt_s_d,
        0x3fd5_5555_5555_5555,
        0,
        0,
        [
            (bx(0x3eaa_aaab), NX),
            (bx(0x3eaa_aaaa), NX),
            (bx(0x3eaa_aaaa), NX),
            (bx(0x3eaa_aaab), NX),
            (bx(0x3eaa_aaab), NX),
        ],
    );
    t.per_rm(
        fcvt_s_d,
        MAX,
        0,
        0,
        [
            (bx(0x7f80_0000), OF | NX),
            (bx(0x7f7f_ffff), OF | NX),
            (bx(0x7f7f_ffff), OF | NX),
            (bx(0x7f80_0000), OF | NX),
            (bx(0x7f80_0000), OF | NX),
        ],
    );
    all(&mut t, fcvt_s_d, 0x7ff8_0000_1234_5678, SQNAN, 0);
    all(&mut t, fcvt_s_d, SNAN, SQNAN, NV);
    all(&mut t, fcvt_s_d, NZ, bx(0x8000_0000), 0);
    all(&mut t, fcvt_s_d, NINF, bx(0xff80_0000), 0);
    // 2^-150: a tie between 0 and the smallest single subnormal.
    t.per_rm(
        fcvt_s_d,
        0x3690_0000_0000_0000,
        0,
        0,
        [(bx(0), UF | NX), (bx(0), UF | NX), (bx(0), UF | NX), (bx(1), UF | NX), (bx(1), UF | NX)],
    );
    // 2^-126 (1 - 2^-25): rounds (24 bits, unbounded exponent) to 2^-126 in RNE/RUP/RMM:
    // not tiny after rounding, NX only; RTZ/RDN stay tiny: UF|NX.
    t.per_rm(
        fcvt_s_d,
        0x380f_ffff_f000_0000,
        0,
        0,
        [
            (bx(0x0080_0000), NX),
            (bx(0x007f_ffff), UF | NX),
            (bx(0x007f_ffff), UF | NX),
            (bx(0x0080_0000), NX),
            (bx(0x0080_0000), NX),
        ],
    );
    // FCVT.D.S is exact.
    all(&mut t, fcvt_d_s, bx(1), 0x36a0_0000_0000_0000, 0);
    all(&mut t, fcvt_d_s, bx(0x7fc1_2345), QNAN, 0);
    all(&mut t, fcvt_d_s, bx(0xff80_0001), QNAN, NV);
    all(&mut t, fcvt_d_s, bx(0x8000_0000), NZ, 0);
    all(&mut t, fcvt_d_s, bx(0x7f80_0000), PINF, 0);

    // Double to integer.
    let w = |v: i64| v as u64;
    t.per_rm(fcvt_w_d, 0x4004_0000_0000_0000, 0, 0, [(2, NX), (2, NX), (2, NX), (3, NX), (3, NX)]);
    t.per_rm(fcvt_w_d, 0xc004_0000_0000_0000, 0, 0, [(w(-2), NX), (w(-2), NX), (w(-3), NX), (w(-2), NX), (w(-3), NX)]);
    // 2^31 - 0.5 and -2^31 - 0.5: in or out of range depending on the rounding.
    t.per_rm(
        fcvt_w_d,
        0x41df_ffff_ffe0_0000,
        0,
        0,
        [(I32_MAX, NV), (I32_MAX, NX), (I32_MAX, NX), (I32_MAX, NV), (I32_MAX, NV)],
    );
    t.per_rm(
        fcvt_w_d,
        0xc1e0_0000_0010_0000,
        0,
        0,
        [(I32_MIN, NX), (I32_MIN, NX), (I32_MIN, NV), (I32_MIN, NX), (I32_MIN, NV)],
    );
    all(&mut t, fcvt_w_d, QNAN, I32_MAX, NV);
    all(&mut t, fcvt_w_d, NINF, I32_MIN, NV);
    all(&mut t, fcvt_w_d, NZ, 0, 0);
    t.per_rm(
        fcvt_wu_d,
        0x41ef_ffff_fff0_0000,
        0,
        0,
        [(u64::MAX, NV), (u64::MAX, NX), (u64::MAX, NX), (u64::MAX, NV), (u64::MAX, NV)],
    );
    all(&mut t, fcvt_wu_d, 0x41e6_5a0b_c000_0000, 0xffff_ffff_b2d0_5e00, 0); // 3e9, sign-extended
    all(&mut t, fcvt_wu_d, NEG_ONE, 0, NV);
    all(&mut t, fcvt_wu_d, SNAN, u64::MAX, NV);
    t.per_rm(fcvt_wu_d, 0xbfe0_0000_0000_0000, 0, 0, [(0, NX), (0, NX), (0, NV), (0, NX), (0, NV)]);
    all(&mut t, fcvt_l_d, 0x43e0_0000_0000_0000, i64::MAX as u64, NV); // 2^63
    all(&mut t, fcvt_l_d, 0xc3e0_0000_0000_0000, 1 << 63, 0);
    all(&mut t, fcvt_l_d, 0xc3e0_0000_0000_0001, 1 << 63, NV);
    all(&mut t, fcvt_l_d, 0x43df_ffff_ffff_ffff, 0x7fff_ffff_ffff_fc00, 0);
    all(&mut t, fcvt_l_d, QNAN, i64::MAX as u64, NV);
    all(&mut t, fcvt_l_d, PINF, i64::MAX as u64, NV);
    t.per_rm(fcvt_l_d, 0xbfe0_0000_0000_0000, 0, 0, [(0, NX), (0, NX), (w(-1), NX), (0, NX), (w(-1), NX)]);
    all(&mut t, fcvt_lu_d, 0x43f0_0000_0000_0000, u64::MAX, NV); // 2^64
    all(&mut t, fcvt_lu_d, 0x43ef_ffff_ffff_ffff, 0xffff_ffff_ffff_f800, 0);
    all(&mut t, fcvt_lu_d, NINF, 0, NV);
    all(&mut t, fcvt_lu_d, QNAN, u64::MAX, NV);
    // Integer to double.
    all(&mut t, fcvt_d_w, w(-1), NEG_ONE, 0);
    all(&mut t, fcvt_d_w, 0x1234_5678_0000_0002, TWO, 0);
    all(&mut t, fcvt_d_w, 0, PZ, 0);
    all(&mut t, fcvt_d_wu, 0xffff_ffff, 0x41ef_ffff_ffe0_0000, 0);
    all(&mut t, fcvt_d_l, 1 << 63, 0xc3e0_0000_0000_0000, 0);
    t.per_rm(
        fcvt_d_l,
        i64::MAX as u64,
        0,
        0,
        [
            (0x43e0_0000_0000_0000, NX),
            (0x43df_ffff_ffff_ffff, NX),
            (0x43df_ffff_ffff_ffff, NX),
            (0x43e0_0000_0000_0000, NX),
            (0x43e0_0000_0000_0000, NX),
        ],
    );
    let two53 = 0x4340_0000_0000_0000;
    t.per_rm(fcvt_d_l, (1 << 53) + 1, 0, 0, [(two53, NX), (two53, NX), (two53, NX), (two53 + 1, NX), (two53 + 1, NX)]);
    t.per_rm(
        fcvt_d_lu,
        u64::MAX,
        0,
        0,
        [
            (0x43f0_0000_0000_0000, NX),
            (0x43ef_ffff_ffff_ffff, NX),
            (0x43ef_ffff_ffff_ffff, NX),
            (0x43f0_0000_0000_0000, NX),
            (0x43f0_0000_0000_0000, NX),
        ],
    );

    // Compares, min/max, sign injection, class, moves.
    t.op(feq_d, 0, PZ, NZ, 0, 1, 0);
    t.op(feq_d, 0, QNAN, QNAN, 0, 0, 0);
    t.op(feq_d, 0, SNAN, ONE, 0, 0, NV);
    t.op(flt_d, 0, NZ, PZ, 0, 0, 0);
    t.op(flt_d, 0, ONE, TWO, 0, 1, 0);
    t.op(flt_d, 0, QNAN, ONE, 0, 0, NV);
    t.op(fle_d, 0, NZ, PZ, 0, 1, 0);
    t.op(fle_d, 0, ONE, QNAN, 0, 0, NV);
    t.op(fmin_d, 0, PZ, NZ, 0, NZ, 0);
    t.op(fmax_d, 0, NZ, PZ, 0, PZ, 0);
    t.op(fmin_d, 0, QNAN, ONE, 0, ONE, 0);
    t.op(fmax_d, 0, SNAN, NEG_ONE, 0, NEG_ONE, NV);
    t.op(fmax_d, 0, 0x7ff8_0000_0000_0001, QNAN, 0, QNAN, 0);
    t.op(fmin_d, 0, NEG_ONE, ONE, 0, NEG_ONE, 0);
    t.op(fsgnj_d, 0, ONE, NZ, 0, NEG_ONE, 0);
    t.op(fsgnjn_d, 0, SNAN, PZ, 0, SNAN | NZ, 0);
    t.op(fsgnjx_d, 0, NEG_ONE, NEG_ONE, 0, ONE, 0);
    for (v, bit) in
        [(NINF, 0), (NEG_ONE, 1), (NZ | 1, 2), (NZ, 3), (PZ, 4), (1, 5), (ONE, 6), (PINF, 7), (SNAN, 8), (QNAN, 9)]
    {
        t.op(fclass_d, 0, v, 0, 0, 1 << bit, 0);
    }
    // A NaN-boxed single read as a double is just a (negative quiet) NaN.
    t.op(fclass_d, 0, bx(0x3f80_0000), 0, 0, 1 << 9, 0);
    t.op(fmv_x_d, 0, SNAN, 0, 0, SNAN, 0);
    t.op(fmv_d_x, 0, 0x1234_5678_9abc_def0, 0, 0, 0x1234_5678_9abc_def0, 0);
    t.finish("d_cvt")
}
