//! vmstat: prints the virtual-memory counters of the system and of a process
//! (`vmstat [PID]`, default: vmstat itself, freshly exec'd).
#![no_std]
#![no_main]
extern crate alloc;
use ulib::*;

fn counters(what: &str, c: &abi::VmCounters) {
    println!(
        "{what:<8} minor {:>7}  major {:>5}  zero-fill {:>7}  cow-copy {:>6}  cow-reuse {:>6}  stack-grow {:>4}  killed {:>3}  fork-shared {:>7}",
        c.minor_faults, c.major_faults, c.zero_fills, c.cow_copies, c.cow_reuses, c.stack_growth, c.bad_faults, c.fork_shared
    );
}

fn main(args: &[&str]) -> i32 {
    let pid = args.get(1).and_then(|a| a.parse::<i32>().ok()).unwrap_or(0);
    let s = match vmstat(pid) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vmstat: {}", strerror(e));
            return 1;
        }
    };
    println!(
        "frames: {} free of {} ({} KiB free); zero-frame mappings {}; page cache {} pages",
        s.free_frames,
        s.total_frames,
        s.free_frames * 4,
        s.zero_page_refs,
        s.cache_pages
    );
    counters("system", &s.global);
    counters(if pid == 0 { "self" } else { "process" }, &s.proc);
    println!(
        "process: {} KiB virtual, {} pages resident ({} shared, {} zero frame)",
        s.virt_bytes / 1024,
        s.resident,
        s.shared,
        s.zero_mapped
    );
    let policy = abi::VmStat::POLICY_NAMES.get(s.policy as usize).copied().unwrap_or("?");
    println!(
        "swap: {} of {} slots used; swap-outs {}  swap-ins {}  evictions {}  oom-kills {}  policy {}; process: {} pages in swap",
        s.swap_used, s.swap_slots, s.swap_outs, s.swap_ins, s.evictions, s.oom_kills, policy, s.swapped
    );
    let scope = abi::vmctl::SCOPE_NAMES.get(s.scope as usize).copied().unwrap_or("?");
    let max: alloc::string::String = match s.ws_max {
        0 => "none".into(),
        m => alloc::format!("{m}"),
    };
    let eff: alloc::string::String = match s.ws_max_effective {
        u64::MAX => "unlimited".into(),
        m => alloc::format!("{m}"),
    };
    println!("working set: scope {scope}; process min {} max {max} (in force: {eff}) pages", s.ws_min);
    println!(
        "thrashing: faults in window: process {}  system {}; whole-process swap-outs {}  swap-ins {}",
        s.pff, s.system_pff, s.thrash_swap_outs, s.thrash_swap_ins
    );
    println!(
        "swap cache: {} frames; clean drops {}  cache hits {}; swap requests {}; file pages dropped {}  written back {}",
        s.swap_cached, s.swap_clean_drops, s.swap_cache_hits, s.swap_requests, s.file_dropped, s.file_written
    );
    println!(
        "fs log: transactions {}  blocks logged {}  commits {}  recoveries {}  split {}  orphans freed {}",
        s.fs_transactions, s.fs_blocks_logged, s.fs_commits, s.fs_recoveries, s.fs_log_splits, s.fs_orphans
    );
    println!(
        "I/O errors: fs reads {}  fs writes {}  swap-ins {}  swap-outs {}",
        s.io_fs_read_errors, s.io_fs_write_errors, s.io_swap_in_errors, s.io_swap_out_errors
    );
    0
}
entry!(main);
