//! usertests for swap (docs/swap.md). Each test needs a swap device (virtio disk 1) and
//! prints why it is skipped without one. They use a little more memory than is free, so
//! some pages must go to swap and come back, and check every word.

use super::in_child;
use ulib::*;

const PG: usize = 4096;

fn st() -> abi::VmStat {
    vmstat(0).unwrap_or_default()
}

/// Pages a test maps: the free frames plus 1024, if the swap device can hold the excess.
fn size() -> Option<usize> {
    let s = st();
    if s.swap_slots == 0 {
        println!("  skipped: no swap device (boot with a second virtio disk)");
        return None;
    }
    Some(s.free_frames as usize + 1024)
}

fn val(tag: u64, p: usize, w: usize) -> u64 {
    (tag << 40) ^ ((p as u64) << 12) ^ w as u64 ^ 0x5a5a_0000_0000_0000
}

fn fill(base: usize, pages: usize, tag: u64) {
    for p in 0..pages {
        for w in (0..PG / 8).step_by(64) {
            // SAFETY: inside the test's anonymous mapping.
            unsafe { ((base + p * PG + w * 8) as *mut u64).write_volatile(val(tag, p, w)) };
        }
    }
}

fn bad_pages(base: usize, pages: usize, tag: u64) -> usize {
    let mut bad = 0;
    for p in 0..pages {
        for w in (0..PG / 8).step_by(64) {
            // SAFETY: as in `fill`.
            if unsafe { ((base + p * PG + w * 8) as *const u64).read_volatile() } != val(tag, p, w) {
                bad += 1;
                break;
            }
        }
    }
    bad
}

/// More pages than free frames: written, evicted, read back intact; counters move;
/// munmap gives the slots back.
fn t_swap_roundtrip() {
    let Some(pages) = size() else { return };
    let before = st();
    let base = mmap_anon(pages * PG);
    check!(base > 0);
    let base = base as usize;
    fill(base, pages, 1);
    eq!(bad_pages(base, pages, 1), 0);
    let after = st();
    check!(after.swap_outs > before.swap_outs);
    check!(after.swap_ins > before.swap_ins);
    check!(after.swapped > 0 || after.swap_ins > before.swap_ins);
    eq!(munmap(base, pages * PG), 0);
    // Slots still used beyond those before are held by the swap cache for pages of this
    // process that are resident (its stack, data), or by the other processes: they sleep
    // in wait4 meanwhile, and a sleeping process's pages are evictable.
    let end = st();
    check!(end.swap_used <= before.swap_used + end.swap_cached + others_swapped());
}

/// Pages in swap of every other live process.
fn others_swapped() -> u64 {
    let mut ps = [abi::ProcInfo::default(); 32];
    let n = proclist(&mut ps).max(0) as usize;
    let me = getpid() as i32;
    ps[..n.min(ps.len())]
        .iter()
        .filter(|p| p.pid != me && p.state != 3)
        .map(|p| vmstat(p.pid).map(|s| s.swapped).unwrap_or(0))
        .sum()
}

/// Pages in swap at fork are copied for the child: both sides see their own data. After
/// the child's writes both copies exist, so the size is capped at half of free memory
/// plus free swap (more would rightly end in the OOM killer).
fn t_swap_fork() {
    let Some(pages) = size() else { return };
    let s = st();
    let cap = ((s.free_frames + s.swap_slots - s.swap_used) / 2) as usize - 1024;
    let pages = pages.min(cap);
    let base = mmap_anon(pages * PG);
    check!(base > 0);
    let base = base as usize;
    fill(base, pages, 2);
    let st_child = in_child(|| {
        if bad_pages(base, pages, 2) != 0 {
            exit(1);
        }
        fill(base, pages, 3);
        exit(if bad_pages(base, pages, 3) == 0 { 0 } else { 2 });
    });
    eq!(st_child, 0);
    eq!(bad_pages(base, pages, 2), 0);
}

/// A process that exits with pages in swap gives every slot back.
fn t_swap_exit_frees() {
    let Some(pages) = size() else { return };
    let before = st().swap_used;
    let s = in_child(|| {
        let base = mmap_anon(pages * PG);
        if base <= 0 {
            exit(1);
        }
        fill(base as usize, pages, 4);
        exit(if st().swap_used > 0 { 0 } else { 2 });
    });
    eq!(s, 0);
    let end = st();
    check!(end.swap_used <= before + end.swap_cached);
}

