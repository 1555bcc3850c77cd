//! Per-process address spaces: a page table plus the list of VMAs (virtual memory areas)
//! that say what each range of user addresses is. Nothing is mapped when a VMA is
//! created: pages appear on first touch through the page-fault handler in
//! [`super::fault`] (demand zero, demand loading from a file, copy-on-write, stack
//! growth). `fork` shares every private page copy-on-write.
//!
//! Kernel access to user memory goes through [`AddressSpace::copy_in`] /
//! [`AddressSpace::copy_out`], which walk the page table in software and check the U and
//! R/W bits. A page that is not (yet) accessible goes through the same fault handler as
//! a user access before the copy gives up with `EFAULT`.

use super::addr::{Ppn, VirtAddr};
use super::fault::Access;
use super::frame;
use super::kvm;
use super::pagetable::{make_pte, pte_ppn, PageTable, PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X};
use super::{page_down, page_up, stats, PAGE_SIZE};
use crate::arch::phys;
use crate::file::File;
use abi::errno::{EFAULT, EINVAL, ENOMEM};
use abi::VmCounters;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Lowest user address that can be mapped.
pub const USER_MIN: u64 = 0x1000;
/// One past the highest user address (the Sv39 lower half, 256 GiB; the stack's top).
pub const USER_TOP: u64 = abi::layout::USER_TOP;
/// Bytes of the initial stack VMA below USER_TOP (pages appear on first touch).
pub const STACK_SIZE: u64 = 256 * 1024;
/// The stack may grow down (on faults below its VMA) to this many bytes.
pub const STACK_MAX: u64 = 8 * 1024 * 1024;
/// Start of the anonymous mmap area (it grows up, to the stack's reserve); the heap
/// (brk) may not grow past it: 64 GiB of heap, 192 GiB of mmap area.
pub const MMAP_BASE: u64 = abi::layout::MMAP_BASE;

/// Most VMAs per address space (Linux has `vm.max_map_count`): bounds the kernel heap
/// one process can use; more is ENOMEM.
pub const MAX_VMAS: usize = 256;

/// What a VMA holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmaKind {
    /// An ELF PT_LOAD segment (file contents, then zeros).
    Elf,
    /// The brk heap.
    Heap,
    /// The user stack.
    Stack,
    /// Anonymous mmap.
    Anon,
    /// File mmap.
    File,
}

/// Where the contents of a VMA's pages come from on first touch.
#[derive(Clone)]
pub enum Backing {
    /// Zeros.
    Anon,
    /// Bytes at VAs `[file_va, file_end)` come from the file at `off + (va - file_va)`,
    /// the rest of the VMA is zeros. With `eof_bus`, a page that starts at or past the
    /// file's end is a bus error (mmap semantics); without, it is zeros (ELF bss).
    File { file: Arc<File>, inum: u32, file_va: u64, file_end: u64, off: u64, eof_bus: bool },
}

/// A range `[start, end)` of pages with one permission, kind and backing.
#[derive(Clone)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    /// PTE permission bits (R/W/X; U is implied).
    pub perm: u64,
    pub kind: VmaKind,
    pub backing: Backing,
    /// MAP_SHARED: pages are shared with the file / with forked children, never COW.
    pub shared: bool,
}

impl Vma {
    /// A new anonymous private VMA.
    pub fn anon(start: u64, end: u64, perm: u64, kind: VmaKind) -> Vma {
        Vma { start, end, perm, kind, backing: Backing::Anon, shared: false }
    }

    fn mergeable(&self, next: &Vma) -> bool {
        self.end == next.start
            && self.perm == next.perm
            && self.kind == next.kind
            && self.shared == next.shared
            && matches!((&self.backing, &next.backing), (Backing::Anon, Backing::Anon))
    }
}

/// A user address space.
pub struct AddressSpace {
    pt: Option<PageTable>,
    pub(super) vmas: Vec<Vma>,
    /// First byte of the heap.
    pub brk_start: u64,
    /// Current program break.
    pub brk: u64,
    /// Resident user pages (mapped PTEs, the zero frame included).
    pub pages: usize,
    /// Pages of this address space in swap (swap-entry PTEs: `mm/evict.rs`).
    pub swapped: usize,
    /// This address space's paging counters.
    pub counters: VmCounters,
}

