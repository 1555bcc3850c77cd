//! mstatus.SUM, mstatus.MXR and mstatus.MPRV (Privileged 3.1.6.3 and 4.1.1): S-mode
//! loads/stores to U pages only with SUM, never fetches; loads from execute-only pages
//! only with MXR; M-mode loads/stores with MPRV = 1 are translated and checked as if at
//! privilege MPP. SUM/MXR changes take effect without SFENCE.VMA (4.2.1). Passes on rvsim
//! and on QEMU 7.2.
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
    let upage = TEST_VA;
    let spage = TEST_VA + 0x1000;
    let xpage = TEST_VA + 0x2000;
    let (u_pa, _) = pt.map_new(upage, V | R | W | X | U | A | D);
    write_code(u_pa, &CODE_LI42);
    let (s_pa, _) = pt.map_new(spage, V | R | W | A | D);
    let (x_pa, _) = pt.map_new(xpage, V | X | A | D);
    write_code(x_pa, &CODE_LI42);
    let ux = TEST_VA + 0x3000;
    let (ux_pa, _) = pt.map_new(ux, V | X | U | A | D);
    write_code(ux_pa, &CODE_LI42);
    pt.activate(0);
    poke(u_pa + 8, 11);
    poke(s_pa + 8, 22);
    let li42 = CODE_LI42[0] as u64 | (CODE_LI42[1] as u64) << 32;

    // SUM.
    c.fault("S load U page, SUM=0", load(Mode::S, upage + 8), LOAD_PAGE, upage + 8);
    mstatus_set(MSTATUS_SUM);
    c.eq("S load U page, SUM=1", load(Mode::S, upage + 8), Ok(11));
    c.eq("S store U page, SUM=1", store(Mode::S, upage + 16, 3), Ok(0));
    c.fault("S fetch U page, SUM=1", exec(Mode::S, upage), FETCH_PAGE, upage);
    mstatus_clear(MSTATUS_SUM);
    c.fault("SUM cleared again (no fence)", load(Mode::S, upage + 8), LOAD_PAGE, upage + 8);
    c.eq("U unaffected by SUM", load(Mode::U, upage + 16), Ok(3));

    // MXR.
    c.fault("S load X-only, MXR=0", load(Mode::S, xpage), LOAD_PAGE, xpage);
    c.fault("U load X-only, MXR=0", load(Mode::U, ux), LOAD_PAGE, ux);
    mstatus_set(MSTATUS_MXR);
    c.eq("S load X-only, MXR=1", load(Mode::S, xpage), Ok(li42));
    c.eq("U load X-only, MXR=1", load(Mode::U, ux), Ok(li42));
    c.fault("MXR does not allow stores", store(Mode::S, xpage, 1), STORE_PAGE, xpage);
    mstatus_clear(MSTATUS_MXR);
    c.fault("MXR cleared again", load(Mode::S, xpage + 8), LOAD_PAGE, xpage + 8);
    c.eq("U fetch from U X-only page", exec(Mode::U, ux), Ok(42));

    // MPRV: M-mode data accesses translated at MPP's privilege.
    c.eq("MPRV MPP=S load S page", mprv_load(Mode::S, spage + 8), Ok(22));
    c.eq("MPRV MPP=U load U page", mprv_load(Mode::U, upage + 8), Ok(11));
    c.fault("MPRV MPP=U load S page", mprv_load(Mode::U, spage + 8), LOAD_PAGE, spage + 8);
    c.fault("MPRV MPP=S load U page, SUM=0", mprv_load(Mode::S, upage + 8), LOAD_PAGE, upage + 8);
    c.fault("MPRV MPP=U store S page", mprv_store(Mode::U, spage, 5), STORE_PAGE, spage);
    c.eq("MPRV MPP=S store S page", mprv_store(Mode::S, spage + 24, 6), Ok(0));
    c.eq("MPRV store landed", peek(s_pa + 24), 6);
    mstatus_set(MSTATUS_SUM);
    c.eq("MPRV MPP=S load U page, SUM=1", mprv_load(Mode::S, upage + 8), Ok(11));
    mstatus_clear(MSTATUS_SUM);
    c.fault("MPRV unmapped", mprv_load(Mode::S, TEST_VA + 0x10_0000), LOAD_PAGE, TEST_VA + 0x10_0000);
    // Without MPRV, M-mode ignores satp: physical addresses work while satp is on.
    c.eq("M-mode bare while satp is on", peek(s_pa + 8), 22);

    write_satp(0);
    c.finish("mmu_sum_mxr_mprv")
}
