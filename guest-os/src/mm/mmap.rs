//! mmap(2), munmap(2), mprotect(2), msync(2) with Linux semantics (man 2 mmap), and the
//! rvsim introspection calls (VM counters, VMA list, per-page residency).
//!
//! Every mapping only records a VMA; pages come from the fault handler. MAP_PRIVATE
//! file pages are copy-on-write of the page cache, MAP_SHARED file pages are the page
//! cache's frames, written back on msync, munmap and exit.

use super::fault::Access;
use super::pagecache;
use super::pagetable::{pte_ppn, PTE_R, PTE_U, PTE_W, PTE_X};
use super::vm::{area, errno, perm, prot_of, AddressSpace, Backing, FileMap, VmaKind, USER_MIN, USER_TOP};
use super::{frame, page_up, stats, PAGE_SIZE};
use crate::file::{File, Kind};
use abi::errno::*;
use abi::mman::*;
use abi::{VmStat, VmaInfo};
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::vma::Prot;

/// PTE permission bits for `PROT_*`; EINVAL for unknown bits. Write implies read, as
/// Sv39 has no write-only pages (priv spec 10.3.1: W without R is reserved).
pub fn prot_to_perm(prot: usize) -> Result<u64, isize> {
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
        return Err(EINVAL);
    }
    let mut perm = 0;
    if prot & PROT_READ != 0 {
        perm |= PTE_R;
    }
    if prot & PROT_WRITE != 0 {
        perm |= PTE_W | PTE_R;
    }
    if prot & PROT_EXEC != 0 {
        perm |= PTE_X;
    }
    Ok(perm)
}

fn perm_to_prot(perm: u64) -> u32 {
    let mut p = 0;
    if perm & PTE_R != 0 {
        p |= PROT_READ;
    }
    if perm & PTE_W != 0 {
        p |= PROT_WRITE;
    }
    if perm & PTE_X != 0 {
        p |= PROT_EXEC;
    }
    p as u32
}

/// mmap(addr, len, prot, flags, fd's open file, offset). Returns the address.
pub fn mmap(
    a: &mut AddressSpace,
    addr: u64,
    len: u64,
    prot: usize,
    flags: usize,
    file: Option<Arc<File>>,
    off: u64,
) -> Result<u64, isize> {
    let perm = prot_to_perm(prot)?;
    // MAP_SHARED_VALIDATE (both bits) is MAP_SHARED that rejects unknown flags; with
    // neither bit it is EINVAL; other flags Linux ignores (MAP_STACK, MAP_NORESERVE, ...).
    let typ = flags & MAP_SHARED_VALIDATE;
    if typ == MAP_SHARED_VALIDATE && flags & !MAP_KNOWN != 0 {
        return Err(EOPNOTSUPP);
    }
    if len == 0 || typ == 0 || !off.is_multiple_of(PAGE_SIZE) {
        return Err(EINVAL);
    }
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    if fixed && !addr.is_multiple_of(PAGE_SIZE) {
        return Err(EINVAL);
    }
    let len = page_up(len);
    if len == 0 || len >= USER_TOP {
        return Err(ENOMEM);
    }
    let shared = typ != MAP_PRIVATE;
    if accountable(perm, shared, flags) && !enough_memory(len) {
        return Err(ENOMEM);
    }
    let file = if flags & MAP_ANONYMOUS != 0 {
        None
    } else {
        let file = file.ok_or(EBADF)?;
        let inum = match file.kind {
            Kind::Inode { inum, dir: false } => inum,
            _ => return Err(ENODEV),
        };
        if !file.readable || (shared && perm & PTE_W != 0 && !file.writable) {
            return Err(EACCES);
        }
        off.checked_add(len).ok_or(EOVERFLOW)?;
        Some((file, inum))
    };
    let start = if fixed {
        if addr < USER_MIN || addr.checked_add(len).is_none_or(|e| e > USER_TOP) {
            return Err(if flags & MAP_FIXED != 0 { EINVAL } else { ENOMEM });
        }
        if a.is_mapped(addr, addr + len) {
            if flags & MAP_FIXED == 0 {
                return Err(EEXIST);
            }
            a.unmap_range(addr, addr + len)?;
        }
        addr
    } else {
        a.find_free(len).ok_or(ENOMEM)?
    };
    // A shared mapping of a file opened read-only may never become writable (mprotect:
    // EACCES, through the VMA's max_prot).
    let writable_file = file.as_ref().is_none_or(|(f, _)| f.writable);
    let backing = match file {
        None => Backing::anon(VmaKind::Anon),
        Some((file, inum)) => Backing {
            kind: VmaKind::File,
            file: Some(FileMap { file, inum, file_va: start, file_end: u64::MAX, off, eof_bus: true }),
        },
    };
    let mut vma = area(start, start + len, perm, shared, backing);
    if shared && !writable_file {
        vma.max_prot = Prot::READ.union(Prot::EXEC);
    }
    a.insert_vma(vma)?;
    if flags & MAP_POPULATE != 0 {
        // Prefault like a first touch; failures are left for the real access (Linux).
        let acc = if perm & PTE_W != 0 { Access::Write } else { Access::Read };
        if perm & PTE_R != 0 {
            let mut va = start;
            while va < start + len && a.handle_fault(va, acc).is_ok() {
                va += PAGE_SIZE;
            }
        }
    }
    Ok(start)
}

