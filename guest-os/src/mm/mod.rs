//! Memory management: address newtypes, the frame allocator (with reference counts so
//! frames can later be shared copy-on-write), Sv39 page tables, the kernel's mappings and
//! per-process address spaces made of VMAs.
//!
//! Virtual memory layout of every process (Sv39, priv spec 10.6; `abi::layout`, drawn in
//! docs/os.md "Memory map"):
//! ```text
//! 0x0000_0000_0000_0000 .. 0x1000    unmapped (null page)
//! 0x0000_0000_0001_0000 ..           ELF segments (text, rodata, data, bss), then heap (brk)
//! 0x0000_0010_0000_0000 ..           anonymous mmap area (MMAP_BASE, grows up)
//!          .. 0x0000_0040_0000_0000  user stack (grows down from USER_TOP)
//! 0xffff_ffc0_0000_0000 .. +1 GiB    kernel: direct map of physical 0..1 GiB (MMIO, no U bit)
//! 0xffff_ffc0_8000_0000 .. +RAM      kernel: direct map of RAM, the kernel image included
//! ```
//! The kernel entries (root PTEs 256..512) are the same in every page table, so traps need
//! no `satp` switch, and U-mode cannot touch them (U = 0, priv spec 10.6.1 / SUM = 0).

pub mod addr;
pub mod asid;
pub mod evict;
pub mod fault;
pub mod filereclaim;
pub mod frame;
pub mod kvm;
pub mod mmap;
pub mod pagecache;
pub mod pagetable;
pub mod policy;
pub mod stats;
pub mod swap;
pub mod swapcache;
pub mod thrash;
pub mod vm;
pub mod wset;

/// Bytes per page.
pub const PAGE_SIZE: u64 = 4096;

/// Rounds `x` up to a page boundary (saturating).
pub const fn page_up(x: u64) -> u64 {
    match x.checked_add(PAGE_SIZE - 1) {
        Some(v) => v & !(PAGE_SIZE - 1),
        None => !(PAGE_SIZE - 1),
    }
}

/// Rounds `x` down to a page boundary.
pub const fn page_down(x: u64) -> u64 {
    x & !(PAGE_SIZE - 1)
}
