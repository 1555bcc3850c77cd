//! NS16550A UART (the `ns16550a` of QEMU's virt board, PLIC source 10), with the register
//! set the Linux 8250, OpenSBI and xv6 drivers use:
//!
//! ```text
//!   off  read                 write                DLAB = 1
//!   0    RBR receive buffer   THR transmit         DLL divisor low
//!   1    IER interrupt enable IER                  DLM divisor high
//!   2    IIR interrupt ident  FCR FIFO control
//!   3    LCR line control     LCR
//!   4    MCR modem control    MCR
//!   5    LSR line status      (ignored)
//!   6    MSR modem status     (ignored)
//!   7    SCR scratch          SCR
//! ```
//!
//! Transmission is instantaneous: THR is always empty, bytes go to [`Uart16550::output`]
//! and to stdout. Received bytes come from [`Uart16550::inject`] (tests) or from a reader
//! thread on the host's stdin ([`Uart16550::attach_stdin`]) drained by
//! [`Uart16550::poll_input`] between hart time slices, so a run without stdin input is
//! deterministic.
//!
//! The interrupt output reaches the PLIC only when the UART *signals* it
//! ([`Uart16550::take_irq_signal`]), at the points where QEMU's `hw/char/serial.c` calls
//! `serial_update_irq`: a byte received, RBR read, THR written (and transmitted), IER or
//! FCR changed, IIR read while it reports THR empty. LSR, MSR, LCR, MCR and SCR accesses
//! do not signal, so a driver that takes a THR-empty interrupt and returns without
//! reading IIR or writing THR (xv6) is not interrupted again until the UART next
//! signals (`devices/plic.rs`).

use crate::bus::BusError;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// UART registers on QEMU's virt board.
pub const BASE: u64 = abi::mmio::UART0;
/// Last byte of the UART window.
pub const END: u64 = BASE + 0xff;
/// PLIC source of the UART on QEMU's virt board.
pub const IRQ: usize = 10;
/// The input clock QEMU's virt board declares (`clock-frequency`).
pub const CLOCK_HZ: u32 = 3_686_400;

const RBR_THR_DLL: u64 = 0;
const IER_DLM: u64 = 1;
const IIR_FCR: u64 = 2;
const LCR: u64 = 3;
const MCR: u64 = 4;
const LSR: u64 = 5;
const MSR: u64 = 6;
const SCR: u64 = 7;

/// IER bits.
const IER_ERBFI: u8 = 1 << 0; // received data available
const IER_ETBEI: u8 = 1 << 1; // transmitter holding register empty
const IER_MASK: u8 = 0x0f;
/// IIR interrupt identification values and the FIFO-enabled bits.
const IIR_NONE: u8 = 0x01;
const IIR_THRE: u8 = 0x02;
const IIR_RDA: u8 = 0x04;
const IIR_FIFO_ENABLED: u8 = 0xc0;
/// FCR bits.
const FCR_ENABLE: u8 = 1 << 0;
const FCR_CLEAR_RX: u8 = 1 << 1;
/// LCR divisor latch access bit.
const LCR_DLAB: u8 = 1 << 7;
/// MCR loopback bit.
const MCR_LOOP: u8 = 1 << 4;
/// LSR bits.
const LSR_DR: u8 = 1 << 0;
const LSR_THRE: u8 = 1 << 5;
const LSR_TEMT: u8 = 1 << 6;
/// MSR with no loopback: carrier detect, data set ready and clear to send (as QEMU).
const MSR_IDLE: u8 = 0xb0;
/// Most bytes kept waiting for the guest (a paste larger than this is cut).
const RX_LIMIT: usize = 1 << 16;

/// The UART state.
pub struct Uart16550 {
    /// Everything the guest transmitted (kept for tests), and echoed to stdout if `echo`.
    pub output: Vec<u8>,
    pub echo: bool,
    rx: VecDeque<u8>,
    ier: u8,
    lcr: u8,
    mcr: u8,
    scr: u8,
    fcr: u8,
    divisor: u16,
    /// The THR-empty interrupt condition (set when THR empties, cleared by reading IIR
    /// while it is the reported cause or by writing THR).
    thre_pending: bool,
    /// Set when the UART signals its interrupt line (QEMU's `serial_update_irq`).
    irq_signal: bool,
    input: Option<Receiver<u8>>,
}

impl Default for Uart16550 {
    fn default() -> Self {
        Self::new()
    }
}

impl Uart16550 {
    /// A UART after reset: 8N1, no interrupts enabled, empty FIFO, output echoed.
    pub fn new() -> Uart16550 {
        Uart16550 {
            output: Vec::new(),
            echo: true,
            rx: VecDeque::new(),
            ier: 0,
            lcr: 0x03,
            mcr: 0,
            scr: 0,
            fcr: 0,
            divisor: 1,
            thre_pending: false,
            irq_signal: false,
            input: None,
        }
    }