/// Waits for `pid` polling with WNOHANG + sched_yield, so that this process's pages stay
/// evictable meanwhile (a process asleep in wait4 holds its task lock and keeps its pages
/// resident: then frames it shares with the child could not be evicted from both).
fn wait_polling(pid: isize) -> i32 {
    let mut st = 0;
    loop {
        let r = waitpid(pid, &mut st, abi::signal::WNOHANG);
        if r == pid {
            return st;
        }
        if r < 0 {
            return -1;
        }
        sched_yield();
    }
}

/// Pages read back and not written are dropped again without a write (the swap cache);
/// pages shared copy-on-write after fork go to swap from both processes and come back
/// intact in both, each side's writes private to it.
fn t_swap_cow_shared() {
    let Some(pages) = size() else { return };
    let s = st();
    let cap = ((s.free_frames + s.swap_slots - s.swap_used) / 2) as usize - 1024;
    let pages = pages.min(cap);
    let base = mmap_anon(pages * PG);
    check!(base > 0);
    let base = base as usize;
    fill(base, pages, 5);
    let before = st();
    // Read-only passes: every page read back is clean, so evicting it writes nothing.
    eq!(bad_pages(base, pages, 5), 0);
    eq!(bad_pages(base, pages, 5), 0);
    let mid = st();
    check!(mid.swap_clean_drops > before.swap_clean_drops);
    check!(mid.swap_ins > before.swap_ins);
    let pid = fork();
    check!(pid >= 0);
    if pid == 0 {
        // Both processes read the shared pages (from swap, or from the frame the other
        // one brought back), then the child writes its own data.
        let mut bad = bad_pages(base, pages, 5);
        fill(base, pages, 6);
        bad += bad_pages(base, pages, 6);
        exit(if bad == 0 { 0 } else { 1 });
    }
    eq!(bad_pages(base, pages, 5), 0);
    eq!(wait_polling(pid), 0);
    // The child's writes were its own.
    eq!(bad_pages(base, pages, 5), 0);
    let end = st();
    check!(end.swap_ins > mid.swap_ins);
    println!(
        "  clean drops {}, cache hits {}, swap-outs {}, swap-ins {}",
        end.swap_clean_drops - before.swap_clean_drops,
        end.swap_cache_hits - before.swap_cache_hits,
        end.swap_outs - before.swap_outs,
        end.swap_ins - before.swap_ins
    );
    eq!(munmap(base, pages * PG), 0);
    let end = st();
    check!(end.swap_used <= s.swap_used + end.swap_cached);
}

/// A MAP_SHARED anonymous region larger than free memory, shared by parent and child:
/// evicted from both, brought back, and each one's writes seen by the other.
fn t_swap_shared_anon() {
    use abi::mman::*;
    let Some(pages) = size() else { return };
    let before = st();
    let base = mmap(0, pages * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, usize::MAX, 0);
    check!(base > 0);
    let base = base as usize;
    fill(base, pages, 7);
    let pid = fork();
    check!(pid >= 0);
    if pid == 0 {
        let mut bad = bad_pages(base, pages, 7);
        fill(base, pages, 8);
        bad += bad_pages(base, pages, 8);
        exit(if bad == 0 { 0 } else { 1 });
    }
    eq!(wait_polling(pid), 0);
    // The child wrote through the shared mapping: its data, even for pages that went to
    // swap from both processes.
    eq!(bad_pages(base, pages, 8), 0);
    let pid = fork();
    check!(pid >= 0);
    if pid == 0 {
        // And the other way round: the parent's writes seen by a child.
        let mut spins = 0;
        // SAFETY: inside the shared mapping.
        while unsafe { ((base + (pages - 1) * PG) as *const u64).read_volatile() } != val(9, pages - 1, 0) {
            sched_yield();
            spins += 1;
            if spins > 1_000_000 {
                exit(2);
            }
        }
        exit(if bad_pages(base, pages, 9) == 0 { 0 } else { 1 });
    }
    fill(base, pages, 9);
    eq!(wait_polling(pid), 0);
    let after = st();
    check!(after.swap_outs > before.swap_outs);
    check!(after.swap_ins > before.swap_ins);
    eq!(munmap(base, pages * PG), 0);
    let end = st();
    check!(end.swap_used <= before.swap_used + end.swap_cached);
}

