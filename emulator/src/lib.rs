//! rvsim: an instruction-level RV64GC emulator of QEMU's `virt` machine, with a modelled
//! MMU and TLBs whose work can be watched.
//!
//! The layout reads as the architecture: [`isa`] decodes, [`hart`] executes (with its
//! CSRs, traps and decoded-instruction cache), [`mmu`] translates, [`bus`] routes physical
//! addresses to [`ram`] and [`devices`], [`loader`] reads ELF files, [`machine`] puts it
//! together and [`trace`] observes it.

#![forbid(unsafe_code)]

pub mod bus;
pub mod devices;
pub mod fp;
pub mod gdb;
pub mod hart;
pub mod isa;
pub mod loader;
pub mod machine;
pub mod mmu;
pub mod ram;
pub mod trace;