    /// Queues bytes as if received on the serial line (tests, host input).
    pub fn inject(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.rx.len() < RX_LIMIT {
                self.rx.push_back(b);
            }
        }
        self.irq_signal |= !bytes.is_empty();
    }

    /// Whether the UART signalled its interrupt line since the last call (the PLIC then
    /// samples [`Uart16550::irq`]).
    pub fn take_irq_signal(&mut self) -> bool {
        std::mem::take(&mut self.irq_signal)
    }

    /// Reads the host's stdin on a thread when it is a terminal or a pipe (not when it is
    /// /dev/null or closed, as under CI), feeding [`Uart16550::poll_input`].
    pub fn attach_stdin(&mut self) {
        use std::io::IsTerminal;
        use std::os::unix::fs::FileTypeExt;
        let stdin = std::io::stdin();
        let is_pipe = std::fs::metadata("/dev/stdin").map(|m| m.file_type().is_fifo()).unwrap_or(false);
        if !(stdin.is_terminal() || is_pipe) {
            return;
        }
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            let mut input = std::io::stdin().lock();
            while let Ok(n @ 1..) = input.read(&mut buf) {
                if buf[..n].iter().any(|&b| tx.send(b).is_err()) {
                    break;
                }
            }
        });
        self.input = Some(rx);
    }

    /// Whether host stdin feeds this UART.
    pub fn has_host_input(&self) -> bool {
        self.input.is_some()
    }

    /// Blocks up to `timeout` for host input (used while every hart idles in WFI, so an
    /// interactive guest waiting for a key does not spin a host core). Returns true if a
    /// byte arrived (it is queued in the receive FIFO).
    pub fn wait_input(&mut self, timeout: std::time::Duration) -> bool {
        let Some(rx) = &self.input else { return false };
        match rx.recv_timeout(timeout) {
            Ok(b) => {
                self.inject(&[b]);
                true
            }
            Err(mpsc::RecvTimeoutError::Timeout) => false,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                self.input = None;
                false
            }
        }
    }

    /// Moves bytes the stdin thread received into the receive FIFO; returns true if any.
    pub fn poll_input(&mut self) -> bool {
        let Some(rx) = &self.input else { return false };
        let mut got = Vec::new();
        loop {
            match rx.try_recv() {
                Ok(b) => got.push(b),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.input = None;
                    break;
                }
            }
        }
        self.inject(&got);
        !got.is_empty()
    }

    /// The interrupt output (to PLIC source [`IRQ`]).
    pub fn irq(&self) -> bool {
        self.iir_cause() != IIR_NONE
    }

    /// The highest-priority interrupt cause (16550 datasheet: line status > received
    /// data > THR empty > modem status; only the middle two can occur here).
    fn iir_cause(&self) -> u8 {
        if self.ier & IER_ERBFI != 0 && !self.rx.is_empty() {
            IIR_RDA
        } else if self.ier & IER_ETBEI != 0 && self.thre_pending {
            IIR_THRE
        } else {
            IIR_NONE
        }
    }

    /// Register read (reading RBR pops a byte, reading IIR may clear THRE).
    pub fn read(&mut self, off: u64, _size: u8) -> Result<u64, BusError> {
        let dlab = self.lcr & LCR_DLAB != 0;
        let v = match off {
            RBR_THR_DLL if dlab => self.divisor as u8,
            RBR_THR_DLL => {
                self.irq_signal = true;
                self.rx.pop_front().unwrap_or(0)
            }
            IER_DLM if dlab => (self.divisor >> 8) as u8,
            IER_DLM => self.ier,
            IIR_FCR => {
                let cause = self.iir_cause();
                if cause == IIR_THRE {
                    self.thre_pending = false;
                    self.irq_signal = true;
                }
                let fifo = if self.fcr & FCR_ENABLE != 0 { IIR_FIFO_ENABLED } else { 0 };
                cause | fifo
            }
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                let dr = if self.rx.is_empty() { 0 } else { LSR_DR };
                dr | LSR_THRE | LSR_TEMT
            }
            MSR if self.mcr & MCR_LOOP != 0 => {
                // Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
                let m = self.mcr;
                ((m & 1) << 5) | ((m & 2) << 3) | ((m & 4) << 4) | ((m & 8) << 4)
            }
            MSR => MSR_IDLE,
            SCR => self.scr,
            _ => 0,
        };
        Ok(v as u64)
    }

    /// Register write (writing THR transmits).
    pub fn write(&mut self, off: u64, _size: u8, v: u64) -> Result<(), BusError> {
        let v = v as u8;
        let dlab = self.lcr & LCR_DLAB != 0;
        match off {
            RBR_THR_DLL if dlab => self.divisor = (self.divisor & 0xff00) | v as u16,
            RBR_THR_DLL => {
                if self.mcr & MCR_LOOP != 0 {
                    self.inject(&[v]);
                } else {
                    self.emit(&[v]);
                }
                // Transmission is instantaneous, so THR is empty again at once.
                self.thre_pending = true;
                self.irq_signal = true;
            }
            IER_DLM if dlab => self.divisor = (self.divisor & 0x00ff) | (v as u16) << 8,
            IER_DLM => {
                let changed = self.ier ^ (v & IER_MASK);
                self.ier = v & IER_MASK;
                // Turning ETBEI on with THR empty raises the THRE interrupt, turning it
                // off forgets it; a changed IER signals (QEMU serial.c).
                if changed & IER_ETBEI != 0 {
                    self.thre_pending = self.ier & IER_ETBEI != 0;
                }
                self.irq_signal |= changed != 0;
            }
            IIR_FCR => {
                if v & FCR_CLEAR_RX != 0 {
                    self.rx.clear();
                }
                let fcr = v & 0xc1;
                self.irq_signal |= fcr != self.fcr || v & FCR_CLEAR_RX != 0;
                self.fcr = fcr;
            }
            LCR => self.lcr = v,
            MCR => self.mcr = v & 0x1f,
            SCR => self.scr = v,
            _ => {}
        }
        Ok(())
    }

    /// Console output: kept in [`Uart16550::output`] and echoed to stdout (also used for
    /// HTIF console output, so all guest output lands in one place).
    pub fn emit(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.output.extend_from_slice(bytes);
        if self.echo {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            if bytes.contains(&b'\n') {
                let _ = out.flush();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rx_interrupt_and_lsr() {
        let mut u = Uart16550::new();
        u.echo = false;
        assert!(!u.irq());
        u.inject(b"ab");
        assert!(!u.irq(), "not enabled");
        u.write(IER_DLM, 1, IER_ERBFI as u64).unwrap();
        assert!(u.irq());
        assert_eq!(u.read(IIR_FCR, 1).unwrap() as u8 & 0xf, IIR_RDA);
        assert_eq!(u.read(LSR, 1).unwrap() as u8 & LSR_DR, LSR_DR);
        assert_eq!(u.read(RBR_THR_DLL, 1).unwrap(), b'a' as u64);
        assert_eq!(u.read(RBR_THR_DLL, 1).unwrap(), b'b' as u64);
        assert!(!u.irq());
        assert_eq!(u.read(LSR, 1).unwrap() as u8, LSR_THRE | LSR_TEMT);
    }

    #[test]
    fn thre_interrupt_divisor_and_loopback() {
        let mut u = Uart16550::new();
        u.echo = false;
        u.write(IER_DLM, 1, IER_ETBEI as u64).unwrap();
        assert!(u.irq());
        assert_eq!(u.read(IIR_FCR, 1).unwrap() as u8, IIR_THRE);
        assert!(!u.irq(), "reading IIR clears THRE");
        u.write(RBR_THR_DLL, 1, b'x' as u64).unwrap();
        assert!(u.irq());
        assert_eq!(u.output, b"x");
        // DLAB: divisor latch instead of THR/IER.
        u.write(LCR, 1, 0x83).unwrap();
        u.write(RBR_THR_DLL, 1, 0x34).unwrap();
        u.write(IER_DLM, 1, 0x12).unwrap();
        assert_eq!(u.read(RBR_THR_DLL, 1).unwrap(), 0x34);
        assert_eq!(u.read(IER_DLM, 1).unwrap(), 0x12);
        u.write(LCR, 1, 0x03).unwrap();
        assert_eq!(u.read(IER_DLM, 1).unwrap(), IER_ETBEI as u64);
        assert_eq!(u.output, b"x");
        // Loopback sends THR into RBR.
        u.write(MCR, 1, MCR_LOOP as u64).unwrap();
        u.write(RBR_THR_DLL, 1, b'q' as u64).unwrap();
        assert_eq!(u.read(RBR_THR_DLL, 1).unwrap(), b'q' as u64);
        assert_eq!(u.output, b"x");
    }

    #[test]
    fn signals_only_where_qemu_updates_the_line() {
        let mut u = Uart16550::new();
        u.echo = false;
        u.write(IER_DLM, 1, IER_ETBEI as u64).unwrap();
        assert!(u.take_irq_signal() && u.irq(), "IER change signals THRE");
        // LSR, MSR, LCR, SCR and an unchanged IER do not signal.
        u.read(LSR, 1).unwrap();
        u.read(MSR, 1).unwrap();
        u.write(LCR, 1, 0x03).unwrap();
        u.write(SCR, 1, 7).unwrap();
        u.write(IER_DLM, 1, IER_ETBEI as u64).unwrap();
        assert!(!u.take_irq_signal());
        assert!(u.irq(), "the line stays high");
        // Reading IIR while it reports THR empty clears it and signals the line low.
        assert_eq!(u.read(IIR_FCR, 1).unwrap() as u8, IIR_THRE);
        assert!(u.take_irq_signal() && !u.irq());
        // Writing THR transmits and signals THR empty again; received bytes signal.
        u.write(RBR_THR_DLL, 1, b'x' as u64).unwrap();
        assert!(u.take_irq_signal() && u.irq());
        u.inject(b"k");
        assert!(u.take_irq_signal());
        // Turning ETBEI off forgets the THRE condition.
        u.write(IER_DLM, 1, 0).unwrap();
        assert!(u.take_irq_signal() && !u.irq());
    }
}
