//! Zba address generation (Unprivileged "B" chapter, Zba): ADD.UW, SH1ADD/SH2ADD/SH3ADD,
//! their .UW forms and SLLI.UW on RV64. The .UW forms zero-extend the low 32 bits of rs1
//! before shifting; the plain shNadd use all 64 bits; results wrap modulo 2^64.
//! Expected values are worked out from the instructions' pseudocode.
#![no_std]
#![no_main]

use isa_tests::{entry, finish, test_r1_ext, test_ri_ext, test_rr_ext};

entry!(main);

macro_rules! rr {
    ($op:literal, $a:expr, $b:expr, $exp:expr) => {
        test_rr_ext!("+zba", $op, $a, $b, $exp)
    };
}

const MIN: u64 = 1 << 63;

fn main() -> u32 {
    // ADD.UW: X(rd) = X(rs2) + zext(X(rs1)[31:0]).
    rr!("add.uw", 0xffff_ffff_8000_0000u64, 1, 0x8000_0001u64);
    rr!("add.uw", -1i64, -1i64, 0xffff_fffeu64);
    rr!("add.uw", 0x1234_5678_9abc_def0u64, 0x10, 0x9abc_df00u64);
    // ZEXT.W is ADD.UW rd, rs1, x0.
    test_r1_ext!("+zba", "zext.w", 0xffff_ffff_ffff_fffeu64, 0xffff_fffeu64);
    test_r1_ext!("+zba", "zext.w", 0x7fff_ffffu64, 0x7fff_ffffu64);
    // SHnADD: X(rd) = X(rs2) + (X(rs1) << n), all 64 bits of rs1.
    rr!("sh1add", 3, 10, 16);
    rr!("sh1add", MIN | 1, 0, 2);
    rr!("sh1add", -1i64, 0, -2i64);
    rr!("sh2add", 3, 10, 22);
    rr!("sh2add", 0x4000_0000_0000_0001u64, 1, 5);
    rr!("sh3add", 3, 10, 34);
    rr!("sh3add", -1i64, 8, 0);
    // SHnADD.UW: X(rd) = X(rs2) + (zext(X(rs1)[31:0]) << n).
    rr!("sh1add.uw", -1i64, 0, 0x1_ffff_fffeu64);
    rr!("sh1add.uw", 0x1_8000_0000u64, 1, 0x1_0000_0001u64);
    rr!("sh2add.uw", -1i64, 4, 0x4_0000_0000u64);
    rr!("sh3add.uw", 0x1_0000_0002u64, 0x100, 0x110);
    rr!("sh3add.uw", -1i64, 0, 0x7_ffff_fff8u64);
    // SLLI.UW: zext(X(rs1)[31:0]) << shamt, shamt 0..63 (bits shifted past 63 are lost).
    test_ri_ext!("+zba", "slli.uw", -1i64, 0, 0xffff_ffffu64);
    test_ri_ext!("+zba", "slli.uw", -1i64, 32, 0xffff_ffff_0000_0000u64);
    test_ri_ext!("+zba", "slli.uw", 0x8000_0001u64, 63, MIN);
    test_ri_ext!("+zba", "slli.uw", 0x1234_5678_9abc_def0u64, 4, 0x9_abcd_ef00u64);
    finish("zba_ops")
}
