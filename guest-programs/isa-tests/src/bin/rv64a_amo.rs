//! The A extension (Unprivileged ch. 8 / "A" chapter): LR/SC success and failure paths
//! and every AMO in W and D width, with min/max signed vs unsigned, sign extension of the
//! W results. Misaligned LR/SC/AMOs are in `rv64a_misaligned`.
#![no_std]
#![no_main]

use core::arch::asm;
use core::ptr::{read_volatile, write_volatile};
use isa_tests::{check, check_eq, entry, finish};

entry!(main);

#[repr(C, align(64))]
struct Mem([u64; 8]);
static mut MEM: Mem = Mem([0; 8]);

fn addr(i: usize) -> u64 {
    core::ptr::addr_of_mut!(MEM) as u64 + 8 * i as u64
}
fn set(i: usize, v: u64) {
    unsafe { write_volatile(addr(i) as *mut u64, v) }
}
fn get(i: usize) -> u64 {
    unsafe { read_volatile(addr(i) as *const u64) }
}

/// Runs AMO `op rd, rs2, (rs1)` on MEM[0] = `init` with rs2 = `src`; checks rd and memory.
macro_rules! test_amo {
    ($op:literal, $init:expr, $src:expr, $rd:expr, $mem:expr) => {{
        set(0, $init as u64);
        let rd: u64;
        unsafe { asm!(concat!($op, " {rd}, {s}, ({a})"), rd = out(reg) rd, s = in(reg) ($src) as u64, a = in(reg) addr(0)) };
        let name = concat!($op, " mem=", stringify!($init), " src=", stringify!($src));
        check_eq!(name, rd, $rd);
        check_eq!(name, get(0), $mem);
    }};
}

