//! F: FEQ (quiet), FLT/FLE (signaling) (11.8), FMIN/FMAX (minimumNumber/maximumNumber,
//! -0 < +0, 11.6), FSGNJ/FSGNJN/FSGNJX (no NaN canonicalization, no flags), FCLASS (11.9),
//! and the canonical NaN an improperly NaN-boxed input reads as (12.2).
#![no_std]
#![no_main]

#[path = "fp_common/mod.rs"]
mod common;
use common::Op::*;
use common::*;
use isa_tests::entry;

entry!(main);

const ONE: u32 = 0x3f80_0000;
const TWO: u32 = 0x4000_0000;
const NEG_ONE: u32 = 0xbf80_0000;
const NEG_TWO: u32 = 0xc000_0000;
const PZ: u32 = 0;
const NZ: u32 = 0x8000_0000;
const PINF: u32 = 0x7f80_0000;
const NINF: u32 = 0xff80_0000;
const QNAN: u32 = 0x7fc0_0000;
const QNAN_PAYLOAD: u32 = 0x7fc1_2345;
const SNAN: u32 = 0x7f80_0001;
const MAX: u32 = 0x7f7f_ffff;
const MIN_SUB: u32 = 1;
/// A single in an FP register whose upper half is not all ones.
const UNBOXED_ONE: u64 = 0x0000_0000_3f80_0000;

fn main() -> u32 {
    enable_fs();
    let mut t = Checker::default();
    // FEQ: quiet.
    t.sx(feq_s, 0, ONE, ONE, 1, 0);
    t.sx(feq_s, 0, ONE, TWO, 0, 0);
    t.sx(feq_s, 0, PZ, NZ, 1, 0);
    t.sx(feq_s, 0, QNAN, ONE, 0, 0);
    t.sx(feq_s, 0, QNAN, QNAN, 0, 0);
    t.sx(feq_s, 0, SNAN, ONE, 0, NV);
    t.sx(feq_s, 0, ONE, SNAN, 0, NV);
    t.sx(feq_s, 0, PINF, PINF, 1, 0);
    // FLT/FLE: signaling on any NaN.
    t.sx(flt_s, 0, ONE, TWO, 1, 0);
    t.sx(flt_s, 0, TWO, ONE, 0, 0);
    t.sx(flt_s, 0, NZ, PZ, 0, 0);
    t.sx(flt_s, 0, NINF, MAX, 1, 0);
    t.sx(flt_s, 0, NEG_TWO, NEG_ONE, 1, 0);
    t.sx(flt_s, 0, QNAN, ONE, 0, NV);
    t.sx(flt_s, 0, ONE, SNAN, 0, NV);
    t.sx(fle_s, 0, ONE, ONE, 1, 0);
    t.sx(fle_s, 0, NZ, PZ, 1, 0);
    t.sx(fle_s, 0, PZ, NZ, 1, 0);
    t.sx(fle_s, 0, TWO, ONE, 0, 0);
    t.sx(fle_s, 0, ONE, QNAN, 0, NV);
    t.sx(fle_s, 0, MIN_SUB, PZ, 0, 0);
    // FMIN/FMAX.
    t.s(fmin_s, 0, ONE, TWO, 0, ONE, 0);
    t.s(fmax_s, 0, ONE, TWO, 0, TWO, 0);
    t.s(fmin_s, 0, NEG_ONE, NEG_TWO, 0, NEG_TWO, 0);
    t.s(fmin_s, 0, NZ, PZ, 0, NZ, 0);
    t.s(fmin_s, 0, PZ, NZ, 0, NZ, 0);
    t.s(fmax_s, 0, NZ, PZ, 0, PZ, 0);
    t.s(fmax_s, 0, PZ, NZ, 0, PZ, 0);
    t.s(fmin_s, 0, QNAN_PAYLOAD, ONE, 0, ONE, 0);
    t.s(fmin_s, 0, ONE, QNAN, 0, ONE, 0);
    t.s(fmax_s, 0, NINF, QNAN, 0, NINF, 0);
    t.s(fmin_s, 0, SNAN, ONE, 0, ONE, NV);
    t.s(fmax_s, 0, ONE, SNAN, 0, ONE, NV);
    t.s(fmin_s, 0, QNAN_PAYLOAD, QNAN_PAYLOAD, 0, QNAN, 0);
    t.s(fmax_s, 0, SNAN, QNAN, 0, QNAN, NV);
    t.s(fmax_s, 0, MIN_SUB, PZ, 0, MIN_SUB, 0);
    t.s(fmin_s, 0, PINF, MAX, 0, MAX, 0);
    // Sign injection keeps NaN payloads and raises nothing.
    t.s(fsgnj_s, 0, ONE, NEG_TWO, 0, NEG_ONE, 0);
    t.s(fsgnjn_s, 0, ONE, NEG_TWO, 0, ONE, 0);
    t.s(fsgnjx_s, 0, NEG_ONE, NEG_TWO, 0, ONE, 0);
    t.s(fsgnjx_s, 0, NEG_ONE, TWO, 0, NEG_ONE, 0);
    t.s(fsgnj_s, 0, QNAN_PAYLOAD, NZ, 0, QNAN_PAYLOAD | NZ, 0);
    t.s(fsgnjn_s, 0, SNAN, PZ, 0, SNAN | NZ, 0);
    t.s(fsgnjx_s, 0, NINF, NEG_ONE, 0, PINF, 0);
    // FCLASS: one bit per class.
    for (v, bit) in [
        (NINF, 0),
        (NEG_ONE, 1),
        (0x8000_0001, 2),
        (NZ, 3),
        (PZ, 4),
        (0x007f_ffff, 5),
        (ONE, 6),
        (PINF, 7),
        (SNAN, 8),
        (QNAN, 9),
        (0xffc0_0001, 9),
        (0xff80_0001, 8),
    ] {
        t.sx(fclass_s, 0, v, 0, 1 << bit, 0);
    }
    // Improperly NaN-boxed inputs read as the canonical NaN (12.2).
    t.op(fclass_s, 0, UNBOXED_ONE, 0, 0, 1 << 9, 0);
    t.op(fadd_s, RNE, UNBOXED_ONE, bx(ONE), 0, bx(QNAN), 0);
    t.op(feq_s, 0, UNBOXED_ONE, bx(QNAN), 0, 0, 0);
    t.op(flt_s, 0, bx(ONE), 0xffff_fffe_3f80_0000, 0, 0, NV);
    t.op(fsgnj_s, 0, UNBOXED_ONE, bx(NZ), 0, bx(QNAN | NZ), 0);
    t.op(fsgnj_s, 0, bx(ONE), UNBOXED_ONE, 0, bx(ONE), 0);
    t.op(fmin_s, 0, UNBOXED_ONE, bx(TWO), 0, bx(TWO), 0);
    t.op(fcvt_d_s, RNE, UNBOXED_ONE, 0, 0, 0x7ff8_0000_0000_0000, 0);
    t.finish("f_cmp")
}
