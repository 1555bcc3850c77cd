//! The swap cache: which resident frames still hold exactly what a swap slot holds.
//!
//! A page read back from swap keeps its slot: the frame is recorded here with the slot
//! (frame -> slot and slot -> frame), its PTEs are made with D clear, and the cache holds
//! one reference on the slot (`swap::dup_slot`). When the evictor later picks the frame
//! and it is still clean, it is simply dropped: its PTEs get the slot's swap entry again
//! and nothing is written (a *clean drop*). Every process that shares a swapped-out
//! page (copy-on-write after fork, MAP_SHARED) gets the same frame back: the swap-in maps
//! it into every other process whose PTE holds the slot ([`map_in_others`]), and a fault
//! on a swap entry whose slot is still in the cache maps the cached frame (a minor
//! fault; for processes that were inside a system call at swap-in time).
//!
//! The evictions' writes are batched here too ([`queue_write`], [`flush`], [`Batch`]).
//!
//! **Clean or dirty.** The frame differs from the slot once anything wrote it after the
//! slot was read or written:
//!
//! * a user store through a PTE: the MMU sets that PTE's D bit (priv spec 10.3.1:
//!   rvsim's walker sets A and D in hardware, `emulator/src/mmu/walk.rs` step 9; a store
//!   through a TLB entry with D clear walks again). The evictor reads D in every PTE it
//!   unmaps; a PTE with D that goes away first (munmap, exit, COW break) marks the entry
//!   dirty ([`unmap_pte`]);
//! * the kernel writing user memory by physical address, which sets no D bit by itself:
//!   `copy_out` sets D in the PTE as the MMU would and calls [`dirty`]; exec's
//!   `copy_out_force` writes a frame `make_private` first took out of the cache;
//! * fork copies each PTE's D bit into the child (`vm.rs`).
//!
//! A private frame whose slot other PTEs still hold (fork shared the swap entry, or the
//! evictor swapped out only some sides of a COW-shared frame) is mapped read-only, so it
//! cannot be written in place: the write is a COW break, and reusing the frame without a
//! copy first drops it from the cache ([`forget`]); the other PTEs then read the slot.
//!
//! **Lifetime.** An entry lives while its frame has mappings: [`unmap_pte`], called
//! before every `frame::decref` of a user PTE's frame, drops the entry with the last
//! mapping (after writing a dirty frame back if other PTEs still hold the slot: a
//! MAP_SHARED page they must see). When swap is full, [`alloc_slot`] takes back the
//! slots only the cache holds.

use super::device as swap;
use crate::mm::addr::Ppn;
use crate::mm::frame;
use crate::mm::pagetable::PTE_D;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;
use vmcore::swap::SwapEntry;

/// Bit of a `Cache::slot` word: the frame was written since the slot was.
const DIRTY: u64 = 1 << 63;

struct Cache {
    /// Per frame index: 0 = not cached, else (slot + 1) | DIRTY if dirty.
    slot: Vec<u64>,
    /// Per slot: 0 = no frame, else frame index + 1.
    frame: Vec<u32>,
    /// Entries.
    len: u64,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache { slot: Vec::new(), frame: Vec::new(), len: 0 });

/// Evictions that wrote nothing: the frame was clean and its slot still valid.
pub static CLEAN_DROPS: AtomicU64 = AtomicU64::new(0);
/// Swap-entry faults served by a frame still in the cache (minor faults).
pub static HITS: AtomicU64 = AtomicU64::new(0);

/// Boot (after `swap::init`): sizes the tables for every frame and every slot. Without
/// the memory for them there is no cache (every eviction writes).
pub fn init() {
    let (_, frames) = frame::stats();
    let (_, slots) = swap::usage();
    let mut c = CACHE.lock();
    if slots == 0 || c.slot.try_reserve_exact(frames).is_err() || c.frame.try_reserve_exact(slots as usize).is_err() {
        return;
    }
    c.slot.resize(frames, 0);
    c.frame.resize(slots as usize, 0);
}

fn entry(e: u64) -> Option<(SwapEntry, bool)> {
    (e != 0).then(|| (SwapEntry { device: swap::DEVICE, slot: (e & !DIRTY) - 1 }, e & DIRTY != 0))
}

/// The slot cached for frame `ppn`, and whether the frame has been written since.
pub fn slot_of(ppn: Ppn) -> Option<(SwapEntry, bool)> {
    let i = frame::index_of(ppn)?;
    entry(*CACHE.lock().slot.get(i)?)
}

/// The frame that still holds slot `e`, if any.
pub fn frame_of(e: SwapEntry) -> Option<Ppn> {
    let c = CACHE.lock();
    let f = *c.frame.get(e.slot as usize)?;
    if f == 0 {
        return None;
    }
    let i = f as usize - 1;
    // Both directions must agree (a broken table would hand out another page's data).
    if entry(*c.slot.get(i)?).map(|(s, _)| s) != Some(e) {
        return None;
    }
    drop(c);
    let ppn = frame::from_index(i)?;
    (frame::refcount(ppn) > 0).then_some(ppn)
}

