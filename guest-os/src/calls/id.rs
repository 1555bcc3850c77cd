//! User and group ids, supplementary groups, the umask and prctl. There are no users
//! but root in the file system, but the ids are kept per process with Linux's rules
//! (kernel/sys.c): a process whose effective uid is 0 may set any id; others may only
//! switch between their real, effective and saved ids. Files are not checked against
//! them (every process may open every file).

use super::{SysResult, Task};
use abi::errno::*;
use alloc::vec::Vec;

/// Most supplementary groups (Linux's NGROUPS_MAX is 65536; a small table here).
pub const NGROUPS_MAX: usize = 32;

/// The ids of a process.
#[derive(Clone, Debug, Default)]
pub struct Cred {
    pub ruid: u32,
    pub euid: u32,
    pub suid: u32,
    pub rgid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub groups: Vec<u32>,
    /// prctl PR_SET_NO_NEW_PRIVS (kept, reported; exec grants no privileges anyway).
    pub no_new_privs: bool,
    /// prctl PR_SET_DUMPABLE.
    pub undumpable: bool,
}

/// `(uid_t)-1`: "leave this id as it is".
const KEEP: u32 = u32::MAX;

/// Sets (real, effective, saved) from `new` (KEEP leaves one), with the permission rule
/// above; `ids` is the triple to change and `privileged` whether euid is 0.
fn set_triple(ids: [&mut u32; 3], new: [u32; 3], privileged: bool) -> Result<(), isize> {
    let cur = [*ids[0], *ids[1], *ids[2]];
    if !privileged && new.iter().any(|&n| n != KEEP && !cur.contains(&n)) {
        return Err(EPERM);
    }
    for (slot, n) in ids.into_iter().zip(new) {
        if n != KEEP {
            *slot = n;
        }
    }
    Ok(())
}

/// getuid .. setresgid, getgroups/setgroups, umask (the numbers of `abi::sys`).
pub fn dispatch(t: &mut Task, n: usize, a: [u64; 6]) -> SysResult {
    use abi::sys;
    let c = &mut t.ext.cred;
    let priv_ = c.euid == 0;
    let (x, y, z) = (a[0] as u32, a[1] as u32, a[2] as u32);
    match n {
        sys::GETUID => Ok(c.ruid as usize),
        sys::GETEUID => Ok(c.euid as usize),
        sys::GETGID => Ok(c.rgid as usize),
        sys::GETEGID => Ok(c.egid as usize),
        sys::SETUID => {
            // Privileged: all three; else only the effective id, to the real or saved.
            if priv_ {
                set_triple([&mut c.ruid, &mut c.euid, &mut c.suid], [x, x, x], true)
            } else {
                set_triple([&mut c.ruid, &mut c.euid, &mut c.suid], [KEEP, x, KEEP], false)
            }
            .map(|_| 0)
        }
        sys::SETGID => if priv_ {
            set_triple([&mut c.rgid, &mut c.egid, &mut c.sgid], [x, x, x], true)
        } else {
            set_triple([&mut c.rgid, &mut c.egid, &mut c.sgid], [KEEP, x, KEEP], false)
        }
        .map(|_| 0),
        sys::SETREUID => set_triple([&mut c.ruid, &mut c.euid, &mut c.suid], [x, y, KEEP], priv_).map(|_| 0),
        sys::SETREGID => set_triple([&mut c.rgid, &mut c.egid, &mut c.sgid], [x, y, KEEP], priv_).map(|_| 0),
        sys::SETRESUID => set_triple([&mut c.ruid, &mut c.euid, &mut c.suid], [x, y, z], priv_).map(|_| 0),
        sys::SETRESGID => set_triple([&mut c.rgid, &mut c.egid, &mut c.sgid], [x, y, z], priv_).map(|_| 0),
        // setfsuid/setfsgid return the previous fs id; it follows the effective one.
        sys::SETFSUID => Ok(c.euid as usize),
        sys::SETFSGID => Ok(c.egid as usize),
        sys::GETRESUID | sys::GETRESGID => {
            let ids = if n == sys::GETRESUID { [c.ruid, c.euid, c.suid] } else { [c.rgid, c.egid, c.sgid] };
            for (i, id) in ids.iter().enumerate() {
                t.aspace.copy_out(a[i], &id.to_le_bytes())?;
            }
            Ok(0)
        }
        sys::GETGROUPS => {
            let size = a[0] as i32;
            let groups = c.groups.clone();
            if size == 0 {
                return Ok(groups.len());
            }
            if size < 0 || (size as usize) < groups.len() {
                return Err(EINVAL);
            }
            for (i, g) in groups.iter().enumerate() {
                t.aspace.copy_out(a[1] + 4 * i as u64, &g.to_le_bytes())?;
            }
            Ok(groups.len())
        }
        sys::SETGROUPS => {
            if !priv_ {
                return Err(EPERM);
            }
            let size = a[0] as usize;
            if size > NGROUPS_MAX {
                return Err(EINVAL);
            }
            let mut g = Vec::new();
            g.try_reserve(size).map_err(|_| ENOMEM)?;
            for i in 0..size as u64 {
                let mut b = [0u8; 4];
                t.aspace.copy_in(a[1] + 4 * i, &mut b)?;
                g.push(u32::from_le_bytes(b));
            }
            t.ext.cred.groups = g;
            Ok(0)
        }
        sys::UMASK => {
            let old = t.ext.umask;
            t.ext.umask = x & 0o777;
            Ok(old as usize)
        }
        _ => Err(ENOSYS),
    }
}

