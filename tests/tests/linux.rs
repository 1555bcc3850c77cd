//! Debian's riscv64 Linux (trixie, 6.12) on rvsim, booted as QEMU users boot it: OpenSBI
//! fw_jump with the kernel Image and a busybox initramfs (`--initrd`), on 1 and 4 harts,
//! and through U-Boot's distro boot from a partitioned virtio disk (extlinux.conf).
//! /init (tests/linux/init) prints markers; the checks read them: CPUs online in
//! /proc/cpuinfo, the kernel release, and a line typed on the console. The same files
//! boot on QEMU 7.2 with the same markers (the reference).

mod common;

use common::linux::{self, Boot, FW_JUMP, UBOOT};
use rvsim::machine::Outcome;
use std::path::Path;
use std::time::Duration;

/// Cycle limit of one boot (a boot takes 1.2e9 to 3e9).
const MAX_CYCLES: u64 = 15_000_000_000;

/// The files, or `None` (skipped, or a failure under CI) when a reference is missing.
fn files(what: &str) -> Option<&'static linux::LinuxFiles> {
    if !Path::new(FW_JUMP).exists() {
        common::missing(&format!("{what}: {FW_JUMP} is missing (apt-get install opensbi)"));
        return None;
    }
    match linux::files() {
        Ok(f) => Some(f),
        Err(e) => {
            common::missing(&format!("{what}: {e}"));
            None
        }
    }
}

/// The markers of a boot that powered off after reading `line` on `cpus` CPUs.
fn check(b: &Boot, release: &str, cpus: usize, line: &str) {
    assert_eq!(b.outcome, Outcome::Exit(0), "no clean power-off:\n{}", b.console);
    check_console(&b.console, release, cpus, line);
}

fn check_console(c: &str, release: &str, cpus: usize, line: &str) {
    assert!(c.contains(&format!("Linux version {release}")), "{c}");
    assert!(c.contains(&format!("rvsim-linux: cpus {cpus}\n")), "expected {cpus} CPUs in /proc/cpuinfo:\n{c}");
    assert!(c.contains(&format!("rvsim-linux: kernel {release}\n")), "{c}");
    assert!(c.contains(&format!("rvsim-linux: read '{line}'\n")), "the typed line did not reach the shell:\n{c}");
    assert!(c.contains("rvsim-linux: powering off"), "{c}");
    assert!(!c.contains("Kernel panic"), "{c}");
}

#[test]
fn linux_boots_with_initrd_on_one_hart() {
    let Some(f) = files("linux, 1 hart") else { return };
    let line = "hello from the host";
    let b = linux::boot(&f.kernel, Some(&f.initrd), &[], 1, line, MAX_CYCLES);
    check(&b, &f.release, 1, line);
    // The initramfs was found where the device tree said (not the "no initramfs" path).
    assert!(b.console.contains("Run /init as init process"), "{}", b.console);
}

#[test]
fn linux_boots_with_initrd_on_four_harts() {
    let Some(f) = files("linux, 4 harts") else { return };
    let line = "four harts say hi";
    let b = linux::boot(&f.kernel, Some(&f.initrd), &[], 4, line, MAX_CYCLES);
    check(&b, &f.release, 4, line);
    assert!(b.console.contains("smp: Brought up 1 node, 4 CPUs"), "{}", b.console);
}

#[test]
fn linux_boots_through_u_boot_distro_boot_from_a_virtio_disk() {
    let Some(f) = files("linux via U-Boot") else { return };
    if !Path::new(UBOOT).exists() {
        common::missing(&format!("linux via U-Boot: {UBOOT} is missing (apt-get install u-boot-qemu)"));
        return;
    }
    let dir = common::root().join("target/linux-test");
    let conf = dir.join(format!("extlinux-{}.conf", std::process::id()));
    std::fs::write(
        &conf,
        "default rvsim\nprompt 0\ntimeout 1\n\nlabel rvsim\n    kernel /Image\n    initrd /initrd.cpio\n    append console=ttyS0\n",
    )
    .expect("write extlinux.conf");
    let disk = dir.join(format!("uboot-{}.img", std::process::id()));
    let made = linux::fat_disk(
        &disk,
        &[
            ("extlinux/extlinux.conf", conf.as_path()),
            ("Image", f.kernel.as_path()),
            ("initrd.cpio", f.initrd.as_path()),
        ],
    );
    let _ = std::fs::remove_file(&conf);
    if let Err(e) = made {
        common::missing(&format!("linux via U-Boot: {e}"));
        return;
    }
    let line = "typed after U-Boot";
    let b = linux::boot(Path::new(UBOOT), None, &[&disk], 1, line, MAX_CYCLES);
    let _ = std::fs::remove_file(&disk);
    assert!(b.console.contains("U-Boot 20"), "{}", b.console);
    assert!(b.console.contains("extlinux.conf"), "U-Boot did not find extlinux.conf:\n{}", b.console);
    check(&b, &f.release, 1, line);
}

/// The reference: QEMU boots the same kernel and initramfs to the same markers (so the
/// checks above test the emulator, not the files).
#[test]
fn the_same_files_boot_on_qemu() {
    let Some(f) = files("linux on QEMU") else { return };
    let line = "typed into QEMU";
    match linux::qemu_boot(&f.kernel, &f.initrd, 2, line, Duration::from_secs(240)) {
        None => common::missing("linux on QEMU: qemu-system-riscv64 is not installed"),
        Some((status, console)) => {
            assert_eq!(status, Some(0), "QEMU did not power off cleanly:\n{console}");
            check_console(&console, &f.release, 2, line);
        }
    }
}
