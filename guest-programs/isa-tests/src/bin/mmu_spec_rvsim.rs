//! rvsim-only: translation rules where QEMU 7.2 differs from the Privileged spec, so this
//! program fails on QEMU 7.2 by design (each check says what QEMU 7.2 does instead).
//!
//! - An AMO whose translation faults raises a store/AMO page fault (4.3.1: "AMOs never
//!   raise load page-fault exceptions"); QEMU 7.2 raises a load page fault on V=0.
//! - A PTE address that no memory claims is an access fault of the access type (step 2:
//!   "raise an access-fault exception corresponding to the original access type");
//!   QEMU 7.2 raises a page fault.
#![no_std]
#![no_main]

#[path = "mmu_lib/mod.rs"]
mod mmu_lib;

use isa_tests::entry;
use mmu_lib::cause::*;

use mmu_lib::*;

entry!(main);

fn main() -> u32 {
    setup();
    let mut c = Checker::new();
    let pt = Pt::new(SV39);
    let base = TEST_VA;
    pt.map_new(base, R | W | A | D); // V = 0
                                     // A 1 GiB region whose level-1 table lies outside RAM (in the hole at 0x2000_0000).
    let hole = base + 0x4000_0000;
    let l2_slot = pt.slot(hole, 2);
    poke(l2_slot, (0x2000_0000u64 >> 12) << 10 | V);
    pt.activate(0);

    c.fault("AMO on V=0 is a store/AMO page fault", amoadd(Mode::S, base + 8, 1), STORE_PAGE, base + 8);
    c.fault("PTE outside RAM: load", load(Mode::S, hole + 8), LOAD_ACCESS, hole + 8);
    c.fault("PTE outside RAM: store", store(Mode::U, hole + 16, 1), STORE_ACCESS, hole + 16);
    c.fault("PTE outside RAM: fetch", exec(Mode::S, hole + 4), FETCH_ACCESS, hole + 4);

    write_satp(0);
    c.finish("mmu_spec_rvsim")
}