/// Errors are positive errno values.
pub type Result<T> = core::result::Result<T, isize>;

/// PTE bits for a user page of a VMA with `perm`.
pub(super) fn user_flags(perm: u64) -> u64 {
    (perm & (PTE_R | PTE_W | PTE_X)) | PTE_U
}

impl AddressSpace {
    /// An empty address space (kernel mappings only), or ENOMEM.
    pub fn new() -> Result<AddressSpace> {
        let pt = PageTable::new(&kvm::kernel_roots()).ok_or(ENOMEM)?;
        Ok(AddressSpace {
            pt: Some(pt),
            vmas: Vec::new(),
            brk_start: 0,
            brk: 0,
            pages: 0,
            swapped: 0,
            counters: VmCounters::default(),
        })
    }

    pub(super) fn pt(&mut self) -> &mut PageTable {
        self.pt.as_mut().expect("address space used after teardown")
    }

    /// The satp value for this address space.
    pub fn satp(&self) -> u64 {
        self.pt.as_ref().map(|p| p.satp()).unwrap_or(0)
    }

    /// The root PPN of its table (what satp.PPN holds while it runs).
    pub(super) fn root_ppn(&self) -> u64 {
        self.satp() & ((1 << 44) - 1)
    }

    /// After changing the leaf PTE of `va`: `sfence.vma va, asid` (mm/asid.rs).
    pub(super) fn flush_page(&self, va: u64) {
        super::asid::flush_page(self.root_ppn(), va);
    }

    /// The VMAs, in address order.
    pub fn vmas(&self) -> &[Vma] {
        &self.vmas
    }

    /// The VMA containing `va`.
    pub fn find_vma(&self, va: u64) -> Option<&Vma> {
        self.vmas.iter().find(|v| v.start <= va && va < v.end)
    }

    pub(super) fn vma_index(&self, va: u64) -> Option<usize> {
        self.vmas.iter().position(|v| v.start <= va && va < v.end)
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.vmas.iter().any(|v| v.start < end && start < v.end)
    }

    /// Inserts `vma` (which must not overlap another) in address order, merging it with
    /// an adjacent anonymous VMA of the same kind and permission (so brk extends one VMA).
    pub fn insert_vma(&mut self, vma: Vma) -> Result<()> {
        if vma.start >= vma.end
            || !vma.start.is_multiple_of(PAGE_SIZE)
            || !vma.end.is_multiple_of(PAGE_SIZE)
            || vma.start < USER_MIN
            || vma.end > USER_TOP
        {
            return Err(EINVAL);
        }
        if self.overlaps(vma.start, vma.end) {
            return Err(ENOMEM);
        }
        let pos = self.vmas.iter().position(|v| v.start > vma.start).unwrap_or(self.vmas.len());
        if pos > 0 && self.vmas[pos - 1].mergeable(&vma) {
            self.vmas[pos - 1].end = vma.end;
            if pos < self.vmas.len() && self.vmas[pos - 1].mergeable(&self.vmas[pos]) {
                self.vmas[pos - 1].end = self.vmas[pos].end;
                self.vmas.remove(pos);
            }
            return Ok(());
        }
        if pos < self.vmas.len() && vma.mergeable(&self.vmas[pos]) {
            self.vmas[pos].start = vma.start;
            return Ok(());
        }
        if self.vmas.len() >= MAX_VMAS {
            return Err(ENOMEM);
        }
        self.vmas.try_reserve(1).map_err(|_| ENOMEM)?;
        self.vmas.insert(pos, vma);
        Ok(())
    }

    /// Records an anonymous private VMA over `[start, end)` (page-aligned). No page is
    /// allocated: each appears zero-filled on first touch. EINVAL for a bad range,
    /// ENOMEM if it overlaps an existing VMA.
    pub fn map_zeroed(&mut self, start: u64, end: u64, perm: u64, kind: VmaKind) -> Result<()> {
        self.insert_vma(Vma::anon(start, end, perm, kind))
    }

    /// Drops the mappings of every page in `[start, end)` (page-aligned) without touching
    /// the VMAs; writes shared file pages back first.
    pub(super) fn drop_pages(&mut self, start: u64, end: u64) {
        self.drop_pages_flush(start, end, true);
    }

