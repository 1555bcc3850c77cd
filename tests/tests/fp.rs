//! Runs every F and D guest program (guest-programs/isa-tests/src/bin/f_*.rs, d_*.rs) on
//! the emulator; each checks its instructions' results and fflags and exits 0 on success.
//! The same programs pass on QEMU (`qemu-system-riscv64 -machine virt -bios none`).

mod common;

#[test]
fn f_programs_pass() {
    common::run_all_passing("f_", 5_000_000);
}

#[test]
fn d_programs_pass() {
    common::run_all_passing("d_", 5_000_000);
}
