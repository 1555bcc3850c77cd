//! The machine: harts, bus and devices, the boot sequence, and the scheduler that
//! interleaves harts deterministically.
//!
//! Time: every hart counts cycles (one per retired instruction, plus WFI idle cycles),
//! and `mtime` is a hart's cycle count plus an offset. Harts run in turns of
//! [`MachineConfig::quantum`] cycles, so all harts' clocks agree at the end of each turn
//! and a run is reproducible bit for bit.

use crate::bus::{Bus, RAM_BASE};
use crate::devices::virtio::blk::{Blk, DriveError};
use crate::devices::virtio::{self, VirtioMmio};
use crate::devices::{fdt, DeviceConfig, Devices, ExitRequest, Htif, ROM_BASE};
use crate::hart::{Core, Hart, StopReason, Tracer};
use crate::loader::{self, ElfInfo, LoadError};
use crate::mmu::MmuConfig;
use std::sync::atomic::{AtomicBool, Ordering};

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
    /// The host asked the run to stop ([`Machine::stop`] was set, e.g. by SIGINT/SIGTERM).
    Stopped,
}

/// Where the scheduler stands between calls of [`Machine::run_round`]: whose turn it is
/// and the cycle count at which that turn ends (`None` before it started).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Turn {
    pub core: usize,
    pub until: Option<u64>,
}

/// Why [`Machine::run_round`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pause {
    /// The round is over; the run goes on with the next call.
    Round,
    /// The tracer stopped this hart (by index) inside its turn.
    Stopped(usize),
    /// The run is over.
    Done(Outcome),
}

/// A whole machine: harts, bus (RAM and devices), the loaded program and its DTB.
pub struct Machine {
    pub cores: Vec<Core>,
    pub bus: Bus,
    pub config: MachineConfig,
    /// The loaded program (entry, symbols).
    pub elf: ElfInfo,
    /// Device-tree options; set before loading (the DTB is built at load time).
    pub boot: BootOptions,
    /// Where the DTB was placed (0 before loading).
    pub dtb_addr: u64,
    /// The DTB handed to the guest.
    pub dtb: Vec<u8>,
    /// Where the initrd was placed: start and end (exclusive); `None` without one.
    pub initrd: Option<(u64, u64)>,
    /// When set (by a host signal handler), the run ends between time slices with
    /// [`Outcome::Stopped`], so the caller can still report statistics.
    pub stop: Option<&'static AtomicBool>,
}

/// What the generated device tree says beyond the hardware.
#[derive(Clone, Debug)]
pub struct BootOptions {
    /// Kernel command line (`/chosen/bootargs`, from `--append`).
    pub bootargs: Option<String>,
    /// `mmu-type` of the cpus.
    pub mmu_type: String,
    /// `riscv,isa` of the cpus.
    pub isa: String,
    /// An initial RAM disk (`--initrd`), placed after the kernel as QEMU does
    /// ([`initrd_start`]) and named in `/chosen`. Needs a kernel.
    pub initrd: Option<Vec<u8>>,
    /// A device tree blob to hand over instead of the generated one (`--dtb`); `bootargs`
    /// and the initrd are still written into its `/chosen`, as QEMU does with `-dtb`.
    pub dtb: Option<Vec<u8>>,
}

impl Default for BootOptions {
    fn default() -> Self {
        BootOptions {
            bootargs: None,
            mmu_type: "riscv,sv39".into(),
            isa: crate::isa::extensions::isa_string(),
            initrd: None,
            dtb: None,
        }
    }
}

/// Where QEMU 7.2 puts the initrd (hw/riscv/boot.c `riscv_load_initrd`): half-way into
/// RAM for less than 256 MiB, else 128 MiB, counted from the kernel's entry (a raw
/// image's load address), so that the kernel can grow (bss, decompression) below it.
/// (QEMU 8.0 and later count from the kernel's lowest address and use 512 MiB / 1 GiB.)
pub fn initrd_start(kernel_entry: u64, ram_size: u64) -> Option<u64> {
    kernel_entry.checked_add((ram_size / 2).min(128 << 20))
}

/// The memory a raw kernel image occupies: its file length, or the `image_size` of a
/// RISC-V Linux image header if larger (Linux Documentation/arch/riscv/boot-image-header.rst:
/// `image_size` at offset 16, magic "RSC\x05" at offset 56), which includes the bss.
pub fn raw_image_extent(bytes: &[u8]) -> u64 {
    let len = bytes.len() as u64;
    if bytes.get(56..60) != Some(&b"RSC\x05"[..]) {
        return len;
    }
    let size = bytes.get(16..24).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes).unwrap_or(0);
    len.max(size)
}

/// The kernel's place in RAM, for putting the initrd after it.
#[derive(Clone, Copy, Debug)]
struct KernelExtent {
    entry: u64,
    low: u64,
    high: u64,
}

