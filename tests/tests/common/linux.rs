//! Helpers for booting Debian's riscv64 Linux: the kernel and busybox from Debian trixie
//! (through tests/debian/fetch), the test initramfs (/init = tests/linux/init), a
//! partitioned FAT disk for U-Boot's distro boot, and a boot loop that types a line on the
//! console once the guest asks for it.

use mkinitramfs::{Entry, Kind};
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Debian's OpenSBI (generic platform, fw_jump: next stage at 0x8020_0000 in S-mode).
pub const FW_JUMP: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";
/// Debian's U-Boot for QEMU virt in S-mode (package u-boot-qemu).
pub const UBOOT: &str = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin";
/// The marker /init prints before it reads a line from the console.
pub const ASK_LINE: &str = "rvsim-linux: type a line";
/// RAM of every Linux boot: U-Boot's qemu-riscv64 environment loads the initrd at
/// 0x8830_0000, so 256 MiB.
pub const RAM: u64 = 256 << 20;

/// The kernel Image and the initramfs.
pub struct LinuxFiles {
    pub kernel: PathBuf,
    /// Kernel release, e.g. "6.12.117+deb13-riscv64".
    pub release: String,
    /// The newc initramfs (uncompressed).
    pub initrd: PathBuf,
}

/// Fetches the Debian packages (cached) and writes the initramfs once per test binary.
/// `Err` says what is missing.
pub fn files() -> Result<&'static LinuxFiles, String> {
    static FILES: OnceLock<Result<LinuxFiles, String>> = OnceLock::new();
    FILES.get_or_init(build_files).as_ref().map_err(Clone::clone)
}

