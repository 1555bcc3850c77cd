//! The page-fault handler. A user page fault (scause 12 instruction, 13 load, 15 store:
//! priv spec 4.1.9 / 10.1.9) or a kernel copy to/from user memory that finds no usable
//! PTE ends here with the address and the kind of access:
//!
//! * no VMA: stack growth if the address is below the stack VMA and within
//!   [`STACK_MAX`] of the top, else SIGSEGV;
//! * VMA forbids the access: SIGSEGV;
//! * page not present: anonymous private read -> the shared zero frame, read-only
//!   (a later write breaks it like copy-on-write); anonymous write or shared -> a fresh
//!   zeroed frame; file-backed -> the page cache frame (shared mappings map it, private
//!   ones map it read-only = COW of the cache) or, for a page only partly file data
//!   (the end of an ELF segment's file bytes), a private frame with file bytes then zeros;
//!   a file page at or past EOF of an mmap is SIGBUS;
//! * present but not writable on a write: copy-on-write break (copy if the frame is
//!   shared, or just re-enable W when this address space holds the only reference).
//!
//! After changing a PTE the TLB is flushed (`sfence.vma`, priv spec 10.2.1): rvsim's
//! TLB caches permissions like hardware does (docs/mmu.md).

use super::addr::{Ppn, VirtAddr};
use super::frame;
use super::pagecache;
use super::pagetable::{make_pte, pte_ppn, PTE_A, PTE_D, PTE_V, PTE_W};
use super::vm::{perm, user_flags, AddressSpace, VmaKind, USER_MIN, USER_TOP};
use super::{page_down, stats, PAGE_SIZE};
use crate::arch::phys;
use spin::Mutex;

/// The access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Exec,
}

impl Access {
    /// The access for a page-fault scause (12, 13, 15), if it is one.
    pub fn from_scause(c: u64) -> Option<Access> {
        match c {
            12 => Some(Access::Exec),
            13 => Some(Access::Read),
            15 => Some(Access::Write),
            _ => None,
        }
    }
}

/// Why a fault could not be resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No VMA covers the address (SIGSEGV).
    NoMapping,
    /// The VMA forbids the access (SIGSEGV).
    Protection(VmaKind),
    /// A file page entirely past the end of the file (SIGBUS).
    Bus,
    /// The page could not be read from the swap device (SIGBUS, as Linux's
    /// VM_FAULT_SIGBUS for a failed swap-in; never the wrong data).
    SwapIo,
    /// No frame (or page-table page) for it.
    Oom,
    /// Out of memory, but the OOM killer chose another process: let it exit (yield),
    /// then retry the access.
    Retry,
}

static ZERO: Mutex<Option<Ppn>> = Mutex::new(None);

impl Fault {
    /// What the kill message says after the trap cause.
    pub fn describe(self) -> &'static str {
        match self {
            Fault::NoMapping => "no mapping",
            Fault::Protection(VmaKind::Elf) => "not permitted in program segment",
            Fault::Protection(VmaKind::Heap) => "not permitted in heap",
            Fault::Protection(VmaKind::Stack) => "not permitted in stack",
            Fault::Protection(VmaKind::Anon) => "not permitted in mapping",
            Fault::Protection(VmaKind::File) => "not permitted in file mapping",
            Fault::Bus => "page past end of file",
            Fault::SwapIo => "swap-in I/O error",
            Fault::Oom => "out of memory",
            Fault::Retry => "out of memory (retry)",
        }
    }
}

/// The shared zero frame, if it has been allocated.
pub fn zero_frame() -> Option<Ppn> {
    *ZERO.lock()
}

/// Allocates the shared zero frame at boot, so free-frame counts taken later do not see
/// it appear (it is never freed).
pub fn init() {
    let _ = get_zero();
}

/// The shared zero frame, allocated (zeroed, with one permanent reference so it is never
/// freed) at boot or on first use.
fn get_zero() -> Option<Ppn> {
    let mut z = ZERO.lock();
    if z.is_none() {
        *z = frame::alloc();
    }
    *z
}

impl AddressSpace {
    fn count(&mut self, f: impl Fn(&mut abi::VmCounters)) {
        f(&mut self.counters);
        stats::with(f);
    }

