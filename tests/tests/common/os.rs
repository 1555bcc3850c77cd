//! Helpers for tests that boot the guest OS with a script: a file-system image with
//! chosen programs and `/etc/autorun`, a swap image, a boot with a RAM size and kernel
//! command line, and number extraction from console lines.

use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A file built by `make os`, or a panic that says to build it.
pub fn built(rel: &str) -> PathBuf {
    let p = super::root().join(rel);
    assert!(p.exists(), "{} is missing: run `make os`", p.display());
    p
}

/// The images of one test run, removed when dropped.
pub struct Images {
    pub dir: PathBuf,
    pub fs: PathBuf,
    pub swap: PathBuf,
}

impl Drop for Images {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A file-system image with init, sh and `progs` in /bin and `script` as
/// /etc/autorun, plus an empty swap image of `swap_mib` MiB.
pub fn images(tag: &str, progs: &[&str], script: &str, swap_mib: u64) -> Images {
    let dir = std::env::temp_dir().join(format!("rvsim-os-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let auto = dir.join("autorun");
    std::fs::write(&auto, script).expect("script");
    let fs = dir.join("fs.img");
    let g = super::guest_dir();
    let mut cmd = Command::new(built("target/release/mkfs"));
    cmd.arg(&fs);
    for p in ["init", "sh"].iter().chain(progs) {
        let elf = g.join(p);
        assert!(elf.exists(), "{} is missing: run `make os`", elf.display());
        cmd.arg(format!("/bin/{p}={}", elf.display()));
    }
    cmd.arg(format!("/etc/autorun={}", auto.display()));
    assert!(cmd.status().expect("run mkfs").success());
    let swap = dir.join("swap.img");
    std::fs::File::create(&swap).and_then(|f| f.set_len(swap_mib << 20)).expect("swap image");
    Images { dir, fs, swap }
}

/// Boots the kernel with `ram` bytes, `drives` and `bootargs`; prints and returns the
/// outcome and the console. Fails on a kernel panic.
pub fn boot(ram: u64, drives: &[&Path], bootargs: Option<&str>) -> (Outcome, String) {
    let mut m = Machine::new(MachineConfig { ram_size: ram, ..MachineConfig::default() });
    m.boot.bootargs = bootargs.map(String::from);
    m.bus.dev.uart.echo = false;
    let k = std::fs::read(built("target/riscv64gc-unknown-none-elf/release/kernel")).expect("read kernel");
    m.load_elf(&k).expect("load kernel");
    for d in drives {
        m.attach_drive(d, false).expect("attach disk");
    }
    let outcome = m.run(Some(20_000_000_000), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "");
    println!("{console}");
    assert!(!console.contains("kernel panic"), "{console}");
    (outcome, console)
}

/// The number after `key` in the last line starting with `prefix`.
pub fn num_after(console: &str, prefix: &str, key: &str) -> u64 {
    let line = console.lines().rev().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no line {prefix:?}"));
    let rest = &line[line.find(key).unwrap_or_else(|| panic!("no {key:?} in {line:?}")) + key.len()..];
    let digits: String = rest.trim_start().chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().unwrap_or_else(|_| panic!("no number after {key:?} in {line:?}"))
}
