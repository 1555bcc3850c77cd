//! Time: the CLINT's `mtime` counter and its frequency (from the device tree).

use core::sync::atomic::{AtomicU64, Ordering};

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

/// Arms the next tick: under SBI firmware through the SBI timer (STIP), otherwise the
/// M-mode trampoline re-arms the CLINT itself and raises SSIP.
pub fn arm_tick() {
    if crate::arch::sbi::active() {
        crate::arch::sbi::set_timer(now() + crate::arch::boot::TICK_INTERVAL);
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
