//! Time: the CLINT's `mtime` counter and its frequency (from the device tree).

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static SSTC: AtomicBool = AtomicBool::new(false);

/// Switches ticks to Sstc: stops the CLINT comparator the M-mode trampoline used (S-mode
/// may write it: PMP allows all) and re-arms with `stimecmp` from now on.
pub fn use_sstc() {
    SSTC.store(true, Ordering::Relaxed);
    crate::arch::mmio_write64(abi::mmio::CLINT_MTIMECMP, u64::MAX);
}

static FREQ: AtomicU64 = AtomicU64::new(10_000_000);

/// Sets the `mtime` frequency in Hz.
pub fn set_freq(hz: u64) {
    FREQ.store(hz.max(1), Ordering::Relaxed);
}

/// The current `mtime`.
pub fn now() -> u64 {
    if crate::arch::sbi::active() {
        crate::arch::sbi::rdtime()
    } else {
        crate::arch::mmio_read64(abi::mmio::CLINT_MTIME)
    }
}

/// Does STIP mean a tick (Sstc or SBI timer in use)?
pub fn stip_ticks() -> bool {
    crate::arch::sbi::active() || SSTC.load(Ordering::Relaxed)
}

/// Arms the next tick: under SBI firmware through the SBI timer, with Sstc through
/// `stimecmp` (both raise STIP); otherwise the M-mode trampoline re-arms the CLINT itself
/// and raises SSIP.
pub fn arm_tick() {
    let next = now() + crate::arch::boot::TICK_INTERVAL;
    if crate::arch::sbi::active() {
        crate::arch::sbi::set_timer(next);
    } else if SSTC.load(Ordering::Relaxed) {
        crate::arch::csr::set_stimecmp(next);
    }
}

/// Nanoseconds to `mtime` ticks (saturating).
pub fn ns_to_ticks(ns: u64) -> u64 {
    ((ns as u128 * FREQ.load(Ordering::Relaxed) as u128) / 1_000_000_000).min(u64::MAX as u128) as u64
}

/// `mtime` ticks to nanoseconds.
pub fn ticks_to_ns(t: u64) -> u64 {
    ((t as u128 * 1_000_000_000) / FREQ.load(Ordering::Relaxed) as u128).min(u64::MAX as u128) as u64
}
