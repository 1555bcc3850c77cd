//! MRET/SRET and the mstatus trap-virtualization bits (Privileged 3.1.6.1, 3.1.6.3,
//! 3.1.6.5, 3.3.2): xRET pops the privilege stack, sets xPP to U and xPIE to 1; MRET is illegal below M, SRET in U and (TSR) in S; WFI is
//! illegal in U and (TW) in S; satp and SFENCE.VMA are illegal in S with TVM.
#![no_std]
#![no_main]

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use isa_tests::{
    catch, cause, check_eq, csrc, csrr, csrs, csrw, entry, finish, mstatus, run_lower, run_lower_sret, Mode, Trap,
};

entry!(main);

fn or_none(t: Option<Trap>) -> Trap {
    t.unwrap_or(Trap { cause: 99, ..Trap::default() })
}

static SEEN: AtomicU64 = AtomicU64::new(0);

fn illegal(name: &str, t: Option<Trap>, bits: u64, from: u64) {
    let t = or_none(t);
    check_eq!(name, t.cause, cause::ILLEGAL);
    check_eq!(name, t.tval, bits);
    check_eq!(name, t.from, from);
    check_eq!(name, t.taken_in, 3);
}

const MRET: u64 = 0x3020_0073;
const SRET: u64 = 0x1020_0073;
const WFI: u64 = 0x1050_0073;
const SFENCE_VMA: u64 = 0x1200_0073;
const CSRR_SATP_A0: u64 = 0x1800_2573;

extern "C" fn in_s_sstatus() {
    SEEN.store(csrr!(sstatus), SeqCst);
}

extern "C" fn in_u() {
    illegal("mret in U", catch(|| unsafe { asm!(".4byte 0x30200073") }), MRET, 0);
    illegal("sret in U", catch(|| unsafe { asm!(".4byte 0x10200073") }), SRET, 0);
    illegal("wfi in U", catch(|| unsafe { asm!(".4byte 0x10500073") }), WFI, 0);
    illegal("sfence.vma in U", catch(|| unsafe { asm!(".4byte 0x12000073") }), SFENCE_VMA, 0);
    SEEN.store(SEEN.load(SeqCst) + 1, SeqCst);
}

extern "C" fn in_s_plain() {
    // SRET in S (TSR = 0) to S: continues at sepc, still in S (sstatus readable).
    let (st, ok): (u64, u64);
    unsafe {
        asm!(
            "lla {t}, 1f",
            "csrw sepc, {t}",
            "li {t}, 0x120", // SPP = S, SPIE = 1
            "csrs sstatus, {t}",
            "sret",
            "1: csrr {s}, sstatus",
            "li {o}, 1",
            t = out(reg) _, s = out(reg) st, o = out(reg) ok
        )
    };
    check_eq!("sret in S to S continues at sepc", ok, 1);
    check_eq!("sret to S: SIE = SPIE (1)", st & mstatus::SIE, mstatus::SIE);
    check_eq!("sret to S: SPP = U", st & mstatus::SPP, 0);
    csrc!(sstatus, mstatus::SIE);
    illegal("mret in S", catch(|| unsafe { asm!(".4byte 0x30200073") }), MRET, 1);
    // Without TVM: satp and sfence.vma are fine in S.
    let t = catch(|| unsafe { asm!(".4byte 0x18002573", out("a0") _) });
    check_eq!("csrr satp in S without TVM does not trap", t.is_some(), false);
    let t = catch(|| unsafe { asm!("sfence.vma") });
    check_eq!("sfence.vma in S without TVM does not trap", t.is_some(), false);
    SEEN.store(SEEN.load(SeqCst) + 1, SeqCst);
}

extern "C" fn in_s_tsr_tw_tvm() {
    illegal("sret in S with TSR", catch(|| unsafe { asm!(".4byte 0x10200073") }), SRET, 1);
    illegal("wfi in S with TW", catch(|| unsafe { asm!(".4byte 0x10500073") }), WFI, 1);
    illegal("csrr satp in S with TVM", catch(|| unsafe { asm!(".4byte 0x18002573", out("a0") _) }), CSRR_SATP_A0, 1);
    illegal("sfence.vma in S with TVM", catch(|| unsafe { asm!(".4byte 0x12000073") }), SFENCE_VMA, 1);
    SEEN.store(SEEN.load(SeqCst) + 1, SeqCst);
}

