//! NS16550A UART: transmit to the host's stdout (receive and interrupts: see the
//! platform work).

use crate::bus::BusError;
use std::io::Write;

pub const BASE: u64 = 0x1000_0000;
pub const END: u64 = BASE + 0xff;

const RBR_THR: u64 = 0;
const LSR: u64 = 5;
const LSR_THRE_TEMT: u64 = 0x60;

pub struct Uart16550 {
    /// Everything the guest transmitted (kept for tests), and echoed to stdout if `echo`.
    pub output: Vec<u8>,
    pub echo: bool,
    regs: [u8; 8],
}

impl Default for Uart16550 {
    fn default() -> Self {
        Self::new()
    }
}

impl Uart16550 {
    pub fn new() -> Uart16550 {
        Uart16550 { output: Vec::new(), echo: true, regs: [0; 8] }
    }

    pub fn read(&mut self, off: u64, _size: u8) -> Result<u64, BusError> {
        Ok(match off {
            LSR => LSR_THRE_TEMT,
            RBR_THR => 0,
            o if o < 8 => self.regs[o as usize] as u64,
            _ => 0,
        })
    }

    pub fn write(&mut self, off: u64, _size: u8, v: u64) -> Result<(), BusError> {
        match off {
            RBR_THR => {
                let b = v as u8;
                self.output.push(b);
                if self.echo {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&[b]);
                    if b == b'\n' {
                        let _ = out.flush();
                    }
                }
            }
            o if o < 8 => self.regs[o as usize] = v as u8,
            _ => {}
        }
        Ok(())
    }
}
