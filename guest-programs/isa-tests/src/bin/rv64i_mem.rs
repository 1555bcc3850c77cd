//! RV64I loads and stores (Unprivileged 2.6, 4.3): every width with sign or zero
//! extension, offsets at the immediate's edges, store widths not disturbing neighbours,
//! and misaligned accesses to main memory, which complete on this platform (2.6: "may be
//! handled in hardware" - both QEMU virt and rvsim do).
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{check_eq, entry, finish};

entry!(main);

#[repr(C, align(4096))]
struct Buf([u8; 8192]);
static mut BUF: Buf = Buf([0; 8192]);

macro_rules! load {
    ($op:literal, $addr:expr, $off:literal) => {{
        let r: u64;
        unsafe { asm!(concat!($op, " {r}, ", $off, "({a})"), r = out(reg) r, a = in(reg) ($addr)) };
        r
    }};
}
macro_rules! store {
    ($op:literal, $addr:expr, $off:literal, $v:expr) => {{
        unsafe { asm!(concat!($op, " {v}, ", $off, "({a})"), v = in(reg) ($v) as u64, a = in(reg) ($addr)) };
    }};
}

/// Fills the 512 bytes around `at` with `pattern`.
fn fill(at: u64, pattern: u64) {
    for k in 0..64u64 {
        unsafe { core::ptr::write_volatile((at - 256 + 8 * k) as *mut u64, pattern) };
    }
}

fn main() -> u32 {
    let base = core::ptr::addr_of_mut!(BUF) as u64;
    let mid = base + 2048; // room for negative offsets
    unsafe { core::ptr::write_volatile(mid as *mut u64, 0x8182_8384_f5f6_f7f8) };
    check_eq!("lb sign-extends", load!("lb", mid, 0), 0xffff_ffff_ffff_fff8u64);
    check_eq!("lbu zero-extends", load!("lbu", mid, 0), 0xf8);
    check_eq!("lh sign-extends", load!("lh", mid, 0), 0xffff_ffff_ffff_f7f8u64);
    check_eq!("lhu zero-extends", load!("lhu", mid, 0), 0xf7f8);
    check_eq!("lw sign-extends", load!("lw", mid, 0), 0xffff_ffff_f5f6_f7f8u64);
    check_eq!("lwu zero-extends", load!("lwu", mid, 0), 0xf5f6_f7f8u64);
    check_eq!("ld", load!("ld", mid, 0), 0x8182_8384_f5f6_f7f8u64);
    check_eq!("lw upper word", load!("lw", mid, 4), 0xffff_ffff_8182_8384u64);
    check_eq!("lb positive", load!("lb", mid + 8, -8), 0xffff_ffff_ffff_fff8u64);
    unsafe { core::ptr::write_volatile(mid as *mut u64, 0x0102_0304_7576_7778) };
    check_eq!("lb positive value", load!("lb", mid, 0), 0x78);
    check_eq!("lh positive value", load!("lh", mid, 0), 0x7778);
    check_eq!("lw positive value", load!("lw", mid, 0), 0x7576_7778);

    // Immediate edges: +2047 and -2048.
    unsafe { core::ptr::write_volatile((mid + 2047) as *mut u8, 0x5a) };
    unsafe { core::ptr::write_volatile((mid - 2048) as *mut u8, 0xa5) };
    check_eq!("lbu offset 2047", load!("lbu", mid, 2047), 0x5a);
    check_eq!("lbu offset -2048", load!("lbu", mid, -2048), 0xa5);

    // Stores write exactly their width.
    fill(mid, u64::MAX);
    store!("sb", mid, 1, 0x1234_5678_9abc_def0u64);
    check_eq!("sb", load!("ld", mid, 0), 0xffff_ffff_ffff_f0ffu64);
    fill(mid, u64::MAX);
    store!("sh", mid, 2, 0x1234_5678_9abc_def0u64);
    check_eq!("sh", load!("ld", mid, 0), 0xffff_ffff_def0_ffffu64);
    fill(mid, u64::MAX);
    store!("sw", mid, 4, 0x1234_5678_9abc_def0u64);
    check_eq!("sw", load!("ld", mid, 0), 0x9abc_def0_ffff_ffffu64);
    check_eq!("sw leaves next dword", load!("ld", mid, 8), u64::MAX);
    store!("sd", mid, -8, 0x1234_5678_9abc_def0u64);
    check_eq!("sd negative offset", load!("ld", mid, -8), 0x1234_5678_9abc_def0u64);
    check_eq!("sd leaves next dword", load!("ld", mid, 0), 0x9abc_def0_ffff_ffffu64);

    // Misaligned accesses to RAM complete with the little-endian value.
    for (k, b) in (0u64..16).zip(0x10u8..) {
        unsafe { core::ptr::write_volatile((mid + k) as *mut u8, b) };
    }
    check_eq!("lh misaligned", load!("lh", mid, 1), 0x1211);
    check_eq!("lhu misaligned", load!("lhu", mid, 3), 0x1413);
    check_eq!("lw misaligned +1", load!("lw", mid, 1), 0x1413_1211);
    check_eq!("lw misaligned +3", load!("lw", mid, 3), 0x1615_1413);
    check_eq!("lwu misaligned", load!("lwu", mid, 2), 0x1514_1312);
    check_eq!("ld misaligned +1", load!("ld", mid, 1), 0x1817_1615_1413_1211u64);
    check_eq!("ld misaligned +7", load!("ld", mid, 7), 0x1e1d_1c1b_1a19_1817u64);
    fill(mid, 0);
    store!("sw", mid, 3, 0xaabb_ccddu64);
    check_eq!("sw misaligned", load!("ld", mid, 0), 0x00aa_bbcc_dd00_0000u64);
    fill(mid, 0);
    store!("sd", mid, 5, 0x1122_3344_5566_7788u64);
    check_eq!("sd misaligned low", load!("ld", mid, 0), 0x6677_8800_0000_0000u64);
    check_eq!("sd misaligned high", load!("ld", mid, 8), 0x0000_0011_2233_4455u64);
    store!("sh", mid, 17, 0xbeefu64);
    check_eq!("sh misaligned", load!("lhu", mid, 17), 0xbeef);
    // Crossing a page boundary (BUF spans two pages).
    let page = base + 4096;
    fill(page, 0);
    store!("sd", page, -3, 0x0102_0304_0506_0708u64);
    check_eq!("sd across page", load!("ld", page, -3), 0x0102_0304_0506_0708u64);
    check_eq!("lwu after page-crossing sd", load!("lwu", page, 0), 0x0203_0405u64);
    finish("rv64i_mem")
}
