//! Instruction fetch edge cases (Unprivileged 1.5, Zifencei): a 32-bit instruction
//! straddling a 4 KiB page boundary; a jump into the middle of a 32-bit instruction
//! whose upper half is itself a valid compressed instruction; code rewritten by an AMO,
//! by SC and by a misaligned store, each made visible with FENCE.I.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{check_eq, entry, finish};

entry!(main);

#[repr(C, align(4096))]
struct Pages([u8; 8192]);
static mut CODE: Pages = Pages([0; 8192]);

const RET: u32 = 0x0000_8067;

fn base() -> u64 {
    core::ptr::addr_of_mut!(CODE) as u64
}
fn w16(addr: u64, v: u16) {
    unsafe { core::ptr::write_volatile(addr as *mut u16, v) };
}
fn w32(addr: u64, v: u32) {
    w16(addr, v as u16);
    w16(addr + 2, (v >> 16) as u16);
}
fn fence_i() {
    unsafe { asm!("fence.i") };
}
/// Calls `addr` with a0 = `a`, returns a0.
fn call(addr: u64, a: u64) -> u64 {
    let mut r = a;
    unsafe { asm!("jalr ra, 0({f})", f = in(reg) addr, inout("a0") r, out("ra") _) };
    r
}
const fn addi_a0_a0(imm: u32) -> u32 {
    (imm << 20) | (10 << 15) | (10 << 7) | 0x13
}

fn main() -> u32 {
    // addi a0, a0, 1 straddling the page boundary, then ret.
    let edge = base() + 4096 - 2;
    w32(edge, addi_a0_a0(1));
    w32(edge + 4, RET);
    fence_i();
    check_eq!("32-bit instruction across a page boundary", call(edge, 10), 11);
    // Rewrite only the half on the second page: imm 1 -> imm 0x101 (bits 31:20).
    w16(edge + 2, (addi_a0_a0(0x101) >> 16) as u16);
    fence_i();
    check_eq!("second half rewritten on the next page", call(edge, 10), 10 + 0x101);
    // Jump into the middle: lui a0, 0x45150 = 0x45150537; its upper half 0x4515 is
    // c.li a0, 5.
    let mid = base() + 64;
    w32(mid, 0x4515_0537);
    w32(mid + 4, RET);
    fence_i();
    check_eq!("whole 32-bit instruction", call(mid, 0), 0x4515_0000);
    check_eq!("entered at its upper half: c.li a0, 5", call(mid + 2, 0), 5);
    check_eq!("whole instruction again after the overlapping decode", call(mid, 0), 0x4515_0000);
    // Code written by an AMO.
    let f = base() + 128;
    w32(f, addi_a0_a0(1));
    w32(f + 4, RET);
    fence_i();
    check_eq!("before amoswap", call(f, 0), 1);
    unsafe { asm!("amoswap.w x0, {n}, ({a})", n = in(reg) addi_a0_a0(7) as u64, a = in(reg) f) };
    fence_i();
    check_eq!("after amoswap.w + fence.i", call(f, 0), 7);
    // Code written by SC.
    let r: u64;
    unsafe {
        asm!("1: lr.w {t}, ({a})", "sc.w {r}, {n}, ({a})", "bnez {r}, 1b", t = out(reg) _, r = out(reg) r, n = in(reg) addi_a0_a0(9) as u64, a = in(reg) f)
    };
    fence_i();
    check_eq!("sc.w succeeded", r, 0);
    check_eq!("after sc.w + fence.i", call(f, 0), 9);
    // Code written by a misaligned doubleword store covering the addi and half the ret.
    let word = addi_a0_a0(11) as u64;
    let v = (word << 16) | 0x0001 | ((RET as u64 & 0xffff) << 48); // c.nop, addi, ret low half
    unsafe { asm!("sd {v}, 0({a})", v = in(reg) v, a = in(reg) f - 2) };
    fence_i();
    check_eq!("after misaligned sd + fence.i", call(f, 0), 11);
    finish("rv64i_fetch_edges")
}