    /// [`Self::drop_pages`]; without `flush` no TLB flush (teardown: the table is not
    /// installed and its ASID was released and flushed, see `mm::asid::leave`).
    fn drop_pages_flush(&mut self, start: u64, end: u64, flush: bool) {
        super::mmap::writeback_range(self, start, end);
        // Pages in swap: free their slots.
        let mut unswapped = 0usize;
        self.pt().for_each_entry(start, end, |_, pte| match vmcore::swap::SwapEntry::from_pte(pte) {
            Some(e) => {
                super::swap::free_slot(e);
                unswapped += 1;
                0
            }
            None => pte,
        });
        self.swapped = self.swapped.saturating_sub(unswapped);
        let mut freed = 0usize;
        let zero = super::fault::zero_frame();
        self.pt().for_each_leaf(start, end, |_, pte| {
            let ppn = pte_ppn(pte);
            if Some(ppn) == zero {
                stats::zero_unmapped();
            }
            super::swapcache::unmap_pte(ppn, pte);
            frame::decref(ppn);
            super::evict::reinsert(ppn);
            freed += 1;
            0
        });
        self.pages -= freed.min(self.pages);
        if flush {
            super::asid::flush_range(self.root_ppn(), start, end);
        }
    }

    /// Unmaps every page in `[start, end)` and trims/splits the VMAs covering it.
    pub fn unmap_range(&mut self, start: u64, end: u64) -> Result<()> {
        let mut keep = Vec::new();
        keep.try_reserve(self.vmas.len() + 1).map_err(|_| ENOMEM)?;
        for v in self.vmas.iter() {
            if v.end <= start || end <= v.start {
                keep.push(v.clone());
                continue;
            }
            if v.start < start {
                keep.push(Vma { end: start, ..v.clone() });
            }
            if end < v.end {
                keep.push(Vma { start: end, ..v.clone() });
            }
        }
        if keep.len() > MAX_VMAS {
            return Err(ENOMEM);
        }
        self.drop_pages(start, end);
        self.vmas = keep;
        Ok(())
    }

    /// The physical address for user access at `va`, faulting the page in (as a user
    /// access would) when it is not accessible yet; EFAULT if the fault cannot be
    /// resolved.
    fn user_pa(&mut self, va: u64, write: bool) -> Result<u64> {
        if va >= USER_TOP {
            return Err(EFAULT);
        }
        let need = PTE_U | if write { PTE_W } else { PTE_R };
        for _ in 0..2 {
            if let Some(pte) = self.pt().lookup(VirtAddr(va)) {
                if pte & need == need {
                    if write {
                        // The kernel's store sets no D bit by itself: set it, as the
                        // MMU would for a user store, and tell the swap cache.
                        if pte & PTE_D == 0 {
                            self.pt().set_entry(VirtAddr(va), pte | PTE_D);
                        }
                        super::swapcache::dirty(pte_ppn(pte));
                    }
                    return Ok(pte_ppn(pte).addr().0 + VirtAddr(va).page_offset());
                }
            }
            let acc = if write { Access::Write } else { Access::Read };
            if self.handle_fault(va, acc).is_err() {
                return Err(EFAULT);
            }
        }
        Err(EFAULT)
    }