/// Where QEMU's virt board loads the kernel when a firmware runs first.
pub const KERNEL_BASE: u64 = 0x8020_0000;

/// Why a firmware/kernel boot could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("raw image of {len:#x} bytes at {addr:#x} does not fit in RAM")]
    RawTooBig { addr: u64, len: usize },
    #[error("cannot build the device tree: {0}")]
    Fdt(String),
    #[error("--dtb: {0}")]
    Dtb(#[from] fdt::edit::DtbError),
    #[error("an initrd needs a kernel to boot")]
    InitrdWithoutKernel,
    #[error("initrd of {len:#x} bytes at {start:#x} does not fit in RAM (which ends at {ram_end:#x})")]
    InitrdTooBig { start: u64, len: u64, ram_end: u64 },
    #[error("initrd at {start:#x}..{end:#x} overlaps the kernel at {low:#x}..{high:#x} (give more RAM)")]
    InitrdOverlapsKernel { start: u64, end: u64, low: u64, high: u64 },
    #[error("initrd at {start:#x}..{end:#x} overlaps the device tree at {dtb:#x} (give more RAM)")]
    InitrdOverlapsDtb { start: u64, end: u64, dtb: u64 },
}

impl Machine {
    /// Builds the machine (harts clamped to 1..=8); load a program before running it.
    pub fn new(config: MachineConfig) -> Machine {
        let harts = config.harts.clamp(1, 8);
        let dev = Devices::new(&DeviceConfig { harts });
        let bus = Bus::new(config.ram_size, dev, harts);
        let cores = (0..harts).map(|i| Core::new(Hart::new(i as u64, config.mmu))).collect();
        Machine {
            cores,
            bus,
            config,
            elf: ElfInfo::default(),
            boot: BootOptions::default(),
            dtb_addr: 0,
            dtb: Vec::new(),
            initrd: None,
            stop: None,
        }
    }

    /// Loads a program and points the reset vector at its entry (`-bios none` boot: the
    /// ELF runs in M-mode with a0 = hartid, a1 = DTB address). A program defining
    /// `tohost` gets an HTIF mailbox.
    ///
    /// The generated device tree is used and [`BootOptions::initrd`] is ignored; a
    /// kernel that takes an initrd or a given DTB boots with [`Machine::load_kernel`].
    pub fn load_elf(&mut self, bytes: &[u8]) -> Result<(), LoadError> {
        self.load_program(bytes)?;
        let dtb = self.place_dtb(None, false).unwrap_or(0);
        self.install_reset_vector(self.elf.entry, dtb);
        Ok(())
    }

    /// `-bios none -kernel ELF`: as [`Machine::load_elf`], with the initrd and the given
    /// device tree of [`Machine::boot`] (QEMU places the initrd the same way without a
    /// firmware).
    pub fn load_kernel(&mut self, bytes: &[u8]) -> Result<(), BootError> {
        self.load_program(bytes)?;
        let k = KernelExtent { entry: self.elf.entry, low: self.elf.lowest, high: self.elf.highest };
        let dtb = self.place_dtb(Some(k), true)?;
        self.install_reset_vector(self.elf.entry, dtb);
        Ok(())
    }

    /// Loads an ELF program, keeping its symbols; one defining `tohost` gets an HTIF mailbox.
    fn load_program(&mut self, bytes: &[u8]) -> Result<(), LoadError> {
        self.elf = loader::load(bytes, &mut self.bus)?;
        if let Some(tohost) = self.elf.symbol("tohost") {
            self.bus.dev.htif = Some(Htif { tohost, fromhost: self.elf.symbol("fromhost") });
        }
        Ok(())
    }

    /// Firmware boot as QEMU's `-bios FIRMWARE -kernel KERNEL`: the firmware (ELF, or raw
    /// binary at 0x8000_0000) runs in M-mode from the reset vector with a1 = DTB; the
    /// kernel (ELF at its own addresses, or a raw image at [`KERNEL_BASE`]) waits in RAM
    /// for the firmware to jump to it (OpenSBI fw_jump: 0x8020_0000, in S-mode). The
    /// initrd and given device tree of [`Machine::boot`] are placed as QEMU does.
    pub fn load_firmware(&mut self, firmware: &[u8], kernel: Option<&[u8]>) -> Result<(), BootError> {
        let (entry, _) = self.load_image(firmware, RAM_BASE)?;
        let k = match kernel {
            Some(k) => Some(self.load_image(k, KERNEL_BASE)?.1),
            None => None,
        };
        let dtb = self.place_dtb(k, true)?;
        self.install_reset_vector(entry, dtb);
        Ok(())
    }

