//! Sv39 page faults: each PTE rule of the translation algorithm (Privileged 4.3.2) gives
//! the page fault of the access type (fetch 12, load 13, store/AMO 15) with tval = the
//! virtual address; U-mode and S-mode permission rules (U bit); non-canonical addresses;
//! pointer PTEs at level 0, reserved bits (63:54, and D/A/U on pointers). Passes on rvsim
//! and on QEMU 7.2 (the rules QEMU 7.2 gets wrong are in `mmu_spec_rvsim`).
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

fn main() -> u32 {
    setup();
    let mut c = Checker::new();
    let pt = Pt::new(SV39);
    let (rw_pa, _) = pt.map_new(page(0), V | R | W | A | D);
    pt.map_new(page(1), V | R | A | D); // read-only
    pt.map_new(page(2), R | W | A | D); // V = 0
    pt.map_new(page(3), V | W | A | D); // W without R: reserved
    pt.map_new(page(4), V | W | X | A | D); // W+X without R: reserved
    pt.map_new(page(5), V | R | W | A | D | 1 << 60); // reserved bit 60
    let (x_pa, _) = pt.map_new(page(6), V | X | A | D); // execute-only, holds code
    write_code(x_pa, &CODE_LI42);
    let (u_pa, _) = pt.map_new(page(7), V | R | W | X | U | A | D); // user page with code
    write_code(u_pa, &CODE_LI42);
    // A pointer PTE at level 0 (V set, R/W/X clear): nowhere left to go.
    let ptr_slot = pt.slot(page(8), 0);
    poke(ptr_slot, (alloc_page() >> 12) << 10 | V);
    pt.map_new(page(9), V | R | W | A | D | 1 << 61); // PBMT = NC without Svpbmt
                                                      // Three 2 MiB regions whose level-1 pointer PTE carries D, A or U (reserved).
    for (i, bit) in [D, A, U].iter().enumerate() {
        let va = TEST_VA + 0x4000_0000 * (i as u64 + 1);
        pt.map_new(va, V | R | W | A | D);
        let l1_slot = pt.slot(va, 1);
        poke(l1_slot, peek(l1_slot) | bit);
    }
    pt.activate(0);

    poke(rw_pa, 0x1234_5678);
    c.eq("S load rw", load(Mode::S, page(0)), Ok(0x1234_5678));
    c.eq("S store rw", store(Mode::S, page(0) + 8, 7), Ok(0));
    c.eq("stored through the mapping", peek(rw_pa + 8), 7);
    c.fault("S fetch from non-X page", exec(Mode::S, page(0)), FETCH_PAGE, page(0));

    c.eq("S load ro", load(Mode::S, page(1) + 16), Ok(0));
    c.fault("S store to read-only", store(Mode::S, page(1) + 16, 1), STORE_PAGE, page(1) + 16);
    c.fault("S AMO on read-only", amoadd(Mode::S, page(1) + 24, 1), STORE_PAGE, page(1) + 24);

    c.fault("load from V=0", load(Mode::S, page(2) + 8), LOAD_PAGE, page(2) + 8);
    c.fault("store to V=0", store(Mode::S, page(2) + 8, 1), STORE_PAGE, page(2) + 8);
    c.fault("fetch from V=0", exec(Mode::S, page(2) + 4), FETCH_PAGE, page(2) + 4);
    c.fault("LR from V=0 is a load fault", lr(Mode::S, page(2)), LOAD_PAGE, page(2));
    // (An AMO to a V=0 page: see mmu_spec_rvsim; QEMU 7.2 reports a load fault there.)

    c.fault("load W-only (reserved)", load(Mode::S, page(3)), LOAD_PAGE, page(3));
    c.fault("store W-only (reserved)", store(Mode::S, page(3), 1), STORE_PAGE, page(3));
    c.fault("fetch WX-only (reserved)", exec(Mode::S, page(4)), FETCH_PAGE, page(4));
    c.fault("load with reserved bit 60", load(Mode::S, page(5)), LOAD_PAGE, page(5));
    c.fault("PBMT without Svpbmt", load(Mode::S, page(9)), LOAD_PAGE, page(9));
    for (i, name) in ["D on a pointer PTE", "A on a pointer PTE", "U on a pointer PTE"].iter().enumerate() {
        let va = TEST_VA + 0x4000_0000 * (i as u64 + 1);
        c.fault(name, load(Mode::S, va), LOAD_PAGE, va);
    }
    c.fault("pointer at level 0", load(Mode::S, page(8) + 0x10), LOAD_PAGE, page(8) + 0x10);

    c.eq("S fetch from X-only page", exec(Mode::S, page(6)), Ok(42));
    c.fault("S load from X-only page (MXR clear)", load(Mode::S, page(6)), LOAD_PAGE, page(6));

    // U bit (step 6).
    c.eq("U fetch from user page", exec(Mode::U, page(7)), Ok(42));
    c.eq("U load from user page", load(Mode::U, page(7)), Ok(CODE_LI42[0] as u64 | (CODE_LI42[1] as u64) << 32));
    c.fault("U load from supervisor page", load(Mode::U, page(0)), LOAD_PAGE, page(0));
    c.fault("U store to supervisor page", store(Mode::U, page(0), 1), STORE_PAGE, page(0));
    c.fault("U fetch from supervisor page", exec(Mode::U, page(6)), FETCH_PAGE, page(6));
    c.fault("S load from user page, SUM clear", load(Mode::S, page(7)), LOAD_PAGE, page(7));
    c.fault("S store to user page, SUM clear", store(Mode::S, page(7) + 8, 1), STORE_PAGE, page(7) + 8);
    c.fault("S fetch from user page", exec(Mode::S, page(7)), FETCH_PAGE, page(7));

    // Non-canonical: bits 63..39 must equal bit 38 (4.4.1).
    let bad = 0x0000_0040_0000_0000u64;
    c.fault("load non-canonical", load(Mode::S, bad), LOAD_PAGE, bad);
    c.fault("store non-canonical", store(Mode::U, bad | 8, 1), STORE_PAGE, bad | 8);
    let bad2 = 0xffff_ff00_0000_0000u64 ^ (1 << 38);
    c.fault("fetch non-canonical", exec(Mode::S, bad2), FETCH_PAGE, bad2);
    // Unmapped but canonical, at the top of the address space.
    let top = 0xffff_ffff_ffff_f000u64;
    c.fault("load unmapped top page", load(Mode::S, top), LOAD_PAGE, top);

    write_satp(0);
    c.finish("mmu_faults")
}
