//! The signal system calls: rt_sigaction, rt_sigprocmask, rt_sigpending,
//! rt_sigsuspend, rt_sigtimedwait, sigaltstack, kill, tkill, tgkill, and the process
//! group calls (`jobctl.rs`). Bad signal numbers and sizes are EINVAL, bad pointers
//! EFAULT.

use super::{frame, with, Action, Info, INFO0, UNBLOCKABLE};
use crate::arch::trap::{reg, TrapFrame};
use crate::proc::{self, Task, Wait};
use abi::errno::*;
use abi::signal::*;
use abi::sys;

type SysResult = Result<usize, isize>;

/// Runs signal system call `n` for the current process.
pub fn dispatch(n: usize, a: [u64; 6], t: &mut Task, tf: &TrapFrame) -> SysResult {
    match n {
        sys::RT_SIGACTION => sigaction(t, a[0] as usize, a[1], a[2], a[3] as usize),
        sys::RT_SIGPROCMASK => sigprocmask(t, a[0] as usize, a[1], a[2], a[3] as usize),
        sys::RT_SIGPENDING => {
            check_size(a[1] as usize)?;
            let slot = proc::current_slot();
            let p = with(slot, |s| s.pending & s.blocked);
            t.aspace.copy_out(a[0], &p.to_le_bytes())?;
            Ok(0)
        }
        sys::RT_SIGSUSPEND => sigsuspend(t, a[0], a[1] as usize),
        sys::RT_SIGTIMEDWAIT => sigtimedwait(t, a[0], a[1], a[2], a[3] as usize),
        sys::SIGALTSTACK => sigaltstack(t, a[0], a[1], tf.regs[reg::SP]),
        sys::KILL => kill(a[0] as i32, a[1] as i32).map(|_| 0),
        sys::TKILL => tkill(a[0] as i32, a[0] as i32, a[1] as i32),
        sys::TGKILL => tkill(a[0] as i32, a[1] as i32, a[2] as i32),
        sys::SETPGID | sys::GETPGID | sys::GETSID | sys::SETSID => super::jobctl::dispatch(n, a),
        _ => Err(ENOSYS),
    }
}

fn check_size(size: usize) -> Result<(), isize> {
    if size != SIGSET_SIZE {
        return Err(EINVAL);
    }
    Ok(())
}

fn valid(sig: i32) -> Result<usize, isize> {
    if !(1..=NSIG as i32).contains(&sig) {
        return Err(EINVAL);
    }
    Ok(sig as usize)
}

fn read_set(t: &mut Task, va: u64) -> Result<u64, isize> {
    t.aspace.read_u64(va)
}

/// rt_sigaction(sig, act, oact, sigsetsize) with the riscv64 `struct sigaction`
/// (handler, flags, mask). SIGKILL and SIGSTOP cannot be changed; setting SIG_IGN (or
/// SIG_DFL for a default-ignored signal) discards it if pending.
fn sigaction(t: &mut Task, sig: usize, act: u64, oact: u64, size: usize) -> SysResult {
    check_size(size)?;
    let sig = valid(sig as i32)?;
    let slot = proc::current_slot();
    let new = if act != 0 {
        if UNBLOCKABLE & bit(sig) != 0 {
            return Err(EINVAL);
        }
        let mut b = [0u8; SIGACTION_SIZE];
        t.aspace.copy_in(act, &mut b)?;
        let w = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        Some(Action { handler: w(0), flags: w(1), mask: w(2) & !UNBLOCKABLE })
    } else {
        None
    };
    let old = with(slot, |s| s.actions[sig - 1]);
    if oact != 0 {
        let mut b = [0u8; SIGACTION_SIZE];
        b[0..8].copy_from_slice(&old.handler.to_le_bytes());
        b[8..16].copy_from_slice(&old.flags.to_le_bytes());
        b[16..24].copy_from_slice(&old.mask.to_le_bytes());
        t.aspace.copy_out(oact, &b)?;
    }
    if let Some(a) = new {
        with(slot, |s| {
            s.actions[sig - 1] = a;
            let ign =
                a.handler == SIG_IGN || (a.handler == SIG_DFL && super::default_action(sig) == super::Default::Ignore);
            if ign {
                s.pending &= !bit(sig);
            }
        });
    }
    Ok(0)
}

