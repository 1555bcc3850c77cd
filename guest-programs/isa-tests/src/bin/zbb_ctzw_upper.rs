//! CTZW counts trailing zeros of bits 31..0 only (Unprivileged "B" chapter, `ctzw`: the
//! loop runs over bits 0..31 and gives 32 when none is set), whatever the upper half holds.
//!
//! Known QEMU 7.2 deviation (a QEMU bug): when bits 31..0 are zero and the upper half is
//! not, it returns the trailing-zero count of the whole register (63 for 1 << 63).
#![no_std]
#![no_main]

use isa_tests::{entry, finish, test_r1_ext};

entry!(main);

fn main() -> u32 {
    test_r1_ext!("+zbb", "ctzw", 0x8000_0000_0000_0000u64, 32);
    test_r1_ext!("+zbb", "ctzw", 0x0040_0180_0000_0000u64, 32);
    test_r1_ext!("+zbb", "ctzw", 0xffff_ffff_0000_0000u64, 32);
    test_r1_ext!("+zbb", "ctzw", 0xffff_ffff_8000_0000u64, 31);
    finish("zbb_ctzw_upper")
}
