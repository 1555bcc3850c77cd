//! Zbc carry-less multiplication (Unprivileged "B" chapter, Zbc) on RV64: CLMUL gives bits
//! 63..0 of the 128-bit carry-less product, CLMULH bits 127..64 and CLMULR bits 126..63.
//! Expected values are products of polynomials over GF(2) worked by hand.
#![no_std]
#![no_main]

use isa_tests::{entry, finish, test_rr_ext};

entry!(main);

macro_rules! rr {
    ($op:literal, $a:expr, $b:expr, $exp:expr) => {
        test_rr_ext!("+zbc", $op, $a, $b, $exp)
    };
}

const MIN: u64 = 1 << 63;

fn main() -> u32 {
    // (x + 1)(x + 1) = x^2 + 1.
    rr!("clmul", 3, 3, 5);
    rr!("clmulh", 3, 3, 0);
    rr!("clmulr", 3, 3, 0);
    // (x^7 + x^2 + x + 1)(x + 1) = x^8 + x^7 + x^3 + 1.
    rr!("clmul", 0x87, 3, 0x189);
    rr!("clmul", 0x1234, 0, 0);
    rr!("clmul", 0x1234_5678_9abc_def0u64, 1, 0x1234_5678_9abc_def0u64);
    // x^63 * x = x^64: only in the high half; CLMULR sees it at bit 1.
    rr!("clmul", MIN, 2, 0);
    rr!("clmulh", MIN, 2, 1);
    rr!("clmulr", MIN, 2, 2);
    // (x^63 + 1)^2 = x^126 + 1.
    rr!("clmul", MIN | 1, MIN | 1, 1);
    rr!("clmulh", MIN | 1, MIN | 1, 1u64 << 62);
    rr!("clmulr", MIN | 1, MIN | 1, MIN);
    // The square of all ones has every even power x^0 .. x^126.
    rr!("clmul", -1i64, -1i64, 0x5555_5555_5555_5555u64);
    rr!("clmulh", -1i64, -1i64, 0x5555_5555_5555_5555u64);
    rr!("clmulr", -1i64, -1i64, 0xaaaa_aaaa_aaaa_aaaau64);
    finish("zbc_ops")
}
