//! `rvsim-bench --quick`, the self-check of `make bench` in `make test`: the four workload
//! ELFs, patched to tiny sizes, run on rvsim (and on QEMU when installed) and pass their
//! own checks with the same checksums; the tables and verdicts are printed. A missing
//! guest is a failure (exit 1), not a silent skip.

use std::process::Command;

fn bench(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rvsim-bench"))
        .args(["--rvsim", env!("CARGO_BIN_EXE_rvsim")])
        .args(args)
        .output()
        .expect("run rvsim-bench");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn quick_bench_runs_every_workload_and_its_checks() {
    let (status, out) = bench(&["--quick"]);
    println!("{out}");
    assert_eq!(status, Some(0), "rvsim-bench --quick failed:\n{out}");
    for row in [
        "integer (CRC-32 + heap sort), M-mode, no paging",
        "memory (16 MiB pointer chase + strided RMW), M-mode",
        "integer, S-mode under Sv39 (4 KiB pages)",
        "memory, S-mode under Sv39",
    ] {
        let line =
            out.lines().find(|l| l.starts_with(&format!("| {row} "))).unwrap_or_else(|| panic!("no row {row}:\n{out}"));
        assert!(!line.contains("failed"), "{line}");
    }
    for t in [
        "bench_int: at least 2x Spike's MIPS",
        "bench_mem_sv39: Sv39 costs at most 30%",
        "workloads (largest of the four)",
    ] {
        let line = out.lines().find(|l| l.contains(t)).unwrap_or_else(|| panic!("no target {t}:\n{out}"));
        assert!(line.contains("PASS") || line.contains("MISS"), "{line}");
    }
    assert!(out.contains("every run passed its check"), "{out}");
}

#[test]
fn quick_bench_fails_when_the_guests_are_missing() {
    let empty = std::env::temp_dir().join(format!("rvsim-bench-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("temp dir");
    let (status, out) = bench(&["--quick", "--root", empty.to_str().expect("utf-8 temp path")]);
    let _ = std::fs::remove_dir_all(&empty);
    assert_eq!(status, Some(1), "{out}");
    assert!(out.contains("run `make guest`"), "{out}");
}
