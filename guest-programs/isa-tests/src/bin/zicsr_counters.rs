//! Counters (Unprivileged "Zicntr"; Privileged 3.1.10-3.1.13): mcycle/minstret count
//! up, can be written (the next read starts from the written value), are mirrored by the
//! cycle/instret shadows, and stop while inhibited in mcountinhibit; time tracks the
//! CLINT's mtime. The checks hold for exact counting (rvsim) and for QEMU's host-tick
//! counters alike.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{check, csrr, csrw, entry, finish, mtime};

entry!(main);

fn nops_100() {
    unsafe { asm!(".rept 100", "nop", ".endr") };
}

fn main() -> u32 {
    // minstret counts retired instructions: at least 100 for 100 NOPs.
    let a = csrr!(minstret);
    nops_100();
    let b = csrr!(minstret);
    check!("minstret advances by at least the 100 nops", b.wrapping_sub(a) >= 100);
    let a = csrr!(mcycle);
    nops_100();
    let b = csrr!(mcycle);
    check!("mcycle advances", b.wrapping_sub(a) >= 1);
    // Shadows read the same counters (a little later).
    let (m, u) = (csrr!(minstret), csrr!(instret));
    check!("instret >= minstret read just before", u >= m && u - m < 1_000_000);
    let (m, u) = (csrr!(mcycle), csrr!(cycle));
    check!("cycle >= mcycle read just before", u >= m && u - m < 1_000_000_000);

    // Writes: the counter continues from the written value.
    csrw!(minstret, 1 << 40);
    let v = csrr!(minstret);
    check!("minstret after write >= written", v >= 1 << 40);
    check!("minstret after write is near the written value", v < (1 << 40) + 1_000_000_000);
    csrw!(minstret, 0);
    let v = csrr!(minstret);
    check!("minstret written to 0 restarts low", v < 1_000_000_000);
    csrw!(mcycle, 1 << 50);
    let v = csrr!(mcycle);
    check!("mcycle after write", ((1 << 50)..(1 << 50) + 1_000_000_000).contains(&v));
    check!("cycle shadows the written mcycle", csrr!(cycle) >= 1 << 50);

    // mcountinhibit.IR/CY freeze the counters (3.1.13).
    csrw!(mcountinhibit, 0b101);
    let (c1, i1) = (csrr!(mcycle), csrr!(minstret));
    nops_100();
    let (c2, i2) = (csrr!(mcycle), csrr!(minstret));
    csrw!(mcountinhibit, 0);
    check!("minstret frozen while inhibited", i1 == i2);
    check!("mcycle frozen while inhibited", c1 == c2);
    nops_100();
    check!("minstret counts again after inhibit cleared", csrr!(minstret) > i2);
    // A write while inhibited is kept exactly.
    csrw!(mcountinhibit, 0b100);
    csrw!(minstret, 12345);
    let v = csrr!(minstret);
    csrw!(mcountinhibit, 0);
    check!("minstret written while inhibited reads back exactly", v == 12345);

    // time (rdtime) follows the CLINT's mtime and advances.
    let t1 = csrr!(time);
    let m = mtime();
    let t2 = csrr!(time);
    check!("time <= mtime <= time (read in order)", t1 <= m && m <= t2);
    let mut spin = 0u64;
    while csrr!(time) == t2 && spin < 100_000_000 {
        spin += 1;
    }
    check!("time advances", csrr!(time) > t2);
    finish("zicsr_counters")
}
