//! The `rvsim` binary's behaviour at its edges: bad input files end with exit status 2 and
//! exactly one error line on stderr (never a panic), trace and stats options produce
//! their output, and the instruction limit ends a run with status 124.

use std::path::PathBuf;
use std::process::{Command, Output};

const RAM: u64 = 0x8000_0000;
/// `lui a0,0x100; lui a1,0x5; addi a1,a1,0x555; sw a1,0(a0); j .` (finisher: pass).
const PASS: [u32; 5] = [0x0010_0537, 0x0000_55b7, 0x5555_8593, 0x00b5_2023, 0x0000_006f];
/// `j .`
const SPIN: [u32; 1] = [0x0000_006f];

/// A minimal ELF64 RISC-V executable: header, one PT_LOAD program header, code.
fn elf(class: u8, machine: u16, paddr: u64, code: &[u32]) -> Vec<u8> {
    let code: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut v = vec![0x7f, b'E', b'L', b'F', class, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&machine.to_le_bytes());
    v.extend_from_slice(&1u32.to_le_bytes());
    v.extend_from_slice(&paddr.to_le_bytes()); // entry
    v.extend_from_slice(&64u64.to_le_bytes());
    v.extend_from_slice(&0u64.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    for h in [64u16, 56, 1, 64, 0, 0] {
        v.extend_from_slice(&h.to_le_bytes());
    }
    v.extend_from_slice(&1u32.to_le_bytes());
    v.extend_from_slice(&5u32.to_le_bytes());
    v.extend_from_slice(&120u64.to_le_bytes());
    v.extend_from_slice(&paddr.to_le_bytes());
    v.extend_from_slice(&paddr.to_le_bytes());
    v.extend_from_slice(&(code.len() as u64).to_le_bytes());
    v.extend_from_slice(&(code.len() as u64).to_le_bytes());
    v.extend_from_slice(&4096u64.to_le_bytes());
    v.extend_from_slice(&code);
    v
}

/// Writes `bytes` to a per-test temporary file.
fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("rvsim-cli-{}-{name}", std::process::id()));
    std::fs::write(&p, bytes).expect("write temp file");
    p
}

fn rvsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvsim")).args(args).output().expect("run rvsim")
}

