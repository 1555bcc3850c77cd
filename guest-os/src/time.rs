//! Time: the CLINT's `mtime` counter and its frequency (from the device tree).

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static SSTC: AtomicBool = AtomicBool::new(false);

/// Switches ticks to Sstc: stops the CLINT comparator the M-mode trampoline used (S-mode
/// may write it: PMP allows all) and re-arms with `stimecmp` from now on.
pub fn use_sstc() {
    SSTC.store(true, Ordering::Relaxed);
    // SAFETY: the CLINT's mtimecmp of hart 0 (QEMU hw/intc/riscv_aclint.c), which this
    // module owns.
    unsafe { crate::arch::mmio_write64(abi::mmio::CLINT_MTIMECMP, u64::MAX) };
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
        // SAFETY: the CLINT's mtime register (read-only use).
        unsafe { crate::arch::mmio_read64(abi::mmio::CLINT_MTIME) }
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

/// Offset of the realtime clock from `abi::time::BOOT_EPOCH` + uptime, in ns (set by
/// clock_settime / settimeofday).
static REALTIME_OFFSET: core::sync::atomic::AtomicI64 = core::sync::atomic::AtomicI64::new(0);

/// Nanoseconds since boot (CLOCK_MONOTONIC / CLOCK_BOOTTIME).
pub fn monotonic_ns() -> u64 {
    ticks_to_ns(now())
}

/// Nanoseconds since the Unix epoch (CLOCK_REALTIME): deterministic, it reads
/// `abi::time::BOOT_EPOCH` at reset and advances with `mtime`.
pub fn realtime_ns() -> i128 {
    abi::time::BOOT_EPOCH as i128 * 1_000_000_000
        + monotonic_ns() as i128
        + REALTIME_OFFSET.load(Ordering::Relaxed) as i128
}

/// Sets the realtime clock to `ns` since the epoch.
pub fn set_realtime_ns(ns: i128) {
    let base = abi::time::BOOT_EPOCH as i128 * 1_000_000_000 + monotonic_ns() as i128;
    let off = (ns - base).clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    REALTIME_OFFSET.store(off, Ordering::Relaxed);
}
