//! Delivery on the return to user mode (Linux `do_signal`): takes pending signals that
//! are not blocked, synchronous ones (faults) first, then by number; runs the default
//! action or builds a handler frame (`frame.rs`); decides whether an interrupted system
//! call returns EINTR or restarts (SA_RESTART); and turns faults into signals.

use super::{default_action, frame, with, Default, Info, DFL, UNBLOCKABLE};
use crate::arch::trap::{reg, TrapFrame};
use crate::{kprintln, proc};
use abi::errno::EINTR;
use abi::signal::*;
use abi::sys;
use spin::Mutex;

/// Kernel-internal result of a system call whose sleep a signal interrupted (Linux's
/// ERESTARTSYS): turned into EINTR, or a restart, when the signal is delivered.
pub const ERESTARTSYS: isize = 513;

/// Signals raised by the instruction stream, taken before the others (Linux's
/// SYNCHRONOUS_MASK).
const SYNC: u64 = bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGTRAP) | bit(SIGFPE) | bit(SIGSYS);

/// The interrupted system call (number, original a0) awaiting the decision (one hart,
/// non-preemptive kernel: one at a time, decided on the same return to user mode).
static INTERRUPTED: Mutex<Option<(usize, u64)>> = Mutex::new(None);

/// Records that system call `n` (first argument `a0`) returned [`ERESTARTSYS`].
pub fn note_interrupted(n: usize, a0: u64) {
    *INTERRUPTED.lock() = Some((n, a0));
}

/// Calls that SA_RESTART restarts after a handler (the rest return EINTR: Linux's
/// ERESTARTNOHAND for rt_sigsuspend and rt_sigtimedwait).
fn restartable(n: usize) -> bool {
    !matches!(n, sys::RT_SIGSUSPEND | sys::RT_SIGTIMEDWAIT)
}

/// Makes the ecall run again: back to the ecall instruction with its first argument.
fn rewind(tf: &mut TrapFrame, a0: u64) {
    tf.regs[reg::A0] = a0;
    tf.sepc -= 4;
}

/// `pid N (name)` of the current process, for kill messages.
fn who() -> (i32, [u8; 16]) {
    proc::with_current(|p| (p.pid, p.name))
}

fn name_str(n: &[u8; 16]) -> &str {
    let len = n.iter().position(|&c| c == 0).unwrap_or(n.len());
    core::str::from_utf8(&n[..len]).unwrap_or("?")
}

/// Delivers the current process's pending signals before it returns to user mode with
/// `tf`. Never returns if a signal ends the process.
pub fn deliver(tf: &mut TrapFrame) {
    let slot = proc::current_slot();
    with(slot, |s| {
        s.waiting = 0;
        s.wait_deadline = 0;
    });
    let mut interrupted = INTERRUPTED.lock().take();
    loop {
        if let Some(sig) = proc::with_current(|p| p.killed) {
            proc::exit(signal_status(sig));
        }
        let next = with(slot, |s| {
            let d = s.pending & !s.blocked;
            if d == 0 {
                return None;
            }
            let pick = if d & SYNC != 0 { d & SYNC } else { d };
            let sig = pick.trailing_zeros() as usize + 1;
            s.pending &= !bit(sig);
            Some((sig, s.info[sig - 1], s.actions[sig - 1]))
        });
        let Some((sig, info, act)) = next else { break };
        match act.handler {
            SIG_IGN => continue,
            SIG_DFL => match default_action(sig) {
                Default::Ignore | Default::Continue => continue,
                Default::Stop => stop(slot, sig),
                Default::Terminate | Default::Core => proc::exit(signal_status(sig as i32)),
            },
            _ => {
                if let Some((n, a0)) = interrupted.take() {
                    if act.flags & SA_RESTART != 0 && restartable(n) {
                        rewind(tf, a0);
                    } else {
                        tf.regs[reg::A0] = (-EINTR) as u64;
                    }
                }
                let old = with(slot, |s| s.saved_mask.take().unwrap_or(s.blocked));
                if let Err(addr) = frame::setup(tf, slot, sig, &info, &act, old) {
                    let (pid, name) = who();
                    kprintln!(
                        "pid {pid} ({}): cannot write the signal {sig} frame at {addr:#x}, pc {:#x}: killed",
                        name_str(&name),
                        tf.sepc
                    );
                    proc::exit(signal_status(SIGSEGV as i32));
                }
                with(slot, |s| {
                    s.blocked |= act.mask;
                    if act.flags & SA_NODEFER == 0 {
                        s.blocked |= bit(sig);
                    }
                    s.blocked &= !UNBLOCKABLE;
                    if act.flags & SA_RESETHAND != 0 {
                        s.actions[sig - 1] = DFL;
                    }
                });
            }
        }
    }
    // No handler ran: the interrupted call starts again (Linux restarts ERESTARTSYS and
    // ERESTARTNOHAND then), and rt_sigsuspend's mask is put back.
    if let Some((_, a0)) = interrupted {
        rewind(tf, a0);
    }
    with(slot, |s| {
        if let Some(m) = s.saved_mask.take() {
            s.blocked = m;
        }
    });
}

