//! CSR access rules (Privileged 2.1, 3.1.11/3.1.12 counter-enable, 4.1.5): accessing a
//! CSR whose address names a higher privilege, writing a read-only CSR, or naming no CSR
//! raises illegal instruction with mtval = the instruction; the cycle/time/instret
//! shadows are readable in S only when enabled in mcounteren, and in U only when enabled
//! in both mcounteren and scounteren.
#![no_std]
#![no_main]

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use isa_tests::{catch, cause, check_eq, csrw, entry, finish, run_lower, Mode, Trap};

entry!(main);

fn or_none(t: Option<Trap>) -> Trap {
    t.unwrap_or(Trap { cause: 99, ..Trap::default() })
}

fn illegal(name: &str, t: Option<Trap>, bits: u64) {
    let t = or_none(t);
    check_eq!(name, t.cause, cause::ILLEGAL);
    check_eq!(name, t.tval, bits);
}

fn ok(name: &str, t: Option<Trap>) {
    check_eq!(name, t.map_or(0, |t| t.cause | 0x100), 0);
}

/// Runs the raw CSR instruction (rd = a0) and returns its trap, if any.
macro_rules! try_raw {
    ($bits:literal) => {
        catch(|| unsafe { asm!(concat!(".4byte ", stringify!($bits)), out("a0") _) })
    };
}

// csrr a0, CSR = csrrs a0, CSR, x0 = (CSR << 20) | (2 << 12) | (10 << 7) | 0x73.
const fn csrr_a0(csr: u64) -> u64 {
    (csr << 20) | (2 << 12) | (10 << 7) | 0x73
}

static PHASE: AtomicU64 = AtomicU64::new(0);

extern "C" fn s_part() {
    illegal("csrr mstatus in S", try_raw!(0x30002573), csrr_a0(0x300));
    illegal("csrr mscratch in S", try_raw!(0x34002573), csrr_a0(0x340));
    illegal("csrr mhartid in S", try_raw!(0xf1402573), csrr_a0(0xf14));
    ok("csrr sstatus in S", try_raw!(0x10002573));
    ok("csrr sscratch in S", try_raw!(0x14002573));
    match PHASE.load(SeqCst) {
        0 => {
            // mcounteren = 0: all counters illegal in S.
            illegal("rdcycle in S, mcounteren=0", try_raw!(0xc0002573), csrr_a0(0xc00));
            illegal("rdtime in S, mcounteren=0", try_raw!(0xc0102573), csrr_a0(0xc01));
            illegal("rdinstret in S, mcounteren=0", try_raw!(0xc0202573), csrr_a0(0xc02));
        }
        _ => {
            // mcounteren = CY|TM|IR: readable in S regardless of scounteren.
            ok("rdcycle in S, mcounteren.CY", try_raw!(0xc0002573));
            ok("rdtime in S, mcounteren.TM", try_raw!(0xc0102573));
            ok("rdinstret in S, mcounteren.IR", try_raw!(0xc0202573));
            illegal("hpmcounter3 in S, mcounteren.HPM3=0", try_raw!(0xc0302573), csrr_a0(0xc03));
        }
    }
    // Writes to read-only counters are illegal even when readable.
    illegal("csrw cycle in S", catch(|| unsafe { asm!(".4byte 0xc0051073", in("a0") 0) }), 0xc005_1073);
}

extern "C" fn u_part() {
    illegal("csrr sstatus in U", try_raw!(0x10002573), csrr_a0(0x100));
    illegal("csrr sscratch in U", try_raw!(0x14002573), csrr_a0(0x140));
    illegal("csrr satp in U", try_raw!(0x18002573), csrr_a0(0x180));
    illegal("csrr mstatus in U", try_raw!(0x30002573), csrr_a0(0x300));
    match PHASE.load(SeqCst) {
        0 | 1 => {
            illegal("rdcycle in U", try_raw!(0xc0002573), csrr_a0(0xc00));
            illegal("rdtime in U", try_raw!(0xc0102573), csrr_a0(0xc01));
            illegal("rdinstret in U", try_raw!(0xc0202573), csrr_a0(0xc02));
        }
        _ => {
            ok("rdcycle in U, both enables", try_raw!(0xc0002573));
            ok("rdtime in U, both enables", try_raw!(0xc0102573));
            ok("rdinstret in U, both enables", try_raw!(0xc0202573));
        }
    }
}

fn main() -> u32 {
    csrw!(medeleg, 0);
    // M-mode: read-only CSRs may be read, not written (bits 11:10 = 0b11, 2.1).
    ok("csrr mhartid", try_raw!(0xf1402573));
    ok("csrr mvendorid", try_raw!(0xf1102573));
    ok("csrrs mhartid, x0 does not write", catch(|| unsafe { asm!("csrrs a0, mhartid, x0", out("a0") _) }));
    ok("csrrsi mhartid, 0 does not write", catch(|| unsafe { asm!("csrrsi a0, mhartid, 0", out("a0") _) }));
    illegal("csrw mhartid", catch(|| unsafe { asm!(".4byte 0xf1451073", in("a0") 0) }), 0xf145_1073);
    // (CSRRS with a zero-valued rs1 != x0 on a read-only CSR is in zicsr_rs1_nonzero.)
    illegal("csrrwi mvendorid, 0", catch(|| unsafe { asm!(".4byte 0xf1105073") }), 0xf110_5073);
    illegal("csrw cycle in M", catch(|| unsafe { asm!(".4byte 0xc0051073", in("a0") 0) }), 0xc005_1073);
    illegal("csrw instret in M", catch(|| unsafe { asm!(".4byte 0xc0251073", in("a0") 0) }), 0xc025_1073);
    // Addresses that name no CSR.
    illegal("csrr 0x0ff (unassigned)", try_raw!(0x0ff02573), csrr_a0(0x0ff));
    illegal("csrr 0x8ff (unassigned)", try_raw!(0x8ff02573), csrr_a0(0x8ff));
    illegal("csrr dcsr outside debug mode", try_raw!(0x7b002573), csrr_a0(0x7b0));
    // A faulting CSR instruction leaves rd unchanged.
    let mut r = 5u64;
    let _ = catch(|| unsafe { asm!(".4byte 0x0ff02573", inout("a0") r) });
    check_eq!("illegal csrr leaves rd", r, 5);

    csrw!(mcounteren, 0);
    csrw!(scounteren, 0);
    run_lower(Mode::Supervisor, s_part, 0);
    run_lower(Mode::User, u_part, 0);
    PHASE.store(1, SeqCst);
    csrw!(mcounteren, 7);
    run_lower(Mode::Supervisor, s_part, 0);
    run_lower(Mode::User, u_part, 0);
    PHASE.store(2, SeqCst);
    csrw!(scounteren, 7);
    run_lower(Mode::User, u_part, 0);
    // scounteren alone does not enable U.
    PHASE.store(1, SeqCst);
    csrw!(mcounteren, 0);
    run_lower(Mode::User, u_part, 0);
    finish("priv_csr_access")
}
