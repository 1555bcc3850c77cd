//! Randomized differential test of the emulator's F/D arithmetic (`rvsim::fp::compute`,
//! Berkeley SoftFloat 3 inside) against an independent reference: the host's x86-64 SSE
//! and FMA hardware, run with MXCSR set to the rounding mode under test and its sticky
//! exception flags read back after each operation (inside one asm block, so the compiler
//! cannot move or fold the operation). x86 detects tininess after rounding and, with the
//! exceptions masked, raises underflow only when tiny and inexact, as RISC-V does.
//!
//! Where x86 and RISC-V differ by design, the test encodes the RISC-V rule (Unprivileged
//! ch. 11-12), not the host's behaviour: any NaN result must be the canonical NaN;
//! float-to-integer conversions saturate per the table "Domains of float-to-integer
//! conversions" (x86 returns the "integer
//! indefinite" value) and raise only NV when out of range; min/max, sign injection and
//! classification are checked against a separate bit-level reading of the spec.
//!
//! RMM (round to nearest, ties to max magnitude) has no x86 equivalent and is not fuzzed
//! here; the guest programs and unit tests cover its ties.
//!
//! Operand count per operation and rounding mode: `FP_FUZZ_ITERS` (default 20 000 for
//! `make test`; `make fp-fuzz` runs 1 000 000).

#![cfg(target_arch = "x86_64")]

