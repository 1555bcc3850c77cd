//! Compressed immediates, bit by bit (Unprivileged ch. 16, the CIW/CI/CSS/CL/CS/CB/CJ
//! immediate layouts): every immediate bit of every compressed format is exercised
//! alone, so a mis-wired scrambled field cannot hide behind an all-ones value. Loads and
//! stores are cross-checked against the 32-bit forms at the same offset; jumps and
//! branches over a gap of illegal parcels must land exactly on their target.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{catch, check_eq, entry, finish};

entry!(main);

macro_rules! addi4spn {
    ($($imm:literal),*) => {$(
        let (sp, r): (u64, u64);
        unsafe { asm!("mv {s}, sp", concat!("c.addi4spn a0, sp, ", $imm), s = out(reg) sp, out("a0") r) };
        check_eq!(concat!("c.addi4spn ", $imm), r - sp, $imm);
    )*};
}

macro_rules! addi16sp {
    ($($imm:literal),*) => {$(
        let (a, b): (u64, u64);
        unsafe {
            asm!("mv {a}, sp", concat!("c.addi16sp sp, ", $imm), "mv {b}, sp", "mv sp, {a}",
                 a = out(reg) a, b = out(reg) b)
        };
        check_eq!(concat!("c.addi16sp ", $imm), b.wrapping_sub(a), ($imm as i64));
    )*};
}

macro_rules! ci_op {
    ($insn:literal, $init:expr, $($imm:literal => $exp:expr),*) => {$(
        let mut r: u64 = $init;
        unsafe { asm!(concat!($insn, " a0, ", $imm), inout("a0") r) };
        check_eq!(concat!($insn, " ", $imm), r, $exp);
    )*};
}

/// Compressed store at `off`, 32-bit load at `off` (and the reverse).
macro_rules! sp_mem {
    ($cst:literal, $cld:literal, $st:literal, $ld:literal, $($off:literal),*) => {$(
        let (a, b): (u64, u64);
        unsafe {
            asm!(
                "addi sp, sp, -512",
                concat!($cst, " a1, ", $off, "(sp)"),
                concat!($ld, " {a}, ", $off, "(sp)"),
                concat!($st, " a2, ", $off, "(sp)"),
                concat!($cld, " a3, ", $off, "(sp)"),
                "addi sp, sp, 512",
                a = out(reg) a, in("a1") 0x1122_3344_5566_7788u64, in("a2") 0x0102_0304_0506_0708u64,
                out("a3") b
            )
        };
        check_eq!(concat!($cst, " ", $off, "(sp)"), a, unsafe { mask_like($ld, 0x1122_3344_5566_7788) });
        check_eq!(concat!($cld, " ", $off, "(sp)"), b, unsafe { mask_like($ld, 0x0102_0304_0506_0708) });
    )*};
}

macro_rules! reg_mem {
    ($cst:literal, $cld:literal, $st:literal, $ld:literal, $($off:literal),*) => {$(
        let mut buf = [0u64; 40];
        let (a, b): (u64, u64);
        unsafe {
            asm!(
                concat!($cst, " a1, ", $off, "(a0)"),
                concat!($ld, " {a}, ", $off, "(a0)"),
                concat!($st, " a2, ", $off, "(a0)"),
                concat!($cld, " a3, ", $off, "(a0)"),
                a = out(reg) a, in("a0") buf.as_mut_ptr(), in("a1") 0x1122_3344_5566_7788u64,
                in("a2") 0x0102_0304_0506_0708u64, out("a3") b
            )
        };
        let _ = &mut buf;
        check_eq!(concat!($cst, " ", $off, "(a0)"), a, unsafe { mask_like($ld, 0x1122_3344_5566_7788) });
        check_eq!(concat!($cld, " ", $off, "(a0)"), b, unsafe { mask_like($ld, 0x0102_0304_0506_0708) });
    )*};
}

/// The value a load of kind `ld` returns after storing `v` with the same width.
unsafe fn mask_like(ld: &str, v: u64) -> u64 {
    if ld == "lw" {
        v as i32 as i64 as u64
    } else {
        v
    }
}

/// A jump/branch forward over `gap` bytes of illegal zero parcels.
macro_rules! fwd {
    ($name:literal, $setup:literal, $insn:literal, $gap:literal) => {{
        let t = catch(|| unsafe {
            asm!($setup, concat!($insn, " 1f"), concat!(".fill ", $gap, "/2, 2, 0"), "1:", out("a0") _)
        });
        check_eq!(concat!($name, " forward over ", $gap), t.is_some(), false);
    }};
}

