//! beladydemo: Belady's anomaly (Belady, Nelson and Shedler, 1969): under FIFO, the
//! reference string 1 2 3 4 1 2 5 1 2 3 4 5 faults 9 times with 3 frames and 10 times
//! with 4.
//!
//! The kernel decides how many frames a process gets and exposes no per-process frame
//! limit, so this program cannot make the kernel give it exactly 3 or 4 frames. It runs
//! the string through **vmcore's FIFO policy** (`vmcore::replace::Fifo`, the very code the
//! kernel is built with) in a simulated memory of 3 and then 4 frames, inside this user
//! process, and says so in its output. It prints the frames after each reference, checks
//! its step-by-step count against `vmcore::replace::sim::faults`, and shows that LRU and
//! OPT (stack algorithms) cannot have the anomaly. Exit status 0 when the anomaly shows.
#![no_std]
#![no_main]
extern crate alloc;
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

fn main(_args: &[&str]) -> i32 {
    println!("beladydemo: Belady's anomaly under FIFO");
    println!("SIMULATED: the kernel exposes no per-process frame limit, so the string runs through");
    println!("vmcore's FIFO policy (the kernel's own replacement code) in a simulated memory of");
    println!("3 and then 4 frames inside this process; the kernel's real frames are not involved.");
    println!("reference string: 1 2 3 4 1 2 5 1 2 3 4 5");
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
    if f4 > f3 {
        println!("Belady's anomaly: FIFO faults MORE with 4 frames ({f4}) than with 3 ({f3}).");
        println!("FIFO evicts by load order only: with 4 frames it keeps 1 and 2 around just long");
        println!("enough to evict them right before they are needed again. LRU and OPT are stack");
        println!("algorithms (the pages resident with n frames are a subset of those with n+1),");
        println!("so for them more frames never means more faults.");
        0
    } else {
        println!("beladydemo: no anomaly seen ({f3} faults with 3 frames, {f4} with 4)");
        1
    }
}
entry!(main);
