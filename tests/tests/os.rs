//! The guest OS: boots the kernel and runs the user test suite.
//!
//! - On rvsim: `usertests` runs from the file-system image on virtio disk 0 and must print
//!   `ALL TESTS PASSED` and leave a consistent file system (`mkfs --check`), with the
//!   Sstc timer and with `timer=clint`; two `free` readings around usertests must match
//!   (no frame leaks); file writes survive a reboot; without a disk the boot stops with a
//!   clear message (exit 2); the `kernel-sbi` build boots under OpenSBI (when installed).
//! - The kernel's device-tree reader, compiled for the host, parses rvsim's and QEMU's
//!   device trees and survives corrupt blobs.
//! - Also on QEMU when `qemu-system-riscv64` is installed: usertests with `-bios none`, on
//!   a CPU without Sstc and under OpenSBI, and a corrupt image. Each test prints which
//!   machine it ran on.
//!
//! Needs `make os` (kernel, user programs, target/fs-usertests.img, target/release/mkfs).
mod common;

/// The kernel's device-tree reader, compiled for the host (it is plain `core` code).
#[path = "../../guest-os/src/fdt.rs"]
#[allow(dead_code)]
mod kernel_fdt;

use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn built(rel: &str) -> PathBuf {
    let p = common::root().join(rel);
    assert!(p.exists(), "{} is missing: run `make os`", p.display());
    p
}

