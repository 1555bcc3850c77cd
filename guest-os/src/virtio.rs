//! virtio-blk driver over the virtio-mmio transport, version 2 ("modern"; virtio v1.2
//! section 4.2.2 register layout, 2.7 split virtqueues, 5.2 block device). One request at
//! a time, completed by polling the used ring (the kernel never sleeps on the disk); a
//! request may gather several buffers (the swap code writes runs of pages at once).
//!
//! Up to [`MAX_DEVS`] devices are driven, each with its own queue memory: device 0 (the
//! first virtio-blk in slot order) holds the file system, device 1 is the swap device
//! (`mm/swap/device.rs`).

use crate::arch::{self, virt_to_phys};
use abi::mmio::{VIRTIO0, VIRTIO_STRIDE};
use core::sync::atomic::{fence, AtomicU16, AtomicU8, Ordering};
use spin::Mutex;

// MMIO register offsets (virtio v1.2, 4.2.2).
const MAGIC: u64 = 0x000;
const VERSION: u64 = 0x004;
const DEVICE_ID: u64 = 0x008;
const DEVICE_FEATURES: u64 = 0x010;
const DEVICE_FEATURES_SEL: u64 = 0x014;
const DRIVER_FEATURES: u64 = 0x020;
const DRIVER_FEATURES_SEL: u64 = 0x024;
const QUEUE_SEL: u64 = 0x030;
const QUEUE_NUM_MAX: u64 = 0x034;
const QUEUE_NUM: u64 = 0x038;
const QUEUE_READY: u64 = 0x044;
const QUEUE_NOTIFY: u64 = 0x050;
const INTERRUPT_STATUS: u64 = 0x060;
const INTERRUPT_ACK: u64 = 0x064;
const STATUS: u64 = 0x070;
const QUEUE_DESC_LOW: u64 = 0x080;
const QUEUE_DESC_HIGH: u64 = 0x084;
const QUEUE_DRIVER_LOW: u64 = 0x090;
const QUEUE_DRIVER_HIGH: u64 = 0x094;
const QUEUE_DEVICE_LOW: u64 = 0x0a0;
const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
const CONFIG_CAPACITY: u64 = 0x100;

const MAGIC_VALUE: u32 = 0x7472_6976;
const DEVICE_BLK: u32 = 2;
// Device status bits (2.1).
const S_ACKNOWLEDGE: u32 = 1;
const S_DRIVER: u32 = 2;
const S_DRIVER_OK: u32 = 4;
const S_FEATURES_OK: u32 = 8;
/// VIRTIO_F_VERSION_1 (feature bit 32, 6).
const F_VERSION_1_HI: u32 = 1 << 0;
// Descriptor flags (2.7.5).
const DESC_NEXT: u16 = 1;
const DESC_WRITE: u16 = 2;
// Request types (5.2.6).
const T_IN: u32 = 0;
const T_OUT: u32 = 1;
/// Bytes per sector.
pub const SECTOR: usize = 512;

/// Descriptors per queue: a request is a header, up to `QSIZE - 2` data buffers and a
/// status byte (virtio v1.2 5.2.6), so one request can carry a run of
/// [`MAX_SEGS`] pages.
const QSIZE: usize = 32;
/// Most data buffers in one request ([`Blk::rw_segs`]).
pub const MAX_SEGS: usize = QSIZE - 2;

#[repr(C)]
#[derive(Clone, Copy)]
struct Desc {
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
}

#[repr(C)]
struct Avail {
    flags: u16,
    idx: u16,
    ring: [u16; QSIZE],
    used_event: u16,
}

#[repr(C)]
struct UsedElem {
    id: u32,
    len: u32,
}

#[repr(C, align(4))]
struct Used {
    flags: AtomicU16,
    idx: AtomicU16,
    ring: [UsedElem; QSIZE],
    avail_event: u16,
}

#[repr(C)]
struct ReqHeader {
    typ: u32,
    reserved: u32,
    sector: u64,
}

/// The queue memory: shared with the device by physical address (the kernel's static
/// data is identity-mapped, so these addresses are physical).
#[repr(C, align(4096))]
struct Queue {
    desc: [Desc; QSIZE],
    avail: Avail,
    used: Used,
    header: ReqHeader,
    status: AtomicU8,
}

/// How many virtio-blk devices the driver can drive at once (one queue each).
pub const MAX_DEVS: usize = 2;

/// A virtio block device.
pub struct Blk {
    base: u64,
    /// Which of [`QUEUES`] this device uses.
    q: usize,
    /// Capacity in sectors.
    pub capacity: u64,
    last_used: u16,
}

