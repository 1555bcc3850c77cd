//! Exception delegation (Privileged 3.1.8, 4.1.1, 3.3.1): with `medeleg` bits set,
//! exceptions raised in S or U trap to S with `scause`/`sepc`/`stval`, SPP = the old
//! mode, SPIE = old SIE, SIE = 0, and SRET restores SIE; undelegated ones (and every
//! exception raised in M) trap to M with MPP = the old mode. Also ecall from U/S/M.
#![no_std]
#![no_main]

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use isa_tests::{
    catch, catch_with, cause, check, check_eq, csrc, csrr, csrs, csrw, entry, finish, mstatus, run_lower, Action, Mode,
    Trap, UNMAPPED,
};

entry!(main);

fn or_none(t: Option<Trap>) -> Trap {
    t.unwrap_or(Trap { cause: 99, ..Trap::default() })
}

/// Checks a trap's cause, where it was taken, and where it came from.
fn expect(name: &str, t: Option<Trap>, code: u64, taken_in: u64, from: u64) -> Trap {
    let t = or_none(t);
    check_eq!(name, t.cause, code);
    check_eq!(name, t.taken_in, taken_in);
    check_eq!(name, t.from, from);
    t
}

static PC: AtomicU64 = AtomicU64::new(0);

/// The exceptions every lower mode raises; `taken_in` says where each should land.
fn raise_all(from: u64, deleg: bool) {
    let to = if deleg { 1 } else { 3 };
    let mut at = 0u64;
    let t = expect(
        "illegal",
        catch(|| unsafe { asm!("2: .4byte 0x0000000b", "lla {a}, 2b", a = out(reg) at) }),
        cause::ILLEGAL,
        to,
        from,
    );
    check_eq!("illegal epc", t.epc, at);
    check_eq!("illegal tval = bits", t.tval, 0x0000000b);
    let t = expect(
        "ebreak",
        catch(|| unsafe { asm!("2: ebreak", "lla {a}, 2b", a = out(reg) at) }),
        cause::BREAKPOINT,
        to,
        from,
    );
    check_eq!("ebreak epc", t.epc, at);
    check!("ebreak tval 0 or pc", t.tval == 0 || t.tval == at);
    let t = expect(
        "load fault",
        catch(|| unsafe { asm!("ld {r}, 8({a})", r = out(reg) _, a = in(reg) UNMAPPED) }),
        cause::LOAD_ACCESS,
        to,
        from,
    );
    check_eq!("load fault tval", t.tval, UNMAPPED + 8);
    let t = expect(
        "store fault",
        catch(|| unsafe { asm!("sd {r}, 16({a})", r = in(reg) 0u64, a = in(reg) UNMAPPED) }),
        cause::STORE_ACCESS,
        to,
        from,
    );
    check_eq!("store fault tval", t.tval, UNMAPPED + 16);
    let t = expect(
        "fetch fault",
        catch_with(Action::ReturnRa, || unsafe { asm!("jalr ra, 0({a})", a = in(reg) UNMAPPED, out("ra") _) }),
        cause::INSN_ACCESS,
        to,
        from,
    );
    check_eq!("fetch fault tval", t.tval, UNMAPPED);
    check_eq!("fetch fault epc", t.epc, UNMAPPED);
}

extern "C" fn u_delegated() {
    raise_all(0, true);
    let mut at = 0u64;
    // a7 != MAGIC_RETURN, so the harness records it as a normal ecall.
    let t = expect(
        "ecall from U",
        catch(|| unsafe { asm!("2: ecall", "lla {a}, 2b", a = out(reg) at, in("a7") 0) }),
        cause::ECALL_U,
        1,
        0,
    );
    check_eq!("ecall from U sepc", t.epc, at);
    check_eq!("ecall stval", t.tval, 0);
    // From U, SIE does not matter and SPP = 0.
    check_eq!("trap from U: SPP = 0", t.status & mstatus::SPP, 0);
}