    /// Resolves a fault at `va` for `acc`, or says why the process must die.
    pub fn handle_fault(&mut self, va: u64, acc: Access) -> Result<(), Fault> {
        // Below the low watermark: evict pages to swap first (mm/reclaim.rs).
        super::reclaim::reclaim(self);
        let mut r = self.resolve(va, acc);
        if r == Err(Fault::Oom) {
            // Memory and swap exhausted: the OOM killer picks a victim. If it is another
            // process, let it die and have the access retried.
            if !super::oom::oom(self) {
                r = Err(Fault::Retry);
            }
        }
        if r.is_err() && r != Err(Fault::Retry) {
            self.count(|c| c.bad_faults += 1);
            crate::arch::hint::page_fault(abi::hint::PF_SEGV, page_down(va));
        }
        r
    }

    fn resolve(&mut self, va: u64, acc: Access) -> Result<(), Fault> {
        if !(USER_MIN..USER_TOP).contains(&va) {
            return Err(Fault::NoMapping);
        }
        let page = page_down(va);
        if self.vmas.find(va).is_none() {
            self.grow_stack(page)?;
        }
        let v = self.vmas.find(va).cloned().ok_or(Fault::NoMapping)?;
        let vperm = perm(&v);
        let allowed = match acc {
            Access::Read => vperm & super::pagetable::PTE_R != 0,
            Access::Write => vperm & PTE_W != 0,
            Access::Exec => vperm & super::pagetable::PTE_X != 0,
        };
        if !allowed {
            return Err(Fault::Protection(v.backing.kind));
        }
        let flags = user_flags(vperm);
        if let Some(e) = self.pt().entry(VirtAddr(page)).and_then(vmcore::swap::SwapEntry::from_pte) {
            // In swap: read it back (a major fault), or map the frame still in the swap
            // cache (a minor one).
            let r = super::swap::swap_in(self, page, e, flags, v.is_shared());
            match r {
                Ok(true) => self.count(|c| c.major_faults += 1),
                Ok(false) => self.count(|c| c.minor_faults += 1),
                Err(_) => {}
            }
            if let Ok(major) = r {
                crate::arch::hint::page_fault(if major { abi::hint::PF_SWAP_IN } else { abi::hint::PF_MINOR }, page)
            }
            // A write to a page that came back read-only (its slot or frame is shared
            // copy-on-write): break the sharing now, in the same fault (a second fault
            // would first reclaim, and might evict this very page again).
            if r.is_ok() && acc == Access::Write {
                if let Some(pte) = self.pte_at(page) {
                    if pte & PTE_W == 0 {
                        // cow flushed the read-only entry it replaced.
                        return self.cow(page, pte, flags);
                    }
                }
            }
            // Swap entry (V = 0) -> valid leaf: no flush (see below).
            return r.map(|_| ());
        }
        let res = match self.pte_at(page) {
            None => self.fill(page, &v, acc, flags),
            Some(pte) if acc == Access::Write && pte & PTE_W == 0 => self.cow(page, pte, flags),
            Some(pte) => {
                // Already fixed (a stale TLB entry, or a copy_in retry). With rvsim's
                // `--ad-mode trap` (Svade, priv spec 10.3.1) the fault may also be for an
                // A or D bit the kernel left clear (the evictor clears A, swap-in maps
                // with D clear): software sets it.
                let need = PTE_A | if acc == Access::Write { PTE_D } else { 0 };
                if pte & need != need {
                    self.pt().update(VirtAddr(page), |p| p | need);
                }
                // The lazy flush of an invalid->valid or permission-increasing change
                // (Privileged 4.2.1 note: "a page-fault exception might occur, at which
                // point software should execute SFENCE.VMA"): the hart used an old entry.
                self.flush_page(page);
                self.count(|c| c.minor_faults += 1);
                crate::arch::hint::page_fault(abi::hint::PF_MINOR, page);
                Ok(())
            }
        };
        // `fill` turned an invalid PTE valid: no flush. Privileged 4.2.1 note: "For the
        // special cases of increasing the permissions on a leaf PTE and changing an
        // invalid PTE to a valid leaf, software may choose to execute the SFENCE.VMA
        // lazily"; a hart that cached the invalid PTE faults again and the branch above
        // flushes (rvsim caches no faulting translation: mmu/mod.rs fills the TLB only
        // after a successful walk). `cow` flushes the entry it replaced.
        res
    }

