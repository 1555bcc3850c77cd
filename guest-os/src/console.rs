//! The console: a 16550 UART driver (polled; transmit, and receive into a line buffer
//! with echo and backspace, like a tty in canonical mode; ^C and ^\ signal the foreground
//! process group, `signal/jobctl.rs`) and the kernel's `println!`.

use crate::arch;
use abi::mmio::UART0;
use core::fmt::{self, Write};
use spin::Mutex;

/// 16550 registers (offsets from UART0).
const RBR: u64 = 0; // receive buffer (read)
const THR: u64 = 0; // transmit holding (write)
const LSR: u64 = 5; // line status
const LSR_DATA_READY: u8 = 1 << 0;
const LSR_THR_EMPTY: u8 = 1 << 5;

/// Reads register `off` of the 16550 UART.
fn uart_read(off: u64) -> u8 {
    // SAFETY: a register of the virt machine's 16550 UART, the device this module drives.
    unsafe { arch::mmio_read8(UART0 + off) }
}

/// Writes register `off` of the 16550 UART.
fn uart_write(off: u64, v: u8) {
    // SAFETY: as in `uart_read`.
    unsafe { arch::mmio_write8(UART0 + off, v) }
}

/// Writes one byte, waiting for the transmitter.
pub fn putc(b: u8) {
    let mut spins = 0;
    while uart_read(LSR) & LSR_THR_EMPTY == 0 && spins < 100_000 {
        spins += 1;
    }
    uart_write(THR, b);
}

/// The kernel console as a `fmt::Write` sink.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                putc(b'\r');
            }
            putc(b);
        }
        Ok(())
    }
}

/// Kernel `println!` to the console.
#[macro_export]
macro_rules! kprintln {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = writeln!($crate::console::Console, $($arg)*);
    }};
}

/// Input line discipline: the line being edited and completed input ready to read.
struct Input {
    line: [u8; 256],
    len: usize,
    ready: [u8; 512],
    r: usize,
    w: usize,
    eof: bool,
}

static INPUT: Mutex<Input> = Mutex::new(Input { line: [0; 256], len: 0, ready: [0; 512], r: 0, w: 0, eof: false });

/// Sleep channel of readers waiting for console input.
pub const CHAN: usize = 1;

/// Moves received bytes into the line buffer (echoing them); wakes readers when a line
/// (or end-of-file, ^D) is complete. Called from the timer tick and the idle loop.
pub fn poll() {
    let mut woke = false;
    let mut intr = None;
    {
        let mut inp = INPUT.lock();
        while uart_read(LSR) & LSR_DATA_READY != 0 {
            let c = uart_read(RBR);
            match c {
                b'\r' | b'\n' => {
                    putc(b'\r');
                    putc(b'\n');
                    let n = inp.len;
                    let line = inp.line;
                    for &b in line[..n].iter().chain(core::iter::once(&b'\n')) {
                        if inp.w - inp.r < inp.ready.len() {
                            let i = inp.w % 512;
                            inp.ready[i] = b;
                            inp.w += 1;
                        }
                    }
                    inp.len = 0;
                    woke = true;
                }
                0x7f | 0x08 => {
                    if inp.len > 0 {
                        inp.len -= 1;
                        putc(0x08);
                        putc(b' ');
                        putc(0x08);
                    }
                }
                0x04 => {
                    inp.eof = true;
                    woke = true;
                }
                // ^C and ^\: the line is dropped and the foreground group signalled.
                0x03 | 0x1c => {
                    putc(b'^');
                    putc(if c == 0x03 { b'C' } else { b'\\' });
                    putc(b'\r');
                    putc(b'\n');
                    inp.len = 0;
                    intr = Some(if c == 0x03 { abi::signal::SIGINT } else { abi::signal::SIGQUIT });
                }
                c => {
                    if inp.len < inp.line.len() {
                        let i = inp.len;
                        inp.line[i] = c;
                        inp.len += 1;
                        putc(c);
                    }
                }
            }
        }
    }
    if woke {
        crate::proc::wakeup(CHAN);
    }
    if let Some(sig) = intr {
        crate::signal::jobctl::console_signal(sig);
    }
}

/// Bytes of completed input waiting to be read.
pub fn available() -> usize {
    let inp = INPUT.lock();
    inp.w - inp.r
}

/// Would a read return at once (completed input, or end of file)?
pub fn input_ready() -> bool {
    let inp = INPUT.lock();
    inp.r != inp.w || inp.eof
}

/// Takes up to `out.len()` bytes of completed input: `Some(n)` (0 = end of file), or
/// `None` when nothing is ready yet.
pub fn take_input(out: &mut [u8]) -> Option<usize> {
    let mut inp = INPUT.lock();
    if inp.r == inp.w {
        if inp.eof {
            inp.eof = false;
            return Some(0);
        }
        return None;
    }
    let mut n = 0;
    while n < out.len() && inp.r < inp.w {
        out[n] = inp.ready[inp.r % 512];
        inp.r += 1;
        n += 1;
        if out[n - 1] == b'\n' {
            break;
        }
    }
    Some(n)
}
