//! A source that pends again while claimed is delivered at completion (QEMU 7.2
//! `hw/intc/sifive_plic.c`: completion calls `sifive_plic_update`). The UART's THR-empty
//! interrupt is claimed by M-mode; writing THR before completing signals the line again
//! (held off: the source is claimed); completing must raise MEIP at once. xv6 with
//! several harts relies on it: one hart's `uartwrite` writes THR while another hart's
//! `uartintr` still holds the claim, and the writer sleeps until that interrupt. (Checked
//! while looking for xv6's idle time on 3 harts; rvsim already behaved so.)
#![no_std]
#![no_main]

use isa_tests::mmio::{r32, r8, w32, w8};
use isa_tests::{entry, println};

const PLIC: usize = 0x0c00_0000;
const CLAIM0: usize = PLIC + 0x20_0004; // context 0: hart 0 M-mode
const UART: usize = 0x1000_0000;
const MEIP: usize = 1 << 11;

fn meip() -> bool {
    let mip: usize;
    // SAFETY: reading mip has no side effects.
    unsafe { core::arch::asm!("csrr {}, mip", out(reg) mip) };
    mip & MEIP != 0
}

entry!(main);

fn main() -> u32 {
    w32(PLIC + 4 * 10, 1); // priority of the UART
    w32(PLIC + 0x2000, 1 << 10); // context 0 enables source 10
    w32(PLIC + 0x20_0000, 0); // threshold 0
    w8(UART + 1, 0x02); // IER: THR empty (raises it: THR is empty)
    if !meip() {
        println!("plat_plic_repend: no MEIP after enabling THR-empty");
        return 1;
    }
    let src = r32(CLAIM0);
    if src != 10 || meip() {
        println!("plat_plic_repend: claim {src}, MEIP {} (want 10, clear)", meip());
        return 1;
    }
    w8(UART, b'.'); // THR empties again: the UART signals while source 10 is claimed
    if meip() {
        println!("plat_plic_repend: MEIP while the source is claimed");
        return 1;
    }
    w32(CLAIM0, 10); // complete
    if !meip() {
        println!("plat_plic_repend: the source that pended while claimed was lost at completion");
        return 1;
    }
    let again = r32(CLAIM0);
    let iir = r8(UART + 2) & 0x0f; // reading IIR clears THR empty
    w32(CLAIM0, again);
    w8(UART + 1, 0);
    if again != 10 || iir != 0x02 {
        println!("plat_plic_repend: second claim {again}, IIR {iir:#x} (want 10, 0x2)");
        return 1;
    }
    println!("\nplat_plic_repend: ok");
    0
}
