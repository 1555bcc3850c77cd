//! A and D bits with the default (hardware) A/D mode: the walker sets A on the first
//! access of any kind and D on the first store, in the leaf PTE in memory (Privileged
//! 4.3.1, the scheme without Svade; step 9 of 4.3.2), for 4 KiB pages and superpages,
//! from S and U mode; a faulting access sets neither. Passes on rvsim and on QEMU 7.2.
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
    let va = TEST_VA;
    let (_, s_load) = pt.map_new(va, V | R | W);
    let (_, s_store) = pt.map_new(va + 0x1000, V | R | W);
    let (code, s_fetch) = pt.map_new(va + 0x2000, V | R | X);
    write_code(code, &CODE_LI42);
    let (_, u_page) = pt.map_new(va + 0x3000, V | R | W | U);
    let (_, ro) = pt.map_new(va + 0x4000, V | R);
    let (_, amo) = pt.map_new(va + 0x5000, V | R | W);
    // A 2 MiB page, A/D clear.
    let big_va = va + 0x20_0000;
    let big_pa = 0x8040_0000; // 2 MiB aligned, inside this program's RAM
    let big = pt.map(big_va, big_pa, 1, V | R | W);
    pt.activate(0);

    let ad = |slot: u64| peek(slot) & (A | D);
    c.eq("S load ok", load(Mode::S, va), Ok(0));
    c.eq("load sets A only", ad(s_load), A);
    c.eq("S store ok", store(Mode::S, va + 0x1008, 5), Ok(0));
    c.eq("store sets A and D", ad(s_store), A | D);
    c.eq("fetch ok", exec(Mode::S, va + 0x2000), Ok(42));
    c.eq("fetch sets A only", ad(s_fetch), A);
    c.eq("U load ok", load(Mode::U, va + 0x3000), Ok(0));
    c.eq("U load sets A", ad(u_page), A);
    c.eq("U store ok", store(Mode::U, va + 0x3008, 1), Ok(0));
    c.eq("then a store sets D (TLB entry had D=0)", ad(u_page), A | D);
    c.fault("store to read-only page", store(Mode::S, va + 0x4000, 1), STORE_PAGE, va + 0x4000);
    c.eq("a faulting access sets neither", ad(ro), 0);
    c.eq("AMO ok", amoadd(Mode::S, va + 0x5000, 3), Ok(0));
    c.eq("AMO sets A and D", ad(amo), A | D);
    c.eq("AMO result", load(Mode::S, va + 0x5000), Ok(3));
    c.eq("superpage load", load(Mode::S, big_va + 0x1_2340), Ok(0));
    c.eq("superpage load sets A", ad(big), A);
    c.eq("superpage store", store(Mode::S, big_va + 0x1f_fff8, 9), Ok(0));
    c.eq("superpage store sets D", ad(big), A | D);
    c.eq("superpage store went to the right place", peek(big_pa + 0x1f_fff8), 9);
    // The PPN and permission bits are untouched by the update.
    c.eq("rest of the PTE unchanged", peek(big) & !(A | D), (big_pa >> 12) << 10 | V | R | W);

    write_satp(0);
    c.finish("mmu_ad")
}
