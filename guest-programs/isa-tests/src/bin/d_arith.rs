//! D: FADD/FSUB/FMUL/FDIV/FSQRT.D and the fused multiply-adds (Unprivileged 12.4, 11.6) in
//! every rounding mode: signed zeros, subnormals, infinities, NaNs (canonical results),
//! overflow, underflow with tininess after rounding, and a single rounding in FMADD.D.
//! Double results fill all 64 bits (no NaN-boxing).
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
const THREE: u64 = 0x4008_0000_0000_0000;
const HALF: u64 = 0x3fe0_0000_0000_0000;
const NEG_ONE: u64 = 0xbff0_0000_0000_0000;
const PZ: u64 = 0;
const NZ: u64 = 1 << 63;
const PINF: u64 = 0x7ff0_0000_0000_0000;
const NINF: u64 = 0xfff0_0000_0000_0000;
const QNAN: u64 = 0x7ff8_0000_0000_0000;
const QNAN_PAYLOAD: u64 = 0x7ff8_0000_0012_3456;
const SNAN: u64 = 0x7ff0_0000_0000_0001;
const MAX: u64 = 0x7fef_ffff_ffff_ffff;
const MIN_NORMAL: u64 = 0x0010_0000_0000_0000;
const MAX_SUB: u64 = 0x000f_ffff_ffff_ffff;
const MIN_SUB: u64 = 1;
const HALF_ULP: u64 = 0x3ca0_0000_0000_0000; // 2^-53