fn main() -> u32 {
    csrw!(mie, 0);
    csrw!(medeleg, 0);
    // MRET staying in M: MIE = MPIE, MPIE = 1, MPP = U.
    csrc!(mstatus, mstatus::MPIE);
    csrs!(mstatus, mstatus::MPP | mstatus::MIE);
    let st: u64;
    unsafe { asm!("lla {t}, 1f", "csrw mepc, {t}", "mret", "1: csrr {s}, mstatus", t = out(reg) _, s = out(reg) st) };
    check_eq!("mret: MIE = old MPIE (0)", st & mstatus::MIE, 0);
    check_eq!("mret: MPIE = 1", st & mstatus::MPIE, mstatus::MPIE);
    check_eq!("mret: MPP = U", st & mstatus::MPP, 0);
    csrs!(mstatus, mstatus::MPP | mstatus::MPIE);
    let st: u64;
    unsafe { asm!("lla {t}, 1f", "csrw mepc, {t}", "mret", "1: csrr {s}, mstatus", t = out(reg) _, s = out(reg) st) };
    check_eq!("mret: MIE = old MPIE (1)", st & mstatus::MIE, mstatus::MIE);
    csrc!(mstatus, mstatus::MIE);
    // MRET to M keeps MPRV.
    csrs!(mstatus, mstatus::MPP | mstatus::MPRV);
    let st: u64;
    unsafe { asm!("lla {t}, 1f", "csrw mepc, {t}", "mret", "1: csrr {s}, mstatus", t = out(reg) _, s = out(reg) st) };
    check_eq!("mret to M keeps MPRV", st & mstatus::MPRV, mstatus::MPRV);
    csrc!(mstatus, mstatus::MPRV);
    // (MPRV clearing when leaving M is in priv_mprv.)
    run_lower(Mode::User, in_u, 0);
    // SRET from M to S: SIE = SPIE, SPIE = 1, SPP = U.
    run_lower_sret(Mode::Supervisor, in_s_sstatus, mstatus::SPIE);
    let s = SEEN.load(SeqCst);
    check_eq!("sret: SIE = old SPIE", s & mstatus::SIE, mstatus::SIE);
    check_eq!("sret: SPIE = 1", s & mstatus::SPIE, mstatus::SPIE);
    check_eq!("sret: SPP = U", s & mstatus::SPP, 0);
    csrc!(mstatus, mstatus::SIE);
    csrc!(mstatus, mstatus::SPIE);
    run_lower_sret(Mode::Supervisor, in_s_sstatus, 0);
    check_eq!("sret: SIE = old SPIE (0)", SEEN.load(SeqCst) & mstatus::SIE, 0);
    // Privileged instructions from lower modes.
    SEEN.store(1, SeqCst);
    run_lower_sret(Mode::User, in_u, 0);
    run_lower(Mode::Supervisor, in_s_plain, 0);
    run_lower(Mode::Supervisor, in_s_tsr_tw_tvm, mstatus::TSR | mstatus::TW | mstatus::TVM);
    csrc!(mstatus, mstatus::TSR | mstatus::TW | mstatus::TVM);
    check_eq!("all lower-mode parts ran", SEEN.load(SeqCst), 4);
    // TSR/TW/TVM do not affect M-mode.
    csrs!(mstatus, mstatus::TSR | mstatus::TW | mstatus::TVM);
    let t = catch(|| unsafe { asm!(".4byte 0x18002573", "sfence.vma", out("a0") _) });
    csrc!(mstatus, mstatus::TSR | mstatus::TW | mstatus::TVM);
    check_eq!("satp/sfence.vma in M with TVM do not trap", t.is_some(), false);
    // SRET in M is legal even with TSR set (TSR only traps S-mode).
    SEEN.store(0, SeqCst);
    run_lower_sret(Mode::Supervisor, in_s_sstatus, mstatus::TSR);
    csrc!(mstatus, mstatus::TSR);
    check_eq!("sret in M with TSR = 1 works", SEEN.load(SeqCst) != 0, true);
    finish("priv_xret")
}
