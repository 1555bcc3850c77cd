//! Signals on the guest OS (docs/os.md "Signals"):
//! - a static glibc program (`guest-programs/c/sigtest.c`: signal(), sigaction with
//!   SA_SIGINFO, raise, kill(getpid()), masks, sigsuspend, SA_RESTART/EINTR, SIGCHLD,
//!   SIGPIPE, WTERMSIG, siglongjmp out of a SIGSEGV handler) prints the same on rvsim's
//!   guest OS as under `qemu-riscv64`, QEMU's user mode with the host's Linux semantics;
//! - Ctrl-C on the console ends the shell's foreground job, not the shell;
//! - `sigsegvdemo` tracks written pages with mprotect and a SIGSEGV handler.
//!
//! Needs `make os` (and for the first, `make cprogs` with the cross compiler and
//! qemu-user, which `make test` installs). Under CI=true a missing tool fails the test.
mod common;

use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Reports a missing reference tool: a failure under CI, a skip otherwise.
fn missing(what: &str) {
    let msg = format!("{what} is missing (`make test` installs it)");
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
    println!("skipped: {msg}");
}

/// A file-system image in a private directory with init, sh and `files`
/// (guest path, host path), and `/etc/autorun` when `script` is given.
fn image(tag: &str, files: &[(&str, PathBuf)], script: Option<&str>) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("rvsim-sig-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let img = dir.join("fs.img");
    let g = common::guest_dir();
    let mut cmd = Command::new(common::os::built("target/release/mkfs"));
    cmd.arg(&img);
    for p in ["init", "sh"] {
        cmd.arg(format!("/bin/{p}={}", g.join(p).display()));
    }
    for (guest, host) in files {
        assert!(host.exists(), "{} is missing: run `make os`", host.display());
        cmd.arg(format!("{guest}={}", host.display()));
    }
    if let Some(s) = script {
        let auto = dir.join("autorun");
        std::fs::write(&auto, s).expect("autorun");
        cmd.arg(format!("/etc/autorun={}", auto.display()));
    }
    let out = cmd.output().expect("run mkfs");
    assert!(out.status.success(), "mkfs: {}", String::from_utf8_lossy(&out.stderr));
    (dir, img)
}

/// A machine with the kernel and `img` as disk 0.
fn machine(img: &Path) -> Machine {
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    let k = std::fs::read(common::os::built("target/riscv64gc-unknown-none-elf/release/kernel")).expect("kernel");
    m.load_elf(&k).expect("load kernel");
    m.attach_drive(img, false).expect("attach disk");
    m
}

fn console(m: &Machine) -> String {
    String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "")
}

fn sigtest_lines(out: &str) -> Vec<String> {
    out.lines().filter(|l| l.starts_with("sigtest")).map(String::from).collect()
}

#[test]
fn glibc_signals_behave_as_on_linux() {
    let prog = common::root().join("target/c/sigtest");
    if !prog.exists() {
        missing(&format!("{} (riscv64-linux-gnu-gcc)", prog.display()));
        return;
    }
    let (dir, img) = image("c", &[("/bin/sigtest", prog.clone())], Some("sigtest\n"));
    let mut m = machine(&img);
    let outcome = m.run(Some(3_000_000_000), &mut NoTrace);
    let out = console(&m);
    let _ = std::fs::remove_dir_all(&dir);
    println!("rvsim:\n{out}");
    assert!(!out.contains("kernel panic"), "{out}");
    let ours = sigtest_lines(&out);
    assert!(ours.iter().any(|l| l == "sigtest: ALL OK"), "{out}");
    assert!(ours.len() >= 16, "{ours:?}");
    assert_eq!(outcome, Outcome::Exit(0), "init powers off with sigtest's status");
    // The same program under QEMU user mode (Linux semantics, the host kernel's signals).
    match Command::new("qemu-riscv64").arg(&prog).output() {
        Ok(q) => {
            let theirs = sigtest_lines(&String::from_utf8_lossy(&q.stdout));
            println!("qemu-riscv64:\n{}", theirs.join("\n"));
            assert!(q.status.success(), "qemu-riscv64 sigtest failed: {theirs:?}");
            assert_eq!(ours, theirs, "the guest OS and Linux (qemu-riscv64) differ");
        }
        Err(_) => missing("qemu-riscv64 (qemu-user)"),
    }
}