/// Does a mapping commit memory, and so pass the overcommit check? As Linux
/// (`accountable_mapping` in mm/mmap.c, and shmem accounting for shared anonymous
/// memory): private writable mappings and shared anonymous ones, unless MAP_NORESERVE.
/// Read-only private and shared file mappings need no memory of their own.
fn accountable(perm: u64, shared: bool, flags: usize) -> bool {
    if flags & MAP_NORESERVE != 0 {
        return false;
    }
    if shared {
        flags & MAP_ANONYMOUS != 0
    } else {
        perm & PTE_W != 0
    }
}

/// The overcommit policy (docs/vm.md, "Overcommit"): Linux's heuristic mode
/// (`vm.overcommit_memory = 0`, `__vm_enough_memory` in mm/util.c) refuses one mapping
/// larger than all of RAM plus swap; anything smaller is granted, and the OOM killer
/// settles the bill if pages run out later.
fn enough_memory(len: u64) -> bool {
    let (_, frames) = frame::stats();
    let (_, slots) = super::swap::usage();
    len / PAGE_SIZE <= frames as u64 + slots
}

/// munmap(addr, len): EINVAL for an unaligned address or zero length; unmapping
/// nothing is fine. A region partly covered is split.
pub fn munmap(a: &mut AddressSpace, addr: u64, len: u64) -> Result<(), isize> {
    if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
        return Err(EINVAL);
    }
    let end = addr.checked_add(page_up(len)).ok_or(EINVAL)?;
    if end > USER_TOP {
        return Err(EINVAL);
    }
    a.unmap_range(addr, end)?;
    pagecache::trim();
    Ok(())
}

/// mprotect(addr, len, prot): every page in the range must be mapped (ENOMEM);
/// a writable shared file mapping needs a writable descriptor (EACCES, the VMA's
/// max_prot). vmcore splits the VMAs at the range's ends and merges them with their
/// neighbours again when the rights match, so toggling rights back and forth leaves as
/// many VMAs as it found. Present PTEs get the new permissions (a private page stays
/// write-protected if its frame is shared, so COW still copies).
pub fn mprotect(a: &mut AddressSpace, addr: u64, len: u64, prot: usize) -> Result<(), isize> {
    let perm = prot_to_perm(prot)?;
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(EINVAL);
    }
    let end = addr.checked_add(page_up(len)).ok_or(ENOMEM)?;
    if end == addr {
        return Ok(());
    }
    a.vmas.protect(addr, end - addr, prot_of(perm)).map_err(errno)?;
    // PTEs: shared pages get `perm`; private ones get W only if their frame is theirs alone.
    let zero = super::fault::zero_frame();
    let (pt, vmas) = a.parts();
    for v in vmas.overlapping(addr, end) {
        let shared = v.is_shared();
        pt.for_each_leaf(v.start.max(addr), v.end.min(end), |_, pte| {
            let ppn = pte_ppn(pte);
            let mut p = perm;
            if !shared && (Some(ppn) == zero || frame::refcount(ppn) > 1 || pte & PTE_W == 0) {
                p &= !PTE_W;
            }
            if perm == 0 {
                // PROT_NONE: keep the frame, make the PTE inaccessible to U-mode.
                return (pte & !(PTE_R | PTE_W | PTE_X | PTE_U)) | PTE_R;
            }
            (pte & !(PTE_R | PTE_W | PTE_X)) | p | PTE_U
        });
    }
    super::asid::flush_range(a.root_ppn(), addr, end);
    Ok(())
}

