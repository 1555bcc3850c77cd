//! Benchmark (memory-bound): pointer chasing through a 16 MiB random cyclic permutation
//! and block copies between two 4 MiB buffers. Checks the chase visits every element.
#![no_std]
#![no_main]

use isa_tests::{entry, println};

entry!(main);

const CHASE: usize = 2 * 1024 * 1024; // u64 elements = 16 MiB
const COPY: usize = 512 * 1024; // u64 elements = 4 MiB

/// Buffers live above the program image (RAM is 128 MiB from 0x8000_0000).
const CHASE_BASE: usize = 0x8100_0000;
const COPY_SRC: usize = 0x8300_0000;
const COPY_DST: usize = 0x8340_0000;

fn main() -> u32 {
    // SAFETY: these RAM ranges are unused by the program image (which is below 16 MiB
    // from the start of RAM) and lie inside the default 128 MiB of RAM.
    let next = unsafe { core::slice::from_raw_parts_mut(CHASE_BASE as *mut u64, CHASE) };
    // Sattolo's algorithm: a single cycle through all elements.
    for (i, e) in next.iter_mut().enumerate() {
        *e = i as u64;
    }
    let mut x: u64 = 88172645463325252;
    for i in (1..CHASE).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % i as u64) as usize;
        next.swap(i, j);
    }
    let mut p = 0usize;
    let mut steps = 0usize;
    loop {
        p = next[p] as usize;
        steps += 1;
        if p == 0 {
            break;
        }
    }
    // SAFETY: as above.
    let (src, dst) = unsafe {
        (
            core::slice::from_raw_parts_mut(COPY_SRC as *mut u64, COPY),
            core::slice::from_raw_parts_mut(COPY_DST as *mut u64, COPY),
        )
    };
    for (i, e) in src.iter_mut().enumerate() {
        *e = i as u64 * 3;
    }
    let mut sum = 0u64;
    for _ in 0..8 {
        for (d, s) in dst.iter_mut().zip(src.iter()) {
            *d = s.wrapping_add(1);
        }
        sum = sum.wrapping_add(dst[COPY - 1]);
    }
    println!("bench_mem: cycle length {steps}, copy sum {sum}");
    if steps == CHASE && sum == 8 * ((COPY as u64 - 1) * 3 + 1) {
        0
    } else {
        1
    }
}
