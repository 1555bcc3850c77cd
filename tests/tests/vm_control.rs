//! Run-time control of the guest kernel's pager (docs/swap.md, "Policies, working sets
//! and thrashing"): `vmctl` switches the replacement policy and scope while the system
//! runs and rejects bad values; local scope caps a process's working set; Belady's
//! anomaly shows on the kernel's own FIFO; and the thrashing controller swaps whole
//! processes out and back in, which makes an over-committed mix finish sooner.
//!
//! Needs `make os` (kernel, user programs, target/release/mkfs).
mod common;

use common::os::{boot, images, num_after};
use rvsim::machine::Outcome;

#[test]
fn vmctl_switches_policy_and_scope_at_run_time() {
    let script = "vmctl\nvmctl policy fifo\nvmstat\nvmctl policy aging\nvmctl scope local\nvmstat\n\
                  vmctl nosuch 1\nvmctl ws 0 10 5\nvmctl ws 999 1 2\nvmctl thrash.window 0\nvmctl age_ticks 5\necho done\n";
    let im = images("vmctl", &["vmctl", "vmstat", "echo"], script, 16);
    let (out, c) = boot(32 << 20, &[&im.fs, &im.swap], None);
    assert_eq!(out, Outcome::Exit(0), "{c}");
    for want in [
        "policy = clock",
        "scope = global",
        "thrash = on",
        "vm: replacement policy clock -> fifo (",
        "policy fifo; process",
        "vm: replacement policy fifo -> aging (",
        "policy aging; process",
        "working set: scope local; process min 0 max none (in force: ",
        "usage: vmctl",
        "vmctl: ws 0: invalid argument",
        "vmctl: ws 999: no such process",
        "vmctl: thrash.window 0: invalid argument",
        "vm: age_ticks 10 -> 5",
        "done",
    ] {
        assert!(c.contains(want), "missing {want:?}:\n{c}");
    }
    // The pages tracked under clock all moved to fifo.
    let moved = num_after(&c, "vm: replacement policy clock -> fifo", "(");
    assert!(moved > 0, "{c}");
}

#[test]
fn belady_anomaly_on_the_kernel_fifo() {
    let im = images("belady", &["beladydemo", "vmctl"], "beladydemo\nvmctl policy\nvmctl scope\n", 16);
    let (out, c) = boot(32 << 20, &[&im.fs, &im.swap], None);
    assert_eq!(out, Outcome::Exit(0), "{c}");
    assert!(c.contains("beladydemo: kernel fifo frames=3 faults=9 frames=4 faults=10"), "{c}");
    assert!(c.contains("Belady's anomaly: FIFO faults MORE with 4 frames (10) than with 3 (9)."), "{c}");
    // The demo's working-set limits were set and its pages trimmed, by the kernel.
    assert!(c.contains("working set trimmed"), "{c}");
    // The settings it changed are back.
    assert!(c.contains("policy = clock") && c.contains("scope = global"), "{c}");
}

/// wswalk's summary: (resident pages, major faults).
fn walk(c: &str) -> (u64, u64) {
    (num_after(c, "wswalk[", "faults;"), num_after(c, "wswalk: pages=", "major="))
}

#[test]
fn local_scope_caps_the_working_set_at_an_equal_share() {
    // 3000 pages walked 3 times in 32 MiB (6665 frames): they fit, globally.
    let script = "wswalk 3000 seq 3\n";
    let im = images("wsglobal", &["wswalk"], script, 32);
    let (out, g) = boot(32 << 20, &[&im.fs, &im.swap], None);
    assert_eq!(out, Outcome::Exit(0), "{g}");
    let (res_g, major_g) = walk(&g);
    assert!(res_g >= 3000 && major_g == 0, "global: {res_g} resident, {major_g} major faults");
    // Local scope: init, sh and wswalk share the frames equally (6665 / 3 = 2221), so
    // wswalk replaces its own pages although most of memory is free.
    let im = images("wslocal", &["wswalk"], script, 32);
    let (out, l) = boot(32 << 20, &[&im.fs, &im.swap], Some("vm.scope=local"));
    assert_eq!(out, Outcome::Exit(0), "{l}");
    assert!(l.contains("vm: replacement policy clock, local scope"), "{l}");
    let (res_l, major_l) = walk(&l);
    let share = num_after(&l, "memory:", "RAM,") / 3;
    assert!(res_l <= share + 1, "local: {res_l} resident, share {share}");
    assert!(major_l > 1000, "local: only {major_l} major faults (share {share})");
    assert!(l.contains("check=ok"), "{l}");
}