    /// Loads an ELF (keeping its symbols if it is the first image) or copies a raw image
    /// to `raw_addr`. Returns the entry point and where the image lies.
    fn load_image(&mut self, bytes: &[u8], raw_addr: u64) -> Result<(u64, KernelExtent), BootError> {
        if bytes.starts_with(b"\x7fELF") {
            let info = loader::load(bytes, &mut self.bus)?;
            let k = KernelExtent { entry: info.entry, low: info.lowest, high: info.highest };
            if self.elf.symbols.is_empty() {
                self.elf = info;
            }
            return Ok((k.entry, k));
        }
        let off = raw_addr - RAM_BASE;
        self.bus.ram.write_bytes(off, bytes).ok_or(BootError::RawTooBig { addr: raw_addr, len: bytes.len() })?;
        self.bus.invalidate_code();
        let k = KernelExtent { entry: raw_addr, low: raw_addr, high: raw_addr.saturating_add(raw_image_extent(bytes)) };
        Ok((raw_addr, k))
    }

    /// Places the initrd after `kernel` (with `boot_files`: [`BootOptions::initrd`]),
    /// builds the device tree (or patches the given one) and writes it to the end of RAM;
    /// returns its address.
    fn place_dtb(&mut self, kernel: Option<KernelExtent>, boot_files: bool) -> Result<u64, BootError> {
        let ram_end = RAM_BASE + self.bus.ram.size();
        let initrd = match self.boot.initrd.as_ref().filter(|_| boot_files) {
            None => None,
            Some(bytes) => {
                let k = kernel.ok_or(BootError::InitrdWithoutKernel)?;
                let len = bytes.len() as u64;
                let too_big = BootError::InitrdTooBig { start: 0, len, ram_end };
                let start = initrd_start(k.entry, self.bus.ram.size()).ok_or(too_big)?;
                let end = start.checked_add(len).filter(|&e| e <= ram_end && start >= RAM_BASE);
                let end = end.ok_or(BootError::InitrdTooBig { start, len, ram_end })?;
                if start < k.high && k.low < end {
                    return Err(BootError::InitrdOverlapsKernel { start, end, low: k.low, high: k.high });
                }
                Some((start, end))
            }
        };
        let blob = match self.boot.dtb.as_ref().filter(|_| boot_files) {
            Some(given) => {
                let mut tree = fdt::edit::parse(given)?;
                let chosen = tree.chosen_mut();
                if let Some(args) = &self.boot.bootargs {
                    chosen.set("bootargs", [args.as_bytes(), &[0]].concat());
                }
                if let Some((start, end)) = initrd {
                    chosen.set("linux,initrd-start", start.to_be_bytes().to_vec());
                    chosen.set("linux,initrd-end", end.to_be_bytes().to_vec());
                }
                tree.to_blob()?
            }
            None => {
                let cfg = fdt::FdtConfig {
                    ram_size: self.bus.ram.size(),
                    harts: self.cores.len(),
                    isa: self.boot.isa.clone(),
                    mmu_type: self.boot.mmu_type.clone(),
                    bootargs: self.boot.bootargs.clone(),
                    initrd,
                    slots: virtio::SLOTS,
                };
                fdt::build(&cfg).map_err(|e| BootError::Fdt(e.to_string()))?
            }
        };
        let addr = fdt::placement(self.bus.ram.size(), blob.len()).ok_or(BootError::Fdt("RAM too small".into()))?;
        if let Some((start, end)) = initrd {
            if end > addr {
                return Err(BootError::InitrdOverlapsDtb { start, end, dtb: addr });
            }
            if let Some(bytes) = &self.boot.initrd {
                self.bus.ram.write_bytes(start - RAM_BASE, bytes);
            }
        }
        self.bus.ram.write_bytes(addr - RAM_BASE, &blob);
        self.dtb = blob;
        self.dtb_addr = addr;
        self.initrd = initrd;
        Ok(addr)
    }

    /// Attaches a disk image to the first free virtio-mmio slot (at 0x1000_1000 + N *
    /// 0x1000, PLIC source 1 + N). Returns the slot.
    pub fn attach_drive(&mut self, path: &std::path::Path, readonly: bool) -> Result<usize, DriveError> {
        self.attach_drive_with_faults(path, readonly, Default::default())
    }

    /// Like [`Machine::attach_drive`], failing the requests `faults` chooses with
    /// VIRTIO_BLK_S_IOERR (`--drive FILE,errors=...`, docs/platform.md).
    pub fn attach_drive_with_faults(
        &mut self,
        path: &std::path::Path,
        readonly: bool,
        faults: crate::devices::virtio::faults::FaultPlan,
    ) -> Result<usize, DriveError> {
        let mut blk = Blk::open(path, readonly)?;
        blk.set_faults(faults);
        let Some(slot) = self.bus.dev.virtio.iter().position(|v| !v.present()) else {
            return Err(DriveError::Open {
                path: path.display().to_string(),
                err: std::io::Error::other("all 8 virtio slots are in use"),
            });
        };
        self.bus.dev.virtio[slot] = VirtioMmio::new(Some(Box::new(blk)));
        Ok(slot)
    }

