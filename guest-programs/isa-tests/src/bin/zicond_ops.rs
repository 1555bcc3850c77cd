//! Zicond conditional zero (Unprivileged "Zicond" chapter): CZERO.EQZ rd = (rs2 == 0) ?
//! 0 : rs1 and CZERO.NEZ rd = (rs2 != 0) ? 0 : rs1, testing all 64 bits of rs2, and the
//! select idiom `c ? a : b` = czero.nez(b, c) | czero.eqz(a, c).
//!
//! Not run on QEMU 7.2, which predates Zicond (QEMU 8.1 added it).
#![no_std]
#![no_main]

use isa_tests::{check_eq, entry, finish, rr_ext, test_rr_ext};

entry!(main);

macro_rules! rr {
    ($op:literal, $a:expr, $b:expr, $exp:expr) => {
        test_rr_ext!("+zicond", $op, $a, $b, $exp)
    };
}

fn select(c: u64, a: u64, b: u64) -> u64 {
    rr_ext!("+zicond", "czero.nez", b, c) | rr_ext!("+zicond", "czero.eqz", a, c)
}

fn main() -> u32 {
    rr!("czero.eqz", 7, 0, 0);
    rr!("czero.eqz", 7, 1, 7);
    rr!("czero.eqz", 7, 1u64 << 63, 7);
    rr!("czero.eqz", -1i64, 1u64 << 32, -1i64);
    rr!("czero.nez", 7, 0, 7);
    rr!("czero.nez", 7, 2, 0);
    rr!("czero.nez", -1i64, 0, -1i64);
    rr!("czero.nez", -1i64, 1u64 << 32, 0);
    check_eq!("select taken", select(1, 0x1111, 0x2222), 0x1111);
    check_eq!("select not taken", select(0, 0x1111, 0x2222), 0x2222);
    finish("zicond_ops")
}
