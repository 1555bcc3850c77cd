//! The demo program boots and prints its greeting.
mod common;
use rvsim::machine::Outcome;

#[test]
fn hello_prints_and_passes() {
    let r = common::run_guest("hello", 1_000_000);
    assert_eq!(r.outcome, Outcome::Exit(0));
    assert!(r.console.contains("Hello from RISC-V"), "console: {}", r.console);
}
