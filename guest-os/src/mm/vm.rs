//! Per-process address spaces: a page table plus the list of VMAs (virtual memory areas)
//! that say what each range of user addresses is. Today every page of a VMA is mapped
//! eagerly when the VMA is created (or copied by fork); the VMA list is what a page-fault
//! handler will consult for demand-zero, copy-on-write and swap-in.
//!
//! Kernel access to user memory goes through [`AddressSpace::copy_in`] /
//! [`AddressSpace::copy_out`], which walk the page table in software and check the U and
//! R/W bits, so a bad user pointer becomes `EFAULT` rather than a kernel fault.

use super::addr::{Ppn, VirtAddr};
use super::frame;
use super::kvm;
use super::pagetable::{pte_ppn, PageTable, PTE_R, PTE_U, PTE_W, PTE_X};
use super::{page_down, page_up, PAGE_SIZE};
use crate::arch::phys;
use abi::errno::{EFAULT, EINVAL, ENOMEM};
use alloc::vec::Vec;

/// Lowest user address that can be mapped.
pub const USER_MIN: u64 = 0x1000;
/// One past the highest user address.
pub const USER_TOP: u64 = 0x8000_0000;
/// Bytes of user stack, below USER_TOP.
pub const STACK_SIZE: u64 = 256 * 1024;
/// Start of the anonymous mmap area; the heap (brk) may not grow past it.
pub const MMAP_BASE: u64 = 0x4000_0000;

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
}

/// A range `[start, end)` of pages with one permission and kind.
#[derive(Clone, Copy, Debug)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    /// PTE permission bits (R/W/X; U is implied).
    pub perm: u64,
    pub kind: VmaKind,
}

/// A user address space.
pub struct AddressSpace {
    pt: Option<PageTable>,
    vmas: Vec<Vma>,
    /// First byte of the heap.
    pub brk_start: u64,
    /// Current program break.
    pub brk: u64,
    /// Resident user pages.
    pub pages: usize,
}

/// Errors are positive errno values.
pub type Result<T> = core::result::Result<T, isize>;

impl AddressSpace {
    /// An empty address space (kernel mappings only), or ENOMEM.
    pub fn new() -> Result<AddressSpace> {
        let pt = PageTable::new(&kvm::kernel_roots()).ok_or(ENOMEM)?;
        Ok(AddressSpace { pt: Some(pt), vmas: Vec::new(), brk_start: 0, brk: 0, pages: 0 })
    }

    fn pt(&mut self) -> &mut PageTable {
        self.pt.as_mut().expect("address space used after teardown")
    }

    /// The satp value for this address space.
    pub fn satp(&self) -> u64 {
        self.pt.as_ref().map(|p| p.satp()).unwrap_or(0)
    }

    /// The VMAs, in address order.
    pub fn vmas(&self) -> &[Vma] {
        &self.vmas
    }

    /// The VMA containing `va`.
    pub fn find_vma(&self, va: u64) -> Option<&Vma> {
        self.vmas.iter().find(|v| v.start <= va && va < v.end)
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.vmas.iter().any(|v| v.start < end && start < v.end)
    }

    fn insert_vma(&mut self, vma: Vma) -> Result<()> {
        // Extend a neighbour of the same kind and permission instead (heap growth by brk,
        // consecutive mmaps), as Linux merges VMAs.
        if let Some(v) = self.vmas.iter_mut().find(|v| v.end == vma.start && v.kind == vma.kind && v.perm == vma.perm) {
            v.end = vma.end;
            return Ok(());
        }
        if self.vmas.len() >= MAX_VMAS {
            return Err(ENOMEM);
        }
        self.vmas.try_reserve(1).map_err(|_| ENOMEM)?;
        let pos = self.vmas.iter().position(|v| v.start > vma.start).unwrap_or(self.vmas.len());
        self.vmas.insert(pos, vma);
        Ok(())
    }

    /// Maps zeroed pages over `[start, end)` (page-aligned) with `perm`, recording a VMA.
    /// Pages already mapped (an ELF segment sharing a page with the previous one) get
    /// the union of permissions. On ENOMEM nothing new stays mapped.
    pub fn map_zeroed(&mut self, start: u64, end: u64, perm: u64, kind: VmaKind) -> Result<()> {
        if !start.is_multiple_of(PAGE_SIZE)
            || !end.is_multiple_of(PAGE_SIZE)
            || start >= end
            || start < USER_MIN
            || end > USER_TOP
        {
            return Err(EINVAL);
        }
        let mut fresh = Vec::new();
        fresh.try_reserve(((end - start) / PAGE_SIZE) as usize).map_err(|_| ENOMEM)?;
        let mut va = start;
        let mut ok = true;
        while va < end {
            if let Some(pte) = self.pt().lookup(VirtAddr(va)) {
                let flags = (pte & 0x3ff) | perm | PTE_U;
                self.pt().set_flags(VirtAddr(va), flags & (PTE_R | PTE_W | PTE_X | PTE_U));
            } else {
                let Some(ppn) = frame::alloc() else {
                    ok = false;
                    break;
                };
                if !self.pt().map(VirtAddr(va), ppn, perm | PTE_U) {
                    frame::decref(ppn);
                    ok = false;
                    break;
                }
                fresh.push(va);
            }
            va += PAGE_SIZE;
        }
        if ok {
            ok = self.insert_vma(Vma { start, end, perm, kind }).is_ok();
        }
        if !ok {
            for &va in &fresh {
                if let Some(ppn) = self.pt().unmap(VirtAddr(va)) {
                    frame::decref(ppn);
                }
            }
            crate::arch::csr::sfence_all();
            return Err(ENOMEM);
        }
        self.pages += fresh.len();
        Ok(())
    }

