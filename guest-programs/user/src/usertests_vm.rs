//! usertests for virtual memory (docs/vm.md): demand zero, the shared zero frame,
//! copy-on-write fork, no leaks, stack growth, mmap/munmap/mprotect/msync with their
//! error paths, file mappings (private, shared, past EOF). Counters from RVSIM_VMSTAT
//! prove laziness and sharing.

use super::in_child;
use abi::errno::*;
use abi::fcntl::*;
use abi::mman::*;
use abi::VmaInfo;
use ulib::*;

extern crate alloc;

const PG: usize = 4096;

fn st() -> abi::VmStat {
    vmstat(0).unwrap_or_default()
}

fn poke(a: usize, v: u64) {
    // SAFETY: callers pass addresses of their own writable mappings (or deliberately
    // bad ones inside a child that is expected to die).
    unsafe { core::ptr::write_volatile(a as *mut u64, v) }
}
fn peek(a: usize) -> u64 {
    // SAFETY: as for poke.
    unsafe { core::ptr::read_volatile(a as *const u64) }
}
fn state(a: usize) -> u8 {
    let mut b = [0u8; 1];
    mincore(0, a, &mut b);
    b[0]
}

/// brk of 1 GiB on a 128 MiB machine works; touching 3 pages costs 3 frames; reading a
/// never-written page maps the zero frame; the first write breaks it.
fn t_vm_lazy() {
    let b0 = brk(0);
    let s0 = st();
    check!(s0.total_frames < (1 << 30) / 4096);
    let want = b0 + (1 << 30);
    eq!(brk(want), want);
    let s1 = st();
    eq!(s1.resident, s0.resident);
    check!(s1.virt_bytes >= s0.virt_bytes + (1 << 30));
    let base = (b0 + PG - 1) & !(PG - 1);
    for i in 0..3 {
        poke(base + i * 300 * PG, i as u64 + 7);
    }
    let s2 = st();
    // Exactly the touched pages are there (the counters may also see a text or stack
    // page of this test faulted in meanwhile, hence the small slack).
    for i in 0..3 {
        check!(state(base + i * 300 * PG) & VmaInfo::PAGE_RESIDENT != 0);
    }
    eq!(state(base + 150 * PG), 0);
    check!(s2.resident >= s1.resident + 3 && s2.resident <= s1.resident + 5);
    check!(s2.proc.zero_fills >= s1.proc.zero_fills + 3 && s2.proc.zero_fills <= s1.proc.zero_fills + 5);
    check!(s1.free_frames - s2.free_frames <= 3 + 8);
    // Read a never-written page: the shared zero frame, read-only.
    let z = base + 500 * PG;
    eq!(peek(z), 0);
    let sz = state(z);
    check!(sz & VmaInfo::PAGE_ZERO != 0 && sz & VmaInfo::PAGE_WRITABLE == 0);
    let s3 = st();
    eq!(s3.zero_mapped, s2.zero_mapped + 1);
    poke(z, 5);
    let sw = state(z);
    check!(sw & VmaInfo::PAGE_ZERO == 0 && sw & VmaInfo::PAGE_WRITABLE != 0);
    eq!(peek(z), 5);
    eq!(brk(b0), b0);
    let s4 = st();
    check!(s4.resident < s3.resident);
}

const GIB: usize = 1 << 30;
const NORESERVE: usize = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

/// Maps 1 GiB (MAP_NORESERVE) at the fresh, 1 GiB-aligned `at`, writes one page every
/// 256 KiB and returns the free frames it cost. Unmaps it again.
fn touch_gib(at: usize) -> u64 {
    let p = mmap(at, GIB, PROT_READ | PROT_WRITE, NORESERVE | MAP_FIXED_NOREPLACE, usize::MAX, 0);
    eq!(p, at as isize);
    let before = st();
    let mut a = at;
    while a < at + GIB {
        poke(a, a as u64);
        a += 256 << 10;
    }
    let after = st();
    check!(peek(at + GIB - (256 << 10)) == (at + GIB - (256 << 10)) as u64);
    eq!(after.resident - before.resident, 4096);
    eq!(munmap(at, GIB), 0);
    before.free_frames - after.free_frames
}

