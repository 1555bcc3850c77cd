//! Delegated interrupts (Privileged 3.1.6.1, 3.1.9, 4.1.3): with mideleg set, supervisor
//! interrupts are never taken in M (even with MIE = 1); in S they are taken when
//! sstatus.SIE is set, with scause/sepc and SPP/SPIE/SIE updated (their order is checked
//! in irq_priority); in U they are taken regardless of SIE. Machine interrupts are taken in S and U
//! even with mstatus.MIE = 0, and never delegated.
#![no_std]
#![no_main]

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use isa_tests::{
    arm, cause, check_eq, csrc, csrr, csrs, csrw, disarm, entry, finish, irq, mstatus, reset_vector_hit, run_lower,
    s_direct_handler, s_vectored_table, set_msip, trap, vector_hit, Mode,
};

entry!(main);

const INT: u64 = cause::INTERRUPT;
static COUNT_WITH_SIE_CLEAR: AtomicU64 = AtomicU64::new(u64::MAX);
static SEPC_EXPECTED: AtomicU64 = AtomicU64::new(0);

fn nops() {
    unsafe { asm!(".rept 20", "nop", ".endr") };
}

extern "C" fn s_part() {
    nops();
    COUNT_WITH_SIE_CLEAR.store(isa_tests::trap_count() as u64, SeqCst);
    let at: u64;
    unsafe { asm!("csrsi sstatus, 2", "2: nop", "lla {a}, 2b", a = out(reg) at) };
    SEPC_EXPECTED.store(at, SeqCst);
    nops();
    csrc!(sstatus, mstatus::SIE);
}

extern "C" fn s_enable() {
    csrs!(sstatus, mstatus::SIE);
    nops();
    csrc!(sstatus, mstatus::SIE);
}

extern "C" fn nothing() {
    nops();
}

extern "C" fn s_vectored() {
    csrw!(stvec, s_vectored_table() | 1);
    reset_vector_hit();
    csrs!(sstatus, mstatus::SIE);
    nops();
    csrc!(sstatus, mstatus::SIE);
    VEC_IRQ.store(vector_hit(), SeqCst);
    reset_vector_hit();
    unsafe { asm!("ebreak") };
    VEC_EXC.store(vector_hit(), SeqCst);
    csrw!(stvec, s_direct_handler());
}

static VEC_IRQ: AtomicU64 = AtomicU64::new(0);
static VEC_EXC: AtomicU64 = AtomicU64::new(0);

fn main() -> u32 {
    csrw!(mie, 0);
    csrw!(medeleg, 0);
    let s_irqs = (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI);
    csrw!(mideleg, s_irqs);
    csrs!(mip, s_irqs);
    csrw!(mie, s_irqs);
    // In M with MIE = 1: delegated interrupts are not taken.
    arm();
    csrs!(mstatus, mstatus::MIE);
    nops();
    csrc!(mstatus, mstatus::MIE);
    check_eq!("delegated interrupts not taken in M", disarm(), 0);
    // In S: not with SIE = 0, then all three with SIE = 1, in priority order.
    arm();
    run_lower(Mode::Supervisor, s_part, 0);
    let n = disarm();
    check_eq!("not taken in S with SIE = 0", COUNT_WITH_SIE_CLEAR.load(SeqCst), 0);
    check_eq!("three taken in S with SIE = 1", n, 3);
    let mut seen = 0;
    for i in 0..3 {
        let t = trap(i);
        check_eq!("scause has the interrupt bit", t.cause & INT, INT);
        seen |= 1 << (t.cause & 63);
        check_eq!("taken in S", t.taken_in, 1);
        check_eq!("from S (SPP = 1)", t.from, 1);
        check_eq!("SPIE = old SIE (1)", t.status & mstatus::SPIE, mstatus::SPIE);
        check_eq!("SIE = 0 in handler", t.status & mstatus::SIE, 0);
        check_eq!("stval = 0", t.tval, 0);
    }
    check_eq!("each delegated interrupt taken once", seen, s_irqs);
    check_eq!("sepc = next instruction", trap(0).epc, SEPC_EXPECTED.load(SeqCst));
    check_eq!("sip.SSIP cleared by the S handler", csrr!(mip) & (1 << irq::SSI), 0);
    // In U: taken regardless of SIE (= 0 here).
    csrs!(mip, 1 << irq::SSI);
    csrw!(mie, 1 << irq::SSI);
    arm();
    run_lower(Mode::User, nothing, 0);
    let n = disarm();
    check_eq!("delegated SSI taken in U with SIE = 0", n, 1);
    check_eq!("U: scause", trap(0).cause, INT | irq::SSI);
    check_eq!("U: taken in S", trap(0).taken_in, 1);
    check_eq!("U: SPP = 0", trap(0).from, 0);
    csrc!(mip, s_irqs);
    // Machine interrupts in S and U with MIE = 0: taken in M.
    csrw!(mideleg, s_irqs);
    csrw!(mie, 1 << irq::MSI);
    for mode in [Mode::Supervisor, Mode::User] {
        set_msip(1);
        csrc!(mstatus, mstatus::MIE);
        arm();
        run_lower(mode, nothing, 0);
        let n = disarm();
        check_eq!("MSI taken below M with MIE = 0", n, 1);
        check_eq!("MSI mcause", trap(0).cause, INT | irq::MSI);
        check_eq!("MSI taken in M", trap(0).taken_in, 3);
        check_eq!("MSI MPP = interrupted mode", trap(0).from, mode as u64);
        csrw!(mie, 1 << irq::MSI);
    }
    // In S with SIE = 1, an undelegated interrupt (STI, to M) goes before a delegated one
    // (SSI, to S) even though SSI has the higher priority among the two: interrupts
    // destined for a higher privilege are taken first (3.1.9).
    csrw!(mideleg, 1 << irq::SSI);
    csrs!(mip, (1 << irq::SSI) | (1 << irq::STI));
    csrw!(mie, (1 << irq::SSI) | (1 << irq::STI));
    arm();
    run_lower(Mode::Supervisor, s_enable, 0);
    let n = disarm();
    check_eq!("both taken", n, 2);
    check_eq!("first: STI to M", trap(0).cause, INT | irq::STI);
    check_eq!("first taken in M", trap(0).taken_in, 3);
    check_eq!("second: SSI to S", trap(1).cause, INT | irq::SSI);
    check_eq!("second taken in S", trap(1).taken_in, 1);
    csrc!(mip, (1 << irq::SSI) | (1 << irq::STI));

    // stvec vectored mode: SSI at BASE + 4*1, exceptions at BASE.
    csrw!(mideleg, 1 << irq::SSI);
    csrw!(medeleg, 1 << cause::BREAKPOINT);
    csrs!(mip, 1 << irq::SSI);
    csrw!(mie, 1 << irq::SSI);
    arm();
    run_lower(Mode::Supervisor, s_vectored, 0);
    let n = disarm();
    check_eq!("vectored S: interrupt and exception taken", n, 2);
    check_eq!("vectored S: SSI entered at BASE + 4", VEC_IRQ.load(SeqCst), 1);
    check_eq!("vectored S: exception entered at BASE", VEC_EXC.load(SeqCst), 0);
    check_eq!("vectored S: scause", trap(0).cause, INT | irq::SSI);
    csrw!(medeleg, 0);
    csrw!(mie, 0);
    csrw!(mideleg, 0);
    finish("irq_deleg")
}