fn main() -> u32 {
    // AMO D: rd gets the old value; memory gets op(old, rs2).
    test_amo!("amoswap.d", 5, 7, 5, 7);
    test_amo!("amoadd.d", u64::MAX, 2, u64::MAX, 1);
    test_amo!("amoxor.d", 0xff00, 0x0ff0, 0xff00, 0xf0f0);
    test_amo!("amoand.d", 0xff00, 0x0ff0, 0xff00, 0x0f00);
    test_amo!("amoor.d", 0xff00, 0x0ff0, 0xff00, 0xfff0);
    test_amo!("amomin.d", -1i64, 1, -1i64, -1i64);
    test_amo!("amomin.d", 1, -1i64, 1, -1i64);
    test_amo!("amomax.d", -1i64, 1, -1i64, 1);
    test_amo!("amominu.d", -1i64, 1, -1i64, 1);
    test_amo!("amomaxu.d", -1i64, 1, -1i64, -1i64);
    test_amo!("amomaxu.d", i64::MIN, i64::MAX, i64::MIN, i64::MIN);
    test_amo!("amomin.d", i64::MIN, i64::MAX, i64::MIN, i64::MIN);
    // AMO W: the 32-bit old value sign-extended into rd; the upper word untouched.
    test_amo!(
        "amoswap.w",
        0xaaaa_aaaa_8000_0000u64,
        0x1234_5678_0000_0001u64,
        0xffff_ffff_8000_0000u64,
        0xaaaa_aaaa_0000_0001u64
    );
    test_amo!("amoadd.w", 0x1111_1111_ffff_ffffu64, 1, -1i64, 0x1111_1111_0000_0000u64);
    test_amo!("amoadd.w", 0x7fff_ffffu64, 1, 0x7fff_ffff, 0x8000_0000u64);
    test_amo!("amoxor.w", 0x5555_5555_0f0f_0f0fu64, 0xffff_ffffu64, 0x0f0f_0f0f, 0x5555_5555_f0f0_f0f0u64);
    test_amo!("amoand.w", 0xffff_ffff_ffff_0000u64, 0x00ff_00ffu64, 0xffff_ffff_ffff_0000u64, 0xffff_ffff_00ff_0000u64);
    test_amo!("amoor.w", 0x0000_0001_8000_0000u64, 1, 0xffff_ffff_8000_0000u64, 0x0000_0001_8000_0001u64);
    // Signed vs unsigned 32-bit comparisons (rs2's upper half ignored).
    test_amo!("amomin.w", 0x8000_0000u64, 1, 0xffff_ffff_8000_0000u64, 0x8000_0000u64);
    test_amo!("amomax.w", 0x8000_0000u64, 1, 0xffff_ffff_8000_0000u64, 1);
    test_amo!("amominu.w", 0x8000_0000u64, 1, 0xffff_ffff_8000_0000u64, 1);
    test_amo!("amomaxu.w", 0x8000_0000u64, 1, 0xffff_ffff_8000_0000u64, 0x8000_0000u64);
    test_amo!("amomaxu.w", 1, 0xffff_ffff_0000_0002u64, 1, 2);
    test_amo!("amomin.w", 1, 0x0000_0001_ffff_ffffu64, 1, 0xffff_ffffu64);
    test_amo!("amominu.w", 0xffff_fffeu64, 0xffff_ffffu64, 0xffff_ffff_ffff_fffeu64, 0xffff_fffeu64);
    // Aq/rl variants decode and behave the same.
    test_amo!("amoadd.d.aqrl", 40, 2, 40, 42);
    test_amo!("amoswap.w.aq", 1, 2, 1, 2);

    // W on the upper word of a doubleword leaves the lower word.
    set(0, 0x0000_0005_1111_1111);
    let rd: u64;
    unsafe { asm!("amoadd.w {rd}, {s}, ({a})", rd = out(reg) rd, s = in(reg) 0xffff_ffffu64, a = in(reg) addr(0) + 4) };
    check_eq!("amoadd.w upper word rd", rd, 5);
    check_eq!("amoadd.w upper word memory", get(0), 0x0000_0004_1111_1111u64);
    // rd = x0 still updates memory; rd = rs2 gets the old value.
    set(0, 10);
    unsafe { asm!("amoadd.d x0, {s}, ({a})", s = in(reg) 5u64, a = in(reg) addr(0)) };
    check_eq!("amoadd.d rd=x0 writes memory", get(0), 15);
    let mut r = 99u64;
    unsafe { asm!("amoswap.d {r}, {r}, ({a})", r = inout(reg) r, a = in(reg) addr(0)) };
    check_eq!("amoswap.d rd=rs2: rd = old", r, 15);
    check_eq!("amoswap.d rd=rs2: memory = old rs2", get(0), 99);

    // LR/SC success: sc writes 0 to rd and stores.
    set(1, 10);
    let (v, sc): (u64, u64);
    unsafe {
        asm!("lr.d {v}, ({a})", "addi {t}, {v}, 1", "sc.d {sc}, {t}, ({a})", v = out(reg) v, sc = out(reg) sc, t = out(reg) _, a = in(reg) addr(1))
    };
    check_eq!("lr.d value", v, 10);
    check_eq!("sc.d success rd", sc, 0);
    check_eq!("sc.d success stores", get(1), 11);
    // LR.W sign-extends; SC.W stores 32 bits.
    set(2, 0x1234_5678_8000_0000);
    let (v, sc): (u64, u64);
    unsafe {
        asm!("lr.w {v}, ({a})", "sc.w {sc}, {n}, ({a})", v = out(reg) v, sc = out(reg) sc, n = in(reg) 0x9999_9999_0000_0007u64, a = in(reg) addr(2))
    };
    check_eq!("lr.w sign-extends", v, 0xffff_ffff_8000_0000u64);
    check_eq!("sc.w success rd", sc, 0);
    check_eq!("sc.w stores 32 bits", get(2), 0x1234_5678_0000_0007);
    // SC after SC: the first SC clears the reservation, so the second fails.
    set(1, 1);
    let (sc1, sc2): (u64, u64);
    unsafe {
        asm!("lr.d {t}, ({a})", "sc.d {s1}, {x}, ({a})", "sc.d {s2}, {y}, ({a})", t = out(reg) _, s1 = out(reg) sc1, s2 = out(reg) sc2, x = in(reg) 2u64, y = in(reg) 3u64, a = in(reg) addr(1))
    };
    check_eq!("first sc.d succeeds", sc1, 0);
    check!("second sc.d fails (nonzero rd)", sc2 != 0);
    check_eq!("failed sc.d does not store", get(1), 2);
    // SC without any reservation fails (after the SC above cleared it).
    set(3, 77);
    let sc: u64;
    unsafe { asm!("sc.d {s}, {x}, ({a})", s = out(reg) sc, x = in(reg) 5u64, a = in(reg) addr(3)) };
    check!("sc.d without reservation fails", sc != 0);
    check_eq!("sc.d without reservation does not store", get(3), 77);
    let sc: u64;
    unsafe { asm!("sc.w {s}, {x}, ({a})", s = out(reg) sc, x = in(reg) 5u64, a = in(reg) addr(3)) };
    check!("sc.w without reservation fails", sc != 0);
    check_eq!("sc.w without reservation does not store", get(3), 77);
    // SC to an address other than the LR's fails (a page away, so outside any
    // reservation set an implementation may use).
    set(4, 1);
    set(0, 0);
    let sc: u64;
    unsafe {
        asm!("lr.d {t}, ({a})", "sc.d {s}, {x}, ({b})", "sc.d x0, x0, ({a})", t = out(reg) _, s = out(reg) sc, x = in(reg) 9u64,
             a = in(reg) addr(0), b = in(reg) addr(0) + 4096)
    };
    check!("sc.d to another address fails", sc != 0);
    // An LR/SC retry loop (the usual CAS idiom) completes.
    set(5, 100);
    let r: u64;
    unsafe {
        asm!(
            "1: lr.w {o}, ({a})",
            "addiw {n}, {o}, 5",
            "sc.w {s}, {n}, ({a})",
            "bnez {s}, 1b",
            "mv {r}, {o}",
            o = out(reg) _, n = out(reg) _, s = out(reg) _, r = out(reg) r, a = in(reg) addr(5)
        )
    };
    check_eq!("lr/sc loop old value", r, 100);
    check_eq!("lr/sc loop stored", get(5), 105);

    finish("rv64a_amo")
}