fn qemu_present() -> bool {
    Command::new("qemu-system-riscv64")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A private copy of an image (the guest writes to it).
fn scratch_copy(img: &Path, tag: &str) -> PathBuf {
    let dst = std::env::temp_dir().join(format!("rvsim-os-{tag}-{}.img", std::process::id()));
    std::fs::copy(img, &dst).expect("copy image");
    dst
}

/// OpenSBI's fw_jump firmware as Debian installs it.
const OPENSBI: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";

/// Boots the kernel on QEMU with `img` as virtio disk 0; returns (exit code, console).
fn run_qemu(img: &Path, timeout: Duration) -> (Option<i32>, String) {
    run_qemu_with(img, timeout, None, &[])
}

/// As [`run_qemu`]; with `Some(firmware)` boots `kernel-sbi` under that SBI firmware.
fn run_qemu_with(img: &Path, timeout: Duration, firmware: Option<&str>, extra: &[&str]) -> (Option<i32>, String) {
    let (bios, kernel) = match firmware {
        Some(fw) => (fw, built("target/riscv64gc-unknown-none-elf/release/kernel-sbi")),
        None => ("none", built("target/riscv64gc-unknown-none-elf/release/kernel")),
    };
    let mut child = Command::new("qemu-system-riscv64")
        .args(["-machine", "virt", "-bios", bios, "-m", "128M", "-nographic", "-monitor", "none", "-serial", "stdio"])
        .args(extra)
        .args(["-global", "virtio-mmio.force-legacy=false", "-kernel"])
        .arg(&kernel)
        .arg("-drive")
        .arg(format!("file={},if=none,format=raw,id=d0", img.display()))
        .args(["-device", "virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qemu");
    let mut out = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        String::from_utf8_lossy(&s).replace('\r', "")
    });
    let start = Instant::now();
    let code = loop {
        if let Some(st) = child.try_wait().expect("wait qemu") {
            break st.code();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (code, reader.join().unwrap_or_default())
}

/// Runs `mkfs --check` on `img`: (clean, output).
fn fsck(img: &Path) -> (bool, String) {
    let out = Command::new(built("target/release/mkfs")).arg("--check").arg(img).output().expect("run mkfs --check");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{text}");
    (out.status.success(), text)
}

/// Boots the kernel on rvsim with `img` (if any) as virtio disk 0; under `firmware` (an SBI
/// firmware ELF) boots `kernel-sbi` instead. Returns (outcome, console, instructions).
fn run_rvsim(img: Option<&Path>, firmware: Option<&str>, max_insns: u64) -> (Outcome, String, u64) {
    run_rvsim_with_args(img, firmware, max_insns, None)
}

/// As [`run_rvsim`] with a kernel command line (`/chosen/bootargs`).
fn run_rvsim_with_args(
    img: Option<&Path>,
    firmware: Option<&str>,
    max_insns: u64,
    bootargs: Option<&str>,
) -> (Outcome, String, u64) {
    let mut m = Machine::new(MachineConfig::default());
    m.boot.bootargs = bootargs.map(str::to_string);
    m.bus.dev.uart.echo = false;
    match firmware {
        Some(fw) => {
            let fw = std::fs::read(fw).expect("read firmware");
            let k =
                std::fs::read(built("target/riscv64gc-unknown-none-elf/release/kernel-sbi")).expect("read kernel-sbi");
            m.load_firmware(&fw, Some(&k)).expect("load firmware and kernel");
        }
        None => {
            let k = std::fs::read(built("target/riscv64gc-unknown-none-elf/release/kernel")).expect("read kernel");
            m.load_elf(&k).expect("load kernel");
        }
    }
    if let Some(img) = img {
        m.attach_drive(img, false).expect("attach disk");
    }
    let outcome = m.run(Some(max_insns), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "");
    (outcome, console, m.retired())
}

/// Asserts a usertests console: every test OK, the final line, no panic.
fn assert_usertests_passed(console: &str) {
    let oks = console.lines().filter(|l| l.starts_with("test ") && l.ends_with(": OK")).count();
    assert!(console.contains("ALL TESTS PASSED"), "usertests did not pass:\n{console}");
    assert!(oks >= 28, "only {oks} tests reported OK");
    assert!(!console.contains("kernel panic"), "{console}");
    // The signal tests ran, and the ones that die left the kernel's messages: a signal
    // frame that cannot be written (sig_badstack), an unhandled fault (sig_segv).
    for t in ["sig_handler", "sig_mask", "sig_restart", "sig_segv", "sig_badstack", "sig_errors"] {
        assert!(console.contains(&format!("test {t}: OK")), "test {t} did not pass:\n{console}");
    }
    assert!(
        console
            .lines()
            .any(|l| l.contains("(usertests): cannot write the signal 10 frame at 0x3000") && l.ends_with(": killed")),
        "no frame-write kill message:\n{console}"
    );
    assert!(
        console.lines().any(|l| l.contains("(usertests): store page fault at 0x30000000 (no mapping), pc ")),
        "no unhandled-fault kill message:\n{console}"
    );
}

#[test]
fn usertests_pass_on_rvsim() {
    let img = built("target/fs-usertests.img");
    let disk = scratch_copy(&img, "rvsim-usertests");
    let t0 = Instant::now();
    let (outcome, console, insns) = run_rvsim(Some(&disk), None, 3_000_000_000);
    println!("ran on: rvsim ({insns} instructions, {:.1} s)\n{console}", t0.elapsed().as_secs_f64());
    let fsck = fsck(&disk);
    let _ = std::fs::remove_file(&disk);
    assert_usertests_passed(&console);
    assert!(console.contains("timer: Sstc stimecmp"), "rvsim has Sstc: {console}");
    assert_eq!(outcome, Outcome::Exit(0));
    assert!(fsck.0, "file system inconsistent after usertests:\n{}", fsck.1);
}

#[test]
fn usertests_pass_on_rvsim_with_clint_timer() {
    let img = built("target/fs-usertests.img");
    let disk = scratch_copy(&img, "rvsim-clint");
    let (outcome, console, insns) = run_rvsim_with_args(Some(&disk), None, 3_000_000_000, Some("timer=clint"));
    let _ = std::fs::remove_file(&disk);
    println!("ran on: rvsim, CLINT timer through M-mode ({insns} instructions)\n{console}");
    assert!(console.contains("timer: CLINT via M-mode"), "{console}");
    assert_usertests_passed(&console);
    assert_eq!(outcome, Outcome::Exit(0));
}

#[test]
fn kernel_sbi_boots_under_opensbi_on_rvsim() {
    if !Path::new(OPENSBI).exists() {
        common::missing(&format!("kernel-sbi on rvsim: {OPENSBI} is not installed"));
        return;
    }
    let img = built("target/fs-usertests.img");
    let disk = scratch_copy(&img, "rvsim-sbi");
    let (outcome, console, insns) = run_rvsim(Some(&disk), Some(OPENSBI), 4_000_000_000);
    let _ = std::fs::remove_file(&disk);
    println!("ran on: rvsim + OpenSBI ({insns} instructions)\n{console}");
    assert!(console.contains("entered in S-mode by SBI firmware"), "{console}");
    assert_usertests_passed(&console);
    assert_eq!(outcome, Outcome::Exit(0));
}

#[test]
fn kernel_boots_on_rvsim_and_reports_missing_disk() {
    let (outcome, console, _) = run_rvsim(None, None, 200_000_000);
    println!("ran on: rvsim\n{console}");
    assert!(console.contains("rvsim-os: booting"), "console: {console}");
    assert!(console.contains("paging: Sv39 on"), "console: {console}");
    assert!(console.contains("no virtio block device found"), "console: {console}");
    assert_eq!(outcome, Outcome::Exit(2));
}

#[test]
fn usertests_pass_on_qemu() {
    let img = built("target/fs-usertests.img");
    if !qemu_present() {
        common::missing("usertests on QEMU: qemu-system-riscv64 is not installed");
        return;
    }
    let disk = scratch_copy(&img, "usertests");
    let t0 = Instant::now();
    let (code, console) = run_qemu(&disk, Duration::from_secs(120));
    println!("ran on: qemu ({:.1} s)\n{console}", t0.elapsed().as_secs_f64());
    // Everything usertests created and removed must leave a consistent file system.
    let fsck = fsck(&disk);
    let _ = std::fs::remove_file(&disk);
    assert!(fsck.0, "file system inconsistent after usertests:\n{}", fsck.1);
    assert_usertests_passed(&console);
    assert_eq!(code, Some(0), "exit status");
}

#[test]
fn usertests_pass_on_qemu_cpu_without_sstc() {
    let img = built("target/fs-usertests.img");
    if !qemu_present() {
        common::missing("usertests without Sstc: qemu-system-riscv64 is not installed");
        return;
    }
    let disk = scratch_copy(&img, "usertests-nosstc");
    let (code, console) = run_qemu_with(&disk, Duration::from_secs(120), None, &["-cpu", "rv64,sstc=false"]);
    let _ = std::fs::remove_file(&disk);
    println!("ran on: qemu -cpu rv64,sstc=false\n{console}");
    assert!(console.contains("timer: CLINT via M-mode"), "{console}");
    assert_usertests_passed(&console);
    assert_eq!(code, Some(0), "exit status");
}

#[test]
fn usertests_pass_on_qemu_under_opensbi() {
    let img = built("target/fs-usertests.img");
    if !qemu_present() || !Path::new(OPENSBI).exists() {
        common::missing(&format!("usertests under OpenSBI: needs qemu-system-riscv64 and {OPENSBI}"));
        return;
    }
    let disk = scratch_copy(&img, "usertests-sbi");
    let (code, console) = run_qemu_with(&disk, Duration::from_secs(120), Some(OPENSBI), &[]);
    let _ = std::fs::remove_file(&disk);
    println!("ran on: qemu + OpenSBI (kernel-sbi)\n{console}");
    assert!(console.contains("entered in S-mode by SBI firmware"), "{console}");
    assert!(console.contains("ALL TESTS PASSED"), "usertests did not pass:\n{console}");
    assert_eq!(code, Some(0), "exit status");
}

#[test]
fn files_survive_reboot() {
    let mkfs = built("target/release/mkfs");
    let dir = std::env::temp_dir().join(format!("rvsim-os-persist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("autorun");
    // First boot writes a file and replaces the autorun script with one that reads it.
    std::fs::write(&script, "echo persisted across reboot > /p\necho cat /p > /etc/autorun\n").expect("script");
    let g = common::guest_dir();
    let img = dir.join("fs.img");
    let st = Command::new(&mkfs)
        .arg(&img)
        .arg(format!("/bin/init={}", g.join("init").display()))
        .arg(format!("/bin/sh={}", g.join("sh").display()))
        .arg(format!("/bin/echo={}", g.join("echo").display()))
        .arg(format!("/bin/cat={}", g.join("cat").display()))
        .arg(format!("/etc/autorun={}", script.display()))
        .status()
        .expect("run mkfs");
    assert!(st.success());
    let (c1, out1, _) = run_rvsim(Some(&img), None, 500_000_000);
    println!("ran on: rvsim (boot 1)\n{out1}");
    assert_eq!(c1, Outcome::Exit(0), "{out1}");
    let (c2, out2, _) = run_rvsim(Some(&img), None, 500_000_000);
    println!("ran on: rvsim (boot 2)\n{out2}");
    assert_eq!(c2, Outcome::Exit(0), "{out2}");
    assert!(out2.contains("persisted across reboot"), "{out2}");
    let (clean, report) = fsck(&img);
    assert!(clean, "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corrupt_image_gives_a_clear_message() {
    if !qemu_present() {
        common::missing("corrupt_image: qemu-system-riscv64 is not installed");
        return;
    }
    let img = std::env::temp_dir().join(format!("rvsim-os-zero-{}.img", std::process::id()));
    std::fs::write(&img, vec![0u8; 1 << 20]).expect("zero image");
    let (code, out) = run_qemu(&img, Duration::from_secs(30));
    let _ = std::fs::remove_file(&img);
    println!("ran on: qemu\n{out}");
    assert!(out.contains("no valid superblock"), "{out}");
    assert_eq!(code, Some(2));
}

#[test]
fn kernel_fdt_reads_rvsim_device_tree() {
    use rvsim::devices::fdt::{build, FdtConfig};
    let cfg = FdtConfig {
        ram_size: 256 << 20,
        harts: 2,
        isa: "rv64imafdc_zicsr_zifencei_sstc".into(),
        mmu_type: "riscv,sv39".into(),
        bootargs: Some("quiet timer=clint".into()),
        slots: 8,
    };
    let blob = build(&cfg).expect("build dtb");
    let info = kernel_fdt::parse(&blob).expect("kernel parses rvsim's DTB");
    assert_eq!((info.ram_base, info.ram_size), (0x8000_0000, 256 << 20));
    assert_eq!(info.timebase, 10_000_000);
    assert!(info.sstc);
    assert!(info.has_arg(b"timer=clint") && info.has_arg(b"quiet") && !info.has_arg(b"timer"));
    let no_sstc = build(&FdtConfig { isa: "rv64imafdc_zicsr".into(), bootargs: None, ..cfg }).expect("build dtb");
    let info = kernel_fdt::parse(&no_sstc).expect("parse");
    assert!(!info.sstc);
    assert!(info.bootargs().is_empty());
}

#[test]
fn kernel_fdt_survives_corrupt_blobs() {
    use rvsim::devices::fdt::{build, FdtConfig};
    let cfg = FdtConfig {
        ram_size: 128 << 20,
        harts: 1,
        isa: "rv64imafdc_sstc".into(),
        mmu_type: "riscv,sv39".into(),
        bootargs: None,
        slots: 8,
    };
    let blob = build(&cfg).expect("build dtb");
    // Every truncation, and every byte flipped in the header and structure block: the
    // reader returns something or None, never panics or loops.
    for n in 0..blob.len() {
        let _ = kernel_fdt::parse(&blob[..n]);
    }
    let mut b = blob.clone();
    for i in 0..b.len().min(4096) {
        for x in [0x01u8, 0x80, 0xff] {
            b[i] ^= x;
            let _ = kernel_fdt::parse(&b);
            b[i] ^= x;
        }
    }
    assert!(kernel_fdt::parse(&[0u8; 64]).is_none());
}

#[test]
fn kernel_fdt_reads_qemu_device_tree() {
    if !qemu_present() {
        common::missing("kernel_fdt on QEMU's DTB: qemu-system-riscv64 is not installed");
        return;
    }
    let path = std::env::temp_dir().join(format!("rvsim-os-qemu-{}.dtb", std::process::id()));
    let st = Command::new("qemu-system-riscv64")
        .arg("-machine")
        .arg(format!("virt,dumpdtb={}", path.display()))
        .args(["-bios", "none", "-m", "192M", "-nographic", "-append", "timer=clint", "-kernel"])
        .arg(built("target/riscv64gc-unknown-none-elf/release/kernel"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run qemu");
    assert!(st.success());
    let blob = std::fs::read(&path).expect("read dtb");
    let _ = std::fs::remove_file(&path);
    let info = kernel_fdt::parse(&blob).expect("kernel parses QEMU's DTB");
    assert_eq!((info.ram_base, info.ram_size), (0x8000_0000, 192 << 20));
    assert_eq!(info.timebase, 10_000_000);
    assert!(info.has_arg(b"timer=clint"));
    println!("QEMU riscv,isa has sstc: {}", info.sstc);
}

/// Every user program `make os` builds.
const USER_PROGS: &[&str] =
    &["init", "sh", "ls", "cat", "echo", "mkdir", "rm", "wc", "kill", "ps", "poweroff", "sleep", "free", "usertests"];

#[test]
fn usertests_leak_no_frames_on_rvsim() {
    let mkfs = built("target/release/mkfs");
    let dir = std::env::temp_dir().join(format!("rvsim-os-leak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("autorun");
    // The first `free` warms up the shell: memory is lazy (docs/vm.md), so the shell's
    // code for reaping a child becomes resident only then; compare the 2nd and 3rd.
    std::fs::write(&script, "free\nfree\nusertests\nfree\n").expect("script");
    let img = dir.join("fs.img");
    let g = common::guest_dir();
    let mut cmd = Command::new(&mkfs);
    cmd.arg(&img);
    for p in USER_PROGS {
        cmd.arg(format!("/bin/{p}={}", g.join(p).display()));
    }
    cmd.arg(format!("/README={}", common::root().join("guest-os/README.txt").display()));
    cmd.arg(format!("/etc/autorun={}", script.display()));
    assert!(cmd.stdout(Stdio::null()).status().expect("run mkfs").success());
    let (outcome, console, _) = run_rvsim(Some(&img), None, 3_000_000_000);
    let _ = std::fs::remove_dir_all(&dir);
    println!("ran on: rvsim\n{console}");
    assert_usertests_passed(&console);
    // "total N KiB, free M KiB, ..." before and after: every frame came back.
    let frees: Vec<&str> =
        console.lines().filter(|l| l.starts_with("total ")).map(|l| l.split(", ").nth(1).unwrap_or("")).collect();
    assert_eq!(frees.len(), 3, "{console}");
    assert_eq!(frees[1], frees[2], "free RAM before and after usertests");
    assert_eq!(outcome, Outcome::Exit(0));
}
