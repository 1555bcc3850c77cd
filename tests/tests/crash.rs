//! Crash consistency of the guest file system (docs/fs.md): the metadata-heavy workload
//! `crashload` (guest-programs/user/src/bin/crashload.rs) is cut short at CUTS
//! instruction counts spread over it (a deterministic power cut, as `--max-insns`), and
//! for every cut the image is recovered on the host (`mkfs --check --recover --list`:
//! the log replayed as the kernel replays it at mount) and must then pass the checker,
//! with every tracked file whose fsync (or directory fsync) returned before the cut
//! holding its data, and an operation in flight at the cut either wholly done or not
//! at all. Every SAMPLE-th cut, and every cut that left a committed transaction in the
//! log, is also recovered by booting the kernel on it (up to the mount): the kernel
//! must replay exactly when mkfs did, the checker must pass on that image too, with
//! an empty log, and its files must equal the host-recovered ones.
//!
//! The cuts are taken from one run paused at each count (the machine is deterministic
//! and the disk file holds exactly the completed requests when it is paused); two cuts
//! are re-run from reset to that count to show the paused run is the same power cut.
//!
//! Needs `make os` (kernel, crashload, target/release/mkfs).
mod common;

use common::os::{built, num_after};
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Cut points tried.
const CUTS: u64 = 220;
/// Every SAMPLE-th cut is also recovered by the kernel.
const SAMPLE: u64 = 11;
/// Workload iterations.
const ITERATIONS: u32 = 24;
/// Cycles per step while watching the console for a line.
const STEP: u64 = 200_000;

fn kernel() -> Vec<u8> {
    std::fs::read(built("target/riscv64gc-unknown-none-elf/release/kernel")).expect("read kernel")
}

fn machine(kernel: &[u8], disk: &Path) -> Machine {
    let mut m = Machine::new(MachineConfig { ram_size: 64 << 20, ..MachineConfig::default() });
    m.bus.dev.uart.echo = false;
    m.load_elf(kernel).expect("load kernel");
    m.attach_drive(disk, false).expect("attach disk");
    m
}

fn console(m: &Machine) -> String {
    String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "")
}

/// The file-system image with init, sh, crashload and the autorun script.
fn image(dir: &Path) -> PathBuf {
    let auto = dir.join("autorun");
    std::fs::write(&auto, format!("crashload {ITERATIONS}\nvmstat\n")).expect("script");
    let fs = dir.join("fs.img");
    let g = common::guest_dir();
    let mut cmd = Command::new(built("target/release/mkfs"));
    cmd.arg(&fs).args(["--blocks", "4096", "--inodes", "256"]);
    for p in ["init", "sh", "crashload", "vmstat"] {
        let elf = g.join(p);
        assert!(elf.exists(), "{} is missing: run `make os`", elf.display());
        cmd.arg(format!("/bin/{p}={}", elf.display()));
    }
    cmd.arg(format!("/etc/autorun={}", auto.display()));
    assert!(cmd.status().expect("run mkfs").success());
    fs
}

/// `mkfs --check [extra] --list IMG`: (passed, report, files under /c/d* -> "size hash").
fn check(img: &Path, extra: &[&str]) -> (bool, String, BTreeMap<String, String>) {
    let out = Command::new(built("target/release/mkfs"))
        .arg("--check")
        .args(extra)
        .arg("--list")
        .arg(img)
        .output()
        .expect("run mkfs --check");
    let report = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let mut files = BTreeMap::new();
    for l in report.lines() {
        let w: Vec<&str> = l.split(' ').collect();
        if w.len() == 4 && w[0] == "file" && w[1].starts_with("/c/d") {
            files.insert(w[1].to_string(), format!("{} {}", w[2], w[3]));
        }
    }
    (out.status.success() && report.contains(" 0 problems"), report, files)
}

/// A tracked operation announced by the workload.
#[derive(Clone, Debug)]
enum Op {
    Write(String, String),
    Rename(String, String),
    Unlink(String),
}

