//! Zifencei (Unprivileged ch. "Zifencei"): after storing new instructions, FENCE.I makes
//! them visible to instruction fetch on the same hart. A routine in RAM is executed,
//! rewritten (both a 32-bit and a compressed instruction), fenced, and executed again.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{check_eq, entry, finish};

entry!(main);

/// Room for a small routine; written at run time, so it lives in writable memory.
#[repr(C, align(64))]
struct Code([u32; 16]);
static mut CODE: Code = Code([0; 16]);

/// `addi a0, zero, imm`.
const fn addi_a0(imm: u32) -> u32 {
    (imm << 20) | (10 << 7) | 0x13
}
const RET: u32 = 0x0000_8067; // jalr x0, 0(ra)

fn call(addr: u64) -> u64 {
    let r: u64;
    unsafe { asm!("jalr ra, 0({f})", f = in(reg) addr, out("a0") r, out("ra") _) };
    r
}

fn store32(addr: u64, v: u32) {
    unsafe { core::ptr::write_volatile(addr as *mut u32, v) };
}

fn main() -> u32 {
    let code = core::ptr::addr_of_mut!(CODE) as u64;
    store32(code, addi_a0(1));
    store32(code + 4, RET);
    unsafe { asm!("fence.i") };
    check_eq!("first version runs", call(code), 1);
    // Run it a few times so an implementation caches the decoded block.
    for _ in 0..3 {
        call(code);
    }
    store32(code, addi_a0(2));
    unsafe { asm!("fence.i") };
    check_eq!("rewritten instruction runs after fence.i", call(code), 2);
    // Replace with a compressed pair: c.li a0, 7 ; c.jr ra.
    store32(code, 0x8082_451d);
    unsafe { asm!("fence.i") };
    check_eq!("compressed replacement runs after fence.i", call(code), 7);
    // Rewriting the next instruction in straight-line code, then fence.i, then falling
    // into it.
    let r: u64;
    unsafe {
        asm!(
            "lla {p}, 2f",
            "sw {n}, 0({p})",
            "fence.i",
            ".option push",
            ".option norvc",
            "2: addi a0, zero, 1",
            ".option pop",
            p = out(reg) _, n = in(reg) addi_a0(42), out("a0") r
        )
    };
    check_eq!("self-modified next instruction", r, 42);
    finish("rv64i_fencei")
}
