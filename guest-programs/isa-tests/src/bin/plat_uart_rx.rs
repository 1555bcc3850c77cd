//! UART receive interrupts through the PLIC: the host queues "ping\n" on the serial line
//! (the test harness, or `echo ping | qemu-system-riscv64 ...`); the program enables the
//! received-data interrupt, waits in WFI for MEIP, claims source 10, drains the FIFO and
//! echoes what it read.
#![no_std]
#![no_main]

use isa_tests::mmio::{r32, r8, w32, w8};
use isa_tests::{entry, println};

const PLIC: usize = 0x0c00_0000;
const UART: usize = 0x1000_0000;
const MEIP: usize = 1 << 11;

entry!(main);

fn main() -> u32 {
    w32(PLIC + 4 * 10, 1);
    w32(PLIC + 0x2000, 1 << 10);
    w32(PLIC + 0x20_0000, 0);
    w8(UART + 2, 0x01); // FCR: enable the FIFOs (clearing them would drop queued input)
    w8(UART + 1, 0x01); // IER: received data available
                        // SAFETY: enable MEIE only; mstatus.MIE stays 0, so WFI returns without a trap.
    unsafe { core::arch::asm!("csrs mie, {}", in(reg) MEIP) };
    let mut buf = [0u8; 16];
    let mut n = 0;
    while n < 5 {
        let mut mip: usize;
        loop {
            // SAFETY: reading mip; WFI waits for a pending interrupt.
            unsafe { core::arch::asm!("csrr {}, mip", out(reg) mip) };
            if mip & MEIP != 0 {
                break;
            }
            // SAFETY: as above.
            unsafe { core::arch::asm!("wfi") };
        }
        let src = r32(PLIC + 0x20_0004);
        if src != 10 {
            println!("plat_uart_rx: claimed {src}, expected 10");
            return 1;
        }
        if r8(UART + 2) & 0x0f != 0x04 {
            println!("plat_uart_rx: IIR does not report received data");
            return 2;
        }
        while r8(UART + 5) & 1 != 0 && n < buf.len() {
            buf[n] = r8(UART);
            n += 1;
        }
        w32(PLIC + 0x20_0004, 10);
    }
    let got = core::str::from_utf8(&buf[..n]).unwrap_or("?");
    println!("plat_uart_rx: got {:?}", got);
    if &buf[..5] != b"ping\n" {
        return 3;
    }
    // FIFO empty: no interrupt left.
    let mip: usize;
    // SAFETY: reading mip.
    unsafe { core::arch::asm!("csrr {}, mip", out(reg) mip) };
    if mip & MEIP != 0 {
        println!("plat_uart_rx: MEIP still pending with an empty FIFO");
        return 4;
    }
    0
}
