//! PMP with paging (Privileged 3.7.1, 4.3.2): PMP checks the physical address a
//! translation produced, and the fault is an access fault with the *virtual* address in
//! `mtval`; "PMP checks are also applied to page-table accesses for virtual-address
//! translation, for which the effective privilege mode is S": a PTE read PMP denies is
//! an access fault of the original access type (fetch, load, store), also for U-mode and
//! for M-mode loads under MPRV; a PMP change applies without SFENCE.VMA to translations
//! the TLB still holds.
#![no_std]
#![no_main]

#[path = "mmu_lib/mod.rs"]
mod mmu_lib;

use core::arch::asm;
use isa_tests::entry;
use mmu_lib::cause::*;
use mmu_lib::*;

entry!(main);

/// Sets entry 0 (NAPOT `size` bytes at `base`, configuration `cfg`) ahead of entry 15,
/// which opens everything; `cfg` 0 turns entry 0 off.
fn pmp0(cfg: u64, base: u64, size: u64) {
    let addr = (base >> 2) | ((size >> 3) - 1);
    // SAFETY: M-mode PMP CSR writes; entry 15 keeps the program's own memory open.
    unsafe {
        asm!(
            "csrw pmpaddr15, {all}",
            "csrw pmpaddr0, {addr}",
            "csrw pmpcfg2, {c15}",
            "csrw pmpcfg0, {c0}",
            all = in(reg) u64::MAX,
            addr = in(reg) addr,
            c15 = in(reg) 0x1fu64 << 56,
            c0 = in(reg) cfg,
        )
    }
}

const NAPOT: u64 = 3 << 3;

fn main() -> u32 {
    setup();
    let mut c = Checker::new();
    pmp0(0, 0, 8);
    let pt = Pt::new(SV39);
    let va = TEST_VA;
    let (data, _) = pt.map_new(va, V | R | W | U | A | D);
    poke(data, 7);
    let code = alloc_page();
    write_code(code, &CODE_LI42);
    let cva = TEST_VA + 0x1000;
    pt.map(cva, code, 0, V | X | A | D);
    // The leaf table holding both PTEs.
    let leaf_table = pt.slot(va, 0) & !0xfff;
    pt.activate(1);
    c.eq("open: load", load(Mode::U, va), Ok(7));

    // The data page itself: read-only through PMP.
    pmp0(NAPOT | 1, data, 4096);
    c.eq("PMP R page: load", load(Mode::U, va), Ok(7));
    c.fault("PMP R page: store faults with the virtual address", store(Mode::U, va + 8, 1), STORE_ACCESS, va + 8);
    c.fault("PMP R page: AMO", amoadd(Mode::U, va, 1), STORE_ACCESS, va);
    pmp0(NAPOT, data, 4096);
    c.fault("PMP change applies to the cached translation", load(Mode::U, va), LOAD_ACCESS, va);

    // The leaf page table: no access at S-mode privilege.
    pmp0(NAPOT, leaf_table, 4096);
    sfence_all();
    c.fault("PTE read denied: load", load(Mode::S, va), LOAD_ACCESS, va);
    c.fault("PTE read denied: store", store(Mode::S, va, 1), STORE_ACCESS, va);
    c.fault("PTE read denied: U load", load(Mode::U, va), LOAD_ACCESS, va);
    c.fault("PTE read denied: fetch", exec(Mode::S, cva), FETCH_ACCESS, cva);
    c.fault("PTE read denied: MPRV load (MPP = S)", mprv_load(Mode::S, va), LOAD_ACCESS, va);
    // Locked: still applies to the implicit accesses, whose privilege is S anyway.
    pmp0(NAPOT | 1, leaf_table, 4096);
    c.eq("PTE readable again: load", load(Mode::U, va), Ok(7));
    c.eq("PTE readable again: fetch", exec(Mode::S, cva), Ok(42));
    pmp0(0, 0, 8);
    write_satp(0);
    sfence_all();
    c.finish("mmu_pmp")
}
