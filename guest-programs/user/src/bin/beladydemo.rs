//! beladydemo: Belady's anomaly (Belady, Nelson and Shedler, 1969): under FIFO, the
//! reference string 1 2 3 4 1 2 5 1 2 3 4 5 faults 9 times with 3 frames and 10 times
//! with 4.
//!
//! **On the kernel** (with a swap device): the program switches the kernel to FIFO and
//! local (per-process) replacement (`RVSIM_VMCTL`), and for 3 and then 4 frames forks a
//! child that maps 5 pages, empties its working set (`RVSIM_SETWS` with -1, -1), sets
//! its maximum working set to what it has resident plus the frame count, and touches
//! the pages in the order of the string. Before each reference `RVSIM_MINCORE` says
//! whether the page is resident: if not, the touch is a page fault, which the kernel
//! resolves by evicting the process's own oldest page. The child's stack pages are in
//! its working set too; they are referenced between every two references, so FIFO
//! evicts them in turn and they fault straight back, which does not change the count on
//! the 5 pages (the vmcore simulator agrees). Every page's contents are checked after
//! each swap-in. The previous policy and scope are restored at the end.
//!
//! **Simulated**: the same string through vmcore's FIFO (`vmcore::replace::Fifo`, the
//! code the kernel runs) in a memory of 3 and 4 frames inside this process, step by
//! step, with LRU and OPT (stack algorithms, which cannot have the anomaly) beside it.
//! Without a swap device only this part runs, and says so.
//!
//! Exit status 0 when the anomaly shows.
#![no_std]
#![no_main]
extern crate alloc;
use abi::mman::*;
use alloc::string::String;
use core::fmt::Write as _;
use ulib::*;
use vmcore::replace::{sim, Fifo, PageId, Policy};