/// Records that frame `ppn` holds slot `e`, clean. Takes over one reference the caller
/// holds on the slot. False (nothing recorded, the reference stays the caller's) if the
/// frame or the slot is already cached or outside the tables.
pub fn insert(ppn: Ppn, e: SwapEntry) -> bool {
    let Some(i) = frame::index_of(ppn) else { return false };
    let mut c = CACHE.lock();
    let (Some(&fs), Some(&sf)) = (c.slot.get(i), c.frame.get(e.slot as usize)) else { return false };
    if fs != 0 || sf != 0 {
        return false;
    }
    c.slot[i] = e.slot + 1;
    c.frame[e.slot as usize] = i as u32 + 1;
    c.len += 1;
    true
}

/// Drops frame `ppn`'s entry, if any, and the cache's reference on its slot (the slot is
/// freed if no PTE holds it).
pub fn forget(ppn: Ppn) {
    let Some(i) = frame::index_of(ppn) else { return };
    let e = {
        let mut c = CACHE.lock();
        let Some(e) = c.slot.get(i).copied().and_then(entry) else { return };
        c.slot[i] = 0;
        if let Some(f) = c.frame.get_mut(e.0.slot as usize) {
            *f = 0;
        }
        c.len -= 1;
        e.0
    };
    swap::free_slot(e);
}

/// Frame `ppn` now matches its slot again (just written to it).
pub fn set_clean(ppn: Ppn) {
    set_dirty(ppn, false)
}

/// The kernel wrote frame `ppn` by physical address (no D bit was set): if it is cached,
/// it no longer matches its slot.
pub fn dirty(ppn: Ppn) {
    set_dirty(ppn, true)
}

fn set_dirty(ppn: Ppn, d: bool) {
    let Some(i) = frame::index_of(ppn) else { return };
    if let Some(e) = CACHE.lock().slot.get_mut(i) {
        if *e != 0 {
            *e = if d { *e | DIRTY } else { *e & !DIRTY };
        }
    }
}

/// A PTE mapping `ppn` (with the bits `pte`) is about to be removed and the frame's
/// reference dropped (munmap, exit, COW break, eviction of some mappings only). A D bit
/// goes into the entry; with the last mapping the entry goes, after a dirty frame is
/// written back to its slot if PTEs elsewhere still hold the slot.
pub fn unmap_pte(ppn: Ppn, pte: u64) {
    let Some((e, was_dirty)) = slot_of(ppn) else { return };
    let d = was_dirty || pte & PTE_D != 0;
    if frame::refcount(ppn) > 1 {
        if d {
            dirty(ppn);
        }
        return;
    }
    if d && swap::refs(e) > 1 {
        // Only a MAP_SHARED page gets here (a private frame with other holders of its
        // slot is read-only, see the module doc): they must read what was written.
        if swap::write_page(e, ppn) {
            super::SWAP_OUTS.fetch_add(1, Ordering::Relaxed);
        } else {
            crate::kprintln!("swap: write-back of slot {} failed; its other users read older data", e.slot);
        }
    }
    forget(ppn);
}

/// A free slot with one reference. When swap is full, first takes back the slots that
/// only the cache holds (their frames are resident; they will be written again if
/// evicted).
pub fn alloc_slot() -> Option<SwapEntry> {
    if let Some(e) = swap::alloc_slot() {
        return Some(e);
    }
    let mut victims = Vec::new();
    {
        let c = CACHE.lock();
        for (s, &f) in c.frame.iter().enumerate() {
            if f != 0 && victims.try_reserve(1).is_ok() {
                victims.push((s as u64, f as usize - 1));
            }
        }
    }
    let mut freed = 0;
    for (s, i) in victims {
        let e = SwapEntry { device: swap::DEVICE, slot: s };
        if swap::refs(e) == 1 {
            if let Some(ppn) = frame::from_index(i) {
                forget(ppn);
                freed += 1;
            }
        }
        if freed >= 64 {
            break;
        }
    }
    swap::alloc_slot()
}

/// Frame `f` has just been read from slot `e` (cached) for page `va` of the current
/// process: every other process whose PTE at `va` holds `e` (the slot's PTEs all are at
/// one va: fork and the evictor keep the va) and whose task is not inside a system call
/// maps `f` too, so the slot is held by the cache alone and can be given up when swap
/// fills. A private mapping gets it read-only (copy-on-write, as after fork), a
/// MAP_SHARED one with the VMA's permissions (every mapping sees one frame).
pub fn map_in_others(va: u64, e: SwapEntry, f: Ppn) {
    use crate::mm::addr::VirtAddr;
    use crate::mm::pagetable::{leaf_slot, make_pte, PTE_A, PTE_R, PTE_V, PTE_W, PTE_X};
    let Ok(swpte) = e.to_pte() else { return };
    let Some(me) = crate::proc::try_current_pid() else { return };
    for (pid, satp, task) in crate::proc::vm_owners() {
        if pid == me || swap::refs(e) <= 1 {
            continue;
        }
        let Some(a) = leaf_slot(crate::mm::addr::Ppn(satp & ((1 << 44) - 1)), VirtAddr(va)) else { continue };
        if a.get() != swpte {
            continue;
        }
        let Some(mut g) = task.try_lock() else { continue };
        let Some(v) = g.aspace.find_vma(va) else { continue };
        let perm = crate::mm::vm::perm(v);
        if perm & (PTE_R | PTE_W | PTE_X) == 0 {
            // PROT_NONE: no valid leaf can say that (R = W = X = 0 is a pointer to a
            // next-level table, priv spec 10.3.1); it keeps the swap entry.
            continue;
        }
        let flags = crate::mm::vm::user_flags(perm);
        let flags = if v.is_shared() { flags } else { flags & !PTE_W };
        frame::incref(f);
        a.set(make_pte(f, flags | PTE_V | PTE_A));
        swap::free_slot(e);
        g.aspace.pages += 1;
        g.aspace.swapped = g.aspace.swapped.saturating_sub(1);
    }
}

