//! File-system calls: open (with device files and modes), stat, access, chmod/chown,
//! utimensat, rename, hard and symbolic links, readlink, truncate, fsync, statfs,
//! fchdir, pread/pwrite and sendfile. Paths follow symbolic links (`fs::Fs::lookup`)
//! unless a call says otherwise.

use super::{base_dir, get_timespec, resolve_at, user_path, SysResult, Task};
use crate::file::{File, Kind};
use crate::fs;
use crate::proc;
use abi::errno::*;
use abi::fcntl::*;
use abi::fs::*;
use abi::stat::*;
use alloc::sync::Arc;

/// The `struct stat` of inode `inum`.
pub fn stat_inode(inum: u32) -> Result<Stat, isize> {
    let ino = fs::with(|f| f.iget(inum))?;
    let typ = match ino.typ {
        T_DIR => S_IFDIR,
        T_DEV => S_IFCHR,
        T_SYMLINK => S_IFLNK,
        _ => S_IFREG,
    };
    Ok(Stat {
        st_dev: 1,
        st_ino: inum as u64,
        st_mode: typ | ino.mode as u32,
        st_nlink: ino.nlink as u32,
        st_uid: ino.uid,
        st_gid: ino.gid,
        st_rdev: if ino.typ == T_DEV { ino.rdev as u64 } else { 0 },
        st_size: ino.size as i64,
        st_blksize: BLOCK_SIZE as i32,
        st_blocks: (ino.size as u64).div_ceil(BLOCK_SIZE as u64) as i64 * (BLOCK_SIZE as i64 / 512),
        st_atime: ino.atime.sec,
        st_atime_nsec: ino.atime.nsec as u64,
        st_mtime: ino.mtime.sec,
        st_mtime_nsec: ino.mtime.nsec as u64,
        st_ctime: ino.ctime.sec,
        st_ctime_nsec: ino.ctime.nsec as u64,
        ..Stat::default()
    })
}

/// The `struct stat` of an open file.
pub fn stat_file(f: &File) -> Result<Stat, isize> {
    match &f.kind {
        Kind::Inode { inum, .. } => stat_inode(*inum),
        Kind::Console => Ok(Stat {
            st_mode: S_IFCHR | 0o620,
            st_nlink: 1,
            st_rdev: DEV_CONSOLE as u64,
            st_blksize: 1024,
            ..Stat::default()
        }),
        k @ (Kind::Null | Kind::Zero | Kind::Random) => Ok(Stat {
            st_mode: S_IFCHR | 0o666,
            st_nlink: 1,
            st_rdev: crate::calls::dev::rdev_of(k) as u64,
            st_blksize: 1024,
            ..Stat::default()
        }),
        Kind::PipeRead(_) | Kind::PipeWrite(_) => {
            Ok(Stat { st_mode: S_IFIFO | 0o600, st_nlink: 1, st_blksize: 512, ..Stat::default() })
        }
    }
}

/// fstat(fd, st).
pub fn fstat(t: &mut Task, fd: usize, va: u64) -> SysResult {
    let f = t.files.get(fd)?;
    let st = stat_file(&f)?;
    t.aspace.copy_out(va, &st.to_bytes())?;
    Ok(0)
}

/// newfstatat(dirfd, path, st, flags): AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW (lstat).
pub fn newfstatat(t: &mut Task, dirfd: isize, path: u64, va: u64, flags: u32) -> SysResult {
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(EINVAL);
    }
    let st = match resolve_at(t, dirfd, path, flags)? {
        Some(inum) => stat_inode(inum)?,
        None => stat_file(&*t.files.get(dirfd as usize)?)?,
    };
    t.aspace.copy_out(va, &st.to_bytes())?;
    Ok(0)
}

