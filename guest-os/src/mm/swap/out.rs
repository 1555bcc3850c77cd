//! Swap-out: writes a frame to swap from every mapping the evictor can reach
//! ([`swap_out`], reclaim's victim), or every evictable page of one process
//! ([`swap_out_all`], the thrashing controller and `RVSIM_SETWS`).

use super::{cache, EVICTIONS};
use crate::mm::addr::{Ppn, VirtAddr};
use crate::mm::frame;
use crate::mm::pagetable::{leaf_slot, pte_ppn, PteSlot, PTE_D, PTE_U, PTE_V};
use crate::mm::policy::N;
use crate::mm::rmap::{self, Owner};
use crate::mm::vm::AddressSpace;
use crate::proc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

/// Swaps out every evictable page of process `pid` (the thrashing controller's whole-
/// process swap-out; the process is not running and its task lock is free). Returns
/// how many pages went to swap.
pub fn swap_out_process(pid: i32) -> usize {
    let Some(task) = proc::task_of(pid) else { return 0 };
    let Some(mut g) = task.try_lock() else { return 0 };
    swap_out_all(pid, &mut g.aspace)
}

/// Swaps out every evictable page of process `pid`, whose address space is `a` (locked
/// by the caller): a whole-process swap-out, or the working-set trim of `RVSIM_SETWS`
/// (min = max = `u64::MAX`, Win32's `SetProcessWorkingSetSize(h, -1, -1)`). Returns
/// how many pages went to swap.
pub fn swap_out_all(pid: i32, a: &mut AddressSpace) -> usize {
    if !super::device::present() {
        return 0;
    }
    let owners = rmap::owners(Some((a, pid)));
    let Some(o) = owners.iter().position(|o| o.pid == pid) else { return 0 };
    let total = frame::stats().1.min(N);
    let mut out = 0;
    for i in 0..total {
        if rmap::owner_pid(i) != pid {
            continue;
        }
        let Some((k, va, _)) = rmap::locate(&owners, i) else { continue };
        let Some(ppn) = frame::from_index(i) else { continue };
        if k != o {
            continue;
        }
        if matches!(swap_out(a, &owners, k, va, ppn), Out::All | Out::Partial) {
            out += 1;
        }
    }
    // Write the queued pages now: their frames are freed only then.
    cache::flush();
    proc::set_pages(pid, a.pages);
    out
}

/// What [`swap_out`] did with a frame.
pub(in crate::mm) enum Out {
    /// Every mapping now holds a swap entry; the frame is free.
    All,
    /// Some mappings (those of processes not inside a system call) hold a swap entry;
    /// the frame stays, in the swap cache, with the others.
    Partial,
    /// Left alone (a page-cache frame, a MAP_SHARED frame mapped where the evictor may
    /// not touch it, inconsistent mappings).
    Skipped,
    /// No swap slot, or the write failed.
    Failed,
}

