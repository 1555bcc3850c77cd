//! Benchmark: the paging workload of `bench_paging_lib` in U-mode with translation
//! on (Sv39, 256 4 KiB data pages, dTLB-missing stride). Measure with
//! `rvsim run --stats`; the program checks its checksum and exits 0.
#![no_std]
#![no_main]

#[path = "bench_paging_lib/mod.rs"]
mod bench_paging_lib;
#[path = "mmu_lib/mod.rs"]
mod mmu_lib;

use isa_tests::{entry, println};

entry!(main);

fn main() -> u32 {
    let got = bench_paging_lib::run(true);
    let want = bench_paging_lib::EXPECTED;
    println!("bench_paging_on: checksum {got:#x} (expected {want:#x})");
    (got != want) as u32
}
