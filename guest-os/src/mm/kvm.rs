//! The kernel's mappings, shared by every page table as root (gigapage) entries:
//! RAM at the identity (RWX, global) and physical 0..1 GiB (the MMIO devices) at
//! [`MMIO_BASE`] (RW, global). See the layout in `mm/mod.rs`.

use super::addr::Ppn;
use super::pagetable::{make_pte, PageTable, PTE_A, PTE_D, PTE_G, PTE_R, PTE_V, PTE_W, PTE_X};
use alloc::vec::Vec;
use spin::Mutex;

/// Virtual address of physical address 0 in the MMIO alias.
pub const MMIO_BASE: u64 = 0x3f_c000_0000;
/// Root entries below this index belong to user space (VA < 2 GiB).
pub const USER_ROOTS: usize = 2;
const GIB: u64 = 1 << 30;

static KERNEL_ROOTS: Mutex<Vec<(usize, u64)>> = Mutex::new(Vec::new());

/// The (root index, PTE) pairs every page table carries.
pub fn kernel_roots() -> Vec<(usize, u64)> {
    KERNEL_ROOTS.lock().clone()
}

/// Builds the kernel's mappings for RAM `[ram_base, ram_base + ram_size)` and turns
/// paging on with a kernel-only table. Returns that table's satp (used when idle).
pub fn init(ram_base: u64, ram_size: u64) -> u64 {
    let mut roots = Vec::new();
    let flags = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G;
    let mut pa = ram_base & !(GIB - 1);
    while pa < ram_base + ram_size {
        roots.push(((pa / GIB) as usize, make_pte(Ppn(pa >> 12), flags | PTE_X)));
        pa += GIB;
    }
    roots.push((((MMIO_BASE / GIB) & 0x1ff) as usize, make_pte(Ppn(0), flags)));
    *KERNEL_ROOTS.lock() = roots.clone();
    let pt = match PageTable::new(&roots) {
        Some(pt) => pt,
        None => panic!("no memory for the kernel page table"),
    };
    let satp = pt.satp();
    super::fault::init();
    crate::arch::csr::set_satp_and_flush(satp);
    crate::arch::set_mmio_offset(MMIO_BASE);
    satp
}
