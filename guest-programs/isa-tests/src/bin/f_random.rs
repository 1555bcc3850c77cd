//! F and D against QEMU's soft-float (an implementation independent of the Berkeley
//! SoftFloat the emulator uses): every F/D operation in every rounding mode, including
//! RMM, on pseudo-random operands biased to edge cases (signed zeros, subnormals,
//! infinities, both NaN kinds, near-overflow and near-underflow exponents, improperly
//! NaN-boxed singles). Each (result, fflags) pair is folded into a per-operation hash; the
//! program prints the hashes and passes when the combined hash equals [`QEMU_HASH`], the
//! value QEMU 7.2 (`qemu-system-riscv64 -machine virt -bios none`) prints for this program.
//! On a mismatch, diff this program's output on QEMU and on the emulator to find the
//! operation.
#![no_std]
#![no_main]

#[path = "fp_common/mod.rs"]
mod common;
use common::Op::*;
use common::*;
use isa_tests::{entry, println};

entry!(main);

/// The combined hash QEMU 7.2 computes for this program.
const QEMU_HASH: u64 = 0x4577_6fb8_f55f_a8d9;
/// Operand sets per operation and rounding mode.
const N: u32 = 2000;

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

fn rand_s(r: &mut Rng, near: u32) -> u64 {
    let sign = (r.next() as u32) & 0x8000_0000;
    let frac = (r.next() as u32) & 0x7f_ffff;
    let v = match r.below(9) {
        0 | 1 => r.next() as u32,
        2 => {
            const SPECIALS: [u32; 9] =
                [0, 0x7f80_0000, 0x7fc0_0000, 0x7f80_0001, 1, 0x7f_ffff, 0x80_0000, 0x7f7f_ffff, 0x3f80_0000];
            sign | SPECIALS[r.below(9) as usize]
        }
        3 => sign | frac,
        4 => sign | ((0xfc + r.below(3) as u32) << 23) | frac,
        5 => sign | ((1 + r.below(3) as u32) << 23) | frac,
        6 => sign | ((0x7f - 12 + r.below(24) as u32) << 23) | (frac & !((1 << r.below(24)) - 1)),
        7 => near ^ (r.next() as u32 & 0xf),
        _ => sign | 0x7f80_0000 | frac | 1,
    };
    // One in 32 singles is not NaN-boxed (reads as the canonical NaN).
    if r.below(32) == 0 {
        v as u64
    } else {
        bx(v)
    }
}

fn rand_d(r: &mut Rng, near: u64) -> u64 {
    let sign = r.next() & (1 << 63);
    let frac = r.next() & ((1 << 52) - 1);
    match r.below(9) {
        0 | 1 => r.next(),
        2 => {
            const SPECIALS: [u64; 8] = [
                0,
                0x7ff0_0000_0000_0000,
                0x7ff8_0000_0000_0000,
                0x7ff0_0000_0000_0001,
                1,
                0x0010_0000_0000_0000,
                0x7fef_ffff_ffff_ffff,
                0x3ff0_0000_0000_0000,
            ];
            sign | SPECIALS[r.below(8) as usize]
        }
        3 => sign | frac,
        4 => sign | ((0x7fc + r.below(3)) << 52) | frac,
        5 => sign | ((1 + r.below(3)) << 52) | frac,
        6 => sign | ((0x3ff - 30 + r.below(60)) << 52) | (frac & !((1 << r.below(53)) - 1)),
        7 => near ^ (r.next() & 0xf),
        _ => sign | 0x7ff0_0000_0000_0000 | frac | 1,
    }
}

fn rand_int(r: &mut Rng) -> u64 {
    match r.below(4) {
        0 => r.next(),
        1 => (r.next() as i64 >> r.below(64)) as u64,
        2 => (1u64 << r.below(64)).wrapping_add(r.below(5)).wrapping_sub(2),
        _ => (r.next() as i32) as i64 as u64,
    }
}

/// FNV-1a over the 64-bit words.
fn mix(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(0x100_0000_01b3)
}

/// Which operand kinds an operation takes.
#[derive(Clone, Copy)]
enum Kind {
    S,
    D,
    Int,
}

