//! Disk fault injection (`--drive FILE,errors=...`, docs/platform.md) and what the
//! kernel makes of a failed request (docs/fs.md and docs/swap.md, "I/O errors"): a
//! failed file read is EIO to the reader, which goes on, and no wrong byte reaches it;
//! a failed file write is EIO and the image still passes `mkfs --check`, wherever in the
//! commit the failure falls; a failed swap-in kills only the process that needed the
//! page, with SIGBUS and a message naming the address; a failed swap-out keeps the pages
//! resident and the workload's own check finds every page intact. The kernel never
//! panics, and `vmstat` counts each error on its path.
//!
//! Needs `make os` (kernel, user programs, target/release/mkfs).
mod common;

use common::os::{built, images, num_after};
use rvsim::devices::virtio::faults::FaultPlan;
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::path::Path;
use std::process::Command;

/// A fault plan from `--drive`-style items.
fn plan(items: &[&str]) -> FaultPlan {
    let mut p = FaultPlan::default();
    for i in items {
        p.parse_item(i).expect("fault item");
    }
    p
}

/// Boots the kernel with `ram` bytes and `drives` (image, fault plan); returns the
/// outcome, the console and the machine (for the device counters). Fails on a panic.
fn boot(ram: u64, drives: &[(&Path, FaultPlan)]) -> (Outcome, String, Machine) {
    let mut m = Machine::new(MachineConfig { ram_size: ram, ..MachineConfig::default() });
    m.bus.dev.uart.echo = false;
    let k = std::fs::read(built("target/riscv64gc-unknown-none-elf/release/kernel")).expect("read kernel");
    m.load_elf(&k).expect("load kernel");
    for (d, p) in drives {
        m.attach_drive_with_faults(d, false, p.clone()).expect("attach disk");
    }
    let outcome = m.run(Some(20_000_000_000), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "");
    println!("{console}");
    assert!(!console.contains("kernel panic") && !console.contains("panicked"), "{console}");
    (outcome, console, m)
}

/// Injected (read, write) errors on drive `slot`.
fn injected(m: &Machine, slot: usize) -> (u64, u64) {
    let s = m.bus.dev.virtio[slot].io_stats();
    (s.injected_read_errors, s.injected_write_errors)
}

/// `mkfs --check IMG`: (passed, report).
fn check(img: &Path) -> (bool, String) {
    let out = Command::new(built("target/release/mkfs")).arg("--check").arg(img).output().expect("run mkfs --check");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| (h ^ x as u64).wrapping_mul(0x100_0000_01b3))
}

/// A bad sector under one block of a file: reading it is EIO at that offset, the bytes
/// before it are right, the rest of the file is read, and the shell goes on.
#[test]
fn read_error_is_eio_and_the_reader_goes_on() {
    let im = images("faults-read", &["faultio", "vmstat", "echo"], "faultio read /data\nvmstat\necho after-read\n", 1);
    // /data: 8 KiB no other block of the image holds.
    let data: Vec<u8> = (0..8192u64).map(|k| (k.wrapping_mul(0x9e37_79b9) >> 7) as u8 ^ (k >> 10) as u8).collect();
    let host = im.dir.join("data");
    std::fs::write(&host, &data).expect("data");
    let mut cmd = Command::new(built("target/release/mkfs"));
    cmd.arg(&im.fs);
    let g = common::guest_dir();
    for p in ["init", "sh", "faultio", "vmstat", "echo"] {
        cmd.arg(format!("/bin/{p}={}", g.join(p).display()));
    }
    cmd.arg(format!("/etc/autorun={}", im.dir.join("autorun").display()));
    cmd.arg(format!("/data={}", host.display()));
    assert!(cmd.status().expect("mkfs").success());
    // The image block holding bytes 3072..4096 of /data.
    let img = std::fs::read(&im.fs).expect("image");
    let at = (0..img.len() / 1024)
        .find(|&b| img[b * 1024..(b + 1) * 1024] == data[3072..4096])
        .expect("block of /data in the image");
    let sector = at as u64 * 2;
    let (out, c, m) = boot(64 << 20, &[(&im.fs, plan(&[&format!("sector:{sector}")]))]);
    assert_eq!(out, Outcome::Exit(0), "{c}");
    let line =
        format!("faultio: read /data at 3072: I/O error after 3072 good bytes, hash {:016x}", fnv(&data[..3072]));
    assert!(c.contains(&line), "want {line:?}: {c}");
    assert!(c.contains("faultio: read /data: 1 errors"), "{c}");
    assert!(c.contains(&format!("fs: reading block {at} failed (EIO)")), "{c}");
    assert!(c.contains("after-read"), "{c}");
    let (r, w) = injected(&m, 0);
    assert!(r >= 1 && w == 0, "injected {r} reads, {w} writes");
    assert_eq!(num_after(&c, "I/O errors:", "fs reads"), r, "{c}");
    assert!(check(&im.fs).0);
}

