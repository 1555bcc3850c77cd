//! execve: loads a static RISC-V ELF executable from the file system into a fresh
//! address space and builds the initial stack the ELF psABI / System V ABI prescribes:
//!
//! ```text
//! sp ->  argc
//!        argv[0..argc], NULL
//!        envp[..], NULL
//!        auxv pairs (AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_RANDOM), AT_NULL
//!        ... padding, 16 random bytes, the argument and environment strings ... USER_TOP
//! ```
//! ELF headers are parsed with the `object` crate (bounds-checked, no unsafe).

use crate::fs;
use crate::mm::pagetable::{PTE_R, PTE_W, PTE_X};
use crate::mm::vm::{area, AddressSpace, Backing, FileMap, VmaKind, MMAP_BASE, STACK_SIZE, USER_MIN, USER_TOP};
use crate::mm::{page_down, page_up, PAGE_SIZE};
use abi::auxv::*;
use abi::errno::*;
use alloc::vec::Vec;
use object::elf::{FileHeader64, EM_RISCV, ET_EXEC, PF_R, PF_W, PF_X, PT_LOAD, PT_PHDR};
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;

/// A loaded program, ready to run.
pub struct Loaded {
    pub aspace: AddressSpace,
    pub entry: u64,
    pub sp: u64,
}

/// Bytes of headers read to find the program headers.
const MAX_HEADERS: u64 = 16 * 1024;

