//! Sv39 superpages: 2 MiB megapages and 1 GiB gigapages translate with the low VPN bits
//! passed through (step 10 of Privileged 4.3.2), and a superpage whose PPN is not aligned
//! to its size raises the page fault of the access type (step 5). Passes on rvsim and on
//! QEMU 7.2.
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
    let mega = TEST_VA; // 2 MiB page -> PA 0x8060_0000
    pt.map(mega, 0x8060_0000, 1, V | R | W | X | A | D);
    let giga = 0x10_0000_0000u64; // 1 GiB page -> PA 0x8000_0000
    pt.map(giga, 0x8000_0000, 2, V | R | W | U | A | D);
    // Misaligned: PPN not a multiple of the page size.
    let bad_mega = TEST_VA + 0x20_0000;
    pt.map(bad_mega, 0x8060_1000, 1, V | R | W | X | A | D);
    let bad_giga = 0x11_0000_0000u64;
    pt.map(bad_giga, 0x8020_0000, 2, V | R | W | X | A | D);
    let code_pa = 0x8060_0000 + 0x1f_f000; // last 4 KiB of the megapage
    write_code(code_pa, &CODE_LI42);
    pt.activate(0);

    poke(0x8060_0000 + 0x1_2348, 0xabcd);
    c.eq("2M load", load(Mode::S, mega + 0x1_2348), Ok(0xabcd));
    c.eq("2M store", store(Mode::S, mega + 0x10_0000, 77), Ok(0));
    c.eq("2M store landed", peek(0x8060_0000 + 0x10_0000), 77);
    c.eq("2M fetch near the end", exec(Mode::S, mega + 0x1f_f000), Ok(42));
    // The gigapage maps all of RAM for U-mode: read this program's own data through it.
    poke(0x8060_0000 + 0x200, 0x5151);
    c.eq("1G load", load(Mode::U, giga + 0x60_0200), Ok(0x5151));
    c.eq("1G store", store(Mode::U, giga + 0x60_0208, 88), Ok(0));
    c.eq("1G store landed", peek(0x8060_0208), 88);
    c.fault("1G fetch without X", exec(Mode::U, giga + 0x60_0000), FETCH_PAGE, giga + 0x60_0000);

    c.fault("misaligned 2M: load", load(Mode::S, bad_mega + 8), LOAD_PAGE, bad_mega + 8);
    c.fault("misaligned 2M: store", store(Mode::S, bad_mega + 0x1000, 1), STORE_PAGE, bad_mega + 0x1000);
    c.fault("misaligned 2M: fetch", exec(Mode::S, bad_mega + 0x1ff_000), FETCH_PAGE, bad_mega + 0x1ff_000);
    c.fault("misaligned 1G: load", load(Mode::S, bad_giga + 0x3000_0000), LOAD_PAGE, bad_giga + 0x3000_0000);

    write_satp(0);
    c.finish("mmu_superpage")
}
