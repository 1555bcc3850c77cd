//! Zbs single-bit instructions (Unprivileged "B" chapter, Zbs) on RV64: BCLR/BEXT/BINV/
//! BSET take the bit index from rs2 modulo 64, the immediate forms a 6-bit shamt (up to
//! 63); BSETI at bit 31 does not sign-extend. Expected values from the pseudocode.
#![no_std]
#![no_main]

use isa_tests::{entry, finish, test_ri_ext, test_rr_ext};

entry!(main);

macro_rules! rr {
    ($op:literal, $a:expr, $b:expr, $exp:expr) => {
        test_rr_ext!("+zbs", $op, $a, $b, $exp)
    };
}
macro_rules! ri {
    ($op:literal, $a:expr, $i:expr, $exp:expr) => {
        test_ri_ext!("+zbs", $op, $a, $i, $exp)
    };
}

const MIN: u64 = 1 << 63;
const MAX: u64 = MIN - 1;

fn main() -> u32 {
    rr!("bclr", -1i64, 0, -2i64);
    rr!("bclr", -1i64, 63, MAX);
    rr!("bclr", -1i64, 64, -2i64);
    ri!("bclri", -1i64, 63, MAX);
    ri!("bclri", 0x10, 4, 0);
    rr!("bext", MIN, 63, 1);
    rr!("bext", MIN, 127, 1);
    rr!("bext", 0x10, 3, 0);
    ri!("bexti", MIN, 63, 1);
    ri!("bexti", 0x10, 4, 1);
    ri!("bexti", MAX, 63, 0);
    rr!("binv", 0, 63, MIN);
    rr!("binv", 1, 0, 0);
    rr!("binv", 0, 66, 4);
    ri!("binvi", MIN, 63, 0);
    ri!("binvi", 0, 32, 0x1_0000_0000u64);
    rr!("bset", 0, 63, MIN);
    rr!("bset", 0, 65, 2);
    ri!("bseti", 0, 31, 0x8000_0000u64);
    ri!("bseti", 5, 0, 5);
    ri!("bseti", 0, 63, MIN);
    finish("zbs_ops")
}
