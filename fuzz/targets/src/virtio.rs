//! Target `virtio`: a virtio-blk device on the MMIO transport, driven by fuzzed register
//! writes over guest RAM that is all fuzz bytes (descriptor tables, rings, request
//! headers and buffers), backed by a small writable image file.
//!
//! Layout of the input (missing bytes read as zero):
//! ```text
//!   size u8       QueueSize: 2^(b & 15) (so also 0-ish and too large ones), raw if b >= 0xf0
//!   desc u16, driver u16, device u16      ring offsets into RAM (RAM_BASE + 16 * v)
//!   n_ops u8      then n_ops & 15 register writes (reg u8, value u32), each followed by
//!                 the transport's between-slices service
//!   ram           the rest: guest RAM from RAM_BASE (at most RAM_SIZE bytes)
//! ```
//! The harness first brings the device up as a driver would (ACKNOWLEDGE, DRIVER,
//! features, FEATURES_OK, queue addresses, QueueReady, DRIVER_OK), applies the fuzzed
//! writes, then notifies and services the queue a few times.

use crate::input::Input;
use rvsim::bus::RAM_BASE;
use rvsim::devices::virtio::mmio::status;
use rvsim::devices::virtio::{Blk, VirtioMmio};
use rvsim::ram::Ram;
use std::sync::atomic::{AtomicU64, Ordering};

/// Guest RAM (1 MiB: rings and buffers anywhere in it, or just past it).
pub const RAM_SIZE: u64 = 1 << 20;
/// Image size: 16 sectors.
pub const IMAGE_SIZE: usize = 16 * 512;

/// Register offsets the fuzzed writes pick from (virtio 1.2, 4.2.2), and raw offsets.
const REGS: [u64; 20] = [
    0x014, 0x020, 0x024, 0x030, 0x038, 0x044, 0x050, 0x064, 0x070, 0x080, 0x084, 0x090, 0x094, 0x0a0, 0x0a4, 0x100,
    0x108, 0x0fc, 0x010, 0x000,
];

/// A fresh image file for one input (so inputs do not share a disk, and parallel tests
/// not a file): written, opened, then unlinked at once (the open file lives on).
fn fresh_image() -> Option<Blk> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("rvsim-fuzz-virtio-{}-{n}.img", std::process::id()));
    std::fs::write(&path, vec![0u8; IMAGE_SIZE]).ok()?;
    let blk = Blk::open(&path, false).ok();
    let _ = std::fs::remove_file(&path);
    blk
}

fn w(v: &mut VirtioMmio, ram: &mut Ram, off: u64, val: u64) {
    // Bad sizes/offsets are bus errors the hart would turn into access faults: fine here.
    let _ = v.write(off, 4, val, ram);
}

/// Serves the requests `data` describes (see the module comment).
pub fn run(data: &[u8]) {
    drive(data);
}

/// [`run`], returning guest RAM and the transport afterwards (`None` without a
/// temporary directory for the image).
pub fn drive(data: &[u8]) -> Option<(Ram, VirtioMmio)> {
    let mut inp = Input::new(data);
    let size_b = inp.u8();
    let num = if size_b >= 0xf0 { inp.u32() as u64 } else { 1u64 << (size_b & 15) };
    let desc = RAM_BASE + 16 * inp.u16() as u64;
    let driver = RAM_BASE + 16 * inp.u16() as u64;
    let device = RAM_BASE + 16 * inp.u16() as u64;
    let n_ops = inp.u8() & 15;
    let ops: Vec<(u8, u32)> = (0..n_ops).map(|_| (inp.u8(), inp.u32())).collect();
    let mut ram = Ram::new(RAM_SIZE);
    let bytes = inp.rest();
    let n = bytes.len().min(RAM_SIZE as usize);
    ram.write_bytes(0, &bytes[..n]);

    // No temporary directory: nothing to test.
    let blk = fresh_image()?;
    let mut v = VirtioMmio::new(Some(Box::new(blk)));
    // Driver initialisation (virtio 1.2, 3.1.1).
    w(&mut v, &mut ram, 0x070, (status::ACKNOWLEDGE | status::DRIVER) as u64);
    w(&mut v, &mut ram, 0x024, 1);
    w(&mut v, &mut ram, 0x020, 1); // VIRTIO_F_VERSION_1
    w(&mut v, &mut ram, 0x070, (status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK) as u64);
    w(&mut v, &mut ram, 0x030, 0);
    w(&mut v, &mut ram, 0x038, num);
    for (lo, a) in [(0x080, desc), (0x090, driver), (0x0a0, device)] {
        w(&mut v, &mut ram, lo, a & 0xffff_ffff);
        w(&mut v, &mut ram, lo + 4, a >> 32);
    }
    w(&mut v, &mut ram, 0x044, 1);
    let ok = status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK | status::DRIVER_OK;
    w(&mut v, &mut ram, 0x070, ok as u64);
    for (r, val) in ops {
        let off = if (r as usize) < REGS.len() { REGS[r as usize] } else { r as u64 & !3 };
        w(&mut v, &mut ram, off, val as u64);
        let _ = v.read(off, 4);
        v.service(&mut ram);
    }
    for _ in 0..3 {
        w(&mut v, &mut ram, 0x050, 0);
        for _ in 0..4 {
            v.service(&mut ram);
        }
    }
    // Configuration space reads of every size and a few offsets past its end.
    for off in [0x100u64, 0x104, 0x108, 0x110, 0x118, 0x1f8] {
        for size in [1u8, 2, 4, 8] {
            let _ = v.read(off, size);
        }
    }
    let _ = v.irq();
    Some((ram, v))
}
