//! RV64I control transfer (Unprivileged 2.5): the six conditional branches taken and not
//! taken at signed/unsigned edges, JAL link value, JALR target formation (low bit
//! cleared, rd = rs1 uses the old rs1), and backward branches.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{check_eq, entry, finish};

entry!(main);

/// Returns 1 if `op a, b` branches, else 0.
macro_rules! taken {
    ($op:literal, $a:expr, $b:expr) => {{
        let r: u64;
        unsafe {
            asm!(
                "li {r}, 1",
                concat!($op, " {a}, {b}, 1f"),
                "li {r}, 0",
                "1:",
                r = out(reg) r, a = in(reg) ($a) as u64, b = in(reg) ($b) as u64
            )
        };
        r
    }};
}

macro_rules! test_br {
    ($op:literal, $a:expr, $b:expr, $exp:expr) => {
        check_eq!(concat!($op, " ", stringify!($a), ", ", stringify!($b)), taken!($op, $a, $b), $exp)
    };
}

fn main() -> u32 {
    test_br!("beq", 5, 5, 1);
    test_br!("beq", 5, 6, 0);
    test_br!("beq", 0, 1u64 << 32, 0);
    test_br!("bne", 5, 6, 1);
    test_br!("bne", -1i64, -1i64, 0);
    test_br!("blt", -1i64, 0, 1);
    test_br!("blt", 0, -1i64, 0);
    test_br!("blt", i64::MIN, i64::MAX, 1);
    test_br!("blt", 3, 3, 0);
    test_br!("bge", 3, 3, 1);
    test_br!("bge", -1i64, 0, 0);
    test_br!("bge", i64::MAX, i64::MIN, 1);
    test_br!("bltu", 0, -1i64, 1);
    test_br!("bltu", -1i64, 0, 0);
    test_br!("bltu", 7, 7, 0);
    test_br!("bgeu", -1i64, 0, 1);
    test_br!("bgeu", 0, -1i64, 0);
    test_br!("bgeu", 7, 7, 1);

    // Backward branch loop: counts down 10 times.
    let n: u64;
    unsafe {
        asm!("li {c}, 10", "li {n}, 0", "1: addi {n}, {n}, 1", "addi {c}, {c}, -1", "bnez {c}, 1b", c = out(reg) _, n = out(reg) n)
    };
    check_eq!("backward bnez loop", n, 10);

    // JAL writes pc+4 to rd.
    let (link, at): (u64, u64);
    unsafe {
        asm!(".option push", ".option norvc", "2: jal {l}, 1f", ".option pop", "1: lla {a}, 2b", l = out(reg) link, a = out(reg) at)
    };
    check_eq!("jal link = pc + 4", link, at + 4);
    // JALR: target = (rs1 + imm) & !1, link = pc + 4.
    let (link, at, hit): (u64, u64, u64);
    unsafe {
        asm!(
            "lla {t}, 3f",
            "addi {t}, {t}, -3", // odd: bit 0 must be cleared after adding imm
            "li {h}, 0",
            ".option push", ".option norvc",
            "2: jalr {l}, 4({t})", // (3f - 3 + 4) & !1 = 3f
            "li {h}, 99",
            ".option pop",
            "3: addi {h}, {h}, 1",
            "lla {a}, 2b",
            t = out(reg) _, l = out(reg) link, a = out(reg) at, h = out(reg) hit
        )
    };
    check_eq!("jalr clears bit 0 of target", hit, 1);
    check_eq!("jalr link = pc + 4", link, at + 4);
    // JALR with rd = rs1: the target uses the old value.
    let hit: u64;
    unsafe {
        asm!(
            "li {h}, 0",
            "lla t0, 3f",
            ".option push", ".option norvc",
            "jalr t0, 0(t0)",
            "li {h}, 99",
            ".option pop",
            "3: addi {h}, {h}, 1",
            h = out(reg) hit, out("t0") _
        )
    };
    check_eq!("jalr rd = rs1 jumps to old rs1", hit, 1);
    // Negative JALR offset.
    let hit: u64;
    unsafe {
        asm!(
            "li {h}, 0",
            "lla {t}, 3f",
            "addi {t}, {t}, 16",
            ".option push", ".option norvc",
            "jalr x0, -16({t})",
            "li {h}, 99",
            ".option pop",
            "3: addi {h}, {h}, 1",
            h = out(reg) hit, t = out(reg) _
        )
    };
    check_eq!("jalr negative offset", hit, 1);
    finish("rv64i_control")
}
