//! A minimal virtio-blk driver (virtio 1.2 sections 3.1, 4.2.3, 5.2) for the disk in
//! virtio-mmio slot 0, shared by the platform test programs: negotiates VERSION_1, sets
//! up an 8-entry split queue at fixed addresses and submits requests.
#![allow(dead_code)]

pub const MMIO: usize = 0x1000_1000;
pub const PLIC: usize = 0x0c00_0000;
// Register offsets (4.2.2).
pub const MAGIC: usize = 0x000;
pub const VERSION: usize = 0x004;
pub const DEVICE_ID: usize = 0x008;
pub const DEVICE_FEATURES: usize = 0x010;
pub const DEVICE_FEATURES_SEL: usize = 0x014;
pub const DRIVER_FEATURES: usize = 0x020;
pub const DRIVER_FEATURES_SEL: usize = 0x024;
pub const QUEUE_SEL: usize = 0x030;
pub const QUEUE_SIZE_MAX: usize = 0x034;
pub const QUEUE_SIZE: usize = 0x038;
pub const QUEUE_READY: usize = 0x044;
pub const QUEUE_NOTIFY: usize = 0x050;
pub const INTERRUPT_STATUS: usize = 0x060;
pub const INTERRUPT_ACK: usize = 0x064;
pub const STATUS: usize = 0x070;
pub const QUEUE_DESC_LOW: usize = 0x080;
pub const QUEUE_DESC_HIGH: usize = 0x084;
pub const QUEUE_DRIVER_LOW: usize = 0x090;
pub const QUEUE_DRIVER_HIGH: usize = 0x094;
pub const QUEUE_DEVICE_LOW: usize = 0x0a0;
pub const QUEUE_DEVICE_HIGH: usize = 0x0a4;
pub const CONFIG: usize = 0x100;

pub const QN: usize = 8;
/// Rings and buffers live at fixed addresses 1 MiB into RAM, past the program.
pub const DESC: usize = 0x8010_0000;
pub const AVAIL: usize = 0x8010_1000;
pub const USED: usize = 0x8010_2000;
pub const HDR: usize = 0x8010_3000;
pub const STAT: usize = 0x8010_3100;
pub const BUF: usize = 0x8010_4000;

/// Request types (5.2.6).
pub const T_IN: u32 = 0;
pub const T_OUT: u32 = 1;
pub const T_FLUSH: u32 = 4;

pub fn rd(off: usize) -> u32 {
    // SAFETY: a virtio-mmio register of slot 0.
    unsafe { core::ptr::read_volatile((MMIO + off) as *const u32) }
}
pub fn wr(off: usize, v: u32) {
    // SAFETY: as above.
    unsafe { core::ptr::write_volatile((MMIO + off) as *mut u32, v) }
}
pub fn poke<T>(a: usize, v: T) {
    // SAFETY: the fixed RAM area these programs own, or a PLIC register.
    unsafe { core::ptr::write_volatile(a as *mut T, v) }
}
pub fn peek<T: Copy>(a: usize) -> T {
    // SAFETY: as above.
    unsafe { core::ptr::read_volatile(a as *const T) }
}
pub fn fence() {
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

/// Device initialisation (3.1.1) with an 8-entry queue 0; returns the capacity in
/// sectors, or a non-zero code saying which step failed (1: no device, 2: no
/// VERSION_1, 3: FEATURES_OK refused, 4: queue too small).
pub fn init() -> Result<u64, u32> {
    if rd(MAGIC) != 0x7472_6976 || rd(VERSION) != 2 || rd(DEVICE_ID) != 2 {
        return Err(1);
    }
    wr(STATUS, 0);
    wr(STATUS, 1); // ACKNOWLEDGE
    wr(STATUS, 1 | 2); // DRIVER
    wr(DEVICE_FEATURES_SEL, 1);
    if rd(DEVICE_FEATURES) & 1 == 0 {
        return Err(2);
    }
    wr(DRIVER_FEATURES_SEL, 0);
    wr(DRIVER_FEATURES, 0);
    wr(DRIVER_FEATURES_SEL, 1);
    wr(DRIVER_FEATURES, 1); // VIRTIO_F_VERSION_1
    wr(STATUS, 1 | 2 | 8); // FEATURES_OK
    if rd(STATUS) & 8 == 0 {
        return Err(3);
    }
    wr(QUEUE_SEL, 0);
    if (rd(QUEUE_SIZE_MAX) as usize) < QN {
        return Err(4);
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
    Ok(rd(CONFIG) as u64 | (rd(CONFIG + 4) as u64) << 32)
}

/// Submits header + (optional `data_len` bytes at [`BUF`]) + status byte at [`STAT`] and
/// notifies the device; completion shows as [`used_idx`] advancing.
pub fn submit(ty: u32, sector: u64, data_len: u32, device_writes_data: bool) {
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
}

/// The used ring's index (requests completed so far).
pub fn used_idx() -> u16 {
    peek(USED + 2)
}

/// The length the device wrote for the `n`th completed request (1-based).
pub fn used_len(n: u16) -> u32 {
    peek(USED + 4 + 8 * ((n as usize - 1) % QN) + 4)
}
