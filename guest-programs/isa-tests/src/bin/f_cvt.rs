//! F: FCVT between single and every integer width (Unprivileged 11.7): rounding per mode,
//! the saturation values of the table "Domains of float-to-integer conversions" for NaN
//! and out-of-range inputs (NV only, no NX),
//! sign-extension of 32-bit results (also FCVT.WU.S), the W forms reading the low 32 bits
//! of x[rs1], and FMV.X.W / FMV.W.X moving raw bits.
#![no_std]
#![no_main]

#[path = "fp_common/mod.rs"]
mod common;
use common::Op::*;
use common::*;
use isa_tests::entry;

entry!(main);

const PZ: u32 = 0;
const NZ: u32 = 0x8000_0000;
const PINF: u32 = 0x7f80_0000;
const NINF: u32 = 0xff80_0000;
const QNAN: u32 = 0x7fc0_0000;
const SNAN: u32 = 0x7f80_0001;
const ONE: u32 = 0x3f80_0000;
const NEG_ONE: u32 = 0xbf80_0000;
const I32_MIN: u64 = 0xffff_ffff_8000_0000;
const I32_MAX: u64 = 0x7fff_ffff;
const NEG: fn(i64) -> u64 = |v| v as u64;

/// (result, flags) per mode RNE, RTZ, RDN, RUP, RMM for an integer result.
fn rx(t: &mut Checker, op: common::Op, a: u32, want: [i64; 5], flags: u64) {
    t.per_rm(op, bx(a), 0, 0, want.map(|w| (w as u64, flags)));
}

/// Integer source, single result per mode.
fn rf(t: &mut Checker, op: common::Op, x: u64, want: [u32; 5], flags: u64) {
    t.per_rm(op, x, 0, 0, want.map(|w| (bx(w), flags)));
}

fn all_x(t: &mut Checker, op: common::Op, a: u32, want: u64, flags: u64) {
    t.per_rm(op, bx(a), 0, 0, [(want, flags); 5]);
}

