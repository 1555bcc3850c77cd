//! The C extension (Unprivileged ch. 16 "C" Standard Extension): every RV64 compressed
//! form, written with explicit `c.*` mnemonics so the assembler cannot pick the 32-bit
//! encoding, checked against the expansion's result. The 3-bit register fields name
//! x8-x15; a0-a5 (x10-x15) are used since x8/x9 are reserved by the compiler.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{catch, cause, check, check_eq, entry, finish};

entry!(main);

/// Runs a compressed op on a0 (and a1) and returns a0.
macro_rules! c_op {
    ($insn:literal, $a:expr) => {{
        let mut r: u64 = ($a) as u64;
        unsafe { asm!($insn, inout("a0") r) };
        r
    }};
    ($insn:literal, $a:expr, $b:expr) => {{
        let mut r: u64 = ($a) as u64;
        unsafe { asm!($insn, inout("a0") r, in("a1") ($b) as u64) };
        r
    }};
}

macro_rules! test_c {
    ($insn:literal, $a:expr, $exp:expr) => {
        check_eq!(concat!($insn, " a0=", stringify!($a)), c_op!($insn, $a), $exp)
    };
    ($insn:literal, $a:expr, $b:expr, $exp:expr) => {
        check_eq!(concat!($insn, " a0=", stringify!($a), " a1=", stringify!($b)), c_op!($insn, $a, $b), $exp)
    };
}

