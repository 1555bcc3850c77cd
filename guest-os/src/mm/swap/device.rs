//! The swap device: virtio-blk disk 1 (the second virtio-blk in MMIO slot order), one
//! 4 KiB slot per evicted page, slots handed out by `vmcore::swap::SwapSlots`. Slot `n`
//! is sectors `8n .. 8n + 8`. Without a second disk there is no swap: eviction is never
//! attempted and memory exhaustion goes straight to the OOM killer (`mm/swap/out.rs`, `mm/reclaim.rs`).
//!
//! Slots are reference-counted (`SwapSlots::dup`/`free`): one reference per swap-entry
//! PTE plus one while the swap cache (`mm/swap/cache.rs`) remembers a resident frame
//! that still equals the slot.
//!
//! I/O is polled (the kernel never sleeps on the disk), straight between the frames and
//! the device by physical address: reads one page at a time, evictions' writes gathered
//! (`cache::Batch`) into one request per run of consecutive slots.

use crate::mm::addr::Ppn;
use crate::mm::PAGE_SIZE;
use crate::virtio::{Blk, SECTOR};
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;
use vmcore::swap::{SwapEntry, SwapSlots};

/// Bitmap words of the slot allocator: 2048 * 64 slots = 512 MiB of swap at most; a
/// larger device is used up to that size (said at boot).
const WORDS: usize = 2048;

/// The device index in swap entries (`SwapEntry::device`): one swap area.
pub const DEVICE: u8 = 0;

struct SwapDev {
    blk: Blk,
}

static SWAP: Mutex<Option<SwapDev>> = Mutex::new(None);

/// The slot allocator, in a static of its own (a reference count per slot makes it
/// 144 KiB: too large to build on the kernel stack); sized by [`init`].
static SLOTS: Mutex<SwapSlots<WORDS>> = Mutex::new(match SwapSlots::new(0) {
    Ok(s) => s,
    Err(_) => panic!("empty swap allocator"),
});

/// Probes virtio-blk device 1 and makes it the swap area; prints what it found.
pub fn init() {
    match Blk::probe_nth(1) {
        Ok(blk) => {
            let dev_slots = blk.capacity * SECTOR as u64 / PAGE_SIZE;
            let n = dev_slots.min(SwapSlots::<WORDS>::CAPACITY);
            if SLOTS.lock().reset(n).is_err() {
                crate::kprintln!("swap: cannot manage {n} slots; no swap");
                return;
            }
            if n == 0 {
                crate::kprintln!("swap: disk 1 is smaller than one page; no swap");
                return;
            }
            if n < dev_slots {
                crate::kprintln!("swap: using {n} of the device's {dev_slots} slots");
            }
            crate::kprintln!("swap: {n} slots ({} KiB) on virtio disk 1", n * PAGE_SIZE / 1024);
            *SWAP.lock() = Some(SwapDev { blk });
            super::cache::init();
        }
        Err(_) => crate::kprintln!("swap: no swap device (no virtio disk 1)"),
    }
}

/// Is there a swap device?
pub fn present() -> bool {
    SWAP.lock().is_some()
}

/// (used, total) slots; (0, 0) without a device.
pub fn usage() -> (u64, u64) {
    if !present() {
        return (0, 0);
    }
    let s = SLOTS.lock();
    (s.used(), s.len())
}

/// The slot handed out last: the next one is tried first.
static LAST: Mutex<u64> = Mutex::new(0);

/// Takes a free slot with one reference (`None`: no device or full): the one after the
/// slot handed out last if it is free, so that consecutive evictions form runs of slots
/// written with one request (`cache::flush`).
pub fn alloc_slot() -> Option<SwapEntry> {
    if !present() {
        return None;
    }
    let mut last = LAST.lock();
    let mut s = SLOTS.lock();
    let slot = match s.alloc_at(*last + 1) {
        Some(x) => x,
        None => s.alloc()?,
    };
    *last = slot;
    Some(SwapEntry { device: DEVICE, slot })
}

/// Drops one reference to a slot (swap-in, unmap, exit, the swap cache letting go); the
/// slot is free with the last. A slot that is not allocated is a kernel bookkeeping bug:
/// it is reported, not fatal.
pub fn free_slot(e: SwapEntry) {
    if SLOTS.lock().free(e.slot).is_err() {
        crate::kprintln!("swap: free of unallocated slot {}", e.slot);
    }
}

/// Adds a reference to slot `e` (one more PTE holds it); false if it is not allocated
/// or has too many references already.
pub fn dup_slot(e: SwapEntry) -> bool {
    SLOTS.lock().dup(e.slot).is_ok()
}

/// References held on slot `e` (0: free).
pub fn refs(e: SwapEntry) -> u8 {
    SLOTS.lock().refs(e.slot)
}

/// Requests sent to the swap device (`VmStat::swap_requests`).
pub static REQUESTS: AtomicU64 = AtomicU64::new(0);

fn io(e: SwapEntry, ppn: Ppn, write: bool) -> bool {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    let mut g = SWAP.lock();
    let Some(d) = g.as_mut() else { return false };
    let sector = e.slot * (PAGE_SIZE / SECTOR as u64);
    d.blk.rw_phys(sector, ppn.addr().0, PAGE_SIZE as usize, write).is_ok()
}

/// Writes `frames` to the consecutive slots `first.slot ..` with one request (at most
/// `virtio::MAX_SEGS` frames); false on an I/O error.
pub fn write_run(first: SwapEntry, frames: &[Ppn]) -> bool {
    let mut segs = [(0u64, 0usize); crate::virtio::MAX_SEGS];
    if frames.is_empty() || frames.len() > segs.len() {
        return false;
    }
    for (s, f) in segs.iter_mut().zip(frames) {
        *s = (f.addr().0, PAGE_SIZE as usize);
    }
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    let mut g = SWAP.lock();
    let Some(d) = g.as_mut() else { return false };
    let sector = first.slot * (PAGE_SIZE / SECTOR as u64);
    d.blk.rw_segs(sector, &segs[..frames.len()], true).is_ok()
}

/// Writes frame `ppn` to slot `e`; false on an I/O error.
pub fn write_page(e: SwapEntry, ppn: Ppn) -> bool {
    io(e, ppn, true)
}

/// Reads slot `e` into frame `ppn`; false on an I/O error.
pub fn read_page(e: SwapEntry, ppn: Ppn) -> bool {
    io(e, ppn, false)
}

/// Bounce buffer for slot-to-slot copies (kernel static data is identity-mapped, so its
/// address is physical).
#[repr(C, align(4096))]
struct Bounce([u8; PAGE_SIZE as usize]);
static BOUNCE: Mutex<Bounce> = Mutex::new(Bounce([0; PAGE_SIZE as usize]));

/// Copies slot `from` to slot `to` through a bounce page; false on an I/O error.
pub fn copy_slot(from: SwapEntry, to: SwapEntry) -> bool {
    let b = BOUNCE.lock();
    let pa = b.0.as_ptr() as u64;
    let mut g = SWAP.lock();
    let Some(d) = g.as_mut() else { return false };
    let per = PAGE_SIZE / SECTOR as u64;
    REQUESTS.fetch_add(2, Ordering::Relaxed);
    d.blk.rw_phys(from.slot * per, pa, PAGE_SIZE as usize, false).is_ok()
        && d.blk.rw_phys(to.slot * per, pa, PAGE_SIZE as usize, true).is_ok()
}
