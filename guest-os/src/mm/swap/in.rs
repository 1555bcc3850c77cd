//! Swap-in: a fault on a swap-entry PTE brings the page back ([`swap_in`]); a fork
//! child's PTE gets its own reference to the slot, or a copy ([`dup_entry`]).

use super::{cache, SWAP_INS};
use crate::mm::addr::VirtAddr;
use crate::mm::frame;
use crate::mm::pagetable::{PTE_A, PTE_V, PTE_W};
use crate::mm::rmap::note_mapped;
use crate::mm::vm::AddressSpace;
use core::sync::atomic::Ordering;
use vmcore::swap::SwapEntry;

/// Brings swap entry `e` back for page `va` of `a` (a fault on a swap-entry PTE), with
/// PTE permissions `flags` (`shared`: the VMA is MAP_SHARED). Returns whether the page
/// had to be read (a major fault) or was still in the swap cache (a minor one).
///
/// The slot is kept: the frame goes into the swap cache and is mapped with D clear, so
/// evicting it again unchanged costs no write (`mm/swap/cache.rs`). A private page whose
/// slot other PTEs still hold (fork shared it, or it was swapped out of several
/// processes at once) is mapped read-only: they will map this same frame from the cache,
/// copy-on-write.
pub fn swap_in(
    a: &mut AddressSpace,
    va: u64,
    e: SwapEntry,
    flags: u64,
    shared: bool,
) -> Result<bool, crate::mm::fault::Fault> {
    use crate::mm::pagetable::make_pte;
    if let Some(f) = cache::frame_of(e) {
        // Still resident (mapped by another process): share it.
        frame::incref(f);
        let fl = if shared { flags } else { flags & !PTE_W };
        if !a.pt().set_entry(VirtAddr(va), make_pte(f, fl | PTE_V | PTE_A)) {
            crate::mm::rmap::put(f);
            return Err(crate::mm::fault::Fault::Oom);
        }
        super::device::free_slot(e);
        a.pages += 1;
        a.swapped = a.swapped.saturating_sub(1);
        cache::HITS.fetch_add(1, Ordering::Relaxed);
        note_mapped(f, va);
        return Ok(false);
    }
    let f = frame::alloc_uninit().ok_or(crate::mm::fault::Fault::Oom)?;
    if !super::device::read_page(e, f) {
        // The PTE keeps the swap entry (a later access tries again); the frame, never
        // mapped, goes back (docs/swap.md, "I/O errors").
        crate::mm::rmap::put(f);
        crate::ioerrors::count(&crate::ioerrors::SWAP_IN);
        crate::kprintln!("swap: reading slot {} for {va:#x} failed", e.slot);
        return Err(crate::mm::fault::Fault::SwapIo);
    }
    let fl = if shared || super::device::refs(e) == 1 { flags } else { flags & !PTE_W };
    if !a.pt().set_entry(VirtAddr(va), make_pte(f, fl | PTE_V | PTE_A)) {
        crate::mm::rmap::put(f);
        return Err(crate::mm::fault::Fault::Oom);
    }
    // The cache takes over this PTE's reference on the slot; the other PTEs holding it
    // map this frame too.
    if cache::insert(f, e) {
        cache::map_in_others(va, e, f);
    } else {
        super::device::free_slot(e);
    }
    a.pages += 1;
    a.swapped = a.swapped.saturating_sub(1);
    SWAP_INS.fetch_add(1, Ordering::Relaxed);
    note_mapped(f, va);
    Ok(true)
}

/// The swap entry a fork child gets for a parent's swap-entry PTE: the same slot with
/// one more reference (the page is shared until either side brings it back and writes
/// it), or, if the slot cannot take another reference, a copy in a new slot; `None` if
/// swap is full or on an I/O error.
pub fn dup_entry(e: SwapEntry) -> Option<SwapEntry> {
    if super::device::dup_slot(e) {
        return Some(e);
    }
    let n = cache::alloc_slot()?;
    if super::device::copy_slot(e, n) {
        Some(n)
    } else {
        super::device::free_slot(n);
        None
    }
}