    /// The memory between symbols `begin_signature` and `end_signature` as hex words, 4
    /// bytes per line (Spike's `+signature=` format, for riscv-arch-test).
    pub fn signature(&self) -> Option<String> {
        let (b, e) = (self.elf.symbol("begin_signature")?, self.elf.symbol("end_signature")?);
        let bytes = self.ram_slice(b, e.checked_sub(b)? as usize)?;
        let mut out = String::new();
        for w in bytes.chunks(4) {
            let mut word = [0u8; 4];
            word[..w.len()].copy_from_slice(w);
            out.push_str(&format!("{:08x}\n", u32::from_le_bytes(word)));
        }
        Some(out)
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

    /// Total cycles of all harts: instructions retired, traps taken and cycles idle in WFI
    /// (what `max_insns` limits).
    pub fn cycles(&self) -> u64 {
        self.cores.iter().map(|c| c.hart.cycles()).sum()
    }

    /// Runs until the guest exits or all harts together have spent `max_insns` cycles
    /// (instructions retired, traps taken, cycles idle in WFI): a guest stuck in a trap
    /// loop, or waiting forever for an interrupt that never comes, still stops.
    pub fn run<T: Tracer>(&mut self, max_insns: Option<u64>, tracer: &mut T) -> Outcome {
        let mut turn = Turn::default();
        loop {
            if let Pause::Done(o) = self.run_round(&mut turn, max_insns, tracer) {
                return o;
            }
        }
    }

    /// Runs the rest of one round from `turn` (each hart its turn of
    /// [`MachineConfig::quantum`] cycles, then the work between rounds: host input,
    /// device polling, the instruction limit). Returns [`Pause::Round`] after it, so a
    /// caller can look at the world between rounds; [`Pause::Stopped`] when the tracer
    /// stopped a hart (`turn` remembers where to go on, so stopping changes nothing the
    /// guest sees); [`Pause::Done`] when the run is over.
    pub fn run_round<T: Tracer>(&mut self, turn: &mut Turn, max_insns: Option<u64>, tracer: &mut T) -> Pause {
        let quantum = self.config.quantum.max(1);
        let single = self.cores.len() == 1;
        while turn.core < self.cores.len() {
            let core = &mut self.cores[turn.core];
            let until = *turn.until.get_or_insert_with(|| {
                let mut until = core.hart.cycles() + quantum;
                if let Some(max) = max_insns {
                    // With one hart, stop exactly at the limit.
                    if single {
                        let left = max.saturating_sub(core.hart.cycles());
                        until = until.min(core.hart.cycles() + left);
                    }
                }
                until
            });
            match core.run(&mut self.bus, until, tracer) {
                StopReason::Exit(req) => {
                    self.bus.dev.flush();
                    return Pause::Done(match req {
                        ExitRequest::Exit(code) => Outcome::Exit(code),
                        ExitRequest::Reset => Outcome::Reset,
                    });
                }
                StopReason::Debug => return Pause::Stopped(turn.core),
                StopReason::Budget => {}
            }
            turn.core += 1;
            turn.until = None;
        }
        *turn = Turn::default();
        let quantum = self.config.quantum.max(1);
        // Between time slices: host input, HTIF mailbox. When every hart idles in WFI
        // and a person may type, let time pass at most at real-time speed (at the
        // 10 MHz timebase) instead of spinning a host core.
        if self.bus.dev.uart.has_host_input() && self.cores.iter().all(|c| c.hart.waiting) {
            let wait = std::time::Duration::from_nanos(quantum.saturating_mul(1_000_000_000 / fdt::TIMEBASE_HZ as u64));
            if self.bus.dev.uart.wait_input(wait) {
                self.bus.dev.update_irqs();
            }
        }
        self.bus.dev.poll(&mut self.bus.ram);
        if self.bus.dev.take_code_dirty() {
            self.bus.invalidate_code();
        }
        // The limit counts cycles (retired instructions, traps, WFI idle cycles), so a
        // guest waiting forever for an interrupt that never comes also stops.
        if max_insns.is_some_and(|max| self.cycles() >= max) {
            self.bus.dev.flush();
            return Pause::Done(Outcome::InstructionLimit);
        }
        if self.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            self.bus.dev.flush();
            return Pause::Done(Outcome::Stopped);
        }
        Pause::Round
    }

    /// RAM bytes at physical `pa` (for tests and signature dumps).
    pub fn ram_slice(&self, pa: u64, len: usize) -> Option<&[u8]> {
        self.bus.ram.slice(pa.checked_sub(RAM_BASE)?, len)
    }
}
