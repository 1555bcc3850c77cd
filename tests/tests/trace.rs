//! Trace golden tests: the `hello` guest's commit log and disassembly trace must match
//! `tests/data/hello.trace` and `tests/data/hello.disasm.trace` line for line.
//!
//! The golden files change only when someone means them to: rerun with `BLESS=1
//! cargo test -p integration-tests --test trace` and review the diff before committing.
//! Without BLESS a difference fails the test and shows the first differing lines.

mod common;

use rvsim::hart::Tracer;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use rvsim::trace::{CommitLog, DisasmTrace, TraceOut};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Instructions traced (hello retires ~110; the bound keeps the golden file small if the
/// program grows).
const MAX_INSNS: u64 = 2_000;

/// A writer whose bytes the test can read back after the tracer is done.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("trace buffer").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn run_traced<T: Tracer>(make: impl FnOnce(TraceOut) -> T, finish: impl FnOnce(&mut T)) -> String {
    let bytes = std::fs::read(common::guest("hello")).expect("read hello");
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.load_elf(&bytes).expect("load hello");
    let buf = Shared::default();
    let mut t = make(TraceOut::new(Box::new(buf.clone())));
    let outcome = m.run(Some(MAX_INSNS), &mut t);
    finish(&mut t);
    assert!(matches!(outcome, Outcome::Exit(0) | Outcome::InstructionLimit), "{outcome:?}");
    let out = buf.0.lock().expect("trace buffer").clone();
    String::from_utf8(out).expect("trace is UTF-8")
}

fn compare_or_bless(name: &str, got: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data").join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, got).expect("write golden file");
        eprintln!("blessed {}", path.display());
        return;
    }
    let want =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (create it with BLESS=1)", path.display()));
    if want != got {
        let (w, g): (Vec<_>, Vec<_>) = (want.lines().collect(), got.lines().collect());
        let first = w.iter().zip(&g).position(|(a, b)| a != b).unwrap_or(w.len().min(g.len()));
        let lo = first.saturating_sub(2);
        panic!(
            "{name} differs from the golden file at line {} ({} vs {} lines)\nwant:\n{}\ngot:\n{}\n\
             (if the change is intended: BLESS=1 cargo test -p integration-tests --test trace)",
            first + 1,
            w.len(),
            g.len(),
            w[lo..(first + 3).min(w.len())].join("\n"),
            g[lo..(first + 3).min(g.len())].join("\n"),
        );
    }
}

#[test]
fn hello_commit_log_matches_golden() {
    let got = run_traced(CommitLog::new, |t| t.finish().expect("flush"));
    // Sanity on the format independent of the golden file: the boot ROM's first line.
    let first = got.lines().next().expect("trace has lines");
    assert_eq!(first, "core   0: 3 0x0000000000001000 (0x00000297) x5  0x0000000000001000");
    assert!(got.lines().any(|l| l.contains(" mem 0x") && l.split(' ').count() > 6), "stores are logged");
    compare_or_bless("hello.trace", &got);
}

#[test]
fn hello_disasm_trace_matches_golden() {
    let got = run_traced(DisasmTrace::new, |t| t.finish().expect("flush"));
    let first = got.lines().next().expect("trace has lines");
    assert_eq!(first, "core   0: 0x0000000000001000 (0x00000297) auipc   t0, 0x0");
    compare_or_bless("hello.disasm.trace", &got);
}

#[test]
fn both_tracers_together_see_the_same_run() {
    let bytes = std::fs::read(common::guest("hello")).expect("read hello");
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.load_elf(&bytes).expect("load hello");
    let (a, b) = (Shared::default(), Shared::default());
    let mut c = CommitLog::new(TraceOut::new(Box::new(a.clone())));
    let mut d = DisasmTrace::new(TraceOut::new(Box::new(b.clone())));
    m.run(Some(MAX_INSNS), &mut (&mut c, &mut d));
    c.finish().expect("flush");
    d.finish().expect("flush");
    let (a, b) = (a.0.lock().expect("a").clone(), b.0.lock().expect("b").clone());
    let lines = |v: &[u8]| v.iter().filter(|&&c| c == b'\n').count();
    assert_eq!(lines(&a), lines(&b));
    assert_eq!(lines(&a) as u64, m.retired(), "one line per retired instruction (hello takes no traps)");
}
