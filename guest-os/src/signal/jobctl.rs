//! Process groups, sessions and the console's foreground group: setpgid, getpgid,
//! getsid, setsid, the TIOCSPGRP/TIOCGPGRP ioctls on the console, and the signals the
//! console's line discipline sends to the foreground group (Ctrl-C SIGINT, Ctrl-\
//! SIGQUIT).

use super::{with, Info, INFO0};
use crate::proc;
use abi::errno::*;
use abi::signal::*;
use abi::sys;
use spin::Mutex;

type SysResult = Result<usize, isize>;

/// The console's foreground process group (init's group until a shell sets one).
static FOREGROUND: Mutex<i32> = Mutex::new(1);

/// setpgid(pid, pgid), getpgid(pid), getsid(pid), setsid() (pid 0 = the caller).
pub fn dispatch(n: usize, a: [u64; 6]) -> SysResult {
    let me = proc::current_pid();
    let target = |pid: i32| -> Result<(usize, i32, i32), isize> {
        let pid = if pid == 0 { me } else { pid };
        let slot = proc::slot_of(pid).ok_or(ESRCH)?;
        let ppid = proc::live_slots().iter().find(|e| e.0 == slot).map(|e| e.2).unwrap_or(0);
        Ok((slot, pid, ppid))
    };
    match n {
        sys::GETPGID => {
            let (slot, _, _) = target(a[0] as i32)?;
            Ok(with(slot, |s| s.pgid) as usize)
        }
        sys::GETSID => {
            let (slot, _, _) = target(a[0] as i32)?;
            Ok(with(slot, |s| s.sid) as usize)
        }
        sys::SETSID => {
            let slot = proc::current_slot();
            // A group leader cannot start a session (its group would straddle two).
            let leader = proc::live_slots().iter().any(|&(s, p, _)| p != me && with(s, |st| st.pgid) == me);
            with(slot, |s| {
                if s.pgid == me || leader {
                    return Err(EPERM);
                }
                s.pgid = me;
                s.sid = me;
                Ok(me as usize)
            })
        }
        sys::SETPGID => {
            let pgid = a[1] as i32;
            if pgid < 0 {
                return Err(EINVAL);
            }
            let (slot, pid, ppid) = target(a[0] as i32)?;
            if pid != me && ppid != me {
                return Err(ESRCH);
            }
            let my_sid = with(proc::current_slot(), |s| s.sid);
            let (sid, is_leader) = with(slot, |s| (s.sid, s.sid == pid));
            if sid != my_sid || is_leader {
                return Err(EPERM);
            }
            let pgid = if pgid == 0 { pid } else { pgid };
            if pgid != pid && !group_in_session(pgid, my_sid) {
                return Err(EPERM);
            }
            with(slot, |s| s.pgid = pgid);
            Ok(0)
        }
        _ => Err(ENOSYS),
    }
}

/// Does a process of group `pgid` exist in session `sid`?
fn group_in_session(pgid: i32, sid: i32) -> bool {
    proc::live_slots().iter().any(|&(s, _, _)| with(s, |st| st.pgid == pgid && st.sid == sid))
}

/// The console's job-control ioctls: Some(result) for TIOCGPGRP (the foreground group
/// into `*arg`) and TIOCSPGRP (set it from `*arg`; EPERM for a group not in the caller's
/// session), None for other requests.
pub fn console_ioctl(t: &mut proc::Task, req: usize, arg: u64) -> Option<SysResult> {
    match req {
        abi::tty::TIOCGPGRP => {
            let g = *FOREGROUND.lock();
            Some(t.aspace.copy_out(arg, &g.to_le_bytes()).map(|_| 0))
        }
        abi::tty::TIOCSPGRP => {
            let mut b = [0u8; 4];
            if let Err(e) = t.aspace.copy_in(arg, &mut b) {
                return Some(Err(e));
            }
            let g = i32::from_le_bytes(b);
            if g < 0 {
                return Some(Err(EINVAL));
            }
            let sid = with(proc::current_slot(), |s| s.sid);
            if !group_in_session(g, sid) {
                return Some(Err(EPERM));
            }
            *FOREGROUND.lock() = g;
            Some(Ok(0))
        }
        _ => None,
    }
}

/// The console's line discipline saw an interrupt character: sends `sig` to every
/// process of the foreground group (as from the kernel: si_code SI_KERNEL).
pub fn console_signal(sig: usize) {
    let g = *FOREGROUND.lock();
    for (slot, pid, _) in proc::live_slots() {
        if with(slot, |s| s.pgid) == g {
            super::send(slot, pid, sig, Info { code: SI_KERNEL, ..INFO0 });
        }
    }
}
