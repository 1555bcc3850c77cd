//! ASIDs in the guest OS (docs/vm.md "ASIDs"): the same workloads booted with ASIDs on
//! (`vm.asid=1`, the default), off (`vm.asid=0`: ASID 0, full flushes) and with a 1- or
//! 2-bit ASID space (`vm.asid_bits=`, rollovers all the time). Asserts from the MMU
//! statistics of the machine that ASIDs mean fewer full `sfence.vma` and fewer TLB
//! misses, and that tlbdemo's page checks and every usertest pass in all settings.
//!
//! Needs `make os` (kernel, user programs, target/fs-usertests.img, target/release/mkfs).
mod common;

use common::os::{built, images};
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use rvsim::mmu::stats::MmuStats;
use std::path::Path;

/// Boots the kernel on rvsim with `disk` and `bootargs`; the outcome, console and the
/// hart's MMU statistics.
fn run(disk: &Path, bootargs: &str) -> (Outcome, String, MmuStats) {
    let mut m = Machine::new(MachineConfig::default());
    m.boot.bootargs = Some(bootargs.to_string());
    m.bus.dev.uart.echo = false;
    let k = std::fs::read(built("target/riscv64gc-unknown-none-elf/release/kernel")).expect("read kernel");
    m.load_elf(&k).expect("load kernel");
    m.attach_drive(disk, false).expect("attach disk");
    let outcome = m.run(Some(3_000_000_000), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "");
    let stats = m.cores[0].hart.mmu.stats.clone();
    println!("--- {bootargs}\n{console}\n{stats:?}");
    assert!(!console.contains("kernel panic"), "{console}");
    (outcome, console, stats)
}

/// Index of `sfence.vma x0, x0` in `MmuStats::sfence`.
const ALL: usize = 0;

fn tlbdemo(bootargs: &str) -> MmuStats {
    let im = images(&format!("asid-{}", bootargs.replace(['=', ' '], "-")), &["tlbdemo"], "tlbdemo 16 300\n", 1);
    let (out, c, s) = run(&im.fs, bootargs);
    assert_eq!(out, Outcome::Exit(0), "{c}");
    assert!(c.contains("tlbdemo: 300 rounds, 2 processes x 16 pages, 600 context switches"), "{c}");
    assert!(!c.contains("lost its contents"), "{c}");
    s
}

#[test]
fn asids_mean_fewer_full_flushes_and_tlb_misses() {
    let on = tlbdemo("vm.asid=1");
    let off = tlbdemo("vm.asid=0");
    // Off: at least one full flush per switch into a process (600 for the ping-pong).
    assert!(off.sfence[ALL] >= 600, "{:?}", off.sfence);
    // On: full flushes only at boot (no rollover with 16 bits and a few processes).
    assert!(on.sfence[ALL] < 10, "{:?}", on.sfence);
    assert!(on.sfence[1..].iter().sum::<u64>() > 0, "per-page/per-ASID fences are used: {:?}", on.sfence);
    // Each side's 16 pages stay in the TLB across the other's turn.
    assert!(on.dtlb.misses * 2 < off.dtlb.misses, "dTLB misses on {} off {}", on.dtlb.misses, off.dtlb.misses);
    assert!(on.itlb.misses * 2 < off.itlb.misses, "iTLB misses on {} off {}", on.itlb.misses, off.itlb.misses);
    // With one ASID bit every switch between the two rolls the generation over (a full
    // flush), and the pages still hold what each process wrote.
    let one = tlbdemo("vm.asid=1 vm.asid_bits=1");
    assert!(one.sfence[ALL] >= 600, "{:?}", one.sfence);
}

/// A private copy of the usertests image (the guest writes to it).
fn usertests(bootargs: &str, expect: &str) -> MmuStats {
    let src = built("target/fs-usertests.img");
    let disk = std::env::temp_dir().join(format!("rvsim-asid-ut-{}-{}.img", bootargs.len(), std::process::id()));
    std::fs::copy(&src, &disk).expect("copy image");
    let (out, c, s) = run(&disk, bootargs);
    let _ = std::fs::remove_file(&disk);
    assert!(c.contains(expect), "{c}");
    assert!(c.contains("ALL TESTS PASSED"), "usertests did not pass with {bootargs}:\n{c}");
    let oks = c.lines().filter(|l| l.starts_with("test ") && l.ends_with(": OK")).count();
    assert!(oks >= 28, "only {oks} tests reported OK");
    assert_eq!(out, Outcome::Exit(0));
    s
}

#[test]
fn usertests_pass_without_asids_and_with_two_bits() {
    let off = usertests("vm.asid=0", "vm: ASIDs off");
    let two = usertests("vm.asid_bits=2", "vm: ASIDs on, 2 bits");
    // Three ASIDs for more live address spaces than that: rollovers, yet fewer full
    // flushes than with none.
    assert!(two.sfence[ALL] < off.sfence[ALL], "{:?} vs {:?}", two.sfence, off.sfence);
    assert!(two.sfence[ALL] > 3, "rollovers happened: {:?}", two.sfence);
}