/// A jump/branch backward by `gap` bytes: jump over the gap, then back to its start.
macro_rules! back {
    ($name:literal, $setup:literal, $insn:literal, $gap:literal) => {{
        let t = catch(|| unsafe {
            asm!(
                $setup,
                "j 3f",
                "2: j 4f",
                concat!(".fill (", $gap, "-2)/2, 2, 0"),
                concat!("3: ", $insn, " 2b"),
                "4:",
                out("a0") _
            )
        });
        check_eq!(concat!($name, " backward by ", $gap), t.is_some(), false);
    }};
}

fn main() -> u32 {
    addi4spn!(4, 8, 16, 32, 64, 128, 256, 512);
    addi16sp!(16, 32, 64, 128, 256, -512, -16);
    ci_op!("c.li", 0, 1 => 1, 2 => 2, 4 => 4, 8 => 8, 16 => 16, -32 => -32i64 as u64);
    ci_op!("c.addi", 100, 1 => 101, 2 => 102, 4 => 104, 8 => 108, 16 => 116, -32 => 68);
    ci_op!("c.addiw", 0xffff_ffff, 1 => 0, 16 => 15, -32 => -33i64 as u64);
    ci_op!("c.andi", u64::MAX, 1 => 1, 2 => 2, 4 => 4, 8 => 8, 16 => 16, -32 => -32i64 as u64);
    ci_op!("c.lui", 0, 1 => 0x1000, 2 => 0x2000, 4 => 0x4000, 8 => 0x8000, 16 => 0x10000,
           0xfffe0 => 0xffff_ffff_fffe_0000u64);
    ci_op!("c.slli", 1, 1 => 2, 2 => 4, 4 => 16, 8 => 256, 16 => 0x10000, 32 => 1u64 << 32);
    ci_op!("c.srli", 1u64 << 63, 1 => 1u64 << 62, 2 => 1u64 << 61, 4 => 1u64 << 59, 8 => 1u64 << 55,
           16 => 1u64 << 47, 32 => 1u64 << 31);
    ci_op!("c.srai", 1u64 << 63, 1 => 0xc000_0000_0000_0000u64, 32 => 0xffff_ffff_8000_0000u64,
           16 => 0xffff_8000_0000_0000u64);
    sp_mem!("c.swsp", "c.lwsp", "sw", "lw", 4, 8, 16, 32, 64, 128, 252);
    sp_mem!("c.sdsp", "c.ldsp", "sd", "ld", 8, 16, 32, 64, 128, 256, 504);
    reg_mem!("c.sw", "c.lw", "sw", "lw", 4, 8, 16, 32, 64, 124);
    reg_mem!("c.sd", "c.ld", "sd", "ld", 8, 16, 32, 64, 128, 248);
    fwd!("c.j", "nop", "c.j", 2);
    fwd!("c.j", "nop", "c.j", 4);
    fwd!("c.j", "nop", "c.j", 8);
    fwd!("c.j", "nop", "c.j", 16);
    fwd!("c.j", "nop", "c.j", 32);
    fwd!("c.j", "nop", "c.j", 64);
    fwd!("c.j", "nop", "c.j", 128);
    fwd!("c.j", "nop", "c.j", 256);
    fwd!("c.j", "nop", "c.j", 512);
    fwd!("c.j", "nop", "c.j", 1024);
    fwd!("c.j", "nop", "c.j", 2044);
    back!("c.j", "nop", "c.j", 2048);
    back!("c.j", "nop", "c.j", 64);
    fwd!("c.beqz", "li a0, 0", "c.beqz a0,", 2);
    fwd!("c.beqz", "li a0, 0", "c.beqz a0,", 4);
    fwd!("c.beqz", "li a0, 0", "c.beqz a0,", 8);
    fwd!("c.beqz", "li a0, 0", "c.beqz a0,", 16);
    fwd!("c.beqz", "li a0, 0", "c.beqz a0,", 32);
    fwd!("c.beqz", "li a0, 0", "c.beqz a0,", 64);
    fwd!("c.beqz", "li a0, 0", "c.beqz a0,", 128);
    fwd!("c.bnez", "li a0, 1", "c.bnez a0,", 252);
    back!("c.bnez", "li a0, 1", "c.bnez a0,", 256);
    back!("c.beqz", "li a0, 0", "c.beqz a0,", 32);
    finish("rv64c_immediates")
}
