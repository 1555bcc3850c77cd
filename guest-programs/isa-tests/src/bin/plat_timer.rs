//! Timer interrupts from the CLINT (`mtimecmp` -> MTIP) and from Sstc (`stimecmp` ->
//! STIP, with `menvcfg.STCE`). Waits in WFI with the interrupt enabled in `mie` but
//! globally disabled, then checks `mip`, the elapsed time and that clearing the compare
//! value drops the pending bit.
#![no_std]
#![no_main]

use isa_tests::{entry, println};

const MTIMECMP: usize = 0x0200_4000;
const MTIME: usize = 0x0200_bff8;
const MTIP: usize = 1 << 7;
const STIP: usize = 1 << 5;

fn mtime() -> u64 {
    // SAFETY: the CLINT's mtime register.
    unsafe { core::ptr::read_volatile(MTIME as *const u64) }
}
fn set_mtimecmp(v: u64) {
    // SAFETY: hart 0's mtimecmp register.
    unsafe { core::ptr::write_volatile(MTIMECMP as *mut u64, v) }
}
fn mip() -> usize {
    let v: usize;
    // SAFETY: reading mip has no side effects.
    unsafe { core::arch::asm!("csrr {}, mip", out(reg) v) };
    v
}
fn wait_for(bit: usize) {
    for _ in 0..1000 {
        if mip() & bit != 0 {
            return;
        }
        // SAFETY: WFI with the interrupt enabled in mie and MIE = 0 returns, no trap.
        unsafe { core::arch::asm!("wfi") };
    }
}

entry!(main);

fn main() -> u32 {
    // CLINT.
    set_mtimecmp(u64::MAX);
    if mip() & MTIP != 0 {
        println!("plat_timer: MTIP with mtimecmp = max");
        return 1;
    }
    let t0 = mtime();
    set_mtimecmp(t0 + 5000);
    // SAFETY: enables MTIE and STIE in mie; mstatus.MIE stays clear.
    unsafe { core::arch::asm!("csrs mie, {}", in(reg) MTIP | STIP) };
    wait_for(MTIP);
    let t1 = mtime();
    if mip() & MTIP == 0 || t1 < t0 + 5000 {
        println!("plat_timer: no MTIP (mtime {t0} -> {t1})");
        return 2;
    }
    set_mtimecmp(u64::MAX);
    if mip() & MTIP != 0 {
        println!("plat_timer: MTIP stays after mtimecmp = max");
        return 3;
    }
    // Sstc: stimecmp (0x14d) drives STIP once menvcfg.STCE (bit 63) is set.
    // SAFETY: M-mode CSR writes; stimecmp exists on this machine (and QEMU >= 7.2).
    unsafe {
        core::arch::asm!("li t0, 1; slli t0, t0, 63; csrs menvcfg, t0", out("t0") _);
        core::arch::asm!("li t0, -1; csrw 0x14d, t0", out("t0") _);
    }
    if mip() & STIP != 0 {
        println!("plat_timer: STIP with stimecmp = max");
        return 4;
    }
    // STIP is read-only in mip while STCE is set (Sstc spec).
    // SAFETY: as above.
    unsafe { core::arch::asm!("csrs mip, {}", in(reg) STIP) };
    if mip() & STIP != 0 {
        println!("plat_timer: mip.STIP writable under Sstc");
        return 5;
    }
    let t0 = mtime();
    let now: u64;
    // SAFETY: reading time and writing stimecmp from M-mode.
    unsafe {
        core::arch::asm!("rdtime {}", out(reg) now);
        core::arch::asm!("csrw 0x14d, {}", in(reg) now + 3000);
    }
    wait_for(STIP);
    let t1 = mtime();
    if mip() & STIP == 0 || t1 < t0 + 3000 - 100 {
        println!("plat_timer: no STIP from stimecmp (mtime {t0} -> {t1})");
        return 6;
    }
    // SAFETY: as above.
    unsafe { core::arch::asm!("li t0, -1; csrw 0x14d, t0", out("t0") _) };
    if mip() & STIP != 0 {
        println!("plat_timer: STIP stays after stimecmp = max");
        return 7;
    }
    println!("plat_timer: ok");
    0
}
