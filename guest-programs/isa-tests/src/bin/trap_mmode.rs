//! Exceptions taken in M-mode from M-mode (Privileged 3.1.6.1, 3.1.14-3.1.16, 3.3.1):
//! breakpoint, ecall, load/store/fetch access faults, with the right `mcause`, `mepc`,
//! `mtval`, and the `mstatus` stack (MPP = M, MPIE = old MIE, MIE = 0), restored by MRET.
//! Instruction-address-misaligned cannot occur with C (IALIGN = 16 and JALR clears bit
//! 0), so it is not tested.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{
    catch, catch_with, cause, check, check_eq, csrc, csrr, csrs, entry, finish, mstatus, Action, Trap, UNMAPPED,
};

entry!(main);

fn or_none(t: Option<Trap>) -> Trap {
    t.unwrap_or(Trap { cause: 99, ..Trap::default() })
}

fn main() -> u32 {
    csrc!(mie, u64::MAX); // no interrupts while MIE is toggled below

    // EBREAK with MIE = 1: MPIE = 1, MIE = 0, MPP = M at entry; MRET restores MIE.
    csrs!(mstatus, mstatus::MIE);
    let mut at = 0u64;
    let t = or_none(catch(|| unsafe {
        asm!(".option push", ".option norvc", "2: ebreak", ".option pop", "lla {a}, 2b", a = out(reg) at)
    }));
    let after = csrr!(mstatus);
    csrc!(mstatus, mstatus::MIE);
    check_eq!("ebreak mcause", t.cause, cause::BREAKPOINT);
    check_eq!("ebreak mepc", t.epc, at);
    check!("ebreak mtval is 0 or the pc", t.tval == 0 || t.tval == at);
    check_eq!("trap entry: MPP = M", (t.status & mstatus::MPP) >> 11, 3);
    check_eq!("trap entry: MPIE = old MIE (1)", t.status & mstatus::MPIE, mstatus::MPIE);
    check_eq!("trap entry: MIE = 0", t.status & mstatus::MIE, 0);
    check_eq!("mret: MIE = MPIE", after & mstatus::MIE, mstatus::MIE);
    check_eq!("mret: MPIE = 1", after & mstatus::MPIE, mstatus::MPIE);

    // With MIE = 0 the trap stacks MPIE = 0.
    let t = or_none(catch(|| unsafe { asm!("ebreak") }));
    check_eq!("trap entry with MIE=0: MPIE = 0", t.status & mstatus::MPIE, 0);
    check_eq!("mret with MPIE=0 leaves MIE = 0", csrr!(mstatus) & mstatus::MIE, 0);

    // ECALL from M: cause 11, mtval 0, mepc at the ecall.
    let mut at = 0u64;
    let t = or_none(catch(|| unsafe { asm!("2: ecall", "lla {a}, 2b", a = out(reg) at) }));
    check_eq!("ecall from M mcause", t.cause, cause::ECALL_M);
    check_eq!("ecall from M mepc", t.epc, at);
    check_eq!("ecall mtval", t.tval, 0);

    // Load / store access faults report the address; the load leaves rd unchanged.
    for (addr, name) in [(UNMAPPED, "unmapped"), (0x9000_0000, "past RAM")] {
        let mut r = 7u64;
        let t = or_none(catch(|| unsafe { asm!("ld {r}, 0({a})", r = inout(reg) r, a = in(reg) addr) }));
        check_eq!(name, t.cause, cause::LOAD_ACCESS);
        check_eq!(name, t.tval, addr);
        check_eq!("faulting load leaves rd", r, 7);
        let t = or_none(catch(|| unsafe { asm!("sw {r}, 0({a})", r = in(reg) 1u64, a = in(reg) addr) }));
        check_eq!(name, t.cause, cause::STORE_ACCESS);
        check_eq!(name, t.tval, addr);
    }
    // A load at an offset: mtval is the effective address.
    let t = or_none(catch(|| unsafe { asm!("lw {r}, -16({a})", r = out(reg) _, a = in(reg) UNMAPPED + 0x40) }));
    check_eq!("lw -16(base) tval = effective address", t.tval, UNMAPPED + 0x30);

    // Fetch from an unmapped address: instruction access fault, mepc = mtval = target.
    let t =
        or_none(catch_with(Action::ReturnRa, || unsafe { asm!("jalr ra, 0({a})", a = in(reg) UNMAPPED, out("ra") _) }));
    check_eq!("fetch fault mcause", t.cause, cause::INSN_ACCESS);
    check_eq!("fetch fault mepc", t.epc, UNMAPPED);
    check_eq!("fetch fault mtval", t.tval, UNMAPPED);

    // Byte loads (faults of misaligned accesses are in trap_access_tval).
    let t = or_none(catch(|| unsafe { asm!("lbu {r}, 0({a})", r = out(reg) _, a = in(reg) UNMAPPED + 8) }));
    check_eq!("lbu access fault cause", t.cause, cause::LOAD_ACCESS);
    check_eq!("lbu access fault tval", t.tval, UNMAPPED + 8);
    finish("trap_mmode")
}
