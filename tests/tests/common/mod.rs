//! Shared helpers for integration tests: find guest ELFs, run them on the emulator.
#![allow(dead_code)]

use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// Where `make guest` puts the bare-metal guest programs.
pub fn guest_dir() -> PathBuf {
    root().join("target/riscv64gc-unknown-none-elf/release")
}

/// Path of guest program `name`; panics with the fix when it was not built.
pub fn guest(name: &str) -> PathBuf {
    let p = guest_dir().join(name);
    assert!(p.exists(), "guest program {} is missing: run `make guest`", p.display());
    p
}

/// A reference tool or download a test needs is missing. Under `CI=true` that is a
/// failure (this panics: CI must run every check); elsewhere the test skips, saying why.
pub fn missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} (under CI=true a missing reference tool is a failure; `make test` installs it)");
    }
    println!("skipped: {what}");
}

/// The result of running a guest program.
#[derive(Debug)]
pub struct Run {
    pub outcome: Outcome,
    /// Everything written to the UART.
    pub console: String,
    pub retired: u64,
}

/// Runs guest program `name` on a default machine (128 MiB, 1 hart) for at most
/// `max_insns` instructions, with the console captured instead of printed.
pub fn run_guest(name: &str, max_insns: u64) -> Run {
    run_guest_with(name, max_insns, MachineConfig::default())
}

pub fn run_guest_with(name: &str, max_insns: u64, config: MachineConfig) -> Run {
    let bytes = std::fs::read(guest(name)).expect("read guest ELF");
    let mut m = Machine::new(config);
    m.bus.dev.uart.echo = false;
    m.load_elf(&bytes).expect("load guest ELF");
    let outcome = m.run(Some(max_insns), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).into_owned();
    Run { outcome, console, retired: m.retired() }
}

/// Lists the guest programs in the build directory whose names start with `prefix`.
pub fn guests_with_prefix(prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(guest_dir())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(prefix) && !n.contains('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs every guest with `prefix` and asserts each exits 0; prints one line per program.
pub fn run_all_passing(prefix: &str, max_insns: u64) {
    let names = guests_with_prefix(prefix);
    assert!(!names.is_empty(), "no guest programs named {prefix}*: run `make guest`");
    let mut failed = Vec::new();
    for n in &names {
        let r = run_guest(n, max_insns);
        let ok = r.outcome == Outcome::Exit(0);
        println!("{n}: {}", if ok { "ok".to_string() } else { format!("{:?}\n{}", r.outcome, r.console) });
        if !ok {
            failed.push(n.clone());
        }
    }
    assert!(failed.is_empty(), "failing guest programs: {failed:?}");
}

/// Machine options beyond the defaults, for platform tests.
#[derive(Clone, Debug, Default)]
pub struct RunOpts {
    /// Number of harts (0 = 1).
    pub harts: usize,
    /// Disk images for virtio slots 0, 1, ... and whether each is read-only.
    pub drives: Vec<(PathBuf, bool)>,
    /// Bytes queued on the UART's receive side before the run.
    pub input: Vec<u8>,
    /// Scheduler quantum in cycles (0 = default).
    pub quantum: u64,
}

/// Runs guest program `name` with `opts` (harts, drives, UART input).
pub fn run_guest_opts(name: &str, max_insns: u64, opts: &RunOpts) -> Run {
    let bytes = std::fs::read(guest(name)).expect("read guest ELF");
    let mut config = MachineConfig { harts: opts.harts.max(1), ..Default::default() };
    if opts.quantum > 0 {
        config.quantum = opts.quantum;
    }
    let mut m = Machine::new(config);
    m.bus.dev.uart.echo = false;
    for (path, ro) in &opts.drives {
        m.attach_drive(path, *ro).expect("attach drive");
    }
    m.load_elf(&bytes).expect("load guest ELF");
    m.bus.dev.uart.inject(&opts.input);
    m.bus.dev.update_irqs();
    let outcome = m.run(Some(max_insns), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).into_owned();
    Run { outcome, console, retired: m.retired() }
}
pub mod linux;
pub mod os;