/// openat(dirfd, path, flags, mode): a new file gets `mode & !umask`; a device inode
/// opens as its device; O_NOFOLLOW on a final symbolic link is ELOOP.
pub fn openat(t: &mut Task, dirfd: isize, va: u64, flags: u32, mode: u32) -> SysResult {
    let path = user_path(t, va)?;
    if path.is_empty() {
        return Err(ENOENT);
    }
    let base = base_dir(t, dirfd, &path)?;
    let acc = flags & O_ACCMODE;
    if acc == 3 {
        return Err(EINVAL);
    }
    let readable = acc == O_RDONLY || acc == O_RDWR;
    let writable = acc == O_WRONLY || acc == O_RDWR;
    let cloexec = flags & O_CLOEXEC != 0;
    let perm = (mode & !t.ext.umask & 0o7777) as u16;
    let (inum, ino) = fs::with(|f| {
        let inum = if flags & O_CREAT != 0 {
            f.create(base, &path, T_FILE, flags & O_EXCL != 0, perm)?
        } else if flags & O_NOFOLLOW != 0 {
            f.lookup_nofollow(base, &path)?
        } else {
            f.lookup(base, &path)?
        };
        let ino = f.iget(inum)?;
        if ino.typ == T_SYMLINK {
            return Err(ELOOP);
        }
        if ino.typ == T_DIR && writable {
            return Err(EISDIR);
        }
        if ino.typ != T_DIR && flags & O_DIRECTORY != 0 {
            return Err(ENOTDIR);
        }
        if ino.typ == T_FILE && writable && flags & O_TRUNC != 0 {
            f.truncate(inum)?;
        }
        if ino.typ != T_DEV {
            f.open_ref(inum);
        }
        Ok((inum, ino))
    })?;
    let kind = if ino.typ == T_DEV {
        crate::calls::dev::kind_of(ino.rdev)?
    } else {
        Kind::Inode { inum, dir: ino.typ == T_DIR }
    };
    let file = Arc::new(File::new(kind, readable, writable, flags & O_APPEND != 0));
    file.set_status(flags);
    t.files.alloc(file, cloexec)
}

/// faccessat/faccessat2(dirfd, path, mode, flags): F_OK, or R_OK|W_OK|X_OK against the
/// permission bits with the real ids (effective with AT_EACCESS). uid 0 passes R and
/// W always and X when any execute bit is set (or for a directory), as on Linux.
pub fn faccessat(t: &mut Task, dirfd: isize, path: u64, mode: u32, flags: u32) -> SysResult {
    if mode & !7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let inum = resolve_at(t, dirfd, path, flags)?;
    let Some(inum) = inum else { return Ok(0) };
    let ino = fs::with(|f| f.iget(inum))?;
    let c = &t.ext.cred;
    let (uid, gid) = if flags & AT_EACCESS != 0 { (c.euid, c.egid) } else { (c.ruid, c.rgid) };
    let m = ino.mode as u32;
    let ok = if uid == 0 {
        mode & 1 == 0 || m & 0o111 != 0 || ino.typ == T_DIR
    } else {
        let bits = if uid == ino.uid {
            m >> 6
        } else if gid == ino.gid || c.groups.contains(&ino.gid) {
            m >> 3
        } else {
            m
        } & 7;
        mode & !bits == 0
    };
    if ok {
        Ok(0)
    } else {
        Err(EACCES)
    }
}

/// fchmodat(dirfd, path, mode, flags) and fchmod(fd, mode) (`path` 0).
pub fn chmod(t: &mut Task, dirfd: isize, path: u64, mode: u32, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let inum = target(t, dirfd, path, flags)?;
    fs::with(|f| f.set_mode(inum, (mode & 0o7777) as u16)).map(|_| 0)
}

/// fchownat(dirfd, path, uid, gid, flags) and fchown (`path` 0); -1 keeps an id.
/// Only uid 0 may change owners (EPERM).
pub fn chown(t: &mut Task, dirfd: isize, path: u64, uid: u32, gid: u32, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let inum = target(t, dirfd, path, flags)?;
    if t.ext.cred.euid != 0 {
        return Err(EPERM);
    }
    let keep = |v: u32| (v != u32::MAX).then_some(v);
    fs::with(|f| f.set_owner(inum, keep(uid), keep(gid))).map(|_| 0)
}

