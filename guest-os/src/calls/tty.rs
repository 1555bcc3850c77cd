//! ioctl: the terminal requests of the console (TCGETS/TCSETS[WF], TIOCGWINSZ/
//! TIOCSWINSZ, FIONREAD) and the descriptor requests every file has (FIONBIO, FIOCLEX,
//! FIONCLEX). Anything else on a non-terminal is ENOTTY, as on Linux.
//!
//! The console's `struct termios` is kept and reported back as set, but the line
//! discipline (`console.rs`: canonical mode with echo) does not change with it yet.

use super::{SysResult, Task};
use crate::file::Kind;
use abi::errno::*;
use spin::Mutex;

const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSW: u64 = 0x5403;
const TCSETSF: u64 = 0x5404;
const TIOCGWINSZ: u64 = 0x5413;
const TIOCSWINSZ: u64 = 0x5414;
const FIONREAD: u64 = 0x541b;
const FIONBIO: u64 = 0x5421;
const FIONCLEX: u64 = 0x5450;
const FIOCLEX: u64 = 0x5451;

/// Size of the kernel's `struct termios` (asm-generic termbits: four flag words,
/// c_line, 19 control characters).
const TERMIOS_SIZE: usize = 36;

/// The console's termios, initially Linux's defaults for a tty (drivers/tty/tty_io.c
/// `tty_std_termios`): ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD|HUPCL,
/// ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN, and INIT_C_CC.
static TERMIOS: Mutex<[u8; TERMIOS_SIZE]> = Mutex::new(default_termios());

/// The console's window size (rows, columns, x pixels, y pixels).
static WINSIZE: Mutex<[u16; 4]> = Mutex::new([24, 80, 0, 0]);

const fn default_termios() -> [u8; TERMIOS_SIZE] {
    let flags: [u32; 4] = [
        0o400 | 0o2000,
        0o1 | 0o4,
        0o17 | 0o60 | 0o200 | 0o2000,
        0o1 | 0o2 | 0o10 | 0o20 | 0o40 | 0o1000 | 0o4000 | 0o100000,
    ];
    let cc: [u8; 19] = [3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0];
    let mut b = [0u8; TERMIOS_SIZE];
    let mut i = 0;
    while i < 4 {
        let w = flags[i].to_le_bytes();
        b[4 * i] = w[0];
        b[4 * i + 1] = w[1];
        b[4 * i + 2] = w[2];
        b[4 * i + 3] = w[3];
        i += 1;
    }
    let mut j = 0;
    while j < 19 {
        b[17 + j] = cc[j];
        j += 1;
    }
    b
}

/// ioctl(fd, req, arg).
pub fn ioctl(t: &mut Task, fd: usize, req: u64, arg: u64) -> SysResult {
    let f = t.files.get(fd)?;
    match req {
        FIONBIO => {
            let mut b = [0u8; 4];
            t.aspace.copy_in(arg, &mut b)?;
            let nb = if i32::from_le_bytes(b) != 0 { abi::fcntl::O_NONBLOCK } else { 0 };
            f.set_status((f.status() & !abi::fcntl::O_NONBLOCK) | nb);
            return Ok(0);
        }
        FIOCLEX | FIONCLEX => return t.files.set_cloexec(fd, req == FIOCLEX).map(|_| 0),
        FIONREAD => {
            let n: i32 = match &f.kind {
                Kind::PipeRead(p) => p.available() as i32,
                Kind::Console => crate::console::available() as i32,
                _ => return Err(ENOTTY),
            };
            t.aspace.copy_out(arg, &n.to_le_bytes())?;
            return Ok(0);
        }
        _ => {}
    }
    if !matches!(f.kind, Kind::Console) {
        return Err(ENOTTY);
    }
    // Job control (process groups of the terminal) belongs to signal/jobctl.rs.
    if let Some(r) = crate::signal::jobctl::console_ioctl(t, req as usize, arg) {
        return r;
    }
    match req {
        TCGETS => {
            let b = *TERMIOS.lock();
            t.aspace.copy_out(arg, &b)?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            let mut b = [0u8; TERMIOS_SIZE];
            t.aspace.copy_in(arg, &mut b)?;
            *TERMIOS.lock() = b;
            Ok(0)
        }
        TIOCGWINSZ => {
            let w = *WINSIZE.lock();
            let mut b = [0u8; 8];
            for (i, v) in w.iter().enumerate() {
                b[2 * i..2 * i + 2].copy_from_slice(&v.to_le_bytes());
            }
            t.aspace.copy_out(arg, &b)?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let mut b = [0u8; 8];
            t.aspace.copy_in(arg, &mut b)?;
            let mut w = [0u16; 4];
            for (i, v) in w.iter_mut().enumerate() {
                *v = u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
            }
            *WINSIZE.lock() = w;
            Ok(0)
        }
        _ => Err(ENOTTY),
    }
}
