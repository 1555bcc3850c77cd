//! swaptest [PAGES [PASSES]]: an integrity test for swapping. Maps PAGES pages (default,
//! or PAGES = 0: 1.5 times the free frames, so a good part must live in swap) and fills
//! every page with words that are a function of (writer pid, page index, generation,
//! word index); then PASSES times (default 1): forks; the child checks the parent's
//! data, rewrites every page with its own generation and checks it; the parent (polling
//! for the child with WNOHANG + sched_yield, so that its own pages stay evictable) then
//! checks that its pages are untouched by the child, rewrites them with a new generation
//! and checks again. Prints the mismatches of every check and the swap counters; exit
//! status 0 only with zero mismatches. `make swap-long` runs many passes.
#![no_std]
#![no_main]
extern crate alloc;
use ulib::*;

const PAGE: usize = 4096;
const WORDS: usize = PAGE / 8;

/// SplitMix64 finaliser: a cheap, well-mixed function of its input.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn word(pid: u64, page: u64, gen: u64, w: u64) -> u64 {
    mix((pid << 48) ^ (gen << 40) ^ (page << 12) ^ w)
}

fn fill(base: usize, pages: usize, pid: u64, gen: u64) {
    for p in 0..pages {
        let a = (base + p * PAGE) as *mut u64;
        for w in 0..WORDS {
            // SAFETY: [base, base + pages * PAGE) is our private anonymous mapping.
            unsafe { a.add(w).write_volatile(word(pid, p as u64, gen, w as u64)) };
        }
    }
}

/// Mismatching pages.
fn check(base: usize, pages: usize, pid: u64, gen: u64, who: &str) -> usize {
    let mut bad = 0;
    for p in 0..pages {
        let a = (base + p * PAGE) as *const u64;
        for w in 0..WORDS {
            // SAFETY: as in `fill`.
            let v = unsafe { a.add(w).read_volatile() };
            if v != word(pid, p as u64, gen, w as u64) {
                if bad < 5 {
                    eprintln!("{who}: page {p} word {w}: {v:#x}, expected {:#x}", word(pid, p as u64, gen, w as u64));
                }
                bad += 1;
                break;
            }
        }
    }
    println!("swaptest: {who}: checked {pages} pages of pid {pid} generation {gen}: {bad} mismatches");
    bad
}

fn swapline(who: &str) {
    if let Ok(s) = vmstat(0) {
        println!(
            "swaptest: {who}: free frames {}, swap {}/{} used, swap-outs {}, swap-ins {}, evictions {}, oom-kills {}, policy {}, clean drops {}, swap requests {}",
            s.free_frames,
            s.swap_used,
            s.swap_slots,
            s.swap_outs,
            s.swap_ins,
            s.evictions,
            s.oom_kills,
            abi::VmStat::POLICY_NAMES.get(s.policy as usize).copied().unwrap_or("?"),
            s.swap_clean_drops,
            s.swap_requests
        );
    }
}

fn main(args: &[&str]) -> i32 {
    let s = match vmstat(0) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("swaptest: vmstat: {}", strerror(e));
            return 1;
        }
    };
    let pages = match args.get(1).and_then(|a| a.parse::<usize>().ok()) {
        Some(n) if n > 0 => n,
        _ => s.free_frames as usize * 3 / 2,
    };
    let passes = args.get(2).and_then(|a| a.parse::<u64>().ok()).unwrap_or(1).max(1);
    println!(
        "swaptest: {pages} pages ({} KiB) with {} free frames and {} swap slots",
        pages * 4,
        s.free_frames,
        s.swap_slots
    );
    let base = mmap_anon(pages * PAGE);
    if base < 0 {
        eprintln!("swaptest: mmap: {}", strerror(base));
        return 1;
    }
    let base = base as usize;
    let me = getpid() as u64;
    let mut bad = 0;
    fill(base, pages, me, 0);
    bad += check(base, pages, me, 0, "parent");
    swapline("after fill");
    // The parent's generation: 0, 2, 4, ...; the children write the odd ones.
    let mut gen = 0;
    for pass in 0..passes {
        let child = fork();
        if child < 0 {
            eprintln!("swaptest: fork: {}", strerror(child));
            return 1;
        }
        if child == 0 {
            let cpid = getpid() as u64;
            let mut b = check(base, pages, me, gen, "child");
            fill(base, pages, cpid, gen + 1);
            b += check(base, pages, cpid, gen + 1, "child");
            exit(if b == 0 { 0 } else { 1 });
        }
        let mut status = 0;
        loop {
            let r = waitpid(child, &mut status, abi::signal::WNOHANG);
            if r == child {
                break;
            }
            if r < 0 {
                eprintln!("swaptest: waitpid: {}", strerror(r));
                return 1;
            }
            sched_yield();
        }
        if status != 0 {
            println!("swaptest: child failed (status {status:#x})");
            bad += 1;
        }
        bad += check(base, pages, me, gen, "parent after child");
        gen += 2;
        fill(base, pages, me, gen);
        bad += check(base, pages, me, gen, "parent");
        if passes > 1 {
            swapline(&alloc::format!("pass {} of {passes}", pass + 1));
        }
    }
    swapline("end");
    println!("swaptest: {bad} mismatches");
    if bad == 0 {
        0
    } else {
        1
    }
}
entry!(main);
