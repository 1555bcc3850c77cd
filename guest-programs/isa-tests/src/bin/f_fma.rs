//! F: FMADD/FMSUB/FNMSUB/FNMADD.S (Unprivileged 11.6): one rounding of the exact result,
//! the sign conventions of the negated forms (also for exact zeros), infinity times zero
//! raising NV even with a quiet-NaN addend, overflow and underflow per rounding mode.
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
const HALF: u32 = 0x3f00_0000;
const NEG_ONE: u32 = 0xbf80_0000;
const PZ: u32 = 0;
const NZ: u32 = 0x8000_0000;
const PINF: u32 = 0x7f80_0000;
const NINF: u32 = 0xff80_0000;
const QNAN: u32 = 0x7fc0_0000;
const SNAN: u32 = 0x7f80_0001;
const MAX: u32 = 0x7f7f_ffff;
const MIN_SUB: u32 = 1;

fn per_rm(t: &mut Checker, op: common::Op, a: u32, b: u32, c: u32, want: [(u32, u64); 5]) {
    for (rm, (w, f)) in [RNE, RTZ, RDN, RUP, RMM].into_iter().zip(want) {
        t.s(op, rm, a, b, c, w, f);
    }
}

fn main() -> u32 {
    enable_fs();
    let mut t = Checker::default();
    // 2*3+1 = 7 and the negated forms.
    t.s_all(fmadd_s, TWO, 0x4040_0000, ONE, 0x40e0_0000, 0);
    t.s_all(fmsub_s, TWO, 0x4040_0000, ONE, 0x40a0_0000, 0);
    t.s_all(fnmsub_s, TWO, 0x4040_0000, ONE, 0xc0a0_0000, 0);
    t.s_all(fnmadd_s, TWO, 0x4040_0000, ONE, 0xc0e0_0000, 0);
    // One rounding: (1+2^-12)^2 = 1 + 2^-11 + 2^-24 is not a single; minus 1 it is
    // 2^-11 + 2^-24 exactly, which a separate multiply (rounding to 1 + 2^-11) would lose.
    let a = 0x3f80_0800;
    t.s_all(fmadd_s, a, a, NEG_ONE, 0x3a00_0400, 0);
    t.s_all(fmsub_s, a, a, ONE, 0x3a00_0400, 0);
    t.s_all(fnmsub_s, a, a, ONE, 0xba00_0400, 0);
    t.s_all(fnmadd_s, a, a, NEG_ONE, 0xba00_0400, 0);
    // Rounding of the sum: 1*1 + 2^-24 is a tie.
    per_rm(
        &mut t,
        fmadd_s,
        ONE,
        ONE,
        0x3380_0000,
        [(ONE, NX), (ONE, NX), (ONE, NX), (0x3f80_0001, NX), (0x3f80_0001, NX)],
    );
    // Invalid: inf * 0 (+ a quiet NaN too: 11.6 requires NV), inf - inf.
    t.s_all(fmadd_s, PINF, PZ, QNAN, QNAN, NV);
    t.s_all(fmadd_s, PZ, NINF, ONE, QNAN, NV);
    t.s_all(fmadd_s, PINF, ONE, NINF, QNAN, NV);
    t.s_all(fmsub_s, PINF, ONE, PINF, QNAN, NV);
    t.s_all(fnmadd_s, PINF, ONE, NINF, QNAN, NV);
    // NaN inputs give the canonical NaN; signaling ones raise NV.
    t.s_all(fmadd_s, 0x7fc1_2345, ONE, ONE, QNAN, 0);
    t.s_all(fmadd_s, ONE, ONE, SNAN, QNAN, NV);
    t.s_all(fnmsub_s, SNAN, ONE, QNAN, QNAN, NV);
    // Exact-zero results: signs follow -(a*b) and -c literally (11.6).
    per_rm(&mut t, fmadd_s, PZ, ONE, NZ, [(PZ, 0), (PZ, 0), (NZ, 0), (PZ, 0), (PZ, 0)]);
    t.s_all(fmadd_s, NZ, ONE, NZ, NZ, 0);
    t.s_all(fnmadd_s, PZ, ONE, PZ, NZ, 0);
    per_rm(&mut t, fnmsub_s, PZ, ONE, PZ, [(PZ, 0), (PZ, 0), (NZ, 0), (PZ, 0), (PZ, 0)]);
    per_rm(&mut t, fmsub_s, PZ, ONE, PZ, [(PZ, 0), (PZ, 0), (NZ, 0), (PZ, 0), (PZ, 0)]);
    per_rm(&mut t, fmadd_s, ONE, ONE, NEG_ONE, [(PZ, 0), (PZ, 0), (NZ, 0), (PZ, 0), (PZ, 0)]);
    // Overflow and underflow.
    per_rm(
        &mut t,
        fmadd_s,
        MAX,
        TWO,
        PZ,
        [(PINF, OF | NX), (MAX, OF | NX), (MAX, OF | NX), (PINF, OF | NX), (PINF, OF | NX)],
    );
    per_rm(
        &mut t,
        fnmadd_s,
        MAX,
        TWO,
        PZ,
        [(NINF, OF | NX), (MAX | NZ, OF | NX), (NINF, OF | NX), (MAX | NZ, OF | NX), (NINF, OF | NX)],
    );
    per_rm(
        &mut t,
        fmadd_s,
        MIN_SUB,
        HALF,
        PZ,
        [(PZ, UF | NX), (PZ, UF | NX), (PZ, UF | NX), (MIN_SUB, UF | NX), (MIN_SUB, UF | NX)],
    );
    // Tininess after rounding through a fused result: 2^-126 * (1 - 2^-46) as above.
    per_rm(
        &mut t,
        fmadd_s,
        0x3f80_0001,
        0x007f_ffff,
        PZ,
        [(0x0080_0000, NX), (0x007f_ffff, UF | NX), (0x007f_ffff, UF | NX), (0x0080_0000, NX), (0x0080_0000, NX)],
    );
    // A tiny product added to a normal: exact, no flags.
    t.s_all(fmadd_s, MIN_SUB, ONE, 0x0080_0000, 0x0080_0001, 0);
    t.finish("f_fma")
}