/// Loads `path` (relative to directory `cwd`) with `argv`/`envp`. Errors: ENOENT etc.
/// from the lookup, EACCES for a directory, ENOEXEC for anything but a little-endian
/// 64-bit RISC-V ET_EXEC with sane segments, ENOMEM, E2BIG.
pub fn load(cwd: u32, path: &[u8], argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<Loaded, isize> {
    let (inum, size) = fs::with(|f| {
        let i = f.lookup(cwd, path)?;
        let ino = f.iget(i)?;
        // A directory or device, or a file without an execute bit, cannot be run.
        if ino.typ != abi::fs::T_FILE || ino.mode & 0o111 == 0 {
            return Err(EACCES);
        }
        Ok((i, ino.size as u64))
    })?;
    // Read the ELF header, then enough of the file to cover the program headers.
    let mut head = Vec::new();
    head.try_reserve(64).map_err(|_| ENOMEM)?;
    head.resize(64.min(size as usize), 0);
    read_exact(inum, 0, &mut head)?;
    let hdr = FileHeader64::<Endianness>::parse(&head[..]).map_err(|_| ENOEXEC)?;
    let e = hdr.endian().map_err(|_| ENOEXEC)?;
    if e != Endianness::Little || hdr.e_machine(e) != EM_RISCV || hdr.e_type(e) != ET_EXEC {
        return Err(ENOEXEC);
    }
    let phoff = hdr.e_phoff(e);
    let phnum = hdr.e_phnum(e) as u64;
    let phentsize = hdr.e_phentsize(e) as u64;
    let entry = hdr.e_entry(e);
    let need = phoff.checked_add(phnum * phentsize).ok_or(ENOEXEC)?;
    if need > MAX_HEADERS || need > size || phnum == 0 {
        return Err(ENOEXEC);
    }
    let mut data = Vec::new();
    data.try_reserve(need as usize).map_err(|_| ENOEXEC)?;
    data.resize(need as usize, 0);
    read_exact(inum, 0, &mut data)?;
    let hdr = FileHeader64::<Endianness>::parse(&data[..]).map_err(|_| ENOEXEC)?;
    let phdrs = hdr.program_headers(e, &data[..]).map_err(|_| ENOEXEC)?;

    let mut aspace = AddressSpace::new()?;
    let file = crate::mm::mmap::exec_file(inum)?;
    let mut top = 0u64;
    let mut phdr_va = 0u64;
    // (va, memsz, filesz, off, perm) of each PT_LOAD, in address order (ELF spec: PT_LOAD
    // entries are sorted by p_vaddr).
    let mut segs: Vec<(u64, u64, u64, u64, u64)> = Vec::new();
    for ph in phdrs {
        if ph.p_type(e) == PT_PHDR {
            phdr_va = ph.p_vaddr(e);
        }
        if ph.p_type(e) != PT_LOAD || ph.p_memsz(e) == 0 {
            continue;
        }
        let (va, memsz, filesz, off) = (ph.p_vaddr(e), ph.p_memsz(e), ph.p_filesz(e), ph.p_offset(e));
        let end = va.checked_add(memsz).ok_or(ENOEXEC)?;
        if filesz > memsz || va < USER_MIN || end > MMAP_BASE || off.checked_add(filesz).is_none_or(|x| x > size) {
            return Err(ENOEXEC);
        }
        if segs.last().is_some_and(|l: &(u64, u64, u64, u64, u64)| l.0 + l.1 > va) {
            return Err(ENOEXEC);
        }
        let flags = ph.p_flags(e);
        let mut perm = 0;
        if flags & PF_R != 0 {
            perm |= PTE_R;
        }
        if flags & PF_W != 0 {
            perm |= PTE_W | PTE_R;
        }
        if flags & PF_X != 0 {
            perm |= PTE_X;
        }
        segs.try_reserve(1).map_err(|_| ENOMEM)?;
        segs.push((va, memsz, filesz, off, perm));
        if phdr_va == 0 && off <= phoff && phoff < off + filesz {
            phdr_va = va + (phoff - off);
        }
        top = top.max(end);
    }
    // Lazy: each segment becomes a file-backed VMA saying where its bytes are; the fault
    // handler reads a page on first touch (file bytes up to va + filesz, zeros after).
    // A page two segments share (e.g. the R headers and the R-X text of one page) is
    // filled now, with the union of their permissions.
    let mut shared_pages: Vec<(u64, u64)> = Vec::new();
    for w in segs.windows(2) {
        let last = page_down(w[0].0 + w[0].1 - 1);
        if last == page_down(w[1].0) {
            shared_pages.try_reserve(1).map_err(|_| ENOMEM)?;
            shared_pages.push((last, w[0].4 | w[1].4));
        }
    }
    for &(va, memsz, filesz, off, perm) in &segs {
        let mut start = page_down(va);
        let mut end = page_up(va + memsz);
        if shared_pages.iter().any(|&(p, _)| p == start) {
            start += PAGE_SIZE;
        }
        if shared_pages.iter().any(|&(p, _)| p + PAGE_SIZE == end) && end > start {
            end -= PAGE_SIZE;
        }
        if start < end {
            let fm = FileMap { file: file.clone(), inum, file_va: va, file_end: va + filesz, off, eof_bus: false };
            let backing = Backing { kind: VmaKind::Elf, file: Some(fm) };
            aspace.insert_vma(area(start, end, perm, false, backing))?;
        }
    }
    for &(p, perm) in &shared_pages {
        aspace.insert_vma(area(p, p + PAGE_SIZE, perm, false, Backing::anon(VmaKind::Elf)))?;
        for &(va, _, filesz, off, _) in &segs {
            let lo = va.max(p);
            let hi = (va + filesz).min(p + PAGE_SIZE);
            let mut buf = [0u8; 1024];
            let mut a = lo;
            while a < hi {
                let m = (hi - a).min(buf.len() as u64) as usize;
                read_exact(inum, off + (a - va), &mut buf[..m])?;
                aspace.copy_out_force(a, &buf[..m])?;
                a += m as u64;
            }
        }
    }
    if top == 0 {
        return Err(ENOEXEC);
    }
    aspace.set_brk_base(page_up(top))?;
    aspace.map_zeroed(USER_TOP - STACK_SIZE, USER_TOP, PTE_R | PTE_W, VmaKind::Stack)?;

    // The initial stack.
    let mut sp = USER_TOP;
    let push_str = |a: &mut AddressSpace, s: &[u8], sp: &mut u64| -> Result<u64, isize> {
        *sp -= s.len() as u64 + 1;
        a.copy_out(*sp, s)?;
        a.copy_out(*sp + s.len() as u64, &[0])?;
        Ok(*sp)
    };
    let mut argp = Vec::new();
    let mut envpp = Vec::new();
    argp.try_reserve(argv.len()).map_err(|_| ENOMEM)?;
    envpp.try_reserve(envp.len()).map_err(|_| ENOMEM)?;
    for a in argv {
        argp.push(push_str(&mut aspace, a, &mut sp)?);
    }
    for v in envp {
        envpp.push(push_str(&mut aspace, v, &mut sp)?);
    }
    sp &= !15;
    sp -= 16;
    let random = sp;
    let mut rnd = [0u8; 16];
    rnd[..8].copy_from_slice(&crate::random::next_u64().to_le_bytes());
    rnd[8..].copy_from_slice(&crate::random::next_u64().to_le_bytes());
    aspace.copy_out(random, &rnd)?;
    let aux = [
        (AT_PHDR, phdr_va),
        (AT_PHENT, phentsize),
        (AT_PHNUM, phnum),
        (AT_PAGESZ, crate::mm::PAGE_SIZE),
        (AT_ENTRY, entry),
        (AT_RANDOM, random),
        (AT_NULL, 0),
    ];
    let words = 1 + argp.len() + 1 + envpp.len() + 1 + 2 * aux.len();
    if (words * 8) as u64 + (USER_TOP - sp) > STACK_SIZE / 2 {
        return Err(E2BIG);
    }
    sp -= (words * 8) as u64;
    sp &= !15;
    let mut w = sp;
    let mut put = |a: &mut AddressSpace, v: u64| -> Result<(), isize> {
        a.copy_out(w, &v.to_le_bytes())?;
        w += 8;
        Ok(())
    };
    put(&mut aspace, argp.len() as u64)?;
    for &p in &argp {
        put(&mut aspace, p)?;
    }
    put(&mut aspace, 0)?;
    for &p in &envpp {
        put(&mut aspace, p)?;
    }
    put(&mut aspace, 0)?;
    for (k, v) in aux {
        put(&mut aspace, k as u64)?;
        put(&mut aspace, v)?;
    }
    Ok(Loaded { aspace, entry, sp })
}

fn read_exact(inum: u32, off: u64, buf: &mut [u8]) -> Result<(), isize> {
    let n = fs::with(|f| f.read(inum, off, buf))?;
    if n != buf.len() {
        return Err(ENOEXEC);
    }
    Ok(())
}
