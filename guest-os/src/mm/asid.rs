//! The kernel's use of ASIDs (`satp.ASID`, Privileged 4.1.11): probing ASIDLEN at boot,
//! assigning an ASID to the address space being switched to (the generation allocator of
//! `vmcore::asid`), and the TLB flushes of page-table changes, per page and ASID.
//!
//! `vm.asid=0` on the command line turns ASIDs off: every table runs with ASID 0 and the
//! kernel flushes the whole TLB on every switch and every page-table change, as it did
//! before ASIDs (for comparison with rvsim's `--stats`). See docs/vm.md "ASIDs".

use crate::arch::csr;
use spin::Mutex;
use vmcore::asid::{Activate, AsidAllocator, AsidCtx};

/// satp.ASID field (bits 59:44) of Sv39.
const SATP_ASID_SHIFT: u64 = 44;
const SATP_ASID_MASK: u64 = 0xffff << SATP_ASID_SHIFT;
/// satp.PPN field.
const SATP_PPN_MASK: u64 = (1 << 44) - 1;

/// `None`: ASIDs off (disabled on the command line, or the hart implements none).
static ALLOC: Mutex<Option<AsidAllocator>> = Mutex::new(None);

/// Are ASIDs in use? (Set once at boot.)
fn enabled() -> bool {
    ALLOC.lock().is_some()
}

/// Boot: probes how many ASID bits the hart implements (write all ones to satp.ASID with
/// the current root, read back: Privileged 4.1.11 "The number of ASID bits is
/// UNSPECIFIED ... software can determine it by writing one to every bit position in the
/// ASID field, then reading back"), and reads `vm.asid=0|1` and `vm.asid_bits=N` (a
/// smaller ASIDLEN, to exercise rollovers) from the command line.
pub fn init(bootargs: &[u8]) {
    let cmdline = core::str::from_utf8(bootargs).unwrap_or("");
    let mut on = true;
    let mut cap = vmcore::asid::MAX_ASID_BITS;
    for w in cmdline.split_ascii_whitespace() {
        if let Some(v) = w.strip_prefix("vm.asid=") {
            on = v != "0";
        } else if let Some(v) = w.strip_prefix("vm.asid_bits=") {
            match v.parse::<u32>() {
                Ok(n) => cap = n,
                Err(_) => crate::kprintln!("vm: bad vm.asid_bits={v}; ignored"),
            }
        }
    }
    let cur = csr::satp();
    csr::set_satp(cur | SATP_ASID_MASK);
    let probed = ((csr::satp() & SATP_ASID_MASK) >> SATP_ASID_SHIFT).count_ones();
    csr::set_satp(cur);
    // Translations the probe may have cached under the all-ones ASID (the kernel's are
    // global, so there should be none) must not outlive it.
    csr::sfence_asid(0xffff);
    let bits = probed.min(cap);
    let alloc = if on { AsidAllocator::new(bits).ok() } else { None };
    match &alloc {
        Some(_) => crate::kprintln!("vm: ASIDs on, {bits} bits (hart implements {probed})"),
        None => crate::kprintln!("vm: ASIDs off (hart implements {probed} bits), full TLB flushes"),
    }
    *ALLOC.lock() = alloc;
}

/// Installs the address space whose root satp (mode and PPN) is `root_satp`, with the ASID
/// of `ctx` (assigning one if needed). No flush unless the ASID generation rolled over;
/// with ASIDs off, a full flush as before.
pub fn switch_to(ctx: &mut AsidCtx, root_satp: u64) {
    let mut g = ALLOC.lock();
    let Some(alloc) = g.as_mut() else {
        csr::set_satp_and_flush(root_satp & !SATP_ASID_MASK);
        return;
    };
    let a = alloc.activate(ctx);
    csr::set_satp((root_satp & !SATP_ASID_MASK) | (a.asid() as u64) << SATP_ASID_SHIFT);
    if let Activate::Rollover(_) = a {
        // Privileged 4.2.1 note: a recycled ASID needs the old translations gone; the
        // rollover recycles all of them at once.
        csr::sfence_all();
    }
}

