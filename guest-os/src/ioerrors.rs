//! Disk I/O errors seen per path since boot (docs/fs.md, docs/swap.md): what the kernel
//! did with a request the device failed (`VIRTIO_BLK_S_IOERR`, e.g. one injected with
//! `--drive FILE,errors=...`), shown by `vmstat`'s "I/O errors" line.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// File-system block reads that failed (the call got EIO).
pub static FS_READ: AtomicU64 = AtomicU64::new(0);
/// File-system block writes that failed (the transaction was dropped, or left in the
/// log for recovery; the call got EIO).
pub static FS_WRITE: AtomicU64 = AtomicU64::new(0);
/// Swap-ins that failed (the faulting process got SIGBUS).
pub static SWAP_IN: AtomicU64 = AtomicU64::new(0);
/// Swap-out write requests that failed (their pages stayed resident).
pub static SWAP_OUT: AtomicU64 = AtomicU64::new(0);

/// Counts one error on `c`.
pub fn count(c: &AtomicU64) {
    c.fetch_add(1, Relaxed);
}

/// The counters as words for `RVSIM_VMSTAT` (the `io_*` fields of `abi::VmStat`).
pub fn vmstat_words() -> [u64; 4] {
    [FS_READ.load(Relaxed), FS_WRITE.load(Relaxed), SWAP_IN.load(Relaxed), SWAP_OUT.load(Relaxed)]
}