const REFS: [u32; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
const MAX: usize = 8;

/// Runs REFS under FIFO with `frames` frames, printing one line per reference; returns
/// the number of faults.
fn trace(frames: usize) -> u64 {
    let mut fifo = Fifo::<MAX>::new();
    let mut page_in = [0u32; MAX]; // 0 = empty frame
    let mut faults = 0;
    println!("FIFO with {frames} frames:");
    for &page in &REFS {
        let hit = page_in[..frames].contains(&page);
        let mut evicted = 0;
        if !hit {
            faults += 1;
            let f = match page_in[..frames].iter().position(|&p| p == 0) {
                Some(f) => f,
                None => match fifo.select_victim(&mut |_| false) {
                    Some(v) => {
                        evicted = page_in[v.0 as usize];
                        v.0 as usize
                    }
                    None => {
                        eprintln!("beladydemo: FIFO gave no victim");
                        return u64::MAX;
                    }
                },
            };
            page_in[f] = page;
            if fifo.insert(PageId(f as u32)).is_err() {
                eprintln!("beladydemo: FIFO refused frame {f}");
                return u64::MAX;
            }
        }
        let mut line = String::new();
        for &p in &page_in[..frames] {
            if p == 0 {
                line.push_str(" -");
            } else {
                let _ = write!(line, " {p}");
            }
        }
        let what = if hit {
            String::from("hit")
        } else if evicted != 0 {
            alloc::format!("FAULT (evict {evicted})")
        } else {
            String::from("FAULT")
        };
        println!("  ref {page}: frames [{line} ]  {what}");
    }
    println!("  -> {faults} faults with {frames} frames");
    faults
}

/// Child for [`kernel_run`]: returns the page faults on the 5 pages, or 100 + a step
/// number on an error.
fn kernel_child(frames: u64) -> i32 {
    const PAGE: usize = 4096;
    let base = mmap(0, 5 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0);
    if base < 0 {
        return 101;
    }
    let base = base as usize;
    // All buffers live in this frame, so setup and loop touch the same stack pages.
    let mut st = abi::VmStat::default();
    let mut res = [0u8; 5];
    let mut value = [0u64; 5];
    let mut log = [(0u32, false, [0u8; 5]); 12];
    let st_ptr = &mut st as *mut abi::VmStat as usize;
    if setws(0, u64::MAX, u64::MAX) < 0 {
        return 102;
    }
    // Touch every local the loop uses (they may lie on another stack page than `st`),
    // so that what is resident now is exactly what the loop keeps using.
    // SAFETY: plain writes to live locals.
    unsafe {
        core::ptr::write_volatile(&mut log[0], (0, false, [0; 5]));
        core::ptr::write_volatile(&mut log[11], (0, false, [0; 5]));
        core::ptr::write_volatile(&mut value[0], 0);
        core::ptr::write_volatile(&mut value[4], 0);
        core::ptr::write_volatile(&mut res[0], 0);
        core::ptr::write_volatile(&mut res[4], 0);
    }
    if mincore(0, base, &mut res) < 0 || syscall(abi::sys::RVSIM_VMSTAT, 0, st_ptr, 0) < 0 {
        return 103;
    }
    if setws(0, 0, st.resident + frames) < 0 {
        return 104;
    }
    let mut faults = 0;
    for (k, &page) in REFS.iter().enumerate() {
        let i = page as usize - 1;
        if mincore(0, base, &mut res) < 0 || syscall(abi::sys::RVSIM_VMSTAT, 0, st_ptr, 0) < 0 {
            return 105;
        }
        let hit = res[i] & abi::VmaInfo::PAGE_RESIDENT != 0;
        faults += !hit as i32;
        let p = (base + i * PAGE) as *mut u64;
        // A page's first access is a write: a read would map the shared zero frame
        // first, and the write would then fault a second time.
        // SAFETY: `p` is inside the 5 pages mapped above.
        unsafe {
            if value[i] != 0 && core::ptr::read_volatile(p) != value[i] {
                return 106;
            }
            value[i] = (page as u64) << 32 | (k as u64 + 1);
            core::ptr::write_volatile(p, value[i]);
        }
        if mincore(0, base, &mut res) < 0 {
            return 105;
        }
        log[k] = (page, hit, res);
    }
    println!("kernel, FIFO, maximum working set = resident stack pages + {frames}:");
    for (page, hit, res) in log {
        let mut line = String::new();
        for (j, r) in res.iter().enumerate() {
            if r & abi::VmaInfo::PAGE_RESIDENT != 0 {
                let _ = write!(line, " {}", j + 1);
            }
        }
        println!("  ref {page}: resident [{line} ]  {}", if hit { "hit" } else { "FAULT" });
    }
    println!("  -> {faults} page faults on the 5 pages with {frames} frames");
    faults
}

/// Runs the string on the kernel with `frames` frames for the 5 pages (see the module
/// doc); the number of page faults, or `None` on an error (reported).
fn kernel_run(frames: u64) -> Option<u64> {
    let pid = fork();
    if pid == 0 {
        exit(kernel_child(frames));
    }
    if pid < 0 {
        eprintln!("beladydemo: fork: {}", strerror(pid));
        return None;
    }
    let mut status = 0;
    if waitpid(pid, &mut status, 0) != pid || status & 0x7f != 0 {
        eprintln!("beladydemo: child {pid} ended with status {status:#x}");
        return None;
    }
    match (status >> 8) & 0xff {
        f @ 0..=12 => Some(f as u64),
        e => {
            eprintln!("beladydemo: child failed at step {}", e - 100);
            None
        }
    }
}

/// The kernel part: FIFO + local scope for the two runs, then the old settings back.
fn kernel_demo() -> Option<(u64, u64)> {
    use abi::vmctl::{POLICY, QUERY, SCOPE};
    let fifo = abi::VmStat::POLICY_NAMES.iter().position(|&n| n == "fifo")? as u64;
    let old_policy = vmctl(POLICY, QUERY).ok()?;
    let old_scope = vmctl(SCOPE, QUERY).ok()?;
    if vmctl(POLICY, fifo).is_err() || vmctl(SCOPE, 1).is_err() {
        eprintln!("beladydemo: cannot switch the kernel to fifo / local scope");
        return None;
    }
    let r = kernel_run(3).zip(kernel_run(4));
    let _ = vmctl(POLICY, old_policy);
    let _ = vmctl(SCOPE, old_scope);
    r
}

fn main(_args: &[&str]) -> i32 {
    println!("beladydemo: Belady's anomaly under FIFO");
    println!("reference string: 1 2 3 4 1 2 5 1 2 3 4 5");
    let swap = vmstat(0).map(|s| s.swap_slots).unwrap_or(0);
    let kernel = if swap == 0 {
        println!("no swap device: the kernel cannot evict pages, so only the simulation runs");
        None
    } else {
        match kernel_demo() {
            Some((k3, k4)) => {
                println!("beladydemo: kernel fifo frames=3 faults={k3} frames=4 faults={k4}");
                Some((k3, k4))
            }
            None => return 1,
        }
    };
    println!("SIMULATED: vmcore's FIFO policy (the kernel's own replacement code) in a simulated");
    println!("memory of 3 and then 4 frames inside this process:");
    let f3 = trace(3);
    let f4 = trace(4);
    let check = |frames| sim::faults(&mut Fifo::<MAX>::new(), frames, &REFS).unwrap_or(u64::MAX);
    let (c3, c4) = (check(3), check(4));
    if (c3, c4) != (f3, f4) {
        eprintln!("beladydemo: trace ({f3}, {f4}) disagrees with vmcore::replace::sim ({c3}, {c4})");
        return 1;
    }
    let lru = |frames| sim::run_lru(frames, &REFS).map_or(u64::MAX, |s| s.faults);
    let opt = |frames| sim::run_opt(frames, &REFS).map_or(u64::MAX, |s| s.faults);
    println!("beladydemo: fifo frames=3 faults={f3} frames=4 faults={f4} (simulated)");
    println!("beladydemo: lru frames=3 faults={} frames=4 faults={} (simulated)", lru(3), lru(4));
    println!("beladydemo: opt frames=3 faults={} frames=4 faults={} (simulated)", opt(3), opt(4));
    let anomaly = f4 > f3 && kernel.is_none_or(|(k3, k4)| k4 > k3);
    if anomaly {
        println!("Belady's anomaly: FIFO faults MORE with 4 frames ({f4}) than with 3 ({f3}).");
        println!("FIFO evicts by load order only: with 4 frames it keeps 1 and 2 around just long");
        println!("enough to evict them right before they are needed again. LRU and OPT are stack");
        println!("algorithms (the pages resident with n frames are a subset of those with n+1),");
        println!("so for them more frames never means more faults.");
        0
    } else {
        println!("beladydemo: no anomaly seen (simulated {f3} / {f4}, kernel {kernel:?})");
        1
    }
}
entry!(main);