    /// Copies `data` to user address `va` (EFAULT if any byte is not user-writable).
    pub fn copy_out(&mut self, va: u64, data: &[u8]) -> Result<()> {
        let mut done = 0usize;
        while done < data.len() {
            let a = va.checked_add(done as u64).ok_or(EFAULT)?;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(data.len() - done);
            let pa = self.user_pa(a, true)?;
            phys::write_bytes(pa, &data[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Copies `data` to user address `va` ignoring the VMA's write permission (exec
    /// filling a page shared by two segments); EFAULT if a page has no VMA.
    pub fn copy_out_force(&mut self, va: u64, data: &[u8]) -> Result<()> {
        let mut done = 0usize;
        while done < data.len() {
            let a = va.checked_add(done as u64).ok_or(EFAULT)?;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(data.len() - done);
            let ppn = self.make_private(page_down(a)).map_err(|_| EFAULT)?;
            super::swapcache::dirty(ppn);
            phys::write_bytes(ppn.addr().0 + a % PAGE_SIZE, &data[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Copies from user address `va` into `out` (EFAULT if any byte is not user-readable).
    pub fn copy_in(&mut self, va: u64, out: &mut [u8]) -> Result<()> {
        let mut done = 0usize;
        while done < out.len() {
            let a = va.checked_add(done as u64).ok_or(EFAULT)?;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(out.len() - done);
            let pa = self.user_pa(a, false)?;
            phys::read_bytes(pa, &mut out[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Reads a u64 from user memory.
    pub fn read_u64(&mut self, va: u64) -> Result<u64> {
        let mut b = [0u8; 8];
        self.copy_in(va, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Copies a NUL-terminated string of at most `max` bytes from user memory (without
    /// the NUL); Err(ENAMETOOLONG-like `too_long`) if no NUL within `max`.
    pub fn copy_in_str(&mut self, va: u64, max: usize, too_long: isize) -> Result<Vec<u8>> {
        let mut s = Vec::new();
        s.try_reserve(64).map_err(|_| ENOMEM)?;
        let mut a = va;
        loop {
            let pa = self.user_pa(a, false)?;
            let n = (PAGE_SIZE - a % PAGE_SIZE) as usize;
            let mut chunk = [0u8; 64];
            let n = n.min(chunk.len());
            phys::read_bytes(pa, &mut chunk[..n]);
            if let Some(z) = chunk[..n].iter().position(|&c| c == 0) {
                if s.len() + z > max {
                    return Err(too_long);
                }
                s.try_reserve(z).map_err(|_| ENOMEM)?;
                s.extend_from_slice(&chunk[..z]);
                return Ok(s);
            }
            if s.len() + n > max {
                return Err(too_long);
            }
            s.try_reserve(n).map_err(|_| ENOMEM)?;
            s.extend_from_slice(&chunk[..n]);
            a = a.checked_add(n as u64).ok_or(EFAULT)?;
        }
    }

    /// A copy of this address space for fork. Private pages are shared copy-on-write:
    /// the parent's PTE loses W, the child maps the same frame read-only, and the
    /// frame's reference count goes up; the first write on either side copies (or, if
    /// the other side already let go, just re-enables W). Shared pages (MAP_SHARED)
    /// are mapped in both with their permissions; a shared anonymous page not touched
    /// yet is allocated now, so both sides see the same frame.
    ///
    /// The caller's TLB is flushed: rvsim's TLB (docs/mmu.md), like hardware, caches
    /// the W permission, so a stale entry would let the parent write the shared frame.
    pub fn fork(&mut self) -> Result<AddressSpace> {
        let mut child = AddressSpace::new()?;
        child.vmas.try_reserve(self.vmas.len()).map_err(|_| ENOMEM)?;
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        let vmas = self.vmas.clone();
        // Shared anonymous pages must exist before they are shared (shared file pages
        // are shared through the page cache instead). A PROT_NONE one cannot be touched.
        for v in vmas.iter().filter(|v| v.shared && matches!(v.backing, Backing::Anon)) {
            let acc = if v.perm & PTE_W != 0 {
                Access::Write
            } else if v.perm & PTE_R != 0 {
                Access::Read
            } else if v.perm & PTE_X != 0 {
                Access::Exec
            } else {
                continue;
            };
            let mut va = v.start;
            while va < v.end {
                if self.pt().lookup(VirtAddr(va)).is_none() {
                    self.handle_fault(va, acc).map_err(|_| ENOMEM)?;
                }
                va += PAGE_SIZE;
            }
        }
        let mut failed = false;
        let mut shared_pages = 0u64;
        let zero = super::fault::zero_frame();
        for v in &vmas {
            child.vmas.push(v.clone());
            let cpt = child.pt.as_mut().expect("fresh page table");
            let mut mapped = 0usize;
            let shared = v.shared;
            self.pt.as_mut().expect("live page table").for_each_leaf(v.start, v.end, |va, pte| {
                if failed {
                    return pte;
                }
                let ppn = pte_ppn(pte);
                let new = if shared { pte } else { pte & !PTE_W };
                // The child's PTE keeps the D bit: a frame in the swap cache that the
                // parent has not written stays clean (mm/swapcache.rs).
                let cflags = (new & (PTE_R | PTE_W | PTE_X | PTE_U | PTE_D)) | PTE_V | PTE_A;
                if !cpt.set_entry(VirtAddr(va), make_pte(ppn, cflags)) {
                    failed = true;
                    return pte;
                }
                frame::incref(ppn);
                if Some(ppn) == zero {
                    stats::zero_mapped();
                }
                mapped += 1;
                shared_pages += 1;
                new
            });
            child.pages += mapped;
            // Pages the parent has in swap: the child's PTE holds the same slot (one more
            // reference), or a copy of it.
            let mut copied = 0usize;
            self.pt.as_mut().expect("live page table").for_each_entry(v.start, v.end, |va, pte| {
                let Some(e) = vmcore::swap::SwapEntry::from_pte(pte) else { return pte };
                if failed {
                    return pte;
                }
                match super::evict::dup_slot(e).and_then(|n| n.to_pte().ok().map(|p| (n, p))) {
                    Some((n, p)) => {
                        if cpt.set_entry(VirtAddr(va), p) {
                            copied += 1;
                        } else {
                            super::swap::free_slot(n);
                            failed = true;
                        }
                    }
                    None => failed = true,
                }
                pte
            });
            child.swapped += copied;
            if failed {
                break;
            }
        }
        // The parent's writable PTEs became read-only: its ASID's entries go (one
        // `sfence.vma x0, asid` rather than one per page).
        super::asid::flush_aspace(self.root_ppn());
        self.counters.fork_shared += shared_pages;
        stats::with(|g| g.fork_shared += shared_pages);
        if failed {
            // Dropping the child releases what it mapped; the parent's pages stay
            // write-protected and are re-enabled on its next write (refcount 1).
            return Err(ENOMEM);
        }
        Ok(child)
    }

    /// brk(2): moves the break to `new` if possible; returns the (possibly unchanged)
    /// break, as Linux does. Growing only extends the heap VMA (pages appear on touch).
    pub fn set_brk(&mut self, new: u64) -> u64 {
        if new < self.brk_start || new > MMAP_BASE {
            return self.brk;
        }
        let old_top = page_up(self.brk);
        let new_top = page_up(new);
        if new_top > old_top {
            if self.map_zeroed(old_top, new_top, PTE_R | PTE_W, VmaKind::Heap).is_err() {
                return self.brk;
            }
        } else if new_top < old_top && self.unmap_range(new_top, old_top).is_err() {
            return self.brk;
        }
        self.brk = new;
        self.brk
    }

    /// Finds a free, page-aligned range of `len` bytes in the mmap area.
    pub fn find_free(&self, len: u64) -> Option<u64> {
        let mut start = MMAP_BASE;
        let limit = USER_TOP - STACK_MAX;
        loop {
            let end = start.checked_add(len)?;
            if end > limit {
                return None;
            }
            match self.vmas.iter().find(|v| v.start < end && start < v.end) {
                Some(v) => start = page_up(v.end),
                None => return Some(start),
            }
        }
    }

    /// Does any VMA overlap `[start, end)`?
    pub fn is_mapped(&self, start: u64, end: u64) -> bool {
        self.overlaps(page_down(start), page_up(end))
    }

    /// Frames of this address space, for diagnostics: the frame mapped at `va`.
    pub fn frame_at(&mut self, va: u64) -> Option<Ppn> {
        self.pt().lookup(VirtAddr(va)).map(pte_ppn)
    }

    /// The leaf PTE at `va`, if mapped.
    pub fn pte_at(&mut self, va: u64) -> Option<u64> {
        self.pt().lookup(VirtAddr(va))
    }

    /// (resident, shared, zero-frame) pages in `[start, end)`.
    pub fn residency(&mut self, start: u64, end: u64) -> (u64, u64, u64) {
        let zero = super::fault::zero_frame();
        let (mut r, mut s, mut z) = (0, 0, 0);
        self.pt().for_each_leaf(start, end, |_, pte| {
            let ppn = pte_ppn(pte);
            r += 1;
            if Some(ppn) == zero {
                z += 1;
            } else if frame::refcount(ppn) > 1 {
                s += 1;
            }
            pte
        });
        (r, s, z)
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        if self.pt.is_some() {
            self.drop_pages_flush(0, USER_TOP, false);
        }
        self.vmas.clear();
        if let Some(pt) = self.pt.take() {
            pt.free_tables(kvm::USER_ROOTS);
        }
        super::pagecache::trim();
    }
}
