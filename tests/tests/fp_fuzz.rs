//! Randomized differential test of the emulator's F/D arithmetic (`rvsim::fp::compute`,
//! Berkeley SoftFloat 3 inside) against an independent reference: the host's x86-64 SSE
//! and FMA hardware, run with MXCSR set to the rounding mode under test and its sticky
//! exception flags read back after each operation (inside one asm block, so the compiler
//! cannot move or fold the operation). x86 detects tininess after rounding and, with the
//! exceptions masked, raises underflow only when tiny and inexact, as RISC-V does.
//!
//! Where x86 and RISC-V differ by design, the test encodes the RISC-V rule (Unprivileged
//! ch. 11-12), not the host's behaviour: any NaN result must be the canonical NaN;
//! float-to-integer conversions saturate per table 11.4 (x86 returns the "integer
//! indefinite" value) and raise only NV when out of range; min/max, sign injection and
//! classification are checked against a separate bit-level reading of the spec.
//!
//! RMM (round to nearest, ties to max magnitude) has no x86 equivalent and is not fuzzed
//! here; the guest programs and unit tests cover its ties.
//!
//! Operand count per operation and rounding mode: `FP_FUZZ_ITERS` (default 20 000 for
//! `make test`; `make fp-fuzz` runs 1 000 000).

#![cfg(target_arch = "x86_64")]

use rvsim::fp::{box_s, compute, flags, CANONICAL_NAN_D, CANONICAL_NAN_S};
use rvsim::isa::Op;
use std::arch::asm;

/// xorshift64*: a small deterministic generator (seeded per operation).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random single biased to edge cases: specials, subnormals, extreme exponents, values
/// near `near` (for cancellation and ties), and plain random bits.
fn rand_s(r: &mut Rng, near: u32) -> u32 {
    let sign = (r.next() as u32) & 0x8000_0000;
    let frac = (r.next() as u32) & 0x7f_ffff;
    match r.below(10) {
        0 | 1 => r.next() as u32,
        2 => {
            let specials = [
                0,
                0x7f80_0000,
                0x7fc0_0000,
                0x7f80_0001,
                0x7fbf_ffff,
                1,
                0x7f_ffff,
                0x80_0000,
                0x7f7f_ffff,
                0x3f80_0000,
            ];
            sign | specials[r.below(specials.len() as u64) as usize]
                | if r.below(4) == 0 { frac & 0x3f_ffff & 0 } else { 0 }
        }
        3 => sign | frac,                                            // subnormal
        4 => sign | ((0xfc + r.below(3) as u32) << 23) | frac,       // near overflow
        5 => sign | ((1 + r.below(3) as u32) << 23) | frac,          // near underflow
        6 => sign | ((0x7f - 12 + r.below(24) as u32) << 23) | frac, // around 1
        7 => near ^ (r.next() as u32 & 0xf),                         // near the other operand
        8 => (near & 0xff80_0000) ^ 0x8000_0000 | frac,              // same exponent, opposite sign
        _ => sign | 0x7f80_0000 | frac | 1,                          // NaNs with payloads
    }
}

fn rand_d(r: &mut Rng, near: u64) -> u64 {
    let sign = r.next() & (1 << 63);
    let frac = r.next() & ((1 << 52) - 1);
    match r.below(10) {
        0 | 1 => r.next(),
        2 => {
            let specials = [
                0,
                0x7ff0_0000_0000_0000,
                0x7ff8_0000_0000_0000,
                0x7ff0_0000_0000_0001,
                1,
                0x000f_ffff_ffff_ffff,
                0x0010_0000_0000_0000,
                0x7fef_ffff_ffff_ffff,
                0x3ff0_0000_0000_0000,
            ];
            sign | specials[r.below(specials.len() as u64) as usize]
        }
        3 => sign | frac,
        4 => sign | ((0x7fc + r.below(3)) << 52) | frac,
        5 => sign | ((1 + r.below(3)) << 52) | frac,
        6 => sign | ((0x3ff - 30 + r.below(60)) << 52) | frac,
        7 => near ^ (r.next() & 0xf),
        8 => (near & 0xfff0_0000_0000_0000) ^ (1 << 63) | frac,
        _ => sign | 0x7ff0_0000_0000_0000 | frac | 1,
    }
}

