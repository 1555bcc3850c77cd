//! Target `elf`: any bytes as a `-bios none` program (`rvsim run FILE`): parsed and
//! checked by the loader, segments copied to RAM, symbols kept, DTB placed.

use rvsim::machine::{Machine, MachineConfig};

/// RAM of the machines this target loads into: small, so that "outside RAM" is easy to
/// reach and a fresh machine per input is cheap.
pub const RAM_SIZE: u64 = 4 << 20;

/// Loads `data` as an ELF; a bad file must be a [`rvsim::loader::LoadError`], never a panic.
pub fn run(data: &[u8]) {
    let mut m = Machine::new(MachineConfig { ram_size: RAM_SIZE, ..Default::default() });
    if m.load_elf(data).is_ok() {
        let info = &m.elf;
        // What was loaded lies in RAM, and the entry is what the reset vector jumps to.
        assert!(info.lowest >= rvsim::bus::RAM_BASE && info.highest <= rvsim::bus::RAM_BASE + RAM_SIZE);
        let _ = info.symbolize(info.entry);
        let _ = m.signature();
    }
}
