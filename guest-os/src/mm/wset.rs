//! Working sets: whose pages the evictor may take (`vmcore::pool::Mode`, switchable at
//! run time with `vmctl scope global|local`, at boot with `vm.scope=`).
//!
//! * **Global** replacement (the default): when free frames fall below the low
//!   watermark, the policy's victim may belong to any process, except that no process
//!   is trimmed below its minimum working set.
//! * **Local** (per-process) replacement: each process competes with itself. A process
//!   that faults while at its maximum working set replaces one of its own pages (even
//!   with free frames left), and under memory pressure the faulting process gives up its
//!   own pages first (down to its minimum); only if it has none to give are other
//!   processes' pages (above their minimum) taken. A process without an explicit
//!   maximum gets an equal share: user frames / live processes (equal allocation).
//!
//! Limits are set per process with `RVSIM_SETWS(pid, min, max)`, the analogue of Win32
//! `SetProcessWorkingSetSize`: pages, `max` 0 = no explicit maximum, `min = max =
//! u64::MAX` empties the working set (every evictable page to swap). Children inherit the
//! limits at fork.
//! The working set counted is the process's resident pages (vmstat's `resident`).
//! Limits are soft without a swap device: nothing can be evicted then.

use core::sync::atomic::{AtomicBool, Ordering};
use vmcore::pool::Mode;

static LOCAL: AtomicBool = AtomicBool::new(false);

/// The replacement scope.
pub fn scope() -> Mode {
    if LOCAL.load(Ordering::Relaxed) {
        Mode::PerProcess
    } else {
        Mode::Global
    }
}

/// Sets the replacement scope.
pub fn set_scope(m: Mode) {
    LOCAL.store(m == Mode::PerProcess, Ordering::Relaxed);
}

/// The name of a scope (`vmctl`, vmstat, boot log).
pub fn scope_name(m: Mode) -> &'static str {
    match m {
        Mode::Global => "global",
        Mode::PerProcess => "local",
    }
}

/// Parses a scope name (`global`, `local` or `per-process`).
pub fn parse_scope(s: &str) -> Option<Mode> {
    match s {
        "global" => Some(Mode::Global),
        "local" | "per-process" => Some(Mode::PerProcess),
        _ => None,
    }
}

/// The maximum working set that applies to a process with explicit maximum `ws_max`
/// (0 = none): in global scope none (`u64::MAX`), in local scope `ws_max` or the equal
/// share of `user_frames` among `live` processes.
pub fn effective_max(ws_max: u64, user_frames: u64, live: usize) -> u64 {
    match scope() {
        Mode::Global => u64::MAX,
        Mode::PerProcess if ws_max != 0 => ws_max,
        Mode::PerProcess => (user_frames / live.max(1) as u64).max(1),
    }
}

/// Validates `RVSIM_SETWS` limits: `min <= max` unless `max` is 0 (no maximum), and
/// neither above the `frames` of all of memory.
pub fn valid_limits(min: u64, max: u64, frames: u64) -> bool {
    (max == 0 || min <= max) && min <= frames && max <= frames
}