/// What the console up to a cut says: the durable tracked files, and the operation in
/// flight (announced, not yet `D`). Only whole lines count.
fn durable(console: &str) -> (BTreeMap<String, String>, Option<Op>) {
    let mut model = BTreeMap::new();
    let mut pending = None;
    let whole = &console[..console.rfind('\n').map_or(0, |i| i + 1)];
    for l in whole.lines() {
        let w: Vec<&str> = l.split(' ').collect();
        match w.as_slice() {
            ["W", p, size, hash] => pending = Some(Op::Write(p.to_string(), format!("{size} {hash}"))),
            ["R", o, n] if o.starts_with('/') => pending = Some(Op::Rename(o.to_string(), n.to_string())),
            ["U", p] if p.starts_with('/') => pending = Some(Op::Unlink(p.to_string())),
            ["D"] => {
                if let Some(op) = pending.take() {
                    apply(&mut model, &op);
                }
            }
            _ => {}
        }
    }
    (model, pending)
}

fn apply(model: &mut BTreeMap<String, String>, op: &Op) {
    match op {
        Op::Write(p, v) => {
            model.insert(p.clone(), v.clone());
        }
        Op::Rename(o, n) => {
            if let Some(v) = model.remove(o) {
                model.insert(n.clone(), v);
            }
        }
        Op::Unlink(p) => {
            model.remove(p);
        }
    }
}

/// Whether the tracked files `got` are a state the console allows: the durable one, or
/// (with an operation in flight) the one after it; a file being written may be in any
/// state.
fn allowed(got: &BTreeMap<String, String>, model: &BTreeMap<String, String>, pending: &Option<Op>) -> bool {
    match pending {
        None => got == model,
        Some(Op::Write(p, _)) => {
            let mut g = got.clone();
            g.remove(p);
            &g == model
        }
        Some(op) => {
            let mut after = model.clone();
            apply(&mut after, op);
            got == model || got == &after
        }
    }
}

/// Boots the kernel on `img` until it has mounted the file system (recovery runs in
/// the mount), or with `whole` until it powers off; returns the console.
fn boot_recover(kernel: &[u8], img: &Path, whole: bool) -> String {
    let mut m = machine(kernel, img);
    for _ in 0..25_000 {
        if let Outcome::Exit(_) | Outcome::Reset = m.run(Some(m.cycles() + STEP), &mut NoTrace) {
            break;
        }
        let c = console(&m);
        if (!whole && c.contains("fs: mounted")) || c.contains("fs: cannot mount") {
            break;
        }
    }
    let c = console(&m);
    assert!(c.contains("fs: mounted"), "the kernel did not mount the cut image: {c}");
    c
}