extern "C" fn s_delegated() {
    raise_all(1, true);
    // SPIE/SIE stacking: trap with SIE = 1.
    csrs!(sstatus, mstatus::SIE);
    let t = or_none(catch(|| unsafe { asm!("ebreak") }));
    let after = csrr!(sstatus);
    csrc!(sstatus, mstatus::SIE);
    check_eq!("S trap entry: SPP = S", t.status & mstatus::SPP, mstatus::SPP);
    check_eq!("S trap entry: SPIE = old SIE", t.status & mstatus::SPIE, mstatus::SPIE);
    check_eq!("S trap entry: SIE = 0", t.status & mstatus::SIE, 0);
    check_eq!("sret: SIE = SPIE", after & mstatus::SIE, mstatus::SIE);
    check_eq!("sret: SPIE = 1", after & mstatus::SPIE, mstatus::SPIE);
    // ecall from S is not delegated here (cause 9 is the harness's way back): goes to M.
    let mut at = 0u64;
    let t = expect(
        "ecall from S",
        catch(|| unsafe { asm!("2: ecall", "lla {a}, 2b", a = out(reg) at, in("a7") 0) }),
        cause::ECALL_S,
        3,
        1,
    );
    check_eq!("ecall from S mepc", t.epc, at);
    PC.store(1, SeqCst);
}

extern "C" fn s_ecall_delegated() {
    let mut at = 0u64;
    let t = expect(
        "delegated ecall from S",
        catch(|| unsafe { asm!("2: ecall", "lla {a}, 2b", a = out(reg) at, in("a7") 0) }),
        cause::ECALL_S,
        1,
        1,
    );
    check_eq!("delegated ecall from S: sepc", t.epc, at);
    check_eq!("delegated ecall from S: stval", t.tval, 0);
    PC.store(2, SeqCst);
}

extern "C" fn u_not_delegated() {
    raise_all(0, false);
    let t = expect("ecall from U to M", catch(|| unsafe { asm!("ecall", in("a7") 0) }), cause::ECALL_U, 3, 0);
    check_eq!("ecall from U mtval", t.tval, 0);
}

extern "C" fn s_not_delegated() {
    raise_all(1, false);
    let t = or_none(catch(|| unsafe { asm!("ebreak") }));
    check_eq!("M trap from S: MPP = S", (t.status & mstatus::MPP) >> 11, 1);
}

fn main() -> u32 {
    csrw!(mie, 0);
    let deleg = (1 << cause::INSN_ACCESS)
        | (1 << cause::ILLEGAL)
        | (1 << cause::BREAKPOINT)
        | (1 << cause::LOAD_ACCESS)
        | (1 << cause::STORE_ACCESS)
        | (1 << cause::ECALL_U);
    csrw!(medeleg, deleg);
    check_eq!("medeleg holds the delegated causes", csrr!(medeleg) & deleg, deleg);
    run_lower(Mode::User, u_delegated, 0);
    run_lower(Mode::Supervisor, s_delegated, 0);
    check_eq!("S-mode part ran to the end", PC.load(SeqCst), 1);
    // Ecall from S delegated to S.
    csrw!(medeleg, deleg | (1 << cause::ECALL_S));
    run_lower(Mode::Supervisor, s_ecall_delegated, 0);
    check_eq!("delegated-ecall part ran to the end", PC.load(SeqCst), 2);
    csrw!(medeleg, deleg);
    // Exceptions raised in M are never delegated (3.1.8).
    raise_all(3, false);
    csrw!(medeleg, 0);
    run_lower(Mode::User, u_not_delegated, 0);
    run_lower(Mode::Supervisor, s_not_delegated, 0);
    check_eq!("mret (way back) sets MPP to U, the least-privileged mode", (csrr!(mstatus) & mstatus::MPP) >> 11, 0);
    finish("trap_deleg")
}
