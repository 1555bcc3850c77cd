//! The SiFive test finisher (`sifive,test1` in QEMU's virt board): a 32-bit write of
//! 0x5555 passes, `(code << 16) | 0x3333` fails with `code`, 0x7777 resets.

use super::ExitRequest;
use crate::bus::BusError;

/// The test device's window on QEMU's virt board.
pub const BASE: u64 = abi::mmio::FINISHER;
/// Last byte of the window.
pub const END: u64 = BASE + 0xfff;

const FINISHER_PASS: u64 = 0x5555;
const FINISHER_FAIL: u64 = 0x3333;
const FINISHER_RESET: u64 = 0x7777;

#[derive(Default)]
pub struct Finisher {
    pub request: Option<ExitRequest>,
}

impl Finisher {
    /// Reads as 0.
    pub fn read(&mut self, _off: u64, _size: u8) -> Result<u64, BusError> {
        Ok(0)
    }

    /// A write at offset 0 may request an exit or a reset.
    pub fn write(&mut self, off: u64, size: u8, v: u64) -> Result<(), BusError> {
        // OpenSBI's sifive_test driver writes 16 bits (`writew`); QEMU accepts 2- and
        // 4-byte writes, so do we (a 16-bit write carries no failure code).
        if off != 0 || size < 2 {
            return Ok(());
        }
        let v = if size == 2 { v & 0xffff } else { v & 0xffff_ffff };
        self.request = match v & 0xffff {
            FINISHER_PASS => Some(ExitRequest::Exit(0)),
            FINISHER_FAIL => Some(ExitRequest::Exit(((v >> 16) as i32).max(1))),
            FINISHER_RESET => Some(ExitRequest::Reset),
            _ => self.request,
        };
        Ok(())
    }
}
