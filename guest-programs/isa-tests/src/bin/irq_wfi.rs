//! WFI (Privileged 3.3.3): it resumes when an enabled interrupt becomes pending, even
//! with mstatus.MIE = 0 (then no trap is taken and execution continues after the WFI);
//! with MIE = 1 the interrupt is taken with mepc = the instruction after the WFI. WFI in
//! S (TW = 0) resumes on a delegated pending interrupt that SIE masks.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{
    arm, cause, check, check_eq, csrc, csrr, csrs, csrw, disarm, entry, finish, irq, mstatus, mtime, run_lower,
    set_mtimecmp, trap, trap_count, Mode,
};

entry!(main);

/// WFI until MTIP is pending (WFI may also resume spuriously, 3.3.3); returns the tries.
fn wfi_until_mtip() -> u64 {
    let mut tries = 0;
    while csrr!(mip) & (1 << irq::MTI) == 0 && tries < 1_000_000 {
        unsafe { asm!("wfi") };
        tries += 1;
    }
    tries
}

extern "C" fn s_wfi() {
    // SSIP is pending and enabled in sie but SIE = 0: WFI resumes without a trap.
    unsafe { asm!("wfi") };
}

fn main() -> u32 {
    csrw!(mie, 0);
    csrw!(mideleg, 0);
    csrc!(mstatus, mstatus::MIE);
    // Timer 1000 ticks ahead, MTIE on, MIE off: WFI wakes, no trap.
    set_mtimecmp(mtime() + 1000);
    csrw!(mie, 1 << irq::MTI);
    arm();
    let tries = wfi_until_mtip();
    check!("WFI woke with MTIP pending", csrr!(mip) & (1 << irq::MTI) != 0 && tries < 1_000_000);
    check_eq!("no trap with MIE = 0", disarm(), 0);
    // Now enabling MIE takes it.
    arm();
    csrs!(mstatus, mstatus::MIE);
    unsafe { asm!("nop", "nop") };
    csrc!(mstatus, mstatus::MIE);
    check_eq!("pending timer taken once MIE set", disarm(), 1);
    check_eq!("mcause = MTI", trap(0).cause, cause::INTERRUPT | irq::MTI);
    // WFI with MIE = 1: the interrupt is taken with mepc = the instruction after WFI.
    // The deadline is far (0.1 s on QEMU's 10 MHz timer) so that the interrupt cannot
    // arrive before the WFI executes (the handler disables it: a WFI after it would wait
    // forever).
    set_mtimecmp(mtime() + 1_000_000);
    csrw!(mie, 1 << irq::MTI);
    arm();
    let mut after = 0u64;
    let mut rounds = 0;
    while trap_count() == 0 && rounds < 1000 {
        unsafe { asm!("csrsi mstatus, 8", "wfi", "2: csrci mstatus, 8", "lla {a}, 2b", a = out(reg) after) };
        rounds += 1;
    }
    check_eq!("timer taken during WFI", disarm(), 1);
    check_eq!("mepc = instruction after WFI", trap(0).epc, after);
    check_eq!("mcause = MTI", trap(0).cause, cause::INTERRUPT | irq::MTI);
    // WFI in S with TW = 0 and a pending delegated interrupt masked by SIE = 0: resumes.
    csrw!(mideleg, 1 << irq::SSI);
    csrs!(mip, 1 << irq::SSI);
    csrw!(mie, 1 << irq::SSI);
    arm();
    run_lower(Mode::Supervisor, s_wfi, 0);
    check_eq!("WFI in S resumed without a trap", disarm(), 0);
    csrc!(mip, 1 << irq::SSI);
    csrw!(mie, 0);
    csrw!(mideleg, 0);
    finish("irq_wfi")
}
