//! Runs every F and D guest program (guest-programs/isa-tests/src/bin/f_*.rs, d_*.rs) on
//! the emulator; each checks its instructions' results and fflags and exits 0 on success.
//! The same programs pass on QEMU (`qemu-system-riscv64 -machine virt -bios none`).

mod common;

#[test]
fn f_programs_pass() {
    common::run_all_passing("f_", 500_000_000);
}

#[test]
fn d_programs_pass() {
    common::run_all_passing("d_", 500_000_000);
}

/// The same programs on QEMU (`-machine virt -bios none`), the reference the expected
/// values were checked against: each must exit 0 there too. Skipped, saying so, when
/// qemu-system-riscv64 is not installed (`make deps` installs it).
#[test]
fn fp_programs_pass_on_qemu() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    if Command::new("qemu-system-riscv64").arg("--version").stdout(Stdio::null()).status().is_err() {
        common::missing("qemu-system-riscv64 not found: no QEMU cross-check");
        return;
    }
    let mut names = common::guests_with_prefix("f_");
    names.extend(common::guests_with_prefix("d_"));
    assert!(!names.is_empty(), "no f_/d_ guest programs: run `make guest`");
    let mut failed = Vec::new();
    for n in &names {
        let mut child = Command::new("qemu-system-riscv64")
            .args(["-machine", "virt", "-bios", "none", "-nographic", "-kernel"])
            .arg(common::guest(n))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start qemu");
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait for qemu") {
                break Some(s);
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let ok = status.is_some_and(|s| s.success());
        println!("{n} on QEMU: {}", if ok { "ok".to_string() } else { format!("{status:?}") });
        if !ok {
            failed.push(n.clone());
        }
    }
    assert!(failed.is_empty(), "F/D programs failing on QEMU: {failed:?}");
}
