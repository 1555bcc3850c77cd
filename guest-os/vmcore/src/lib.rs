//! The kernel-independent heart of the guest OS's virtual memory, as pure logic that is
//! unit-tested on the host and linked into the kernel for `riscv64gc-unknown-none-elf`.
//!
//! Everything here is a data structure or a decision rule; nothing touches a page table,
//! a device or a lock. The kernel owns the mechanism (walk the page table, copy the page,
//! write the disk, flush the TLB) and asks this crate for the policy:
//!
//! | module | question it answers |
//! |---|---|
//! | [`vma`] | which virtual addresses does this process own, with which rights and backing? (`mmap`, `munmap`, `mprotect`, `brk`) |
//! | [`asid`] | which ASID does this page table run with, and when must the TLB be flushed because one is reused? |
//! | [`swap`] | where on the swap disk does an evicted page go, and how does its PTE remember that? |
//! | [`replace`] | which resident page should be evicted next? (Clock, FIFO, aging, random; OPT and Belady's anomaly in a simulator) |
//! | [`pool`] | whose page: any process's (global) or the faulting one's own (per-process working sets)? (the mode; the kernel keeps the table) |
//! | [`thrash`] | is the system thrashing, and which whole process should be swapped out or back in? |
//! | [`oom`] | swap is full too: which process does the OOM killer end? |
//!
//! Storage: every structure has a fixed capacity chosen by a const generic
//! (`VmaSet<256>`, `SwapSlots<256>`, ...), and all but [`vma::VmaSet`] have a `const`
//! constructor, so the kernel can place them in `static`s; an operation that would exceed
//! the capacity returns an error. Only `VmaSet` uses the heap (its areas carry the
//! kernel's payload, an open file among others), through `try_reserve`: no operation
//! aborts on a full heap, it fails with `ENOMEM` and changes nothing. No function panics on bad input; errors are values
//! ([`Errno`] with Linux's numbers where a system call reports them).
//!
//! See `docs/vm-policies.md` for the contract between this crate and the kernel (who holds
//! which lock, when accessed bits are cleared, when the TLB must be flushed).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod asid;
pub mod oom;
pub mod pool;
pub mod replace;
pub mod swap;
pub mod thrash;
pub mod vma;

/// Size of a base page and of a physical frame (Sv39 4 KiB pages, Privileged spec 4.3).
pub const PAGE_SIZE: u64 = 4096;
/// log2 of [`PAGE_SIZE`].
pub const PAGE_SHIFT: u32 = 12;

/// Rounds `x` up to a multiple of [`PAGE_SIZE`]; `None` when that overflows `u64`.
pub const fn page_round_up(x: u64) -> Option<u64> {
    match x.checked_add(PAGE_SIZE - 1) {
        Some(v) => Some(v & !(PAGE_SIZE - 1)),
        None => None,
    }
}

/// Rounds `x` down to a multiple of [`PAGE_SIZE`].
pub const fn page_round_down(x: u64) -> u64 {
    x & !(PAGE_SIZE - 1)
}

/// True when `x` is a multiple of [`PAGE_SIZE`].
pub const fn is_page_aligned(x: u64) -> bool {
    x & (PAGE_SIZE - 1) == 0
}

/// Linux error numbers (include/uapi/asm-generic/errno-base.h) that the operations of this
/// crate report; a system call returns `-(errno as i64)` in `a0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Errno {
    /// Operation not permitted (e.g. `MAP_FIXED` below `mmap_min_addr`).
    EPERM = abi::errno::EPERM as i32,
    /// Out of memory: no room in the address space, or too many mappings.
    ENOMEM = abi::errno::ENOMEM as i32,
    /// Permission denied (e.g. `mprotect` asks for more than the mapping may ever have).
    EACCES = abi::errno::EACCES as i32,
    /// The range is already mapped (`MAP_FIXED_NOREPLACE`).
    EEXIST = abi::errno::EEXIST as i32,
    /// Invalid argument: misaligned address or offset, zero length, bad flags.
    EINVAL = abi::errno::EINVAL as i32,
    /// Value too large: `mmap` file offset plus length overflows.
    EOVERFLOW = abi::errno::EOVERFLOW as i32,
}

impl Errno {
    /// The positive error number.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The value a system call returns in `a0`: `-errno`.
    pub const fn as_syscall_ret(self) -> i64 {
        -(self as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel keeps these structures in `static`s: their constructors are `const fn`
    /// (a failed construction would be a compile error here, not a boot-time panic).
    macro_rules! konst {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(_) => panic!("bad constant"),
            }
        };
    }
    static SLOTS: swap::SwapSlots<256> = konst!(swap::SwapSlots::new(16384));
    static POLICY: replace::PolicySet<32768> = replace::PolicySet::new(replace::PolicyKind::Clock, 0);

    #[test]
    fn structures_can_live_in_statics() {
        use replace::Policy;
        assert!(!SLOTS.is_full());
        assert_eq!(POLICY.capacity(), 32768);
    }

    #[test]
    fn page_rounding() {
        assert_eq!(page_round_up(0), Some(0));
        assert_eq!(page_round_up(1), Some(PAGE_SIZE));
        assert_eq!(page_round_up(PAGE_SIZE), Some(PAGE_SIZE));
        assert_eq!(page_round_up(u64::MAX), None);
        assert_eq!(page_round_down(PAGE_SIZE + 5), PAGE_SIZE);
        assert!(is_page_aligned(0) && !is_page_aligned(8));
        assert_eq!(Errno::EEXIST.as_syscall_ret(), -17);
        assert_eq!(Errno::EOVERFLOW.code(), 75);
    }
}
