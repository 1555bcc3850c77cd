//! Memory-mapped devices of the `virt`-compatible machine and the routing between them.

pub mod clint;
pub mod finisher;
pub mod uart16550;

use crate::bus::BusError;
use crate::ram::Ram;

pub use clint::Clint;
pub use finisher::Finisher;
pub use uart16550::Uart16550;

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
    /// Set when a device wrote RAM that may hold decoded code (DMA).
    code_dirty: bool,
}

impl Devices {
    pub fn new(cfg: &DeviceConfig) -> Devices {
        Devices {
            rom: Vec::new(),
            clint: Clint::new(cfg.harts.max(1)),
            uart: Uart16550::new(),
            finisher: Finisher::default(),
            code_dirty: false,
        }
    }

    /// The stop request, if the guest made one.
    pub fn exit_request(&self) -> Option<ExitRequest> {
        self.finisher.request
    }

    /// Device interrupt lines into `hart`'s `mip` (MSIP, MTIP, MEIP, SEIP) at time `now`.
    #[inline]
    pub fn irq_lines(&self, hart: usize, now: u64) -> u64 {
        self.clint.irq_lines(hart, now)
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

    pub fn read(&mut self, pa: u64, size: u8, _ram: &mut Ram, now: u64) -> Result<u64, BusError> {
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
            uart16550::BASE..=uart16550::END => self.uart.read(pa - uart16550::BASE, size),
            _ => Err(BusError::Unmapped),
        }
    }

    pub fn write(&mut self, pa: u64, size: u8, v: u64, _ram: &mut Ram, now: u64) -> Result<(), BusError> {
        match pa {
            finisher::BASE..=finisher::END => self.finisher.write(pa - finisher::BASE, size, v),
            clint::BASE..=clint::END => self.clint.write(pa - clint::BASE, size, v, now),
            uart16550::BASE..=uart16550::END => self.uart.write(pa - uart16550::BASE, size, v),
            _ => Err(BusError::Unmapped),
        }
    }
}
