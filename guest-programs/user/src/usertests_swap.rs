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
    eq!(st().swap_used, before.swap_used);
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
    eq!(st().swap_used, before);
}

pub const TESTS: &[(&str, fn())] =
    &[("swap_roundtrip", t_swap_roundtrip), ("swap_fork", t_swap_fork), ("swap_exit_frees", t_swap_exit_frees)];
