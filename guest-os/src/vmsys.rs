//! The rvsim virtual-memory calls (numbers in `abi::sys`): introspection
//! (`RVSIM_VMSTAT`, `RVSIM_VMMAP`, `RVSIM_MINCORE`: counters, VMAs and per-page
//! residency of the caller (pid 0) or of another process that is not running) and
//! control (`RVSIM_VMCTL`: the replacement policy, scope and thrashing tunables at run
//! time; `RVSIM_SETWS`: working-set limits).

use crate::mm::vm::AddressSpace;
use crate::mm::{mmap, policy, reclaim, swap, thrash, wset};
use crate::proc::{self, Task};
use abi::errno::*;
use abi::{sys, VmCounters};
use alloc::vec::Vec;

fn push_counters(w: &mut Vec<u64>, c: &VmCounters) {
    w.extend_from_slice(&[
        c.minor_faults,
        c.major_faults,
        c.zero_fills,
        c.cow_copies,
        c.cow_reuses,
        c.stack_growth,
        c.bad_faults,
        c.fork_shared,
    ]);
}

fn words_to_bytes(w: &[u64]) -> Result<Vec<u8>, isize> {
    let mut b = Vec::new();
    b.try_reserve(w.len() * 8).map_err(|_| ENOMEM)?;
    for x in w {
        b.extend_from_slice(&x.to_le_bytes());
    }
    Ok(b)
}

/// Collects the answer from `a` (the target's address space) as bytes for the caller.
fn answer(n: usize, args: [u64; 6], a: &mut AddressSpace, pid: i32) -> Result<(Vec<u8>, usize), isize> {
    match n {
        sys::RVSIM_VMSTAT => {
            let s = mmap::vmstat(a);
            let mut w = Vec::new();
            w.try_reserve(64).map_err(|_| ENOMEM)?;
            w.extend_from_slice(&[s.free_frames, s.total_frames, s.zero_page_refs, s.cache_pages]);
            push_counters(&mut w, &s.global);
            push_counters(&mut w, &s.proc);
            w.extend_from_slice(&[s.resident, s.shared, s.zero_mapped, s.virt_bytes]);
            w.extend_from_slice(&crate::mm::vmstat_words(a, pid));
            w.extend_from_slice(&crate::mm::swap::cache::vmstat_words());
            w.extend_from_slice(&crate::fs::log_vmstat_words());
            w.extend_from_slice(&crate::ioerrors::vmstat_words());
            Ok((words_to_bytes(&w)?, 0))
        }
        sys::RVSIM_VMMAP => {
            let v = mmap::vmmap(a);
            let cap = (args[2] as usize).min(v.len());
            let mut b = Vec::new();
            b.try_reserve(cap * 56).map_err(|_| ENOMEM)?;
            for r in &v[..cap] {
                b.extend_from_slice(&r.start.to_le_bytes());
                b.extend_from_slice(&r.end.to_le_bytes());
                for x in [r.prot, r.flags, r.kind, r.inum] {
                    b.extend_from_slice(&x.to_le_bytes());
                }
                for x in [r.offset, r.resident, r.shared] {
                    b.extend_from_slice(&x.to_le_bytes());
                }
            }
            Ok((b, v.len()))
        }
        _ => {
            let (start, len) = (args[1], args[2]);
            if !start.is_multiple_of(crate::mm::PAGE_SIZE) || start.checked_add(len).is_none() {
                return Err(EINVAL);
            }
            let pages = (crate::mm::page_up(len) / crate::mm::PAGE_SIZE) as usize;
            if pages > 1 << 20 {
                return Err(EINVAL);
            }
            let mut b = Vec::new();
            b.try_reserve(pages).map_err(|_| ENOMEM)?;
            for i in 0..pages as u64 {
                b.push(mmap::page_state(a, start + i * crate::mm::PAGE_SIZE));
            }
            Ok((b, 0))
        }
    }
}

/// Runs one of the calls for the caller's task `t`. a0 = pid (0 = caller); ESRCH for
/// no such process, EAGAIN if it is inside a system call.
pub fn dispatch(n: usize, args: [u64; 6], t: &mut Task) -> Result<usize, isize> {
    let pid = args[0] as i64 as i32;
    // System-wide knobs, and other processes' limits, need root's privilege (euid 0, as
    // Linux's CAP_SYS_ADMIN for its vm sysctls); queries and one's own limits do not.
    let privileged = t.ext.cred.euid == 0;
    match n {
        sys::RVSIM_VMCTL => {
            if args[1] != abi::vmctl::QUERY && !privileged {
                return Err(EPERM);
            }
            return vmctl(args[0], args[1]).map(|v| v as usize);
        }
        sys::RVSIM_SETWS => {
            let pid = if pid == 0 { proc::current_pid() } else { pid };
            if pid != proc::current_pid() && !privileged {
                return Err(EPERM);
            }
            let (min, max) = (args[1], args[2]);
            if min == u64::MAX && max == u64::MAX {
                // Empty the working set (Win32: SetProcessWorkingSetSize(h, -1, -1)).
                let n = if pid == proc::current_pid() {
                    swap::swap_out_all(pid, &mut t.aspace)
                } else {
                    proc::task_of(pid).ok_or(ESRCH)?;
                    swap::swap_out_process(pid)
                };
                crate::kprintln!("vm: pid {pid} working set trimmed: {n} pages to swap");
                return Ok(n);
            }
            if !wset::valid_limits(min, max, crate::mm::frame::stats().1 as u64) {
                return Err(EINVAL);
            }
            proc::set_ws(pid, min, max)?;
            crate::kprintln!("vm: pid {pid} working set min {min} max {max} pages");
            return Ok(0);
        }
        _ => {}
    }
    let (bytes, ret) = if pid == 0 || pid == proc::current_pid() {
        answer(n, args, &mut t.aspace, proc::current_pid())?
    } else {
        let task = proc::task_of(pid).ok_or(ESRCH)?;
        let mut g = task.try_lock().ok_or(EAGAIN)?;
        answer(n, args, &mut g.aspace, pid)?
    };
    let dst = if n == sys::RVSIM_MINCORE { args[3] } else { args[1] };
    t.aspace.copy_out(dst, &bytes)?;
    Ok(ret)
}