/// A failed write request at each of several points of the first transactions (log
/// blocks, commit record, install, header clear, a later write): some call gets EIO,
/// the process and the shell go on, and the image passes `mkfs --check`.
#[test]
fn write_error_is_eio_and_the_image_stays_consistent() {
    let mut eio_calls = 0;
    for nth in [1u64, 2, 3, 4, 5, 6, 8, 11, 17, 30] {
        let im = images(
            &format!("faults-write{nth}"),
            &["faultio", "vmstat", "echo"],
            "faultio write /f 40\nvmstat\necho after-write\n",
            1,
        );
        let (out, c, m) = boot(64 << 20, &[(&im.fs, plan(&[&format!("write:{nth}")]))]);
        assert_eq!(out, Outcome::Exit(0), "write:{nth}: {c}");
        assert_eq!(injected(&m, 0), (0, 1), "write:{nth}: {c}");
        assert_eq!(num_after(&c, "I/O errors:", "fs writes"), 1, "write:{nth}: {c}");
        assert!(c.contains("faultio: still running") && c.contains("after-write"), "write:{nth}: {c}");
        let eio = c.lines().filter(|l| l.starts_with("faultio: ") && l.contains("I/O error")).count();
        assert!(eio >= 1, "write:{nth}: no call saw EIO: {c}");
        eio_calls += eio;
        let (ok, report) = check(&im.fs);
        assert!(ok, "write:{nth}: mkfs --check failed:\n{report}\n{c}");
    }
    println!("calls that saw EIO over the runs: {eio_calls}");
}

/// The first swap-in fails: the process that needed the page is killed with SIGBUS
/// (the message names the address), and the next programs run.
#[test]
fn swap_in_error_is_sigbus_to_that_process_only() {
    let im = images(
        "faults-swapin",
        &["swaptest", "vmstat", "echo"],
        "swaptest\necho after-sigbus\nswaptest 2000\nvmstat\n",
        64,
    );
    let (out, c, m) = boot(32 << 20, &[(&im.fs, FaultPlan::default()), (&im.swap, plan(&["read:1"]))]);
    assert_eq!(out, Outcome::Exit(0), "{c}");
    assert_eq!(injected(&m, 1), (1, 0), "{c}");
    let kill = c.lines().find(|l| l.contains("swap-in I/O error")).expect("a SIGBUS kill message");
    assert!(kill.contains(": killed") && kill.contains(" at 0x"), "{kill}");
    assert_eq!(c.lines().filter(|l| l.contains("swap-in I/O error")).count(), 1, "{c}");
    // The shell went on, and a later swapping program checked all its pages.
    assert!(c.contains("after-sigbus"), "{c}");
    assert!(c.contains("swaptest: 0 mismatches"), "{c}");
    assert_eq!(num_after(&c, "I/O errors:", "swap-ins"), 1, "{c}");
}

/// Swap-out writes fail: the pages stay resident, and swaptest's own check finds every
/// page as it wrote it.
#[test]
fn swap_out_error_keeps_pages_and_data() {
    for items in [&["write:1"][..], &["write:5"], &["wrate:0.05", "seed:3"]] {
        let im = images("faults-swapout", &["swaptest", "vmstat"], "swaptest\nvmstat\n", 64);
        let (out, c, m) = boot(32 << 20, &[(&im.fs, FaultPlan::default()), (&im.swap, plan(items))]);
        assert_eq!(out, Outcome::Exit(0), "{items:?}: {c}");
        let (_, w) = injected(&m, 1);
        assert!(w >= 1, "{items:?}: nothing injected");
        assert!(c.contains("swap: writing"), "{items:?}: {c}");
        assert!(c.contains("swaptest: 0 mismatches"), "{items:?}: {c}");
        assert!(!c.contains(": killed") && !c.contains("oom: "), "{items:?}: {c}");
        assert_eq!(num_after(&c, "I/O errors:", "swap-outs"), w, "{items:?}: {c}");
        println!("{items:?}: {w} swap-out writes failed");
    }
}

