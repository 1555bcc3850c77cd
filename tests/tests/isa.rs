//! The ISA test suite: every guest program of `guest-programs/isa-tests` named
//! `rv64i_*`, `rv64m_*`, `rv64a_*`, `rv64c_*`, `zicsr_*`, `priv_*`, `trap_*` or `irq_*`
//! runs on the emulator and must exit 0 (each prints `N checks, M failed`; a failing
//! check prints its name, expected and actual values, shown here on failure).
mod common;

/// Instruction budget per program; the programs retire well under a million.
const LIMIT: u64 = 20_000_000;

#[test]
fn rv64i() {
    common::run_all_passing("rv64i_", LIMIT);
}

#[test]
fn rv64m() {
    common::run_all_passing("rv64m_", LIMIT);
}

#[test]
fn rv64a() {
    common::run_all_passing("rv64a_", LIMIT);
}

#[test]
fn rv64c() {
    common::run_all_passing("rv64c_", LIMIT);
}

#[test]
fn zicsr() {
    common::run_all_passing("zicsr_", LIMIT);
}

#[test]
fn privileged() {
    common::run_all_passing("priv_", LIMIT);
}

#[test]
fn traps() {
    common::run_all_passing("trap_", LIMIT);
}

#[test]
fn interrupts() {
    common::run_all_passing("irq_", LIMIT);
}