/// rt_sigprocmask(how, set, oldset, sigsetsize).
fn sigprocmask(t: &mut Task, how: usize, set: u64, oldset: u64, size: usize) -> SysResult {
    check_size(size)?;
    let slot = proc::current_slot();
    let new = if set != 0 {
        if how > SIG_SETMASK {
            return Err(EINVAL);
        }
        Some(read_set(t, set)?)
    } else {
        None
    };
    let old = with(slot, |s| s.blocked);
    if oldset != 0 {
        t.aspace.copy_out(oldset, &old.to_le_bytes())?;
    }
    if let Some(m) = new {
        let b = match how {
            SIG_BLOCK => old | m,
            SIG_UNBLOCK => old & !m,
            _ => m,
        };
        with(slot, |s| s.blocked = b & !UNBLOCKABLE);
    }
    Ok(0)
}

/// rt_sigsuspend(mask, sigsetsize): waits with `mask` for a signal that runs a handler
/// (then EINTR, with the old mask back after the handler) or ends the process.
fn sigsuspend(t: &mut Task, mask: u64, size: usize) -> SysResult {
    check_size(size)?;
    let m = read_set(t, mask)?;
    let slot = proc::current_slot();
    with(slot, |s| {
        if s.saved_mask.is_none() {
            s.saved_mask = Some(s.blocked);
        }
        s.blocked = m & !UNBLOCKABLE;
    });
    Err(proc::block_on(Wait::Chan(super::pause_chan(slot)), 0))
}

/// rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal of `set`
/// (returns its number, fills `info`), waiting up to `timeout` (none = forever); EAGAIN
/// when the time runs out, EINTR if another signal's handler runs.
fn sigtimedwait(t: &mut Task, set: u64, info: u64, timeout: u64, size: usize) -> SysResult {
    check_size(size)?;
    let want = read_set(t, set)? & !UNBLOCKABLE;
    let mut deadline = 0;
    if timeout != 0 {
        let mut b = [0u8; 16];
        t.aspace.copy_in(timeout, &mut b)?;
        let sec = i64::from_le_bytes(b[0..8].try_into().unwrap_or([0; 8]));
        let nsec = i64::from_le_bytes(b[8..16].try_into().unwrap_or([0; 8]));
        if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
            return Err(EINVAL);
        }
        let ns = (sec as u64).saturating_mul(1_000_000_000).saturating_add(nsec as u64);
        deadline = crate::time::now().saturating_add(crate::time::ns_to_ticks(ns)).max(1);
    }
    let slot = proc::current_slot();
    let got = with(slot, |s| {
        let p = s.pending & want;
        if p == 0 {
            if s.wait_deadline == 0 {
                s.wait_deadline = deadline;
            }
            s.waiting = want;
            return None;
        }
        let sig = p.trailing_zeros() as usize + 1;
        s.pending &= !bit(sig);
        s.waiting = 0;
        s.wait_deadline = 0;
        Some((sig, s.info[sig - 1]))
    });
    if let Some((sig, i)) = got {
        if info != 0 {
            let mut b = [0u8; SIGINFO_SIZE];
            frame::siginfo(&mut b, sig, &i);
            t.aspace.copy_out(info, &b)?;
        }
        return Ok(sig);
    }
    let d = with(slot, |s| s.wait_deadline);
    if timeout != 0 && crate::time::now() >= d {
        with(slot, |s| {
            s.waiting = 0;
            s.wait_deadline = 0;
        });
        return Err(EAGAIN);
    }
    Err(proc::block_on(Wait::ChanUntil(super::pause_chan(slot), d), 0))
}