/// A bad sector under a directory block: the install of the transaction that changed it
/// fails, and so does the retry, so the committed transaction stays in the log; the
/// file system then refuses changes (EIO, fsync too) while the process goes on. The
/// image passes `mkfs --check` (which recovers as mount does), and the next boot
/// without the fault replays the log.
#[test]
fn install_error_leaves_the_log_for_recovery() {
    let im = images("faults-install", &["faultio", "vmstat"], "faultio write /etc/f 4\nvmstat\n", 1);
    // The block of /etc: the directory with an entry (inum u32, name) "autorun".
    let img = std::fs::read(&im.fs).expect("image");
    let at = (0..img.len() / 1024)
        .find(|&b| img[b * 1024..(b + 1) * 1024].chunks(32).any(|e| &e[4..12] == b"autorun\0"))
        .expect("the /etc directory block");
    let (out, c, m) = boot(64 << 20, &[(&im.fs, plan(&[&format!("wsector:{}", at * 2)]))]);
    assert_eq!(out, Outcome::Exit(0), "{c}");
    assert!(c.contains("fs: log: committed transaction left in the log for recovery"), "{c}");
    assert!(c.contains("faultio: create /f: I/O error") || c.contains("faultio: create /etc/f: I/O error"), "{c}");
    assert!(c.contains("faultio: still running"), "{c}");
    assert!(injected(&m, 0).1 >= 2, "{c}");
    drop(m);
    let (ok, report) = check(&im.fs);
    assert!(ok, "mkfs --check failed:\n{report}");
    let (out, c, _) = boot(64 << 20, &[(&im.fs, FaultPlan::default())]);
    assert_eq!(out, Outcome::Exit(0), "{c}");
    assert!(c.contains("fs: log: replayed a committed transaction"), "{c}");
    assert!(c.contains("faultio: wrote /etc/f: 4 pieces, 0 errors"), "{c}");
    let (ok, report) = check(&im.fs);
    assert!(ok, "mkfs --check failed after the replay:\n{report}");
}

/// The `--drive` option: fault items are accepted and counted in `--stats`; a bad item
/// is a usage error (exit 2), not a run.
#[test]
fn drive_option_parses_fault_items() {
    let rvsim = std::env::var_os("RVSIM_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| common::root().join("target/release/rvsim"));
    assert!(rvsim.exists(), "{} is missing: run `make emulator`", rvsim.display());
    let im = images("faults-cli", &["faultio", "vmstat"], "vmstat\nfaultio read /etc/autorun\n", 1);
    let kernel = built("target/riscv64gc-unknown-none-elf/release/kernel");
    let run = |drive: &str| {
        Command::new(&rvsim)
            .args(["run", "--stats", "--memory", "64M", "--drive", drive])
            .arg(&kernel)
            .output()
            .expect("run rvsim")
    };
    for bad in ["errors=read:0", "errors=bogus:1", "errors=rate:2", "errors=read"] {
        let out = run(&format!("{},{bad}", im.fs.display()));
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).contains("bad --drive error item"), "{bad}");
    }
    // A bad sector under the first block of /bin/vmstat: exec of it fails (EIO), the
    // script goes on, and --stats counts the read that failed.
    let img = std::fs::read(&im.fs).expect("image");
    let elf = std::fs::read(common::guest_dir().join("vmstat")).expect("vmstat");
    let at = (0..img.len() / 1024).find(|&b| img[b * 1024..(b + 1) * 1024] == elf[..1024]).expect("vmstat block");
    let out = run(&format!("{},errors=sector:{},seed:1", im.fs.display(), at * 2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let console = String::from_utf8_lossy(&out.stdout);
    assert!(console.contains("faultio: read /etc/autorun: 0 errors"), "{console}");
    let reads: u64 = err
        .lines()
        .find_map(|l| {
            l.strip_prefix("rvsim: disk 0: ")?.split("injected errors: ").nth(1)?.split(' ').next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no injected-errors count: {err}"));
    assert!(reads >= 1 && err.contains(" 0 writes"), "{err}");
}
