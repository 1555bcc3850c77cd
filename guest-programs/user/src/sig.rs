//! Signal wrappers: rt_sigaction with the riscv64 `struct sigaction` (the kernel
//! provides the return to the interrupted code: riscv has no `sa_restorer`), masks,
//! sigsuspend, sigaltstack, kill/tgkill, process groups and the console's foreground
//! group; and readers for the `siginfo_t` and `ucontext` a handler receives.

use crate::sys::{syscall, syscall6};
use abi::signal::{self, frame, SigAction, StackT, SIGSET_SIZE};
use abi::sys;

/// A handler as the kernel calls it: (sig, &siginfo, &ucontext).
pub type Handler = extern "C" fn(i32, *mut u8, *mut u8);

/// rt_sigaction(sig, act, oact).
pub fn sigaction(sig: usize, act: Option<&SigAction>, old: Option<&mut SigAction>) -> isize {
    let a = act.map_or(0, |a| a as *const SigAction as usize);
    let o = old.map_or(0, |o| o as *mut SigAction as usize);
    syscall6(sys::RT_SIGACTION, sig, a, o, SIGSET_SIZE, 0, 0)
}

/// Installs `h` for `sig` with `flags` (SA_SIGINFO is implied: the kernel always passes
/// siginfo and ucontext) and `mask`.
pub fn set_handler(sig: usize, h: Handler, flags: u64, mask: u64) -> isize {
    let a = SigAction { handler: h as usize as u64, flags: flags | signal::SA_SIGINFO, mask };
    sigaction(sig, Some(&a), None)
}

/// Sets `sig` to SIG_DFL or SIG_IGN.
pub fn set_disposition(sig: usize, handler: u64) -> isize {
    let a = SigAction { handler, flags: 0, mask: 0 };
    sigaction(sig, Some(&a), None)
}

/// rt_sigprocmask(how, set, oldset); returns the old mask (or -errno as a negative
/// value in `Err`).
pub fn sigprocmask(how: usize, set: Option<u64>) -> Result<u64, isize> {
    let mut old = 0u64;
    let s = set.unwrap_or(0);
    let sp = if set.is_some() { &s as *const u64 as usize } else { 0 };
    let r = syscall6(sys::RT_SIGPROCMASK, how, sp, &mut old as *mut u64 as usize, SIGSET_SIZE, 0, 0);
    if r < 0 {
        Err(r)
    } else {
        Ok(old)
    }
}

/// rt_sigpending: pending signals that are blocked.
pub fn sigpending() -> u64 {
    let mut p = 0u64;
    syscall(sys::RT_SIGPENDING, &mut p as *mut u64 as usize, SIGSET_SIZE, 0);
    p
}

/// rt_sigsuspend(mask): returns -EINTR after a handler ran.
pub fn sigsuspend(mask: u64) -> isize {
    syscall(sys::RT_SIGSUSPEND, &mask as *const u64 as usize, SIGSET_SIZE, 0)
}

/// rt_sigtimedwait(set, info, timeout): the signal taken, -EAGAIN on timeout.
pub fn sigtimedwait(set: u64, info: Option<&mut [u8; signal::SIGINFO_SIZE]>, timeout: Option<&abi::Timespec>) -> isize {
    let i = info.map_or(0, |b| b.as_mut_ptr() as usize);
    let t = timeout.map_or(0, |t| t as *const abi::Timespec as usize);
    syscall6(sys::RT_SIGTIMEDWAIT, &set as *const u64 as usize, i, t, SIGSET_SIZE, 0, 0)
}

/// sigaltstack(ss, old).
pub fn sigaltstack(ss: Option<&StackT>, old: Option<&mut StackT>) -> isize {
    let s = ss.map_or(0, |s| s as *const StackT as usize);
    let o = old.map_or(0, |o| o as *mut StackT as usize);
    syscall(sys::SIGALTSTACK, s, o, 0)
}

/// tgkill(tgid, tid, sig).
pub fn tgkill(tgid: isize, tid: isize, sig: usize) -> isize {
    syscall(sys::TGKILL, tgid as usize, tid as usize, sig)
}

/// Sends `sig` to the caller.
pub fn raise(sig: usize) -> isize {
    let me = crate::sys::getpid();
    tgkill(me, me, sig)
}

pub fn setpgid(pid: isize, pgid: isize) -> isize {
    syscall(sys::SETPGID, pid as usize, pgid as usize, 0)
}
pub fn getpgid(pid: isize) -> isize {
    syscall(sys::GETPGID, pid as usize, 0, 0)
}
pub fn getsid(pid: isize) -> isize {
    syscall(sys::GETSID, pid as usize, 0, 0)
}
pub fn setsid() -> isize {
    syscall(sys::SETSID, 0, 0, 0)
}

/// tcsetpgrp(fd, pgrp): makes `pgrp` the terminal's foreground group (TIOCSPGRP).
pub fn tcsetpgrp(fd: usize, pgrp: i32) -> isize {
    syscall(sys::IOCTL, fd, abi::tty::TIOCSPGRP, &pgrp as *const i32 as usize)
}

/// tcgetpgrp(fd) (TIOCGPGRP).
pub fn tcgetpgrp(fd: usize) -> isize {
    let mut g = 0i32;
    let r = syscall(sys::IOCTL, fd, abi::tty::TIOCGPGRP, &mut g as *mut i32 as usize);
    if r < 0 {
        r
    } else {
        g as isize
    }
}

/// Reads a `T` at `off` in a kernel-provided structure.
///
/// # Safety
/// `p + off` must be readable for `size_of::<T>()` bytes.
unsafe fn rd<T: Copy>(p: *const u8, off: usize) -> T {
    // SAFETY: the caller's contract.
    unsafe { core::ptr::read_unaligned(p.add(off) as *const T) }
}

/// si_code of a siginfo.
///
/// # Safety
/// `info` must point at a `siginfo_t` (a handler's second argument).
pub unsafe fn si_code(info: *const u8) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { rd(info, 8) }
}
/// si_addr of a fault's siginfo.
///
/// # Safety
/// As [`si_code`].
pub unsafe fn si_addr(info: *const u8) -> u64 {
    // SAFETY: the caller's contract.
    unsafe { rd(info, signal::SI_ADDR) }
}
/// si_pid of a kill's or SIGCHLD's siginfo.
///
/// # Safety
/// As [`si_code`].
pub unsafe fn si_pid(info: *const u8) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { rd(info, signal::SI_PID) }
}
/// si_status of a SIGCHLD siginfo.
///
/// # Safety
/// As [`si_code`].
pub unsafe fn si_status(info: *const u8) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { rd(info, signal::SI_STATUS) }
}

/// Address of saved register `r` (0 = pc, 1..31 = x1..x31) in the ucontext `uc` (a
/// handler's third argument); writing it changes where the return resumes.
pub fn uc_reg(uc: *mut u8, r: usize) -> *mut u64 {
    uc.wrapping_add(frame::UC_MCONTEXT + frame::SC_REGS + 8 * r) as *mut u64
}

/// Address of the saved signal mask in the ucontext `uc` (restored by the return).
pub fn uc_sigmask(uc: *mut u8) -> *mut u64 {
    uc.wrapping_add(frame::UC_SIGMASK) as *mut u64
}

/// Address of the saved `stack_t` in the ucontext `uc` (the return applies it as
/// sigaltstack would).
pub fn uc_stack(uc: *mut u8) -> *mut StackT {
    uc.wrapping_add(frame::UC_STACK) as *mut StackT
}
