//! The demo `make run` boots: prints a greeting from M-mode and exits through the finisher.
#![no_std]
#![no_main]

use isa_tests::{entry, println};

entry!(main);

fn main() -> u32 {
    println!("Hello from RISC-V! This is rvsim, a machine you can read.");
    0
}
