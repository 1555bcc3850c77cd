//! Benchmark of `make bench` (issue 14): the memory workload (16 MiB pointer chase and strided read-modify-write) in S-mode under Sv39 with 4 KiB pages.
//! See `bench_lib` for the workload and its checks; exits 0 only when they pass.
#![no_std]
#![no_main]

#[path = "bench_lib/mod.rs"]
mod bench_lib;

isa_tests::entry!(main);

fn main() -> u32 {
    bench_lib::main("bench_mem_sv39", bench_lib::Workload::Mem, true)
}