/// The initial queue memory, only used to build [`QUEUES`] (each element is its own
/// static copy; the constant itself is never shared).
#[allow(clippy::declare_interior_mutable_const)]
const EMPTY_QUEUE: Queue = Queue {
    desc: [Desc { addr: 0, len: 0, flags: 0, next: 0 }; QSIZE],
    avail: Avail { flags: 0, idx: 0, ring: [0; QSIZE], used_event: 0 },
    used: Used {
        flags: AtomicU16::new(0),
        idx: AtomicU16::new(0),
        ring: [const { UsedElem { id: 0, len: 0 } }; QSIZE],
        avail_event: 0,
    },
    header: ReqHeader { typ: 0, reserved: 0, sector: 0 },
    status: AtomicU8::new(0),
};

/// Queue memory per device index.
static QUEUES: [Mutex<Queue>; MAX_DEVS] = [const { Mutex::new(EMPTY_QUEUE) }; MAX_DEVS];

/// Why the disk could not be used.
#[derive(Debug, Clone, Copy)]
pub enum Error {
    /// No virtio-blk device in any of the 8 slots.
    NotFound,
    /// The device only speaks legacy virtio-mmio (version 1): on QEMU add
    /// `-global virtio-mmio.force-legacy=false`.
    Legacy,
    /// Feature negotiation or queue setup failed.
    Setup(&'static str),
    /// A request completed with a non-OK status, or did not complete.
    Io,
}

/// Reads register `off` of the virtio-mmio transport at `base` (a slot found by the probe).
fn r(base: u64, off: u64) -> u32 {
    // SAFETY: `base` is a virtio-mmio slot of the virt machine that this driver probed
    // and drives, `off` a register of virtio 1.2 section 4.2.2.
    unsafe { arch::mmio_read32(base + off) }
}
/// Writes register `off` of the virtio-mmio transport at `base`.
fn w(base: u64, off: u64, v: u32) {
    // SAFETY: as in `r`.
    unsafe { arch::mmio_write32(base + off, v) }
}

impl Blk {
    /// Finds the first virtio-blk device and initialises it (3.1.1 driver init sequence).
    pub fn probe() -> Result<Blk, Error> {
        Blk::probe_nth(0)
    }

    /// Finds the `n`-th virtio-blk device (in MMIO slot order, `n < MAX_DEVS`) and
    /// initialises it with queue memory of its own.
    pub fn probe_nth(n: usize) -> Result<Blk, Error> {
        if n >= MAX_DEVS {
            return Err(Error::NotFound);
        }
        let mut legacy = false;
        let mut seen = 0;
        for slot in 0..8 {
            let base = VIRTIO0 + slot * VIRTIO_STRIDE;
            // Slots may be absent altogether (an access fault) on machines other than QEMU.
            if arch::mmio_probe32(base + MAGIC) != Some(MAGIC_VALUE) || r(base, DEVICE_ID) != DEVICE_BLK {
                continue;
            }
            if seen < n {
                seen += 1;
                continue;
            }
            if r(base, VERSION) != 2 {
                legacy = true;
                continue;
            }
            return Blk::init(base, n);
        }
        Err(if legacy { Error::Legacy } else { Error::NotFound })
    }

