//! Reclaiming page-cache frames under memory pressure: file-backed pages go back to
//! their file, not to swap.
//!
//! Every page-cache frame (`mm/pagecache.rs`) is mapped by someone (entries nothing maps
//! are trimmed at munmap/exit), so freeing one means unmapping it everywhere first. The
//! mappings are found through the VMAs (an object-based reverse map): for the frame
//! caching page `index` of inode `inum`, every VMA of every live process backed by
//! `inum` whose file range covers that page maps it, if at all, at one computable va.
//! All of them must be found (their count is the frame's reference count minus the
//! cache's own), otherwise (a process asleep in a system call holds its task lock and
//! is not searched) the frame is left alone.
//!
//! * a frame some mapping used since the last pass (A set in one of its PTEs) gets a
//!   second chance: A is cleared (and the TLB entry flushed) and the cursor moves on;
//! * a writable MAP_SHARED mapping whose PTE has D set (shared file pages are mapped
//!   with D clear; the kernel's own writes through `copy_out` set D too) makes the page
//!   dirty: it is written back to the file (`pagecache::write_back`) first;
//! * then every PTE is cleared (the next access refaults the page from the file: private
//!   read-only mappings and program text included), and the cache entry dropped.

use super::frame;
use super::pagecache;
use super::pagetable::{pte_ppn, PTE_A, PTE_D, PTE_W};
use super::vm::{perm, AddressSpace, FileMap};
use super::PAGE_SIZE;
use crate::proc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use spin::Mutex;

/// Where the next pass over the page cache starts (a clock hand over its entries).
static HAND: Mutex<usize> = Mutex::new(0);

/// Frees page-cache frames while free frames are below the evictor's low watermark,
/// until they reach its high one (the same 1/64 and 2/64 of RAM as `reclaim::init`) or
/// the hand has gone once round the cache. One round at most: the second chance must
/// span at least one return to user mode, or the page the faulting instruction itself
/// runs from would be dropped at every fault (a livelock). `cur` is the faulting
/// process's address space (its task lock is held by the caller).
pub fn shrink(cur: &mut AddressSpace) {
    if !super::reclaim::below_low() || pagecache::len() == 0 {
        return;
    }
    let (_, total) = frame::stats();
    let high = 2 * (total / 64).max(64);
    let Some(me) = proc::try_current_pid() else { return };
    // The task locks of the other live processes that are not inside a system call,
    // held for the whole pass (nothing else runs meanwhile: one hart, no preemption in
    // the kernel).
    let owners = proc::vm_owners();
    let mut guards = Vec::new();
    for (pid, _, task) in owners.iter() {
        if *pid != me && guards.try_reserve(1).is_ok() {
            if let Some(g) = task.try_lock() {
                guards.push(g);
            }
        }
    }
    let steps = pagecache::len();
    for _ in 0..steps {
        if frame::stats().0 >= high {
            break;
        }
        let n = pagecache::len();
        if n == 0 {
            break;
        }
        let i = {
            let mut h = HAND.lock();
            let i = *h % n;
            *h = i + 1;
            i
        };
        let Some((inum, index, ppn)) = pagecache::entry_at(i) else { break };
        let mut spaces: Vec<&mut AddressSpace> = Vec::new();
        if spaces.try_reserve(guards.len() + 1).is_err() {
            break;
        }
        spaces.push(&mut *cur);
        for g in guards.iter_mut() {
            spaces.push(&mut g.aspace);
        }
        if try_free(&mut spaces, inum, index, ppn) {
            let _ = pagecache::remove(ppn);
            pagecache::DROPPED.fetch_add(1, Ordering::Relaxed);
            // The entry at `i` is gone and the last one moved into its place
            // (`Vec::swap_remove`): look at index `i` again next.
            let mut h = HAND.lock();
            *h = h.saturating_sub(1);
        }
    }
    crate::arch::csr::sfence_all();
}

/// Unmaps page `index` of `inum` (frame `ppn`) from every address space in `spaces`,
/// writing it back first if a shared writable mapping dirtied it. False (nothing
/// changed but A bits) if it was used recently or not every mapping was found.
fn try_free(spaces: &mut [&mut AddressSpace], inum: u32, index: u64, ppn: super::addr::Ppn) -> bool {
    // (space, va, pte, writable shared mapping)
    let mut maps: Vec<(usize, u64, u64, bool)> = Vec::new();
    for (k, a) in spaces.iter_mut().enumerate() {
        let mut vas: Vec<(u64, bool)> = Vec::new();
        for v in a.vmas() {
            let Some(FileMap { inum: vi, file_va, file_end, off, .. }) = &v.backing.file else { continue };
            let foff = index * PAGE_SIZE;
            if *vi != inum || foff < *off {
                continue;
            }
            let Some(va) = file_va.checked_add(foff - off) else { continue };
            if va < v.start || va >= v.end || va < *file_va || va.saturating_add(PAGE_SIZE) > *file_end {
                continue;
            }
            if vas.try_reserve(1).is_err() {
                return false;
            }
            vas.push((va, v.is_shared() && perm(v) & PTE_W != 0));
        }
        for (va, wshared) in vas {
            if let Some(pte) = a.pte_at(va) {
                if pte_ppn(pte) == ppn {
                    if maps.try_reserve(1).is_err() {
                        return false;
                    }
                    maps.push((k, va, pte, wshared));
                }
            }
        }
    }
    if maps.len() + 1 != frame::refcount(ppn) as usize {
        return false;
    }
    if maps.iter().any(|m| m.2 & PTE_A != 0) {
        // Used since the last pass: a second chance.
        for &(k, va, pte, _) in maps.iter() {
            spaces[k].pt().set_entry(super::addr::VirtAddr(va), pte & !PTE_A);
        }
        crate::arch::csr::sfence_all();
        return false;
    }
    if maps.iter().any(|m| m.3 && m.2 & PTE_D != 0) {
        pagecache::write_back(inum, index, ppn);
        pagecache::WRITTEN.fetch_add(1, Ordering::Relaxed);
    }
    for &(k, va, _, _) in maps.iter() {
        if spaces[k].pt().unmap(super::addr::VirtAddr(va)).is_some() {
            super::rmap::put(ppn);
            spaces[k].pages = spaces[k].pages.saturating_sub(1);
        }
    }
    crate::arch::csr::sfence_all();
    true
}