/// Runs `m` until the console has `n` occurrences of `pat` (false if `budget` more
/// instructions pass first).
fn run_until(m: &mut Machine, pat: &str, n: usize, budget: u64) -> bool {
    let end = m.cycles() + budget;
    while m.cycles() < end {
        if console(m).matches(pat).count() >= n {
            return true;
        }
        let next = m.cycles() + 2_000_000;
        if m.run(Some(next), &mut NoTrace) != Outcome::InstructionLimit {
            break;
        }
    }
    console(m).matches(pat).count() >= n
}

#[test]
fn ctrl_c_ends_the_foreground_job_not_the_shell() {
    let g = common::guest_dir();
    let files = [("/bin/sleep", g.join("sleep")), ("/bin/echo", g.join("echo")), ("/bin/poweroff", g.join("poweroff"))];
    // No autorun: init starts an interactive shell on the console.
    let (dir, img) = image("intr", &files, None);
    let mut m = machine(&img);
    assert!(run_until(&mut m, "$ ", 1, 500_000_000), "no prompt:\n{}", console(&m));
    m.bus.dev.uart.inject(b"sleep 1000000\n");
    m.bus.dev.update_irqs();
    // Let the shell start the job and the job go to sleep.
    let until = m.cycles() + 30_000_000;
    assert_eq!(m.run(Some(until), &mut NoTrace), Outcome::InstructionLimit);
    assert_eq!(console(&m).matches("$ ").count(), 1, "the job ended by itself:\n{}", console(&m));
    let at = m.cycles();
    m.bus.dev.uart.inject(&[0x03]);
    m.bus.dev.update_irqs();
    // The prompt comes back long before the 1000 s sleep (the argument is in ms) could end.
    assert!(run_until(&mut m, "$ ", 2, 200_000_000), "Ctrl-C did not end the job:\n{}", console(&m));
    let took = m.cycles() - at;
    m.bus.dev.uart.inject(b"echo still here\n");
    m.bus.dev.update_irqs();
    assert!(run_until(&mut m, "still here\n", 1, 200_000_000), "the shell died:\n{}", console(&m));
    m.bus.dev.uart.inject(b"poweroff\n");
    m.bus.dev.update_irqs();
    let end = m.cycles() + 200_000_000;
    let outcome = m.run(Some(end), &mut NoTrace);
    let out = console(&m);
    let _ = std::fs::remove_dir_all(&dir);
    println!("{out}\n(prompt back {took} cycles after ^C)");
    assert!(out.contains("^C"), "{out}");
    assert!(!out.contains("init: shell exited"), "Ctrl-C killed the shell:\n{out}");
    assert!(!out.contains("kernel panic"), "{out}");
    assert_eq!(outcome, Outcome::Exit(0));
}

#[test]
fn sigsegvdemo_tracks_written_pages() {
    let g = common::guest_dir();
    let (dir, img) = image("demo", &[("/bin/sigsegvdemo", g.join("sigsegvdemo"))], Some("sigsegvdemo 64 3\n"));
    let mut m = machine(&img);
    let outcome = m.run(Some(1_000_000_000), &mut NoTrace);
    let out = console(&m);
    let _ = std::fs::remove_dir_all(&dir);
    println!("{out}");
    assert_eq!(outcome, Outcome::Exit(0), "{out}");
    // 64 pages, stride 3: pages 0, 3, ..., 63 = 22 pages; one fault each, each also an
    // unresolved fault in the kernel's counters (then a minor fault for the retried store).
    assert!(out.contains("sigsegvdemo: wrote 22 distinct pages (stride 3), twice each"), "{out}");
    assert!(
        out.contains("handler faults 22, dirty pages tracked 22; kernel: unresolved faults +22, minor faults +22"),
        "{out}"
    );
    assert!(out.contains("sigsegvdemo: dirty set correct"), "{out}");
}