fn main() -> u32 {
    enable_fs();
    let mut t = Checker::default();
    // FCVT.W.S rounding: 1.5, 2.5, -1.5, -2.5, 0.5, -0.5.
    rx(&mut t, fcvt_w_s, 0x3fc0_0000, [2, 1, 1, 2, 2], NX);
    rx(&mut t, fcvt_w_s, 0x4020_0000, [2, 2, 2, 3, 3], NX);
    rx(&mut t, fcvt_w_s, 0xbfc0_0000, [-2, -1, -2, -1, -2], NX);
    rx(&mut t, fcvt_w_s, 0xc020_0000, [-2, -2, -3, -2, -3], NX);
    rx(&mut t, fcvt_w_s, 0x3f00_0000, [0, 0, 0, 1, 1], NX);
    rx(&mut t, fcvt_w_s, 0xbf00_0000, [0, 0, -1, 0, -1], NX);
    rx(&mut t, fcvt_w_s, 1, [0, 0, 0, 1, 0], NX); // smallest subnormal
    all_x(&mut t, fcvt_w_s, NZ, 0, 0);
    all_x(&mut t, fcvt_w_s, NEG_ONE, NEG(-1), 0);
    // Limits (the table "Domains of float-to-integer conversions"): NaN and +inf/too large
    // -> 2^31-1, -inf/too small -> -2^31.
    all_x(&mut t, fcvt_w_s, QNAN, I32_MAX, NV);
    all_x(&mut t, fcvt_w_s, SNAN, I32_MAX, NV);
    all_x(&mut t, fcvt_w_s, 0xffc0_0000, I32_MAX, NV);
    all_x(&mut t, fcvt_w_s, PINF, I32_MAX, NV);
    all_x(&mut t, fcvt_w_s, NINF, I32_MIN, NV);
    all_x(&mut t, fcvt_w_s, 0x4f00_0000, I32_MAX, NV); // 2^31
    all_x(&mut t, fcvt_w_s, 0x4eff_ffff, 0x7fff_ff80, 0); // largest single below 2^31
    all_x(&mut t, fcvt_w_s, 0xcf00_0000, I32_MIN, 0); // -2^31 exactly
    all_x(&mut t, fcvt_w_s, 0xcf00_0001, I32_MIN, NV);
    // FCVT.WU.S: results are sign-extended; negative values that round to 0 are in range.
    // -0.5 rounds to -0 (in range, NX) except in RDN and RMM, where it rounds to -1 (NV).
    t.per_rm(fcvt_wu_s, bx(0xbf00_0000), 0, 0, [(0, NX), (0, NX), (0, NV), (0, NX), (0, NV)]);
    rx(&mut t, fcvt_wu_s, 0x4020_0000, [2, 2, 2, 3, 3], NX);
    all_x(&mut t, fcvt_wu_s, 0x4f32_d05e, 0xffff_ffff_b2d0_5e00, 0); // 3e9
    all_x(&mut t, fcvt_wu_s, 0x4f7f_ffff, 0xffff_ffff_ffff_ff00, 0);
    all_x(&mut t, fcvt_wu_s, 0x4f80_0000, u64::MAX, NV); // 2^32
    all_x(&mut t, fcvt_wu_s, NEG_ONE, 0, NV);
    all_x(&mut t, fcvt_wu_s, NINF, 0, NV);
    all_x(&mut t, fcvt_wu_s, PINF, u64::MAX, NV);
    all_x(&mut t, fcvt_wu_s, QNAN, u64::MAX, NV);
    all_x(&mut t, fcvt_wu_s, NZ, 0, 0);
    all_x(&mut t, fcvt_wu_s, ONE, 1, 0);
    // FCVT.L.S / FCVT.LU.S.
    rx(&mut t, fcvt_l_s, 0xc020_0000, [-2, -2, -3, -2, -3], NX);
    all_x(&mut t, fcvt_l_s, 0x5f00_0000, i64::MAX as u64, NV); // 2^63
    all_x(&mut t, fcvt_l_s, 0xdf00_0000, 1 << 63, 0); // -2^63 exactly
    all_x(&mut t, fcvt_l_s, 0xdf00_0001, 1 << 63, NV);
    all_x(&mut t, fcvt_l_s, QNAN, i64::MAX as u64, NV);
    all_x(&mut t, fcvt_l_s, NINF, 1 << 63, NV);
    all_x(&mut t, fcvt_l_s, 0x4f32_d05e, 3_000_000_000, 0);
    all_x(&mut t, fcvt_lu_s, 0x5f80_0000, u64::MAX, NV); // 2^64
    all_x(&mut t, fcvt_lu_s, 0x5f00_0000, 1 << 63, 0);
    all_x(&mut t, fcvt_lu_s, 0x5f7f_ffff, 0xffff_ff00_0000_0000, 0);
    all_x(&mut t, fcvt_lu_s, NEG_ONE, 0, NV);
    all_x(&mut t, fcvt_lu_s, SNAN, u64::MAX, NV);
    all_x(&mut t, fcvt_lu_s, NZ, 0, 0);
    rx(&mut t, fcvt_lu_s, 0x4020_0000, [2, 2, 2, 3, 3], NX);

    // Integer to single.
    rf(&mut t, fcvt_s_w, NEG(-1), [NEG_ONE; 5], 0);
    rf(&mut t, fcvt_s_w, 0x1234_5678_0000_0001, [ONE; 5], 0); // low 32 bits only
    rf(&mut t, fcvt_s_w, 0, [PZ; 5], 0); // +0 even in RDN
    rf(&mut t, fcvt_s_w, I32_MIN, [0xcf00_0000; 5], 0);
    rf(&mut t, fcvt_s_w, I32_MAX, [0x4f00_0000, 0x4eff_ffff, 0x4eff_ffff, 0x4f00_0000, 0x4f00_0000], NX);
    rf(&mut t, fcvt_s_w, NEG(-16_777_217), [0xcb80_0000, 0xcb80_0000, 0xcb80_0001, 0xcb80_0000, 0xcb80_0001], NX);
    rf(&mut t, fcvt_s_wu, 0xffff_ffff, [0x4f80_0000, 0x4f7f_ffff, 0x4f7f_ffff, 0x4f80_0000, 0x4f80_0000], NX);
    rf(&mut t, fcvt_s_wu, 0xffff_ffff_8000_0000, [0x4f00_0000; 5], 0);
    rf(&mut t, fcvt_s_l, 1 << 63, [0xdf00_0000; 5], 0);
    rf(&mut t, fcvt_s_l, i64::MAX as u64, [0x5f00_0000, 0x5eff_ffff, 0x5eff_ffff, 0x5f00_0000, 0x5f00_0000], NX);
    rf(&mut t, fcvt_s_l, NEG(-3), [0xc040_0000; 5], 0);
    rf(&mut t, fcvt_s_l, 16_777_217, [0x4b80_0000, 0x4b80_0000, 0x4b80_0000, 0x4b80_0001, 0x4b80_0001], NX);
    rf(&mut t, fcvt_s_lu, u64::MAX, [0x5f80_0000, 0x5f7f_ffff, 0x5f7f_ffff, 0x5f80_0000, 0x5f80_0000], NX);
    rf(&mut t, fcvt_s_lu, 1 << 63, [0x5f00_0000; 5], 0);

    // Moves: raw bits, FMV.X.W sign-extends, neither looks at NaN-boxing.
    t.op(fmv_x_w, 0, bx(NZ), 0, 0, I32_MIN, 0);
    t.op(fmv_x_w, 0, bx(0x7fff_ffff), 0, 0, 0x7fff_ffff, 0);
    t.op(fmv_x_w, 0, 0x1234_5678_9abc_def0, 0, 0, 0xffff_ffff_9abc_def0, 0);
    t.op(fmv_w_x, 0, 0x1234_5678_8765_4321, 0, 0, bx(0x8765_4321), 0);
    t.op(fmv_w_x, 0, SNAN as u64, 0, 0, bx(SNAN), 0);
    t.finish("f_cvt")
}
