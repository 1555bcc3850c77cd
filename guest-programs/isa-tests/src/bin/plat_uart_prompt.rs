//! A shell prompt without a newline: the program prints `$ ` (as xv6's `sh` does before
//! reading a command) and then waits forever in WFI with no interrupt enabled. Run by the
//! `rvsim` binary in `tests/tests/platform.rs`: the prompt must reach the host's stdout
//! while the guest waits (it used to sit in stdout's line buffer until the next newline,
//! so a script feeding xv6's shell never saw the prompt), and SIGTERM must end the run
//! with statistics printed.
#![no_std]
#![no_main]

use isa_tests::{entry, putc};

entry!(main);

fn main() -> u32 {
    putc(b'$');
    putc(b' ');
    loop {
        // SAFETY: WFI with every interrupt disabled only idles (Privileged 3.3.3).
        unsafe { core::arch::asm!("wfi") };
    }
}
