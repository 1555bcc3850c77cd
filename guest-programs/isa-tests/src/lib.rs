//! The bare-metal runtime shared by the ISA test programs: `_start` (stack, bss, trap
//! vector), console output on the UART, and exit through the test finisher.
//!
//! A program defines `fn main() -> u32` via [`entry!`]; returning 0 passes, anything else
//! fails with that code. Every program also runs unchanged on
//! `qemu-system-riscv64 -machine virt -bios none -kernel PROGRAM`.

#![no_std]

use core::fmt::{self, Write};

pub const UART: usize = 0x1000_0000;
pub const FINISHER: usize = 0x10_0000;

core::arch::global_asm!(
    r#"
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call rust_start
3:  j 3b
"#
);

/// Writes one byte to the UART transmit register.
pub fn putc(b: u8) {
    // SAFETY: the UART's THR is a byte-wide MMIO register at this fixed address.
    unsafe { core::ptr::write_volatile(UART as *mut u8, b) }
}

/// The console as a `fmt::Write` sink.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(putc);
        Ok(())
    }
}

#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = writeln!($crate::Console, $($arg)*);
    }};
}

/// Ends the run through the test finisher: 0 passes, anything else fails with that code.
pub fn exit(code: u32) -> ! {
    let v = if code == 0 { 0x5555 } else { (code << 16) | 0x3333 };
    // SAFETY: the finisher is a 32-bit MMIO register at this fixed address.
    unsafe { core::ptr::write_volatile(FINISHER as *mut u32, v) };
    loop {
        core::hint::spin_loop();
    }
}

/// Declares the program's `main`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        extern "C" fn rust_start() -> ! {
            let f: fn() -> u32 = $main;
            $crate::exit(f())
        }
    };
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("panic: {info}");
    exit(255)
}
