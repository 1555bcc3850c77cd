//! The reverse map and the replacement lists: which (process, va) maps each tracked
//! frame, and which frames the replacement policy (`mm/policy.rs`) may choose.
//!
//! Layer: above the frame allocator and the page tables, below swap and reclaim. Frames
//! enter with [`note_mapped`] (the fault handler, for every private frame it maps) and
//! leave when their last reference goes: callers drop a user frame's reference with
//! [`put`], which asks the allocator (`frame::decref` says whether the frame was freed)
//! and reacts: a freed frame is forgotten, a frame down to one mapping becomes a
//! candidate again.
//!
//! The entry is a hint, checked before use ([`locate`]): the pid must be alive and its
//! page table must map `va` to this very frame; if it does not, another process mapping
//! the frame at the same va (sharing comes from fork) takes the entry over.

use super::addr::{Ppn, VirtAddr};
use super::frame::{self, Put};
use super::pagetable::{leaf_slot, pte_ppn, PteSlot, PTE_U, PTE_V};
use super::policy::{with as with_policy, N};
use super::vm::AddressSpace;
use crate::proc::{self, Task};
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;
use vmcore::replace::PageId;

/// Reverse map: per frame index, the (pid, va) that last mapped it privately (pid 0:
/// none).
static RMAP: Mutex<Vec<(i32, u64)>> = Mutex::new(Vec::new());

/// Boot: one entry per frame of the allocator.
pub fn init() {
    let (_, total) = frame::stats();
    let mut r = RMAP.lock();
    if r.try_reserve_exact(total).is_ok() {
        r.resize(total, (0, 0));
    }
}

/// The pid recorded for tracked frame index `i` (0: none).
pub fn owner_pid(i: usize) -> i32 {
    RMAP.lock().get(i).map(|e| e.0).unwrap_or(0)
}

/// Records that the current process mapped private frame `ppn` at `va`, and makes the
/// frame a candidate for eviction.
pub fn note_mapped(ppn: Ppn, va: u64) {
    let Some(i) = frame::index_of(ppn) else { return };
    if i >= N {
        return;
    }
    let Some(pid) = proc::try_current_pid() else { return };
    if let Some(e) = RMAP.lock().get_mut(i) {
        *e = (pid, va);
    }
    // Already tracked: the same frame mapped again (a COW reuse): a reference. (A freed
    // frame was forgotten by `forget`, so a reused one starts afresh.)
    let id = PageId(i as u32);
    with_policy(|p| {
        if p.contains(id) {
            p.touch(id);
        } else {
            let _ = p.insert(id);
        }
    });
}

/// Frame index `i` was freed: the policy stops tracking it and the reverse map forgets
/// its owner ([`put`]).
fn forget(i: usize) {
    if i >= N {
        return;
    }
    let id = PageId(i as u32);
    with_policy(|p| {
        if p.contains(id) {
            let _ = p.remove(id);
        }
    });
    if let Some(e) = RMAP.lock().get_mut(i) {
        *e = (0, 0);
    }
}

/// Frame `ppn` has just lost a mapping and has one left: make it a candidate again.
fn reinsert(ppn: Ppn) {
    if frame::refcount(ppn) != 1 || Some(ppn) == super::fault::zero_frame() {
        return;
    }
    let Some(i) = frame::index_of(ppn) else { return };
    if i >= N || RMAP.lock().get(i).map(|e| e.0) == Some(0) {
        return;
    }
    let id = PageId(i as u32);
    with_policy(|p| {
        if !p.contains(id) {
            let _ = p.insert(id);
        }
    });
}

/// Drops one reference to frame `ppn` (a failed map, a copied-from cache page, an
/// evicted mapping): the allocator frees it with its last reference, and then it leaves
/// the reverse map and the policy.
pub fn put(ppn: Ppn) {
    if let Put::Freed(i) = frame::decref(ppn) {
        forget(i);
    }
}

