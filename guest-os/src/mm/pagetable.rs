//! Sv39 page tables (priv spec 10.6): three levels of 512 PTEs; the walk allocates
//! intermediate tables on demand. Page-table pages come from `frame` and hold only PTEs.

use super::addr::{Ppn, VirtAddr};
use super::frame;
use crate::arch::phys;

/// Reads the PTE at physical address `a`. Every `a` in this file is `pte_addr(table, i)`
/// of a table page reached from a root this module allocated (or a [`PteSlot`], made only
/// by [`leaf_slot`]): page-table pages are frames the tables own.
fn rd(a: u64) -> u64 {
    // SAFETY: `a` is an 8-aligned entry of a page-table page (see above).
    unsafe { phys::read_u64(a) }
}

/// Writes the PTE at physical address `a` (as for [`rd`]).
fn wr(a: u64, v: u64) {
    // SAFETY: as in `rd`; no reference points into page-table pages.
    unsafe { phys::write_u64(a, v) }
}

/// PTE bits (priv spec 10.3.1 figure "Sv32 page table entry", same low bits in Sv39).
pub const PTE_V: u64 = 1 << 0;
pub const PTE_R: u64 = 1 << 1;
pub const PTE_W: u64 = 1 << 2;
pub const PTE_X: u64 = 1 << 3;
pub const PTE_U: u64 = 1 << 4;
pub const PTE_G: u64 = 1 << 5;
pub const PTE_A: u64 = 1 << 6;
pub const PTE_D: u64 = 1 << 7;
/// satp.MODE for Sv39.
pub const SATP_SV39: u64 = 8 << 60;

/// Builds a PTE pointing at `ppn` with `flags`.
pub const fn make_pte(ppn: Ppn, flags: u64) -> u64 {
    (ppn.0 << 10) | flags
}

/// The PPN field of a PTE.
pub const fn pte_ppn(pte: u64) -> Ppn {
    Ppn((pte >> 10) & ((1 << 44) - 1))
}

/// Is this valid PTE a leaf (any of R/W/X set)?
pub const fn is_leaf(pte: u64) -> bool {
    pte & (PTE_R | PTE_W | PTE_X) != 0
}

/// A page table, identified by its root frame. Dropping it does not free anything: the
/// owner calls [`PageTable::free_tables`].
pub struct PageTable {
    root: Ppn,
}

const PAGE: u64 = super::PAGE_SIZE;

fn pte_addr(table: Ppn, index: usize) -> u64 {
    table.addr().0 + 8 * index as u64
}

impl PageTable {
    /// A new table whose root holds `kernel_roots` (index, PTE) entries; `None` if out of
    /// memory.
    pub fn new(kernel_roots: &[(usize, u64)]) -> Option<PageTable> {
        let root = frame::alloc()?;
        for &(i, pte) in kernel_roots {
            wr(pte_addr(root, i), pte);
        }
        Some(PageTable { root })
    }

    /// The root frame.
    pub fn root(&self) -> Ppn {
        self.root
    }

    /// The satp value selecting this table.
    pub fn satp(&self) -> u64 {
        SATP_SV39 | self.root.0
    }

    /// Physical address of the level-0 PTE for `va`, allocating intermediate tables if
    /// `alloc`; `None` if absent (or out of memory) or if a superpage covers `va`.
    fn walk(&mut self, va: VirtAddr, alloc: bool) -> Option<u64> {
        let vpn = va.vpn();
        let mut table = self.root;
        for level in [2usize, 1] {
            let a = pte_addr(table, vpn.index(level));
            let pte = rd(a);
            if pte & PTE_V != 0 {
                if is_leaf(pte) {
                    return None;
                }
                table = pte_ppn(pte);
            } else {
                if !alloc {
                    return None;
                }
                let t = frame::alloc()?;
                wr(a, make_pte(t, PTE_V));
                table = t;
            }
        }
        Some(pte_addr(table, vpn.index(0)))
    }

    /// Maps the 4 KiB page at `va` to `ppn` with `flags` (V, A and D are added). Fails
    /// (`false`) if out of memory for a table page or if `va` is already mapped.
    pub fn map(&mut self, va: VirtAddr, ppn: Ppn, flags: u64) -> bool {
        let Some(a) = self.walk(va, true) else { return false };
        if rd(a) & PTE_V != 0 {
            return false;
        }
        wr(a, make_pte(ppn, flags | PTE_V | PTE_A | PTE_D));
        true
    }

    /// The leaf PTE for `va`, if valid.
    pub fn lookup(&mut self, va: VirtAddr) -> Option<u64> {
        let a = self.walk(va, false)?;
        let pte = rd(a);
        (pte & PTE_V != 0).then_some(pte)
    }

    /// Replaces the flags of the valid leaf at `va`; returns whether it was mapped.
    pub fn set_flags(&mut self, va: VirtAddr, flags: u64) -> bool {
        let Some(a) = self.walk(va, false) else { return false };
        let pte = rd(a);
        if pte & PTE_V == 0 {
            return false;
        }
        wr(a, make_pte(pte_ppn(pte), flags | PTE_V | PTE_A | PTE_D));
        true
    }

    /// Points the leaf at `va` at `ppn` with `flags` (V, A and D added), whether or not
    /// it was mapped before; `false` if out of memory for a table page.
    pub fn remap(&mut self, va: VirtAddr, ppn: Ppn, flags: u64) -> bool {
        let Some(a) = self.walk(va, true) else { return false };
        wr(a, make_pte(ppn, flags | PTE_V | PTE_A | PTE_D));
        true
    }