/// msync(addr, len, flags): writes the shared file pages of the range back. EINVAL for
/// an unaligned address or bad flags, ENOMEM if part of the range is unmapped.
pub fn msync(a: &mut AddressSpace, addr: u64, len: u64, flags: usize) -> Result<(), isize> {
    if !addr.is_multiple_of(PAGE_SIZE)
        || flags & !(MS_ASYNC | MS_SYNC | MS_INVALIDATE) != 0
        || flags & (MS_ASYNC | MS_SYNC) == (MS_ASYNC | MS_SYNC)
    {
        return Err(EINVAL);
    }
    let end = addr.checked_add(page_up(len)).ok_or(ENOMEM)?;
    if !a.vmas.covers(addr, end) {
        return Err(ENOMEM);
    }
    writeback_range(a, addr, end);
    Ok(())
}

/// Writes back every resident page of writable MAP_SHARED file VMAs in `[start, end)`.
pub fn writeback_range(a: &mut AddressSpace, start: u64, end: u64) {
    let mut work = Vec::new();
    for v in a.vmas.overlapping(start, end).filter(|v| v.is_shared() && perm(v) & PTE_W != 0) {
        if let Some(fm) = &v.backing.file {
            if work.try_reserve(1).is_ok() {
                work.push((v.start.max(start), v.end.min(end), fm.inum, fm.file_va, fm.off));
            }
        }
    }
    for (s, e, inum, file_va, off) in work {
        let mut pages = Vec::new();
        a.pt().for_each_leaf(s, e, |va, pte| {
            if pages.try_reserve(1).is_ok() {
                pages.push((va, pte_ppn(pte)));
            }
            pte
        });
        for (va, ppn) in pages {
            pagecache::write_back(inum, (off + (va - file_va)) / PAGE_SIZE, ppn);
        }
    }
}

/// Fills `st` with the global counters and those of `a`.
pub fn vmstat(a: &mut AddressSpace) -> VmStat {
    let (free, total) = frame::stats();
    let (resident, shared, zero) = a.residency(0, USER_TOP);
    VmStat {
        free_frames: free as u64,
        total_frames: total as u64,
        zero_page_refs: stats::zero_refs(),
        cache_pages: pagecache::len() as u64,
        global: stats::global(),
        proc: a.counters,
        resident,
        shared,
        zero_mapped: zero,
        virt_bytes: a.vmas().iter().map(|v| v.end - v.start).sum(),
        // The swap fields are filled by vmsys from `mm::vmstat_words`.
        ..VmStat::default()
    }
}

/// The VMAs of `a` as records.
pub fn vmmap(a: &mut AddressSpace) -> Vec<VmaInfo> {
    let mut vmas = Vec::new();
    if vmas.try_reserve(a.vmas().len()).is_err() {
        return Vec::new();
    }
    for v in a.vmas() {
        let (inum, offset) = match &v.backing.file {
            Some(fm) => (fm.inum, fm.off + v.start.saturating_sub(fm.file_va)),
            None => (0, 0),
        };
        vmas.push((v.start, v.end, perm(v), v.is_shared(), v.backing.kind, inum, offset));
    }
    let mut out = Vec::new();
    for (start, end, perm, is_shared, kind, inum, offset) in vmas {
        let (resident, shared, _) = a.residency(start, end);
        if out.try_reserve(1).is_err() {
            break;
        }
        out.push(VmaInfo {
            start,
            end,
            prot: perm_to_prot(perm),
            flags: if is_shared { MAP_SHARED as u32 } else { MAP_PRIVATE as u32 },
            kind: match kind {
                VmaKind::Elf => 0,
                VmaKind::Heap => 1,
                VmaKind::Stack => 2,
                VmaKind::Anon => 3,
                VmaKind::File => 4,
            },
            inum,
            offset,
            resident,
            shared,
        });
    }
    out
}

/// One mincore byte (see [`VmaInfo::PAGE_RESIDENT`] ...) for the page at `va`.
pub fn page_state(a: &mut AddressSpace, va: u64) -> u8 {
    let Some(pte) = a.pte_at(va) else { return 0 };
    let ppn = pte_ppn(pte);
    let mut b = VmaInfo::PAGE_RESIDENT;
    if Some(ppn) == super::fault::zero_frame() {
        b |= VmaInfo::PAGE_ZERO;
    } else if frame::refcount(ppn) > 1 {
        b |= VmaInfo::PAGE_SHARED;
    }
    if pte & PTE_W != 0 {
        b |= VmaInfo::PAGE_WRITABLE;
    }
    b
}

/// The open file for exec's lazily loaded segments: keeps the inode alive while mapped.
pub fn exec_file(inum: u32) -> Result<Arc<File>, isize> {
    crate::fs::with(|f| {
        f.open_ref(inum);
        Ok(())
    })?;
    Ok(Arc::new(File::new(Kind::Inode { inum, dir: false }, true, false, false)))
}
