//! PLIC claim/complete, priorities, thresholds and per-context enables, driven by the
//! UART's THR-empty interrupt (PLIC source 10), which needs no input. Runs in M-mode
//! without a trap handler: interrupts stay globally disabled and the test reads `mip`.
#![no_std]
#![no_main]

use isa_tests::mmio::{r32, r8, w32, w8};
use isa_tests::{entry, println};

const PLIC: usize = 0x0c00_0000;
const UART: usize = 0x1000_0000;
const SRC: usize = 10;
const MEIP: usize = 1 << 11;
const SEIP: usize = 1 << 9;

fn mip() -> usize {
    let v: usize;
    // SAFETY: reading mip has no side effects.
    unsafe { core::arch::asm!("csrr {}, mip", out(reg) v) };
    v
}
fn priority(src: usize) -> usize {
    PLIC + 4 * src
}
fn enable(ctx: usize) -> usize {
    PLIC + 0x2000 + 0x80 * ctx
}
fn threshold(ctx: usize) -> usize {
    PLIC + 0x20_0000 + 0x1000 * ctx
}
fn claim(ctx: usize) -> usize {
    threshold(ctx) + 4
}

entry!(main);

fn main() -> u32 {
    let mut fail = 0;
    let mut check = |n: u32, ok: bool, what: &str| {
        if !ok {
            println!("plat_plic: check {n} failed: {what}");
            fail = n;
        }
    };
    // Start clean: context 0 (hart 0 M) enables only source 10, priority 0 = never.
    w32(enable(0), 0);
    w32(enable(1), 0);
    w32(threshold(0), 0);
    w32(threshold(1), 0);
    w32(priority(SRC), 0);
    w8(UART + 1, 0x02); // IER: THR empty
    check(1, r32(PLIC + 0x1000) & (1 << SRC) != 0, "source 10 pending after IER.ETBEI");
    check(2, mip() & MEIP == 0, "MEIP with nothing enabled");
    w32(enable(0), 1 << SRC);
    check(3, mip() & MEIP == 0, "MEIP at priority 0");
    w32(priority(SRC), 2);
    check(4, mip() & MEIP != 0, "MEIP enabled at priority 2");
    check(5, mip() & SEIP == 0, "SEIP without S context enable");
    w32(threshold(0), 2);
    check(6, mip() & MEIP == 0, "MEIP masked by threshold 2");
    w32(threshold(0), 1);
    check(7, mip() & MEIP != 0, "MEIP with threshold 1");
    w32(enable(1), 1 << SRC);
    check(8, mip() & SEIP != 0, "SEIP with S context enabled");
    w32(enable(1), 0);
    let c = r32(claim(0));
    check(9, c == SRC as u32, "claim returns source 10");
    check(10, mip() & MEIP == 0, "MEIP clear after claim");
    check(11, r32(claim(0)) == 0, "second claim returns 0");
    // Completing with the UART's line still high does not pend it again: QEMU's PLIC
    // samples a line only when the device signals it (docs/decisions.md).
    w32(claim(0), SRC as u32);
    check(12, mip() & MEIP == 0, "no MEIP after complete without a new signal");
    // A device event signals the line: IER off and on again re-raises THR empty.
    w8(UART + 1, 0);
    w8(UART + 1, 0x02);
    check(13, mip() & MEIP != 0, "MEIP after the UART signals again");
    check(14, r32(claim(0)) == SRC as u32, "claim again");
    // A signal while the source is claimed pends it; it interrupts after completion.
    w8(UART + 1, 0);
    w8(UART + 1, 0x02);
    check(15, mip() & MEIP == 0, "claimed source held off");
    w32(claim(0), SRC as u32);
    check(16, mip() & MEIP != 0, "MEIP after completing a source signalled while claimed");
    // Reading IIR clears the THRE condition (and signals the line low).
    check(17, r32(claim(0)) == SRC as u32, "claim a third time");
    check(18, r8(UART + 2) & 0x0f == 0x02, "IIR reports THR empty");
    w32(claim(0), SRC as u32);
    check(19, mip() & MEIP == 0, "no MEIP after the device quiesced");
    check(20, r32(PLIC + 0x1000) & (1 << SRC) == 0, "source 10 no longer pending");
    w8(UART + 1, 0);
    w32(enable(0), 0);
    if fail == 0 {
        println!("plat_plic: ok");
    }
    fail
}