/// (elapsed ns, refs) of the thrashdemo summary.
fn thrash_summary(c: &str) -> (u64, u64) {
    (num_after(c, "thrashdemo: k=", "elapsed_ns="), num_after(c, "thrashdemo: k=", "refs="))
}

#[test]
fn thrashing_control_swaps_whole_processes_out_and_back() {
    // 6 processes of 512 pages (2 MiB) each in 12 MiB of RAM.
    let script = "thrashdemo 6 512 3\nvmstat\n";
    let im = images("thrash-off", &["thrashdemo", "wswalk", "vmstat"], script, 64);
    let (out, off) = boot(12 << 20, &[&im.fs, &im.swap], Some("vm.thrash=0"));
    assert_eq!(out, Outcome::Exit(0), "{off}");
    assert!(!off.contains("thrash: swap out"), "{off}");
    let im = images("thrash-on", &["thrashdemo", "wswalk", "vmstat"], script, 64);
    let (out, on) = boot(12 << 20, &[&im.fs, &im.swap], None);
    assert_eq!(out, Outcome::Exit(0), "{on}");
    for c in [&off, &on] {
        assert!(c.contains("failed=0"), "{c}");
        assert_eq!(c.matches("check=ok").count(), 6, "{c}");
    }
    // Every process swapped out came back, and the decisions were logged.
    let outs: Vec<u64> =
        on.lines().filter(|l| l.starts_with("thrash: swap out pid")).map(|l| num_after(l, "", "pid")).collect();
    assert!(!outs.is_empty(), "{on}");
    for pid in &outs {
        assert!(on.contains(&format!("thrash: swap in pid {pid} after")), "pid {pid} never came back:\n{on}");
    }
    assert_eq!(num_after(&on, "thrashing:", "swap-outs"), outs.len() as u64, "{on}");
    // The point of it: the same work finishes sooner (deterministic time).
    let ((t_off, r_off), (t_on, r_on)) = (thrash_summary(&off), thrash_summary(&on));
    assert_eq!(r_off, r_on);
    assert!(t_on < t_off, "with control {t_on} ns, without {t_off} ns");
    println!("thrashdemo 6x512 pages in 12 MiB: {t_off} ns without thrashing control, {t_on} ns with");
}

#[test]
fn sleeping_processes_are_evicted_unless_protected_by_their_minimum() {
    // init sleeps in wait4 while wswalk walks more pages than there are frames: its
    // pages go to swap (system calls sleep without the task lock). With a minimum
    // working set above its size (`vmctl ws 1 64 0`), they stay.
    let run = |tag: &str, first: &str| {
        let script = format!("{first}wswalk 8000 seq 1\nvmstat 1\n");
        let im = images(tag, &["wswalk", "vmstat", "vmctl"], &script, 64);
        let (out, c) = boot(32 << 20, &[&im.fs, &im.swap], None);
        assert_eq!(out, Outcome::Exit(0), "{c}");
        assert!(c.contains("check=ok"), "{c}");
        num_after(&c, "swap:", "process:")
    };
    let unprotected = run("ws-min-none", "");
    let protected = run("ws-min-64", "vmctl ws 1 64 0\n");
    assert!(unprotected > 0, "init kept all its pages while asleep");
    assert_eq!(protected, 0, "init lost pages below its minimum working set");
}

#[test]
fn ps_shows_processes_the_controller_swapped_out() {
    // thrashdemo in the background; ps once a second while it thrashes (when the first
    // swap-out comes depends on the frames the kernel image leaves: one frame fewer moves
    // it past a reading two seconds in).
    let script = "thrashdemo 6 512 3 &\nsleep 2\nps\nsleep 1\nps\nsleep 1\nps\nsleep 1\nps\nsleep 1\nps\nsleep 6\n";
    let im = images("thrash-ps", &["thrashdemo", "wswalk", "ps", "sleep"], script, 64);
    let (out, c) = boot(12 << 20, &[&im.fs, &im.swap], None);
    assert_eq!(out, Outcome::Exit(0), "{c}");
    let swapped: Vec<&str> = c.lines().filter(|l| l.contains(" swapped ") && l.ends_with("wswalk")).collect();
    assert!(!swapped.is_empty(), "ps never showed a swapped-out process:\n{c}");
    // Each one shown was logged as swapped out.
    for l in swapped {
        let pid = l.split_whitespace().next().unwrap_or("");
        assert!(c.contains(&format!("thrash: swap out pid {pid} (")), "{l}:\n{c}");
    }
}