/// Random integer operands: boundaries, powers of two and their neighbours, small values.
fn rand_int(r: &mut Rng) -> u64 {
    match r.below(5) {
        0 => r.next(),
        1 => (r.next() as i64 >> r.below(64)) as u64,
        2 => {
            let p = 1u64 << r.below(64);
            p.wrapping_add(r.below(5)).wrapping_sub(2)
        }
        3 => (r.next() as i32) as i64 as u64,
        _ => [0, 1, u64::MAX, i64::MAX as u64, 1 << 63, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff][r.below(8) as usize],
    }
}

/// MXCSR with all exceptions masked, DAZ/FTZ off, and the x86 rounding control for rm.
fn mxcsr(rm: u8) -> u32 {
    let rc = match rm {
        0 => 0, // RNE
        2 => 1, // RDN
        3 => 2, // RUP
        _ => 3, // RTZ
    };
    0x1f80 | (rc << 13)
}

/// x86 MXCSR flags (IE DE ZE OE UE PE) to fflags.
fn x86_flags(m: u32) -> u8 {
    let mut f = 0;
    if m & 1 != 0 {
        f |= flags::NV;
    }
    if m & 4 != 0 {
        f |= flags::DZ;
    }
    if m & 8 != 0 {
        f |= flags::OF;
    }
    if m & 16 != 0 {
        f |= flags::UF;
    }
    if m & 32 != 0 {
        f |= flags::NX;
    }
    f
}

/// Runs one SSE instruction under MXCSR = `m` and returns the MXCSR after it.
macro_rules! host {
    ($m:expr, $tmpl:literal, $($ops:tt)*) => {{
        let mut m: u32 = $m;
        let mut old: u32 = 0;
        // SAFETY: saves MXCSR, runs one register-only SSE instruction under the given
        // rounding mode with exceptions masked, reads the flags and restores MXCSR.
        unsafe {
            asm!("stmxcsr [{o}]", "ldmxcsr [{mp}]", $tmpl, "stmxcsr [{mp}]", "ldmxcsr [{o}]",
                o = in(reg) &mut old as *mut u32, mp = in(reg) &mut m as *mut u32, $($ops)* options(nostack))
        };
        m & 0x3f
    }};
}

/// Unprivileged 11.6: "The fused multiply-add instructions must set the invalid operation
/// exception flag when the multiplicands are infinity and zero, even when the addend is a
/// quiet NaN." x86 raises nothing for a quiet-NaN addend, so the rule is added here.
fn inf_times_zero(fma: bool, a_inf: bool, b_inf: bool, a_zero: bool, b_zero: bool) -> u8 {
    if fma && ((a_inf && b_zero) || (a_zero && b_inf)) {
        flags::NV
    } else {
        0
    }
}

trait FmaLike {
    fn is_fma_like(self) -> bool;
}

impl FmaLike for Op {
    fn is_fma_like(self) -> bool {
        use Op::*;
        matches!(self, FmaddS | FmsubS | FnmsubS | FnmaddS | FmaddD | FmsubD | FnmsubD | FnmaddD)
    }
}

