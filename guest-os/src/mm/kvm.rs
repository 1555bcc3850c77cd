//! The kernel's mappings, shared by every page table as root (gigapage) entries of the
//! upper half (root indices 256..512): the direct map of physical memory at
//! `abi::layout::PAGE_OFFSET` + pa, holding RAM (RWX, global; the kernel image runs from
//! there) and physical 0..1 GiB, the MMIO devices (RW, global). Root entries 0..256, the
//! lower half, are user space. See the layout in `mm/mod.rs`.

use super::addr::Ppn;
use super::pagetable::{make_pte, PageTable, PTE_A, PTE_D, PTE_G, PTE_R, PTE_V, PTE_W, PTE_X};
use alloc::vec::Vec;
use spin::Mutex;

/// Root entries below this index belong to user space: the Sv39 lower half,
/// VA < `abi::layout::USER_TOP`.
pub const USER_ROOTS: usize = (abi::layout::USER_TOP >> 30) as usize;
const GIB: u64 = 1 << 30;
const _: () = assert!(USER_ROOTS == 256, "user space is the Sv39 lower half");

static KERNEL_ROOTS: Mutex<Vec<(usize, u64)>> = Mutex::new(Vec::new());

/// The (root index, PTE) pairs every page table carries.
pub fn kernel_roots() -> Vec<(usize, u64)> {
    KERNEL_ROOTS.lock().clone()
}

/// The root index of the direct-map gigapage holding physical address `pa`.
fn root_index(pa: u64) -> usize {
    ((crate::arch::phys_to_virt(pa) >> 30) & 0x1ff) as usize
}

/// Builds the kernel's mappings for RAM `[ram_base, ram_base + ram_size)` and turns
/// paging on with a kernel-only table (replacing the boot page table, whose identity
/// part goes away). Returns that table's satp (used when idle).
pub fn init(ram_base: u64, ram_size: u64) -> u64 {
    let mut roots = Vec::new();
    let flags = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G;
    let mut pa = ram_base & !(GIB - 1);
    // The direct map covers the 256 GiB of the upper half; RAM beyond is not used.
    while pa < ram_base + ram_size && pa < 256 * GIB {
        roots.push((root_index(pa), make_pte(Ppn(pa >> 12), flags | PTE_X)));
        pa += GIB;
    }
    roots.push((root_index(0), make_pte(Ppn(0), flags)));
    *KERNEL_ROOTS.lock() = roots.clone();
    let pt = match PageTable::new(&roots) {
        Some(pt) => pt,
        None => panic!("no memory for the kernel page table"),
    };
    let satp = pt.satp();
    super::fault::init();
    crate::arch::csr::set_satp_and_flush(satp);
    satp
}
