//! Signals with Linux's semantics: per-process actions, blocked and pending sets, the
//! default actions (terminate, ignore, stop, continue), and sending (`kill`, faults,
//! SIGCHLD, SIGPIPE, the console's Ctrl-C). Delivery happens on every return to user
//! mode (`deliver.rs`) with Linux's riscv64 `rt_sigframe` (`frame.rs`); the system calls
//! are in `calls.rs`, process groups and the console's foreground group in `jobctl.rs`.
//!
//! State lives in a table indexed by process slot (beside `proc`'s table, locked on its
//! own and never while the process table is locked). Standard signals do not queue: a
//! second one while the first is pending is merged, keeping the first one's siginfo.

mod calls;
mod deliver;
mod frame;
pub mod jobctl;

pub use calls::dispatch;
pub use deliver::{deliver, fault, note_interrupted, sigreturn, trampoline_return, ERESTARTSYS};

use crate::arch::NPROC;
use crate::proc;
use abi::signal::*;
use spin::Mutex;

/// A signal's disposition (the kernel's `struct sigaction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action {
    /// SIG_DFL, SIG_IGN or the handler's address.
    pub handler: u64,
    pub flags: u64,
    pub mask: u64,
}

const DFL: Action = Action { handler: SIG_DFL, flags: 0, mask: 0 };

/// What the kernel tells the handler in its `siginfo_t` (the fields this kernel sets).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Info {
    pub code: i32,
    /// Sender (SI_USER, SI_TKILL) or child (SIGCHLD).
    pub pid: i32,
    /// Child's exit code or signal (SIGCHLD).
    pub status: i32,
    /// Faulting address (SIGSEGV, SIGBUS, SIGILL, SIGTRAP).
    pub addr: u64,
}

const INFO0: Info = Info { code: 0, pid: 0, status: 0, addr: 0 };

/// Default action of a signal (signal(7)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Default {
    Terminate,
    /// Terminate and dump core (no core files here: as Terminate).
    Core,
    Ignore,
    Stop,
    Continue,
}

/// The default action of `sig`.
pub fn default_action(sig: usize) -> Default {
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ | SIGSYS => Default::Core,
        SIGCHLD | SIGURG | SIGWINCH => Default::Ignore,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => Default::Stop,
        SIGCONT => Default::Continue,
        _ => Default::Terminate,
    }
}

/// Signals that can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);
const STOP_SET: u64 = bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU);

/// One process's signal state.
pub struct SigState {
    pub actions: [Action; NSIG],
    pub blocked: u64,
    pub pending: u64,
    /// siginfo of each pending signal (index sig - 1).
    pub info: [Info; NSIG],
    /// The mask to restore after a signal interrupted rt_sigsuspend.
    pub saved_mask: Option<u64>,
    /// Signals rt_sigtimedwait waits for (they wake the process although blocked).
    pub waiting: u64,
    /// rt_sigtimedwait's deadline (mtime), 0 if none is running.
    pub wait_deadline: u64,
    /// sigaltstack: base, size, and whether one is set.
    pub alt_sp: u64,
    pub alt_size: u64,
    pub alt_on: bool,
    /// Stopped by SIGSTOP and kin until SIGCONT.
    pub stopped: bool,
    /// A stop (by this signal) or a continue not yet reported to the parent's wait4
    /// (WUNTRACED, WCONTINUED).
    pub stop_report: i32,
    pub cont_report: bool,
    /// Process group and session.
    pub pgid: i32,
    pub sid: i32,
}

const STATE0: SigState = SigState {
    actions: [DFL; NSIG],
    blocked: 0,
    pending: 0,
    info: [INFO0; NSIG],
    saved_mask: None,
    waiting: 0,
    wait_deadline: 0,
    alt_sp: 0,
    alt_size: 0,
    alt_on: false,
    stopped: false,
    stop_report: 0,
    cont_report: false,
    pgid: 0,
    sid: 0,
};

static SIGS: Mutex<[SigState; NPROC]> = Mutex::new([STATE0; NPROC]);

/// Runs `f` on the signal state of `slot`.
pub fn with<R>(slot: usize, f: impl FnOnce(&mut SigState) -> R) -> R {
    f(&mut SIGS.lock()[slot])
}

/// Sleep channel of a stopped process (woken by SIGCONT).
fn stop_chan(slot: usize) -> usize {
    0x2000_0000 + slot
}

/// Sleep channel of rt_sigsuspend and rt_sigtimedwait (only signals end them).
fn pause_chan(slot: usize) -> usize {
    0x2100_0000 + slot
}

/// A new process (init): default actions, nothing blocked, its own group and session.
pub fn on_spawn(slot: usize, pid: i32) {
    with(slot, |s| {
        *s = STATE0;
        s.pgid = pid;
        s.sid = pid;
    });
}

/// fork: the child inherits actions, mask, alternate stack, group and session; its
/// pending set is empty.
pub fn on_fork(parent: usize, child: usize) {
    let mut t = SIGS.lock();
    let p = &t[parent];
    let c = SigState {
        actions: p.actions,
        blocked: p.blocked,
        alt_sp: p.alt_sp,
        alt_size: p.alt_size,
        alt_on: p.alt_on,
        pgid: p.pgid,
        sid: p.sid,
        ..STATE0
    };
    t[child] = c;
}

