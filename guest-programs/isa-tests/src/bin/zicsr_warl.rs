//! WARL fields with a spec-mandated legal set (Privileged 3.1.6.1, 3.1.8, 3.1.14):
//! mstatus.MPP "can hold only privilege mode x and any implemented privilege mode lower
//! than x", so never the reserved 2; medeleg[11] (ecall from M) is read-only zero;
//! mepc[0] (and sepc[0]) is always zero.
//!
//! Known QEMU 7.2 deviations: it keeps MPP = 2, lets medeleg[11] be set, and keeps
//! mepc[0]/sepc[0] as written.
#![no_std]
#![no_main]

use isa_tests::{check, check_eq, csrc, csrr, csrs, csrw, entry, finish, mstatus};

entry!(main);

fn main() -> u32 {
    csrc!(mstatus, mstatus::MPP);
    csrs!(mstatus, 2 << 11);
    check!("mstatus.MPP never reads 2", (csrr!(mstatus) & mstatus::MPP) >> 11 != 2);
    csrs!(mstatus, mstatus::MPP);
    csrw!(medeleg, 1 << 11);
    check_eq!("medeleg[11] read-only zero", csrr!(medeleg) & (1 << 11), 0);
    csrw!(medeleg, 0);
    let saved = csrr!(mepc);
    csrw!(mepc, 0x8000_1235);
    check_eq!("mepc[0] reads 0 (IALIGN=16)", csrr!(mepc), 0x8000_1234u64);
    csrw!(mepc, saved);
    csrw!(sepc, 0x8000_1237);
    check_eq!("sepc[0] reads 0", csrr!(sepc), 0x8000_1236u64);
    finish("zicsr_warl")
}