/// A user address space larger than RAM: 1 GiB, 16 GiB and 100 GiB MAP_NORESERVE
/// mappings on a 128 MiB machine, and touching 1 GiB sparsely costs exactly one frame
/// per page touched plus its page tables.
fn t_vm_huge() {
    let s0 = st();
    check!(s0.total_frames < GIB as u64 / 4096);
    // Warm-up on another GiB, so that this test's own text and stack pages are resident
    // before the measured run.
    let _ = touch_gib(0xf0 * GIB);
    // 4096 pages (1 GiB / 256 KiB) + 512 leaf tables (one per 2 MiB) + 1 middle table
    // (one per GiB): the region's GiB had no tables before.
    eq!(touch_gib(0xf1 * GIB), 4096 + 512 + 1);
    for len in [GIB, 16 * GIB, 100 * GIB] {
        let p = mmap(0, len, PROT_READ | PROT_WRITE, NORESERVE, usize::MAX, 0);
        check!(p > 0);
        let p = p as usize;
        check!(p + len <= abi::layout::USER_TOP as usize);
        poke(p, 1);
        poke(p + len - 8, 2);
        eq!(peek(p) + peek(p + len - 8), 3);
        eq!(munmap(p, len), 0);
    }
    // The whole user range is 256 GiB: a mapping of it all cannot fit.
    eq!(mmap(0, 256 * GIB, PROT_READ, NORESERVE, usize::MAX, 0), -ENOMEM);
    // The stack is at the top of the user range.
    let local = 0u64;
    let sp = &local as *const u64 as usize;
    check!(sp < abi::layout::USER_TOP as usize && sp > abi::layout::USER_TOP as usize - (8 << 20));
}

/// The overcommit policy (Linux's heuristic): without MAP_NORESERVE, one private
/// writable (or shared anonymous) mapping larger than RAM + swap is refused; smaller
/// ones, read-only ones and MAP_NORESERVE ones are granted.
fn t_vm_overcommit() {
    let s = st();
    let limit = ((s.total_frames + s.swap_slots) * 4096) as usize;
    let rw = PROT_READ | PROT_WRITE;
    let anon = MAP_PRIVATE | MAP_ANONYMOUS;
    eq!(mmap(0, limit + 4096, rw, anon, usize::MAX, 0), -ENOMEM);
    eq!(mmap(0, limit + 4096, rw, MAP_SHARED | MAP_ANONYMOUS, usize::MAX, 0), -ENOMEM);
    if limit < GIB {
        eq!(mmap(0, GIB, rw, anon, usize::MAX, 0), -ENOMEM);
    }
    for (len, prot, flags) in [(limit, rw, anon), (limit + 4096, PROT_READ, anon), (limit + 4096, rw, NORESERVE)] {
        let p = mmap(0, len, prot, flags, usize::MAX, 0);
        check!(p > 0);
        eq!(munmap(p as usize, len), 0);
    }
}

/// After fork, pages are shared read-only; a write copies in the writer only.
fn t_vm_cow() {
    let p = mmap_anon(16 * PG) as usize;
    check!((p as isize) > 0);
    for i in 0..16 {
        poke(p + i * PG, 100 + i as u64);
    }
    let pid = fork();
    check!(pid >= 0);
    if pid == 0 {
        check!(state(p) & VmaInfo::PAGE_SHARED != 0);
        check!(state(p) & VmaInfo::PAGE_WRITABLE == 0);
        let a = st();
        poke(p, 1);
        let b = st();
        eq!(b.proc.cow_copies, a.proc.cow_copies + 1);
        eq!(peek(p), 1);
        eq!(peek(p + PG), 101);
        exit(0);
    }
    let mut s = 0;
    eq!(waitpid(pid, &mut s, 0), pid);
    eq!(s, 0);
    // The child is gone: our page is ours alone again, a write just re-enables W.
    eq!(peek(p), 100);
    let a = st();
    poke(p, 2);
    let b = st();
    eq!(b.proc.cow_reuses, a.proc.cow_reuses + 1);
    eq!(b.proc.cow_copies, a.proc.cow_copies);
    // The TLB caches W (docs/mmu.md): the parent writes a page (its TLB entry is now
    // writable), forks, and writes again at once. Unless fork flushed the TLB after
    // write-protecting the page, that write would land in the frame the child shares.
    let mut fds = [0i32; 2];
    eq!(pipe(&mut fds), 0);
    poke(p + 2 * PG, 7);
    let pid = fork();
    check!(pid >= 0);
    if pid == 0 {
        let mut b = [0u8; 1];
        eq!(read(fds[0] as usize, &mut b), 1);
        eq!(peek(p + 2 * PG), 7);
        exit(0);
    }
    poke(p + 2 * PG, 8);
    eq!(write(fds[1] as usize, b"x"), 1);
    let mut s = 0;
    eq!(waitpid(pid, &mut s, 0), pid);
    eq!(s, 0);
    eq!(peek(p + 2 * PG), 8);
    close(fds[0] as usize);
    close(fds[1] as usize);
    eq!(munmap(p, 16 * PG), 0);
}

