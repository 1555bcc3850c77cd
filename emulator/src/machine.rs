//! The machine: harts, bus and devices, the boot sequence, and the scheduler that
//! interleaves harts deterministically.
//!
//! Time: every hart counts cycles (one per retired instruction, plus WFI idle cycles),
//! and `mtime` is a hart's cycle count plus an offset. Harts run in turns of
//! [`MachineConfig::quantum`] cycles, so all harts' clocks agree at the end of each turn
//! and a run is reproducible bit for bit.

use crate::bus::{Bus, RAM_BASE};
use crate::devices::{DeviceConfig, Devices, ExitRequest, ROM_BASE};
use crate::hart::{Core, Hart, StopReason, Tracer};
use crate::loader::{self, ElfInfo, LoadError};
use crate::mmu::MmuConfig;

/// Everything needed to build a machine.
#[derive(Clone, Debug)]
pub struct MachineConfig {
    pub ram_size: u64,
    pub harts: usize,
    pub mmu: MmuConfig,
    /// Cycles each hart runs before the next one gets a turn.
    pub quantum: u64,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig { ram_size: 128 << 20, harts: 1, mmu: MmuConfig::default(), quantum: 10_000 }
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The guest exited with this status (finisher or HTIF).
    Exit(i32),
    /// The guest requested a reset.
    Reset,
    /// The instruction limit was reached.
    InstructionLimit,
}

pub struct Machine {
    pub cores: Vec<Core>,
    pub bus: Bus,
    pub config: MachineConfig,
    /// The loaded program (entry, symbols).
    pub elf: ElfInfo,
}

impl Machine {
    pub fn new(config: MachineConfig) -> Machine {
        let harts = config.harts.clamp(1, 8);
        let dev = Devices::new(&DeviceConfig { harts });
        let bus = Bus::new(config.ram_size, dev, harts);
        let cores = (0..harts).map(|i| Core::new(Hart::new(i as u64, config.mmu))).collect();
        Machine { cores, bus, config, elf: ElfInfo::default() }
    }

    /// Loads a program and points the reset vector at its entry (`-bios none` boot: the
    /// ELF runs in M-mode with a0 = hartid, a1 = DTB address).
    pub fn load_elf(&mut self, bytes: &[u8]) -> Result<(), LoadError> {
        self.elf = loader::load(bytes, &mut self.bus)?;
        self.install_reset_vector(self.elf.entry, 0);
        Ok(())
    }

    /// Writes QEMU's reset vector into the boot ROM: a0 = mhartid, a1 = DTB address,
    /// a2 = address of the dynamic firmware info (unused, 0), then jump to `entry`.
    pub fn install_reset_vector(&mut self, entry: u64, dtb: u64) {
        let code: [u32; 6] = [
            0x0000_0297, // auipc t0, 0
            0x0000_0613, // li    a2, 0   (no fw_dynamic info)
            0xf140_2573, // csrr  a0, mhartid
            0x0202_b583, // ld    a1, 32(t0)
            0x0182_b283, // ld    t0, 24(t0)
            0x0002_8067, // jr    t0
        ];
        let mut rom: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        rom.extend_from_slice(&entry.to_le_bytes()); // 0x1018
        rom.extend_from_slice(&dtb.to_le_bytes()); // 0x1020
        self.bus.dev.rom = rom;
        for core in &mut self.cores {
            core.hart.reset(ROM_BASE);
        }
    }

    /// Total instructions retired by all harts.
    pub fn retired(&self) -> u64 {
        self.cores.iter().map(|c| c.hart.retired).sum()
    }

    /// Instructions retired plus traps taken by all harts (what `max_insns` limits).
    pub fn progress(&self) -> u64 {
        self.cores.iter().map(|c| c.hart.progress()).sum()
    }

    /// Runs until the guest exits or `max_insns` instructions (all harts) have retired
    /// or trapped (a trap counts, so a guest stuck in a trap loop still stops).
    pub fn run<T: Tracer>(&mut self, max_insns: Option<u64>, tracer: &mut T) -> Outcome {
        let quantum = self.config.quantum.max(1);
        let single = self.cores.len() == 1;
        loop {
            for core in self.cores.iter_mut() {
                let mut until = core.hart.cycles() + quantum;
                if let Some(max) = max_insns {
                    // With one hart, stop exactly at the limit.
                    if single {
                        let left = max.saturating_sub(core.hart.progress());
                        until = until.min(core.hart.cycles() + left);
                    }
                }
                if let StopReason::Exit(req) = core.run(&mut self.bus, until, tracer) {
                    return match req {
                        ExitRequest::Exit(code) => Outcome::Exit(code),
                        ExitRequest::Reset => Outcome::Reset,
                    };
                }
            }
            if max_insns.is_some_and(|max| self.progress() >= max) {
                return Outcome::InstructionLimit;
            }
        }
    }

    /// RAM bytes at physical `pa` (for tests and signature dumps).
    pub fn ram_slice(&self, pa: u64, len: usize) -> Option<&[u8]> {
        self.bus.ram.slice(pa.checked_sub(RAM_BASE)?, len)
    }
}
