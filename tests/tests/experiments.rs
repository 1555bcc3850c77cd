//! The VM experiments' library (`guest-os/experiments`, the engine of `make experiments`)
//! on a short run: one RAM size, one policy, a small walker, booted twice.
//!
//! Checks: the OS boots with the requested RAM (the vmstat line is parsed), the walker's
//! machine-readable line is well formed and its page contents survived (`check=ok`), the
//! fault counts are non-zero (each page's first touch faults: a read maps the zero frame,
//! the write copies it), the CSV has a header and one row per point, and two runs of the
//! same configuration give identical numbers (rvsim's time is its instruction count). The
//! thrashing side runs `thrashdemo 2` and checks both children reported and the summary
//! adds up. With a swap disk configured, a walker larger than RAM must complete with major
//! faults (swap-ins), and so must two walkers that only together exceed RAM: an OOM kill
//! there is a failure.
//!
//! Needs `make os` (kernel, user programs, mkfs).
mod common;

use vm_experiments::*;

fn env() -> Env {
    Env::locate(&common::root()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn fault_point_is_well_formed_and_deterministic() {
    let env = env();
    let w = Workload { pages: 512, pattern: "hot".into(), rounds: 4, swap_mib: 16, max_cycles: 4_000_000_000 };
    let a = fault_point(&env, 16, "fifo", &w).expect("run");
    let b = fault_point(&env, 16, "fifo", &w).expect("run");
    println!("{a:?}");
    assert_eq!(a.status, "ok", "{a:?}");
    assert_eq!(a.ram_mib, 16);
    assert!(a.total_frames > 0 && a.total_frames <= 16 * 256, "{a:?}");
    assert!(a.free_frames > 512 && a.free_frames < a.total_frames, "{a:?}");
    let walk = a.walk.as_ref().expect("walk line");
    assert_eq!((walk.pages, walk.pattern.as_str(), walk.refs), (512, "hot", 2048));
    assert!(walk.check_ok);
    // Every page the walk touched faulted at least once (512 pages, 2048 hot-cold refs:
    // all pages are touched with overwhelming probability, and the PRNG is fixed).
    assert!(walk.minor + walk.major >= 512, "{walk:?}");
    assert!(walk.elapsed_ns > 0);
    assert_eq!(a, b, "same configuration, same numbers");

    let csv = fault_csv(&[a.clone(), b]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("policy,ram_mib,free_frames"));
    let cols = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == cols), "{csv}");
    assert!(lines[1].starts_with("fifo,16,"), "{csv}");
}

#[test]
fn thrash_point_reports_every_child() {
    let env = env();
    let w = ThrashWorkload { pages: 256, rounds: 2, pattern: "seq".into(), swap_mib: 16, max_cycles: 4_000_000_000 };
    let a = thrash_point(&env, 16, "clock", 2, &w).expect("run");
    let b = thrash_point(&env, 16, "clock", 2, &w).expect("run");
    println!("{a:?}");
    assert_eq!(a.status, "ok", "{a:?}");
    let s = a.summary.as_ref().expect("summary");
    assert_eq!((s.k, s.pages, s.rounds, s.refs, s.failed), (2, 256, 2, 1024, 0));
    assert_eq!(a.walks.len(), 2);
    assert!(a.walks.iter().all(|w| w.refs == 512 && w.check_ok));
    // Sequential first touches: 2 faults per page (zero frame, then its copy on write).
    assert!(a.minor() >= 2 * 256, "{a:?}");
    assert!(a.throughput() > 0.0);
    assert_eq!(a, b, "deterministic");
    assert_eq!(thrash_csv(&[a]).lines().count(), 2);
}

#[test]
fn walker_larger_than_ram() {
    // 12 MiB of RAM leaves about 1700 frames; 2560 pages do not fit.
    let env = env();
    let w = Workload { pages: 2560, pattern: "seq".into(), rounds: 2, swap_mib: 32, max_cycles: 8_000_000_000 };
    let p = fault_point(&env, 12, "clock", &w).expect("run");
    println!("{p:?}");
    assert!(p.free_frames < 2560, "{p:?}");
    // With swap: it completes, intact, and the second round reads pages back.
    assert!(w.swap_mib > 0);
    assert_eq!(p.status, "ok", "a walk larger than RAM did not complete with a swap disk: {p:?}");
    let walk = p.walk.as_ref().unwrap_or_else(|| panic!("no walk line with a swap disk: {p:?}"));
    assert!(walk.check_ok, "{p:?}");
    assert!(walk.major > 0, "a walk larger than RAM completed without swap-ins: {p:?}");
}

#[test]
fn processes_larger_than_ram_together() {
    // 2 x 1000 pages in about 1500 free frames: each fits, both together do not.
    let env = env();
    let w = ThrashWorkload { pages: 1000, rounds: 3, pattern: "seq".into(), swap_mib: 32, max_cycles: 8_000_000_000 };
    let p = thrash_point(&env, 12, "clock", 2, &w).expect("run");
    println!("{p:?}");
    assert!(p.free_frames < 2000, "{p:?}");
    // With swap: both finish with intact pages, having read pages back; an OOM kill fails.
    assert!(w.swap_mib > 0);
    assert_eq!(p.status, "ok", "{p:?}");
    let s = p.summary.as_ref().unwrap_or_else(|| panic!("no summary with a swap disk: {p:?}"));
    assert_eq!((s.failed, s.refs), (0, 6000), "{p:?}");
    assert_eq!(p.walks.len(), 2, "{p:?}");
    assert!(p.walks.iter().all(|w| w.check_ok && w.policy == "clock"), "{p:?}");
    assert!(p.major() > 0, "{p:?}");
}

#[test]
fn no_control_label_turns_thrashing_control_off() {
    assert_eq!(vm_experiments::bootargs_for("clock"), "vm.policy=clock");
    assert_eq!(vm_experiments::bootargs_for("fifo/no-control"), "vm.policy=fifo vm.thrash=0");
}
