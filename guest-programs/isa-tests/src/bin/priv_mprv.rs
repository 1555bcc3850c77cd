//! MPRV on xRET (Privileged 3.1.6.3, 3.3.2): "If y != M, xRET also sets MPRV = 0";
//! MRET back to M keeps it. Also MPRV = 1 with MPP = M leaves M-mode loads unchanged.
//!
//! Known QEMU 7.2 deviation: it does not clear MPRV on MRET/SRET (added in QEMU 8.0).
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{check_eq, csrc, csrr, csrs, csrw, entry, finish, mstatus, run_lower, run_lower_sret, Mode};

entry!(main);

extern "C" fn nothing() {}

static VALUE: u64 = 0x1234_5678;

fn main() -> u32 {
    csrw!(mie, 0);
    csrw!(medeleg, 0);
    // MPRV with MPP = M: loads use M-mode privilege, i.e. work as usual.
    csrs!(mstatus, mstatus::MPP | mstatus::MPRV);
    let v = unsafe { core::ptr::read_volatile(&VALUE) };
    csrc!(mstatus, mstatus::MPRV);
    check_eq!("load with MPRV=1, MPP=M", v, 0x1234_5678);
    csrs!(mstatus, mstatus::MPP | mstatus::MPRV);
    let st: u64;
    unsafe { asm!("lla {t}, 1f", "csrw mepc, {t}", "mret", "1: csrr {s}, mstatus", t = out(reg) _, s = out(reg) st) };
    csrc!(mstatus, mstatus::MPRV);
    check_eq!("mret to M keeps MPRV", st & mstatus::MPRV, mstatus::MPRV);
    run_lower(Mode::Supervisor, nothing, mstatus::MPRV);
    check_eq!("mret to S clears MPRV", csrr!(mstatus) & mstatus::MPRV, 0);
    run_lower(Mode::User, nothing, mstatus::MPRV);
    check_eq!("mret to U clears MPRV", csrr!(mstatus) & mstatus::MPRV, 0);
    run_lower_sret(Mode::Supervisor, nothing, mstatus::MPRV);
    check_eq!("sret (from M) to S clears MPRV", csrr!(mstatus) & mstatus::MPRV, 0);
    run_lower_sret(Mode::User, nothing, mstatus::MPRV);
    check_eq!("sret (from M) to U clears MPRV", csrr!(mstatus) & mstatus::MPRV, 0);
    finish("priv_mprv")
}
