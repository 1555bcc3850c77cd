//! HINTs and FENCE variants execute without effect or trap (Unprivileged 2.9 "HINT
//! Instructions" table, 16.x compressed HINTs, 2.7 FENCE): integer ops with rd = x0,
//! compressed ops with rd = x0 or shamt = 0, FENCE with any predecessor/successor set,
//! FENCE.TSO, PAUSE, and FENCE's reserved rs1/rd fields ("base implementations shall
//! ignore these fields"). A load into x0 still performs the access (and can fault).
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{catch, cause, check_eq, entry, finish, UNMAPPED};

entry!(main);

/// Executes raw instruction data between setting a0 = 123 and reading a0 back; checks
/// nothing trapped and a0 is unchanged.
macro_rules! hint {
    ($dir:literal, $what:literal) => {{
        let mut r = 0u64;
        let t = catch(|| unsafe { asm!("li a0, 123", $dir, "mv {r}, a0", r = out(reg) r, out("a0") _) });
        check_eq!(concat!($what, ": no trap"), t.map_or(0, |t| t.cause | 0x100), 0);
        check_eq!(concat!($what, ": a0 unchanged"), r, 123);
    }};
}

fn main() -> u32 {
    // 32-bit HINTs (rd = x0).
    hint!(".4byte 0x00a00013", "addi x0, x0, 10");
    hint!(".4byte 0x00550033", "add x0, a0, t0");
    hint!(".4byte 0x12345037", "lui x0, 0x12345");
    hint!(".4byte 0x00551013", "slli x0, a0, 5");
    hint!(".4byte 0x0005001b", "addiw x0, a0, 0");
    // FENCE variants.
    hint!("fence", "fence iorw, iorw");
    hint!("fence r, r", "fence r, r");
    hint!("fence w, rw", "fence w, rw");
    hint!(".4byte 0x8330000f", "fence.tso");
    hint!(".4byte 0x0100000f", "pause");
    hint!(".4byte 0x0ff5000f", "fence with rs1 = a0 (ignored field)");
    hint!(".4byte 0x0ff0008f", "fence with rd = x1 (ignored field)");
    hint!("fence.i", "fence.i");
    // Compressed HINTs.
    hint!(".2byte 0x0005", "c.nop with imm 1 / c.addi x0, 1");
    hint!(".2byte 0x4005", "c.li x0, 1");
    hint!(".2byte 0x6005", "c.lui x0, 1");
    hint!(".2byte 0x802a", "c.mv x0, a0");
    hint!(".2byte 0x902a", "c.add x0, a0");
    hint!(".2byte 0x0006", "c.slli x0, 1");
    hint!(".2byte 0x0502", "c.slli a0, 0 (c.slli64)");
    hint!(".2byte 0x8101", "c.srli a0, 0 (c.srli64)");
    hint!(".2byte 0x8501", "c.srai a0, 0 (c.srai64)");
    // A load with rd = x0 still accesses memory: it faults on an unmapped address.
    let t = catch(|| unsafe { asm!("ld x0, 0({a})", a = in(reg) UNMAPPED) });
    check_eq!("ld x0 from unmapped faults", t.map_or(99, |t| t.cause), cause::LOAD_ACCESS);
    let t = catch(|| unsafe { asm!("lw x0, 4({a})", a = in(reg) UNMAPPED) });
    check_eq!("lw x0 fault tval", t.map_or(0, |t| t.tval), UNMAPPED + 4);
    finish("rv64i_hints")
}
