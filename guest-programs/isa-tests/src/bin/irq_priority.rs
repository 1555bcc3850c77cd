//! Priority of simultaneous interrupts (Privileged 3.1.9): "Multiple simultaneous
//! interrupts destined for M-mode are handled in the following decreasing priority order:
//! MEI, MSI, MTI, SEI, SSI, STI." MSI and MTI come from the CLINT, SEI/SSI/STI from the
//! software-writable mip bits. The same order holds for interrupts delegated to S
//! (SEI, SSI, STI).
//!
//! Known QEMU 7.2 deviation: it takes them in increasing bit order (SSI, MSI, STI, MTI,
//! SEI).
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{
    arm, cause, check_eq, csrc, csrs, csrw, disarm, entry, finish, irq, mstatus, run_lower, set_msip, set_mtimecmp,
    trap, Mode,
};

entry!(main);

extern "C" fn s_enable() {
    csrs!(sstatus, mstatus::SIE);
    unsafe { asm!(".rept 20", "nop", ".endr") };
    csrc!(sstatus, mstatus::SIE);
}

fn main() -> u32 {
    csrw!(mie, 0);
    csrw!(mideleg, 0);
    set_msip(1);
    set_mtimecmp(0);
    csrs!(mip, (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI));
    csrw!(mie, (1 << irq::MSI) | (1 << irq::MTI) | (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI));
    arm();
    csrs!(mstatus, mstatus::MIE);
    unsafe { asm!(".rept 20", "nop", ".endr") };
    csrc!(mstatus, mstatus::MIE);
    check_eq!("five interrupts taken", disarm(), 5);
    let expected = [irq::MSI, irq::MTI, irq::SEI, irq::SSI, irq::STI];
    for (i, code) in expected.iter().enumerate() {
        check_eq!("priority order MSI, MTI, SEI, SSI, STI", trap(i).cause, cause::INTERRUPT | code);
    }
    csrc!(mip, (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI));
    // Two at a time: SSI beats STI, MTI beats SEI.
    csrs!(mip, (1 << irq::SSI) | (1 << irq::STI));
    csrw!(mie, (1 << irq::SSI) | (1 << irq::STI));
    arm();
    csrs!(mstatus, mstatus::MIE);
    unsafe { asm!(".rept 20", "nop", ".endr") };
    csrc!(mstatus, mstatus::MIE);
    disarm();
    check_eq!("SSI before STI", trap(0).cause, cause::INTERRUPT | irq::SSI);
    csrc!(mip, (1 << irq::SSI) | (1 << irq::STI));
    set_mtimecmp(0);
    csrs!(mip, 1 << irq::SEI);
    csrw!(mie, (1 << irq::MTI) | (1 << irq::SEI));
    arm();
    csrs!(mstatus, mstatus::MIE);
    unsafe { asm!(".rept 20", "nop", ".endr") };
    csrc!(mstatus, mstatus::MIE);
    disarm();
    check_eq!("MTI before SEI", trap(0).cause, cause::INTERRUPT | irq::MTI);
    csrc!(mip, 1 << irq::SEI);
    // Delegated to S, taken in S with SIE = 1.
    let s_irqs = (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI);
    csrw!(mideleg, s_irqs);
    csrs!(mip, s_irqs);
    csrw!(mie, s_irqs);
    arm();
    run_lower(Mode::Supervisor, s_enable, 0);
    check_eq!("three taken in S", disarm(), 3);
    for (i, code) in [irq::SEI, irq::SSI, irq::STI].iter().enumerate() {
        check_eq!("S priority order SEI, SSI, STI", trap(i).cause, cause::INTERRUPT | code);
        check_eq!("taken in S", trap(i).taken_in, 1);
    }
    csrc!(mip, s_irqs);
    csrw!(mideleg, 0);
    csrw!(mie, 0);
    finish("irq_priority")
}
