//! Fuzz entry points over every input rvsim takes from a guest or a user: ELF files
//! ([`elf`]), boot files ([`boot`]: `--dtb`, `--initrd`, `--append`, raw images),
//! instruction streams in every privilege mode with paging ([`exec`]), virtio descriptor
//! chains ([`virtio`]) and gdb packets ([`gdb`]).
//!
//! Each `run` takes any bytes and returns; a panic, an abort, a hang or a runaway
//! allocation is a bug in rvsim (or an invariant the target checks). The AFL harnesses in
//! `fuzz/afl` call these, and `tests/tests/fuzz_regress.rs` replays the saved inputs of
//! `fuzz/corpus` through them in `make test` (docs/fuzzing.md).

pub mod boot;
pub mod elf;
pub mod elf_image;
pub mod exec;
pub mod gdb;
pub mod input;
pub mod seeds;
pub mod virtio;

/// A fuzz target: its name (the directory of its corpus) and entry point.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: [Target; 5] = [
    Target { name: "elf", run: elf::run },
    Target { name: "boot", run: boot::run },
    Target { name: "exec", run: exec::run },
    Target { name: "virtio", run: virtio::run },
    Target { name: "gdb", run: gdb::run },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}
