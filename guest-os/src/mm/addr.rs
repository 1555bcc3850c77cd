//! Address newtypes: physical/virtual addresses and page numbers never mix by accident.

use super::PAGE_SIZE;

/// A physical address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhysAddr(pub u64);
/// A virtual address (Sv39: 39 significant bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VirtAddr(pub u64);
/// A physical page number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ppn(pub u64);
/// A virtual page number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Vpn(pub u64);

impl PhysAddr {
    /// The page containing this address.
    pub const fn ppn(self) -> Ppn {
        Ppn(self.0 / PAGE_SIZE)
    }
}

impl Ppn {
    /// The address of the first byte of this page.
    pub const fn addr(self) -> PhysAddr {
        PhysAddr(self.0 * PAGE_SIZE)
    }
}

impl VirtAddr {
    /// The page containing this address.
    pub const fn vpn(self) -> Vpn {
        Vpn(self.0 / PAGE_SIZE)
    }
    /// Offset inside the page.
    pub const fn page_offset(self) -> u64 {
        self.0 % PAGE_SIZE
    }
}

impl Vpn {
    /// The address of the first byte of this page.
    pub const fn addr(self) -> VirtAddr {
        VirtAddr(self.0 * PAGE_SIZE)
    }
    /// The 9-bit index into the page table at `level` (2 = root) (priv spec 10.6.2).
    pub const fn index(self, level: usize) -> usize {
        ((self.0 >> (9 * level)) & 0x1ff) as usize
    }
}
