//! A minimal virtio-blk driver (virtio 1.2 sections 3.1, 4.2.3, 5.2) for the disk in
//! virtio-mmio slot 0: negotiates VERSION_1, sets up an 8-entry split queue, then
//! reads sector 0 (the harness filled sector N with bytes `N ^ i`), writes sector 1
//! with `0xa5 ^ i` (the harness checks the image afterwards), flushes, gets the ID, and
//! checks the error statuses for an unknown request type and a sector past the end.
//! Completion is observed through the PLIC (source 1) and InterruptStatus.
#![no_std]
#![no_main]

use isa_tests::{entry, println};

const MMIO: usize = 0x1000_1000;
const PLIC: usize = 0x0c00_0000;
// Register offsets (4.2.2).
const MAGIC: usize = 0x000;
const VERSION: usize = 0x004;
const DEVICE_ID: usize = 0x008;
const DEVICE_FEATURES: usize = 0x010;
const DEVICE_FEATURES_SEL: usize = 0x014;
const DRIVER_FEATURES: usize = 0x020;
const DRIVER_FEATURES_SEL: usize = 0x024;
const QUEUE_SEL: usize = 0x030;
const QUEUE_SIZE_MAX: usize = 0x034;
const QUEUE_SIZE: usize = 0x038;
const QUEUE_READY: usize = 0x044;
const QUEUE_NOTIFY: usize = 0x050;
const INTERRUPT_STATUS: usize = 0x060;
const INTERRUPT_ACK: usize = 0x064;
const STATUS: usize = 0x070;
const QUEUE_DESC_LOW: usize = 0x080;
const QUEUE_DESC_HIGH: usize = 0x084;
const QUEUE_DRIVER_LOW: usize = 0x090;
const QUEUE_DRIVER_HIGH: usize = 0x094;
const QUEUE_DEVICE_LOW: usize = 0x0a0;
const QUEUE_DEVICE_HIGH: usize = 0x0a4;
const CONFIG: usize = 0x100;

const QN: usize = 8;
/// Rings and buffers live at fixed addresses 1 MiB into RAM, past the program.
const DESC: usize = 0x8010_0000;
const AVAIL: usize = 0x8010_1000;
const USED: usize = 0x8010_2000;
const HDR: usize = 0x8010_3000;
const STAT: usize = 0x8010_3100;
const BUF: usize = 0x8010_4000;

fn rd(off: usize) -> u32 {
    // SAFETY: a virtio-mmio register of slot 0.
    unsafe { core::ptr::read_volatile((MMIO + off) as *const u32) }
}
fn wr(off: usize, v: u32) {
    // SAFETY: as above.
    unsafe { core::ptr::write_volatile((MMIO + off) as *mut u32, v) }
}
fn poke<T>(a: usize, v: T) {
    // SAFETY: the fixed RAM area this program owns.
    unsafe { core::ptr::write_volatile(a as *mut T, v) }
}
fn peek<T: Copy>(a: usize) -> T {
    // SAFETY: as above.
    unsafe { core::ptr::read_volatile(a as *const T) }
}
fn fence() {
    // SAFETY: a full fence orders ring writes with the device.
    unsafe { core::arch::asm!("fence iorw, iorw") };
}

fn set_desc(i: usize, addr: usize, len: u32, flags: u16, next: u16) {
    let d = DESC + 16 * i;
    poke(d, addr as u64);
    poke(d + 8, len);
    poke(d + 12, flags);
    poke(d + 14, next);
}

/// Submits header + (optional data) + status and waits for the used ring; returns the
/// status byte and the used length.
fn request(ty: u32, sector: u64, data_len: u32, device_writes_data: bool, n: u16) -> (u8, u32) {
    poke(HDR, ty);
    poke(HDR + 4, 0u32);
    poke(HDR + 8, sector);
    poke(STAT, 0xffu8);
    const NEXT: u16 = 1;
    const WRITE: u16 = 2;
    if data_len > 0 {
        set_desc(0, HDR, 16, NEXT, 1);
        set_desc(1, BUF, data_len, NEXT | if device_writes_data { WRITE } else { 0 }, 2);
        set_desc(2, STAT, 1, WRITE, 0);
    } else {
        set_desc(0, HDR, 16, NEXT, 2);
        set_desc(2, STAT, 1, WRITE, 0);
    }
    let idx: u16 = peek(AVAIL + 2);
    poke(AVAIL + 4 + 2 * (idx as usize % QN), 0u16);
    fence();
    poke(AVAIL + 2, idx.wrapping_add(1));
    fence();
    wr(QUEUE_NOTIFY, 0);
    while peek::<u16>(USED + 2) != n {}
    fence();
    // The interrupt reached the PLIC (source 1 pending) and InterruptStatus.
    let pending = peek::<u32>(PLIC + 0x1000) & 2 != 0;
    let isr = rd(INTERRUPT_STATUS);
    if !pending || isr & 1 == 0 {
        println!("plat_virtio_blk: no interrupt (plic pending {pending}, isr {isr})");
    }
    wr(INTERRUPT_ACK, isr);
    let slot = USED + 4 + 8 * ((n as usize - 1) % QN);
    (peek(STAT), peek(slot + 4))
}

entry!(main);

fn main() -> u32 {
    if rd(MAGIC) != 0x7472_6976 || rd(VERSION) != 2 || rd(DEVICE_ID) != 2 {
        println!("plat_virtio_blk: no virtio-blk v2 device in slot 0");
        return 1;
    }
    wr(STATUS, 0);
    wr(STATUS, 1); // ACKNOWLEDGE
    wr(STATUS, 1 | 2); // DRIVER
    wr(DEVICE_FEATURES_SEL, 1);
    let hi = rd(DEVICE_FEATURES);
    if hi & 1 == 0 {
        println!("plat_virtio_blk: VERSION_1 not offered");
        return 2;
    }
    wr(DRIVER_FEATURES_SEL, 0);
    wr(DRIVER_FEATURES, 0);
    wr(DRIVER_FEATURES_SEL, 1);
    wr(DRIVER_FEATURES, 1); // VIRTIO_F_VERSION_1
    wr(STATUS, 1 | 2 | 8); // FEATURES_OK
    if rd(STATUS) & 8 == 0 {
        println!("plat_virtio_blk: FEATURES_OK not accepted");
        return 3;
    }
    wr(QUEUE_SEL, 0);
    if (rd(QUEUE_SIZE_MAX) as usize) < QN {
        return 4;
    }
    wr(QUEUE_SIZE, QN as u32);
    for a in (DESC..BUF + 0x1000).step_by(8) {
        poke(a, 0u64);
    }
    wr(QUEUE_DESC_LOW, DESC as u32);
    wr(QUEUE_DESC_HIGH, 0);
    wr(QUEUE_DRIVER_LOW, AVAIL as u32);
    wr(QUEUE_DRIVER_HIGH, 0);
    wr(QUEUE_DEVICE_LOW, USED as u32);
    wr(QUEUE_DEVICE_HIGH, 0);
    wr(QUEUE_READY, 1);
    wr(STATUS, 1 | 2 | 8 | 4); // DRIVER_OK
                               // PLIC: source 1 (slot 0) enabled for hart 0 M-mode so that it pends.
    poke(PLIC + 4, 1u32);
    poke(PLIC + 0x2000, 2u32);
    let capacity = rd(CONFIG) as u64 | (rd(CONFIG + 4) as u64) << 32;
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