/// Evicts frame `ppn`, mapped at `va` by `owners[o]` (a checked reverse-map entry),
/// from every evictable process that maps it there (sharing comes from fork, so every
/// mapping is at the same va): all those PTEs get one swap entry, the slot holding one
/// reference per PTE.
///
/// The page is written only if it is dirty: not in the swap cache (never written, or
/// its slot was given up), marked dirty there, or D set in one of the PTEs. A clean
/// cached page is simply dropped (`cache::CLEAN_DROPS`).
///
/// Every mapping must be found (as many as the frame's reference count) for the frame
/// to be freed. A MAP_SHARED frame with mappings the evictor cannot reach is skipped (all
/// its mappings must keep seeing one frame); a private (copy-on-write) one is swapped out
/// of the reachable mappings only and stays cached for the others.
pub(in crate::mm) fn swap_out(cur: &mut AddressSpace, owners: &[Owner], o: usize, va: u64, ppn: Ppn) -> Out {
    if crate::mm::pagecache::holds(ppn) {
        return Out::Skipped;
    }
    // The mappings: (owner, PTE slot, PTE), with the task locks of the other owners.
    let mut found: Vec<(usize, PteSlot, u64)> = Vec::new();
    let mut guards = Vec::new();
    for (k, ow) in owners.iter().enumerate() {
        if !ow.evictable {
            continue;
        }
        let Some(a) = leaf_slot(ow.root, VirtAddr(va)) else { continue };
        let pte = a.get();
        if pte & (PTE_V | PTE_U) != (PTE_V | PTE_U) || pte_ppn(pte) != ppn {
            continue;
        }
        if found.try_reserve(1).is_err() || guards.try_reserve(1).is_err() {
            return Out::Skipped;
        }
        if let Some(t) = &ow.task {
            match t.try_lock() {
                Some(g) => guards.push((k, g)),
                None => continue,
            }
        }
        found.push((k, a, pte));
    }
    let refs = frame::refcount(ppn) as usize;
    if found.is_empty() || found.len() > refs {
        return Out::Skipped;
    }
    let all = found.len() == refs;
    let shared = if owners[o].task.is_none() {
        cur.find_vma(va).map(|v| v.is_shared())
    } else {
        guards.iter().find(|(k, _)| *k == o).and_then(|(_, g)| g.aspace.find_vma(va).map(|v| v.is_shared()))
    };
    match shared {
        Some(false) => {}
        Some(true) if all => {}
        _ => return Out::Skipped,
    }
    let mut cached = cache::slot_of(ppn);
    let dirty = cached.is_none_or(|(_, d)| d) || found.iter().any(|f| f.2 & PTE_D != 0);
    if let Some((old, _)) = cached {
        if dirty && super::device::refs(old) == 1 {
            // Only the cache holds the old slot: take a new one next to the other
            // evictions' (one write request per run of slots) rather than rewrite it.
            cache::forget(ppn);
            cached = None;
        }
    }
    // The slot: the cached one (rewritten in place if dirty and other PTEs hold it:
    // they must see the latest data of a shared page, and a private page with other
    // holders cannot have changed, see mm/swap/cache.rs) or a new one, which the cache
    // takes.
    let e = match cached {
        Some((e, _)) => e,
        None => {
            let Some(e) = cache::alloc_slot() else { return Out::Failed };
            if !cache::insert(ppn, e) {
                super::device::free_slot(e);
                return Out::Skipped;
            }
            e
        }
    };
    // Before any PTE changed: undo the new cache entry.
    let fail = |cached: bool| {
        if !cached {
            cache::forget(ppn);
        }
        Out::Failed
    };
    let Ok(swpte) = e.to_pte() else { return fail(cached.is_some()) };
    if super::device::refs(e) as usize + found.len() > vmcore::swap::MAX_REFS as usize {
        return fail(cached.is_some());
    }
    if dirty {
        // Written later, with the batch (`cache::queue_write`); this reference keeps
        // the frame (in the cache, so a fault on the slot meanwhile finds it) till then.
        frame::incref(ppn);
    } else {
        cache::CLEAN_DROPS.fetch_add(1, Ordering::Relaxed);
    }
    for &(_, a, _) in found.iter() {
        // Cannot fail: the count was checked above.
        let _ = super::device::dup_slot(e);
        a.set(swpte);
    }
    crate::arch::csr::sfence_va(va);
    if all && !dirty {
        // The frame goes: so does its cache entry (the PTEs hold the slot now). A dirty
        // one leaves the cache when it has been written.
        cache::forget(ppn);
    }
    for &(k, _, _) in found.iter() {
        crate::mm::rmap::put(ppn);
        let a: &mut AddressSpace = match guards.iter_mut().find(|(j, _)| *j == k) {
            Some((_, g)) => &mut g.aspace,
            None => &mut *cur,
        };
        a.pages = a.pages.saturating_sub(1);
        a.swapped += 1;
        EVICTIONS.fetch_add(1, Ordering::Relaxed);
    }
    if dirty {
        cache::queue_write(e, ppn);
    }
    if all {
        Out::All
    } else {
        Out::Partial
    }
}
