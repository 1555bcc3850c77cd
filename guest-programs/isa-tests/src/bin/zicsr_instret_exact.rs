//! Exact instruction counting (Privileged 3.1.11): minstret counts retired instructions;
//! a CSR read returns the count before the reading instruction retires; a write to
//! minstret takes precedence over the writing instruction's own increment, so an
//! immediately following read returns exactly the written value (Unprivileged Zicsr,
//! "a value written to instret by one instruction will be the value read by the
//! following instruction").
//!
//! Known QEMU 7.2 deviations: plain QEMU counts host ticks; with `-icount shift=0` the
//! differences are exact but a read right after a write returns the written value + 1.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{check_eq, entry, finish};

entry!(main);

fn main() -> u32 {
    let (a, b): (u64, u64);
    unsafe {
        asm!(
            "csrr {a}, minstret",
            ".rept 10", "nop", ".endr",
            "csrr {b}, minstret",
            a = out(reg) a, b = out(reg) b
        )
    };
    check_eq!("10 nops between two reads: difference 11", b - a, 11);
    let v: u64;
    unsafe { asm!("csrw minstret, {w}", "csrr {v}, minstret", w = in(reg) 1000u64, v = out(reg) v) };
    check_eq!("read right after csrw minstret returns the written value", v, 1000);
    let v: u64;
    unsafe { asm!("csrw minstret, {w}", "nop", "nop", "csrr {v}, minstret", w = in(reg) 5000u64, v = out(reg) v) };
    check_eq!("two nops after the write: +2", v, 5002);
    let (a, b): (u64, u64);
    unsafe {
        asm!(
            "csrr {a}, instret",
            "addi {b}, zero, 1",
            "addi {b}, zero, 2",
            "csrr {b}, instret",
            a = out(reg) a, b = out(reg) b
        )
    };
    check_eq!("instret shadow counts the same", b - a, 3);
    finish("zicsr_instret_exact")
}
