//! User page-fault dispatch: decides from the faulting address, the access kind and the
//! VMA what a fault means. Today every VMA is mapped eagerly, so a fault inside a VMA with
//! the right permission can only be a page not yet mapped in an anonymous area, which is
//! filled with a zero page (demand zero); every other fault is unresolvable and the
//! process is killed. This is where copy-on-write breaks, demand loading from files,
//! swap-in and stack growth will go.

use super::page_down;
use super::pagetable::{PTE_R, PTE_W, PTE_X};
use super::vm::{AddressSpace, VmaKind};

/// The access that faulted (from scause: 12 fetch, 13 load, 15 store).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Fetch,
    Load,
    Store,
}

/// Why a fault could not be resolved (the kill message shows it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unresolved {
    /// No VMA covers the address.
    NoMapping,
    /// A VMA covers it but does not allow this access.
    Protection(VmaKind),
    /// Out of memory while resolving.
    OutOfMemory,
}

impl Unresolved {
    /// A short description for the kill message.
    pub fn describe(self) -> &'static str {
        match self {
            Unresolved::NoMapping => "no mapping",
            Unresolved::Protection(VmaKind::Elf) => "not permitted in program segment",
            Unresolved::Protection(VmaKind::Heap) => "not permitted in heap",
            Unresolved::Protection(VmaKind::Stack) => "not permitted in stack",
            Unresolved::Protection(VmaKind::Anon) => "not permitted in mapping",
            Unresolved::OutOfMemory => "out of memory",
        }
    }
}

/// Handles a user page fault at `va`; `Ok` means retry the instruction.
pub fn handle(aspace: &mut AddressSpace, va: u64, access: Access) -> Result<(), Unresolved> {
    let vma = *aspace.find_vma(va).ok_or(Unresolved::NoMapping)?;
    let need = match access {
        Access::Fetch => PTE_X,
        Access::Load => PTE_R,
        Access::Store => PTE_W,
    };
    if vma.perm & need == 0 {
        return Err(Unresolved::Protection(vma.kind));
    }
    if aspace.frame_at(va).is_some() {
        // Mapped with the right permission: a stale TLB entry; retrying is enough.
        crate::arch::csr::sfence_all();
        return Ok(());
    }
    match vma.kind {
        VmaKind::Heap | VmaKind::Stack | VmaKind::Anon => {
            aspace.map_page_zeroed(page_down(va), vma.perm).map_err(|_| Unresolved::OutOfMemory)
        }
        VmaKind::Elf => Err(Unresolved::Protection(vma.kind)),
    }
}
