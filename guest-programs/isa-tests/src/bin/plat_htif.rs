//! HTIF as riscv-tests use it (Spike-style; not present on QEMU's virt board): console
//! output through the "bcd" device's putchar and through the syscall proxy's `write`,
//! a signature region for `--signature`, and the exit through `tohost = code << 1 | 1`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};
// The runtime: `_start` (calls `rust_start` below) and the panic handler.
use isa_tests as _;

#[export_name = "tohost"]
#[link_section = ".data"]
static TOHOST: AtomicU64 = AtomicU64::new(0);
#[export_name = "fromhost"]
#[link_section = ".data"]
static FROMHOST: AtomicU64 = AtomicU64::new(0);

core::arch::global_asm!(
    r#"
    .section .data
    .balign 16
    .globl begin_signature
begin_signature:
    .word 0xdeadbeef, 0x00000001, 0x12345678, 0xcafef00d
    .globl end_signature
end_signature:
"#
);

/// Sends one HTIF command and waits until the host has taken it.
fn htif(cmd: u64) {
    TOHOST.store(cmd, Ordering::SeqCst);
    while TOHOST.load(Ordering::SeqCst) != 0 {
        core::hint::spin_loop();
    }
}

/// The riscv-tests syscall proxy (benchmarks/common/syscalls.c).
fn syscall(which: u64, a0: u64, a1: u64, a2: u64) -> u64 {
    #[repr(C, align(64))]
    struct Magic([u64; 8]);
    let mut m = Magic([which, a0, a1, a2, 0, 0, 0, 0]);
    let p = core::ptr::addr_of_mut!(m) as u64;
    FROMHOST.store(0, Ordering::SeqCst);
    htif(p);
    while FROMHOST.load(Ordering::SeqCst) == 0 {
        core::hint::spin_loop();
    }
    FROMHOST.store(0, Ordering::SeqCst);
    // SAFETY: the host wrote the result into magic_mem[0].
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(m.0[0])) }
}

#[no_mangle]
extern "C" fn rust_start() -> ! {
    for b in b"htif: bcd putchar\n" {
        htif((1 << 56) | (1 << 48) | *b as u64);
    }
    let msg = b"htif: syscall write\n";
    let n = syscall(64, 1, msg.as_ptr() as u64, msg.len() as u64);
    let code = if n == msg.len() as u64 { 0 } else { 1 };
    TOHOST.store((code << 1) | 1, Ordering::SeqCst);
    loop {
        core::hint::spin_loop();
    }
}
