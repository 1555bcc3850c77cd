//! Numbers shared by the guest kernel, the user runtime and the emulator, in one place:
//! Linux RISC-V syscall numbers (asm-generic/unistd.h), errno values, mmap/prot flags and
//! the MMIO map of the machine. No dependencies, `no_std`.

#![no_std]

/// Physical memory map of the `virt`-compatible machine.
pub mod mmio {
    pub const BOOT_ROM: u64 = 0x0000_1000;
    pub const FINISHER: u64 = 0x0010_0000;
    pub const CLINT: u64 = 0x0200_0000;
    pub const PLIC: u64 = 0x0c00_0000;
    pub const UART0: u64 = 0x1000_0000;
    pub const VIRTIO0: u64 = 0x1000_1000;
    pub const VIRTIO_STRIDE: u64 = 0x1000;
    pub const RAM: u64 = 0x8000_0000;
}
