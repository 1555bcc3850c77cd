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