/// Holding two thirds of RAM, fork works twice in a row (COW needs no copy).
fn t_vm_fork_big() {
    let s0 = st();
    let n = (s0.total_frames * 2 / 3) as usize;
    let p = mmap_anon(n * PG);
    check!(p > 0);
    let p = p as usize;
    for i in 0..n {
        poke(p + i * PG, i as u64);
    }
    for _ in 0..2 {
        let pid = fork();
        check!(pid >= 0);
        if pid == 0 {
            eq!(peek(p + (n - 1) * PG), (n - 1) as u64);
            exit(0);
        }
        let mut s = 0;
        eq!(waitpid(pid, &mut s, 0), pid);
        eq!(s, 0);
    }
    eq!(munmap(p, n * PG), 0);
}

/// A hundred fork+exit+wait cycles leave the free-frame count where it was.
fn t_vm_fork_leak() {
    let round = || {
        let pid = fork();
        if pid == 0 {
            exit(0);
        }
        let mut s = 0;
        waitpid(pid, &mut s, 0);
    };
    round();
    let before = free_frames();
    for _ in 0..100 {
        round();
    }
    let after = free_frames();
    println!("  free frames before 100 forks {before}, after {after}");
    eq!(after, before);
}

fn deep(n: u64) -> u64 {
    let buf = core::hint::black_box([n; 64]);
    if n == 0 {
        buf[3]
    } else {
        deep(n - 1) + buf[5]
    }
}

/// The stack grows on faults below its VMA, up to the limit.
fn t_vm_stack() {
    let a = st();
    // ~600 KiB of frames: beyond the initial 256 KiB stack VMA.
    check!(deep(1000) > 0);
    let b = st();
    check!(b.proc.stack_growth > a.proc.stack_growth);
    // Far below the limit (8 MiB): killed.
    let s = in_child(|| poke(abi::layout::USER_TOP as usize - (16 << 20), 1));
    eq!(s & 0x7f, 11);
}

