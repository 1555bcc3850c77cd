//! F: FADD/FSUB/FMUL/FDIV/FSQRT.S (Unprivileged 11.6) in every rounding mode: signed zeros,
//! subnormals, infinities, quiet and signaling NaNs (canonical NaN results, 11.3),
//! overflow per rounding mode, and underflow with tininess detected after rounding (11.2).
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
const THREE: u32 = 0x4040_0000;
const HALF: u32 = 0x3f00_0000;
const NEG_ONE: u32 = 0xbf80_0000;
const PZ: u32 = 0;
const NZ: u32 = 0x8000_0000;
const PINF: u32 = 0x7f80_0000;
const NINF: u32 = 0xff80_0000;
const QNAN: u32 = 0x7fc0_0000;
const QNAN_PAYLOAD: u32 = 0x7fc1_2345;
const SNAN: u32 = 0x7f80_0001;
const NEG_SNAN: u32 = 0xff80_0001;
const MAX: u32 = 0x7f7f_ffff;
const NMAX: u32 = 0xff7f_ffff;
const MIN_NORMAL: u32 = 0x0080_0000;
const MIN_SUB: u32 = 1;
const MAX_SUB: u32 = 0x007f_ffff;
const ULP_HALF: u32 = 0x3380_0000; // 2^-24: half an ulp of 1.0

/// Expected (result, flags) per static mode, in the order RNE, RTZ, RDN, RUP, RMM.
fn per_rm(t: &mut Checker, op: common::Op, a: u32, b: u32, want: [(u32, u64); 5]) {
    for (rm, (w, f)) in [RNE, RTZ, RDN, RUP, RMM].into_iter().zip(want) {
        t.s(op, rm, a, b, 0, w, f);
    }
}

