//! Clocks and sleeps: clock_gettime/getres/settime, clock_nanosleep, nanosleep,
//! gettimeofday, times, getrusage. Every clock derives from `mtime`, which on rvsim
//! counts retired instructions: runs are deterministic. CLOCK_REALTIME starts at
//! `abi::time::BOOT_EPOCH` (clock_settime moves it); the monotonic clocks count from
//! reset. There is no per-process CPU accounting yet: the CPU-time clocks, times() and
//! getrusage() report the process's share as the time since boot / zero, as
//! documented in docs/os.md.
//!
//! Sleeps block through `proc::block_on(Wait::Until)`, so a kill (and later a signal)
//! ends them early.

use super::{get_timespec, put_time, SysResult, Task};
use crate::proc;
use abi::errno::*;
use abi::time::*;

const NS: i128 = 1_000_000_000;

/// The time on clock `clk` in ns (EINVAL for an unknown clock).
fn clock_ns(clk: usize) -> Result<i128, isize> {
    match clk {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => Ok(crate::time::realtime_ns()),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => {
            Ok(crate::time::monotonic_ns() as i128)
        }
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => Ok(crate::time::monotonic_ns() as i128),
        _ => Err(EINVAL),
    }
}

/// clock_gettime(clk, ts).
pub fn clock_gettime(t: &mut Task, clk: usize, va: u64) -> SysResult {
    let ns = clock_ns(clk)?;
    put_time(t, va, ns, 1)?;
    Ok(0)
}

/// clock_getres(clk, res): one `mtime` tick (res may be NULL).
pub fn clock_getres(t: &mut Task, clk: usize, va: u64) -> SysResult {
    clock_ns(clk)?;
    if va != 0 {
        let tick = crate::time::ticks_to_ns(1).max(1) as i128;
        put_time(t, va, tick, 1)?;
    }
    Ok(0)
}

/// clock_settime(CLOCK_REALTIME, ts); the other clocks cannot be set (EINVAL).
pub fn clock_settime(t: &mut Task, clk: usize, va: u64) -> SysResult {
    let (sec, nsec) = get_timespec(t, va)?;
    if clk != CLOCK_REALTIME || sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(EINVAL);
    }
    if t.ext.cred.euid != 0 {
        return Err(EPERM);
    }
    crate::time::set_realtime_ns(sec as i128 * NS + nsec as i128);
    Ok(0)
}

/// gettimeofday(tv, tz): the realtime clock in microseconds; tz (obsolete) reads as
/// UTC with no daylight saving.
pub fn gettimeofday(t: &mut Task, tv: u64, tz: u64) -> SysResult {
    if tv != 0 {
        put_time(t, tv, crate::time::realtime_ns(), 1000)?;
    }
    if tz != 0 {
        t.aspace.copy_out(tz, &[0u8; 8])?;
    }
    Ok(0)
}

/// Sleeps for `ns` nanoseconds (a relative request).
fn sleep_ns(ns: i128) -> SysResult {
    if ns <= 0 {
        return Ok(0);
    }
    let ns = ns.min(u64::MAX as i128) as u64;
    let deadline = crate::time::now().saturating_add(crate::time::ns_to_ticks(ns).max(1));
    Err(proc::block_on(proc::Wait::Until(deadline), 0))
}

/// nanosleep(req, rem).
pub fn nanosleep(t: &mut Task, req: u64) -> SysResult {
    let (sec, nsec) = get_timespec(t, req)?;
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(EINVAL);
    }
    sleep_ns(sec as i128 * NS + nsec as i128)
}

/// clock_nanosleep(clk, flags, req, rem): relative, or with TIMER_ABSTIME until clock
/// `clk` reads `req`. The CPU-time clocks cannot be slept on (EINVAL, as Linux does
/// for the thread clock).
pub fn clock_nanosleep(t: &mut Task, clk: usize, flags: usize, req: u64) -> SysResult {
    if flags & !TIMER_ABSTIME != 0 || matches!(clk, CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID) {
        return Err(EINVAL);
    }
    let now = clock_ns(clk)?;
    let (sec, nsec) = get_timespec(t, req)?;
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(EINVAL);
    }
    let req = sec as i128 * NS + nsec as i128;
    sleep_ns(if flags & TIMER_ABSTIME != 0 { req - now } else { req })
}

/// Clock ticks per second of times() (USER_HZ).
const USER_HZ: u64 = 100;

/// times(buf): the return value is the monotonic clock in USER_HZ ticks; the CPU times
/// in `struct tms` are zero (no accounting yet).
pub fn times(t: &mut Task, va: u64) -> SysResult {
    if va != 0 {
        t.aspace.copy_out(va, &[0u8; 32])?;
    }
    Ok((crate::time::monotonic_ns() / (1_000_000_000 / USER_HZ)) as usize)
}

/// getrusage(who, usage): RUSAGE_SELF (0), RUSAGE_CHILDREN (-1) or RUSAGE_THREAD (1);
/// all fields zero (no accounting yet) — `struct rusage` is 144 bytes.
pub fn getrusage(t: &mut Task, who: i32, va: u64) -> SysResult {
    if !(-1..=1).contains(&who) {
        return Err(EINVAL);
    }
    t.aspace.copy_out(va, &[0u8; 144])?;
    Ok(0)
}