/// mmap error paths and protections.
fn t_vm_mmap_rules() {
    let rw = PROT_READ | PROT_WRITE;
    let anon = MAP_PRIVATE | MAP_ANONYMOUS;
    eq!(mmap(0, PG, 0x10, anon, usize::MAX, 0), -EINVAL);
    eq!(mmap(0, PG, rw, MAP_ANONYMOUS, usize::MAX, 0), -EINVAL);
    // MAP_SHARED_VALIDATE: shared, but unknown flags are EOPNOTSUPP (ignored otherwise).
    eq!(mmap(0, PG, rw, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x200_0000, usize::MAX, 0), -EOPNOTSUPP);
    let sv = mmap(0, PG, rw, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, usize::MAX, 0);
    check!(sv > 0);
    eq!(munmap(sv as usize, PG), 0);
    let ign = mmap(0, PG, rw, anon | MAP_STACK | 0x200_0000, usize::MAX, 0);
    check!(ign > 0);
    eq!(munmap(ign as usize, PG), 0);
    // MAP_POPULATE faults every page in at once.
    let a = st();
    let pp = mmap(0, 8 * PG, rw, anon | MAP_POPULATE, usize::MAX, 0) as usize;
    check!((pp as isize) > 0);
    let b = st();
    eq!(b.resident, a.resident + 8);
    eq!(munmap(pp, 8 * PG), 0);
    eq!(mmap(0, PG, PROT_READ, MAP_PRIVATE, 77, 0), -EBADF);
    let fd = open("/README", O_RDONLY);
    check!(fd >= 0);
    eq!(mmap(0, PG, PROT_READ, MAP_PRIVATE, fd as usize, 100), -EINVAL);
    eq!(mmap(0, PG, rw, MAP_SHARED, fd as usize, 0), -EACCES);
    // Read-only shared is fine, but mprotect cannot make it writable later.
    let ro = mmap(0, PG, PROT_READ, MAP_SHARED, fd as usize, 0);
    check!(ro > 0);
    eq!(mprotect(ro as usize, PG, rw), -EACCES);
    eq!(mprotect(ro as usize, PG, PROT_READ), 0);
    eq!(munmap(ro as usize, PG), 0);
    close(fd as usize);
    eq!(mmap(0x1_2345, PG, rw, anon | MAP_FIXED, usize::MAX, 0), -EINVAL);
    // len rounded up; FIXED_NOREPLACE refuses, FIXED replaces.
    let p = mmap(0, 3 * PG - 5, rw, anon, usize::MAX, 0) as usize;
    check!((p as isize) > 0);
    poke(p + 2 * PG + 8, 9);
    eq!(mmap(p + PG, PG, rw, anon | MAP_FIXED_NOREPLACE, usize::MAX, 0), -EEXIST);
    eq!(mmap(p + PG, PG, rw, anon | MAP_FIXED, usize::MAX, 0), (p + PG) as isize);
    // munmap of the middle splits the region: both ends still work, the hole kills.
    eq!(munmap(p + PG, PG), 0);
    poke(p, 1);
    eq!(peek(p + 2 * PG + 8), 9);
    let mut v = [VmaInfo::default(); 32];
    let n = vmmap(0, &mut v) as usize;
    check!(v[..n.min(32)].iter().any(|r| r.start == p as u64 && r.end == (p + PG) as u64));
    check!(v[..n.min(32)].iter().any(|r| r.start == (p + 2 * PG) as u64));
    let s = in_child(move || poke(p + PG, 1));
    eq!(s & 0x7f, 11);
    // Read-only: writes kill; mprotect makes it writable; PROT_NONE kills reads.
    eq!(mprotect(p, PG, PROT_READ), 0);
    eq!(peek(p), 1);
    let s = in_child(move || poke(p, 2));
    eq!(s & 0x7f, 11);
    eq!(mprotect(p, PG, rw), 0);
    poke(p, 3);
    eq!(mprotect(p, PG, PROT_NONE), 0);
    let s = in_child(move || {
        peek(p);
    });
    eq!(s & 0x7f, 11);
    eq!(mprotect(p + PG, PG, PROT_READ), -ENOMEM);
    eq!(mprotect(p + 1, PG, PROT_READ), -EINVAL);
    // A kernel copy into a PROT_NONE page is EFAULT, not a kill.
    let fd = open("/README", O_RDONLY) as usize;
    // SAFETY: the kernel checks the buffer; it is PROT_NONE, so read fails.
    let r = syscall(abi::sys::READ, fd, p, 10);
    eq!(r, -EFAULT);
    // Into a never-touched anonymous page: faulted in by the kernel, not an error.
    let q = mmap_anon(PG) as usize;
    eq!(syscall(abi::sys::READ, fd, q, 10), 10);
    close(fd);
    eq!(munmap(p, 3 * PG), 0);
    eq!(munmap(q, PG), 0);
    eq!(msync(q + 1, PG, MS_SYNC), -EINVAL);
}

/// How many VMAs this process has (`RVSIM_VMMAP` returns the count even for no room).
fn vma_count() -> isize {
    vmmap(0, &mut [])
}

