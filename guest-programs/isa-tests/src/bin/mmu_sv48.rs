//! Sv48 (Privileged 4.5): satp accepts the mode; the walk has four levels; 4 KiB pages at
//! the edges of both canonical halves, a top-level superpage, a misaligned one, and the
//! 48-bit canonical-address rule. See `check_wide_mode` in mmu_lib.
#![no_std]
#![no_main]

#[path = "mmu_lib/mod.rs"]
mod mmu_lib;

use isa_tests::entry;
use mmu_lib::*;

entry!(main);

fn main() -> u32 {
    setup();
    let mut c = Checker::new();
    check_wide_mode(&mut c, SV48);
    c.finish("mmu_sv48")
}
