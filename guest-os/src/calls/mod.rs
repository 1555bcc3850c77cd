//! System calls grouped by area, beyond the core ones in `syscall.rs`: file attributes,
//! links and renames (`fs`), device files (`dev`), user and group ids, umask and prctl
//! (`id`), clocks and sleeps (`time`), poll/select (`poll`), terminal ioctls (`tty`).
//! `syscall::dispatch` calls them; each returns the result or a positive errno.
//! User memory is only touched through `AddressSpace::copy_in/copy_out` (EFAULT).

pub mod dev;
pub mod fs;
pub mod id;
pub mod poll;
pub mod time;
pub mod tty;

use crate::file::Kind;
use crate::proc::Task;
use abi::errno::*;
use abi::fcntl::*;
use alloc::vec::Vec;

/// A system call's result: the value for a0, or a positive errno.
pub type SysResult = Result<usize, isize>;

/// Longest path accepted (as in `syscall.rs`).
const PATH_MAX: usize = 256;

/// Per-process state of these calls, kept in `proc::Task`.
#[derive(Clone, Debug)]
pub struct TaskExt {
    /// File-mode creation mask.
    pub umask: u32,
    /// User and group ids.
    pub cred: id::Cred,
    /// The deadline of a poll/select that is sleeping, and the call it belongs to.
    pub poll: Option<poll::Pending>,
}

impl Default for TaskExt {
    fn default() -> TaskExt {
        TaskExt { umask: 0o022, cred: id::Cred::default(), poll: None }
    }
}

impl TaskExt {
    /// The child's copy at fork: everything but a poll in progress.
    pub fn fork(&self) -> TaskExt {
        TaskExt { poll: None, ..self.clone() }
    }
}

/// Copies a path argument in (EFAULT, ENAMETOOLONG).
pub fn user_path(t: &mut Task, va: u64) -> Result<Vec<u8>, isize> {
    t.aspace.copy_in_str(va, PATH_MAX, ENAMETOOLONG)
}

/// The directory a relative path starts from: the cwd for AT_FDCWD, else the
/// directory open at `dirfd` (EBADF, ENOTDIR).
pub fn base_dir(t: &Task, dirfd: isize, path: &[u8]) -> Result<u32, isize> {
    if path.first() == Some(&b'/') || dirfd == AT_FDCWD {
        return Ok(t.cwd);
    }
    let f = t.files.get(usize::try_from(dirfd).map_err(|_| EBADF)?)?;
    match f.kind {
        Kind::Inode { inum, dir: true } => Ok(inum),
        _ => Err(ENOTDIR),
    }
}

/// Resolves (dirfd, path, flags) to an inode as the *at calls do: an empty path with
/// AT_EMPTY_PATH means the file open at `dirfd` (Some(None) for a descriptor that is
/// not an inode: console, pipe, device); AT_SYMLINK_NOFOLLOW stops at a final link.
pub fn resolve_at(t: &mut Task, dirfd: isize, va: u64, flags: u32) -> Result<Option<u32>, isize> {
    let path = user_path(t, va)?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(ENOENT);
        }
        if dirfd == AT_FDCWD {
            return Ok(Some(t.cwd));
        }
        let f = t.files.get(usize::try_from(dirfd).map_err(|_| EBADF)?)?;
        return Ok(match f.kind {
            Kind::Inode { inum, .. } => Some(inum),
            _ => None,
        });
    }
    let base = base_dir(t, dirfd, &path)?;
    let nofollow = flags & AT_SYMLINK_NOFOLLOW != 0;
    crate::fs::with(|f| if nofollow { f.lookup_nofollow(base, &path) } else { f.lookup(base, &path) }).map(Some)
}

/// Reads a `struct timespec` (EINVAL if the nanoseconds are out of range).
pub fn get_timespec(t: &mut Task, va: u64) -> Result<(i64, i64), isize> {
    let mut b = [0u8; 16];
    t.aspace.copy_in(va, &mut b)?;
    let sec = i64::from_le_bytes(b[0..8].try_into().map_err(|_| EFAULT)?);
    let nsec = i64::from_le_bytes(b[8..16].try_into().map_err(|_| EFAULT)?);
    Ok((sec, nsec))
}

/// Writes a `struct timespec` (or `timeval` with `div` = 1000) for `ns` nanoseconds.
pub fn put_time(t: &mut Task, va: u64, ns: i128, div: i128) -> Result<(), isize> {
    let mut b = [0u8; 16];
    b[0..8].copy_from_slice(&(ns.div_euclid(1_000_000_000) as i64).to_le_bytes());
    b[8..16].copy_from_slice(&((ns.rem_euclid(1_000_000_000) / div) as i64).to_le_bytes());
    t.aspace.copy_out(va, &b)
}
