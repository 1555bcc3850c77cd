//! Benchmark: the paging workload of `bench_paging_lib` in U-mode with translation
//! off (satp = Bare): the baseline for bench_paging_on. Measure with
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
    let got = bench_paging_lib::run(false);
    let want = bench_paging_lib::EXPECTED;
    println!("bench_paging_off: checksum {got:#x} (expected {want:#x})");
    (got != want) as u32
}
