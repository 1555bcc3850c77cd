//! Swap: where evicted pages go and how they come back.
//!
//! | file | what |
//! |---|---|
//! | `device.rs` | the swap disk (virtio-blk disk 1) and its slot allocator |
//! | `cache.rs` | the swap cache: frames that still equal their slot; batched writes |
//! | `out.rs` | swap-out: one frame from every mapping, or a whole process |
//! | `in.rs` | swap-in on a fault; a fork child's copy of a swap entry |
//!
//! Layer: above the reverse map (`mm/rmap.rs`), below reclaim (`mm/reclaim.rs`), the
//! thrashing controller and the OOM killer.

pub mod cache;
pub mod device;
pub mod r#in;
pub mod out;

pub use device::*;
pub use out::{swap_out_all, swap_out_process};
pub use r#in::{dup_entry, swap_in};

use core::sync::atomic::AtomicU64;

/// Pages written to swap.
pub static SWAP_OUTS: AtomicU64 = AtomicU64::new(0);
/// Pages read back from swap (major faults).
pub static SWAP_INS: AtomicU64 = AtomicU64::new(0);
/// Pages evicted from memory (every eviction writes to swap: only anonymous/private
/// pages are evicted).
pub static EVICTIONS: AtomicU64 = AtomicU64::new(0);