/// Swap full: a child touching more than RAM + swap is killed by the OOM killer (not
/// us), the system goes on, and every slot comes back.
fn t_swap_full() {
    let Some(_) = size() else { return };
    let before = st();
    let pages = (before.free_frames + before.swap_slots - before.swap_used) as usize + 2048;
    let pid = fork();
    check!(pid >= 0);
    if pid == 0 {
        use abi::mman::*;
        // MAP_NORESERVE: more than RAM + swap in one mapping is refused otherwise (the
        // overcommit heuristic, docs/vm.md); the shortage must come at fault time.
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
        let base = mmap(0, pages * PG, PROT_READ | PROT_WRITE, flags, usize::MAX, 0);
        if base <= 0 {
            exit(1);
        }
        fill(base as usize, pages, 10);
        exit(3); // not reached: there is not enough memory
    }
    let mut status = 0;
    eq!(waitpid(pid, &mut status, 0), pid);
    eq!(status & 0x7f, abi::signal::SIGKILL as i32);
    let after = st();
    check!(after.oom_kills > before.oom_kills);
    check!(after.swap_used <= before.swap_used + after.swap_cached);
    // Memory is usable again.
    let base = mmap_anon(64 * PG);
    check!(base > 0);
    fill(base as usize, 64, 11);
    eq!(bad_pages(base as usize, 64, 11), 0);
    eq!(munmap(base as usize, 64 * PG), 0);
}

/// A MAP_SHARED file mapping under memory pressure: its pages go back to the file (the
/// written ones are written back first), not to swap, and read back intact, through the
/// mapping and with read(2).
fn t_swap_file_shared() {
    use abi::fcntl::*;
    use abi::mman::*;
    let Some(hog) = size() else { return };
    const N: usize = 128;
    let fd = open("/t_swapfile", O_RDWR | O_CREAT | O_TRUNC);
    check!(fd >= 0);
    let fd = fd as usize;
    let zeros = [0u8; PG];
    for _ in 0..N {
        eq!(write(fd, &zeros), PG as isize);
    }
    let m = mmap(0, N * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check!(m > 0);
    let m = m as usize;
    fill(m, N, 12);
    let before = st();
    // Memory pressure: more anonymous memory than is free.
    let a = mmap_anon(hog * PG);
    check!(a > 0);
    fill(a as usize, hog, 13);
    eq!(munmap(a as usize, hog * PG), 0);
    let after = st();
    check!(after.file_dropped > before.file_dropped);
    check!(after.file_written > before.file_written);
    println!(
        "  file pages dropped {}, written back {}",
        after.file_dropped - before.file_dropped,
        after.file_written - before.file_written
    );
    // The file has the data (read(2)), and the mapping faults it back.
    let mut page = [0u8; PG];
    let mut bad = 0;
    eq!(lseek(fd, 0, 0), 0);
    for p in 0..N {
        eq!(read(fd, &mut page), PG as isize);
        let w = u64::from_le_bytes([page[0], page[1], page[2], page[3], page[4], page[5], page[6], page[7]]);
        if w != val(12, p, 0) {
            bad += 1;
        }
    }
    eq!(bad, 0);
    eq!(bad_pages(m, N, 12), 0);
    eq!(munmap(m, N * PG), 0);
    eq!(close(fd), 0);
    eq!(unlink("/t_swapfile"), 0);
}

pub const TESTS: &[(&str, fn())] = &[
    ("swap_roundtrip", t_swap_roundtrip),
    ("swap_fork", t_swap_fork),
    ("swap_exit_frees", t_swap_exit_frees),
    ("swap_cow_shared", t_swap_cow_shared),
    ("swap_shared_anon", t_swap_shared_anon),
    ("swap_full", t_swap_full),
    ("swap_file_shared", t_swap_file_shared),
];
