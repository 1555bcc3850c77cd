//! Instruction fetch at the end of RAM (Privileged 3.1.16): a 32-bit instruction whose
//! second half lies past the end of memory raises instruction access fault with mepc at
//! the start of the instruction and mtval the address of the portion that faulted; a
//! compressed instruction in the last two bytes of RAM executes normally. Assumes 128 MiB
//! of RAM at 0x8000_0000 (the default of both QEMU virt and rvsim).
//!
//! Known QEMU 7.2 deviation: QEMU itself aborts ("translator_access: Assertion
//! `phys_page != -1' failed") on the straddling fetch.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{catch_with, cause, check, check_eq, entry, finish, Action};

entry!(main);

const RAM_END: u64 = 0x8000_0000 + (128 << 20);

fn main() -> u32 {
    let last = RAM_END - 2;
    // c.jr ra in the last parcel: returns normally.
    unsafe { core::ptr::write_volatile(last as *mut u16, 0x8082) };
    unsafe { asm!("fence.i") };
    let t = catch_with(Action::ReturnRa, || unsafe { asm!("jalr ra, 0({a})", a = in(reg) last, out("ra") _) });
    check_eq!("c.jr in the last two bytes of RAM runs", t.is_some(), false);
    // The low half of a 32-bit instruction (addi x0, x0, 0) in the last parcel.
    unsafe { core::ptr::write_volatile(last as *mut u16, 0x0013) };
    unsafe { asm!("fence.i") };
    let t = catch_with(Action::ReturnRa, || unsafe { asm!("jalr ra, 0({a})", a = in(reg) last, out("ra") _) });
    let t = t.unwrap_or_default();
    check_eq!("straddling fetch: cause", t.cause, cause::INSN_ACCESS);
    check_eq!("straddling fetch: mepc = start of the instruction", t.epc, last);
    check!("straddling fetch: mtval = the faulting portion (or the start)", t.tval == RAM_END || t.tval == last);
    finish("trap_fetch_boundary")
}