/// The inode a call on (dirfd, path) works on: with `path` 0 (fchmod, fchown,
/// futimens), the file open at `dirfd`, which must be an inode (EBADF/EINVAL).
fn target(t: &mut Task, dirfd: isize, path: u64, flags: u32) -> Result<u32, isize> {
    if path == 0 {
        let f = t.files.get(usize::try_from(dirfd).map_err(|_| EBADF)?)?;
        return match f.kind {
            Kind::Inode { inum, .. } => Ok(inum),
            _ => Err(EINVAL),
        };
    }
    resolve_at(t, dirfd, path, flags)?.ok_or(EINVAL)
}

/// utimensat(dirfd, path, times[2], flags): NULL times = now; UTIME_NOW / UTIME_OMIT
/// per entry; NULL path = the file open at dirfd (futimens).
pub fn utimensat(t: &mut Task, dirfd: isize, path: u64, times: u64, flags: u32) -> SysResult {
    use abi::time::{UTIME_NOW, UTIME_OMIT};
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let now = crate::time::realtime_ns();
    let now = Time { sec: now.div_euclid(1_000_000_000) as i64, nsec: now.rem_euclid(1_000_000_000) as u32 };
    let mut set = [Some(now), Some(now)];
    if times != 0 {
        for (i, s) in set.iter_mut().enumerate() {
            let (sec, nsec) = get_timespec(t, times + 16 * i as u64)?;
            *s = match nsec {
                UTIME_NOW => Some(now),
                UTIME_OMIT => None,
                n if (0..1_000_000_000).contains(&n) => Some(Time { sec, nsec: n as u32 }),
                _ => return Err(EINVAL),
            };
        }
    }
    let inum = target(t, dirfd, path, flags)?;
    fs::with(|f| f.set_times(inum, fs::Times { atime: set[0], mtime: set[1] })).map(|_| 0)
}

/// renameat2(olddirfd, old, newdirfd, new, flags): flags 0 or RENAME_NOREPLACE.
pub fn renameat2(t: &mut Task, a: [u64; 6]) -> SysResult {
    let flags = a[4] as u32;
    if flags & !RENAME_NOREPLACE != 0 {
        return Err(EINVAL);
    }
    let old = user_path(t, a[1])?;
    let new = user_path(t, a[3])?;
    if old.is_empty() || new.is_empty() {
        return Err(ENOENT);
    }
    let ob = base_dir(t, a[0] as i64 as isize, &old)?;
    let nb = base_dir(t, a[2] as i64 as isize, &new)?;
    fs::with(|f| f.rename(ob, &old, nb, &new, flags & RENAME_NOREPLACE != 0)).map(|_| 0)
}

/// linkat(olddirfd, old, newdirfd, new, flags): AT_SYMLINK_FOLLOW, AT_EMPTY_PATH.
pub fn linkat(t: &mut Task, a: [u64; 6]) -> SysResult {
    let flags = a[4] as u32;
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    // Linux does not follow a final symlink of `old` unless told to.
    let follow = if flags & AT_SYMLINK_FOLLOW != 0 { 0 } else { AT_SYMLINK_NOFOLLOW };
    let inum = resolve_at(t, a[0] as i64 as isize, a[1], follow | (flags & AT_EMPTY_PATH))?.ok_or(EINVAL)?;
    let new = user_path(t, a[3])?;
    if new.is_empty() {
        return Err(ENOENT);
    }
    let nb = base_dir(t, a[2] as i64 as isize, &new)?;
    fs::with(|f| f.link(inum, nb, &new)).map(|_| 0)
}

/// symlinkat(target, newdirfd, linkpath).
pub fn symlinkat(t: &mut Task, target: u64, dirfd: isize, va: u64) -> SysResult {
    let target = user_path(t, target)?;
    let path = user_path(t, va)?;
    if path.is_empty() || target.is_empty() {
        return Err(ENOENT);
    }
    let base = base_dir(t, dirfd, &path)?;
    fs::with(|f| f.symlink(base, &target, &path)).map(|_| 0)
}

