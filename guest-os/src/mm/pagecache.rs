//! A small page cache: file pages keyed by (inode, page index), each a frame with one
//! reference held by the cache plus one per PTE mapping it. MAP_SHARED mappings of a
//! file map the cache's frame (so every process sees the same bytes); private mappings
//! and program text map it read-only and copy on the first write.
//!
//! Entries live while something maps them: [`trim`] drops the ones only the cache
//! holds (called after unmapping). Under memory pressure `mm/filereclaim.rs` unmaps
//! entries everywhere, writes dirty shared ones back and drops them. Pages are read from the file when first needed and
//! written back by `msync`, `munmap` and exit of a writable shared mapping.

use super::addr::Ppn;
use super::{frame, PAGE_SIZE};
use crate::arch::phys;
use alloc::vec::Vec;
use core::sync::atomic::AtomicU64;
use spin::Mutex;

struct Entry {
    inum: u32,
    index: u64,
    ppn: Ppn,
}

static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// Cache frames reclaimed under memory pressure (`VmStat::file_dropped`).
pub static DROPPED: AtomicU64 = AtomicU64::new(0);
/// Of those, frames written back to their file first (`VmStat::file_written`).
pub static WRITTEN: AtomicU64 = AtomicU64::new(0);

/// The frame caching page `index` of inode `inum`, with a reference added for the
/// caller, and whether it had to be read from the file (a major fault). Bytes past the
/// end of the file read as zeros. `None` when out of memory.
pub fn get(inum: u32, index: u64) -> Option<(Ppn, bool)> {
    if let Some(e) = CACHE.lock().iter().find(|e| e.inum == inum && e.index == index) {
        frame::incref(e.ppn);
        return Some((e.ppn, false));
    }
    let f = frame::alloc()?;
    let mut buf = [0u8; 512];
    let mut done = 0u64;
    while done < PAGE_SIZE {
        let got = crate::fs::with(|fs| fs.read(inum, index * PAGE_SIZE + done, &mut buf)).unwrap_or(0);
        if got == 0 {
            break;
        }
        // SAFETY: `f` is a fresh frame of the cache, not mapped yet; `done + got` stays within it.
        unsafe { phys::write_bytes(f.addr().0 + done, &buf[..got]) };
        done += got as u64;
    }
    let mut c = CACHE.lock();
    if c.try_reserve(1).is_err() {
        super::rmap::put(f);
        return None;
    }
    c.push(Entry { inum, index, ppn: f });
    frame::incref(f);
    Some((f, true))
}

/// Writes page `index` of `inum` (held in `ppn`) back to the file, without extending it.
pub fn write_back(inum: u32, index: u64, ppn: Ppn) {
    let Ok(size) = crate::fs::with(|f| f.iget(inum)).map(|i| i.size as u64) else { return };
    let start = index * PAGE_SIZE;
    if start >= size {
        return;
    }
    let n = (size - start).min(PAGE_SIZE) as usize;
    let mut buf = [0u8; 512];
    let mut done = 0usize;
    while done < n {
        let m = (n - done).min(buf.len());
        // SAFETY: `ppn` is a cached frame (the cache holds a reference); `done + m <= n` is within it.
        unsafe { phys::read_bytes(ppn.addr().0 + done as u64, &mut buf[..m]) };
        let _ = crate::fs::with(|f| f.write(inum, start + done as u64, &buf[..m]));
        done += m;
    }
}

/// Drops the entries nothing maps any more.
pub fn trim() {
    let mut c = CACHE.lock();
    c.retain(|e| {
        if frame::refcount(e.ppn) == 1 {
            super::rmap::put(e.ppn);
            false
        } else {
            true
        }
    });
}

/// The (inode, page index, frame) of the `i`-th entry, for the reclaim pass
/// (`mm/filereclaim.rs`).
pub fn entry_at(i: usize) -> Option<(u32, u64, Ppn)> {
    CACHE.lock().get(i).map(|e| (e.inum, e.index, e.ppn))
}

/// Drops the entry for frame `ppn` and the cache's reference (the caller has unmapped
/// it everywhere); false if there is none.
pub fn remove(ppn: Ppn) -> bool {
    let mut c = CACHE.lock();
    let Some(i) = c.iter().position(|e| e.ppn == ppn) else { return false };
    c.swap_remove(i);
    drop(c);
    super::rmap::put(ppn);
    true
}

/// Is `ppn` one of the cache's frames? (The evictor leaves them to the cache.)
pub fn holds(ppn: Ppn) -> bool {
    CACHE.lock().iter().any(|e| e.ppn == ppn)
}

/// Pages in the cache.
pub fn len() -> usize {
    CACHE.lock().len()
}

/// Copies `data` written to `inum` at `off` by write(2) into cached pages, so mappings
/// see what the file holds.
pub fn update(inum: u32, off: u64, data: &[u8]) {
    let c = CACHE.lock();
    for e in c.iter().filter(|e| e.inum == inum) {
        let ps = e.index * PAGE_SIZE;
        let lo = off.max(ps);
        let hi = (off + data.len() as u64).min(ps + PAGE_SIZE);
        if lo < hi {
            // SAFETY: a frame of the cache (it holds a reference); `[lo, hi)` is inside its page.
            unsafe { phys::write_bytes(e.ppn.addr().0 + (lo - ps), &data[(lo - off) as usize..(hi - off) as usize]) };
        }
    }
}

/// The file `inum` was truncated to 0 bytes: its cached pages (still mapped somewhere)
/// read as zeros from now on; new faults on them past EOF are SIGBUS.
pub fn truncate(inum: u32) {
    for e in CACHE.lock().iter().filter(|e| e.inum == inum) {
        // SAFETY: a whole frame of the cache (it holds a reference), under the cache lock.
        unsafe { phys::zero_frame(e.ppn.addr().0) };
    }
}