/// Stops the current process (by `sig`) until SIGCONT (or SIGKILL); the parent hears of
/// it (SIGCHLD, wait4 with WUNTRACED).
fn stop(slot: usize, sig: usize) {
    with(slot, |s| {
        s.stopped = true;
        s.stop_report = sig as i32;
        s.cont_report = false;
    });
    super::notify_parent(slot, CLD_STOPPED, sig as i32);
    loop {
        if proc::killed() || !with(slot, |s| s.stopped) {
            return;
        }
        proc::sleep_uninterruptible(super::stop_chan(slot));
    }
}

/// rt_sigreturn (the system call, or the trampoline's return trap): restores the state
/// saved in the frame at sp; a frame that cannot be read kills with a message.
pub fn sigreturn(tf: &mut TrapFrame) {
    let slot = proc::current_slot();
    if let Err(addr) = frame::restore(tf, slot) {
        let (pid, name) = who();
        kprintln!("pid {pid} ({}): bad signal frame at {addr:#x} in rt_sigreturn: killed", name_str(&name));
        proc::set_killed(slot, SIGSEGV as i32);
    }
}

/// A fault raised `sig` with `code` at `addr`: if the process handles it (handler, not
/// blocked) it is delivered on the way back to user mode; otherwise (default, ignored or
/// blocked: Linux's force_sig) the process dies, with today's message `pid N (name):
/// WHAT at STVAL (WHY), pc PC: killed`.
pub fn fault(tf: &TrapFrame, sig: usize, code: i32, addr: u64, stval: u64, what: &str, why: &str) {
    let slot = proc::current_slot();
    let handled = with(slot, |s| {
        let a = s.actions[sig - 1];
        let h = a.handler != SIG_DFL && a.handler != SIG_IGN && s.blocked & bit(sig) == 0;
        if h {
            s.pending |= bit(sig);
            s.info[sig - 1] = Info { code, pid: 0, status: 0, addr };
        }
        h
    });
    if handled {
        return;
    }
    let (pid, name) = who();
    let (open, close) = if why.is_empty() { ("", "") } else { (" (", ")") };
    kprintln!("pid {pid} ({}): {what} at {stval:#x}{open}{why}{close}, pc {:#x}: killed", name_str(&name), tf.sepc);
    proc::set_killed(slot, sig as i32);
}

/// The trampoline's return trap: an instruction fetch fault at `pc` holding the
/// trampoline's two instructions performs rt_sigreturn. True if it did.
pub fn trampoline_return(tf: &mut TrapFrame, pc: u64) -> bool {
    if !frame::is_trampoline(pc) {
        return false;
    }
    sigreturn(tf);
    true
}