    /// Calls `f(va, pte)` for every valid 4 KiB leaf with `start <= va < end`, in address
    /// order, skipping absent intermediate tables (so a sparse 1 GiB range costs only the
    /// tables that exist). `f` returns the PTE to store back (0 unmaps the page).
    pub fn for_each_leaf(&mut self, start: u64, end: u64, f: impl FnMut(u64, u64) -> u64) {
        self.for_each(start, end, false, f)
    }

    /// Like [`PageTable::for_each_leaf`] but for every non-zero level-0 entry, valid or
    /// not (swap entries are non-valid PTEs: `mm/swap/device.rs`).
    pub fn for_each_entry(&mut self, start: u64, end: u64, f: impl FnMut(u64, u64) -> u64) {
        self.for_each(start, end, true, f)
    }

    fn for_each(&mut self, start: u64, end: u64, all: bool, mut f: impl FnMut(u64, u64) -> u64) {
        const L2: u64 = 1 << 30;
        const L1: u64 = 1 << 21;
        let mut va = start & !(PAGE - 1);
        while va < end {
            let r = pte_addr(self.root, VirtAddr(va).vpn().index(2));
            let rp = rd(r);
            if rp & PTE_V == 0 || is_leaf(rp) {
                va = (va & !(L2 - 1)) + L2;
                continue;
            }
            let m = pte_addr(pte_ppn(rp), VirtAddr(va).vpn().index(1));
            let mp = rd(m);
            if mp & PTE_V == 0 || is_leaf(mp) {
                va = (va & !(L1 - 1)) + L1;
                continue;
            }
            let leaf_table = pte_ppn(mp);
            let stop = end.min((va & !(L1 - 1)) + L1);
            while va < stop {
                let a = pte_addr(leaf_table, VirtAddr(va).vpn().index(0));
                let pte = rd(a);
                if pte & PTE_V != 0 || (all && pte != 0) {
                    let new = f(va, pte);
                    if new != pte {
                        wr(a, new);
                    }
                }
                va += PAGE;
            }
        }
    }

    /// Read-modify-write of the level-0 entry for `va` (no table is allocated): `f` maps
    /// the entry to its new value, which is stored if it differs. Returns the old entry,
    /// `None` if no table covers `va`. The caller flushes the TLB if it took rights away.
    pub fn update(&mut self, va: VirtAddr, f: impl FnOnce(u64) -> u64) -> Option<u64> {
        let a = self.walk(va, false)?;
        let old = rd(a);
        let new = f(old);
        if new != old {
            wr(a, new);
        }
        Some(old)
    }

    /// The raw level-0 entry for `va` (valid or not; 0 = nothing), `None` if no table.
    pub fn entry(&mut self, va: VirtAddr) -> Option<u64> {
        let a = self.walk(va, false)?;
        Some(rd(a))
    }

    /// Stores a raw level-0 entry (e.g. a swap entry) at `va`, allocating tables; `false`
    /// if out of memory for a table page.
    pub fn set_entry(&mut self, va: VirtAddr, pte: u64) -> bool {
        let Some(a) = self.walk(va, true) else { return false };
        wr(a, pte);
        true
    }

    /// Removes the mapping at `va`, returning the frame it pointed to.
    pub fn unmap(&mut self, va: VirtAddr) -> Option<Ppn> {
        let a = self.walk(va, false)?;
        let pte = rd(a);
        if pte & PTE_V == 0 {
            return None;
        }
        wr(a, 0);
        Some(pte_ppn(pte))
    }

    /// Frees the table pages under root entries `[0, user_roots)` and the root itself.
    /// Leaves must have been unmapped (their frames released) by the caller.
    pub fn free_tables(self, user_roots: usize) {
        for i in 0..user_roots {
            let pte = rd(pte_addr(self.root, i));
            if pte & PTE_V == 0 || is_leaf(pte) {
                continue;
            }
            let mid = pte_ppn(pte);
            for j in 0..512 {
                let p = rd(pte_addr(mid, j));
                if p & PTE_V != 0 && !is_leaf(p) {
                    let _ = frame::decref(pte_ppn(p));
                }
            }
            let _ = frame::decref(mid);
        }
        // Table pages are never in the reverse map: nothing to react to.
        let _ = frame::decref(self.root);
    }
}

/// A level-0 PTE of some page table, found by [`leaf_slot`]: the only way code outside
/// this file reads or writes a PTE of a table it does not hold as a [`PageTable`] (the
/// evictor and the swap cache, on other processes' tables, under their task locks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PteSlot(u64);

impl PteSlot {
    /// The entry.
    pub fn get(self) -> u64 {
        rd(self.0)
    }

    /// Replaces the entry (the caller flushes the TLB if a valid entry changed).
    pub fn set(self, pte: u64) {
        wr(self.0, pte);
    }

    /// Clears the A bit; whether it was set (the caller flushes the page's TLB entry).
    pub fn test_and_clear_accessed(self) -> bool {
        let pte = self.get();
        if pte & PTE_A == 0 {
            return false;
        }
        self.set(pte & !PTE_A);
        true
    }
}

/// The level-0 PTE for `va` in the table rooted at `root`, walking in software without
/// allocating (`None` if a table is absent or a superpage covers `va`). Used by the page
/// evictor on address spaces other than the current one.
pub fn leaf_slot(root: Ppn, va: VirtAddr) -> Option<PteSlot> {
    let vpn = va.vpn();
    let mut table = root;
    for level in [2usize, 1] {
        let pte = rd(pte_addr(table, vpn.index(level)));
        if pte & PTE_V == 0 || is_leaf(pte) {
            return None;
        }
        table = pte_ppn(pte);
    }
    Some(PteSlot(pte_addr(table, vpn.index(0))))
}