fn main() -> u32 {
    enable_fs();
    let mut t = Checker::default();
    t.d_all(fadd_d, ONE, TWO, 0, THREE, 0);
    t.per_rm(fadd_d, ONE, HALF_ULP, 0, [(ONE, NX), (ONE, NX), (ONE, NX), (ONE + 1, NX), (ONE + 1, NX)]);
    t.per_rm(
        fadd_d,
        NEG_ONE,
        HALF_ULP | NZ,
        0,
        [(NEG_ONE, NX), (NEG_ONE, NX), (NEG_ONE + 1, NX), (NEG_ONE, NX), (NEG_ONE + 1, NX)],
    );
    t.per_rm(fsub_d, ONE, ONE, 0, [(PZ, 0), (PZ, 0), (NZ, 0), (PZ, 0), (PZ, 0)]);
    t.d_all(fadd_d, NZ, NZ, 0, NZ, 0);
    t.d_all(fadd_d, PINF, NINF, 0, QNAN, NV);
    t.d_all(fadd_d, QNAN_PAYLOAD, ONE, 0, QNAN, 0);
    t.d_all(fadd_d, ONE, SNAN, 0, QNAN, NV);
    t.per_rm(fadd_d, MAX, MAX, 0, [(PINF, OF | NX), (MAX, OF | NX), (MAX, OF | NX), (PINF, OF | NX), (PINF, OF | NX)]);
    t.d_all(fadd_d, MAX_SUB, MIN_SUB, 0, MIN_NORMAL, 0);
    t.d_all(fsub_d, MIN_NORMAL, MIN_SUB, 0, MAX_SUB, 0);
    // FMUL.D
    t.d_all(fmul_d, TWO, THREE, 0, 0x4018_0000_0000_0000, 0);
    t.d_all(fmul_d, PZ, NINF, 0, QNAN, NV);
    t.d_all(fmul_d, NZ, TWO, 0, NZ, 0);
    t.per_rm(fmul_d, MAX, TWO, 0, [(PINF, OF | NX), (MAX, OF | NX), (MAX, OF | NX), (PINF, OF | NX), (PINF, OF | NX)]);
    // Tininess after rounding: (1+2^-52)(2^-1022 - 2^-1074) = 2^-1022 (1 - 2^-104).
    t.per_rm(
        fmul_d,
        ONE + 1,
        MAX_SUB,
        0,
        [(MIN_NORMAL, NX), (MAX_SUB, UF | NX), (MAX_SUB, UF | NX), (MIN_NORMAL, NX), (MIN_NORMAL, NX)],
    );
    // (1 - 2^-53) * 2^-1022: tiny in every mode, UF even when it rounds to 2^-1022.
    t.per_rm(
        fmul_d,
        0x3fef_ffff_ffff_ffff,
        MIN_NORMAL,
        0,
        [(MIN_NORMAL, UF | NX), (MAX_SUB, UF | NX), (MAX_SUB, UF | NX), (MIN_NORMAL, UF | NX), (MIN_NORMAL, UF | NX)],
    );
    t.per_rm(
        fmul_d,
        MIN_SUB,
        HALF,
        0,
        [(PZ, UF | NX), (PZ, UF | NX), (PZ, UF | NX), (MIN_SUB, UF | NX), (MIN_SUB, UF | NX)],
    );
    // FDIV.D
    t.d_all(fdiv_d, ONE, PZ, 0, PINF, DZ);
    t.d_all(fdiv_d, ONE, NZ, 0, NINF, DZ);
    t.d_all(fdiv_d, PZ, PZ, 0, QNAN, NV);
    t.d_all(fdiv_d, PINF, PZ, 0, PINF, 0);
    t.d_all(fdiv_d, SNAN, ONE, 0, QNAN, NV);
    t.per_rm(
        fdiv_d,
        ONE,
        THREE,
        0,
        [
            (0x3fd5_5555_5555_5555, NX),
            (0x3fd5_5555_5555_5555, NX),
            (0x3fd5_5555_5555_5555, NX),
            (0x3fd5_5555_5555_5556, NX),
            (0x3fd5_5555_5555_5555, NX),
        ],
    );
    t.per_rm(fdiv_d, MAX, HALF, 0, [(PINF, OF | NX), (MAX, OF | NX), (MAX, OF | NX), (PINF, OF | NX), (PINF, OF | NX)]);
    // FSQRT.D
    t.d_all(fsqrt_d, 0x4010_0000_0000_0000, 0, 0, TWO, 0);
    t.d_all(fsqrt_d, NZ, 0, 0, NZ, 0);
    t.d_all(fsqrt_d, NEG_ONE, 0, 0, QNAN, NV);
    t.d_all(fsqrt_d, PINF, 0, 0, PINF, 0);
    t.d_all(fsqrt_d, SNAN, 0, 0, QNAN, NV);
    t.d_all(fsqrt_d, 4, 0, 0, 0x1e70_0000_0000_0000, 0); // sqrt(2^-1072) = 2^-536
    t.per_rm(
        fsqrt_d,
        TWO,
        0,
        0,
        [
            (0x3ff6_a09e_667f_3bcd, NX),
            (0x3ff6_a09e_667f_3bcc, NX),
            (0x3ff6_a09e_667f_3bcc, NX),
            (0x3ff6_a09e_667f_3bcd, NX),
            (0x3ff6_a09e_667f_3bcd, NX),
        ],
    );
    // Fused multiply-add: (1+2^-27)^2 - 1 = 2^-26 + 2^-54 exactly (one rounding).
    let a = 0x3ff0_0000_0200_0000;
    t.d_all(fmadd_d, a, a, NEG_ONE, 0x3e50_0000_0100_0000, 0);
    t.d_all(fmsub_d, a, a, ONE, 0x3e50_0000_0100_0000, 0);
    t.d_all(fnmsub_d, a, a, ONE, 0xbe50_0000_0100_0000, 0);
    t.d_all(fnmadd_d, a, a, NEG_ONE, 0xbe50_0000_0100_0000, 0);
    t.d_all(fmadd_d, PINF, PZ, QNAN, QNAN, NV);
    t.d_all(fmadd_d, ONE, ONE, SNAN, QNAN, NV);
    t.d_all(fnmadd_d, PZ, ONE, PZ, NZ, 0);
    t.per_rm(fmadd_d, PZ, ONE, NZ, [(PZ, 0), (PZ, 0), (NZ, 0), (PZ, 0), (PZ, 0)]);
    t.per_rm(
        fmadd_d,
        MAX,
        TWO,
        PZ,
        [(PINF, OF | NX), (MAX, OF | NX), (MAX, OF | NX), (PINF, OF | NX), (PINF, OF | NX)],
    );
    t.per_rm(fmadd_d, ONE, ONE, HALF_ULP, [(ONE, NX), (ONE, NX), (ONE, NX), (ONE + 1, NX), (ONE + 1, NX)]);
    // Dynamic rounding.
    for (frm, want) in [(RNE, ONE), (RTZ, ONE), (RDN, ONE), (RUP, ONE + 1), (RMM, ONE + 1)] {
        write_frm(frm as u64);
        t.op(fadd_d, DYN, ONE, HALF_ULP, 0, want, NX);
    }
    write_frm(0);
    t.finish("d_arith")
}