/// Drops the reference of a mapping that goes away (unmap, exit, a COW break by this
/// side): as [`put`], and a frame left with one mapping becomes a candidate for
/// eviction again (its reverse-map entry is checked when it is chosen).
pub fn unmap(ppn: Ppn) {
    match frame::decref(ppn) {
        Put::Freed(i) => forget(i),
        Put::Kept(1) => reinsert(ppn),
        Put::Kept(_) => {}
    }
}

/// A live process the evictor may take pages from.
pub(super) struct Owner {
    pub pid: i32,
    pub root: Ppn,
    /// `None` for the faulting process (its address space is passed in).
    pub task: Option<Arc<Mutex<Task>>>,
    /// Its task lock was free when reclaim started (it is not running; the faulting
    /// process itself is always evictable).
    pub evictable: bool,
    /// Its minimum working set and resident pages (kept up to date while evicting).
    pub min: u64,
    pub pages: u64,
}

/// The owner index, va and PTE address of tracked frame `i`, if its reverse-map entry
/// is still true (the frame may have other mappings: see `swap_out`).
pub(super) fn locate(owners: &[Owner], i: usize) -> Option<(usize, u64, PteSlot)> {
    let (pid, va) = *RMAP.lock().get(i)?;
    let ppn = frame::from_index(i)?;
    let maps = |o: &Owner| {
        let a = leaf_slot(o.root, VirtAddr(va))?;
        let pte = a.get();
        (pte & (PTE_V | PTE_U) == (PTE_V | PTE_U) && pte_ppn(pte) == ppn).then_some(a)
    };
    let (o, a) = match owners.iter().position(|o| o.pid == pid).and_then(|o| Some((o, maps(&owners[o])?))) {
        Some(x) => x,
        None => {
            // The recorded process no longer maps it (it broke a COW sharing, exited,
            // or the frame came back from swap into several processes): sharing comes
            // from fork, so another mapping, if any, is at the same va.
            let (o, a) = owners.iter().enumerate().find_map(|(k, o)| Some((k, maps(o)?)))?;
            if let Some(e) = RMAP.lock().get_mut(i) {
                *e = (owners[o].pid, va);
            }
            (o, a)
        }
    };
    // A frame with several mappings is evicted from all of them at once (`swap_out`).
    if frame::refcount(ppn) == 0 || Some(ppn) == super::fault::zero_frame() {
        return None;
    }
    Some((o, va, a))
}

/// Test-and-clear of the A bit of tracked frame `i` (through its reverse-map entry).
/// The sfence.vma for that page is required: rvsim's TLB (like a hardware TLB) caches
/// the translation with A already set and keeps using it without walking the page table
/// again, so without the flush A would never be set again and every page would look
/// unused on the next turn of the clock (or the next aging pass).
pub(super) fn test_clear_accessed(owners: &[Owner], i: usize) -> bool {
    let Some((_, va, a)) = locate(owners, i) else { return false };
    if !a.test_and_clear_accessed() {
        return false;
    }
    // `sfence.vma va, zero`: drops the TLB entries for `va` in every address space
    // (priv spec 10.2.1).
    crate::arch::csr::sfence_va(va);
    true
}

/// The live processes; `cur` is the faulting process's address space and pid, if any
/// (its task is locked by the caller).
pub(super) fn owners(cur: Option<(&AddressSpace, i32)>) -> Vec<Owner> {
    let mut v = Vec::new();
    for (pid, satp, task) in proc::vm_owners() {
        if v.try_reserve(1).is_err() {
            break;
        }
        let (min, _, pages) = proc::ws_of(pid).unwrap_or((0, 0, 0));
        match cur {
            Some((a, cur_pid)) if pid == cur_pid => {
                let root = Ppn(a.satp() & ((1 << 44) - 1));
                v.push(Owner { pid, root, task: None, evictable: true, min, pages: a.pages as u64 });
            }
            _ => {
                let evictable = task.try_lock().is_some();
                v.push(Owner { pid, root: Ppn(satp & ((1 << 44) - 1)), task: Some(task), evictable, min, pages });
            }
        }
    }
    v
}