/// Most pages one batch holds before it is written (one request per run of consecutive
/// slots in it).
pub const BATCH: usize = 16;

/// Evicted pages waiting to be written: (slot, frame). Each frame carries one extra
/// reference (so it stays allocated until written) and stays in the cache, so a fault
/// on its slot meanwhile maps it back (a cache hit).
static PENDING: Mutex<Vec<(u64, Ppn)>> = Mutex::new(Vec::new());

/// Queues frame `ppn` (cached with slot `e`, its PTEs already swap entries) to be
/// written to its slot by [`flush`], with the reference the caller took for that;
/// writes the batch when it is full. If the batch cannot grow the page is written now.
pub fn queue_write(e: SwapEntry, ppn: Ppn) {
    let full = {
        let mut p = PENDING.lock();
        if p.try_reserve(1).is_err() {
            drop(p);
            written(&[(e.slot, ppn)], swap::write_page(e, ppn));
            return;
        }
        p.push((e.slot, ppn));
        // Not on disk yet: should the frame be mapped back and chosen again before the
        // write, it must not be dropped as clean.
        set_dirty(ppn, true);
        p.len() >= BATCH
    };
    if full {
        flush();
    }
}

/// After the write of `pages` (slot, frame): drops the queue's references (a frame
/// nobody mapped back meanwhile leaves the cache and is freed). If the write failed the
/// frames stay (pinned, dirty, in the cache: the swap entries pointing at their slots
/// find them there), with a message.
fn written(pages: &[(u64, Ppn)], ok: bool) {
    if !ok {
        crate::ioerrors::count(&crate::ioerrors::SWAP_OUT);
        crate::kprintln!("swap: writing {} pages from slot {} failed; they stay in memory", pages.len(), pages[0].0);
    }
    for &(_, f) in pages {
        if !ok {
            dirty(f);
            continue;
        }
        super::SWAP_OUTS.fetch_add(1, Ordering::Relaxed);
        set_clean(f);
        if frame::refcount(f) == 1 {
            forget(f);
        }
        crate::mm::rmap::put(f);
    }
}

/// Writes the queued pages, one request per run of consecutive slots (the slot
/// allocator hands out neighbouring slots, so evictions in a row mostly form runs), then
/// drops the queue's references ([`written`]).
pub fn flush() {
    let mut p = core::mem::take(&mut *PENDING.lock());
    if p.is_empty() {
        return;
    }
    p.sort_unstable_by_key(|x| x.0);
    let mut i = 0;
    while i < p.len() {
        let mut j = i + 1;
        while j < p.len() && j - i < crate::virtio::MAX_SEGS && p[j].0 == p[j - 1].0 + 1 {
            j += 1;
        }
        let mut frames = [Ppn(0); crate::virtio::MAX_SEGS];
        for (k, x) in p[i..j].iter().enumerate() {
            frames[k] = x.1;
        }
        let first = SwapEntry { device: swap::DEVICE, slot: p[i].0 };
        written(&p[i..j], swap::write_run(first, &frames[..j - i]));
        i = j;
    }
    // Give the vector back for the next batch (keeps its capacity).
    p.clear();
    let mut g = PENDING.lock();
    if g.is_empty() {
        *g = p;
    }
}

/// The scope of one `reclaim::reclaim`: dropping it writes the evictions' pending batch
/// ([`flush`]), so no write is left queued when reclaim returns.
pub struct Batch;

impl Batch {
    /// Starts a batch (reclaim has shrunk the page cache first).
    pub fn begin() -> Batch {
        Batch
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        flush();
    }
}

/// Frames in the cache.
pub fn len() -> u64 {
    CACHE.lock().len
}

/// The last `abi::VmStat` fields (after the thrashing counters), in declaration order: clean drops, cache
/// hits, cached frames, file pages dropped and written back, swap-device requests.
pub fn vmstat_words() -> [u64; 6] {
    [
        CLEAN_DROPS.load(Ordering::Relaxed),
        HITS.load(Ordering::Relaxed),
        len(),
        crate::mm::pagecache::DROPPED.load(Ordering::Relaxed),
        crate::mm::pagecache::WRITTEN.load(Ordering::Relaxed),
        swap::REQUESTS.load(Ordering::Relaxed),
    ]
}
