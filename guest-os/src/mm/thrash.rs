//! Thrashing control: the kernel side of `vmcore::thrash`.
//!
//! Every page fault is counted against the faulting process ([`record_fault`], from the
//! page-fault path); every 5th timer tick ([`tick`]) asks the controller for a decision:
//! swap a whole process out (stop scheduling it and write all its pages to swap) when
//! the fault rate stays above a bound and free frames are short, and bring suspended
//! processes back when the pressure falls, or after `max_suspend` at the latest, so
//! that none starves. Every decision is logged on the console:
//!
//! ```text
//! thrash: swap out pid 7 (1234 faults in window): 812 pages to swap
//! thrash: swap in pid 7 after 926 ms (pressure fell)
//! ```
//!
//! Tunables (`vmctl thrash.*`, or `vm.thrash.*=` at boot) are in timer ticks (10 ms of
//! `mtime`) and pages; `vmctl thrash 0` turns the controller off (suspended processes
//! come back at once). It is on by default and acts only with a swap device.

use super::{frame, swap};
use crate::arch::boot::TICK_INTERVAL;
use crate::arch::NPROC;
use crate::proc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;
use vmcore::thrash::{Controller, Decision, ThrashConfig};

/// Buckets per window.
const B: usize = 8;

/// The tunables, in ticks and pages (converted to `mtime` for the controller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tunables {
    pub window_ticks: u64,
    pub fault_bound: u64,
    pub sustain_ticks: u64,
    pub free_low: u64,
    pub free_high: u64,
    pub system_bound: u64,
    pub max_suspend_ticks: u64,
    pub min_run_ticks: u64,
}

static TUNE: Mutex<Tunables> = Mutex::new(Tunables {
    window_ticks: 50,
    fault_bound: 200,
    sustain_ticks: 20,
    free_low: 0,
    free_high: 0,
    system_bound: 1000,
    max_suspend_ticks: 300,
    min_run_ticks: 100,
});

static ENABLED: AtomicBool = AtomicBool::new(true);
static CTL: Mutex<Option<Controller<NPROC, B>>> = Mutex::new(None);

/// Processes swapped out and brought back by the controller.
pub static SWAP_OUTS: AtomicU64 = AtomicU64::new(0);
pub static SWAP_INS: AtomicU64 = AtomicU64::new(0);

fn config(t: &Tunables) -> ThrashConfig {
    ThrashConfig {
        window: t.window_ticks.saturating_mul(TICK_INTERVAL),
        fault_bound: t.fault_bound,
        sustain: t.sustain_ticks.saturating_mul(TICK_INTERVAL),
        free_low: t.free_low,
        free_high: t.free_high,
        system_bound: t.system_bound,
        max_suspend: t.max_suspend_ticks.saturating_mul(TICK_INTERVAL),
        min_run: t.min_run_ticks.saturating_mul(TICK_INTERVAL),
    }
}

/// Boot: the memory thresholds default to the evictor's watermarks (swap out below
/// twice the low one, swap back in at four times the high one).
pub fn init(low: u64, high: u64) {
    let mut t = TUNE.lock();
    t.free_low = 2 * low;
    t.free_high = 4 * high;
    *CTL.lock() = Controller::new(config(&t)).ok();
}

/// The tunables in use.
pub fn tunables() -> Tunables {
    *TUNE.lock()
}

/// Changes the tunables; false (nothing changed) if they are inconsistent (a zero
/// window, `free_low > free_high`).
pub fn set_tunables(t: Tunables) -> bool {
    let mut c = CTL.lock();
    let Some(ctl) = c.as_mut() else { return false };
    if ctl.set_config(config(&t)).is_err() {
        return false;
    }
    *TUNE.lock() = t;
    true
}

/// Is the controller on?
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns the controller on or off; off brings every suspended process back.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
    if !on {
        let now = crate::time::now();
        let mut c = CTL.lock();
        if let Some(ctl) = c.as_mut() {
            for (pid, _, _) in proc::vm_owners() {
                if ctl.is_suspended(pid as u32) == Ok(true) {
                    let _ = ctl.remove(pid as u32);
                    let _ = ctl.add(pid as u32, now);
                    proc::set_suspended(pid, false);
                    crate::kprintln!("thrash: swap in pid {pid} (controller turned off)");
                }
            }
        }
    }
}

/// Counts a page fault of `pid` (new processes are watched from their first fault).
pub fn record_fault(pid: i32) {
    if !enabled() {
        return;
    }
    let now = crate::time::now();
    let mut c = CTL.lock();
    let Some(ctl) = c.as_mut() else { return };
    if ctl.record_fault(pid as u32, now).is_err() && ctl.add(pid as u32, now).is_ok() {
        let _ = ctl.record_fault(pid as u32, now);
    }
}

/// The faults of `pid` and of the whole system in the current window (vmstat).
pub fn rates(pid: i32) -> (u64, u64) {
    let now = crate::time::now();
    let mut c = CTL.lock();
    let Some(ctl) = c.as_mut() else { return (0, 0) };
    (ctl.fault_rate(pid as u32, now).unwrap_or(0), ctl.system_rate(now))
}

/// Process `pid` exited.
pub fn forget(pid: i32) {
    if let Some(ctl) = CTL.lock().as_mut() {
        let _ = ctl.remove(pid as u32);
    }
}

/// Timer ticks between two decisions (a decision scans every process's window).
const DECIDE_EVERY: u64 = 5;

/// The timer tick (number `ticks`, at `mtime` `now`): every [`DECIDE_EVERY`] ticks,
/// carries out and logs the controller's decision, if any.
pub fn tick(ticks: u64, now: u64) {
    if !enabled() || !swap::present() || !ticks.is_multiple_of(DECIDE_EVERY) {
        return;
    }
    let free = frame::stats().0 as u64;
    let d = match CTL.lock().as_mut() {
        Some(ctl) => ctl.tick_where(now, free, &mut |pid| proc::is_active(pid as i32)),
        None => return,
    };
    match d {
        Some(Decision::SwapOut { pid, faults }) => {
            let pid = pid as i32;
            if !proc::set_suspended(pid, true) {
                forget(pid);
                return;
            }
            let pages = swap::swap_out_process(pid);
            SWAP_OUTS.fetch_add(1, Ordering::Relaxed);
            crate::kprintln!("thrash: swap out pid {pid} ({faults} faults in window): {pages} pages to swap");
        }
        Some(Decision::SwapIn { pid, suspended_for, forced }) => {
            proc::set_suspended(pid as i32, false);
            SWAP_INS.fetch_add(1, Ordering::Relaxed);
            let ms = crate::time::ticks_to_ns(suspended_for) / 1_000_000;
            let why = if forced { "its turn: max_suspend reached" } else { "pressure fell" };
            crate::kprintln!("thrash: swap in pid {pid} after {ms} ms ({why})");
        }
        None => {}
    }
}