fn main() -> u32 {
    enable_fs();
    install_trap();
    let mut t = Checker::default();

    // FADD.S
    t.s_all(fadd_s, ONE, TWO, 0, THREE, 0);
    // 1 + 2^-24: a tie between 1 and 1+2^-23.
    per_rm(&mut t, fadd_s, ONE, ULP_HALF, [(ONE, NX), (ONE, NX), (ONE, NX), (0x3f80_0001, NX), (0x3f80_0001, NX)]);
    per_rm(
        &mut t,
        fadd_s,
        NEG_ONE,
        ULP_HALF | NZ,
        [(NEG_ONE, NX), (NEG_ONE, NX), (0xbf80_0001, NX), (NEG_ONE, NX), (0xbf80_0001, NX)],
    );
    // 1 + 1.5 * 2^-24: above the midpoint.
    per_rm(
        &mut t,
        fadd_s,
        ONE,
        0x33c0_0000,
        [(0x3f80_0001, NX), (ONE, NX), (ONE, NX), (0x3f80_0001, NX), (0x3f80_0001, NX)],
    );
    // Signed zeros: exact zero sums are +0 except in RDN (IEEE 754 6.3).
    per_rm(&mut t, fsub_s, ONE, ONE, [(PZ, 0), (PZ, 0), (NZ, 0), (PZ, 0), (PZ, 0)]);
    per_rm(&mut t, fadd_s, PZ, NZ, [(PZ, 0), (PZ, 0), (NZ, 0), (PZ, 0), (PZ, 0)]);
    t.s_all(fadd_s, NZ, NZ, 0, NZ, 0);
    t.s_all(fsub_s, NZ, PZ, 0, NZ, 0);
    // Infinities and NaNs.
    t.s_all(fadd_s, PINF, NINF, 0, QNAN, NV);
    t.s_all(fsub_s, PINF, PINF, 0, QNAN, NV);
    t.s_all(fadd_s, PINF, ONE, 0, PINF, 0);
    t.s_all(fsub_s, ONE, PINF, 0, NINF, 0);
    t.s_all(fadd_s, QNAN_PAYLOAD, ONE, 0, QNAN, 0);
    t.s_all(fadd_s, 0xffc0_0000, ONE, 0, QNAN, 0);
    t.s_all(fadd_s, SNAN, ONE, 0, QNAN, NV);
    t.s_all(fadd_s, ONE, NEG_SNAN, 0, QNAN, NV);
    t.s_all(fadd_s, QNAN, SNAN, 0, QNAN, NV);
    // Overflow: to infinity or the largest finite value depending on the mode.
    per_rm(
        &mut t,
        fadd_s,
        MAX,
        MAX,
        [(PINF, OF | NX), (MAX, OF | NX), (MAX, OF | NX), (PINF, OF | NX), (PINF, OF | NX)],
    );
    per_rm(
        &mut t,
        fadd_s,
        NMAX,
        NMAX,
        [(NINF, OF | NX), (NMAX, OF | NX), (NINF, OF | NX), (NMAX, OF | NX), (NINF, OF | NX)],
    );
    // Subnormal sums are exact: no flags even though tiny.
    t.s_all(fadd_s, MIN_SUB, MIN_SUB, 0, 2, 0);
    t.s_all(fadd_s, MAX_SUB, MIN_SUB, 0, MIN_NORMAL, 0);
    t.s_all(fsub_s, MIN_NORMAL, MIN_SUB, 0, MAX_SUB, 0);
    per_rm(&mut t, fsub_s, MIN_SUB, MIN_SUB, [(PZ, 0), (PZ, 0), (NZ, 0), (PZ, 0), (PZ, 0)]);

    // FMUL.S
    t.s_all(fmul_s, TWO, THREE, 0, 0x40c0_0000, 0);
    t.s_all(fmul_s, NZ, THREE, 0, NZ, 0);
    t.s_all(fmul_s, PZ, PINF, 0, QNAN, NV);
    t.s_all(fmul_s, NINF, NEG_ONE, 0, PINF, 0);
    t.s_all(fmul_s, MIN_SUB, 0x4b00_0000, 0, MIN_NORMAL, 0); // 2^-149 * 2^23, exact
    per_rm(
        &mut t,
        fmul_s,
        MAX,
        TWO,
        [(PINF, OF | NX), (MAX, OF | NX), (MAX, OF | NX), (PINF, OF | NX), (PINF, OF | NX)],
    );
    // Tininess after rounding (11.2): (1+2^-23) * (2^-126 - 2^-149) = 2^-126 (1 - 2^-46).
    // Rounded to 24 bits with an unbounded exponent it is 2^-126 in RNE/RUP/RMM: not
    // tiny, so no UF although the exact value is below 2^-126. RTZ/RDN stay tiny: UF.
    per_rm(
        &mut t,
        fmul_s,
        0x3f80_0001,
        MAX_SUB,
        [(MIN_NORMAL, NX), (MAX_SUB, UF | NX), (MAX_SUB, UF | NX), (MIN_NORMAL, NX), (MIN_NORMAL, NX)],
    );
    // (1 - 2^-24) * 2^-126 is representable with 24 bits and an unbounded exponent, so it
    // is tiny in every mode; it rounds to the smallest normal in RNE/RUP/RMM and still
    // raises UF (tiny and inexact).
    per_rm(
        &mut t,
        fmul_s,
        0x3f7f_ffff,
        MIN_NORMAL,
        [(MIN_NORMAL, UF | NX), (MAX_SUB, UF | NX), (MAX_SUB, UF | NX), (MIN_NORMAL, UF | NX), (MIN_NORMAL, UF | NX)],
    );
    // 2^-149 * 0.5 = 2^-150: a tie between 0 and the smallest subnormal.
    per_rm(
        &mut t,
        fmul_s,
        MIN_SUB,
        HALF,
        [(PZ, UF | NX), (PZ, UF | NX), (PZ, UF | NX), (MIN_SUB, UF | NX), (MIN_SUB, UF | NX)],
    );
    per_rm(
        &mut t,
        fmul_s,
        MIN_SUB | NZ,
        HALF,
        [(NZ, UF | NX), (NZ, UF | NX), (MIN_SUB | NZ, UF | NX), (NZ, UF | NX), (MIN_SUB | NZ, UF | NX)],
    );
    t.s_all(fmul_s, SNAN, PZ, 0, QNAN, NV);

    // FDIV.S
    t.s_all(fdiv_s, ONE, PZ, 0, PINF, DZ);
    t.s_all(fdiv_s, NEG_ONE, PZ, 0, NINF, DZ);
    t.s_all(fdiv_s, ONE, NZ, 0, NINF, DZ);
    t.s_all(fdiv_s, PZ, PZ, 0, QNAN, NV);
    t.s_all(fdiv_s, PINF, NINF, 0, QNAN, NV);
    t.s_all(fdiv_s, PINF, PZ, 0, PINF, 0);
    t.s_all(fdiv_s, PZ, NEG_ONE, 0, NZ, 0);
    t.s_all(fdiv_s, ONE, PINF, 0, PZ, 0);
    t.s_all(fdiv_s, MIN_NORMAL, TWO, 0, 0x0040_0000, 0);
    t.s_all(fdiv_s, QNAN, PZ, 0, QNAN, 0);
    t.s_all(fdiv_s, SNAN, ONE, 0, QNAN, NV);
    per_rm(
        &mut t,
        fdiv_s,
        ONE,
        THREE,
        [(0x3eaa_aaab, NX), (0x3eaa_aaaa, NX), (0x3eaa_aaaa, NX), (0x3eaa_aaab, NX), (0x3eaa_aaab, NX)],
    );
    per_rm(
        &mut t,
        fdiv_s,
        NEG_ONE,
        THREE,
        [(0xbeaa_aaab, NX), (0xbeaa_aaaa, NX), (0xbeaa_aaab, NX), (0xbeaa_aaaa, NX), (0xbeaa_aaab, NX)],
    );
    per_rm(
        &mut t,
        fdiv_s,
        MAX,
        HALF,
        [(PINF, OF | NX), (MAX, OF | NX), (MAX, OF | NX), (PINF, OF | NX), (PINF, OF | NX)],
    );
    // 2^-126 / 2^24 = 2^-150: underflows to a tie as above.
    per_rm(
        &mut t,
        fdiv_s,
        MIN_NORMAL,
        0x4b80_0000,
        [(PZ, UF | NX), (PZ, UF | NX), (PZ, UF | NX), (MIN_SUB, UF | NX), (MIN_SUB, UF | NX)],
    );

    // FSQRT.S
    t.s_all(fsqrt_s, 0x4080_0000, 0, 0, TWO, 0);
    t.s_all(fsqrt_s, NZ, 0, 0, NZ, 0);
    t.s_all(fsqrt_s, PZ, 0, 0, PZ, 0);
    t.s_all(fsqrt_s, NEG_ONE, 0, 0, QNAN, NV);
    t.s_all(fsqrt_s, PINF, 0, 0, PINF, 0);
    t.s_all(fsqrt_s, NINF, 0, 0, QNAN, NV);
    t.s_all(fsqrt_s, QNAN_PAYLOAD, 0, 0, QNAN, 0);
    t.s_all(fsqrt_s, SNAN, 0, 0, QNAN, NV);
    t.s_all(fsqrt_s, 2, 0, 0, 0x1a80_0000, 0); // sqrt(2^-148) = 2^-74
    t.s_all(fsqrt_s, MIN_SUB | NZ, 0, 0, QNAN, NV);
    per_rm(
        &mut t,
        fsqrt_s,
        TWO,
        0,
        [(0x3fb5_04f3, NX), (0x3fb5_04f3, NX), (0x3fb5_04f3, NX), (0x3fb5_04f4, NX), (0x3fb5_04f3, NX)],
    );

    // Dynamic rounding mode takes frm.
    for (frm, want) in [(RNE, ONE), (RTZ, ONE), (RDN, ONE), (RUP, 0x3f80_0001), (RMM, 0x3f80_0001)] {
        write_frm(frm as u64);
        t.s(fadd_s, DYN, ONE, ULP_HALF, 0, want, NX);
    }
    write_frm(0);
    t.finish("f_arith")
}
