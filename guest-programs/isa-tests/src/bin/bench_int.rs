//! Benchmark of `make bench` (issue 14): the integer workload (CRC-32 and heap sort) in M-mode, no paging.
//! See `bench_lib` for the workload and its checks; exits 0 only when they pass.
#![no_std]
#![no_main]

#[path = "bench_lib/mod.rs"]
mod bench_lib;

isa_tests::entry!(main);

fn main() -> u32 {
    bench_lib::main("bench_int", bench_lib::Workload::Int, false)
}