use num_bigint::BigInt;
use rvsim::fp::{box_s, compute, flags, CANONICAL_NAN_D, CANONICAL_NAN_S};
use rvsim::isa::Op;
use std::arch::asm;
use std::sync::atomic::{AtomicU64, Ordering};

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
    match r.below(13) {
        10 => sign | ((0x7f - 12 + r.below(24) as u32) << 23) | (frac & !((1 << r.below(24)) - 1)), // short mantissa
        11 => ((r.below(1 << 20) as f32 + 0.5) * if sign != 0 { -1.0 } else { 1.0 }).to_bits(),     // k + 1/2
        12 => sign | ((1 + r.below(30) as u32) << 23) | (frac & !((1 << r.below(24)) - 1)),         // short, tiny
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
    match r.below(13) {
        10 => sign | ((0x3ff - 30 + r.below(60)) << 52) | (frac & !((1 << r.below(53)) - 1)), // short mantissa
        11 => ((r.below(1 << 40) as f64 + 0.5) * if sign != 0 { -1.0 } else { 1.0 }).to_bits(), // k + 1/2
        12 => sign | ((1 + r.below(60)) << 52) | (frac & !((1 << r.below(53)) - 1)),          // short, tiny
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

fn fma_like(op: Op) -> bool {
    use Op::*;
    matches!(op, FmaddS | FmsubS | FnmsubS | FnmaddS | FmaddD | FmsubD | FnmsubD | FnmaddD)
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
    (box_s(v), x86_flags(st) | inf_times_zero(fma_like(op), fa.is_infinite(), fb.is_infinite(), fa == 0.0, fb == 0.0))
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
    (v, x86_flags(st) | inf_times_zero(fma_like(op), fa.is_infinite(), fb.is_infinite(), fa == 0.0, fb == 0.0))
}

/// Converts the float `v` (given as f64; singles widen exactly) to an integer with the
/// host's CVTSD2SI in rounding mode `rm`, then applies RISC-V's range rules (the table
/// "Domains of float-to-integer conversions"):
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
    let (val, fl) = if v.abs() >= TWO_63 {
        if v.is_infinite() {
            return sat(v < 0.0);
        }
        (v as i128, 0)
    } else if rm == RMM && (v - v.trunc()).abs() == 0.5 {
        // RMM has no x86 mode: an exact tie (v - trunc(v) is exact here) rounds away.
        TIES.fetch_add(1, Ordering::Relaxed);
        (v.trunc() as i128 + v.signum() as i128, flags::NX)
    } else {
        // Not a tie: RMM rounds as RNE does.
        let rm = if rm == RMM { 0 } else { rm };
        let mut r: i64;
        let st = host!(mxcsr(rm), "cvtsd2si {r}, {x}", r = out(reg) r, x = in(xmm_reg) v,);
        (r as i128, x86_flags(st))
    };
    if val < lo || val > hi {
        return sat(val < 0);
    }
    (fin(val, sext32), fl)
}

/// 2^63 as a double.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

fn fin(v: i128, sext32: bool) -> u64 {
    if sext32 {
        v as u32 as i32 as i64 as u64
    } else {
        v as u64
    }
}

/// Exact ties found while deriving RMM references (reported, so a run shows the RMM
/// check was not vacuous).
static TIES: AtomicU64 = AtomicU64::new(0);

/// RMM, the one RISC-V rounding mode x86 lacks.
const RMM: u8 = 4;

/// An exact dyadic rational `m * 2^e`, for checking whether an exact result is a tie.
#[derive(Clone, Debug)]
struct Dy {
    m: BigInt,
    e: i64,
}

impl Dy {
    fn int(v: i128) -> Dy {
        Dy { m: BigInt::from(v), e: 0 }
    }
    /// The value of finite float bits (an infinity reads as 2^(emax+1), the step above the
    /// largest finite value, which is where it is used: as a rounding candidate).
    fn of(bits: u64, single: bool) -> Option<Dy> {
        let (eb, fb, bias) = if single { (8u32, 23u32, 127i64) } else { (11, 52, 1023) };
        let neg = bits >> (eb + fb) & 1 != 0;
        let e = ((bits >> fb) & ((1 << eb) - 1)) as i64;
        let f = bits & ((1 << fb) - 1);
        let (m, ex) = if e == (1 << eb) - 1 {
            if f != 0 {
                return None;
            }
            (1u64, bias + 1)
        } else if e == 0 {
            (f, 1 - bias - fb as i64)
        } else {
            (f | 1 << fb, e - bias - fb as i64)
        };
        let m = BigInt::from(m);
        Some(Dy { m: if neg { -m } else { m }, e: ex })
    }
    fn align(&self, e: i64) -> BigInt {
        &self.m << (self.e - e) as usize
    }
    fn add(&self, o: &Dy) -> Dy {
        let e = self.e.min(o.e);
        Dy { m: self.align(e) + o.align(e), e }
    }
    fn neg(&self) -> Dy {
        Dy { m: -&self.m, e: self.e }
    }
    fn mul(&self, o: &Dy) -> Dy {
        Dy { m: &self.m * &o.m, e: self.e + o.e }
    }
    fn eq(&self, o: &Dy) -> bool {
        let e = self.e.min(o.e);
        self.align(e) == o.align(e)
    }
}

/// Derives the RMM result from the host's RNE and RTZ results: RMM differs from RNE only
/// when the exact result is a tie, i.e. exactly the midpoint between the truncated result
/// z and its neighbour u away from zero; then RMM gives u with RNE's flags (at a tie both
/// are inexact, and tininess and overflow are decided alike: the one tie where u is an
/// overflow or the smallest normal has an odd z, so RNE also picks u). `is_tie(mid)`
/// compares the operation's exact result with the midpoint.
fn rmm_from(single: bool, rne: (u64, u8), rtz: (u64, u8), is_tie: impl Fn(&Dy) -> bool) -> (u64, u8) {
    if rtz.1 & flags::NX == 0 {
        return rne;
    }
    let z = if single { rtz.0 & 0xffff_ffff } else { rtz.0 };
    let u = z + 1; // one step up in magnitude, same sign
    let (Some(dz), Some(du)) = (Dy::of(z, single), Dy::of(u, single)) else { return rne };
    let sum = dz.add(&du);
    let mid = Dy { m: sum.m, e: sum.e - 1 };
    if is_tie(&mid) {
        TIES.fetch_add(1, Ordering::Relaxed);
        (if single { box_s(u as u32) } else { u }, rne.1)
    } else {
        rne
    }
}

/// The exact-result test for arithmetic op `op` on operand bits (singles unboxed).
fn arith_tie(op: Op, single: bool, a: u64, b: u64, c: u64) -> impl Fn(&Dy) -> bool {
    use Op::*;
    let (da, db, dc) = (Dy::of(a, single), Dy::of(b, single), Dy::of(c, single));
    move |mid: &Dy| {
        // Only finite operands reach here (an inexact result); c matters only for FMAs.
        let (Some(a), Some(b)) = (da.clone(), db.clone()) else { return false };
        let c = dc.clone().unwrap_or(Dy::int(0));
        match op {
            FaddS | FaddD => a.add(&b).eq(mid),
            FsubS | FsubD => a.add(&b.neg()).eq(mid),
            FmulS | FmulD => a.mul(&b).eq(mid),
            FmaddS | FmaddD => a.mul(&b).add(&c).eq(mid),
            FmsubS | FmsubD => a.mul(&b).add(&c.neg()).eq(mid),
            FnmsubS | FnmsubD => a.mul(&b).neg().add(&c).eq(mid),
            FnmaddS | FnmaddD => a.mul(&b).neg().add(&c.neg()).eq(mid),
            FdivS | FdivD => a.eq(&mid.mul(&b)),
            FsqrtS | FsqrtD => a.eq(&mid.mul(mid)),
            _ => unreachable!(),
        }
    }
}

/// A reference in any of the five modes: the four x86 modes directly, RMM derived.
fn with_rmm(rm: u8, single: bool, host: impl Fn(u8) -> (u64, u8), is_tie: impl Fn(&Dy) -> bool) -> (u64, u8) {
    if rm == RMM {
        rmm_from(single, host(0), host(1), is_tie)
    } else {
        host(rm)
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

const RMS: [u8; 5] = [0, 1, 2, 3, 4]; // RNE RTZ RDN RUP RMM

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
    println!(
        "{name}: {} operand sets x {} rounding modes, {bad} mismatches ({} RMM ties so far)",
        n,
        rms.len(),
        TIES.load(Ordering::Relaxed)
    );
    bad
}

/// Reads a single from a register value: not NaN-boxed reads as the canonical NaN (12.2).
fn unbox(v: u64) -> u32 {
    if v >> 32 == 0xffff_ffff {
        v as u32
    } else {
        CANONICAL_NAN_S
    }
}

/// NaN-boxes, but one time in 64 leaves the upper half not all ones.
fn maybe_box(r: &mut Rng, v: u32) -> u64 {
    if r.below(64) == 0 {
        (r.next() & 0xffff_fffe_0000_0000) | v as u64
    } else {
        box_s(v)
    }
}

/// A pair whose product (or quotient, for division) lands within a few ulps of a format
/// boundary: the smallest normal (tininess before/after rounding, 11.2) or the largest
/// finite value (overflow per rounding mode). `bound / b` is computed in f64 for singles
/// (exact enough to land within an ulp) and nudged by a few ulps.
fn boundary_s(r: &mut Rng) -> (u32, u32) {
    let b = 0x3f80_0000 | (r.next() as u32 & 0x7f_ffff); // [1, 2)
    let bound = if r.below(2) == 0 { f32::MIN_POSITIVE as f64 } else { f32::MAX as f64 };
    let a = ((bound / f32::from_bits(b) as f64) as f32).to_bits();
    let a = a.wrapping_add(r.below(7) as u32).wrapping_sub(3);
    let sign = r.next() as u32 & 0x8000_0000;
    (a | sign, b)
}

fn boundary_d(r: &mut Rng) -> (u64, u64) {
    let b = 0x3ff0_0000_0000_0000 | (r.next() & ((1 << 52) - 1));
    let bound = if r.below(2) == 0 { f64::MIN_POSITIVE } else { f64::MAX };
    let a = (bound / f64::from_bits(b)).to_bits();
    let a = a.wrapping_add(r.below(7)).wrapping_sub(3);
    (a | (r.next() & (1 << 63)), b)
}

fn gen_s3(r: &mut Rng) -> (u64, u64, u64) {
    let (a, b) = if r.below(8) == 0 {
        boundary_s(r)
    } else {
        let a = rand_s(r, 0x3f80_0000);
        (a, rand_s(r, a))
    };
    // The addend is often near the product's magnitude to exercise cancellation.
    let c = if r.below(2) == 0 {
        let p = f32::from_bits(a) * f32::from_bits(b);
        rand_s(r, (-p).to_bits())
    } else {
        rand_s(r, a)
    };
    (maybe_box(r, a), maybe_box(r, b), maybe_box(r, c))
}

fn gen_d3(r: &mut Rng) -> (u64, u64, u64) {
    let (a, b) = if r.below(8) == 0 {
        boundary_d(r)
    } else {
        let a = rand_d(r, 0x3ff0_0000_0000_0000);
        (a, rand_d(r, a))
    };
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
        bad += fuzz(&format!("{op:?}"), op, &RMS, gen_s3, |rm, a, b, c| {
            let (a, b, c) = (unbox(a), unbox(b), unbox(c));
            with_rmm(rm, true, |rm| ref_s(op, rm, a, b, c), arith_tie(op, true, a as u64, b as u64, c as u64))
        });
    }
    for op in [Op::FeqS, Op::FltS, Op::FleS] {
        bad += fuzz(&format!("{op:?}"), op, &[0], gen_s3, |_, a, b, _| {
            ref_cmp(op, unbox(a) as u64, unbox(b) as u64, false)
        });
    }
    for (op, max) in [(Op::FminS, false), (Op::FmaxS, true)] {
        bad += fuzz(&format!("{op:?}"), op, &[0], gen_s3, |_, a, b, _| ref_minmax_s(unbox(a), unbox(b), max));
    }
    bad += fuzz("FclassS", Op::FclassS, &[0], gen_s3, |_, a, _, _| {
        let a = unbox(a);
        let v = f32::from_bits(a);
        (ref_class(v.is_sign_negative(), v.classify(), a & 0x40_0000 != 0), 0)
    });
    // Sign injection: the magnitude of rs1 with a sign from rs2 (11.6).
    const S: u32 = 0x8000_0000;
    bad += fuzz("FsgnjS", Op::FsgnjS, &[0], gen_s3, |_, a, b, _| (box_s(unbox(a) & !S | unbox(b) & S), 0));
    bad += fuzz("FsgnjnS", Op::FsgnjnS, &[0], gen_s3, |_, a, b, _| (box_s(unbox(a) & !S | !unbox(b) & S), 0));
    bad += fuzz("FsgnjxS", Op::FsgnjxS, &[0], gen_s3, |_, a, b, _| (box_s(unbox(a) ^ (unbox(b) & S)), 0));
    assert_eq!(bad, 0, "single-precision mismatches");
}

#[test]
fn double_precision_matches_host_fpu() {
    let mut bad = 0;
    for op in [Op::FaddD, Op::FsubD, Op::FmulD, Op::FdivD, Op::FsqrtD, Op::FmaddD, Op::FmsubD, Op::FnmsubD, Op::FnmaddD]
    {
        bad += fuzz(&format!("{op:?}"), op, &RMS, gen_d3, |rm, a, b, c| {
            with_rmm(rm, false, |rm| ref_d(op, rm, a, b, c), arith_tie(op, false, a, b, c))
        });
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
            ref_to_int(f32::from_bits(unbox(a)) as f64, rm, lo, hi, sext)
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
            let exact = Dy::int(if signed { v as i64 as i128 } else { v as i128 });
            with_rmm(rm, !double, |rm| ref_from_int(v, signed, double, rm), |mid| exact.eq(mid))
        });
    }
    bad += fuzz("FcvtSD", Op::FcvtSD, &RMS, gen_d3, |rm, a, _, _| {
        let exact = Dy::of(a, false);
        with_rmm(rm, true, |rm| ref_cvt_sd(a, rm), |mid| exact.as_ref().is_some_and(|x| x.eq(mid)))
    });
    bad += fuzz("FcvtDS", Op::FcvtDS, &RMS, gen_s3, |_, a, _, _| ref_cvt_ds(unbox(a)));
    assert_eq!(bad, 0, "conversion mismatches");
}

/// The reference's premise: the host detects tininess after rounding, as RISC-V does
/// (Unprivileged 11.2). (1 + 2^-23) * (2^-126 - 2^-149) = 2^-126 (1 - 2^-46) is below
/// 2^-126 but rounds (24 bits, unbounded exponent) to 2^-126: no UF in RNE after
/// rounding, UF before rounding. In RTZ it stays tiny: UF either way.
#[test]
fn host_detects_tininess_after_rounding() {
    let (v, f) = ref_s(Op::FmulS, 0, 0x3f80_0001, 0x007f_ffff, 0);
    assert_eq!((v, f), (box_s(0x0080_0000), flags::NX), "host FPU detects tininess before rounding");
    let (v, f) = ref_s(Op::FmulS, 1, 0x3f80_0001, 0x007f_ffff, 0);
    assert_eq!((v, f), (box_s(0x007f_ffff), flags::UF | flags::NX));
    // And the emulator agrees on both.
    assert_eq!(compute(Op::FmulS, 0, box_s(0x3f80_0001), box_s(0x007f_ffff), 0), Some((box_s(0x0080_0000), flags::NX)));
}
