//! Memory-mapped devices of the `virt`-compatible machine and the routing between them.

pub mod clint;
pub mod fdt;
pub mod finisher;
pub mod htif;
pub mod plic;
pub mod uart16550;
pub mod virtio;

use crate::bus::BusError;
use crate::ram::Ram;

pub use clint::Clint;
pub use finisher::Finisher;
pub use htif::Htif;
pub use plic::Plic;
pub use uart16550::Uart16550;
pub use virtio::VirtioMmio;

/// Why the guest asked the machine to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitRequest {
    /// Pass (0) or fail (non-zero) exit code from the finisher or HTIF.
    Exit(i32),
    /// The guest asked for a reset.
    Reset,
}

/// Where the boot ROM (reset vector) lives, as on QEMU's virt board.
pub const ROM_BASE: u64 = 0x1000;
/// Size of the boot ROM window.
pub const ROM_SIZE: u64 = 0xf000;

/// Configuration of the devices.
#[derive(Clone, Debug, Default)]
pub struct DeviceConfig {
    pub harts: usize,
}

/// All devices, routed by physical address range.
pub struct Devices {
    /// Boot ROM contents at [`ROM_BASE`] (the reset vector).
    pub rom: Vec<u8>,
    pub clint: Clint,
    pub uart: Uart16550,
    pub finisher: Finisher,
    pub plic: Plic,
    /// virtio-mmio slots 0..8 (empty slots answer DeviceID 0).
    pub virtio: Vec<VirtioMmio>,
    /// HTIF mailbox, when the program defines `tohost`.
    pub htif: Option<Htif>,
    /// Exit requested through HTIF.
    pub htif_exit: Option<ExitRequest>,
    /// Set when a device wrote RAM that may hold decoded code (DMA).
    code_dirty: bool,
}

impl Devices {
    /// All devices of a machine with `cfg.harts` harts; virtio slots start empty.
    pub fn new(cfg: &DeviceConfig) -> Devices {
        Devices {
            rom: Vec::new(),
            clint: Clint::new(cfg.harts.max(1)),
            uart: Uart16550::new(),
            finisher: Finisher::default(),
            plic: Plic::new(cfg.harts.max(1)),
            virtio: (0..virtio::SLOTS).map(|_| VirtioMmio::new(None)).collect(),
            htif: None,
            htif_exit: None,
            code_dirty: false,
        }
    }

    /// The stop request, if the guest made one.
    #[inline]
    pub fn exit_request(&self) -> Option<ExitRequest> {
        self.finisher.request.or(self.htif_exit)
    }

    /// Device interrupt lines into `hart`'s `mip` (MSIP, MTIP, MEIP, SEIP) at time `now`.
    #[inline]
    pub fn irq_lines(&self, hart: usize, now: u64) -> u64 {
        self.clint.irq_lines(hart, now) | self.plic.irq_lines(hart)
    }

    /// Passes the interrupt signals the UART and the virtio slots raised since the last
    /// call to the PLIC, each with its line's level (QEMU's `qemu_set_irq` calls; see
    /// `plic.rs` for why the PLIC samples lines only when a device signals).
    pub fn update_irqs(&mut self) {
        if self.uart.take_irq_signal() {
            self.plic.signal(uart16550::IRQ, self.uart.irq());
        }
        for (i, v) in self.virtio.iter_mut().enumerate() {
            if v.take_irq_signal() {
                self.plic.signal(virtio::IRQ_BASE + i, v.irq());
            }
        }
    }

    /// Work done between hart time slices: host input into the UART, virtio requests held
    /// back by the per-slice budget, HTIF commands.
    pub fn poll(&mut self, ram: &mut Ram) {
        self.uart.poll_input();
        for v in &mut self.virtio {
            self.code_dirty |= v.service(ram);
        }
        self.update_irqs();
        if let Some(h) = &mut self.htif {
            let ev = h.poll(ram, &mut self.code_dirty);
            self.uart.emit(&ev.output);
            if ev.exit.is_some() {
                self.htif_exit = ev.exit;
            }
        }
    }

    /// Makes data written to disk images durable (at exit).
    pub fn flush(&mut self) {
        self.virtio.iter_mut().for_each(VirtioMmio::flush);
    }

    /// Whether a device wrote into RAM since the last call (so decoded code may be stale).
    pub fn take_code_dirty(&mut self) -> bool {
        std::mem::take(&mut self.code_dirty)
    }

    /// Instruction fetch from a device region (only the boot ROM is executable).
    pub fn fetch16(&self, pa: u64) -> Option<u16> {
        let off = pa.checked_sub(ROM_BASE)? as usize;
        let b = self.rom.get(off..off.checked_add(2)?)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }

    /// A device read at physical `pa` (RAM is handled by the bus before this).
    pub fn read(&mut self, pa: u64, size: u8, _ram: &mut Ram, now: u64) -> Result<u64, BusError> {
        if (virtio::MMIO_BASE..virtio::MMIO_BASE + virtio::MMIO_STRIDE * virtio::SLOTS as u64).contains(&pa) {
            let slot = ((pa - virtio::MMIO_BASE) / virtio::MMIO_STRIDE) as usize;
            return self.virtio[slot].read((pa - virtio::MMIO_BASE) % virtio::MMIO_STRIDE, size);
        }
        match pa {
            ROM_BASE..=0xffff => {
                let off = (pa - ROM_BASE) as usize;
                let mut v = 0u64;
                for k in 0..size as usize {
                    v |= (self.rom.get(off + k).copied().unwrap_or(0) as u64) << (8 * k);
                }
                Ok(v)
            }
            finisher::BASE..=finisher::END => self.finisher.read(pa - finisher::BASE, size),
            clint::BASE..=clint::END => self.clint.read(pa - clint::BASE, size, now),
            uart16550::BASE..=uart16550::END => {
                let v = self.uart.read(pa - uart16550::BASE, size);
                self.update_irqs();
                v
            }
            plic::BASE..=plic::END => self.plic.read(pa - plic::BASE, size),
            _ => Err(BusError::Unmapped),
        }
    }

    /// A device write at physical `pa`; `ram` is there for device DMA (virtio).
    pub fn write(&mut self, pa: u64, size: u8, v: u64, ram: &mut Ram, now: u64) -> Result<(), BusError> {
        if (virtio::MMIO_BASE..virtio::MMIO_BASE + virtio::MMIO_STRIDE * virtio::SLOTS as u64).contains(&pa) {
            let slot = ((pa - virtio::MMIO_BASE) / virtio::MMIO_STRIDE) as usize;
            let code = self.virtio[slot].write((pa - virtio::MMIO_BASE) % virtio::MMIO_STRIDE, size, v, ram)?;
            self.code_dirty |= code;
            self.update_irqs();
            return Ok(());
        }
        match pa {
            finisher::BASE..=finisher::END => self.finisher.write(pa - finisher::BASE, size, v),
            clint::BASE..=clint::END => self.clint.write(pa - clint::BASE, size, v, now),
            uart16550::BASE..=uart16550::END => {
                self.uart.write(pa - uart16550::BASE, size, v)?;
                self.update_irqs();
                Ok(())
            }
            plic::BASE..=plic::END => self.plic.write(pa - plic::BASE, size, v),
            _ => Err(BusError::Unmapped),
        }
    }
}
