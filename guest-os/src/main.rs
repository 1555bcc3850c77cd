//! The kernel image for `-bios none` (linked at 0x8000_0000 by `kernel.ld`); all code is
//! in the `kernel` library.
#![no_std]
#![no_main]
extern crate kernel;
