//! The M extension (Unprivileged ch. 13): MUL/MULH/MULHSU/MULHU, DIV/DIVU/REM/REMU and
//! the W forms, with the special cases of table 13.1 (division by zero and the signed
//! overflow MIN / -1, which do not trap) and sign extension of every W result.
#![no_std]
#![no_main]

use isa_tests::{entry, finish, test_rr};

entry!(main);

const MIN: i64 = i64::MIN;
const MAX: i64 = i64::MAX;
const MIN32: i64 = i32::MIN as i64;

fn main() -> u32 {
    test_rr!("mul", 3, 7, 21);
    test_rr!("mul", -3i64, 7, -21i64);
    test_rr!("mul", MAX, 2, -2i64);
    test_rr!("mul", MIN, -1i64, MIN);
    test_rr!("mul", 0x1_0000_0001u64, 0x1_0000_0001u64, 0x2_0000_0001u64);
    test_rr!("mulh", -1i64, -1i64, 0);
    test_rr!("mulh", MIN, MIN, 0x4000_0000_0000_0000u64);
    test_rr!("mulh", MIN, 2, -1i64);
    test_rr!("mulh", MAX, MAX, 0x3fff_ffff_ffff_ffffu64);
    test_rr!("mulh", -2i64, 3, -1i64);
    test_rr!("mulhu", -1i64, -1i64, -2i64);
    test_rr!("mulhu", MIN, 2, 1);
    test_rr!("mulhu", 0x1_0000_0000u64, 0x1_0000_0000u64, 1);
    // MULHSU: rs1 signed, rs2 unsigned.
    test_rr!("mulhsu", -1i64, -1i64, -1i64);
    test_rr!("mulhsu", 1, -1i64, 0);
    test_rr!("mulhsu", MIN, -1i64, MIN); // -2^63 * (2^64-1) = -2^127 + 2^63
    test_rr!("mulhsu", 2, MIN, 1);
    test_rr!("div", 20, 6, 3);
    test_rr!("div", -20i64, 6, -3i64); // rounds toward zero
    test_rr!("div", 20, -6i64, -3i64);
    test_rr!("div", -20i64, -6i64, 3);
    test_rr!("div", MIN, -1i64, MIN); // overflow
    test_rr!("div", 5, 0, -1i64); // divide by zero
    test_rr!("div", MIN, 0, -1i64);
    test_rr!("divu", 20, 6, 3);
    test_rr!("divu", -20i64, 6, 0x2aaa_aaaa_aaaa_aaa7u64);
    test_rr!("divu", MIN, -1i64, 0);
    test_rr!("divu", 5, 0, u64::MAX);
    test_rr!("rem", 20, 6, 2);
    test_rr!("rem", -20i64, 6, -2i64); // sign of dividend
    test_rr!("rem", 20, -6i64, 2);
    test_rr!("rem", MIN, -1i64, 0); // overflow
    test_rr!("rem", -5i64, 0, -5i64); // divide by zero returns the dividend
    test_rr!("remu", 20, 6, 2);
    test_rr!("remu", -20i64, 6, 2); // 2^64-20 = 6 * 0x2aaa..aaa7 + 2
    test_rr!("remu", MIN, -1i64, MIN);
    test_rr!("remu", 5, 0, 5);
    test_rr!("remu", -1i64, 0, -1i64);

    // W forms: 32-bit operands (upper halves ignored), sign-extended 32-bit results.
    test_rr!("mulw", 0x7fff_ffffu64, 2, -2i64);
    test_rr!("mulw", 0x1_0000_0003u64, 0x5_0000_0007u64, 21);
    test_rr!("mulw", 0x10000u64, 0x8000u64, 0xffff_ffff_8000_0000u64);
    test_rr!("mulw", -1i64, -1i64, 1);
    test_rr!("divw", 20, 6, 3);
    test_rr!("divw", 0xffff_ffff_ffff_ffecu64 & 0xffff_ffff, 6, -3i64); // -20 in 32 bits
    test_rr!("divw", 0x1234_0000_0000_0014u64, 6, 3);
    test_rr!("divw", MIN32, -1i64, MIN32); // overflow
    test_rr!("divw", 0x8000_0000u64, 0xffff_ffffu64, MIN32); // same, upper bits clear
    test_rr!("divw", 5, 0, -1i64);
    test_rr!("divw", 5, 0x1_0000_0000u64, -1i64); // low 32 bits of divisor are zero
    test_rr!("divuw", 20, 6, 3);
    test_rr!("divuw", 0xffff_fffeu64, 1, -2i64); // 32-bit result sign-extended
    test_rr!("divuw", 0xffff_ffec_u64, 6, 0x2aaa_aaa7);
    test_rr!("divuw", MIN32, -1i64, 0);
    test_rr!("divuw", 5, 0, -1i64); // 2^32-1, sign-extended
    test_rr!("remw", 20, 6, 2);
    test_rr!("remw", -20i64, 6, -2i64);
    test_rr!("remw", MIN32, -1i64, 0); // overflow
    test_rr!("remw", 0x1_8000_0005u64, 0, 0xffff_ffff_8000_0005u64); // sext(x[31:0])
    test_rr!("remw", 0x1_0000_0005u64, 0, 5);
    test_rr!("remuw", 20, 6, 2);
    test_rr!("remuw", 0xffff_ffffu64, 0x10u64, 15);
    test_rr!("remuw", MIN32, -1i64, MIN32); // 0x80000000 % 0xffffffff, sign-extended
    test_rr!("remuw", 0x1_8000_0005u64, 0, 0xffff_ffff_8000_0005u64);
    test_rr!("remuw", 7, 0x1_0000_0000u64, 7);
    finish("rv64m_muldiv")
}
