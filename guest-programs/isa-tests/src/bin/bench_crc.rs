//! Benchmark (integer): table-driven CRC-32 over a 64 KiB buffer, repeated. Prints the
//! checksum so the work cannot be optimised away; exits 0 when it matches the value
//! computed on the host for the same data.
#![no_std]
#![no_main]

use isa_tests::{entry, println};

entry!(main);

const LEN: usize = 64 * 1024;
const ROUNDS: u32 = 512;
static mut BUF: [u8; LEN] = [0; LEN];

fn table() -> [u32; 256] {
    let mut t = [0u32; 256];
    for (i, e) in t.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
        }
        *e = c;
    }
    t
}

fn main() -> u32 {
    // SAFETY: single-threaded bare-metal program; BUF is only used here.
    let buf = unsafe { &mut *core::ptr::addr_of_mut!(BUF) };
    let mut x: u32 = 12345;
    for b in buf.iter_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    let t = table();
    let mut crc = 0u32;
    for _ in 0..ROUNDS {
        let mut c = !crc;
        for &b in buf.iter() {
            c = t[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
        }
        crc = !c;
    }
    println!("bench_crc: crc32 = {crc:#010x}");
    // Value from the same computation on the host (see tests/tests/bench.rs).
    if crc == EXPECTED {
        0
    } else {
        1
    }
}

const EXPECTED: u32 = 0x9017_b18e;
