//! HTIF, the Berkeley host-target interface as riscv-tests and Spike use it: the guest
//! writes a command into the 64-bit word at symbol `tohost` and the host answers in
//! `fromhost`. The machine polls `tohost` between hart time slices.
//!
//! ```text
//!   tohost = device << 56 | command << 48 | payload
//!   device 0, command 0, payload odd:   exit with status payload >> 1 (0 = pass;
//!                                       riscv-tests put the failing TESTNUM there)
//!   device 0, command 0, payload even:  syscall proxy: payload = address of
//!                                       magic_mem[] = { which, arg0, arg1, arg2 };
//!                                       SYS_write (64) to fd 1 or 2 is served,
//!                                       magic_mem[0] = result, fromhost = 1
//!   device 1, command 1:                putchar(payload & 0xff) ("bcd" console)
//! ```

use super::ExitRequest;
use crate::bus::RAM_BASE;
use crate::ram::Ram;

/// The Linux/newlib `write` syscall number the proxy serves.
const SYS_WRITE: u64 = 64;
/// `-EBADF`/`-ENOSYS` for calls the proxy does not serve.
const EBADF: i64 = 9;
const ENOSYS: i64 = 38;
const DEV_SYSCALL: u64 = 0;
const DEV_BCD: u64 = 1;
const BCD_PUTCHAR: u64 = 1;
/// Largest write the proxy copies at once.
const WRITE_MAX: u64 = 1 << 20;

/// The HTIF mailbox addresses of the loaded program.
#[derive(Clone, Debug)]
pub struct Htif {
    pub tohost: u64,
    pub fromhost: Option<u64>,
}

/// What one poll found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HtifEvent {
    /// Bytes for the console.
    pub output: Vec<u8>,
    pub exit: Option<ExitRequest>,
}

fn read_u64(ram: &Ram, pa: u64) -> Option<u64> {
    ram.read::<8>(pa.checked_sub(RAM_BASE)?)
}

fn write_u64(ram: &mut Ram, pa: u64, v: u64) -> Option<bool> {
    ram.write::<8>(pa.checked_sub(RAM_BASE)?, v)
}

impl Htif {
    /// Serves a command in `tohost`, if there is one. Returns the console output and exit
    /// request; `code_dirty` is set when the answer overwrote decoded code.
    pub fn poll(&mut self, ram: &mut Ram, code_dirty: &mut bool) -> HtifEvent {
        let mut ev = HtifEvent::default();
        let Some(cmd) = read_u64(ram, self.tohost) else { return ev };
        if cmd == 0 {
            return ev;
        }
        *code_dirty |= write_u64(ram, self.tohost, 0).unwrap_or(false);
        let (dev, op, payload) = (cmd >> 56, (cmd >> 48) & 0xff, cmd & 0xffff_ffff_ffff);
        match (dev, op) {
            (DEV_SYSCALL, 0) if payload & 1 == 1 => {
                ev.exit = Some(ExitRequest::Exit((payload >> 1) as i32));
            }
            (DEV_SYSCALL, 0) => {
                let arg = |i: u64| read_u64(ram, payload + 8 * i).unwrap_or(0);
                let (which, fd, buf, len) = (arg(0), arg(1), arg(2), arg(3));
                let ret: i64 = match which {
                    SYS_WRITE if fd == 1 || fd == 2 => {
                        let len = len.min(WRITE_MAX);
                        match buf.checked_sub(RAM_BASE).and_then(|o| ram.slice(o, len as usize)) {
                            Some(s) => {
                                ev.output.extend_from_slice(s);
                                len as i64
                            }
                            None => -14, // EFAULT
                        }
                    }
                    SYS_WRITE => -EBADF,
                    _ => -ENOSYS,
                };
                *code_dirty |= write_u64(ram, payload, ret as u64).unwrap_or(false);
                self.respond(ram, 1, code_dirty);
            }
            (DEV_BCD, BCD_PUTCHAR) => {
                ev.output.push(payload as u8);
                self.respond(ram, (DEV_BCD << 56) | (BCD_PUTCHAR << 48), code_dirty);
            }
            _ => log::warn!("htif: unknown command {cmd:#x} ignored"),
        }
        ev
    }

    fn respond(&self, ram: &mut Ram, v: u64, code_dirty: &mut bool) {
        if let Some(f) = self.fromhost {
            *code_dirty |= write_u64(ram, f, v).unwrap_or(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_putchar_and_syscall_write() {
        let mut ram = Ram::new(1 << 20);
        let mut h = Htif { tohost: RAM_BASE + 0x1000, fromhost: Some(RAM_BASE + 0x1040) };
        let mut dirty = false;
        assert_eq!(h.poll(&mut ram, &mut dirty), HtifEvent::default());
        ram.write::<8>(0x1000, (1 << 56) | (1 << 48) | b'A' as u64);
        assert_eq!(h.poll(&mut ram, &mut dirty).output, b"A");
        assert_eq!(ram.read::<8>(0x1000), Some(0), "tohost cleared");
        // write(1, "hi", 2) through magic_mem at 0x2000.
        ram.write_bytes(0x3000, b"hi");
        for (i, v) in [SYS_WRITE, 1, RAM_BASE + 0x3000, 2].into_iter().enumerate() {
            ram.write::<8>(0x2000 + 8 * i as u64, v);
        }
        ram.write::<8>(0x1000, RAM_BASE + 0x2000);
        assert_eq!(h.poll(&mut ram, &mut dirty).output, b"hi");
        assert_eq!(ram.read::<8>(0x2000), Some(2));
        assert_eq!(ram.read::<8>(0x1040), Some(1));
        ram.write::<8>(0x1000, (3 << 1) | 1);
        assert_eq!(h.poll(&mut ram, &mut dirty).exit, Some(ExitRequest::Exit(3)));
    }
}
