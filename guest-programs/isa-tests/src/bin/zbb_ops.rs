//! Zbb basic bit manipulation (Unprivileged "B" chapter, Zbb) on RV64: logic with
//! negation, counts (CLZ/CTZ/CPOP and their W forms, which look at bits 31..0 only),
//! signed/unsigned MIN/MAX, SEXT.B/SEXT.H/ZEXT.H (the RV64 encoding of ZEXT.H), rotations
//! (amounts modulo 64, or 32 for the W forms, which sign-extend bit 31), ORC.B and REV8
//! (the RV64 immediate). Expected values are worked out from the instructions' pseudocode.
#![no_std]
#![no_main]

use isa_tests::{entry, finish, test_r1_ext, test_ri_ext, test_rr_ext};

entry!(main);

macro_rules! rr {
    ($op:literal, $a:expr, $b:expr, $exp:expr) => {
        test_rr_ext!("+zbb", $op, $a, $b, $exp)
    };
}
macro_rules! ri {
    ($op:literal, $a:expr, $i:expr, $exp:expr) => {
        test_ri_ext!("+zbb", $op, $a, $i, $exp)
    };
}
macro_rules! r1 {
    ($op:literal, $a:expr, $exp:expr) => {
        test_r1_ext!("+zbb", $op, $a, $exp)
    };
}

const MIN: u64 = 1 << 63;
const MAX: u64 = MIN - 1;

fn main() -> u32 {
    rr!("andn", 0xff00_ff00_ff00_ff00u64, 0x0ff0_0ff0_0ff0_0ff0u64, 0xf000_f000_f000_f000u64);
    rr!("orn", 0, 0xffff_ffff_0000_0000u64, 0xffff_ffffu64);
    rr!("orn", 1, -1i64, 1);
    rr!("xnor", 0xff00_ff00_ff00_ff00u64, 0x0ff0_0ff0_0ff0_0ff0u64, 0x0f0f_0f0f_0f0f_0f0fu64);
    // Counts: of zero they give XLEN (or 32 for the W forms).
    r1!("clz", 0, 64);
    r1!("clz", 1, 63);
    r1!("clz", MIN, 0);
    r1!("clz", 0x1_0000u64, 47);
    r1!("clzw", 0, 32);
    r1!("clzw", 0xffff_ffff_0000_0001u64, 31);
    r1!("clzw", 0x8000_0000u64, 0);
    r1!("clzw", 0x1_0000_0000u64, 32);
    r1!("ctz", 0, 64);
    r1!("ctz", MIN, 63);
    r1!("ctz", 0x100, 8);
    r1!("ctz", -1i64, 0);
    r1!("ctzw", 0, 32);
    r1!("ctzw", 0x1_0000_0000u64, 32);
    r1!("ctzw", 0x8000_0000u64, 31);
    r1!("cpop", 0, 0);
    r1!("cpop", -1i64, 64);
    r1!("cpop", 0x0123_4567_89ab_cdefu64, 32);
    r1!("cpopw", -1i64, 32);
    r1!("cpopw", 0xffff_ffff_0000_0007u64, 3);
    // MIN/MAX signed and unsigned.
    rr!("max", -1i64, 1, 1);
    rr!("max", MIN, MAX, MAX);
    rr!("maxu", -1i64, 1, -1i64);
    rr!("min", -1i64, 1, -1i64);
    rr!("min", MIN, MAX, MIN);
    rr!("minu", -1i64, 1, 1);
    rr!("minu", 0, -1i64, 0);
    // Sign and zero extension.
    r1!("sext.b", 0x80, 0xffff_ffff_ffff_ff80u64);
    r1!("sext.b", 0x1234_567fu64, 0x7f);
    r1!("sext.h", 0x8000, 0xffff_ffff_ffff_8000u64);
    r1!("sext.h", 0xffff_0000_0000_7fffu64, 0x7fff);
    r1!("zext.h", -1i64, 0xffff);
    r1!("zext.h", 0x1234_5678_9abc_def0u64, 0xdef0);
    // Rotations.
    rr!("rol", 0x8000_0000_0000_0001u64, 1, 3);
    rr!("rol", 0x8000_0000_0000_0001u64, 64, 0x8000_0000_0000_0001u64);
    rr!("rol", 0x0123_4567_89ab_cdefu64, 4, 0x1234_5678_9abc_def0u64);
    rr!("rolw", 0x8000_0001u64, 1, 3);
    rr!("rolw", 0x4000_0000u64, 1, 0xffff_ffff_8000_0000u64);
    rr!("rolw", 0xffff_ffff_0000_0001u64, 33, 2);
    rr!("ror", 3, 1, 0x8000_0000_0000_0001u64);
    rr!("ror", 0x1234, 0, 0x1234);
    rr!("ror", 0x0123_4567_89ab_cdefu64, 4, 0xf012_3456_789a_bcdeu64);
    rr!("ror", 0x0123_4567_89ab_cdefu64, 68, 0xf012_3456_789a_bcdeu64);
    ri!("rori", 0x0123_4567_89ab_cdefu64, 63, 0x0246_8acf_1357_9bdeu64);
    ri!("rori", 1, 1, MIN);
    ri!("rori", 0x1234, 0, 0x1234);
    rr!("rorw", 1, 1, 0xffff_ffff_8000_0000u64);
    rr!("rorw", 0x1234_5678, 0, 0x1234_5678);
    rr!("rorw", 0xffff_ffff_0000_0002u64, 1, 1);
    ri!("roriw", 1, 31, 2);
    ri!("roriw", 0x8000_0000_1234_5678u64, 4, 0xffff_ffff_8123_4567u64);
    ri!("roriw", 0xffff_ffff_0000_0001u64, 0, 1);
    // ORC.B and REV8.
    r1!("orc.b", 0x0001_0000_8000_00ffu64, 0x00ff_0000_ff00_00ffu64);
    r1!("orc.b", 0, 0);
    r1!("orc.b", 0x0102_0304_0506_0708u64, -1i64);
    r1!("rev8", 0x0102_0304_0506_0708u64, 0x0807_0605_0403_0201u64);
    r1!("rev8", 0xff, 0xff00_0000_0000_0000u64);
    finish("zbb_ops")
}
