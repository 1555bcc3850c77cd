//! Sv57 (Privileged 4.6): satp accepts the mode; the walk has five levels; 4 KiB pages at
//! the edges of both canonical halves, a top-level superpage, a misaligned one, and the
//! 57-bit canonical-address rule. See `check_wide_mode` in mmu_lib.
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
    check_wide_mode(&mut c, SV57);
    c.finish("mmu_sv57")
}
