//! Physical address routing.
//!
//! The machine follows QEMU's `virt` board:
//!
//! ```text
//!   0x0000_1000 +------------------+
//!               | boot ROM         |  reset vector: a0 = hartid, a1 = DTB, jump to RAM
//!   0x0010_0000 +------------------+
//!               | test finisher    |  0x5555 pass, (code << 16) | 0x3333 fail, 0x7777 reset
//!   0x0200_0000 +------------------+
//!               | CLINT            |  msip, mtimecmp, mtime
//!   0x0c00_0000 +------------------+
//!               | PLIC             |  UART = source 10, virtio slot N = source 1 + N
//!   0x1000_0000 +------------------+
//!               | UART 16550       |
//!   0x1000_1000 +------------------+
//!               | virtio-mmio 0..7 |  0x1000 each
//!   0x8000_0000 +------------------+
//!               | RAM (-m)         |
//!               +------------------+
//! ```
//!
//! RAM is reached directly by the hart's load/store path; everything else goes through
//! [`Devices`]. An address nothing claims is an access fault, never a host error.

use crate::devices::Devices;
use crate::ram::Ram;

pub const RAM_BASE: u64 = 0x8000_0000;

/// Why a physical access failed; the hart turns it into an access-fault exception
/// of the right kind (Privileged 3.6, "Physical Memory Attributes").
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BusError {
    /// No device or memory claims the address.
    #[error("no device or memory at this physical address")]
    Unmapped,
    /// A device claims the address but not this access size or alignment.
    #[error("access size or alignment not supported by the device")]
    Unsupported,
}

/// The physical address space of one machine.
pub struct Bus {
    pub ram: Ram,
    pub dev: Devices,
    /// Bumped whenever RAM holding decoded code is written; harts flush their decoded
    /// instruction caches when it changes.
    pub code_gen: u64,
    /// Per-hart LR reservation (the reserved address), for invalidation by other harts' stores.
    pub reservations: Vec<Option<u64>>,
}

impl Bus {
    pub fn new(ram_size: u64, dev: Devices, harts: usize) -> Bus {
        Bus { ram: Ram::new(ram_size), dev, code_gen: 0, reservations: vec![None; harts] }
    }

    /// Called when a write hit decoded code: every hart must drop its decoded blocks.
    #[cold]
    pub fn invalidate_code(&mut self) {
        self.code_gen += 1;
        self.ram.clear_code();
    }

    /// Reads `size` bytes (1, 2, 4 or 8) at physical address `pa`. `now` is the reading
    /// hart's view of `mtime`.
    pub fn read(&mut self, pa: u64, size: u8, now: u64) -> Result<u64, BusError> {
        let off = pa.wrapping_sub(RAM_BASE);
        let v = match size {
            1 => self.ram.read::<1>(off),
            2 => self.ram.read::<2>(off),
            4 => self.ram.read::<4>(off),
            _ => self.ram.read::<8>(off),
        };
        match v {
            Some(v) => Ok(v),
            None => self.dev.read(pa, size, &mut self.ram, now),
        }
    }

    /// Writes the low `size` bytes of `v` at physical address `pa`. Returns true when the
    /// write may have changed machine state beyond RAM (a device register or decoded code),
    /// so the hart should end its current block.
    pub fn write(&mut self, pa: u64, size: u8, v: u64, now: u64) -> Result<bool, BusError> {
        let off = pa.wrapping_sub(RAM_BASE);
        let hit = match size {
            1 => self.ram.write::<1>(off, v),
            2 => self.ram.write::<2>(off, v),
            4 => self.ram.write::<4>(off, v),
            _ => self.ram.write::<8>(off, v),
        };
        match hit {
            Some(code) => {
                if code {
                    self.invalidate_code();
                }
                Ok(code)
            }
            None => {
                self.dev.write(pa, size, v, &mut self.ram, now)?;
                if self.dev.take_code_dirty() {
                    self.invalidate_code();
                }
                Ok(true)
            }
        }
    }

    /// Drops every reservation other than `hart`'s that covers the 8-byte granule of `pa`
    /// (A extension, Unprivileged 8.2: a store by another hart to the reservation set
    /// makes the SC fail).
    #[inline]
    pub fn store_clears_reservations(&mut self, hart: usize, pa: u64) {
        if self.reservations.len() > 1 {
            for (i, r) in self.reservations.iter_mut().enumerate() {
                if i != hart && r.is_some_and(|a| a >> 3 == pa >> 3) {
                    *r = None;
                }
            }
        }
    }
}
