//! Replays the saved fuzz inputs through the fuzz targets' entry points (the ones the
//! AFL++ harnesses call, docs/fuzzing.md): every target's generated seeds, the corpus
//! kept in `fuzz/corpus/TARGET/` and the inputs that once crashed or hung rvsim,
//! `fuzz/regress/TARGET/` (each fixed since; the file name says what it was). An input
//! passes when its target returns: no panic (the targets also assert invariants, such
//! as the DTB handed to the guest parsing back), and within [`LIMIT`].

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Time one input may take (they take milliseconds; a hang never returns).
const LIMIT: Duration = Duration::from_secs(120);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The saved inputs of `target`: (label, bytes).
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> =
        fuzz_targets::seeds::seeds(target).into_iter().map(|(n, b)| (format!("seed {n}"), b)).collect();
    for kind in ["corpus", "regress"] {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            v.push((format!("{kind}/{target}/{}", f.file_name().unwrap_or_default().to_string_lossy()), bytes));
        }
    }
    v
}

/// Runs every saved input of `target` on a thread of its own: a panic or an overrun of
/// [`LIMIT`] fails the test, naming the input.
fn replay(target: &str) -> usize {
    let t = fuzz_targets::target(target).unwrap_or_else(|| panic!("no target {target}"));
    let all = inputs(target);
    let n = all.len();
    for (label, bytes) in all {
        let (tx, rx) = mpsc::channel();
        let run = t.run;
        let start = Instant::now();
        std::thread::spawn(move || {
            let ok = std::panic::catch_unwind(|| run(&bytes)).is_ok();
            let _ = tx.send(ok);
        });
        match rx.recv_timeout(LIMIT) {
            Ok(true) => {}
            Ok(false) => panic!("{target}: {label} panicked"),
            Err(_) => panic!("{target}: {label} still running after {LIMIT:?} (a hang)"),
        }
        let took = start.elapsed();
        if took > Duration::from_secs(5) {
            println!("{target}: {label} took {took:?}");
        }
    }
    println!("{target}: {n} inputs replayed");
    n
}

#[test]
fn elf_inputs() {
    assert!(replay("elf") >= 2);
}

#[test]
fn boot_inputs() {
    assert!(replay("boot") >= 4);
}

#[test]
fn exec_inputs() {
    assert!(replay("exec") >= 6);
}

#[test]
fn virtio_inputs() {
    assert!(replay("virtio") >= 5);
}

#[test]
fn gdb_inputs() {
    assert!(replay("gdb") >= 5);
}
