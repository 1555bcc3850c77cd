//! Core-local interruptor (SiFive CLINT layout, as in QEMU's virt board): `msip` per hart
//! at 0x0, `mtimecmp` per hart at 0x4000, `mtime` at 0xbff8.

use crate::bus::BusError;
use crate::hart::trap::irq;

/// CLINT window on QEMU's virt board.
pub const BASE: u64 = abi::mmio::CLINT;
/// Last byte of the CLINT window.
pub const END: u64 = BASE + 0xffff;

const MSIP: u64 = 0x0;
const MTIMECMP: u64 = 0x4000;
const MTIME: u64 = 0xbff8;

/// Per-hart software interrupt and timer compare registers, and the shared `mtime`.
pub struct Clint {
    msip: Vec<bool>,
    mtimecmp: Vec<u64>,
    /// `mtime` = the reading hart's cycle count + this offset (writes to mtime move it).
    pub mtime_offset: u64,
}

impl Clint {
    /// A CLINT for `harts` harts: no software interrupts, timers disarmed (`u64::MAX`).
    pub fn new(harts: usize) -> Clint {
        Clint { msip: vec![false; harts], mtimecmp: vec![u64::MAX; harts], mtime_offset: 0 }
    }

    #[inline]
    pub fn mtime(&self, now: u64) -> u64 {
        now.wrapping_add(self.mtime_offset)
    }

    /// `mtimecmp` of `hart` (`u64::MAX` for a hart that does not exist).
    pub fn mtimecmp(&self, hart: usize) -> u64 {
        self.mtimecmp.get(hart).copied().unwrap_or(u64::MAX)
    }

    #[inline]
    pub fn irq_lines(&self, hart: usize, now: u64) -> u64 {
        let mut lines = 0;
        if self.msip.get(hart).copied().unwrap_or(false) {
            lines |= irq::MSIP;
        }
        if self.mtime(now) >= self.mtimecmp(hart) {
            lines |= irq::MTIP;
        }
        lines
    }

    /// Register read at offset `off`; `now` is the reading hart's cycle count.
    pub fn read(&mut self, off: u64, size: u8, now: u64) -> Result<u64, BusError> {
        let (reg, shift) = (off & !7, (off & 7) * 8);
        let v = match reg {
            _ if off < MTIMECMP => {
                let h = ((off - MSIP) / 4) as usize;
                return Ok(self.msip.get(h).map_or(0, |&b| b as u64));
            }
            MTIME => self.mtime(now),
            _ if (MTIMECMP..MTIME).contains(&reg) => self.mtimecmp(((reg - MTIMECMP) / 8) as usize),
            _ => 0,
        };
        Ok(truncate(v >> shift, size))
    }

    /// Register write at offset `off` (a write to `mtime` moves the time offset).
    pub fn write(&mut self, off: u64, size: u8, v: u64, now: u64) -> Result<(), BusError> {
        if off < MTIMECMP {
            if let Some(m) = self.msip.get_mut((off / 4) as usize) {
                if off.is_multiple_of(4) {
                    *m = v & 1 != 0;
                }
            }
            return Ok(());
        }
        let (reg, shift) = (off & !7, (off & 7) * 8);
        let merge = |old: u64| {
            let mask = truncate(u64::MAX, size) << shift;
            (old & !mask) | ((v << shift) & mask)
        };
        if reg == MTIME {
            let new = merge(self.mtime(now));
            self.mtime_offset = new.wrapping_sub(now);
        } else if let Some(c) = self.mtimecmp.get_mut(((reg - MTIMECMP) / 8) as usize) {
            *c = merge(*c);
        }
        Ok(())
    }
}

fn truncate(v: u64, size: u8) -> u64 {
    if size >= 8 {
        v
    } else {
        v & ((1 << (size * 8)) - 1)
    }
}