    /// Extends the stack VMA down to `page` if it is within the stack limit and nothing
    /// else is mapped in between (vmcore's `grow_stack`).
    fn grow_stack(&mut self, page: u64) -> Result<(), Fault> {
        let grown = self.vmas.grow_stack(page).map_err(|_| Fault::NoMapping)?;
        let n = grown / PAGE_SIZE;
        self.count(|c| c.stack_growth += n);
        Ok(())
    }

    fn map_new(&mut self, page: u64, ppn: Ppn, flags: u64) -> Result<(), Fault> {
        if !self.pt().map(VirtAddr(page), ppn, flags) {
            super::rmap::put(ppn);
            return Err(Fault::Oom);
        }
        self.pages += 1;
        Ok(())
    }

    /// [`Self::map_new`] for a frame private to this mapping: also makes it a candidate
    /// for eviction (`mm/rmap.rs`; shared anonymous frames are tracked too, the evictor
    /// only takes frames with one reference).
    fn map_private(&mut self, page: u64, ppn: Ppn, flags: u64) -> Result<(), Fault> {
        self.map_new(page, ppn, flags)?;
        super::rmap::note_mapped(ppn, page);
        Ok(())
    }

    /// A page that is not present.
    fn fill(&mut self, page: u64, v: &super::vm::Vma, acc: Access, flags: u64) -> Result<(), Fault> {
        match &v.backing.file {
            None => {
                self.count(|c| {
                    c.minor_faults += 1;
                    c.zero_fills += 1
                });
                crate::arch::hint::page_fault(abi::hint::PF_DEMAND_ZERO, page);
                if acc != Access::Write && !v.is_shared() {
                    let z = get_zero().ok_or(Fault::Oom)?;
                    frame::incref(z);
                    self.map_new(page, z, flags & !PTE_W)?;
                    stats::zero_mapped();
                    return Ok(());
                }
                let f = frame::alloc().ok_or(Fault::Oom)?;
                self.map_private(page, f, flags)
            }
            Some(fm) => {
                let (inum, file_va, file_end, off, eof_bus) = (fm.inum, fm.file_va, fm.file_end, fm.off, fm.eof_bus);
                let size = crate::fs::with(|f| f.iget(inum)).map(|i| i.size as u64).map_err(|_| Fault::Bus)?;
                // File offset of the first byte of this page (if the page holds file data).
                let lo = page.max(file_va);
                let hi = (page + PAGE_SIZE).min(file_end);
                if lo >= hi {
                    // Entirely past the segment's file bytes: ELF bss.
                    self.count(|c| {
                        c.minor_faults += 1;
                        c.zero_fills += 1
                    });
                    crate::arch::hint::page_fault(abi::hint::PF_DEMAND_ZERO, page);
                    let f = frame::alloc().ok_or(Fault::Oom)?;
                    return self.map_private(page, f, flags);
                }
                let foff = off + (lo - file_va);
                if eof_bus && foff >= size {
                    return Err(Fault::Bus);
                }
                crate::arch::hint::page_fault(abi::hint::PF_FILE_PAGE, page);
                let whole = lo == page && hi == page + PAGE_SIZE && foff.is_multiple_of(PAGE_SIZE);
                if !whole {
                    // Part file data, part zeros: a private frame.
                    let f = frame::alloc().ok_or(Fault::Oom)?;
                    let mut buf = [0u8; 512];
                    let mut a = lo;
                    while a < hi {
                        let n = ((hi - a) as usize).min(buf.len());
                        let got = crate::fs::with(|fs| fs.read(inum, off + (a - file_va), &mut buf[..n])).unwrap_or(0);
                        // SAFETY: `f` is a fresh private frame, not mapped yet; `[a, a + got)` is inside its page.
                        unsafe { phys::write_bytes(f.addr().0 + (a - page), &buf[..got]) };
                        a += n as u64;
                    }
                    self.count(|c| c.major_faults += 1);
                    return self.map_private(page, f, flags);
                }
                let (cf, loaded) = pagecache::get(inum, foff / PAGE_SIZE).ok_or(Fault::Oom)?;
                self.count(|c| if loaded { c.major_faults += 1 } else { c.minor_faults += 1 });
                if v.is_shared() {
                    // The cache's frame itself, with the VMA's permissions and D clear:
                    // D then says whether the page must be written back before the
                    // frame is reclaimed (mm/filereclaim.rs).
                    if self.pt().entry(VirtAddr(page)).is_some_and(|e| e != 0)
                        || !self.pt().set_entry(VirtAddr(page), make_pte(cf, flags | PTE_V | PTE_A))
                    {
                        super::rmap::put(cf);
                        return Err(Fault::Oom);
                    }
                    self.pages += 1;
                    return Ok(());
                }
                if acc == Access::Write {
                    // Private write: copy the cached page right away.
                    let Some(f) = frame::alloc_uninit() else {
                        super::rmap::put(cf);
                        return Err(Fault::Oom);
                    };
                    // SAFETY: `f` is a fresh frame, `cf` a cached frame we hold a reference on.
                    unsafe { phys::copy_frame(f.addr().0, cf.addr().0) };
                    super::rmap::put(cf);
                    self.count(|c| c.cow_copies += 1);
                    return self.map_private(page, f, flags);
                }
                // Private read: copy-on-write of the page cache.
                self.map_new(page, cf, flags & !PTE_W)
            }
        }
    }

