//! The kernel image for SBI firmware (linked at 0x8020_0000 by `kernel-sbi.ld`); all code
//! is in the `kernel` library.
#![no_std]
// Every `unsafe` block says why it is sound (docs/decisions.md, "Unsafe").
#![deny(clippy::undocumented_unsafe_blocks)]
#![no_main]
extern crate kernel;
