//! Sstc (the "stimecmp" supervisor timer, Sstc spec): with menvcfg.STCE = 1, mip.STIP
//! reflects time >= stimecmp and is not writable through mip; S-mode may access stimecmp
//! when mcounteren.TM is set (else illegal instruction); the interrupt is delegable and
//! taken in S. With STCE = 0, stimecmp is inaccessible from S and STIP is software's.
#![no_std]
#![no_main]

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use isa_tests::{
    arm, catch, cause, check_eq, csrc, csrr, csrs, csrw, disarm, entry, finish, irq, mstatus, run_lower, trap, Mode,
};

entry!(main);

const STIP: u64 = 1 << irq::STI;
const STCE: u64 = 1 << 63;
static S_TRAP: AtomicU64 = AtomicU64::new(0);

extern "C" fn s_access() {
    let t = catch(|| unsafe { asm!("csrr a0, stimecmp", out("a0") _) });
    S_TRAP.store(t.map_or(0, |t| t.cause | 0x100), SeqCst);
}

extern "C" fn s_timer() {
    // Program the timer from S and wait for it with SIE = 1.
    let now = csrr!(time);
    csrw!(stimecmp, now + 500);
    csrs!(sstatus, mstatus::SIE);
    let mut spin = 0u64;
    while isa_tests::trap_count() == 0 && spin < 10_000_000 {
        spin += 1;
    }
    csrc!(sstatus, mstatus::SIE);
}

fn main() -> u32 {
    csrw!(mie, 0);
    csrw!(mideleg, 0);
    csrw!(menvcfg, csrr!(menvcfg) | STCE);
    check_eq!("menvcfg.STCE writable", csrr!(menvcfg) & STCE, STCE);
    csrw!(stimecmp, u64::MAX);
    check_eq!("stimecmp = max: STIP clear", csrr!(mip) & STIP, 0);
    csrs!(mip, STIP);
    check_eq!("mip.STIP not writable under Sstc", csrr!(mip) & STIP, 0);
    csrw!(stimecmp, 0);
    check_eq!("stimecmp = 0: STIP pending", csrr!(mip) & STIP, STIP);
    csrw!(stimecmp, u64::MAX);
    check_eq!("stimecmp back to max: STIP clear", csrr!(mip) & STIP, 0);
    // S access needs mcounteren.TM.
    csrw!(mcounteren, 0);
    run_lower(Mode::Supervisor, s_access, 0);
    check_eq!("stimecmp in S without mcounteren.TM: illegal", S_TRAP.load(SeqCst), 0x100 | cause::ILLEGAL);
    csrw!(mcounteren, 2);
    run_lower(Mode::Supervisor, s_access, 0);
    check_eq!("stimecmp in S with mcounteren.TM: ok", S_TRAP.load(SeqCst), 0);
    // Delegated supervisor timer interrupt, programmed and taken in S.
    csrw!(mideleg, STIP);
    csrw!(mie, STIP);
    arm();
    run_lower(Mode::Supervisor, s_timer, 0);
    let n = disarm();
    check_eq!("S timer interrupt taken once", n, 1);
    check_eq!("scause = STI", trap(0).cause, cause::INTERRUPT | irq::STI);
    check_eq!("taken in S", trap(0).taken_in, 1);
    csrw!(stimecmp, u64::MAX);
    csrw!(mie, 0);
    csrw!(mideleg, 0);
    // STCE = 0: S access is illegal again, STIP is software-writable.
    csrw!(menvcfg, csrr!(menvcfg) & !STCE);
    run_lower(Mode::Supervisor, s_access, 0);
    check_eq!("stimecmp in S with STCE = 0: illegal", S_TRAP.load(SeqCst), 0x100 | cause::ILLEGAL);
    csrs!(mip, STIP);
    check_eq!("mip.STIP writable without Sstc", csrr!(mip) & STIP, STIP);
    csrc!(mip, STIP);
    csrw!(mcounteren, 0);
    finish("irq_sstc")
}
