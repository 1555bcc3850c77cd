//! The hints PAUSE (Zihintpause: FENCE with pred = W, succ = 0) and PREFETCH.I/R/W (Zicbop:
//! ORI with rd = x0), Unprivileged "Zihintpause" and "CMO" chapters: they execute in every
//! mode without trapping and change no architectural state, even when the prefetch
//! address has no memory behind it (prefetches never raise exceptions).
#![no_std]
#![no_main]

use core::arch::asm;
use core::ptr::{addr_of_mut, read_volatile, write_volatile};
use isa_tests::{catch, check, check_eq, entry, finish, run_lower, Mode, UNMAPPED};

entry!(main);

/// Runs every hint once; returns (trapped, a register that must be untouched).
fn hints() -> (bool, u64) {
    let mut keep: u64 = 0x1234_5678;
    // SAFETY: hints only; prefetches never access memory architecturally.
    let t = catch(|| unsafe {
        asm!(
            ".option push",
            ".option arch, +zihintpause, +zicbop",
            "pause",
            "prefetch.i 0({u})",
            "prefetch.r 32({u})",
            "prefetch.w -2048({u})",
            "prefetch.w 0({k})",
            ".option pop",
            u = in(reg) UNMAPPED,
            k = inout(reg) keep,
        )
    });
    (t.is_some(), keep)
}

static mut U_RESULT: u64 = 0;

extern "C" fn in_user() {
    let (trapped, keep) = hints();
    // SAFETY: single hart; read by main afterwards.
    unsafe { write_volatile(addr_of_mut!(U_RESULT), if !trapped && keep == 0x1234_5678 { 1 } else { 2 }) };
}

fn main() -> u32 {
    let (trapped, keep) = hints();
    check!("hints do not trap in M-mode", !trapped);
    check_eq!("hints leave registers alone", keep, 0x1234_5678);
    // A loop spinning on PAUSE still makes progress.
    let mut n = 0u64;
    for _ in 0..100 {
        // SAFETY: PAUSE has no architectural effect.
        unsafe { asm!(".option push", ".option arch, +zihintpause", "pause", ".option pop") };
        n += 1;
    }
    check_eq!("pause loop", n, 100);
    run_lower(Mode::Supervisor, in_user, 0);
    // SAFETY (these three): single hart; U_RESULT is written by `in_user` only.
    check_eq!("hints in S-mode", unsafe { read_volatile(addr_of_mut!(U_RESULT)) }, 1);
    unsafe { write_volatile(addr_of_mut!(U_RESULT), 0) };
    run_lower(Mode::User, in_user, 0);
    check_eq!("hints in U-mode", unsafe { read_volatile(addr_of_mut!(U_RESULT)) }, 1);
    finish("zihintpause_prefetch")
}