fn main() -> u32 {
    enable_fs();
    let ops: [(common::Op, Kind, bool); 58] = [
        (fadd_s, Kind::S, true),
        (fsub_s, Kind::S, true),
        (fmul_s, Kind::S, true),
        (fdiv_s, Kind::S, true),
        (fsqrt_s, Kind::S, true),
        (fmadd_s, Kind::S, true),
        (fmsub_s, Kind::S, true),
        (fnmsub_s, Kind::S, true),
        (fnmadd_s, Kind::S, true),
        (fsgnj_s, Kind::S, false),
        (fsgnjn_s, Kind::S, false),
        (fsgnjx_s, Kind::S, false),
        (fmin_s, Kind::S, false),
        (fmax_s, Kind::S, false),
        (feq_s, Kind::S, false),
        (flt_s, Kind::S, false),
        (fle_s, Kind::S, false),
        (fclass_s, Kind::S, false),
        (fcvt_w_s, Kind::S, true),
        (fcvt_wu_s, Kind::S, true),
        (fcvt_l_s, Kind::S, true),
        (fcvt_lu_s, Kind::S, true),
        (fcvt_s_w, Kind::Int, true),
        (fcvt_s_wu, Kind::Int, true),
        (fcvt_s_l, Kind::Int, true),
        (fcvt_s_lu, Kind::Int, true),
        (fmv_x_w, Kind::S, false),
        (fmv_w_x, Kind::Int, false),
        (fadd_d, Kind::D, true),
        (fsub_d, Kind::D, true),
        (fmul_d, Kind::D, true),
        (fdiv_d, Kind::D, true),
        (fsqrt_d, Kind::D, true),
        (fmadd_d, Kind::D, true),
        (fmsub_d, Kind::D, true),
        (fnmsub_d, Kind::D, true),
        (fnmadd_d, Kind::D, true),
        (fsgnj_d, Kind::D, false),
        (fsgnjn_d, Kind::D, false),
        (fsgnjx_d, Kind::D, false),
        (fmin_d, Kind::D, false),
        (fmax_d, Kind::D, false),
        (feq_d, Kind::D, false),
        (flt_d, Kind::D, false),
        (fle_d, Kind::D, false),
        (fclass_d, Kind::D, false),
        (fcvt_w_d, Kind::D, true),
        (fcvt_wu_d, Kind::D, true),
        (fcvt_l_d, Kind::D, true),
        (fcvt_lu_d, Kind::D, true),
        (fcvt_d_w, Kind::Int, true),
        (fcvt_d_wu, Kind::Int, true),
        (fcvt_d_l, Kind::Int, true),
        (fcvt_d_lu, Kind::Int, true),
        (fcvt_s_d, Kind::D, true),
        (fcvt_d_s, Kind::S, true),
        (fmv_x_d, Kind::D, false),
        (fmv_d_x, Kind::Int, false),
    ];
    let mut total = 0xcbf2_9ce4_8422_2325u64;
    for (k, &(op, kind, rounds)) in ops.iter().enumerate() {
        let rms: &[u8] = if rounds { &[RNE, RTZ, RDN, RUP, RMM] } else { &[RNE] };
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for &rm in rms {
            let mut r = Rng(0x9e37_79b9_7f4a_7c15 ^ ((k as u64) << 8) ^ rm as u64);
            for _ in 0..N {
                let (a, b, c) = match kind {
                    Kind::S => {
                        let a = rand_s(&mut r, 0x3f80_0000);
                        let b = rand_s(&mut r, a as u32);
                        (a, b, rand_s(&mut r, a as u32 ^ 0x8000_0000))
                    }
                    Kind::D => {
                        let a = rand_d(&mut r, 0x3ff0_0000_0000_0000);
                        let b = rand_d(&mut r, a);
                        (a, b, rand_d(&mut r, a ^ (1 << 63)))
                    }
                    Kind::Int => (rand_int(&mut r), 0, 0),
                };
                let (v, f) = run(op, rm, a, b, c);
                h = mix(mix(h, v), f);
            }
        }
        println!("{:?} {:#018x}", op, h);
        total = mix(total, h);
    }
    println!("f_random: combined hash {:#018x}, QEMU's {:#018x}", total, QEMU_HASH);
    (total != QEMU_HASH) as u32
}
