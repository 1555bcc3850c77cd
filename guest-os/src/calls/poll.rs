//! ppoll and pselect6 over pipes, the console, files and devices. A call with nothing
//! ready sleeps on `proc::POLL_CHAN` (`proc::block_on`), which every wakeup and every
//! tick ends, and then looks again; its deadline (from the timeout, on the machine's
//! deterministic clock) is kept in the task between those runs, keyed by the call's
//! arguments. Files and devices are always ready, as on Linux.

use super::{get_timespec, SysResult, Task};
use crate::file::{File, Kind};
use crate::proc;
use abi::errno::*;

pub const POLLIN: u16 = 0x1;
pub const POLLPRI: u16 = 0x2;
pub const POLLOUT: u16 = 0x4;
pub const POLLERR: u16 = 0x8;
pub const POLLHUP: u16 = 0x10;
pub const POLLNVAL: u16 = 0x20;
pub const POLLRDNORM: u16 = 0x40;
pub const POLLWRNORM: u16 = 0x100;

/// A poll/select asleep: which call (its arguments) and until when (`mtime`, None =
/// no timeout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    pub key: [u64; 4],
    pub deadline: Option<u64>,
}

/// Most descriptors per poll (Linux allows RLIMIT_NOFILE; ours is small).
const MAX_POLLFDS: usize = 256;

/// The ready events of `f` among `want` (plus POLLERR/POLLHUP, always reported).
fn events(f: &File, want: u16) -> u16 {
    let (r, w, hup, err) = match &f.kind {
        Kind::PipeRead(p) => {
            let (r, _, hup, _) = p.readiness();
            (r, false, hup, false)
        }
        Kind::PipeWrite(p) => {
            let (_, w, _, err) = p.readiness();
            (false, w, false, err)
        }
        Kind::Console => (crate::console::input_ready(), true, false, false),
        _ => (true, true, false, false),
    };
    let mut ev = 0;
    if r && f.readable {
        ev |= want & (POLLIN | POLLRDNORM);
    }
    if w && f.writable {
        ev |= want & (POLLOUT | POLLWRNORM);
    }
    if hup {
        ev |= POLLHUP;
    }
    if err {
        ev |= POLLERR;
    }
    ev
}

/// The deadline of this call: kept from an earlier run of the same call, else from the
/// timeout `ns` (None = wait forever).
fn deadline(t: &mut Task, key: [u64; 4], ns: Option<i128>) -> Option<u64> {
    if let Some(p) = t.ext.poll {
        if p.key == key {
            return p.deadline;
        }
    }
    let d = ns.map(|ns| crate::time::now().saturating_add(crate::time::ns_to_ticks(ns.max(0) as u64)));
    t.ext.poll = Some(Pending { key, deadline: d });
    d
}

/// Ends the call with `r` (forgetting its deadline), or sleeps if nothing is ready yet
/// and the deadline has not passed.
fn finish_or_sleep(t: &mut Task, ready: usize, deadline: Option<u64>) -> SysResult {
    let expired = deadline.is_some_and(|d| crate::time::now() >= d);
    if ready > 0 || expired {
        t.ext.poll = None;
        return Ok(ready);
    }
    if proc::killed() {
        t.ext.poll = None;
        return Err(EINTR);
    }
    Err(proc::block_on(proc::Wait::Chan(proc::POLL_CHAN), 0))
}

/// A timeout argument (`struct timespec *`, NULL = none) in ns.
fn timeout(t: &mut Task, va: u64) -> Result<Option<i128>, isize> {
    if va == 0 {
        return Ok(None);
    }
    let (sec, nsec) = get_timespec(t, va)?;
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(EINVAL);
    }
    Ok(Some(sec as i128 * 1_000_000_000 + nsec as i128))
}

/// ppoll(fds, nfds, tmo, sigmask, sigsetsize): the signal mask is not applied (no
/// signal handlers yet).
pub fn ppoll(t: &mut Task, a: [u64; 6]) -> SysResult {
    let (fds, nfds) = (a[0], a[1] as usize);
    if nfds > MAX_POLLFDS {
        return Err(EINVAL);
    }
    let ns = timeout(t, a[2])?;
    let dl = deadline(t, [a[0], a[1], a[2], 0], ns);
    let mut ready = 0;
    for i in 0..nfds as u64 {
        let mut b = [0u8; 8];
        if let Err(e) = t.aspace.copy_in(fds + 8 * i, &mut b) {
            t.ext.poll = None;
            return Err(e);
        }
        let fd = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let want = u16::from_le_bytes([b[4], b[5]]);
        let rev = if fd < 0 {
            0
        } else {
            match t.files.get(fd as usize) {
                Ok(f) => events(&f, want),
                Err(_) => POLLNVAL,
            }
        };
        if rev != 0 {
            ready += 1;
        }
        if let Err(e) = t.aspace.copy_out(fds + 8 * i + 6, &rev.to_le_bytes()) {
            t.ext.poll = None;
            return Err(e);
        }
    }
    finish_or_sleep(t, ready, dl)
}

/// pselect6(nfds, readfds, writefds, exceptfds, timeout, sigmask): fd_sets are bit
/// arrays of `nfds` bits (rounded up to 64); EBADF for a set bit naming no file.
pub fn pselect6(t: &mut Task, a: [u64; 6]) -> SysResult {
    let nfds = a[0] as usize;
    if nfds > crate::file::NOFILE.max(1024) {
        return Err(EINVAL);
    }
    let words = nfds.div_ceil(64);
    let ns = timeout(t, a[4])?;
    let dl = deadline(t, [a[0], a[1], a[2], a[4]], ns);
    let mut sets = [[0u64; 16]; 3];
    for (k, set) in sets.iter_mut().enumerate() {
        let va = a[1 + k];
        if va == 0 {
            continue;
        }
        for (w, word) in set.iter_mut().enumerate().take(words) {
            *word = t.aspace.read_u64(va + 8 * w as u64).inspect_err(|_| t.ext.poll = None)?;
        }
    }
    let mut out = [[0u64; 16]; 3];
    let mut ready = 0;
    for fd in 0..nfds {
        let (w, bit) = (fd / 64, 1u64 << (fd % 64));
        let asked = [sets[0][w] & bit != 0, sets[1][w] & bit != 0, sets[2][w] & bit != 0];
        if !asked.iter().any(|&x| x) {
            continue;
        }
        let f = t.files.get(fd).inspect_err(|_| t.ext.poll = None)?;
        let ev = events(&f, POLLIN | POLLOUT | POLLPRI);
        let got = [ev & (POLLIN | POLLHUP | POLLERR) != 0, ev & (POLLOUT | POLLERR) != 0, false];
        for k in 0..3 {
            if asked[k] && got[k] {
                out[k][w] |= bit;
                ready += 1;
            }
        }
    }
    let r = finish_or_sleep(t, ready, dl);
    if r != Err(proc::ERESTART) {
        // The sets are rewritten with the ready descriptors (all clear on timeout).
        for (k, set) in out.iter().enumerate() {
            let va = a[1 + k];
            if va == 0 {
                continue;
            }
            for (w, word) in set.iter().enumerate().take(words) {
                t.aspace.copy_out(va + 8 * w as u64, &word.to_le_bytes())?;
            }
        }
    }
    r
}