/// sigaltstack(ss, old_ss) with `stack_t` (sp, flags, size).
/// `task_sp` is the caller's stack pointer (EPERM while running on the alternate stack).
fn sigaltstack(t: &mut Task, ss: u64, old: u64, task_sp: u64) -> SysResult {
    let slot = proc::current_slot();
    let (on, base, size) = with(slot, |s| (s.alt_on, s.alt_sp, s.alt_size));
    let on_alt = on && task_sp > base && task_sp - base <= size;
    if old != 0 {
        let mut b = [0u8; STACK_T_SIZE];
        b[0..8].copy_from_slice(&base.to_le_bytes());
        let fl = if !on {
            SS_DISABLE
        } else if on_alt {
            SS_ONSTACK
        } else {
            0
        };
        b[8..12].copy_from_slice(&fl.to_le_bytes());
        b[16..24].copy_from_slice(&size.to_le_bytes());
        t.aspace.copy_out(old, &b)?;
    }
    if ss != 0 {
        let mut b = [0u8; STACK_T_SIZE];
        t.aspace.copy_in(ss, &mut b)?;
        let sp = u64::from_le_bytes(b[0..8].try_into().unwrap_or([0; 8]));
        let fl = u32::from_le_bytes(b[8..12].try_into().unwrap_or([0; 4]));
        let sz = u64::from_le_bytes(b[16..24].try_into().unwrap_or([0; 8]));
        if on_alt {
            return Err(EPERM);
        }
        if fl & !(SS_DISABLE | SS_ONSTACK) != 0 {
            return Err(EINVAL);
        }
        if fl & SS_DISABLE != 0 {
            with(slot, |s| {
                s.alt_on = false;
                s.alt_sp = 0;
                s.alt_size = 0;
            });
        } else {
            if sz < MINSIGSTKSZ {
                return Err(ENOMEM);
            }
            with(slot, |s| {
                s.alt_on = true;
                s.alt_sp = sp;
                s.alt_size = sz;
            });
        }
    }
    Ok(0)
}

/// kill(pid, sig): pid > 0 that process, 0 the caller's group, -1 every process but
/// init and the caller, < -1 group -pid. sig 0 only checks. Errors: EINVAL, ESRCH,
/// EPERM (SIGKILL or SIGSTOP to init).
pub fn kill(pid: i32, sig: i32) -> Result<(), isize> {
    if !(0..=NSIG as i32).contains(&sig) {
        return Err(EINVAL);
    }
    let me = proc::current_pid();
    let info = Info { code: SI_USER, pid: me, ..INFO0 };
    let sig = sig as usize;
    if pid > 0 {
        let slot = proc::slot_of(pid).ok_or(ESRCH)?;
        if pid == 1 && (sig == SIGKILL || sig == SIGSTOP) {
            return Err(EPERM);
        }
        super::send(slot, pid, sig, info);
        return Ok(());
    }
    let group = match pid {
        0 => Some(with(proc::current_slot(), |s| s.pgid)),
        -1 => None,
        p if p == i32::MIN => return Err(ESRCH),
        p => Some(-p),
    };
    let targets = proc::live_slots();
    let mut found = false;
    for (slot, p, _) in targets {
        let hit = match group {
            Some(g) => with(slot, |s| s.pgid) == g,
            None => p != 1 && p != me,
        };
        if hit {
            found = true;
            if !(p == 1 && (sig == SIGKILL || sig == SIGSTOP)) {
                super::send(slot, p, sig, info);
            }
        }
    }
    if found {
        Ok(())
    } else {
        Err(ESRCH)
    }
}

/// tgkill(tgid, tid, sig) (and tkill(tid, sig) as tgid = tid): one thread per process,
/// so tid must be the process itself.
fn tkill(tgid: i32, tid: i32, sig: i32) -> SysResult {
    if tgid <= 0 || tid <= 0 {
        return Err(EINVAL);
    }
    let sig = valid(sig).or_else(|e| if sig == 0 { Ok(0) } else { Err(e) })?;
    if tgid != tid {
        return Err(ESRCH);
    }
    let slot = proc::slot_of(tid).ok_or(ESRCH)?;
    if sig == 0 {
        return Ok(0);
    }
    if tid == 1 && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(EPERM);
    }
    let me = proc::current_pid();
    super::send(slot, tid, sig, Info { code: SI_TKILL, pid: me, ..INFO0 });
    Ok(0)
}