/// mprotect splits VMAs and merges them back (vmcore's `VmaSet`): toggling the rights of
/// alternate pages of a 600-page mapping, one page at a time, back and forth, never
/// leaves more than two extra VMAs, ends with the count it started with, and never hits
/// the 256-VMA limit (a kernel that splits without merging would stop with ENOMEM after
/// about 128 pages). The pages keep their contents and rights throughout; munmap of one
/// page and a MAP_FIXED remap of it merge back too.
fn t_vm_mprotect_merge() {
    const N: usize = 600;
    let rw = PROT_READ | PROT_WRITE;
    let p = mmap_anon(N * PG) as usize;
    check!((p as isize) > 0);
    for k in (0..N).step_by(50) {
        poke(p + k * PG, k as u64 + 1);
    }
    let base = vma_count();
    check!(base > 0);
    let mut most = base;
    for round in 0..4 {
        for k in (round % 2..N).step_by(2) {
            eq!(mprotect(p + k * PG, PG, PROT_READ), 0);
            most = most.max(vma_count());
            eq!(mprotect(p + k * PG, PG, rw), 0);
        }
        eq!(vma_count(), base);
    }
    check!(most <= base + 2);
    println!("  {} mprotects: {base} VMAs before and after, at most {most}", 4 * N);
    // Several pages at once (75 read-only pieces, 75 writable: 149 more VMAs), then all
    // back: the same.
    for k in (0..N).step_by(8) {
        eq!(mprotect(p + k * PG, 2 * PG, PROT_READ), 0);
    }
    eq!(vma_count(), base + 149);
    eq!(mprotect(p, N * PG, rw), 0);
    eq!(vma_count(), base);
    for k in (0..N).step_by(50) {
        eq!(peek(p + k * PG), k as u64 + 1);
        poke(p + k * PG, 7);
    }
    // A read-only page still kills a writer after all that.
    eq!(mprotect(p + 3 * PG, PG, PROT_READ), 0);
    let s = in_child(move || poke(p + 3 * PG, 1));
    eq!(s & 0x7f, 11);
    eq!(mprotect(p + 3 * PG, PG, rw), 0);
    // munmap a page, map it again in place: one VMA again.
    eq!(munmap(p + 10 * PG, PG), 0);
    eq!(vma_count(), base + 1);
    let anon = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    eq!(mmap(p + 10 * PG, PG, rw, anon, usize::MAX, 0), (p + 10 * PG) as isize);
    eq!(vma_count(), base);
    eq!(munmap(p, N * PG), 0);
}

/// File mappings: private copies, shared writes reaching the file and another process,
/// zeros past EOF in the last page, SIGBUS past it.
fn t_vm_file() {
    let fd = open("/t_map", O_RDWR | O_CREAT | O_TRUNC);
    check!(fd >= 0);
    let fd = fd as usize;
    let mut data = [0u8; 2 * PG + 100];
    for (i, b) in data.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    eq!(write(fd, &data), data.len() as isize);
    let rw = PROT_READ | PROT_WRITE;
    let p = mmap(0, 4 * PG, rw, MAP_PRIVATE, fd, 0) as usize;
    check!((p as isize) > 0);
    let a = st();
    // SAFETY: the mapping covers 4 pages.
    let bytes = |o: usize| unsafe { core::ptr::read_volatile((p + o) as *const u8) };
    eq!(bytes(PG + 7), ((PG + 7) % 251) as u8);
    let b = st();
    check!(b.proc.major_faults + b.proc.minor_faults > a.proc.major_faults + a.proc.minor_faults);
    eq!(bytes(2 * PG + 99), ((2 * PG + 99) % 251) as u8);
    eq!(bytes(2 * PG + 100), 0);
    poke(p, 0xdead);
    // The kernel reads a file page nobody touched yet (write(2) from the mapping), and
    // a child's read(2) into a copy-on-write page copies it for the child only.
    let out = open("/t_map2", O_RDWR | O_CREAT | O_TRUNC);
    check!(out >= 0);
    // SAFETY: p + PG .. p + 2 PG is inside the mapping.
    let page1 = unsafe { core::slice::from_raw_parts((p + PG) as *const u8, 16) };
    eq!(write(out as usize, page1), 16);
    let s = in_child(move || {
        eq!(lseek(out as usize, 0, SEEK_SET), 0);
        // SAFETY: p .. p + 16 is inside the mapping (shared copy-on-write with the parent).
        let dst = unsafe { core::slice::from_raw_parts_mut(p as *mut u8, 16) };
        eq!(read(out as usize, dst), 16);
        eq!(dst[0], (PG % 251) as u8);
    });
    eq!(s, 0);
    eq!(peek(p), 0xdead);
    close(out as usize);
    eq!(unlink("/t_map2"), 0);
    let s = in_child(move || {
        peek(p + 3 * PG);
    });
    eq!(s & 0x7f, 7);
    eq!(munmap(p, 4 * PG), 0);
    // The private write did not reach the file.
    let mut b8 = [0u8; 8];
    eq!(lseek(fd, 0, SEEK_SET), 0);
    eq!(read(fd, &mut b8), 8);
    eq!(b8, [0, 1, 2, 3, 4, 5, 6, 7]);
    // Shared: the child's write shows in the parent and in the file.
    let q = mmap(0, 3 * PG, rw, MAP_SHARED, fd, 0) as usize;
    check!((q as isize) > 0);
    let s = in_child(move || poke(q + PG, 0x1122_3344_5566_7788));
    eq!(s, 0);
    eq!(peek(q + PG), 0x1122_3344_5566_7788);
    // write(2) to the file shows through the mapping (one page cache).
    eq!(lseek(fd, (2 * PG) as i64, SEEK_SET), (2 * PG) as isize);
    eq!(write(fd, &0x99u64.to_le_bytes()), 8);
    eq!(peek(q + 2 * PG), 0x99);
    eq!(msync(q, 3 * PG, MS_SYNC), 0);
    eq!(munmap(q, 3 * PG), 0);
    eq!(lseek(fd, PG as i64, SEEK_SET), PG as isize);
    eq!(read(fd, &mut b8), 8);
    eq!(u64::from_le_bytes(b8), 0x1122_3344_5566_7788);
    close(fd);
    eq!(unlink("/t_map"), 0);
}

