//! Zicbom/Zicboz under Sv39 translation, from U-mode (Unprivileged "CMO" chapter,
//! "Cache-Block Operations" and its exception rules): CBO.ZERO needs store permission and
//! faults as a store (cause 15); CBO.CLEAN/FLUSH/INVAL are permitted when a load *or* a
//! store would be, and otherwise also raise a store page fault. tval is the base of the
//! 64-byte block (as QEMU and Spike report it). The U bit and MXR apply as for loads.
//!
//! Not run on QEMU 7.2, which has no Zicbom/Zicboz (QEMU 8.0 added them).
#![no_std]
#![no_main]

#[path = "mmu_lib/mod.rs"]
mod mmu_lib;

use isa_tests::entry;
use mmu_lib::cause::*;
use mmu_lib::*;

entry!(main);

fn page(i: u64) -> u64 {
    TEST_VA + i * 0x1000
}

/// `cbo.<op> (a0); li a0, 7; ecall`, one per 16 bytes: zero, clean, flush, inval.
const CODE: [u32; 16] = [
    0x0045_200f,
    0x0070_0513,
    0x0000_0073,
    0, // cbo.zero
    0x0015_200f,
    0x0070_0513,
    0x0000_0073,
    0, // cbo.clean
    0x0025_200f,
    0x0070_0513,
    0x0000_0073,
    0, // cbo.flush
    0x0005_200f,
    0x0070_0513,
    0x0000_0073,
    0, // cbo.inval
];
const ZERO: u64 = 0;
const CLEAN: u64 = 16;
const FLUSH: u64 = 32;
const INVAL: u64 = 48;

const MENVCFG_ALL: u64 = 0xf0; // CBZE, CBCFE, CBIE = 11

fn main() -> u32 {
    setup();
    let mut c = Checker::new();
    // SAFETY: M-mode CSR writes enabling the CBOs in S and U.
    unsafe { core::arch::asm!("csrw menvcfg, {0}", "csrw senvcfg, {0}", in(reg) MENVCFG_ALL) };
    let pt = Pt::new(SV39);
    let (code_pa, _) = pt.map_new(page(0), V | R | X | U | A);
    write_code(code_pa, &CODE);
    let (rw_pa, _) = pt.map_new(page(1), V | R | W | U | A | D);
    pt.map_new(page(2), V | R | U | A); // read-only
    pt.map_new(page(3), V | X | U | A); // execute-only
    pt.map_new(page(4), R | W | U | A | D); // V = 0
    pt.map_new(page(5), V | R | W | A | D); // supervisor page
    for k in 0..512 {
        poke(rw_pa + 8 * k, 0x5a5a_0000 + k);
    }
    pt.activate(0);
    let run = |op: u64, va: u64| call_user(page(0) + op, va, 0);

    c.eq("cbo.zero on a writable page", run(ZERO, page(1) + 0x45), Ok(7));
    let zeroed = (8..16).all(|k| peek(rw_pa + 8 * k) == 0);
    let kept = (0..8).chain(16..512).all(|k| peek(rw_pa + 8 * k) == 0x5a5a_0000 + k);
    c.eq("... zeroes bytes 0x40..0x80 only", (zeroed, kept), (true, true));
    c.fault("cbo.zero on a read-only page", run(ZERO, page(2) + 0x45), STORE_PAGE, page(2) + 0x40);
    c.eq("cbo.clean on a read-only page", run(CLEAN, page(2) + 8), Ok(7));
    c.eq("cbo.flush on a writable page", run(FLUSH, page(1) + 0xfff), Ok(7));
    c.eq("cbo.inval on a writable page", run(INVAL, page(1)), Ok(7));
    c.eq("... and the data stays", peek(rw_pa + 8 * 20), 0x5a5a_0000 + 20);
    c.fault("cbo.inval on an execute-only page", run(INVAL, page(3) + 0x7f), STORE_PAGE, page(3) + 0x40);
    c.fault("cbo.clean on an invalid page", run(CLEAN, page(4)), STORE_PAGE, page(4));
    c.fault("cbo.zero on an invalid page", run(ZERO, page(4) + 0x80), STORE_PAGE, page(4) + 0x80);
    c.fault("cbo.flush from U on a supervisor page", run(FLUSH, page(5)), STORE_PAGE, page(5));
    c.fault("cbo.zero from U on a supervisor page", run(ZERO, page(5)), STORE_PAGE, page(5));
    // MXR makes execute-only pages readable, so the management CBOs are permitted.
    mstatus_set(MSTATUS_MXR);
    c.eq("cbo.clean on an execute-only page with MXR", run(CLEAN, page(3)), Ok(7));
    c.fault("cbo.zero on an execute-only page with MXR", run(ZERO, page(3)), STORE_PAGE, page(3));
    mstatus_clear(MSTATUS_MXR);

    write_satp(0);
    // SAFETY: M-mode CSR writes.
    unsafe { core::arch::asm!("csrw menvcfg, zero", "csrw senvcfg, zero") };
    c.finish("zicbo_paging")
}
