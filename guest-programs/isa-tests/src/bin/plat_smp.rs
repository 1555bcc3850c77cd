//! Four harts (`--smp 4`, `qemu -smp 4`): every hart increments a shared counter with
//! AMOs and another with an LR/SC loop; then hart 0 sends each other hart an IPI through
//! the CLINT's `msip`, and each acknowledges by clearing its `msip` and setting its bit
//! in a shared mask. Hart 0 checks both counters and the mask.
//!
//! All harts enter `_start` with a0 = hartid and share the runtime's startup, so the
//! shared state lives in `.data` (a later hart's bss clearing must not wipe it) and each
//! hart switches to its own stack before any Rust code runs.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};
use isa_tests::{exit, println};

const HARTS: u64 = 4;
const ROUNDS: u64 = 1000;
const MSIP: usize = 0x0200_0000;
const MIP_MSIP: usize = 1 << 3;
/// Per-hart stacks, 64 KiB each, 8 MiB into RAM (past the program).
const STACKS: usize = 0x8080_0000;

#[link_section = ".data"]
static AMO_COUNTER: AtomicU64 = AtomicU64::new(0);
#[link_section = ".data"]
static LRSC_COUNTER: AtomicU64 = AtomicU64::new(0);
#[link_section = ".data"]
static ARRIVED: AtomicU64 = AtomicU64::new(0);
#[link_section = ".data"]
static IPI_SEEN: AtomicU64 = AtomicU64::new(0);

/// Called by the runtime's `_start` on every hart: switch to this hart's stack.
#[unsafe(naked)]
#[no_mangle]
extern "C" fn rust_start() -> ! {
    core::arch::naked_asm!(
        "csrr a0, mhartid",
        "addi t0, a0, 1",
        "slli t0, t0, 16",
        "li t1, {stacks}",
        "add sp, t1, t0",
        "tail {main}",
        stacks = const STACKS,
        main = sym hart_main,
    )
}

fn msip(h: u64) -> *mut u32 {
    (MSIP + 4 * h as usize) as *mut u32
}

extern "C" fn hart_main(hartid: u64) -> ! {
    for _ in 0..ROUNDS {
        AMO_COUNTER.fetch_add(1, Ordering::Relaxed);
        // compare_exchange_weak compiles to an lr.d / sc.d pair.
        let mut v = LRSC_COUNTER.load(Ordering::Relaxed);
        while let Err(now) = LRSC_COUNTER.compare_exchange_weak(v, v + 1, Ordering::AcqRel, Ordering::Relaxed) {
            v = now;
        }
    }
    ARRIVED.fetch_add(1, Ordering::AcqRel);
    if hartid != 0 {
        // SAFETY: MSIE in mie with mstatus.MIE clear: WFI returns on the IPI, no trap.
        unsafe { core::arch::asm!("csrs mie, {}", in(reg) MIP_MSIP) };
        loop {
            let mip: usize;
            // SAFETY: reading mip.
            unsafe { core::arch::asm!("csrr {}, mip", out(reg) mip) };
            if mip & MIP_MSIP != 0 {
                break;
            }
            // SAFETY: waiting for the IPI.
            unsafe { core::arch::asm!("wfi") };
        }
        // SAFETY: this hart's msip register.
        unsafe { core::ptr::write_volatile(msip(hartid), 0) };
        IPI_SEEN.fetch_or(1 << hartid, Ordering::AcqRel);
        loop {
            // SAFETY: park (mie no longer matters: nothing else will come).
            unsafe { core::arch::asm!("wfi") };
        }
    }
    while ARRIVED.load(Ordering::Acquire) < HARTS {
        core::hint::spin_loop();
    }
    for h in 1..HARTS {
        // SAFETY: hart h's msip register.
        unsafe { core::ptr::write_volatile(msip(h), 1) };
    }
    let want = ((1 << HARTS) - 1) & !1;
    while IPI_SEEN.load(Ordering::Acquire) != want {
        core::hint::spin_loop();
    }
    let (amo, lrsc) = (AMO_COUNTER.load(Ordering::Acquire), LRSC_COUNTER.load(Ordering::Acquire));
    println!("plat_smp: {HARTS} harts, amo counter {amo}, lr/sc counter {lrsc}, ipis {want:#b}");
    let ok = amo == HARTS * ROUNDS && lrsc == HARTS * ROUNDS;
    exit(if ok { 0 } else { 1 })
}
