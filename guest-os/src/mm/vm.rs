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
use vmcore::vma::{Layout, Payload, Placement, Prot, Search, Share};

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

/// Where the bytes of a file-backed VMA come from: VAs `[file_va, file_end)` are the
/// file at `off + (va - file_va)`, the rest of the VMA is zeros. With `eof_bus`, a page
/// that starts at or past the file's end is a bus error (mmap semantics); without, it is
/// zeros (ELF bss). The mapping is absolute, so it stays the same when the VMA is split.
#[derive(Clone)]
pub struct FileMap {
    /// The open file: keeps the inode alive while it is mapped.
    pub file: Arc<File>,
    pub inum: u32,
    pub file_va: u64,
    pub file_end: u64,
    pub off: u64,
    pub eof_bus: bool,
}

impl FileMap {
    /// `off - file_va`: file offset = va + bias (wrapping), what two pieces of one
    /// mapping share.
    fn bias(&self) -> u64 {
        self.off.wrapping_sub(self.file_va)
    }
}

/// The kernel's payload of a VMA in [`vmcore::vma::VmaSet`]: its kind and, for a file
/// mapping or an ELF segment, the file.
#[derive(Clone)]
pub struct Backing {
    pub kind: VmaKind,
    pub file: Option<FileMap>,
}

impl Backing {
    /// Zeros on first touch.
    pub const fn anon(kind: VmaKind) -> Backing {
        Backing { kind, file: None }
    }
}

impl Payload for Backing {
    fn tail(&self, _start: u64, _at: u64) -> Self {
        self.clone()
    }

    /// Same kind, and anonymous both, or the same file at the same bias with the same
    /// limits and with file data starting no later than the join (so the lower piece's
    /// `file_va` serves the upper one).
    fn continues(&self, _start: u64, end: u64, next: &Self) -> bool {
        if self.kind != next.kind {
            return false;
        }
        match (&self.file, &next.file) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                a.inum == b.inum
                    && a.eof_bus == b.eof_bus
                    && a.file_end == b.file_end
                    && a.bias() == b.bias()
                    && a.file_va <= end
                    && b.file_va <= end
            }
            _ => false,
        }
    }

    fn is_stack(&self) -> bool {
        self.kind == VmaKind::Stack
    }

    fn heap() -> Self {
        Backing::anon(VmaKind::Heap)
    }
}

/// A range `[start, end)` of pages with one protection, sharing and backing.
pub type Vma = vmcore::vma::Vma<Backing>;
/// The VMAs of an address space: vmcore's set (split, merge, capacity) with the
/// kernel's payload.
pub type VmaSet = vmcore::vma::VmaSet<MAX_VMAS, Backing>;

/// The layout vmcore searches: the kernel's constants (checked at compile time).
const LAYOUT: Layout = Layout::GUEST_OS;
const _: () = assert!(
    LAYOUT.min_addr == USER_MIN
        && LAYOUT.mmap_base == MMAP_BASE
        && LAYOUT.task_size == USER_TOP
        && LAYOUT.stack_limit == STACK_MAX
        && LAYOUT.stack_guard == 0
        && matches!(LAYOUT.search, Search::BottomUp { limit } if limit == USER_TOP - STACK_MAX)
);

/// PTE permission bits (R/W/X) of a VMA's protection: Linux's PROT_* bits shifted into
/// PTE positions (PROT_READ 1 -> PTE_R 2, WRITE -> W, EXEC -> X).
pub fn perm(v: &Vma) -> u64 {
    (v.prot.bits() as u64) << 1
}

/// The protection for PTE permission bits `perm` (R/W/X).
pub fn prot_of(perm: u64) -> Prot {
    Prot::from_linux((perm >> 1) & 7).unwrap_or(Prot::NONE)
}

/// A VMA `[start, end)` with PTE permission bits `perm`; `mprotect` may grant anything.
pub fn area(start: u64, end: u64, perm: u64, shared: bool, backing: Backing) -> Vma {
    let share = if shared { Share::Shared } else { Share::Private };
    Vma { start, end, prot: prot_of(perm), max_prot: Prot::RWX, share, backing }
}