/// `RVSIM_VMCTL`: the value of tunable `key` before the call; sets it to `value`
/// unless `value` is `vmctl::QUERY`. Every change is logged.
pub fn vmctl(key: u64, value: u64) -> Result<u64, isize> {
    use abi::vmctl::*;
    use core::sync::atomic::Ordering;
    use vmcore::pool::Mode;
    let mut tune = thrash::tunables();
    let old = match key {
        POLICY => policy::index(policy::kind()),
        SCOPE => (wset::scope() == Mode::PerProcess) as u64,
        THRASH => thrash::enabled() as u64,
        AGE_TICKS => reclaim::AGE_TICKS.load(Ordering::Relaxed),
        THRASH_WINDOW => tune.window_ticks,
        THRASH_BOUND => tune.fault_bound,
        THRASH_SUSTAIN => tune.sustain_ticks,
        THRASH_FREE_LOW => tune.free_low,
        THRASH_FREE_HIGH => tune.free_high,
        THRASH_SYSTEM_BOUND => tune.system_bound,
        THRASH_MAX_SUSPEND => tune.max_suspend_ticks,
        THRASH_MIN_RUN => tune.min_run_ticks,
        _ => return Err(EINVAL),
    };
    if value == QUERY {
        return Ok(old);
    }
    let name = NAMES[key as usize];
    match key {
        POLICY => {
            let new = policy::from_index(value).ok_or(EINVAL)?;
            let moved = policy::switch(new);
            crate::kprintln!(
                "vm: replacement policy {} -> {} ({moved} pages moved)",
                abi::VmStat::POLICY_NAMES[old as usize],
                new.name()
            );
            return Ok(old);
        }
        SCOPE => {
            let m = match value {
                0 => Mode::Global,
                1 => Mode::PerProcess,
                _ => return Err(EINVAL),
            };
            wset::set_scope(m);
        }
        THRASH if value > 1 => return Err(EINVAL),
        THRASH => thrash::set_enabled(value == 1),
        AGE_TICKS if value == 0 => return Err(EINVAL),
        AGE_TICKS => reclaim::AGE_TICKS.store(value, Ordering::Relaxed),
        _ => {
            // Counts of ticks or faults beyond 2^32, or free-frame marks beyond all of
            // memory, are nonsense (issue: 1.8e19 was accepted).
            let frames = crate::mm::frame::stats().1 as u64;
            let limit = if matches!(key, THRASH_FREE_LOW | THRASH_FREE_HIGH) { frames } else { u32::MAX as u64 };
            if value > limit {
                return Err(EINVAL);
            }
            let f = match key {
                THRASH_WINDOW => &mut tune.window_ticks,
                THRASH_BOUND => &mut tune.fault_bound,
                THRASH_SUSTAIN => &mut tune.sustain_ticks,
                THRASH_FREE_LOW => &mut tune.free_low,
                THRASH_FREE_HIGH => &mut tune.free_high,
                THRASH_SYSTEM_BOUND => &mut tune.system_bound,
                THRASH_MAX_SUSPEND => &mut tune.max_suspend_ticks,
                _ => &mut tune.min_run_ticks,
            };
            *f = value;
            if !thrash::set_tunables(tune) {
                return Err(EINVAL);
            }
        }
    }
    crate::kprintln!("vm: {name} {old} -> {value}");
    Ok(old)
}

/// Boot: applies the `vm.*` tunables of the kernel command line (all but `vm.policy`,
/// which `mm::reclaim::init` reads), saying which cannot be set.
pub fn apply_bootargs(bootargs: &[u8]) {
    let cmdline = core::str::from_utf8(bootargs).unwrap_or("");
    for w in cmdline.split_ascii_whitespace() {
        let Some((k, v)) = w.split_once('=') else { continue };
        let Some(k) = k.strip_prefix("vm.") else { continue };
        if k != "policy" && vmctl_set_named(k, v).is_err() {
            crate::kprintln!("vm: cannot set vm.{k}={v}");
        }
    }
}

/// Sets tunable `name` (without the `vm.` prefix) to the text `value` (kernel command
/// line).
pub fn vmctl_set_named(name: &str, value: &str) -> Result<u64, isize> {
    let key = abi::vmctl::key_of(name).ok_or(EINVAL)?;
    let v = abi::vmctl::parse_value(key, value).ok_or(EINVAL)?;
    vmctl(key, v)
}
