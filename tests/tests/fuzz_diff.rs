//! Differential testing of rvsim against QEMU (`qemu-system-riscv64 -machine virt -bios
//! none`, QEMU 7.2): random valid RV64GC + Zb* programs with traps, each ending in a
//! signature dump (x1..x31, f0..f31, fcsr, trap record, scratch checksums) over the UART;
//! both machines must print the same lines. See docs/emulator.md, "Differential testing".
//!
//! `make test` runs 600 programs of a fixed seed; `make fuzz-diff` runs 10,000 of a fresh
//! seed. Environment: FUZZ_DIFF_SEED, FUZZ_DIFF_FIRST, FUZZ_DIFF_PROGRAMS, FUZZ_DIFF_BATCH.

mod common;
mod fuzzdiff;

use fuzzdiff::rt;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        }
        Err(_) => default,
    }
}

/// The generated programs run to the end on rvsim, each printing its full signature
/// (independent of QEMU: the harness itself works).
#[test]
fn programs_run_to_completion_on_rvsim() {
    let b = fuzzdiff::batch(1, 0, 50);
    let out = fuzzdiff::run_rvsim(&b.elf);
    assert!(out.finished, "the batch did not reach the finisher:\n{}", out.console);
    assert_eq!(out.console.lines().count(), 50 * rt::LINES);
    for k in 0..50 {
        let lines = fuzzdiff::program_lines(&out.console, k).expect("signature");
        assert_eq!(u64::from_str_radix(lines[0], 16), Ok(k as u64), "header line of program {k}");
    }
    // Some programs trap, and the handler saw them.
    let traps: u64 = (0..50)
        .map(|k| u64::from_str_radix(fuzzdiff::program_lines(&out.console, k).expect("sig")[65], 16).expect("hex"))
        .sum();
    assert!(traps > 0, "no program trapped");
}

/// The comparator catches a one-digit change and a cut-short output (the differential
/// test can fail).
#[test]
fn comparator_reports_differences() {
    let b = fuzzdiff::batch(7, 0, 5);
    let ours = fuzzdiff::run_rvsim(&b.elf);
    assert!(ours.finished, "the batch did not reach the finisher:\n{}", ours.console);
    let same = fuzzdiff::RunOut { console: ours.console.clone(), finished: true };
    assert!(fuzzdiff::compare(7, &b, &ours, &same).is_none(), "identical outputs reported as different");
    let mut lines: Vec<String> = ours.console.lines().map(String::from).collect();
    let at = 3 * rt::LINES + 5; // x5 of program 3
    let flipped = if lines[at].ends_with('0') { '1' } else { '0' };
    lines[at].pop();
    lines[at].push(flipped);
    let changed = fuzzdiff::RunOut { console: lines.join("\n") + "\n", finished: true };
    let rep = fuzzdiff::compare(7, &b, &ours, &changed).expect("a changed x5 is a difference");
    assert!(rep.starts_with("program 3 ") && rep.contains("<-- differs"), "{rep}");
    let cut = fuzzdiff::RunOut { console: lines[..2 * rt::LINES].join("\n"), finished: false };
    let rep = fuzzdiff::compare(7, &b, &ours, &cut).expect("a cut-short output is a difference");
    assert!(rep.starts_with("program 2 ") && rep.contains("output incomplete"), "{rep}");
}

#[test]
fn rvsim_agrees_with_qemu_on_random_programs() {
    if !fuzzdiff::have_qemu() {
        common::missing("qemu-system-riscv64 not installed: no differential test");
        return;
    }
    let seed = env_u64("FUZZ_DIFF_SEED", 0x5eed);
    let first = env_u64("FUZZ_DIFF_FIRST", 0);
    let total = env_u64("FUZZ_DIFF_PROGRAMS", 600);
    let per = env_u64("FUZZ_DIFF_BATCH", 100).max(1);
    let started = std::time::Instant::now();
    let batches: Vec<(u64, u64)> =
        (0..total.div_ceil(per)).map(|k| (first + k * per, per.min(total - k * per))).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let traps = std::sync::atomic::AtomicU64::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    // Two lanes (the machine has two cores): each builds a batch, starts QEMU on it and
    // runs rvsim while QEMU runs.
    std::thread::scope(|s| {
        for lane in 0..2 {
            let (next, failures, batches, traps) = (&next, &failures, &batches, &traps);
            s.spawn(move || loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(&(from, count)) = batches.get(k) else { break };
                let b = fuzzdiff::batch(seed, from, count);
                let path = std::env::temp_dir().join(format!("rvsim-fuzzdiff-{}-{lane}.elf", std::process::id()));
                let elf = b.elf.clone();
                let qemu = std::thread::spawn(move || fuzzdiff::run_qemu(&elf, &path));
                let ours = fuzzdiff::run_rvsim(&b.elf);
                let theirs = qemu.join().expect("qemu thread");
                let taken: u64 = (0..b.programs.len())
                    .filter_map(|k| u64::from_str_radix(fuzzdiff::program_lines(&ours.console, k)?[65], 16).ok())
                    .sum();
                traps.fetch_add(taken, std::sync::atomic::Ordering::Relaxed);
                if let Some(mut rep) = fuzzdiff::compare(seed, &b, &ours, &theirs) {
                    if let Some(p) = b.programs.iter().find(|p| rep.starts_with(&format!("program {} ", p.index))) {
                        let path =
                            std::env::temp_dir().join(format!("rvsim-fuzzdiff-{}-{lane}d.elf", std::process::id()));
                        rep += &fuzzdiff::trap_lists(&b.elf, p, &path);
                    }
                    failures.lock().expect("lock").push((from, rep));
                }
            });
        }
    });
    let mut failures = failures.into_inner().expect("lock");
    failures.sort_by_key(|f| f.0);
    println!(
        "fuzz-diff: seed {seed:#x}, programs {first}..{} ({total} compared, {} traps taken and returned from), \
         {} batches with a difference, {:.1} s",
        first + total,
        traps.into_inner(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    if !failures.is_empty() {
        let reps: Vec<&str> = failures.iter().take(4).map(|f| f.1.as_str()).collect();
        panic!("rvsim and QEMU disagree ({} batches; the first {}):\n{}", failures.len(), reps.len(), reps.join("\n"));
    }
}
