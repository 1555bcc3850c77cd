//! The interrupt pattern of teaching kernels written against QEMU's virt board (xv6's
//! `uart.c`): the UART's THR-empty interrupt is enabled, and the handler, finding
//! nothing to send, reads only LSR and returns without reading IIR or writing THR. The
//! UART's line then stays high. On QEMU the PLIC pends a source only when its device
//! signals the line, so after the claim/complete the hart runs on and the disk request
//! goes out and completes through its own interrupt. A PLIC that re-pends a still-high
//! line at completion (the PLIC spec's level-triggered gateway) traps again at once and
//! the program never reaches its disk (docs/decisions.md).
//!
//! Runs in M-mode with MEIE on; reads sector 0 of the disk in slot 0 (the harness filled
//! sector N with bytes `N ^ i`) and checks the data and the interrupt counts.
#![no_std]
#![no_main]

#[path = "virtio_lib/mod.rs"]
mod virtio_lib;

use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
use isa_tests::{csrs, csrw, entry, irq, mstatus, println, set_external_handler};
use virtio_lib::*;

const UART: usize = 0x1000_0000;
const UART_SRC: usize = 10;
const DISK_SRC: usize = 1;
const CLAIM0: usize = PLIC + 0x20_0004;

static UART_IRQS: AtomicU32 = AtomicU32::new(0);
static DISK_IRQS: AtomicU32 = AtomicU32::new(0);

/// The external interrupt handler, as xv6's devintr + uartintr + virtio_disk_intr.
fn external() {
    let src = peek::<u32>(CLAIM0) as usize;
    match src {
        UART_SRC => {
            UART_IRQS.fetch_add(1, SeqCst);
            // uartgetc: LSR says no input; uartstart: nothing to send; return.
            let _lsr = peek::<u8>(UART + 5);
        }
        DISK_SRC => {
            DISK_IRQS.fetch_add(1, SeqCst);
            wr(INTERRUPT_ACK, rd(INTERRUPT_STATUS) & 3);
        }
        _ => {}
    }
    if src != 0 {
        poke(CLAIM0, src as u32);
    }
}

entry!(main);

fn main() -> u32 {
    if let Err(code) = init() {
        println!("plat_thre_unread: device initialisation failed at step {code}");
        return code;
    }
    // PLIC: both sources at priority 1 for hart 0's M context.
    poke(PLIC + 4 * UART_SRC, 1u32);
    poke(PLIC + 4 * DISK_SRC, 1u32);
    poke(PLIC + 0x2000, (1u32 << UART_SRC) | (1 << DISK_SRC));
    poke(PLIC + 0x20_0000, 0u32);
    set_external_handler(Some(external));
    csrw!(mie, 1u64 << irq::MEI);
    csrs!(mstatus, mstatus::MIE);
    // FIFO on, then receive and THR-empty interrupts (xv6's uartinit).
    poke(UART + 2, 0x07u8);
    poke(UART + 1, 0x03u8);
    // The disk request must still go out and complete.
    submit(T_IN, 0, 512, true);
    let mut spins = 0u64;
    while DISK_IRQS.load(SeqCst) == 0 && spins < 10_000_000 {
        spins += 1;
    }
    let (uart, disk) = (UART_IRQS.load(SeqCst), DISK_IRQS.load(SeqCst));
    let data_ok = (0..512).all(|i| peek::<u8>(BUF + i) == i as u8);
    println!("plat_thre_unread: {uart} UART interrupts, {disk} disk interrupts, status {}", peek::<u8>(STAT));
    if disk != 1 || used_idx() != 1 || peek::<u8>(STAT) != 0 || !data_ok {
        println!("plat_thre_unread: the disk request did not complete through its interrupt");
        return 1;
    }
    if uart == 0 || uart > 4 {
        println!("plat_thre_unread: expected one or a few UART interrupts, got {uart}");
        return 2;
    }
    println!("plat_thre_unread: ok");
    0
}