/// The reference result for single-precision arithmetic: (boxed result, flags).
fn ref_s(op: Op, rm: u8, a: u32, b: u32, c: u32) -> (u64, u8) {
    let (fa, fb, fc) = (f32::from_bits(a), f32::from_bits(b), f32::from_bits(c));
    let m = mxcsr(rm);
    let mut x = fa;
    let st = match op {
        Op::FaddS => host!(m, "addss {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) fb,),
        Op::FsubS => host!(m, "subss {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) fb,),
        Op::FmulS => host!(m, "mulss {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) fb,),
        Op::FdivS => host!(m, "divss {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) fb,),
        Op::FsqrtS => host!(m, "sqrtss {x}, {x}", x = inout(xmm_reg) x,),
        Op::FmaddS => {
            host!(m, "vfmadd213ss {x}, {y}, {z}", x = inout(xmm_reg) x, y = in(xmm_reg) fb, z = in(xmm_reg) fc,)
        }
        Op::FmsubS => {
            host!(m, "vfmsub213ss {x}, {y}, {z}", x = inout(xmm_reg) x, y = in(xmm_reg) fb, z = in(xmm_reg) fc,)
        }
        // RISC-V FNMSUB = -(a*b) + c is x86 FNMADD; RISC-V FNMADD = -(a*b) - c is x86 FNMSUB.
        Op::FnmsubS => {
            host!(m, "vfnmadd213ss {x}, {y}, {z}", x = inout(xmm_reg) x, y = in(xmm_reg) fb, z = in(xmm_reg) fc,)
        }
        Op::FnmaddS => {
            host!(m, "vfnmsub213ss {x}, {y}, {z}", x = inout(xmm_reg) x, y = in(xmm_reg) fb, z = in(xmm_reg) fc,)
        }
        _ => unreachable!(),
    };
    let v = if x.is_nan() { CANONICAL_NAN_S } else { x.to_bits() };
    (
        box_s(v),
        x86_flags(st) | inf_times_zero(op.is_fma_like(), fa.is_infinite(), fb.is_infinite(), fa == 0.0, fb == 0.0),
    )
}

fn ref_d(op: Op, rm: u8, a: u64, b: u64, c: u64) -> (u64, u8) {
    let (fa, fb, fc) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
    let m = mxcsr(rm);
    let mut x = fa;
    let st = match op {
        Op::FaddD => host!(m, "addsd {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) fb,),
        Op::FsubD => host!(m, "subsd {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) fb,),
        Op::FmulD => host!(m, "mulsd {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) fb,),
        Op::FdivD => host!(m, "divsd {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) fb,),
        Op::FsqrtD => host!(m, "sqrtsd {x}, {x}", x = inout(xmm_reg) x,),
        Op::FmaddD => {
            host!(m, "vfmadd213sd {x}, {y}, {z}", x = inout(xmm_reg) x, y = in(xmm_reg) fb, z = in(xmm_reg) fc,)
        }
        Op::FmsubD => {
            host!(m, "vfmsub213sd {x}, {y}, {z}", x = inout(xmm_reg) x, y = in(xmm_reg) fb, z = in(xmm_reg) fc,)
        }
        Op::FnmsubD => {
            host!(m, "vfnmadd213sd {x}, {y}, {z}", x = inout(xmm_reg) x, y = in(xmm_reg) fb, z = in(xmm_reg) fc,)
        }
        Op::FnmaddD => {
            host!(m, "vfnmsub213sd {x}, {y}, {z}", x = inout(xmm_reg) x, y = in(xmm_reg) fb, z = in(xmm_reg) fc,)
        }
        _ => unreachable!(),
    };
    let v = if x.is_nan() { CANONICAL_NAN_D } else { x.to_bits() };
    (v, x86_flags(st) | inf_times_zero(op.is_fma_like(), fa.is_infinite(), fb.is_infinite(), fa == 0.0, fb == 0.0))
}

/// Converts the float `v` (given as f64; singles widen exactly) to an integer with the
/// host's CVTSD2SI in rounding mode `rm`, then applies RISC-V's range rules (table 11.4):
/// `lo..=hi` is the destination range; `sext32` sign-extends 32-bit results.
fn ref_to_int(v: f64, rm: u8, lo: i128, hi: i128, sext32: bool) -> (u64, u8) {
    let sat = |neg: bool| -> (u64, u8) {
        let r = if neg { lo } else { hi };
        (fin(r, sext32), flags::NV)
    };
    if v.is_nan() {
        return sat(false);
    }
    // Values of magnitude >= 2^63 are integers already: exact.
    let (val, fl) = if v.abs() >= 9.223_372_036_854_775_808e18 {
        if v.is_infinite() {
            return sat(v < 0.0);
        }
        (v as i128, 0)
    } else {
        let mut r: i64;
        let st = host!(mxcsr(rm), "cvtsd2si {r}, {x}", r = out(reg) r, x = in(xmm_reg) v,);
        (r as i128, x86_flags(st))
    };
    if val < lo || val > hi {
        return sat(val < 0);
    }
    (fin(val, sext32), fl)
}

fn fin(v: i128, sext32: bool) -> u64 {
    if sext32 {
        v as u32 as i32 as i64 as u64
    } else {
        v as u64
    }
}

/// Integer-to-float with CVTSI2SS/SD (64-bit source) in mode `rm`; an unsigned value with
/// bit 63 set is halved with its low bit kept as a sticky bit, converted and doubled
/// (exact), which rounds identically.
fn ref_from_int(v: u64, signed: bool, double: bool, rm: u8) -> (u64, u8) {
    let m = mxcsr(rm);
    let (src, twice) = if !signed && v >> 63 != 0 { ((v >> 1 | (v & 1)) as i64, true) } else { (v as i64, false) };
    if double {
        let mut x = 0f64;
        let st = host!(m, "cvtsi2sd {x}, {r}", x = inout(xmm_reg) x, r = in(reg) src,);
        let x = if twice { x * 2.0 } else { x };
        (x.to_bits(), x86_flags(st))
    } else {
        let mut x = 0f32;
        let st = host!(m, "cvtsi2ss {x}, {r}", x = inout(xmm_reg) x, r = in(reg) src,);
        let x = if twice { x * 2.0 } else { x };
        (box_s(x.to_bits()), x86_flags(st))
    }
}

/// FCVT.S.D with CVTSD2SS, FCVT.D.S with CVTSS2SD.
fn ref_cvt_sd(a: u64, rm: u8) -> (u64, u8) {
    let mut x = 0f32;
    let st = host!(mxcsr(rm), "cvtsd2ss {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) f64::from_bits(a),);
    (box_s(if x.is_nan() { CANONICAL_NAN_S } else { x.to_bits() }), x86_flags(st))
}

fn ref_cvt_ds(a: u32) -> (u64, u8) {
    let mut x = 0f64;
    let st = host!(mxcsr(0), "cvtss2sd {x}, {y}", x = inout(xmm_reg) x, y = in(xmm_reg) f32::from_bits(a),);
    (if x.is_nan() { CANONICAL_NAN_D } else { x.to_bits() }, x86_flags(st))
}

/// Compares: the result from the host's IEEE comparison operators, NV from COMISS (any
/// NaN, for FLT/FLE) or UCOMISS (signaling NaN only, for FEQ).
fn ref_cmp(op: Op, a: u64, b: u64, double: bool) -> (u64, u8) {
    let signaling = !matches!(op, Op::FeqS | Op::FeqD);
    let (r, st) = if double {
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        let st = if signaling {
            host!(0x1f80, "comisd {x}, {y}", x = in(xmm_reg) x, y = in(xmm_reg) y,)
        } else {
            host!(0x1f80, "ucomisd {x}, {y}", x = in(xmm_reg) x, y = in(xmm_reg) y,)
        };
        (
            match op {
                Op::FeqD => x == y,
                Op::FltD => x < y,
                _ => x <= y,
            },
            st,
        )
    } else {
        let (x, y) = (f32::from_bits(a as u32), f32::from_bits(b as u32));
        let st = if signaling {
            host!(0x1f80, "comiss {x}, {y}", x = in(xmm_reg) x, y = in(xmm_reg) y,)
        } else {
            host!(0x1f80, "ucomiss {x}, {y}", x = in(xmm_reg) x, y = in(xmm_reg) y,)
        };
        (
            match op {
                Op::FeqS => x == y,
                Op::FltS => x < y,
                _ => x <= y,
            },
            st,
        )
    };
    (r as u64, x86_flags(st) & flags::NV)
}

/// FMIN/FMAX per Unprivileged 11.6 (minimumNumber/maximumNumber, -0 < +0), written
/// independently of the emulator with the host's float comparisons.
fn ref_minmax_s(a: u32, b: u32, max: bool) -> (u64, u8) {
    let (x, y) = (f32::from_bits(a), f32::from_bits(b));
    let snan = |v: f32| v.is_nan() && v.to_bits() & 0x40_0000 == 0;
    let nv = if snan(x) || snan(y) { flags::NV } else { 0 };
    let r = if x.is_nan() && y.is_nan() {
        CANONICAL_NAN_S
    } else if x.is_nan() {
        b
    } else if y.is_nan() {
        a
    } else if x == y {
        // Equal values differ only for zeros: min takes the negative one.
        if max {
            a & b
        } else {
            a | b
        }
    } else if (x < y) != max {
        a
    } else {
        b
    };
    (box_s(r), nv)
}

fn ref_minmax_d(a: u64, b: u64, max: bool) -> (u64, u8) {
    let (x, y) = (f64::from_bits(a), f64::from_bits(b));
    let snan = |v: f64| v.is_nan() && v.to_bits() & (1 << 51) == 0;
    let nv = if snan(x) || snan(y) { flags::NV } else { 0 };
    let r = if x.is_nan() && y.is_nan() {
        CANONICAL_NAN_D
    } else if x.is_nan() {
        b
    } else if y.is_nan() {
        a
    } else if x == y {
        if max {
            a & b
        } else {
            a | b
        }
    } else if (x < y) != max {
        a
    } else {
        b
    };
    (r, nv)
}

/// FCLASS from the host's classification of the value.
fn ref_class(neg: bool, cat: std::num::FpCategory, quiet: bool) -> u64 {
    use std::num::FpCategory::*;
    let bit = match (cat, neg) {
        (Infinite, true) => 0,
        (Normal, true) => 1,
        (Subnormal, true) => 2,
        (Zero, true) => 3,
        (Zero, false) => 4,
        (Subnormal, false) => 5,
        (Normal, false) => 6,
        (Infinite, false) => 7,
        (Nan, _) => 8 + quiet as u32,
    };
    1 << bit
}

const RMS: [u8; 4] = [0, 1, 2, 3]; // RNE RTZ RDN RUP

fn iters() -> u64 {
    std::env::var("FP_FUZZ_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000)
}

/// One operation: `gen` makes operands, `reference` gives the expected (rd, flags).
fn fuzz(
    name: &str,
    op: Op,
    rms: &[u8],
    gen: impl Fn(&mut Rng) -> (u64, u64, u64),
    reference: impl Fn(u8, u64, u64, u64) -> (u64, u8),
) -> u64 {
    let n = iters();
    let mut bad = 0u64;
    for &rm in rms {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15 ^ (op as u64) << 8 ^ rm as u64);
        for _ in 0..n {
            let (a, b, c) = gen(&mut r);
            let got = compute(op, rm, a, b, c).expect("FP op");
            let want = reference(rm, a, b, c);
            if got != want {
                if bad < 5 {
                    eprintln!(
                        "MISMATCH {name} rm={rm} a={a:#x} b={b:#x} c={c:#x}: got {:#x} flags {:#04x}, want {:#x} flags {:#04x}",
                        got.0, got.1, want.0, want.1
                    );
                }
                bad += 1;
            }
        }
    }
    println!("{name}: {} operand sets x {} rounding modes, {bad} mismatches", n, rms.len());
    bad
}

fn gen_s3(r: &mut Rng) -> (u64, u64, u64) {
    let a = rand_s(r, 0x3f80_0000);
    let b = rand_s(r, a);
    // The addend is often near the product's magnitude to exercise cancellation.
    let c = if r.below(2) == 0 {
        let p = f32::from_bits(a) * f32::from_bits(b);
        rand_s(r, (-p).to_bits())
    } else {
        rand_s(r, a)
    };
    (box_s(a), box_s(b), box_s(c))
}

fn gen_d3(r: &mut Rng) -> (u64, u64, u64) {
    let a = rand_d(r, 0x3ff0_0000_0000_0000);
    let b = rand_d(r, a);
    let c = if r.below(2) == 0 {
        let p = f64::from_bits(a) * f64::from_bits(b);
        rand_d(r, (-p).to_bits())
    } else {
        rand_d(r, a)
    };
    (a, b, c)
}

#[test]
fn single_precision_matches_host_fpu() {
    let mut bad = 0;
    for op in [Op::FaddS, Op::FsubS, Op::FmulS, Op::FdivS, Op::FsqrtS, Op::FmaddS, Op::FmsubS, Op::FnmsubS, Op::FnmaddS]
    {
        bad += fuzz(&format!("{op:?}"), op, &RMS, gen_s3, |rm, a, b, c| ref_s(op, rm, a as u32, b as u32, c as u32));
    }
    for op in [Op::FeqS, Op::FltS, Op::FleS] {
        bad += fuzz(&format!("{op:?}"), op, &[0], gen_s3, |_, a, b, _| {
            ref_cmp(op, a as u32 as u64, b as u32 as u64, false)
        });
    }
    for (op, max) in [(Op::FminS, false), (Op::FmaxS, true)] {
        bad += fuzz(&format!("{op:?}"), op, &[0], gen_s3, |_, a, b, _| ref_minmax_s(a as u32, b as u32, max));
    }
    bad += fuzz("FclassS", Op::FclassS, &[0], gen_s3, |_, a, _, _| {
        let v = f32::from_bits(a as u32);
        (ref_class(v.is_sign_negative(), v.classify(), a & 0x40_0000 != 0), 0)
    });
    bad += fuzz("FsgnjxS", Op::FsgnjxS, &[0], gen_s3, |_, a, b, _| (box_s((a as u32) ^ (b as u32 & 0x8000_0000)), 0));
    assert_eq!(bad, 0, "single-precision mismatches");
}

#[test]
fn double_precision_matches_host_fpu() {
    let mut bad = 0;
    for op in [Op::FaddD, Op::FsubD, Op::FmulD, Op::FdivD, Op::FsqrtD, Op::FmaddD, Op::FmsubD, Op::FnmsubD, Op::FnmaddD]
    {
        bad += fuzz(&format!("{op:?}"), op, &RMS, gen_d3, |rm, a, b, c| ref_d(op, rm, a, b, c));
    }
    for op in [Op::FeqD, Op::FltD, Op::FleD] {
        bad += fuzz(&format!("{op:?}"), op, &[0], gen_d3, |_, a, b, _| ref_cmp(op, a, b, true));
    }
    for (op, max) in [(Op::FminD, false), (Op::FmaxD, true)] {
        bad += fuzz(&format!("{op:?}"), op, &[0], gen_d3, |_, a, b, _| ref_minmax_d(a, b, max));
    }
    bad += fuzz("FclassD", Op::FclassD, &[0], gen_d3, |_, a, _, _| {
        let v = f64::from_bits(a);
        (ref_class(v.is_sign_negative(), v.classify(), a & (1 << 51) != 0), 0)
    });
    assert_eq!(bad, 0, "double-precision mismatches");
}

#[test]
fn conversions_match_host_fpu() {
    let mut bad = 0;
    let (i32r, u32r, i64r, u64r) = (
        (i32::MIN as i128, i32::MAX as i128),
        (0, u32::MAX as i128),
        (i64::MIN as i128, i64::MAX as i128),
        (0, u64::MAX as i128),
    );
    for (op, (lo, hi), sext) in
        [(Op::FcvtWS, i32r, true), (Op::FcvtWuS, u32r, true), (Op::FcvtLS, i64r, false), (Op::FcvtLuS, u64r, false)]
    {
        bad += fuzz(&format!("{op:?}"), op, &RMS, gen_s3, |rm, a, _, _| {
            ref_to_int(f32::from_bits(a as u32) as f64, rm, lo, hi, sext)
        });
    }
    for (op, (lo, hi), sext) in
        [(Op::FcvtWD, i32r, true), (Op::FcvtWuD, u32r, true), (Op::FcvtLD, i64r, false), (Op::FcvtLuD, u64r, false)]
    {
        bad +=
            fuzz(&format!("{op:?}"), op, &RMS, gen_d3, |rm, a, _, _| ref_to_int(f64::from_bits(a), rm, lo, hi, sext));
    }
    let gen_int = |r: &mut Rng| (rand_int(r), 0, 0);
    for (op, double) in [
        (Op::FcvtSW, false),
        (Op::FcvtSWu, false),
        (Op::FcvtSL, false),
        (Op::FcvtSLu, false),
        (Op::FcvtDW, true),
        (Op::FcvtDWu, true),
        (Op::FcvtDL, true),
        (Op::FcvtDLu, true),
    ] {
        bad += fuzz(&format!("{op:?}"), op, &RMS, gen_int, |rm, x, _, _| {
            let v = match op {
                Op::FcvtSW | Op::FcvtDW => x as i32 as i64 as u64,
                Op::FcvtSWu | Op::FcvtDWu => x as u32 as u64,
                _ => x,
            };
            let signed = matches!(op, Op::FcvtSW | Op::FcvtDW | Op::FcvtSL | Op::FcvtDL);
            ref_from_int(v, signed, double, rm)
        });
    }
    bad += fuzz("FcvtSD", Op::FcvtSD, &RMS, gen_d3, |rm, a, _, _| ref_cvt_sd(a, rm));
    bad += fuzz("FcvtDS", Op::FcvtDS, &RMS, gen_s3, |_, a, _, _| ref_cvt_ds(a as u32));
    assert_eq!(bad, 0, "conversion mismatches");
}
