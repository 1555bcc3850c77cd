//! The program the gdb tests debug (tests/tests/gdb.rs): a global counter that `bump`
//! writes (a watchpoint target), a compressed instruction and a 32-bit one to step
//! across, an ecall caught by the trap harness (a step into the trap handler), and an
//! exit status that tells whether gdb changed the counter (`set var`). With `SPIN` set
//! (by gdb) it loops until gdb clears it: a running guest to interrupt with Ctrl-C.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use isa_tests::{catch, entry, println};

entry!(main);

/// Written by `bump`; the tests watch it and read it.
#[no_mangle]
pub static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Set by a debugger to make `main` spin until it is cleared again. In `.data`, so that
/// a debugger may set it before `_start` clears `.bss`.
#[no_mangle]
#[link_section = ".data"]
pub static SPIN: AtomicBool = AtomicBool::new(false);

/// Adds `n` to the counter: the function the tests break at.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bump(n: u64) -> u64 {
    COUNTER.fetch_add(n, SeqCst) + n
}

/// An `ecall` the harness catches: `stepi` on it lands in the M-mode trap vector.
#[no_mangle]
#[inline(never)]
pub extern "C" fn trap_here() {
    // SAFETY: the ecall traps into the armed harness, which resumes after it.
    let t = catch(|| unsafe { core::arch::asm!("c.nop", "ecall") });
    if t.is_none() {
        println!("gdb_target: the ecall did not trap");
    }
}

fn main() -> u32 {
    while SPIN.load(SeqCst) {
        core::hint::spin_loop();
    }
    let mut total = 0;
    for i in 1..=3 {
        total = bump(i);
    }
    trap_here();
    println!("gdb_target: counter {total}");
    // Passes (0) with the counter at 6; a test that sets COUNTER to 100 before the loop
    // sees status 106.
    if total == 6 {
        0
    } else {
        (total as u32) & 0xff
    }
}
