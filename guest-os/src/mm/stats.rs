//! System-wide paging counters (the per-process ones live in each `AddressSpace`), and
//! the number of mappings of the shared zero frame. Read by `RVSIM_VMSTAT`.

use abi::VmCounters;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

static GLOBAL: Mutex<VmCounters> = Mutex::new(VmCounters {
    minor_faults: 0,
    major_faults: 0,
    zero_fills: 0,
    cow_copies: 0,
    cow_reuses: 0,
    stack_growth: 0,
    bad_faults: 0,
    fork_shared: 0,
});
static ZERO_REFS: AtomicU64 = AtomicU64::new(0);

/// Updates the global counters.
pub fn with(f: impl FnOnce(&mut VmCounters)) {
    f(&mut GLOBAL.lock());
}

/// A copy of the global counters.
pub fn global() -> VmCounters {
    *GLOBAL.lock()
}

/// One more PTE maps the zero frame.
pub fn zero_mapped() {
    ZERO_REFS.fetch_add(1, Ordering::Relaxed);
}

/// One PTE less maps the zero frame.
pub fn zero_unmapped() {
    ZERO_REFS.fetch_sub(1, Ordering::Relaxed);
}

/// PTEs mapping the zero frame, system-wide.
pub fn zero_refs() -> u64 {
    ZERO_REFS.load(Ordering::Relaxed)
}