/// prctl(option, arg2, ...): PR_SET_NAME/PR_GET_NAME (the name `ps` shows, 16 bytes
/// with the NUL), PR_SET/GET_DUMPABLE, PR_SET/GET_NO_NEW_PRIVS, PR_GET_CHILD_SUBREAPER
/// (never one); any other option is EINVAL.
pub fn prctl(t: &mut Task, a: [u64; 6]) -> SysResult {
    const PR_GET_DUMPABLE: u64 = 3;
    const PR_SET_DUMPABLE: u64 = 4;
    const PR_SET_NAME: u64 = 15;
    const PR_GET_NAME: u64 = 16;
    const PR_GET_CHILD_SUBREAPER: u64 = 37;
    const PR_SET_NO_NEW_PRIVS: u64 = 38;
    const PR_GET_NO_NEW_PRIVS: u64 = 39;
    match a[0] {
        PR_SET_NAME => {
            // Up to 15 bytes of the string are kept (TASK_COMM_LEN 16).
            let mut name = [0u8; 16];
            for (i, slot) in name.iter_mut().enumerate().take(15) {
                let mut b = [0u8; 1];
                t.aspace.copy_in(a[1] + i as u64, &mut b)?;
                if b[0] == 0 {
                    break;
                }
                *slot = b[0];
            }
            crate::proc::update_current(None, Some(name), t.aspace.pages);
            Ok(0)
        }
        PR_GET_NAME => {
            let mut name = crate::proc::with_current(|p| p.name);
            name[15] = 0;
            t.aspace.copy_out(a[1], &name)?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(usize::from(!t.ext.cred.undumpable)),
        PR_SET_DUMPABLE => match a[1] {
            0 | 1 => {
                t.ext.cred.undumpable = a[1] == 0;
                Ok(0)
            }
            _ => Err(EINVAL),
        },
        PR_GET_CHILD_SUBREAPER => {
            t.aspace.copy_out(a[1], &0i32.to_le_bytes())?;
            Ok(0)
        }
        PR_SET_NO_NEW_PRIVS => {
            if a[1] != 1 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
                return Err(EINVAL);
            }
            t.ext.cred.no_new_privs = true;
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => Ok(usize::from(t.ext.cred.no_new_privs)),
        _ => Err(EINVAL),
    }
}
