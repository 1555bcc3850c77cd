//! `make bench`: runs the benchmark guest programs and reports, for each, the instruction
//! count, wall time, host CPU time and MIPS. Every workload must also pass its own check
//! (exit status 0), so a fast wrong answer does not count.
//!
//! Usage: `rvsim-bench GUEST_DIR [--repeat N]`. MIPS uses the best of N runs (default 3).

use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// The workloads, in report order: (program, what it measures).
const WORKLOADS: &[(&str, &str)] = &[
    ("bench_crc", "integer: table-driven CRC-32, 32 MiB"),
    ("bench_sort", "integer, branchy: heap sort and insertion sort"),
    ("bench_mem", "memory-bound: 16 MiB pointer chase, 4 MiB copies"),
    ("bench_paging_off", "U-mode workload, paging off"),
    ("bench_paging_on", "same workload in U-mode under Sv39, more pages than the TLB"),
];

/// Host CPU time of this process (user + system), for a figure less disturbed by other
/// load on the machine than wall time.
fn cpu_time() -> f64 {
    // /proc/self/stat fields 14 and 15: utime and stime in clock ticks (100 Hz on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: rvsim-bench GUEST_DIR [--repeat N]");
        return ExitCode::from(2);
    };
    let repeat: usize = match args.iter().position(|a| a == "--repeat") {
        Some(i) => args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(3),
        None => 3,
    };
    println!("{:<18} {:>13} {:>9} {:>9} {:>8}  workload", "program", "instructions", "wall s", "cpu s", "MIPS");
    let mut failed = false;
    for (name, what) in WORKLOADS {
        let path = Path::new(dir).join(name);
        let Ok(bytes) = std::fs::read(&path) else {
            println!("{name:<18} skipped: {} not built (run `make guest`)", path.display());
            continue;
        };
        let mut best: Option<(u64, f64, f64)> = None;
        for _ in 0..repeat.max(1) {
            let mut m = Machine::new(MachineConfig::default());
            m.bus.dev.uart.echo = false;
            if let Err(e) = m.load_elf(&bytes) {
                println!("{name:<18} cannot load: {e}");
                failed = true;
                break;
            }
            let (c0, t0) = (cpu_time(), Instant::now());
            let outcome = m.run(Some(20_000_000_000), &mut NoTrace);
            let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_time() - c0);
            if outcome != Outcome::Exit(0) {
                println!("{name:<18} FAILED its check: {outcome:?}");
                failed = true;
                best = None;
                break;
            }
            let n = m.retired();
            if best.is_none_or(|(_, w, _)| wall < w) {
                best = Some((n, wall, cpu));
            }
        }
        if let Some((n, wall, cpu)) = best {
            let mips = n as f64 / wall / 1e6;
            println!("{name:<18} {n:>13} {wall:>9.3} {cpu:>9.2} {mips:>8.1}  {what}");
        }
    }
    println!("MIPS = instructions / wall time of the best of {repeat} runs; cpu s is this process's CPU time.");
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