/// execve: handled signals go back to their default action (ignored ones stay ignored);
/// the mask and pending signals are kept; the alternate stack is gone.
pub fn on_exec(slot: usize) {
    with(slot, |s| {
        for a in s.actions.iter_mut() {
            if a.handler != SIG_IGN {
                *a = DFL;
            } else {
                a.flags = 0;
                a.mask = 0;
            }
        }
        s.alt_on = false;
        s.alt_sp = 0;
        s.alt_size = 0;
    });
}

/// Would `sig` be discarded at generation (ignored and not blocked or waited for)?
fn ignored(s: &SigState, sig: usize) -> bool {
    let b = bit(sig);
    if s.blocked & b != 0 || s.waiting & b != 0 {
        return false;
    }
    let a = s.actions[sig - 1];
    a.handler == SIG_IGN || (a.handler == SIG_DFL && default_action(sig) == Default::Ignore)
}

/// Sends `sig` (1..=64) to the process in `slot` with `info`: SIGKILL kills at once;
/// SIGCONT continues a stopped process; an ignored signal is discarded; otherwise it
/// becomes pending and, unless blocked, interrupts the process's sleep. Signals whose
/// action is the default are not delivered to init (pid 1), as in Linux.
pub fn send(slot: usize, pid: i32, sig: usize, info: Info) {
    if sig == 0 || sig > NSIG {
        return;
    }
    let mut wake_stopped = false;
    let wake = {
        let mut t = SIGS.lock();
        let s = &mut t[slot];
        if pid == 1 && s.actions[sig - 1].handler == SIG_DFL {
            return;
        }
        if sig == SIGKILL {
            s.stopped = false;
            drop(t);
            proc::set_killed(slot, SIGKILL as i32);
            proc::wakeup(stop_chan(slot));
            return;
        }
        if sig == SIGCONT {
            s.pending &= !STOP_SET;
            wake_stopped = s.stopped;
            if s.stopped {
                s.stop_report = 0;
                s.cont_report = true;
            }
            s.stopped = false;
        }
        if STOP_SET & bit(sig) != 0 {
            s.pending &= !bit(SIGCONT);
        }
        if ignored(s, sig) {
            false
        } else {
            if s.pending & bit(sig) == 0 {
                s.info[sig - 1] = info;
            }
            s.pending |= bit(sig);
            (s.pending & !s.blocked) | (s.pending & s.waiting) != 0
        }
    };
    if wake_stopped {
        proc::wakeup(stop_chan(slot));
        notify_parent(slot, CLD_CONTINUED, SIGCONT as i32);
    }
    if wake {
        proc::interrupt(slot);
    }
}

/// Sends `sig` to the current process (SIGPIPE after a write to a pipe without readers).
pub fn send_self(sig: usize) {
    let slot = proc::current_slot();
    let pid = proc::current_pid();
    send(slot, pid, sig, Info { code: SI_USER, pid, ..INFO0 });
}

/// Has `slot` a pending signal that is not blocked (which interrupts its sleeps)? The
/// ones rt_sigtimedwait waits for do not interrupt it: the call takes them (as Linux's
/// do_sigtimedwait, which dequeues them before any delivery).
pub fn deliverable(slot: usize) -> bool {
    with(slot, |s| s.pending & !s.blocked & !s.waiting != 0)
}

/// The process in `slot` stopped or continued: SIGCHLD (CLD_STOPPED / CLD_CONTINUED,
/// unless the parent set SA_NOCLDSTOP) and a wakeup of the parent's wait4.
pub fn notify_parent(slot: usize, code: i32, sig: i32) {
    let me = proc::live_slots().into_iter().find(|e| e.0 == slot);
    let Some((_, pid, ppid)) = me else { return };
    let Some(pslot) = proc::slot_of(ppid) else { return };
    let a = with(pslot, |s| s.actions[SIGCHLD - 1]);
    if a.flags & SA_NOCLDSTOP == 0 {
        send(pslot, ppid, SIGCHLD, Info { code, pid, status: sig, addr: 0 });
    }
    proc::wake_waiter(ppid);
}

/// wait4 on child `slot`: its stop (if `stopped`) or continue (if `continued`) not yet
/// reported, as a wait status, and forgets it.
pub fn take_stop_report(slot: usize, stopped: bool, continued: bool) -> Option<i32> {
    with(slot, |s| {
        if stopped && s.stop_report != 0 {
            let st = stopped_status(s.stop_report);
            s.stop_report = 0;
            return Some(st);
        }
        if continued && s.cont_report {
            s.cont_report = false;
            return Some(CONTINUED_STATUS);
        }
        None
    })
}

/// A child `pid` of `ppid` ended with wait status `status`: sends SIGCHLD to the parent
/// (CLD_EXITED or CLD_KILLED). Returns true if the parent ignores SIGCHLD explicitly
/// or set SA_NOCLDWAIT, i.e. the child must be reaped at once.
pub fn child_exited(ppid: i32, pid: i32, status: i32) -> bool {
    let Some(pslot) = proc::slot_of(ppid) else { return false };
    let (code, st) = if status & 0x7f != 0 { (CLD_KILLED, status & 0x7f) } else { (CLD_EXITED, (status >> 8) & 0xff) };
    let a = with(pslot, |s| s.actions[SIGCHLD - 1]);
    send(pslot, ppid, SIGCHLD, Info { code, pid, status: st, addr: 0 });
    a.handler == SIG_IGN || a.flags & SA_NOCLDWAIT != 0
}