    /// Maps one zeroed page at `va` (page-aligned, inside an existing VMA) with `perm`.
    pub fn map_page_zeroed(&mut self, va: u64, perm: u64) -> Result<()> {
        let ppn = frame::alloc().ok_or(ENOMEM)?;
        if !self.pt().map(VirtAddr(va), ppn, perm | PTE_U) {
            frame::decref(ppn);
            return Err(ENOMEM);
        }
        self.pages += 1;
        Ok(())
    }

    /// Unmaps every page in `[start, end)` and trims/splits the VMAs covering it.
    pub fn unmap_range(&mut self, start: u64, end: u64) -> Result<()> {
        let mut keep = Vec::new();
        keep.try_reserve(self.vmas.len() + 1).map_err(|_| ENOMEM)?;
        for v in self.vmas.iter() {
            if v.end <= start || end <= v.start {
                keep.push(*v);
                continue;
            }
            if v.start < start {
                keep.push(Vma { end: start, ..*v });
            }
            if end < v.end {
                keep.push(Vma { start: end, ..*v });
            }
        }
        if keep.len() > MAX_VMAS {
            return Err(ENOMEM);
        }
        let mut va = start;
        while va < end {
            if let Some(ppn) = self.pt().unmap(VirtAddr(va)) {
                frame::decref(ppn);
                self.pages -= 1;
            }
            va += PAGE_SIZE;
        }
        self.vmas = keep;
        crate::arch::csr::sfence_all();
        Ok(())
    }

    /// The physical address for user access at `va`, if a user page maps it with the
    /// needed permission.
    fn user_pa(&mut self, va: u64, write: bool) -> Result<u64> {
        if va >= USER_TOP {
            return Err(EFAULT);
        }
        let pte = self.pt().lookup(VirtAddr(va)).ok_or(EFAULT)?;
        let need = PTE_U | if write { PTE_W } else { PTE_R };
        if pte & need != need {
            return Err(EFAULT);
        }
        Ok(pte_ppn(pte).addr().0 + VirtAddr(va).page_offset())
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

    /// Copies `data` to user address `va` ignoring write permission (the kernel filling
    /// a read-only segment during exec); EFAULT if a page is not mapped for the user.
    pub fn copy_out_force(&mut self, va: u64, data: &[u8]) -> Result<()> {
        let mut done = 0usize;
        while done < data.len() {
            let a = va.checked_add(done as u64).ok_or(EFAULT)?;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(data.len() - done);
            let pte = self.pt().lookup(VirtAddr(a)).ok_or(EFAULT)?;
            if pte & PTE_U == 0 {
                return Err(EFAULT);
            }
            phys::write_bytes(pte_ppn(pte).addr().0 + a % PAGE_SIZE, &data[done..done + n]);
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

    /// A copy of this address space for fork: same VMAs, every page copied into a new
    /// frame (copy-on-write will share frames instead, using their reference counts).
    pub fn fork(&mut self) -> Result<AddressSpace> {
        let mut child = AddressSpace::new()?;
        child.vmas.try_reserve(self.vmas.len()).map_err(|_| ENOMEM)?;
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        let vmas = self.vmas.clone();
        for v in &vmas {
            child.vmas.push(*v);
            let mut va = v.start;
            while va < v.end {
                if let Some(pte) = self.pt().lookup(VirtAddr(va)) {
                    if child.pt().lookup(VirtAddr(va)).is_none() {
                        let ppn = frame::alloc().ok_or(ENOMEM)?;
                        phys::copy_frame(ppn.addr().0, pte_ppn(pte).addr().0);
                        if !child.pt().map(VirtAddr(va), ppn, pte & (PTE_R | PTE_W | PTE_X | PTE_U)) {
                            frame::decref(ppn);
                            return Err(ENOMEM);
                        }
                        child.pages += 1;
                    }
                }
                va += PAGE_SIZE;
            }
        }
        Ok(child)
    }

    /// brk(2): moves the break to `new` if possible; returns the (possibly unchanged)
    /// break, as Linux does.
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
        let limit = USER_TOP - STACK_SIZE;
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
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        let vmas = core::mem::take(&mut self.vmas);
        for v in &vmas {
            let mut va = v.start;
            while va < v.end {
                if let Some(ppn) = self.pt().unmap(VirtAddr(va)) {
                    frame::decref(ppn);
                }
                va += PAGE_SIZE;
            }
        }
        if let Some(pt) = self.pt.take() {
            pt.free_tables(kvm::USER_ROOTS);
        }
    }
}