/// Asserts exit status 2 and one error line (no panic) and returns that line.
fn load_error(args: &[&str]) -> String {
    let out = rvsim(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: stderr {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: one error line, got: {stderr}");
    assert!(stderr.starts_with("rvsim: "), "{stderr}");
    stderr
}

#[test]
fn missing_file() {
    let e = load_error(&["run", "/nonexistent/rvsim-test.elf"]);
    assert!(e.contains("cannot read"), "{e}");
}

#[test]
fn a_directory_is_not_an_elf() {
    let dir = std::env::temp_dir();
    load_error(&["run", dir.to_str().expect("utf-8 temp dir")]);
}

#[test]
fn not_an_elf() {
    let p = file("text.elf", b"#!/bin/sh\necho not an ELF\n");
    let e = load_error(&["run", p.to_str().unwrap_or_default()]);
    assert!(e.contains("not an ELF"), "{e}");
}

#[test]
fn truncated_elf() {
    let good = elf(2, 243, RAM, &PASS);
    for (i, cut) in [10, 70, good.len() - 3].into_iter().enumerate() {
        let p = file(&format!("trunc{i}.elf"), &good[..cut]);
        load_error(&["run", p.to_str().unwrap_or_default()]);
    }
}

#[test]
fn thirty_two_bit_elf() {
    let p = file("elf32.elf", &elf(1, 243, RAM, &PASS));
    let e = load_error(&["run", p.to_str().unwrap_or_default()]);
    assert!(e.contains("32-bit"), "{e}");
}

#[test]
fn non_riscv_elf() {
    let p = file("x86.elf", &elf(2, 62, RAM, &PASS));
    let e = load_error(&["run", p.to_str().unwrap_or_default()]);
    assert!(e.contains("RISC-V"), "{e}");
    if std::path::Path::new("/bin/true").exists() {
        load_error(&["run", "/bin/true"]);
    }
}

#[test]
fn segment_outside_ram() {
    let p = file("rom.elf", &elf(2, 243, 0x1000, &PASS));
    let e = load_error(&["run", p.to_str().unwrap_or_default()]);
    assert!(e.contains("outside RAM"), "{e}");
    // Inside the default 128M but outside a 1M RAM.
    let p = file("high.elf", &elf(2, 243, RAM + (64 << 20), &PASS));
    load_error(&["run", "-m", "1M", p.to_str().unwrap_or_default()]);
}

#[test]
fn unwritable_trace_file() {
    let p = file("pass-trace.elf", &elf(2, 243, RAM, &PASS));
    let e = load_error(&["run", "--trace", "/nonexistent/dir/trace.log", p.to_str().unwrap_or_default()]);
    assert!(e.contains("trace"), "{e}");
}

#[test]
fn valid_program_passes_and_traces() {
    let p = file("pass.elf", &elf(2, 243, RAM, &PASS));
    let trace = std::env::temp_dir().join(format!("rvsim-cli-{}-pass.trace", std::process::id()));
    let out = rvsim(&[
        "run",
        "--stats",
        "--trace",
        trace.to_str().unwrap_or_default(),
        "--trace-disasm",
        "-",
        p.to_str().unwrap_or_default(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // 6 boot-ROM instructions and 4 of the program (the store ends the run).
    let log = std::fs::read_to_string(&trace).expect("trace written");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 10, "{log}");
    assert_eq!(lines[6], "core   0: 3 0x0000000080000000 (0x00100537) x10 0x0000000000100000");
    assert_eq!(lines[9], "core   0: 3 0x000000008000000c (0x00b52023) mem 0x0000000000100000 0x00005555");
    assert!(stderr.contains("core   0: 0x000000008000000c (0x00b52023) sw      a1, 0(a0)"), "{stderr}");
    assert!(stderr.contains("rvsim: 10 instructions"), "{stderr}");
    assert!(stderr.contains("M 10 S 0 U 0"), "{stderr}");
}

#[test]
fn instruction_limit_exits_124() {
    let p = file("spin.elf", &elf(2, 243, RAM, &SPIN));
    let out = rvsim(&["run", "--max-insns", "1000", p.to_str().unwrap_or_default()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(124), "{stderr}");
    assert_eq!(stderr.trim(), "rvsim: instruction limit reached");
}

/// `lui t0, 0x40000; csrw mtvec, t0; .word 0`: the illegal word traps to 0x4000_0000,
/// where nothing is mapped, so every trap vector fetch faults again, forever.
const TRAP_LOOP: [u32; 3] = [0x4000_02b7, 0x3052_9073, 0x0000_0000];

/// A hart stuck in a trap loop retires nothing; traps count against `--max-insns`, so the
/// run still ends with the limit's status.
#[test]
fn trap_loop_without_retirement_still_stops() {
    let p = file("traploop.elf", &elf(2, 243, RAM, &TRAP_LOOP));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rvsim"))
        .args(["run", "--max-insns", "1000", p.to_str().unwrap_or_default()])
        .spawn()
        .expect("spawn rvsim");
    for _ in 0..100 {
        if let Ok(Some(status)) = child.try_wait() {
            assert_eq!(status.code(), Some(124));
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("rvsim did not stop within 10 s");
}

/// An ELF with no PT_LOAD segment is refused: nothing to run.
#[test]
fn elf_without_loadable_segment_exits_2() {
    let mut e = elf(2, 243, RAM, &PASS);
    e[56..58].copy_from_slice(&0u16.to_le_bytes()); // e_phnum = 0
    let p = file("noload.elf", &e);
    let out = rvsim(&["run", p.to_str().unwrap_or_default()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("nothing to run"), "{stderr}");
}

// ---- --initrd, --dtb, --kernel under --bios: QEMU's boot flags ----

/// `PASS` as raw firmware bytes (run from 0x8000_0000 under --bios).
fn raw(code: &[u32]) -> Vec<u8> {
    code.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// A raw "kernel" with a RISC-V Linux image header claiming `image_size` bytes in memory
/// (Linux Documentation/arch/riscv/boot-image-header.rst: image_size at 16, "RSC\x05" at 56).
fn linux_image(image_size: u64) -> Vec<u8> {
    let mut v = vec![0u8; 64];
    v[16..24].copy_from_slice(&image_size.to_le_bytes());
    v[48..56].copy_from_slice(b"RISCV\0\0\0");
    v[56..60].copy_from_slice(b"RSC\x05");
    v
}

/// `--bios PASS --kernel KERNEL` plus `extra`, as strings for `rvsim`.
fn fw_args(tag: &str, kernel: &[u8], extra: &[&str]) -> Vec<String> {
    let fw = file(&format!("{tag}-fw.bin"), &raw(&PASS));
    let k = file(&format!("{tag}-kernel.bin"), kernel);
    let mut v: Vec<String> =
        ["run", "--bios", fw.to_str().unwrap_or_default(), "--kernel", k.to_str().unwrap_or_default()]
            .iter()
            .map(|s| s.to_string())
            .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn missing_initrd() {
    let a = fw_args("noinitrd", &linux_image(0), &["--initrd", "/nonexistent/initrd.cpio"]);
    let e = load_error(&strs(&a));
    assert!(e.contains("/nonexistent/initrd.cpio") && e.contains("cannot read"), "{e}");
}

#[test]
fn initrd_without_a_kernel() {
    let fw = file("initrd-nokernel-fw.bin", &raw(&PASS));
    let i = file("initrd-nokernel.cpio", b"070701");
    let e = load_error(&["run", "--bios", fw.to_str().unwrap_or_default(), "--initrd", i.to_str().unwrap_or_default()]);
    assert!(e.contains("needs a kernel"), "{e}");
}

#[test]
fn initrd_that_does_not_fit_in_ram() {
    // 16 MiB of RAM: the initrd goes to 0x8020_0000 + 8 MiB = 0x80a0_0000; 7 MiB do not fit.
    let i = file("initrd-big.cpio", &vec![0u8; 7 << 20]);
    let a = fw_args("initrd-big", &linux_image(0), &["-m", "16M", "--initrd", i.to_str().unwrap_or_default()]);
    let e = load_error(&strs(&a));
    assert!(e.contains("does not fit in RAM"), "{e}");
    // Larger than RAM itself: refused before reading.
    let i = file("initrd-huge.cpio", &vec![0u8; 2 << 20]);
    let a = fw_args("initrd-huge", &linux_image(0), &["-m", "1M", "--initrd", i.to_str().unwrap_or_default()]);
    let e = load_error(&strs(&a));
    assert!(e.contains("larger than RAM"), "{e}");
}

#[test]
fn initrd_that_overlaps_the_dtb() {
    // 16 MiB: the DTB sits at 0x80e0_0000 (end of RAM, 2 MiB aligned); 5 MiB from 0x80a0_0000 reach it.
    let i = file("initrd-dtb.cpio", &vec![0u8; 5 << 20]);
    let a = fw_args("initrd-dtb", &linux_image(0), &["-m", "16M", "--initrd", i.to_str().unwrap_or_default()]);
    let e = load_error(&strs(&a));
    assert!(e.contains("overlaps the device tree"), "{e}");
}

#[test]
fn initrd_that_overlaps_the_kernel() {
    // 32 MiB: initrd at 0x8020_0000 + 16 MiB, but the image header says the kernel
    // (with its bss) takes 18 MiB.
    let i = file("initrd-kernel.cpio", b"070701");
    let a =
        fw_args("initrd-kernel", &linux_image(18 << 20), &["-m", "32M", "--initrd", i.to_str().unwrap_or_default()]);
    let e = load_error(&strs(&a));
    assert!(e.contains("overlaps the kernel"), "{e}");
}

#[test]
fn device_files_are_refused_not_read() {
    // /dev/zero would never end: every input must be a regular file.
    let a = fw_args("devzero", &linux_image(0), &["--initrd", "/dev/zero"]);
    let e = load_error(&strs(&a));
    assert!(e.contains("not a regular file"), "{e}");
    let e = load_error(&["run", "--bios", "/dev/zero"]);
    assert!(e.contains("not a regular file"), "{e}");
    let e = load_error(&["run", "/dev/zero"]);
    assert!(e.contains("not a regular file"), "{e}");
    let a = fw_args("devzero-dtb", &linux_image(0), &["--dtb", "/dev/zero"]);
    assert!(load_error(&strs(&a)).contains("not a regular file"));
    // A kernel larger than RAM.
    let a = fw_args("bigkernel", &vec![0u8; 2 << 20], &["-m", "1M"]);
    assert!(load_error(&strs(&a)).contains("larger than RAM"));
}

#[test]
fn malformed_dtb() {
    let a = fw_args(
        "dtb-short",
        &linux_image(0),
        &["--dtb", file("short.dtb", b"\xd0\x0d\xfe\xed").to_str().unwrap_or_default()],
    );
    assert!(load_error(&strs(&a)).contains("shorter than the 40-byte header"));
    let a =
        fw_args("dtb-magic", &linux_image(0), &["--dtb", file("magic.dtb", &[0u8; 64]).to_str().unwrap_or_default()]);
    assert!(load_error(&strs(&a)).contains("magic"));
    // A real blob, then cut short (totalsize past the end) and with a broken structure block.
    let good = std::env::temp_dir().join(format!("rvsim-cli-{}-good.dtb", std::process::id()));
    let out = rvsim(&[
        "run",
        "--dump-dtb",
        good.to_str().unwrap_or_default(),
        "--max-insns",
        "10",
        file("spin.elf", &elf(2, 243, RAM, &SPIN)).to_str().unwrap_or_default(),
    ]);
    assert_eq!(out.status.code(), Some(124));
    let blob = std::fs::read(&good).expect("dumped dtb");
    let cut = file("cut.dtb", &blob[..blob.len() - 8]);
    let a = fw_args("dtb-cut", &linux_image(0), &["--dtb", cut.to_str().unwrap_or_default()]);
    assert!(load_error(&strs(&a)).contains("totalsize"));
    let mut bad = blob.clone();
    let off_struct = u32::from_be_bytes(bad[8..12].try_into().expect("header")) as usize;
    bad[off_struct..off_struct + 4].copy_from_slice(&7u32.to_be_bytes()); // no such token
    let bad = file("bad-struct.dtb", &bad);
    let a = fw_args("dtb-struct", &linux_image(0), &["--dtb", bad.to_str().unwrap_or_default()]);
    assert!(load_error(&strs(&a)).contains("structure block"));
}

/// A given --dtb is handed over with /chosen patched: --append and the initrd's range.
#[test]
fn given_dtb_gets_bootargs_and_initrd() {
    let good = std::env::temp_dir().join(format!("rvsim-cli-{}-given.dtb", std::process::id()));
    let spin = file("spin2.elf", &elf(2, 243, RAM, &SPIN));
    let out = rvsim(&[
        "run",
        "--dump-dtb",
        good.to_str().unwrap_or_default(),
        "--max-insns",
        "10",
        spin.to_str().unwrap_or_default(),
    ]);
    assert_eq!(out.status.code(), Some(124));
    let initrd = file("given.cpio", &[0x55u8; 1000]);
    let patched = std::env::temp_dir().join(format!("rvsim-cli-{}-patched.dtb", std::process::id()));
    let a = fw_args(
        "given",
        &linux_image(0),
        &[
            "-m",
            "256M",
            "--dtb",
            good.to_str().unwrap_or_default(),
            "--initrd",
            initrd.to_str().unwrap_or_default(),
            "--append",
            "console=ttyS0 rvsim.test",
            "--dump-dtb",
            patched.to_str().unwrap_or_default(),
        ],
    );
    let out = rvsim(&strs(&a));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let blob = std::fs::read(&patched).expect("patched dtb");
    let tree = rvsim::devices::fdt::edit::parse(&blob).expect("valid blob");
    let chosen = tree.root.child("chosen").expect("/chosen");
    assert_eq!(chosen.prop("bootargs"), Some(&b"console=ttyS0 rvsim.test\0"[..]));
    // QEMU 7.2's rule with 256 MiB: kernel 0x8020_0000 + 128 MiB.
    let start = 0x8820_0000u64;
    assert_eq!(chosen.prop("linux,initrd-start"), Some(&start.to_be_bytes()[..]));
    assert_eq!(chosen.prop("linux,initrd-end"), Some(&(start + 1000).to_be_bytes()[..]));
    // Everything else is the given tree.
    let given = rvsim::devices::fdt::edit::parse(&std::fs::read(&good).expect("given")).expect("parse");
    assert_eq!(tree.root.children.len(), given.root.children.len());
    assert_eq!(tree.root.child("cpus"), given.root.child("cpus"));
}

#[test]
fn a_directory_is_not_a_drive() {
    let prog = file("dirdrive.elf", &elf(2, 243, RAM, &PASS));
    let dir = std::env::temp_dir();
    for spec in [format!("{}", dir.display()), format!("{},readonly", dir.display())] {
        let line = load_error(&["run", "--drive", &spec, prog.to_str().unwrap()]);
        assert!(line.contains("not a disk image"), "{line}");
    }
    let _ = std::fs::remove_file(prog);
}

#[test]
fn an_output_that_cannot_be_written_is_exit_status_2() {
    let prog = file("lost-output.elf", &elf(2, 243, RAM, &PASS));
    let p = prog.to_str().unwrap();
    for args in [
        vec!["run", "--trace", "/dev/full", p],
        vec!["run", "--trace-disasm", "/dev/full", p],
        // A signature was asked for but the program defines none.
        vec!["run", "--signature", "/tmp/rvsim-cli-unused.sig", p],
    ] {
        let out = rvsim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // The same program without those options passes.
    assert_eq!(rvsim(&["run", p]).status.code(), Some(0));
    let _ = std::fs::remove_file(prog);
}