    fn init(base: u64, qi: usize) -> Result<Blk, Error> {
        w(base, STATUS, 0);
        w(base, STATUS, S_ACKNOWLEDGE);
        w(base, STATUS, S_ACKNOWLEDGE | S_DRIVER);
        w(base, DEVICE_FEATURES_SEL, 1);
        if r(base, DEVICE_FEATURES) & F_VERSION_1_HI == 0 {
            return Err(Error::Setup("device lacks VIRTIO_F_VERSION_1"));
        }
        w(base, DRIVER_FEATURES_SEL, 0);
        w(base, DRIVER_FEATURES, 0);
        w(base, DRIVER_FEATURES_SEL, 1);
        w(base, DRIVER_FEATURES, F_VERSION_1_HI);
        w(base, STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
        if r(base, STATUS) & S_FEATURES_OK == 0 {
            return Err(Error::Setup("FEATURES_OK not accepted"));
        }
        w(base, QUEUE_SEL, 0);
        if r(base, QUEUE_READY) != 0 {
            return Err(Error::Setup("queue 0 already live"));
        }
        if (r(base, QUEUE_NUM_MAX) as usize) < QSIZE {
            return Err(Error::Setup("queue 0 too small"));
        }
        w(base, QUEUE_NUM, QSIZE as u32);
        let q = QUEUES[qi].lock();
        // The device sees physical addresses (virtio v1.2 2.7: "physical addresses").
        let desc = virt_to_phys(q.desc.as_ptr() as u64);
        let avail = virt_to_phys(&q.avail as *const Avail as u64);
        let used = virt_to_phys(&q.used as *const Used as u64);
        drop(q);
        w(base, QUEUE_DESC_LOW, desc as u32);
        w(base, QUEUE_DESC_HIGH, (desc >> 32) as u32);
        w(base, QUEUE_DRIVER_LOW, avail as u32);
        w(base, QUEUE_DRIVER_HIGH, (avail >> 32) as u32);
        w(base, QUEUE_DEVICE_LOW, used as u32);
        w(base, QUEUE_DEVICE_HIGH, (used >> 32) as u32);
        w(base, QUEUE_READY, 1);
        w(base, STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
        let lo = r(base, CONFIG_CAPACITY) as u64;
        let hi = r(base, CONFIG_CAPACITY + 4) as u64;
        Ok(Blk { base, q: qi, capacity: (hi << 32) | lo, last_used: 0 })
    }

    /// Reads (`write == false`) or writes `buf` (a multiple of 512 bytes) at `sector`.
    pub fn rw(&mut self, sector: u64, buf: &mut [u8], write: bool) -> Result<(), Error> {
        self.rw_phys(sector, virt_to_phys(buf.as_mut_ptr() as u64), buf.len(), write)
    }

    /// Like [`Blk::rw`] on `len` bytes of memory at physical address `pa` (`buf` of
    /// [`Blk::rw`] is kernel memory, in the direct map): used for whole frames by the swap
    /// code.
    pub fn rw_phys(&mut self, sector: u64, pa: u64, len: usize, write: bool) -> Result<(), Error> {
        self.rw_segs(sector, &[(pa, len)], write)
    }

    /// One request for the sectors from `sector` on, gathered from (write) or scattered
    /// to (read) the buffers `segs` = (physical address, bytes), in order: a descriptor
    /// chain of the header, one descriptor per buffer and the status byte (virtio v1.2
    /// 2.7.5, 5.2.6). At most [`MAX_SEGS`] buffers, each a multiple of 512 bytes.
    pub fn rw_segs(&mut self, sector: u64, segs: &[(u64, usize)], write: bool) -> Result<(), Error> {
        if segs.is_empty() || segs.len() > MAX_SEGS || segs.iter().any(|s| !s.1.is_multiple_of(SECTOR)) {
            return Err(Error::Io);
        }
        let len: usize = segs.iter().map(|s| s.1).sum();
        let end = sector.checked_add((len / SECTOR) as u64).ok_or(Error::Io)?;
        if end > self.capacity {
            return Err(Error::Io);
        }
        let mut q = QUEUES[self.q].lock();
        q.header = ReqHeader { typ: if write { T_OUT } else { T_IN }, reserved: 0, sector };
        q.status.store(0xff, Ordering::Relaxed);
        let hdr = virt_to_phys(&q.header as *const ReqHeader as u64);
        let st = virt_to_phys(&q.status as *const AtomicU8 as u64);
        q.desc[0] = Desc { addr: hdr, len: 16, flags: DESC_NEXT, next: 1 };
        let dflags = DESC_NEXT | if write { 0 } else { DESC_WRITE };
        for (k, &(pa, n)) in segs.iter().enumerate() {
            q.desc[k + 1] = Desc { addr: pa, len: n as u32, flags: dflags, next: (k + 2) as u16 };
        }
        q.desc[segs.len() + 1] = Desc { addr: st, len: 1, flags: DESC_WRITE, next: 0 };
        let i = q.avail.idx as usize % QSIZE;
        q.avail.ring[i] = 0;
        fence(Ordering::SeqCst);
        q.avail.idx = q.avail.idx.wrapping_add(1);
        fence(Ordering::SeqCst);
        w(self.base, QUEUE_NOTIFY, 0);
        let mut spins: u64 = 0;
        while q.used.idx.load(Ordering::Acquire) == self.last_used {
            spins += 1;
            if spins > 200_000_000 {
                return Err(Error::Io);
            }
            core::hint::spin_loop();
        }
        fence(Ordering::SeqCst);
        self.last_used = self.last_used.wrapping_add(1);
        let isr = r(self.base, INTERRUPT_STATUS);
        w(self.base, INTERRUPT_ACK, isr);
        if q.status.load(Ordering::Acquire) != 0 {
            return Err(Error::Io);
        }
        Ok(())
    }
}