#[test]
fn every_cut_of_a_metadata_heavy_workload_recovers_to_a_consistent_image() {
    let dir = std::env::temp_dir().join(format!("rvsim-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fresh = image(&dir);
    let k = kernel();

    // The whole workload once: where it starts (its first line) and ends.
    let full = dir.join("full.img");
    std::fs::copy(&fresh, &full).expect("copy image");
    let mut m = machine(&k, &full);
    let mut start = None;
    let end = loop {
        match m.run(Some(m.cycles() + STEP), &mut NoTrace) {
            Outcome::Exit(_) | Outcome::Reset => break m.cycles(),
            Outcome::InstructionLimit => {}
            o => panic!("workload run: {o:?}"),
        }
        if start.is_none() && console(&m).contains("\nW /c/") {
            start = Some(m.cycles().saturating_sub(STEP));
        }
        assert!(m.cycles() < 5_000_000_000, "the workload did not finish: {}", console(&m));
    };
    let c = console(&m);
    assert!(c.contains(&format!("crashload: done, {ITERATIONS} iterations")), "{c}");
    let start = start.expect("the workload printed nothing");
    let (ok, report, files) = check(&full, &["--recover"]);
    assert!(ok, "the image after the whole workload fails the check: {report}");
    let (model, pending) = durable(&c);
    assert!(pending.is_none() && files == model, "after the whole workload: {files:?} != {model:?}");
    // The log's counters (vmstat's "fs log" line): every tracked step committed.
    if let Some(l) = c.lines().find(|l| l.starts_with("fs log:")) {
        println!("crash: whole workload: {l}");
    }
    let tx = num_after(&c, "fs log:", "transactions");
    assert!(tx > 200, "{c}");
    assert!(num_after(&c, "fs log:", "blocks logged") >= tx, "{c}");
    assert_eq!(num_after(&c, "fs log:", "commits"), tx, "no transaction outgrew the log: {c}");
    assert_eq!(num_after(&c, "fs log:", "recoveries"), 0, "{c}");
    println!("crash: workload from cycle {start} to {end}; {} tracked files at the end", model.len());

    // Cut points: one in each of CUTS equal slots, at a deterministic offset in it.
    let span = end - start;
    let cuts: Vec<u64> = (0..CUTS)
        .map(|i| {
            let off = (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) % (span / CUTS);
            start + i * (span / CUTS) + off
        })
        .collect();

    let disk = dir.join("cut.img");
    std::fs::copy(&fresh, &disk).expect("copy image");
    let mut m = machine(&k, &disk);
    let img = dir.join("check.img");
    let booted = dir.join("boot.img");
    let (mut bad, mut lost, mut sampled, mut replayed, mut kreplayed) = (Vec::new(), Vec::new(), 0, 0, 0);
    for (i, &cut) in cuts.iter().enumerate() {
        let o = m.run(Some(cut), &mut NoTrace);
        assert_eq!(o, Outcome::InstructionLimit, "the run ended before cut {i} at {cut}");
        let c = console(&m);
        std::fs::copy(&disk, &img).expect("copy cut image");
        if i as u64 == CUTS / 3 || i as u64 == 2 * CUTS / 3 {
            std::fs::copy(&disk, dir.join(format!("snap{i}.img"))).expect("copy cut image");
        }
        let (ok, report, files) = check(&img, &["--recover"]);
        let replay = report.contains("log: replayed");
        replayed += replay as u64;
        if !ok {
            bad.push(format!(
                "cut {i} at {cut}: {}",
                report.lines().filter(|l| l.contains("fsck")).collect::<Vec<_>>().join("; ")
            ));
            continue;
        }
        let (model, pending) = durable(&c);
        if !allowed(&files, &model, &pending) {
            lost.push(format!("cut {i} at {cut}: image {files:?}, durable {model:?}, in flight {pending:?}"));
        }
        if (i as u64).is_multiple_of(SAMPLE) || replay {
            sampled += 1;
            std::fs::copy(&disk, &booted).expect("copy cut image");
            if replay && kreplayed == 0 {
                // The first replaying cut also boots on: the workload runs again on
                // the recovered image, vmstat counts the recovery, the image passes.
                let again = dir.join("whole.img");
                std::fs::copy(&disk, &again).expect("copy cut image");
                let kc = boot_recover(&k, &again, true);
                assert!(kc.contains("crashload: done"), "cut {i}: the workload failed on the recovered image: {kc}");
                assert_eq!(num_after(&kc, "fs log:", "recoveries"), 1, "cut {i}: {kc}");
                let (kok, kreport, _) = check(&again, &[]);
                assert!(kok && kreport.contains("log: empty"), "cut {i}: after a second run: {kreport}");
            }
            let kc = boot_recover(&k, &booted, false);
            assert_eq!(
                kc.contains("fs: log: replayed"),
                replay,
                "cut {i} at {cut}: the kernel and mkfs disagree on replaying the log: {report}\n{kc}"
            );
            kreplayed += replay as u64;
            let (kok, kreport, kfiles) = check(&booted, &[]);
            assert!(kok, "cut {i} at {cut}: fails the check after the kernel's recovery: {kreport}\n{kc}");
            assert!(kreport.contains("log: empty"), "cut {i}: the kernel left a log: {kreport}");
            assert_eq!(kfiles, files, "cut {i} at {cut}: kernel and mkfs --recover disagree");
        }
    }
    println!(
        "crash: {} cuts, {} inconsistent after recovery, {} with lost or torn tracked files; {replayed} replayed a committed log; {sampled} also recovered by booting the kernel ({kreplayed} of them replaying the log)",
        cuts.len(),
        bad.len(),
        lost.len()
    );
    assert!(kreplayed > 0, "no kernel-recovered cut had a committed log to replay");
    assert!(bad.is_empty(), "{} of {} cuts inconsistent:\n{}", bad.len(), cuts.len(), bad.join("\n"));
    assert!(lost.is_empty(), "{} of {} cuts lost durable data:\n{}", lost.len(), cuts.len(), lost.join("\n"));

    // The paused run is the same power cut as a run from reset stopped there.
    for i in [CUTS / 3, 2 * CUTS / 3] {
        let cut = cuts[i as usize];
        let again = dir.join("again.img");
        std::fs::copy(&fresh, &again).expect("copy image");
        let mut m = machine(&k, &again);
        assert_eq!(m.run(Some(cut), &mut NoTrace), Outcome::InstructionLimit);
        drop(m);
        assert!(
            std::fs::read(&again).expect("read") == std::fs::read(dir.join(format!("snap{i}.img"))).expect("read"),
            "cut {i} at {cut}: a paused run and a run from reset leave different images"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
