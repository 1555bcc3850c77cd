//! The kernel system-call fuzzer (guest-programs/user/src/bin/syzfuzz.rs): boots the OS
//! with `syzfuzz SEED CHILDREN CALLS` as /etc/autorun and asserts that the run reaches
//! its end marker, that the kernel did not panic, that free frames (plus page cache and
//! the fuzzer's own resident pages) are equal before and after, and that the file system
//! passes `mkfs --check` afterwards with no file or directory left behind. `make test` runs a fixed seed (2,000 calls in 20
//! children); `make fuzz-kernel` runs SYZ_SEEDS seeds of SYZ_CALLS calls per child.
//!
//! Needs `make os` (kernel, user programs, target/release/mkfs).
mod common;

use common::os::{boot, built, images};
use rvsim::machine::Outcome;
use std::process::Command;

/// One fuzz run; panics with the console on any failure.
fn run(seed: u64, children: u64, calls: u64) {
    let script = format!("syzfuzz {seed} {children} {calls}\n");
    let im = images(&format!("syzfuzz{seed}"), &["syzfuzz"], &script, 0);
    let (out, c) = boot(128 << 20, &[&im.fs], None);
    assert!(c.contains(&format!("syzfuzz: seed {seed}, {children} children x {calls} calls")), "{c}");
    assert!(c.contains("syzfuzz: end: "), "seed {seed}: no end marker: {c}");
    assert!(c.contains("syzfuzz: frames equal"), "seed {seed}: frames differ: {c}");
    assert_eq!(out, Outcome::Exit(0), "seed {seed}: {c}");
    let check =
        Command::new(built("target/release/mkfs")).arg("--check").arg(&im.fs).output().expect("run mkfs --check");
    let report = String::from_utf8_lossy(&check.stdout).into_owned() + &String::from_utf8_lossy(&check.stderr);
    println!("{report}");
    assert!(check.status.success() && report.contains(" 0 problems"), "seed {seed}: mkfs --check: {report}");
    // Nothing was left behind outside the scratch directory (or in it): the image holds
    // what `images` put there (init, sh, syzfuzz, /etc/autorun in /, /bin, /etc) and the
    // /dev directory mkfs writes into every image.
    assert!(report.contains(": 4 files, 4 directories,"), "seed {seed}: files left behind: {report}");
}

#[test]
fn syzfuzz_fixed_seed_leaves_no_panic_no_leak_and_a_clean_fs() {
    run(1, 20, 100);
}

#[test]
fn syzfuzz_long() {
    let Ok(seeds) = std::env::var("SYZ_SEEDS") else {
        println!("skipped: SYZ_SEEDS not set (`make fuzz-kernel` runs the long fuzz)");
        return;
    };
    let seeds: u64 = seeds.parse().expect("SYZ_SEEDS is a number");
    let calls: u64 = std::env::var("SYZ_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    for seed in 1..=seeds {
        run(seed, 20, calls);
    }
}