/// A user address space.
pub struct AddressSpace {
    pt: Option<PageTable>,
    pub(super) vmas: VmaSet,
    /// Resident user pages (mapped PTEs, the zero frame included).
    pub pages: usize,
    /// Pages of this address space in swap (swap-entry PTEs: `mm/swap/out.rs`).
    pub swapped: usize,
    /// This address space's paging counters.
    pub counters: VmCounters,
}

/// Errors are positive errno values.
pub type Result<T> = core::result::Result<T, isize>;

/// A vmcore error as the kernel's positive errno.
pub fn errno(e: vmcore::Errno) -> isize {
    e.code() as isize
}

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
            vmas: VmaSet::new(LAYOUT).map_err(errno)?,
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

    /// The page table and the VMAs, for walking one while reading the other.
    pub(super) fn parts(&mut self) -> (&mut PageTable, &VmaSet) {
        (self.pt.as_mut().expect("address space used after teardown"), &self.vmas)
    }

    /// The VMAs, in address order.
    pub fn vmas(&self) -> &[Vma] {
        self.vmas.areas()
    }

    /// The VMA containing `va`.
    pub fn find_vma(&self, va: u64) -> Option<&Vma> {
        self.vmas.find(va)
    }

    /// The program break.
    pub fn brk(&self) -> u64 {
        self.vmas.current_brk()
    }

    /// Sets where the heap starts (exec): the break moves there.
    pub fn set_brk_base(&mut self, base: u64) -> Result<()> {
        self.vmas.set_brk_base(base).map_err(errno)
    }

    /// Inserts `vma`, which must not overlap another (ENOMEM), merging it with compatible
    /// neighbours (so brk extends one VMA); EINVAL for a bad range, ENOMEM when the set
    /// is full.
    pub fn insert_vma(&mut self, vma: Vma) -> Result<()> {
        if vma.start >= vma.end
            || !vma.start.is_multiple_of(PAGE_SIZE)
            || !vma.end.is_multiple_of(PAGE_SIZE)
            || vma.start < USER_MIN
            || vma.end > USER_TOP
        {
            return Err(EINVAL);
        }
        if !self.vmas.is_free(vma.start, vma.end) {
            return Err(ENOMEM);
        }
        let Vma { start, end, prot, max_prot, share, backing } = vma;
        self.vmas.map(start, end - start, Placement::Fixed, prot, max_prot, share, backing).map_err(errno)?;
        Ok(())
    }

    /// Records an anonymous private VMA over `[start, end)` (page-aligned). No page is
    /// allocated: each appears zero-filled on first touch. EINVAL for a bad range,
    /// ENOMEM if it overlaps an existing VMA.
    pub fn map_zeroed(&mut self, start: u64, end: u64, perm: u64, kind: VmaKind) -> Result<()> {
        self.insert_vma(area(start, end, perm, false, Backing::anon(kind)))
    }

    /// Drops the mappings of every page in `[start, end)` (page-aligned) without touching
    /// the VMAs (the caller has written shared file pages back while the VMAs said which
    /// they are).
    pub(super) fn drop_pages(&mut self, start: u64, end: u64) {
        self.drop_pages_flush(start, end, true);
    }

    /// [`Self::drop_pages`]; without `flush` no TLB flush (teardown: the table is not
    /// installed and its ASID was released and flushed, see `mm::asid::leave`).
    fn drop_pages_flush(&mut self, start: u64, end: u64, flush: bool) {
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
            super::swap::cache::unmap_pte(ppn, pte);
            super::rmap::unmap(ppn);
            freed += 1;
            0
        });
        self.pages -= freed.min(self.pages);
        if flush {
            super::asid::flush_range(self.root_ppn(), start, end);
        }
    }

    /// Unmaps every page in `[start, end)` and trims/splits the VMAs covering it
    /// (vmcore; ENOMEM, with nothing unmapped, when a split would exceed [`MAX_VMAS`]).
    pub fn unmap_range(&mut self, start: u64, end: u64) -> Result<()> {
        if end <= start {
            return Ok(());
        }
        super::mmap::writeback_range(self, start, end);
        self.vmas.unmap(start, end - start).map_err(errno)?;
        self.drop_pages(start, end);
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
                            self.pt().update(VirtAddr(va), |p| p | PTE_D);
                        }
                        super::swap::cache::dirty(pte_ppn(pte));
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
            // SAFETY: `user_pa` checked that the page is mapped user-writable by this address space;
            // `n` keeps the copy inside it.
            unsafe { phys::write_bytes(pa, &data[done..done + n]) };
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
            super::swap::cache::dirty(ppn);
            // SAFETY: `make_private` gave this address space a frame of its own; `n` keeps the
            // copy inside it.
            unsafe { phys::write_bytes(ppn.addr().0 + a % PAGE_SIZE, &data[done..done + n]) };
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
            // SAFETY: `user_pa` checked that the page is mapped user-readable; `n` keeps the copy
            // inside it.
            unsafe { phys::read_bytes(pa, &mut out[done..done + n]) };
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
            // SAFETY: as in `copy_in`: a user-readable page, `n` bytes inside it.
            unsafe { phys::read_bytes(pa, &mut chunk[..n]) };
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
        let vmas = self.vmas.try_clone().map_err(errno)?;
        child.vmas = self.vmas.try_clone().map_err(errno)?;
        // Shared anonymous pages must exist before they are shared (shared file pages
        // are shared through the page cache instead). A PROT_NONE one cannot be touched.
        for v in vmas.areas().iter().filter(|v| v.is_shared() && v.backing.file.is_none()) {
            let perm = perm(v);
            let acc = if perm & PTE_W != 0 {
                Access::Write
            } else if perm & PTE_R != 0 {
                Access::Read
            } else if perm & PTE_X != 0 {
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
        for v in vmas.areas() {
            let cpt = child.pt.as_mut().expect("fresh page table");
            let mut mapped = 0usize;
            let shared = v.is_shared();
            self.pt.as_mut().expect("live page table").for_each_leaf(v.start, v.end, |va, pte| {
                if failed {
                    return pte;
                }
                let ppn = pte_ppn(pte);
                let new = if shared { pte } else { pte & !PTE_W };
                // The child's PTE keeps the D bit: a frame in the swap cache that the
                // parent has not written stays clean (mm/swap/cache.rs).
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
                match super::swap::dup_entry(e).and_then(|n| n.to_pte().ok().map(|p| (n, p))) {
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
    /// break, as Linux does. Growing only extends the heap VMA (pages appear on touch);
    /// shrinking frees the pages above the new break.
    pub fn set_brk(&mut self, new: u64) -> u64 {
        if new > MMAP_BASE {
            return self.brk();
        }
        let old_top = page_up(self.brk());
        let got = self.vmas.brk(new);
        let new_top = page_up(got);
        if new_top < old_top {
            self.drop_pages(new_top, old_top);
        }
        got
    }

    /// Finds a free, page-aligned range of `len` bytes in the mmap area (the lowest).
    pub fn find_free(&self, len: u64) -> Option<u64> {
        self.vmas.find_gap_up(len, MMAP_BASE, USER_TOP - STACK_MAX)
    }

    /// Does any VMA overlap `[start, end)`?
    pub fn is_mapped(&self, start: u64, end: u64) -> bool {
        !self.vmas.is_free(page_down(start), page_up(end))
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
            super::mmap::writeback_range(self, 0, USER_TOP);
            self.drop_pages_flush(0, USER_TOP, false);
        }
        if let Some(pt) = self.pt.take() {
            pt.free_tables(kvm::USER_ROOTS);
        }
        super::pagecache::trim();
    }
}
