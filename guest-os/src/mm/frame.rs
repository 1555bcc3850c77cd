//! The physical frame allocator: every RAM frame after the kernel image, each with a
//! reference count (a frame mapped into N address spaces, e.g. by copy-on-write fork, has
//! count N; it returns to the free list when the count drops to 0).

use super::addr::Ppn;
use super::PAGE_SIZE;
use crate::arch::phys;
use alloc::vec::Vec;
use spin::Mutex;

struct Frames {
    /// First allocatable frame.
    base: u64,
    /// Reference count per frame, indexed by `ppn - base`.
    refcnt: Vec<u32>,
    /// Free frames (indices), used as a stack.
    free: Vec<u32>,
}

static FRAMES: Mutex<Option<Frames>> = Mutex::new(None);

/// Takes the frames in `[start, end)` (physical addresses) for the allocator. Panics only
/// at boot if the kernel heap cannot hold the bookkeeping.
pub fn init(start: u64, end: u64) {
    let base = start.div_ceil(PAGE_SIZE);
    let top = end / PAGE_SIZE;
    let n = top.saturating_sub(base) as usize;
    let mut refcnt = Vec::new();
    let mut free = Vec::new();
    if refcnt.try_reserve_exact(n).is_err() || free.try_reserve_exact(n).is_err() {
        panic!("frame allocator: kernel heap too small for {n} frames");
    }
    refcnt.resize(n, 0);
    // Push in reverse so low frames are handed out first.
    free.extend((0..n as u32).rev());
    *FRAMES.lock() = Some(Frames { base, refcnt, free });
}

/// Allocates a zeroed frame with reference count 1, or `None` when RAM is exhausted.
/// Freed frames are not cleared when they are freed: zeroing happens here, lazily, only
/// for the callers that need zeros (see [`alloc_uninit`]).
pub fn alloc() -> Option<Ppn> {
    let ppn = alloc_uninit()?;
    // SAFETY: a whole frame just taken off the free list: ours alone.
    unsafe { phys::zero_frame(ppn.addr().0) };
    Some(ppn)
}

/// Allocates a frame with reference count 1 WITHOUT clearing it, for callers that
/// overwrite all of it at once (copy-on-write copies, pages filled from a file). The old
/// contents of another process must never reach user space: every caller fills the
/// whole frame before mapping it.
pub fn alloc_uninit() -> Option<Ppn> {
    let ppn = {
        let mut g = FRAMES.lock();
        let f = g.as_mut()?;
        let i = f.free.pop()?;
        f.refcnt[i as usize] = 1;
        Ppn(f.base + i as u64)
    };
    Some(ppn)
}

fn index(f: &Frames, ppn: Ppn) -> usize {
    let i = ppn.0.checked_sub(f.base).expect("frame below the allocator's range") as usize;
    assert!(i < f.refcnt.len(), "frame above the allocator's range");
    i
}

/// Adds a reference to an allocated frame (sharing it).
pub fn incref(ppn: Ppn) {
    let mut g = FRAMES.lock();
    let f = g.as_mut().expect("frames not initialised");
    let i = index(f, ppn);
    assert!(f.refcnt[i] > 0, "incref of a free frame");
    f.refcnt[i] += 1;
}

/// What [`decref`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a freed user frame must leave the reverse map: use rmap::put"]
pub enum Put {
    /// That was the last reference: the frame with this dense index is free.
    Freed(usize),
    /// References left.
    Kept(u32),
}

/// Drops a reference; the frame is freed when none remain. Says which happened, for the
/// layer above to react (`rmap::put`: a reused frame must start afresh, e.g. at the
/// tail of FIFO); the allocator itself calls nothing above it.
pub fn decref(ppn: Ppn) -> Put {
    let mut g = FRAMES.lock();
    let f = g.as_mut().expect("frames not initialised");
    let i = index(f, ppn);
    assert!(f.refcnt[i] > 0, "decref of a free frame");
    f.refcnt[i] -= 1;
    if f.refcnt[i] == 0 {
        f.free.push(i as u32);
        Put::Freed(i)
    } else {
        Put::Kept(f.refcnt[i])
    }
}

/// The reference count of `ppn` (0 = free).
pub fn refcount(ppn: Ppn) -> u32 {
    let g = FRAMES.lock();
    let f = g.as_ref().expect("frames not initialised");
    f.refcnt[index(f, ppn)]
}

/// (free frames, total frames).
pub fn stats() -> (usize, usize) {
    let g = FRAMES.lock();
    g.as_ref().map(|f| (f.free.len(), f.refcnt.len())).unwrap_or((0, 0))
}

/// The dense index of an allocatable frame (`ppn - base`), for per-frame tables such as
/// the replacement policy's page ids; `None` outside the allocator's range.
pub fn index_of(ppn: Ppn) -> Option<usize> {
    let g = FRAMES.lock();
    let f = g.as_ref()?;
    let i = ppn.0.checked_sub(f.base)? as usize;
    (i < f.refcnt.len()).then_some(i)
}

/// The frame with dense index `i` (inverse of [`index_of`]).
pub fn from_index(i: usize) -> Option<Ppn> {
    let g = FRAMES.lock();
    let f = g.as_ref()?;
    (i < f.refcnt.len()).then_some(Ppn(f.base + i as u64))
}