fn main() -> u32 {
    // CI format: c.li, c.lui, c.addi, c.addiw, c.slli, c.srli, c.srai, c.andi.
    test_c!("c.li a0, -32", 0, -32i64);
    test_c!("c.li a0, 31", 0, 31);
    test_c!("c.lui a0, 1", 0, 0x1000);
    test_c!("c.lui a0, 0x1f", 0, 0x1f000);
    test_c!("c.lui a0, 0xfffe0", 0, 0xffff_ffff_fffe_0000u64); // nzimm[17] sign-extends
    test_c!("c.addi a0, -1", 0, -1i64);
    test_c!("c.addi a0, 31", 1, 32);
    test_c!("c.addi a0, -32", 0x20, 0);
    test_c!("c.addiw a0, 1", 0x7fff_ffffu64, 0xffff_ffff_8000_0000u64);
    test_c!("c.addiw a0, 0", 0x1_ffff_fffeu64, -2i64); // sext.w
    test_c!("c.addiw a0, -1", 0x1_0000_0000u64, -1i64);
    test_c!("c.slli a0, 63", 1, 1u64 << 63);
    test_c!("c.slli a0, 1", 0x8000_0000_0000_0001u64, 2);
    test_c!("c.slli a0, 32", 0xffff_ffffu64, 0xffff_ffff_0000_0000u64);
    test_c!("c.srli a0, 63", 1u64 << 63, 1);
    test_c!("c.srli a0, 32", -1i64, 0xffff_ffffu64);
    test_c!("c.srai a0, 63", 1u64 << 63, -1i64);
    test_c!("c.srai a0, 4", -256i64, -16i64);
    test_c!("c.srai a0, 33", 0x4000_0000_0000_0000u64, 0x2000_0000u64);
    test_c!("c.andi a0, -32", -1i64, -32i64);
    test_c!("c.andi a0, 15", 0x1234u64, 4);
    // CA format: c.sub, c.xor, c.or, c.and, c.subw, c.addw.
    test_c!("c.sub a0, a1", 5, 7, -2i64);
    test_c!("c.xor a0, a1", 0xff00u64, 0x0ff0u64, 0xf0f0u64);
    test_c!("c.or a0, a1", 0xff00u64, 0x0ff0u64, 0xfff0u64);
    test_c!("c.and a0, a1", 0xff00u64, 0x0ff0u64, 0x0f00u64);
    test_c!("c.subw a0, a1", 0x8000_0000u64, 1, 0x7fff_ffffu64);
    test_c!("c.subw a0, a1", 0, 1, -1i64);
    test_c!("c.addw a0, a1", 0x7fff_ffffu64, 1, 0xffff_ffff_8000_0000u64);
    test_c!("c.addw a0, a1", 0x1_0000_0001u64, 0x2_0000_0001u64, 2);
    // CR format: c.mv, c.add (full register set).
    test_c!("c.mv a0, a1", 0, 0x1234_5678_9abc_def0u64, 0x1234_5678_9abc_def0u64);
    test_c!("c.add a0, a1", u64::MAX, 2, 1);
    let r: u64;
    unsafe { asm!("li t3, 40", "li t4, 2", "c.add t3, t4", "c.mv t5, t3", out("t3") _, out("t4") _, out("t5") r) };
    check_eq!("c.add/c.mv with x28-x30", r, 42);
    unsafe { asm!("c.nop") };

    // Stack-pointer forms: c.addi4spn, c.addi16sp, c.lwsp/ldsp/swsp/sdsp.
    let (sp0, r): (u64, u64);
    unsafe { asm!("mv {s}, sp", "c.addi4spn a0, sp, 1020", s = out(reg) sp0, out("a0") r) };
    check_eq!("c.addi4spn a0, sp, 1020", r, sp0 + 1020);
    let (sp0, lo, hi, back): (u64, u64, u64, u64);
    unsafe {
        asm!(
            "mv {s}, sp",
            "c.addi16sp sp, -512",
            "mv {lo}, sp",
            "c.addi16sp sp, 496",
            "mv {hi}, sp",
            "c.addi16sp sp, 16",
            "mv {b}, sp",
            s = out(reg) sp0, lo = out(reg) lo, hi = out(reg) hi, b = out(reg) back
        )
    };
    check_eq!("c.addi16sp sp, -512", lo, sp0 - 512);
    check_eq!("c.addi16sp sp, 496", hi, sp0 - 16);
    check_eq!("c.addi16sp back", back, sp0);
    let (w, d, wneg): (u64, u64, u64);
    unsafe {
        asm!(
            "addi sp, sp, -64",
            "c.sdsp a0, 8(sp)",
            "c.swsp a1, 16(sp)",
            "c.sdsp a2, 24(sp)",
            "c.swsp a0, 20(sp)",
            "c.lwsp a3, 16(sp)",
            "c.ldsp a4, 8(sp)",
            "c.lwsp a5, 24(sp)",
            "addi sp, sp, 64",
            in("a0") 0x1122_3344_5566_7788u64, in("a1") 0xdead_beef_8765_4321u64, in("a2") 0x8000_0000u64,
            out("a3") w, out("a4") d, out("a5") wneg
        )
    };
    check_eq!("c.swsp/c.lwsp sign-extends", w, 0xffff_ffff_8765_4321u64);
    check_eq!("c.sdsp/c.ldsp", d, 0x1122_3344_5566_7788u64);
    check_eq!("c.lwsp negative word", wneg, 0xffff_ffff_8000_0000u64);
    let mut buf = [0u64; 16];
    let (w, d, hi): (u64, u64, u64);
    unsafe {
        asm!(
            "c.sd a0, 8(a1)",
            "c.sw a0, 16(a1)",
            "c.sw a2, 124(a1)",
            "c.lw a3, 16(a1)",
            "c.ld a4, 8(a1)",
            "c.ld a5, 120(a1)",
            in("a0") 0x0102_0304_f5f6_f7f8u64, in("a1") buf.as_mut_ptr() as u64, in("a2") 0x7fff_ffffu64,
            out("a3") w, out("a4") d, out("a5") hi
        )
    };
    let _ = &buf;
    check_eq!("c.sw/c.lw sign-extends", w, 0xffff_ffff_f5f6_f7f8u64);
    check_eq!("c.sd/c.ld", d, 0x0102_0304_f5f6_f7f8u64);
    check_eq!("c.sw offset 124 / c.ld offset 120", hi, 0x7fff_ffff_0000_0000u64);
    check_eq!("c.sd stored in memory", buf[1], 0x0102_0304_f5f6_f7f8u64);

    // Control transfer: c.j, c.jr, c.jalr (link = pc + 2), c.beqz, c.bnez.
    let hit: u64;
    unsafe { asm!("li {h}, 0", "c.j 1f", "li {h}, 99", "1: addi {h}, {h}, 1", h = out(reg) hit) };
    check_eq!("c.j", hit, 1);
    let hit: u64;
    unsafe {
        asm!("li {h}, 0", "lla a0, 1f", "c.jr a0", "li {h}, 99", "1: addi {h}, {h}, 1", h = out(reg) hit, out("a0") _)
    };
    check_eq!("c.jr", hit, 1);
    let (link, at): (u64, u64);
    unsafe {
        asm!("lla a0, 1f", "2: c.jalr a0", "nop", "1: lla {a}, 2b", a = out(reg) at, out("a0") _, out("ra") link)
    };
    check_eq!("c.jalr link = pc + 2", link, at + 2);
    for (v, exp) in [(0u64, 1u64), (1, 0), (1 << 63, 0)] {
        let r: u64;
        unsafe { asm!("li {r}, 1", "c.beqz a0, 1f", "li {r}, 0", "1:", r = out(reg) r, in("a0") v) };
        check_eq!("c.beqz taken iff zero", r, exp);
        let r: u64;
        unsafe { asm!("li {r}, 1", "c.bnez a0, 1f", "li {r}, 0", "1:", r = out(reg) r, in("a0") v) };
        check_eq!("c.bnez taken iff nonzero", r, 1 - exp);
    }
    // Backward c.bnez loop.
    let n: u64;
    unsafe {
        asm!("li a0, 5", "li {n}, 0", "1: addi {n}, {n}, 1", "c.addi a0, -1", "c.bnez a0, 1b", n = out(reg) n, out("a0") _)
    };
    check_eq!("c.bnez backward loop", n, 5);

    // C.EBREAK: breakpoint with epc at the 2-byte instruction.
    let mut at = 0u64;
    let t = catch(|| unsafe { asm!("2: c.ebreak", "lla {a}, 2b", a = out(reg) at) });
    check_eq!("c.ebreak cause", t.map_or(99, |t| t.cause), cause::BREAKPOINT);
    let t = t.unwrap_or_default();
    check_eq!("c.ebreak epc", t.epc, at);
    check!("c.ebreak tval is 0 or the pc (Privileged 3.1.16)", t.tval == 0 || t.tval == at);

    // A 32-bit instruction at a 2-byte-aligned (not 4-aligned) address runs normally.
    let r: u64;
    unsafe {
        asm!(".p2align 2", "c.nop", ".option push", ".option norvc", "addi a0, zero, 77", ".option pop", out("a0") r)
    };
    check_eq!("32-bit instruction at pc % 4 == 2", r, 77);
    finish("rv64c_forms")
}