/// Shared anonymous memory survives fork as shared (not copy-on-write).
fn t_vm_shared_anon() {
    let p = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, usize::MAX, 0) as usize;
    check!((p as isize) > 0);
    poke(p, 1);
    let s = in_child(move || poke(p, 42));
    eq!(s, 0);
    eq!(peek(p), 42);
    // A read-only shared page not touched before fork is shared too (and fork works).
    let r = mmap(0, PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, usize::MAX, 0) as usize;
    check!((r as isize) > 0);
    let s = in_child(move || {
        eq!(peek(r), 0);
    });
    eq!(s, 0);
    // A shared file mapping longer than the file: fork must not touch the pages past EOF.
    let fd = open("/t_short", O_RDWR | O_CREAT | O_TRUNC);
    check!(fd >= 0);
    eq!(write(fd as usize, b"abc"), 3);
    let f = mmap(0, 4 * PG, PROT_READ, MAP_SHARED, fd as usize, 0) as usize;
    check!((f as isize) > 0);
    let s = in_child(move || {
        eq!(peek(f) & 0xff_ffff, 0x63_6261);
    });
    eq!(s, 0);
    // Truncated to 0 bytes: the page is now past EOF (SIGBUS), as in Linux.
    let t = open("/t_short", O_RDWR | O_TRUNC);
    check!(t >= 0);
    let s = in_child(move || {
        peek(f);
    });
    eq!(s & 0x7f, 7);
    close(t as usize);
    eq!(munmap(f, 4 * PG), 0);
    close(fd as usize);
    eq!(unlink("/t_short"), 0);
}

/// An out-of-memory page fault kills the process (SIGKILL) and frees everything.
fn t_vm_oom_fault() {
    let before = free_frames();
    let s = in_child(|| {
        let b0 = brk(0);
        eq!(brk(b0 + (1 << 30)), b0 + (1 << 30));
        let mut a = (b0 + PG - 1) & !(PG - 1);
        loop {
            poke(a, 1);
            a += PG;
        }
    });
    eq!(s & 0x7f, 9);
    check!(free_frames() + 8 >= before);
}

/// exec maps the program lazily: pages of our own text that nothing ran are not resident,
/// and the ones that are came from the file (major faults) or the page cache.
fn t_vm_exec_lazy() {
    let mut v = [VmaInfo::default(); 64];
    let n = (vmmap(0, &mut v) as usize).min(64);
    let elf: alloc::vec::Vec<&VmaInfo> = v[..n].iter().filter(|r| r.kind == 0 && r.inum != 0).collect();
    check!(!elf.is_empty());
    let pages: u64 = elf.iter().map(|r| (r.end - r.start) / PG as u64).sum();
    let resident: u64 = elf.iter().map(|r| r.resident).sum();
    println!("  program pages {pages}, resident {resident}");
    check!(resident > 0 && resident < pages);
    let s = st();
    check!(s.global.major_faults > 0);
}

pub const TESTS: &[(&str, fn())] = &[
    ("vm_exec_lazy", t_vm_exec_lazy),
    ("vm_lazy", t_vm_lazy),
    ("vm_huge", t_vm_huge),
    ("vm_overcommit", t_vm_overcommit),
    ("vm_cow", t_vm_cow),
    ("vm_fork_big", t_vm_fork_big),
    ("vm_fork_leak", t_vm_fork_leak),
    ("vm_stack", t_vm_stack),
    ("vm_mmap_rules", t_vm_mmap_rules),
    ("vm_mprotect_merge", t_vm_mprotect_merge),
    ("vm_file", t_vm_file),
    ("vm_shared_anon", t_vm_shared_anon),
    ("vm_oom_fault", t_vm_oom_fault),
];