    /// Makes the page at `page` present and backed by a frame of its own (copying a
    /// shared one, keeping the PTE's permissions), for the kernel to write into
    /// regardless of the VMA's permission (exec filling a page two segments share).
    pub fn make_private(&mut self, page: u64) -> Result<Ppn, Fault> {
        if self.pte_at(page).is_none() {
            self.resolve(page, Access::Read)?;
        }
        let pte = self.pte_at(page).ok_or(Fault::NoMapping)?;
        let old = pte_ppn(pte);
        if Some(old) != zero_frame() && frame::refcount(old) == 1 {
            // The caller writes it in place: it no longer matches a swap slot that other
            // PTEs might still hold.
            super::swap::cache::forget(old);
            return Ok(old);
        }
        let new = frame::alloc_uninit().ok_or(Fault::Oom)?;
        // SAFETY: `new` is a fresh frame; `old` is mapped here (we hold its reference).
        unsafe { phys::copy_frame(new.addr().0, old.addr().0) };
        self.pt().remap(VirtAddr(page), new, pte & 0x3ff);
        super::swap::cache::unmap_pte(old, pte);
        super::rmap::put(old);
        if Some(old) == zero_frame() {
            stats::zero_unmapped();
        }
        // A valid leaf now names another frame: the old entry must go.
        self.flush_page(page);
        Ok(new)
    }

    /// A write to a present, write-protected page of a writable VMA: break the sharing.
    fn cow(&mut self, page: u64, pte: u64, flags: u64) -> Result<(), Fault> {
        let old = pte_ppn(pte);
        let zero = zero_frame();
        self.count(|c| c.minor_faults += 1);
        if Some(old) != zero && frame::refcount(old) == 1 {
            self.count(|c| c.cow_reuses += 1);
            crate::arch::hint::page_fault(abi::hint::PF_COW_REUSE, page);
            // About to be written: its swap slot (if any) no longer describes it, and
            // other PTEs holding that slot must read the slot, not this frame.
            super::swap::cache::forget(old);
            self.pt().remap(VirtAddr(page), old, flags);
            // Only a permission increase, which could be flushed lazily; but the cached
            // read-only entry would fault once more (a TLB hit that fails its check), so
            // flush now, as Linux's update_mmu_cache does.
            self.flush_page(page);
            super::rmap::note_mapped(old, page);
            return Ok(());
        }
        let new = if Some(old) == zero {
            frame::alloc().ok_or(Fault::Oom)?
        } else {
            let f = frame::alloc_uninit().ok_or(Fault::Oom)?;
            // SAFETY: `f` is a fresh frame; `old` is mapped here (we hold its reference).
            unsafe { phys::copy_frame(f.addr().0, old.addr().0) };
            f
        };
        if !self.pt().remap(VirtAddr(page), new, flags) {
            super::rmap::put(new);
            return Err(Fault::Oom);
        }
        // A valid leaf now names another frame: the old entry must go.
        self.flush_page(page);
        super::rmap::note_mapped(new, page);
        super::swap::cache::unmap_pte(old, pte);
        super::rmap::unmap(old);
        if Some(old) == zero {
            stats::zero_unmapped();
            self.count(|c| c.zero_fills += 1);
            crate::arch::hint::page_fault(abi::hint::PF_DEMAND_ZERO, page);
        } else {
            self.count(|c| c.cow_copies += 1);
            crate::arch::hint::page_fault(abi::hint::PF_COW_BREAK, page);
        }
        Ok(())
    }
}