/// readlinkat(dirfd, path, buf, size): the link's target, not NUL-terminated, cut to
/// `size`. /proc does not exist, so glibc's /proc/self/exe is ENOENT.
pub fn readlinkat(t: &mut Task, dirfd: isize, va: u64, buf: u64, size: usize) -> SysResult {
    if (size as isize) <= 0 {
        return Err(EINVAL);
    }
    let inum = resolve_at(t, dirfd, va, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?.ok_or(EINVAL)?;
    let mut out = [0u8; 256];
    let n = size.min(out.len());
    let got = fs::with(|f| f.readlink(inum, &mut out[..n]))?;
    t.aspace.copy_out(buf, &out[..got])?;
    Ok(got)
}

/// truncate(path, len) and ftruncate(fd, len) (`path` 0; fd must be open for writing).
pub fn truncate(t: &mut Task, path: u64, fd: usize, len: i64) -> SysResult {
    if len < 0 {
        return Err(EINVAL);
    }
    let inum = if path == 0 {
        let f = t.files.get(fd)?;
        match f.kind {
            Kind::Inode { inum, dir: false } if f.writable => inum,
            _ => return Err(EINVAL),
        }
    } else {
        resolve_at(t, AT_FDCWD, path, 0)?.ok_or(EINVAL)?
    };
    fs::with(|f| f.set_size(inum, len as u64)).map(|_| 0)
}

/// fsync/fdatasync(fd): forces the commit of the log (docs/fs.md). Each file-system
/// call commits its own transaction before it returns, so what the file's writes
/// logged is already durable and the commit here finds the log empty; it is the
/// contract, not an extra flush. EINVAL for pipes and the console, as Linux; EIO after
/// a disk error left a committed transaction in the log (docs/fs.md, "I/O errors").
pub fn fsync(t: &mut Task, fd: usize) -> SysResult {
    match t.files.get(fd)?.kind {
        Kind::PipeRead(_) | Kind::PipeWrite(_) | Kind::Console => Err(EINVAL),
        _ => fs::with(|f| f.sync()).map(|_| 0),
    }
}

/// statfs(path, buf) / fstatfs(fd, buf) (`path` 0): the asm-generic `struct statfs`
/// (120 bytes) of the one file system.
pub fn statfs(t: &mut Task, path: u64, fd: usize, buf: u64) -> SysResult {
    if path != 0 {
        resolve_at(t, AT_FDCWD, path, 0)?;
    } else {
        t.files.get(fd)?;
    }
    let (free, total) = fs::with(|f| f.block_stats())?;
    let (files, ffree) = fs::with(|f| f.inode_stats())?;
    let mut b = [0u8; 120];
    let mut put = |off: usize, v: u64| b[off..off + 8].copy_from_slice(&v.to_le_bytes());
    put(0, MAGIC as u64); // f_type
    put(8, BLOCK_SIZE as u64); // f_bsize
    put(16, total as u64); // f_blocks
    put(24, free as u64); // f_bfree
    put(32, free as u64); // f_bavail
    put(40, files as u64); // f_files
    put(48, ffree as u64); // f_ffree
    put(64, NAME_MAX as u64); // f_namelen (after the 8-byte f_fsid)
    put(72, BLOCK_SIZE as u64); // f_frsize
    t.aspace.copy_out(buf, &b)?;
    Ok(0)
}

/// fchdir(fd): the directory open at fd becomes the cwd (its path is found by
/// walking "..").
pub fn fchdir(t: &mut Task, fd: usize) -> SysResult {
    let f = t.files.get(fd)?;
    let Kind::Inode { inum, dir: true } = f.kind else { return Err(ENOTDIR) };
    let path = fs::with(|f| f.path_of(inum))?;
    t.cwd = inum;
    t.cwd_path = path;
    Ok(0)
}

/// pread64/pwrite64(fd, buf, count, offset): at `offset`, leaving the file offset.
pub fn pread_pwrite(t: &mut Task, fd: usize, buf: u64, count: usize, off: i64, write: bool) -> SysResult {
    let f = t.files.get(fd)?;
    if off < 0 {
        return Err(EINVAL);
    }
    if (write && !f.writable) || (!write && !f.readable) {
        return Err(EBADF);
    }
    let Kind::Inode { inum, dir } = f.kind else { return Err(ESPIPE) };
    if dir {
        return Err(EISDIR);
    }
    let mut k = [0u8; 1024];
    let mut done = 0;
    while done < count {
        let m = (count - done).min(k.len());
        let pos = off as u64 + done as u64;
        let n = if write {
            t.aspace.copy_in(buf + done as u64, &mut k[..m])?;
            fs::with(|fs| fs.write(inum, pos, &k[..m]))?
        } else {
            let n = fs::with(|fs| fs.read(inum, pos, &mut k[..m]))?;
            t.aspace.copy_out(buf + done as u64, &k[..n])?;
            n
        };
        done += n;
        if n < m {
            break;
        }
    }
    Ok(done)
}

/// sendfile(out_fd, in_fd, offset, count): copies from a file (or /dev/zero,
/// /dev/urandom, /dev/null) to any writable descriptor. With `offset` non-NULL the
/// input is read there and the pointer updated; else from (and advancing) the input's
/// file offset. A pipe that fills after some bytes ends the call with that count; with
/// none, the call blocks like write.
pub fn sendfile(t: &mut Task, out_fd: usize, in_fd: usize, off_va: u64, count: usize) -> SysResult {
    let inp = t.files.get(in_fd)?;
    let out = t.files.get(out_fd)?;
    if !inp.readable || !out.writable {
        return Err(EBADF);
    }
    let mut pos = if off_va != 0 {
        let p = t.aspace.read_u64(off_va)? as i64;
        if p < 0 {
            return Err(EINVAL);
        }
        p as u64
    } else {
        *inp.offset.lock()
    };
    let mut k = [0u8; 1024];
    let mut done = 0usize;
    let count = count.min(0x7fff_f000);
    while done < count {
        let m = (count - done).min(k.len());
        let got = match &inp.kind {
            Kind::Inode { inum, dir: false } => {
                let inum = *inum;
                fs::with(|fs| fs.read(inum, pos, &mut k[..m]))?
            }
            kd @ (Kind::Null | Kind::Zero | Kind::Random) => crate::calls::dev::read(kd, &mut k[..m]),
            _ => return Err(EINVAL),
        };
        if got == 0 {
            break;
        }
        let wrote = match write_kernel(&out, &k[..got]) {
            Ok(w) => w,
            Err(proc::ERESTART) => {
                let b = proc::take_block();
                let w = b.map_or(0, |b| b.done);
                if done == 0 && w == 0 {
                    if let Some(b) = b {
                        proc::block_on(b.wait, 0);
                    }
                    return Err(proc::ERESTART);
                }
                w
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => 0,
        };
        pos += wrote as u64;
        done += wrote;
        if wrote < got {
            break;
        }
    }
    if off_va != 0 {
        t.aspace.copy_out(off_va, &pos.to_le_bytes())?;
    } else {
        *inp.offset.lock() = pos;
    }
    Ok(done)
}

/// Writes kernel bytes to an open file (sendfile's output side).
fn write_kernel(f: &File, data: &[u8]) -> Result<usize, isize> {
    match &f.kind {
        Kind::Console => {
            for &b in data {
                if b == b'\n' {
                    crate::console::putc(b'\r');
                }
                crate::console::putc(b);
            }
            Ok(data.len())
        }
        Kind::PipeWrite(p) => p.write(data),
        Kind::Null | Kind::Zero | Kind::Random => Ok(data.len()),
        Kind::Inode { inum, dir: false } => {
            let inum = *inum;
            let mut off = f.offset.lock();
            if f.append() {
                *off = fs::with(|fs| fs.iget(inum)).map(|i| i.size as u64)?;
            }
            let w = fs::with(|fs| fs.write(inum, *off, data))?;
            *off += w as u64;
            Ok(w)
        }
        _ => Err(EBADF),
    }
}
