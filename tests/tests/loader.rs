//! ELF loader errors, through the library: every malformed input is refused with its own
//! one-line error, and no input (including thousands of corrupted variants of a valid
//! ELF) makes the loader panic. The same cases through the `rvsim` binary (exit status 2,
//! one stderr line) are in `emulator/tests/cli.rs`.

use rvsim::loader::LoadError;
use rvsim::machine::{Machine, MachineConfig, Outcome};

const RAM: u64 = 0x8000_0000;

/// `lui a0,0x100; lui a1,0x5; addi a1,a1,0x555; sw a1,0(a0); j .`: tells the finisher
/// "pass".
const PASS: [u32; 5] = [0x0010_0537, 0x0000_55b7, 0x5555_8593, 0x00b5_2023, 0x0000_006f];

/// Fields of a hand-made ELF64 executable with one PT_LOAD segment.
#[derive(Clone)]
struct ElfSpec {
    class: u8,
    data: u8,
    machine: u16,
    entry: u64,
    paddr: u64,
    /// Overrides p_filesz (default: the code's length).
    filesz: Option<u64>,
    memsz: Option<u64>,
    offset: u64,
    phnum: u16,
}

impl Default for ElfSpec {
    fn default() -> Self {
        ElfSpec {
            class: 2,
            data: 1,
            machine: 243,
            entry: RAM,
            paddr: RAM,
            filesz: None,
            memsz: None,
            offset: 120,
            phnum: 1,
        }
    }
}

/// Builds the ELF (ELF-64 Object File Format, version 1.5: header 64 bytes, program
/// header 56 bytes, then the code).
fn elf(s: &ElfSpec) -> Vec<u8> {
    let code: Vec<u8> = PASS.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut v = vec![0x7f, b'E', b'L', b'F', s.class, s.data, 1, 0];
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    v.extend_from_slice(&s.machine.to_le_bytes());
    v.extend_from_slice(&1u32.to_le_bytes());
    v.extend_from_slice(&s.entry.to_le_bytes());
    v.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    v.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    v.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for h in [64u16, 56, s.phnum, 64, 0, 0] {
        v.extend_from_slice(&h.to_le_bytes());
    }
    if s.phnum > 0 {
        v.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        v.extend_from_slice(&5u32.to_le_bytes()); // R X
        v.extend_from_slice(&s.offset.to_le_bytes());
        v.extend_from_slice(&s.paddr.to_le_bytes()); // p_vaddr
        v.extend_from_slice(&s.paddr.to_le_bytes());
        v.extend_from_slice(&s.filesz.unwrap_or(code.len() as u64).to_le_bytes());
        v.extend_from_slice(&s.memsz.unwrap_or(code.len() as u64).to_le_bytes());
        v.extend_from_slice(&4096u64.to_le_bytes());
    }
    v.extend_from_slice(&code);
    v
}

fn load(bytes: &[u8]) -> Result<Machine, LoadError> {
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.load_elf(bytes).map(|_| m)
}

fn err(bytes: &[u8]) -> LoadError {
    match load(bytes) {
        Ok(_) => panic!("loaded an invalid ELF"),
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty() && !msg.contains('\n'), "one-line message: {msg:?}");
            e
        }
    }
}

#[test]
fn the_hand_made_elf_runs() {
    let mut m = load(&elf(&ElfSpec::default())).expect("valid ELF loads");
    assert_eq!(m.run(Some(1000), &mut rvsim::hart::NoTrace), Outcome::Exit(0));
}

#[test]
fn not_an_elf() {
    assert!(matches!(err(b""), LoadError::NotElf(_)));
    assert!(matches!(err(b"#!/bin/sh\necho hello\n"), LoadError::NotElf(_)));
    assert!(matches!(err(&[0x7f, b'E', b'L', b'F']), LoadError::NotElf(_)));
}

#[test]
fn truncated_headers_and_segments() {
    let good = elf(&ElfSpec::default());
    // Cut inside the ELF header, inside the program header, and inside the segment data.
    assert!(matches!(err(&good[..40]), LoadError::NotElf(_)));
    assert!(matches!(err(&good[..100]), LoadError::NotElf(_)));
    assert!(matches!(err(&good[..good.len() - 4]), LoadError::Truncated { index: 0 }));
    // Offsets and sizes that point past the end or overflow.
    let e = err(&elf(&ElfSpec { offset: u64::MAX - 4, ..Default::default() }));
    assert!(matches!(e, LoadError::Truncated { .. }), "{e}");
    let e = err(&elf(&ElfSpec { filesz: Some(1 << 20), memsz: Some(1 << 20), ..Default::default() }));
    assert!(matches!(e, LoadError::Truncated { .. }), "{e}");
}

#[test]
fn wrong_class_endianness_or_machine() {
    assert!(matches!(err(&elf(&ElfSpec { class: 1, ..Default::default() })), LoadError::Not64Bit));
    assert!(matches!(err(&elf(&ElfSpec { data: 2, ..Default::default() })), LoadError::BigEndian));
    assert!(matches!(err(&elf(&ElfSpec { machine: 62, ..Default::default() })), LoadError::NotRiscv(62)));
}

#[test]
fn the_hosts_own_binaries_are_refused() {
    for path in ["/bin/true", "/bin/sh", "/usr/bin/env"] {
        if let Ok(bytes) = std::fs::read(path) {
            let e = err(&bytes);
            assert!(matches!(e, LoadError::NotRiscv(_) | LoadError::NotElf(_)), "{path}: {e}");
            return;
        }
    }
    eprintln!("note: no host binary found to try");
}

#[test]
fn segments_outside_ram() {
    for (paddr, memsz) in [
        (0x1000, None),                // boot ROM
        (0x1000_0000, None),           // UART
        (RAM - 8, None),               // straddles the start of RAM
        (RAM + (128 << 20) - 8, None), // straddles the end of RAM
        (RAM, Some(129 << 20)),        // bss larger than RAM
        (u64::MAX - 8, None),          // wraps around
        (RAM, Some(u64::MAX)),         // size overflows
    ] {
        let e = err(&elf(&ElfSpec { paddr, memsz, ..Default::default() }));
        assert!(matches!(e, LoadError::OutsideRam { .. }), "{paddr:#x}: {e}");
    }
}

/// Thousands of corrupted variants of a valid ELF: each loads or is refused, none panics.
#[test]
fn corrupted_elves_never_panic() {
    let good = elf(&ElfSpec::default());
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..5000 {
        let mut b = good.clone();
        for _ in 0..1 + next() % 4 {
            let i = (next() % b.len() as u64) as usize;
            b[i] = next() as u8;
        }
        if next() % 8 == 0 {
            b.truncate((next() % b.len() as u64) as usize);
        }
        match load(&b) {
            Ok(_) => ok += 1,
            Err(_) => refused += 1,
        }
    }
    println!("{ok} corrupted ELFs loaded, {refused} refused");
    assert!(refused > 0 && ok > 0);
}
