//! thrashdemo: several working sets at once. `thrashdemo K N [ROUNDS [PATTERN]]` forks K
//! processes that all run `/bin/wswalk N PATTERN ROUNDS SEED 1` at the same time (default
//! 8 rounds of `seq`; SEED is the child's number, so random walks differ), waits for them
//! and reports the time they took together.
//!
//! Each child prints its progress every quarter and its own fault counts (wswalk's
//! `wswalk: pages=...` line). When K * N pages exceed the free RAM, the processes steal
//! each other's frames: every time slice starts with faults on pages another process
//! evicted, and the total throughput (references per unit of time) collapses: thrashing.
//! The last line is machine-parsable:
//!
//! ```text
//! thrashdemo: k=K pages=N rounds=R pattern=P refs=TOTAL elapsed_ns=T failed=F
//! ```
#![no_std]
#![no_main]
extern crate alloc;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use ulib::*;

fn usage() -> i32 {
    eprintln!("usage: thrashdemo K N [ROUNDS [seq|random|hot]]");
    2
}

fn main(args: &[&str]) -> i32 {
    let (Some(k), Some(n)) =
        (args.get(1).and_then(|s| s.parse::<usize>().ok()), args.get(2).and_then(|s| s.parse::<usize>().ok()))
    else {
        return usage();
    };
    let rounds = args.get(3).and_then(|s| s.parse::<usize>().ok()).unwrap_or(8);
    let pattern = args.get(4).copied().unwrap_or("seq");
    if !(1..=64).contains(&k) || n == 0 || !["seq", "random", "hot"].contains(&pattern) {
        return usage();
    }
    let s = vmstat(0).unwrap_or_default();
    println!(
        "thrashdemo: {k} processes x {n} pages ({} KiB each, {} KiB together) with {} KiB of RAM free",
        n * 4,
        k * n * 4,
        s.free_frames * 4
    );
    let (ns, rs) = (format!("{n}"), format!("{rounds}"));
    let t0 = now_ns();
    let mut pids = Vec::new();
    for i in 0..k {
        let pid = fork();
        if pid == 0 {
            let seed: String = format!("{}", i + 1);
            let r = exec("/bin/wswalk", &["wswalk", &ns, pattern, &rs, &seed, "1"]);
            eprintln!("thrashdemo: exec /bin/wswalk: {}", strerror(r));
            exit(127);
        }
        if pid < 0 {
            eprintln!("thrashdemo: fork: {}", strerror(pid));
            break;
        }
        println!("thrashdemo: process {} is pid {pid}", i + 1);
        pids.push(pid);
    }
    let mut failed = k - pids.len();
    for _ in 0..pids.len() {
        let mut st = 0;
        let pid = wait(&mut st);
        if pid < 0 {
            break;
        }
        if st != 0 {
            failed += 1;
            println!("thrashdemo: pid {pid} ended with status {st:#x}");
        }
    }
    let t1 = now_ns();
    let refs = (k - failed) * n * rounds;
    println!(
        "thrashdemo: k={k} pages={n} rounds={rounds} pattern={pattern} refs={refs} elapsed_ns={} failed={failed}",
        t1 - t0
    );
    if failed > 0 {
        1
    } else {
        0
    }
}
entry!(main);
