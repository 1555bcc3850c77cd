//! Memory management: address newtypes, the frame allocator (with reference counts so
//! frames can be shared copy-on-write), Sv39 page tables, the kernel's mappings and
//! per-process address spaces made of VMAs, and paging.
//!
//! Layers, each calling only the ones below it (drawn in docs/vm.md, "Layers"):
//! ```text
//! oom          the OOM killer                                  mm/oom.rs
//! reclaim      watermarks, victims, aging; file pages          mm/reclaim.rs, filereclaim.rs, thrash.rs
//! swap         device, cache, out, in                          mm/swap/
//! rmap         reverse map and the replacement lists           mm/rmap.rs, policy.rs, wset.rs
//! page tables  Sv39 tables, VMAs, faults                       mm/pagetable.rs, vm.rs, fault.rs
//! frames       the frame allocator                             mm/frame.rs
//! ```
//! (The fault handler, at the page-table level, starts reclaim and the OOM killer: the
//! one place a lower layer asks for memory to be made.)
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
pub mod fault;
pub mod filereclaim;
pub mod frame;
pub mod kvm;
pub mod mmap;
pub mod oom;
pub mod pagecache;
pub mod pagetable;
pub mod policy;
pub mod reclaim;
pub mod rmap;
pub mod stats;
pub mod swap;
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

/// Boot: the reverse map and the reclaim watermarks (after the frame allocator and the
/// swap device). The `vm.*` tunables of the command line are applied by the caller
/// (`vmsys::apply_bootargs`), which then prints the summary ([`reclaim::announce`]).
pub fn init(bootargs: &[u8]) {
    rmap::init();
    reclaim::init(bootargs);
}

/// The timer tick (`proc::tick`, `now` in ns): the one entry from the scheduler into
/// memory management: the aging pass of the replacement policy, then the thrashing
/// controller.
pub fn tick(ticks: u64, now: u64) {
    reclaim::tick(ticks);
    thrash::tick(ticks, now);
}

/// The swap, working-set and thrashing fields of `abi::VmStat` for process `pid`
/// (address space `a`), in declaration order.
pub fn vmstat_words(a: &vm::AddressSpace, pid: i32) -> [u64; 16] {
    use crate::proc;
    use core::sync::atomic::Ordering;
    let (used, total) = swap::usage();
    let (min, max, _) = proc::ws_of(pid).unwrap_or((0, 0, 0));
    let eff = wset::effective_max(max, frame::stats().1 as u64, proc::live_count());
    let (pff, system_pff) = thrash::rates(pid);
    [
        swap::SWAP_OUTS.load(Ordering::Relaxed),
        swap::SWAP_INS.load(Ordering::Relaxed),
        swap::EVICTIONS.load(Ordering::Relaxed),
        oom::OOM_KILLS.load(Ordering::Relaxed),
        used,
        total,
        policy::index(policy::kind()),
        a.swapped as u64,
        (wset::scope() == vmcore::pool::Mode::PerProcess) as u64,
        min,
        max,
        eff,
        pff,
        system_pff,
        thrash::SWAP_OUTS.load(Ordering::Relaxed),
        thrash::SWAP_INS.load(Ordering::Relaxed),
    ]
}