/// Installs the kernel-only table `kernel_satp` (ASID 0) and releases `ctx`'s ASID,
/// flushing it (`sfence.vma x0, asid` while another ASID is in satp: Privileged 4.2.1
/// note on recycling ASIDs). Called before an address space is freed (exit).
pub fn leave(ctx: &mut AsidCtx, kernel_satp: u64) {
    let mut g = ALLOC.lock();
    let Some(alloc) = g.as_mut() else {
        csr::set_satp_and_flush(kernel_satp);
        return;
    };
    csr::set_satp(kernel_satp);
    if let Some(a) = alloc.release(ctx) {
        csr::sfence_asid(a);
    }
}

/// Replaces the running address space (exec): installs `root_satp` with a new ASID in
/// `ctx`, then releases and flushes the old one. The old table must stay allocated until
/// this returns.
pub fn replace(ctx: &mut AsidCtx, root_satp: u64) {
    let mut old = core::mem::take(ctx);
    switch_to(ctx, root_satp);
    let mut g = ALLOC.lock();
    if let Some(alloc) = g.as_mut() {
        if let Some(a) = alloc.release(&mut old) {
            csr::sfence_asid(a);
        }
    }
}

/// Is the table with root PPN `root` the one in satp? Then its ASID (0 with ASIDs off).
fn installed_asid(root: u64) -> Option<u16> {
    let s = csr::satp();
    (s & SATP_PPN_MASK == root).then_some(((s & SATP_ASID_MASK) >> SATP_ASID_SHIFT) as u16)
}

/// After changing the leaf PTE of `va` in the table with root PPN `root`: `sfence.vma va,
/// asid` when that table is installed (Privileged 4.2.1 note: "If software modifies a
/// leaf PTE, it should execute SFENCE.VMA with rs1 set to a virtual address within the
/// page ... rs2 ... set to the ASID for which the translation is being modified"), or
/// `sfence.vma va, x0` (every ASID) when another table is (its ASID is not at hand).
/// ASIDs off: a full flush, as before.
pub fn flush_page(root: u64, va: u64) {
    if !enabled() {
        csr::sfence_all();
        return;
    }
    match installed_asid(root) {
        Some(a) => csr::sfence_va_asid(va, a),
        None => csr::sfence_va(va),
    }
}

/// Pages up to which a range is flushed page by page; larger ranges flush the ASID
/// (Linux's `tlb_flush_all_threshold` is 64 on RISC-V too).
const RANGE_PAGES: u64 = 64;

/// After changing the leaf PTEs of `[start, end)` in the table with root PPN `root`: per
/// page, or the whole ASID when the range is large (a full flush when that table is not
/// installed, or with ASIDs off).
pub fn flush_range(root: u64, start: u64, end: u64) {
    if !enabled() {
        csr::sfence_all();
        return;
    }
    let pages = end.saturating_sub(start) / super::PAGE_SIZE;
    if pages <= RANGE_PAGES {
        let mut va = start;
        while va < end {
            flush_page(root, va);
            va += super::PAGE_SIZE;
        }
        return;
    }
    match installed_asid(root) {
        Some(a) => csr::sfence_asid(a),
        None => csr::sfence_all(),
    }
}

/// After changing non-leaf PTEs or many leaves of the table with root PPN `root`:
/// `sfence.vma x0, asid` (Privileged 4.2.1 note: "If software modifies a non-leaf PTE, it
/// should execute SFENCE.VMA with rs1=x0"), a full flush when it is not installed.
pub fn flush_aspace(root: u64) {
    match installed_asid(root) {
        Some(a) if enabled() => csr::sfence_asid(a),
        _ => csr::sfence_all(),
    }
}