fn build_files() -> Result<LinuxFiles, String> {
    let fetch = super::root().join("tests/debian/fetch");
    let out = Command::new(&fetch)
        .args(["linux-image-riscv64", "busybox-static"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", fetch.display()))?;
    if !out.status.success() {
        return Err(format!("tests/debian/fetch failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let dir_of = |pred: &dyn Fn(&str) -> bool| -> Option<PathBuf> {
        text.lines()
            .map(|l| l.split(' ').collect::<Vec<_>>())
            .find(|f| f.len() == 3 && pred(f[0]))
            .map(|f| PathBuf::from(f[2]))
    };
    let kdir = dir_of(&|p| p.starts_with("linux-image-") && p.as_bytes().get(12).is_some_and(u8::is_ascii_digit))
        .ok_or("fetch named no versioned linux-image package")?;
    let bdir = dir_of(&|p| p == "busybox-static").ok_or("fetch named no busybox-static")?;
    let kernel = std::fs::read_dir(kdir.join("boot"))
        .map_err(|e| format!("{}: {e}", kdir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vmlinux-")))
        .ok_or("no boot/vmlinux-* in the kernel package")?;
    let release = kernel.file_name().unwrap_or_default().to_string_lossy().trim_start_matches("vmlinux-").to_string();
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let file = |path: &str, data: Vec<u8>| Entry { path: path.into(), perm: 0o755, kind: Kind::File(data) };
    let dir = |path: &str| Entry { path: path.into(), perm: 0o755, kind: Kind::Dir };
    let entries = vec![
        file("/init", read(&super::root().join("tests/linux/init"))?),
        file("/bin/busybox", read(&bdir.join("usr/bin/busybox"))?),
        Entry { path: "/bin/sh".into(), perm: 0o777, kind: Kind::Symlink("busybox".into()) },
        dir("/proc"),
        dir("/sys"),
        dir("/dev"),
        Entry { path: "/dev/console".into(), perm: 0o600, kind: Kind::CharDev(5, 1) },
        dir("/tmp"),
    ];
    let cpio = mkinitramfs::write(&entries).map_err(|e| e.to_string())?;
    let work = super::root().join("target/linux-test");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    // Written beside and renamed, so a concurrent run never reads half a file.
    let initrd = work.join("initrd.cpio");
    let tmp = work.join(format!("initrd.cpio.{}", std::process::id()));
    std::fs::write(&tmp, cpio)
        .and_then(|()| std::fs::rename(&tmp, &initrd))
        .map_err(|e| format!("{}: {e}", initrd.display()))?;
    Ok(LinuxFiles { kernel, release, initrd })
}

/// A FAT32 partition (type 0x0c, bootable) from 1 MiB on an MBR disk, holding `files`
/// (name in the root or a subdirectory, host path), written with dosfstools and mtools
/// without root. `Err` says what is missing.
pub fn fat_disk(disk: &Path, files: &[(&str, &Path)]) -> Result<(), String> {
    let part = disk.with_extension("part");
    let size_kib: u64 =
        files.iter().map(|(_, p)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)).sum::<u64>() / 1024 + 16 * 1024;
    let _ = std::fs::remove_file(&part);
    let run = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {:?}: {e} (apt-get install dosfstools mtools)", cmd.get_program()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{:?} failed: {}", cmd.get_program(), String::from_utf8_lossy(&out.stderr).trim()))
        }
    };
    run(Command::new("mkfs.vfat").args(["-F", "32", "-n", "RVSIM", "-C"]).arg(&part).arg(size_kib.to_string()))?;
    for (name, host) in files {
        if let Some((d, _)) = name.rsplit_once('/') {
            let _ = Command::new("mmd").arg("-i").arg(&part).arg(format!("::/{d}")).output();
        }
        run(Command::new("mcopy").arg("-i").arg(&part).arg(host).arg(format!("::/{name}")))?;
    }
    let body = std::fs::read(&part).map_err(|e| format!("{}: {e}", part.display()))?;
    let _ = std::fs::remove_file(&part);
    // MBR: one primary partition entry at 446 (status, CHS, type, CHS, LBA start, sectors).
    let mut img = vec![0u8; 1 << 20];
    let (start, sectors) = (2048u32, (body.len() / 512) as u32);
    let e = &mut img[446..462];
    e[0] = 0x80;
    e[1..4].copy_from_slice(&[0xfe, 0xff, 0xff]);
    e[4] = 0x0c;
    e[5..8].copy_from_slice(&[0xfe, 0xff, 0xff]);
    e[8..12].copy_from_slice(&start.to_le_bytes());
    e[12..16].copy_from_slice(&sectors.to_le_bytes());
    img[510] = 0x55;
    img[511] = 0xaa;
    img.extend_from_slice(&body);
    std::fs::write(disk, img).map_err(|e| format!("{}: {e}", disk.display()))
}

/// How one Linux boot went.
pub struct Boot {
    pub outcome: Outcome,
    pub console: String,
    pub instructions: u64,
    pub wall: Duration,
}

/// Boots `payload` (the kernel, or U-Boot) under OpenSBI fw_jump on `harts` harts with
/// [`RAM`]; with `initrd`, also the initrd and "console=ttyS0" (the direct boot). When
/// the console shows [`ASK_LINE`], types `line` and a newline. Stops at the guest's
/// power-off or after `max_cycles`. Prints the console and the counts.
pub fn boot(
    payload: &Path,
    initrd: Option<&Path>,
    drives: &[&Path],
    harts: usize,
    line: &str,
    max_cycles: u64,
) -> Boot {
    let fw = std::fs::read(FW_JUMP).expect("read fw_jump");
    let kernel = std::fs::read(payload).expect("read payload");
    let mut m = Machine::new(MachineConfig { ram_size: RAM, harts, ..Default::default() });
    m.bus.dev.uart.echo = false;
    if let Some(i) = initrd {
        m.boot.initrd = Some(std::fs::read(i).expect("read initrd"));
        m.boot.bootargs = Some("console=ttyS0".into());
    }
    for d in drives {
        m.attach_drive(d, false).expect("attach disk");
    }
    m.load_firmware(&fw, Some(&kernel)).expect("load firmware and payload");
    let start = Instant::now();
    let mut typed = false;
    let outcome = loop {
        let until = (m.cycles() + 50_000_000).min(max_cycles);
        let o = m.run(Some(until), &mut NoTrace);
        if o != Outcome::InstructionLimit || m.cycles() >= max_cycles {
            break o;
        }
        if !typed && String::from_utf8_lossy(&m.bus.dev.uart.output).contains(ASK_LINE) {
            m.bus.dev.uart.inject(format!("{line}\n").as_bytes());
            m.bus.dev.update_irqs();
            typed = true;
        }
    };
    let wall = start.elapsed();
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "");
    let instructions = m.retired();
    println!("{console}");
    println!(
        "linux boot ({harts} hart(s), {}): {outcome:?}, {instructions} instructions, {} cycles, {:.1} s",
        payload.display(),
        m.cycles(),
        wall.as_secs_f64()
    );
    Boot { outcome, console, instructions, wall }
}

/// The same direct boot (fw_jump, `kernel`, `initrd`, "console=ttyS0", 256 MiB, `harts`)
/// on qemu-system-riscv64, typing `line` when asked. `None` when QEMU is not installed;
/// the console is whatever QEMU printed before it exited or `timeout` ran out.
pub fn qemu_boot(
    kernel: &Path,
    initrd: &Path,
    harts: usize,
    line: &str,
    timeout: Duration,
) -> Option<(Option<i32>, String)> {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let mut child = Command::new("qemu-system-riscv64")
        .args(["-machine", "virt", "-m", "256M", "-nographic", "-smp", &harts.to_string(), "-bios", FW_JUMP])
        .arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", "console=ttyS0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let (mut out, mut typed) = (Vec::new(), false);
    let status = loop {
        while let Ok(chunk) = rx.try_recv() {
            out.extend_from_slice(&chunk);
        }
        if !typed && String::from_utf8_lossy(&out).contains(ASK_LINE) {
            if let Some(stdin) = child.stdin.as_mut() {
                let _ = stdin.write_all(format!("{line}\n").as_bytes());
                let _ = stdin.flush();
            }
            typed = true;
        }
        if let Ok(Some(s)) = child.try_wait() {
            break s.code();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = reader.join();
    while let Ok(chunk) = rx.try_recv() {
        out.extend_from_slice(&chunk);
    }
    let console = String::from_utf8_lossy(&out).replace('\r', "");
    println!("{console}\nqemu linux boot ({harts} hart(s)): exit {status:?}, {:.1} s", start.elapsed().as_secs_f64());
    Some((status, console))
}
