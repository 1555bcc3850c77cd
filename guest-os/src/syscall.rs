//! System calls with the Linux RISC-V ABI: number in a7, arguments in a0..a5, result or
//! `-errno` in a0 (numbers from `abi::sys`, errors from `abi::errno`). User pointers are
//! only dereferenced through `AddressSpace::copy_in/copy_out`, so a bad pointer is
//! EFAULT. Unimplemented calls return ENOSYS and are logged once per number.

use crate::arch::trap::{reg, TrapFrame};
use crate::file::{File, Kind};
use crate::pipe::Pipe;
use crate::proc::{self, Task};
use crate::{calls, console, exec, fs, kprintln};
use abi::errno::*;
use abi::fcntl::*;
use abi::fs::{DIRENT_SIZE, T_DIR};
use abi::stat::*;
use abi::sys;
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

type SysResult = Result<usize, isize>;

/// Longest path accepted.
const PATH_MAX: usize = 256;
/// Most arguments + environment strings for execve.
const MAX_ARGS: usize = 64;
/// Longest single argument.
const MAX_ARG_LEN: usize = 1024;

static LOGGED: Mutex<[u64; 8]> = Mutex::new([0; 8]);

/// Runs the system call in `tf` and stores its result in a0.
pub fn syscall(tf: &mut TrapFrame) {
    let n = tf.regs[reg::A7] as usize;
    let a =
        [tf.regs[reg::A0], tf.regs[reg::A1], tf.regs[reg::A2], tf.regs[reg::A3], tf.regs[reg::A4], tf.regs[reg::A5]];
    if n == sys::EXIT || n == sys::EXIT_GROUP {
        proc::exit(abi::signal::exit_status(a[0] as i32));
    }
    if n == sys::RT_SIGRETURN {
        // Restores every register, a0 included (Linux returns the restored a0).
        crate::signal::sigreturn(tf);
        return;
    }
    if n == sys::SCHED_YIELD {
        // Yield without holding the task lock, so that the page evictor (mm/reclaim.rs)
        // can take this process's pages while others run.
        proc::yield_now();
        tf.regs[reg::A0] = 0;
        return;
    }
    let r = run_blocking(n, a, tf);
    if r == Err(crate::signal::ERESTARTSYS) {
        crate::signal::note_interrupted(n, a[0]);
    }
    tf.regs[reg::A0] = match r {
        Ok(v) => v as u64,
        Err(e) => (-e) as u64,
    };
}

/// Runs system call `n` with the task locked; when it blocks (`Err(ERESTART)`, see
/// `proc::block_on`) sleeps with the lock released, so that the evictor can take this
/// process's pages while it waits, and runs it again. A write that blocked after some
/// bytes continues with the rest. A kill or a signal ends the wait with the count so
/// far, or ERESTARTSYS (EINTR or a restart, decided at delivery: `signal/deliver.rs`);
/// nanosleep ends with EINTR.
fn run_blocking(n: usize, mut a: [u64; 6], tf: &mut TrapFrame) -> SysResult {
    let task = proc::current_task();
    let mut done = 0usize;
    loop {
        let r = {
            let mut t = task.lock();
            dispatch(n, a, &mut t, tf)
        };
        if r != Err(proc::ERESTART) {
            return r.map(|v| v + done);
        }
        let Some(b) = proc::take_block() else { return Err(EINTR) };
        if n == sys::WRITE {
            done += b.done;
            a[1] += b.done as u64;
            a[2] -= b.done as u64;
        }
        let woke = match b.wait {
            proc::Wait::Chan(c) => proc::sleep(c),
            proc::Wait::ChanUntil(c, deadline) => proc::sleep_timeout(c, deadline),
            proc::Wait::Until(deadline) => {
                return if proc::sleep_until(deadline) { Ok(0) } else { Err(EINTR) };
            }
        };
        if !woke {
            return if done > 0 { Ok(done) } else { Err(crate::signal::ERESTARTSYS) };
        }
    }
}

fn dispatch(n: usize, a: [u64; 6], t: &mut Task, tf: &mut TrapFrame) -> SysResult {
    let fd = a[0] as usize;
    if matches!(n, sys::OPENAT | sys::PIPE2 | sys::CLONE | sys::EXECVE | sys::MMAP | sys::CHDIR) {
        crate::heap::check_reserve()?;
    }
    match n {
        sys::READ => sys_read(t, fd, a[1], a[2] as usize),
        sys::WRITE => sys_write(t, fd, a[1], a[2] as usize),
        sys::READV | sys::WRITEV => sys_rwv(t, fd, a[1], a[2] as usize, n == sys::WRITEV),
        sys::OPENAT => calls::fs::openat(t, a[0] as i64 as isize, a[1], a[2] as u32, a[3] as u32),
        sys::CLOSE => t.files.close(fd).map(|_| 0),
        sys::LSEEK => sys_lseek(t, fd, a[1] as i64, a[2] as usize),
        sys::FSTAT => calls::fs::fstat(t, fd, a[1]),
        sys::SET_ROBUST_LIST => {
            // The list matters only to threads that die holding robust futexes; with one
            // thread per process it is accepted and not used. Linux checks the size.
            if a[1] as usize != ROBUST_LIST_HEAD_SIZE {
                return Err(EINVAL);
            }
            Ok(0)
        }
        sys::PRLIMIT64 => sys_prlimit64(t, a[0] as i64 as i32, a[1] as usize, a[3]),
        sys::GETRANDOM => sys_getrandom(t, a[0], a[1] as usize, a[2] as u32),
        sys::NEWFSTATAT => calls::fs::newfstatat(t, a[0] as i64 as isize, a[1], a[2], a[3] as u32),
        sys::GETDENTS64 => sys_getdents64(t, fd, a[1], a[2] as usize),
        sys::MKDIRAT => {
            let (base, path) = at_path(t, a[0] as i64 as isize, a[1])?;
            let mode = (a[2] as u32 & !t.ext.umask & 0o7777) as u16;
            fs::with(|f| f.create(base, &path, T_DIR, true, mode)).map(|_| 0)
        }
        sys::UNLINKAT => {
            if a[2] as u32 & !AT_REMOVEDIR != 0 {
                return Err(EINVAL);
            }
            let (base, path) = at_path(t, a[0] as i64 as isize, a[1])?;
            fs::with(|f| f.unlink(base, &path, a[2] as u32 & AT_REMOVEDIR != 0)).map(|_| 0)
        }
        sys::CHDIR => sys_chdir(t, a[0]),
        sys::GETCWD => {
            let len = t.cwd_path.len() + 1;
            if (a[1] as usize) < len {
                return Err(ERANGE);
            }
            let p = t.cwd_path.clone();
            t.aspace.copy_out(a[0], &p)?;
            t.aspace.copy_out(a[0] + p.len() as u64, &[0])?;
            Ok(len)
        }
        sys::DUP => {
            let f = t.files.get(fd)?;
            t.files.alloc(f, false)
        }
        sys::DUP3 => {
            let (old, new, flags) = (a[0] as usize, a[1] as usize, a[2] as u32);
            if flags & !O_CLOEXEC != 0 {
                return Err(EINVAL);
            }
            let f = t.files.get(old)?;
            if old == new {
                return Err(EINVAL);
            }
            if new >= crate::file::NOFILE {
                return Err(EBADF);
            }
            t.files.set(new, f, flags & O_CLOEXEC != 0)?;
            Ok(new)
        }
        sys::PIPE2 => sys_pipe2(t, a[0], a[1] as u32),
        sys::FCNTL => {
            let f = t.files.get(fd)?;
            match a[1] as usize {
                F_DUPFD => t.files.alloc_from(a[2] as usize, f, false),
                F_DUPFD_CLOEXEC => t.files.alloc_from(a[2] as usize, f, true),
                F_GETFD => Ok(if t.files.cloexec(fd)? { FD_CLOEXEC } else { 0 }),
                F_SETFD => t.files.set_cloexec(fd, a[2] as usize & FD_CLOEXEC != 0).map(|_| 0),
                F_GETFL => {
                    let acc = match (f.readable, f.writable) {
                        (true, true) => O_RDWR,
                        (false, true) => O_WRONLY,
                        _ => O_RDONLY,
                    };
                    Ok((acc | f.status()) as usize)
                }
                // O_APPEND and O_NONBLOCK change; other flags are ignored, as on Linux.
                F_SETFL => {
                    f.set_status(a[2] as u32);
                    Ok(0)
                }
                _ => Err(EINVAL),
            }
        }
        sys::IOCTL => calls::tty::ioctl(t, fd, a[1], a[2]),
        sys::GETPID | sys::GETTID | sys::SET_TID_ADDRESS => Ok(proc::current_pid() as usize),
        sys::GETPPID => Ok(proc::with_current(|p| p.ppid) as usize),
        // Signals, process groups and sessions (signal/).
        sys::KILL
        | sys::TKILL
        | sys::TGKILL
        | sys::RT_SIGACTION
        | sys::RT_SIGPROCMASK
        | sys::RT_SIGPENDING
        | sys::RT_SIGSUSPEND
        | sys::RT_SIGTIMEDWAIT
        | sys::SIGALTSTACK
        | sys::SETPGID
        | sys::GETPGID
        | sys::GETSID
        | sys::SETSID => crate::signal::dispatch(n, a, t, tf),
        sys::WAIT4 => {
            let (pid, status) = proc::wait(a[0] as i32, a[2] as usize)?;
            if pid > 0 && a[1] != 0 {
                t.aspace.copy_out(a[1], &status.to_le_bytes())?;
            }
            Ok(pid as usize)
        }
        sys::CLONE => sys_clone(t, tf, a),
        sys::EXECVE => sys_execve(t, tf, a[0], a[1], a[2]),
        sys::BRK => {
            let b = if a[0] == 0 { t.aspace.brk() } else { t.aspace.set_brk(a[0]) };
            proc::update_current(None, None, t.aspace.pages);
            Ok(b as usize)
        }
        sys::MMAP => sys_mmap(t, a),
        sys::MUNMAP => {
            crate::mm::mmap::munmap(&mut t.aspace, a[0], a[1])?;
            proc::update_current(None, None, t.aspace.pages);
            Ok(0)
        }
        sys::MPROTECT => crate::mm::mmap::mprotect(&mut t.aspace, a[0], a[1], a[2] as usize).map(|_| 0),
        sys::MSYNC => crate::mm::mmap::msync(&mut t.aspace, a[0], a[1], a[2] as usize).map(|_| 0),
        sys::RVSIM_VMSTAT | sys::RVSIM_VMMAP | sys::RVSIM_MINCORE | sys::RVSIM_VMCTL | sys::RVSIM_SETWS => {
            crate::vmsys::dispatch(n, a, t)
        }
        // calls/: file attributes and links, ids, clocks, poll (one line per call).
        sys::NANOSLEEP => calls::time::nanosleep(t, a[0]),
        sys::CLOCK_GETTIME => calls::time::clock_gettime(t, a[0] as usize, a[1]),
        sys::CLOCK_GETRES => calls::time::clock_getres(t, a[0] as usize, a[1]),
        sys::CLOCK_SETTIME => calls::time::clock_settime(t, a[0] as usize, a[1]),
        sys::CLOCK_NANOSLEEP => calls::time::clock_nanosleep(t, a[0] as usize, a[1] as usize, a[2]),
        sys::GETTIMEOFDAY => calls::time::gettimeofday(t, a[0], a[1]),
        sys::TIMES => calls::time::times(t, a[0]),
        sys::GETRUSAGE => calls::time::getrusage(t, a[0] as i32, a[1]),
        sys::READLINKAT => calls::fs::readlinkat(t, a[0] as i64 as isize, a[1], a[2], a[3] as usize),
        sys::FACCESSAT => calls::fs::faccessat(t, a[0] as i64 as isize, a[1], a[2] as u32, 0),
        sys::FACCESSAT2 => calls::fs::faccessat(t, a[0] as i64 as isize, a[1], a[2] as u32, a[3] as u32),
        sys::FCHMODAT => calls::fs::chmod(t, a[0] as i64 as isize, a[1], a[2] as u32, 0),
        sys::FCHMOD => calls::fs::chmod(t, a[0] as i64 as isize, 0, a[1] as u32, 0),
        sys::FCHOWNAT => calls::fs::chown(t, a[0] as i64 as isize, a[1], a[2] as u32, a[3] as u32, a[4] as u32),
        sys::FCHOWN => calls::fs::chown(t, a[0] as i64 as isize, 0, a[1] as u32, a[2] as u32, 0),
        sys::UTIMENSAT => calls::fs::utimensat(t, a[0] as i64 as isize, a[1], a[2], a[3] as u32),
        sys::RENAMEAT => calls::fs::renameat2(t, [a[0], a[1], a[2], a[3], 0, 0]),
        sys::RENAMEAT2 => calls::fs::renameat2(t, a),
        sys::LINKAT => calls::fs::linkat(t, a),
        sys::SYMLINKAT => calls::fs::symlinkat(t, a[0], a[1] as i64 as isize, a[2]),
        sys::TRUNCATE => calls::fs::truncate(t, a[0], 0, a[1] as i64),
        sys::FTRUNCATE => calls::fs::truncate(t, 0, fd, a[1] as i64),
        sys::FSYNC | sys::FDATASYNC => calls::fs::fsync(t, fd),
        // sync(2): commits the log (already empty: every call commits, docs/fs.md).
        sys::SYNC => fs::with(|f| f.commit()).map(|_| 0),
        sys::STATFS => calls::fs::statfs(t, a[0], 0, a[1]),
        sys::FSTATFS => calls::fs::statfs(t, 0, fd, a[1]),
        sys::FCHDIR => calls::fs::fchdir(t, fd),
        sys::PREAD64 | sys::PWRITE64 => {
            calls::fs::pread_pwrite(t, fd, a[1], a[2] as usize, a[3] as i64, n == sys::PWRITE64)
        }
        sys::SENDFILE => calls::fs::sendfile(t, fd, a[1] as usize, a[2], a[3] as usize),
        sys::PPOLL => calls::poll::ppoll(t, a),
        sys::PSELECT6 => calls::poll::pselect6(t, a),
        sys::PRCTL => calls::id::prctl(t, a),
        sys::GETUID
        | sys::GETEUID
        | sys::GETGID
        | sys::GETEGID
        | sys::SETUID
        | sys::SETGID
        | sys::SETREUID
        | sys::SETREGID
        | sys::SETRESUID
        | sys::SETRESGID
        | sys::GETRESUID
        | sys::GETRESGID
        | sys::SETFSUID
        | sys::SETFSGID
        | sys::GETGROUPS
        | sys::SETGROUPS
        | sys::UMASK => calls::id::dispatch(t, n, a),
        // glibc probes these at start-up and copes with ENOSYS: answered quietly.
        sys::RSEQ | sys::RISCV_HWPROBE => Err(ENOSYS),
        sys::UNAME => {
            let mut u = [0u8; 65 * 6];
            for (i, s) in [&b"Linux"[..], b"rvsim", b"6.0.0-rvsim-os", b"#1", b"riscv64", b"(none)"].iter().enumerate()
            {
                u[i * 65..i * 65 + s.len()].copy_from_slice(s);
            }
            t.aspace.copy_out(a[0], &u)?;
            Ok(0)
        }
        sys::REBOOT => {
            use abi::reboot::*;
            if a[0] as usize != MAGIC1 || a[1] as usize != MAGIC2 {
                return Err(EINVAL);
            }
            if a[2] as usize != CMD_POWER_OFF {
                return Err(EINVAL);
            }
            kprintln!("power off");
            // Not Linux: a3 is the exit status reported through the test finisher.
            crate::arch::shutdown(a[3] as u32 & 0xffff)
        }
        sys::SYSINFO => {
            let (free, total) = crate::mm::frame::stats();
            let mut recs = [abi::ProcInfo::default(); crate::arch::NPROC];
            let info = abi::Sysinfo {
                uptime: (crate::time::ticks_to_ns(crate::time::now()) / 1_000_000_000) as i64,
                totalram: total as u64 * crate::mm::PAGE_SIZE,
                freeram: free as u64 * crate::mm::PAGE_SIZE,
                procs: proc::list(&mut recs) as u16,
            };
            t.aspace.copy_out(a[0], &info.to_bytes())?;
            Ok(0)
        }
        sys::RVSIM_PROCLIST => {
            let cap = (a[1] as usize).min(crate::arch::NPROC);
            let mut recs = [abi::ProcInfo::default(); crate::arch::NPROC];
            let n = proc::list(&mut recs[..cap]);
            for (i, r) in recs[..n].iter().enumerate() {
                let mut b = [0u8; 32];
                b[0..4].copy_from_slice(&r.pid.to_le_bytes());
                b[4..8].copy_from_slice(&r.ppid.to_le_bytes());
                b[8..12].copy_from_slice(&r.state.to_le_bytes());
                b[12..16].copy_from_slice(&r.pages.to_le_bytes());
                b[16..32].copy_from_slice(&r.name);
                t.aspace.copy_out(a[0] + 32 * i as u64, &b)?;
            }
            Ok(n)
        }
        _ => {
            let first = {
                let mut l = LOGGED.lock();
                if n < 512 {
                    let bit = 1u64 << (n % 64);
                    let seen = l[n / 64] & bit != 0;
                    l[n / 64] |= bit;
                    !seen
                } else {
                    false
                }
            };
            if first {
                kprintln!("pid {}: unimplemented syscall {n} ({}) -> ENOSYS", proc::current_pid(), sys::name(n));
            }
            Err(ENOSYS)
        }
    }
}

/// Copies a path argument in (EFAULT, ENAMETOOLONG).
fn user_path(t: &mut Task, va: u64) -> Result<Vec<u8>, isize> {
    t.aspace.copy_in_str(va, PATH_MAX, ENAMETOOLONG)
}

/// Resolves a (dirfd, path) pair to (base directory inode, path).
fn at_path(t: &mut Task, dirfd: isize, va: u64) -> Result<(u32, Vec<u8>), isize> {
    let path = user_path(t, va)?;
    if path.is_empty() {
        return Err(ENOENT);
    }
    if path[0] == b'/' || dirfd == AT_FDCWD {
        return Ok((t.cwd, path));
    }
    let f = t.files.get(dirfd as usize)?;
    match f.kind {
        Kind::Inode { inum, dir: true } => Ok((inum, path)),
        _ => Err(ENOTDIR),
    }
}

fn sys_read(t: &mut Task, fd: usize, buf: u64, n: usize) -> SysResult {
    let f = t.files.get(fd)?;
    if !f.readable {
        return Err(EBADF);
    }
    if n == 0 {
        return Ok(0);
    }
    let mut k = [0u8; 1024];
    match &f.kind {
        Kind::Console => {
            let m = n.min(k.len());
            if let Some(got) = console::take_input(&mut k[..m]) {
                t.aspace.copy_out(buf, &k[..got])?;
                return Ok(got);
            }
            if f.nonblock() {
                return Err(EAGAIN);
            }
            if proc::killed() {
                return Err(EINTR);
            }
            Err(proc::block_on(proc::Wait::Chan(console::CHAN), 0))
        }
        Kind::PipeRead(p) => {
            let m = n.min(k.len());
            let got = match p.read(&mut k[..m]) {
                Err(proc::ERESTART) if f.nonblock() => {
                    proc::take_block();
                    return Err(EAGAIN);
                }
                r => r?,
            };
            t.aspace.copy_out(buf, &k[..got])?;
            Ok(got)
        }
        kd @ (Kind::Null | Kind::Zero | Kind::Random) => {
            let m = n.min(k.len());
            let got = calls::dev::read(kd, &mut k[..m]);
            t.aspace.copy_out(buf, &k[..got])?;
            Ok(got)
        }
        Kind::PipeWrite(_) => Err(EBADF),
        Kind::Inode { dir: true, .. } => Err(EISDIR),
        Kind::Inode { inum, .. } => {
            let inum = *inum;
            let mut off = f.offset.lock();
            let mut done = 0usize;
            while done < n {
                let m = (n - done).min(k.len());
                let got = fs::with(|fs| fs.read(inum, *off, &mut k[..m]))?;
                if got == 0 {
                    break;
                }
                if let Err(e) = t.aspace.copy_out(buf + done as u64, &k[..got]) {
                    return if done > 0 { Ok(done) } else { Err(e) };
                }
                *off += got as u64;
                done += got;
            }
            Ok(done)
        }
    }
}

fn sys_write(t: &mut Task, fd: usize, buf: u64, n: usize) -> SysResult {
    let f = t.files.get(fd)?;
    if !f.writable {
        return Err(EBADF);
    }
    let mut k = [0u8; 1024];
    let mut done = 0usize;
    while done < n {
        let m = (n - done).min(k.len());
        if let Err(e) = t.aspace.copy_in(buf + done as u64, &mut k[..m]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let wrote = match &f.kind {
            Kind::Console => {
                for &b in &k[..m] {
                    if b == b'\n' {
                        console::putc(b'\r');
                    }
                    console::putc(b);
                }
                m
            }
            Kind::Null | Kind::Zero | Kind::Random => m,
            Kind::PipeWrite(p) => match p.write(&k[..m]) {
                Ok(w) => w,
                Err(proc::ERESTART) if f.nonblock() => {
                    let part = proc::take_block().map_or(0, |b| b.done);
                    return if done + part > 0 { Ok(done + part) } else { Err(EAGAIN) };
                }
                Err(proc::ERESTART) => return Err(proc::block_after(done)),
                Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
            },
            Kind::PipeRead(_) => return Err(EBADF),
            Kind::Inode { inum, .. } => {
                let inum = *inum;
                let mut off = f.offset.lock();
                if f.append() {
                    *off = fs::with(|fs| fs.iget(inum)).map(|i| i.size as u64)?;
                }
                match fs::with(|fs| fs.write(inum, *off, &k[..m])) {
                    Ok(w) => {
                        *off += w as u64;
                        w
                    }
                    Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
                }
            }
        };
        done += wrote;
        if wrote < m {
            break;
        }
    }
    Ok(done)
}

/// Most iovecs per readv/writev (Linux's UIO_MAXIOV).
const IOV_MAX: usize = 1024;

/// readv/writev: each `struct iovec { base, len }` in turn; stops at a short transfer.
fn sys_rwv(t: &mut Task, fd: usize, iov: u64, cnt: usize, write: bool) -> SysResult {
    if cnt > IOV_MAX {
        return Err(EINVAL);
    }
    t.files.get(fd)?;
    let mut total = 0usize;
    for i in 0..cnt as u64 {
        let base = t.aspace.read_u64(iov + 16 * i)?;
        let len = t.aspace.read_u64(iov + 16 * i + 8)? as usize;
        if len == 0 {
            continue;
        }
        let r = if write { sys_write(t, fd, base, len) } else { sys_read(t, fd, base, len) };
        match r {
            Ok(n) => {
                total += n;
                if n < len {
                    break;
                }
            }
            // Blocked: with nothing transferred the call sleeps and runs again; after a
            // partial transfer it returns the short count (restarting would repeat it).
            Err(proc::ERESTART) => {
                let partial = cancel_block_if_partial(total);
                if partial == 0 {
                    return Err(proc::ERESTART);
                }
                total = partial;
                break;
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

/// A readv/writev that blocked after `total` bytes of earlier iovecs (plus what the
/// blocked one transferred): if anything was transferred, drops the block and returns
/// the whole count; 0 leaves the block in place.
fn cancel_block_if_partial(total: usize) -> usize {
    let Some(b) = proc::take_block() else { return total };
    if total + b.done == 0 {
        proc::block_on(b.wait, 0);
        return 0;
    }
    total + b.done
}

fn sys_lseek(t: &mut Task, fd: usize, off: i64, whence: usize) -> SysResult {
    let f = t.files.get(fd)?;
    let Kind::Inode { inum, .. } = f.kind else { return Err(ESPIPE) };
    let mut cur = f.offset.lock();
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => *cur as i64,
        SEEK_END => fs::with(|fs| fs.iget(inum))?.size as i64,
        _ => return Err(EINVAL),
    };
    let new = base.checked_add(off).ok_or(EINVAL)?;
    if new < 0 {
        return Err(EINVAL);
    }
    *cur = new as u64;
    Ok(new as usize)
}

/// `sizeof(struct robust_list_head)` on 64-bit Linux.
const ROBUST_LIST_HEAD_SIZE: usize = 24;

/// prlimit64(pid, resource, new, old) for the calling process: reports the limits the
/// kernel enforces (RLIMIT_STACK: the stack area; RLIMIT_NOFILE: the descriptor table) and
/// unlimited for the rest. Setting limits is accepted and has no effect (as for a process
/// whose hard limits are infinite and the kernel does not enforce the resource).
fn sys_prlimit64(t: &mut Task, pid: i32, resource: usize, old_va: u64) -> SysResult {
    use abi::rlimit::*;
    if pid != 0 && pid != proc::current_pid() {
        return Err(ESRCH);
    }
    if resource >= RLIM_NLIMITS {
        return Err(EINVAL);
    }
    if old_va != 0 {
        let cur = match resource {
            RLIMIT_STACK => crate::mm::vm::STACK_MAX,
            RLIMIT_NOFILE => crate::file::NOFILE as u64,
            _ => RLIM_INFINITY,
        };
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&cur.to_le_bytes());
        b[8..].copy_from_slice(&cur.to_le_bytes());
        t.aspace.copy_out(old_va, &b)?;
    }
    Ok(0)
}

/// getrandom(buf, len, flags): bytes from a generator seeded at boot and advanced by every
/// call. Runs are deterministic by design, so these bytes are not secret; they are as
/// random as the machine's time base allows.
fn sys_getrandom(t: &mut Task, buf: u64, len: usize, flags: u32) -> SysResult {
    const GRND_NONBLOCK: u32 = 1;
    const GRND_RANDOM: u32 = 2;
    const GRND_INSECURE: u32 = 4;
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0 {
        return Err(EINVAL);
    }
    let len = len.min(256);
    let mut bytes = [0u8; 256];
    for chunk in bytes[..len].chunks_mut(8) {
        let v = crate::random::next_u64();
        chunk.copy_from_slice(&v.to_le_bytes()[..chunk.len()]);
    }
    t.aspace.copy_out(buf, &bytes[..len])?;
    Ok(len)
}

fn sys_getdents64(t: &mut Task, fd: usize, buf: u64, count: usize) -> SysResult {
    let f = t.files.get(fd)?;
    let Kind::Inode { inum, dir: true } = f.kind else { return Err(ENOTDIR) };
    let mut off = f.offset.lock();
    let mut out = 0usize;
    let mut e = [0u8; DIRENT_SIZE];
    loop {
        let got = fs::with(|fs| fs.read(inum, *off, &mut e))?;
        if got < DIRENT_SIZE {
            break;
        }
        let ino = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
        if ino == 0 {
            *off += DIRENT_SIZE as u64;
            continue;
        }
        let name = fs::entry_name(&e);
        let reclen = (DIRENT64_HEADER + name.len() + 1).div_ceil(8) * 8;
        if out + reclen > count {
            if out == 0 {
                return Err(EINVAL);
            }
            break;
        }
        let typ = fs::with(|fs| fs.iget(ino)).map(|i| match i.typ {
            T_DIR => DT_DIR,
            abi::fs::T_SYMLINK => DT_LNK,
            abi::fs::T_DEV => DT_CHR,
            _ => DT_REG,
        })?;
        let mut rec = [0u8; 64];
        rec[0..8].copy_from_slice(&(ino as u64).to_le_bytes());
        rec[8..16].copy_from_slice(&(*off + DIRENT_SIZE as u64).to_le_bytes());
        rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        rec[18] = typ;
        rec[19..19 + name.len()].copy_from_slice(name);
        t.aspace.copy_out(buf + out as u64, &rec[..reclen])?;
        out += reclen;
        *off += DIRENT_SIZE as u64;
    }
    Ok(out)
}

fn sys_chdir(t: &mut Task, va: u64) -> SysResult {
    let path = user_path(t, va)?;
    let inum = fs::with(|f| {
        let i = f.lookup(t.cwd, &path)?;
        if f.iget(i)?.typ != T_DIR {
            return Err(ENOTDIR);
        }
        Ok(i)
    })?;
    // The physical path (symbolic links resolved), as Linux's getcwd reports it.
    let np = fs::with(|f| f.path_of(inum))?;
    t.cwd = inum;
    t.cwd_path = np;
    Ok(0)
}

fn sys_pipe2(t: &mut Task, va: u64, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    let p = Arc::new(Pipe::new());
    let cloexec = flags & O_CLOEXEC != 0;
    let (rf, wf) =
        (File::new(Kind::PipeRead(p.clone()), true, false, false), File::new(Kind::PipeWrite(p), false, true, false));
    rf.set_status(flags & O_NONBLOCK);
    wf.set_status(flags & O_NONBLOCK);
    let r = t.files.alloc(Arc::new(rf), cloexec)?;
    let w = match t.files.alloc(Arc::new(wf), cloexec) {
        Ok(w) => w,
        Err(e) => {
            let _ = t.files.close(r);
            return Err(e);
        }
    };
    let mut b = [0u8; 8];
    b[0..4].copy_from_slice(&(r as i32).to_le_bytes());
    b[4..8].copy_from_slice(&(w as i32).to_le_bytes());
    if let Err(e) = t.aspace.copy_out(va, &b) {
        let _ = t.files.close(r);
        let _ = t.files.close(w);
        return Err(e);
    }
    Ok(0)
}

/// clone(flags, newsp, ptid, tls, ctid) in its fork form, as glibc's `fork()` calls it:
/// `SIGCHLD` plus optionally `CLONE_PARENT_SETTID`, `CLONE_CHILD_SETTID` and
/// `CLONE_CHILD_CLEARTID`, with no new stack. Threads are not supported (EINVAL).
/// `CLONE_CHILD_CLEARTID` needs no action: with one thread per process, nothing can
/// observe the cleared word or wait on its futex once the process has exited.
fn sys_clone(t: &mut Task, tf: &TrapFrame, a: [u64; 6]) -> SysResult {
    use abi::clone::*;
    let flags = a[0] as usize;
    let allowed = CSIGNAL | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    if flags & CSIGNAL != abi::signal::SIGCHLD || flags & !allowed != 0 || a[1] != 0 {
        return Err(EINVAL);
    }
    let child_tid = (flags & CLONE_CHILD_SETTID != 0).then_some(a[4]);
    let pid = proc::fork(t, tf, child_tid)?;
    if flags & CLONE_PARENT_SETTID != 0 {
        t.aspace.copy_out(a[2], &pid.to_le_bytes())?;
    }
    Ok(pid as usize)
}

fn sys_mmap(t: &mut Task, a: [u64; 6]) -> SysResult {
    let file = t.files.get(a[4] as usize).ok();
    let r = crate::mm::mmap::mmap(&mut t.aspace, a[0], a[1], a[2] as usize, a[3] as usize, file, a[5])?;
    proc::update_current(None, None, t.aspace.pages);
    Ok(r as usize)
}

fn copy_str_array(t: &mut Task, va: u64, out: &mut Vec<Vec<u8>>) -> Result<(), isize> {
    if va == 0 {
        return Ok(());
    }
    for i in 0.. {
        let p = t.aspace.read_u64(va + 8 * i)?;
        if p == 0 {
            return Ok(());
        }
        if out.len() >= MAX_ARGS {
            return Err(E2BIG);
        }
        let s = t.aspace.copy_in_str(p, MAX_ARG_LEN, E2BIG)?;
        out.try_reserve(1).map_err(|_| ENOMEM)?;
        out.push(s);
    }
    Ok(())
}

fn sys_execve(t: &mut Task, tf: &mut TrapFrame, path_va: u64, argv_va: u64, envp_va: u64) -> SysResult {
    let path = user_path(t, path_va)?;
    let mut argv = Vec::new();
    copy_str_array(t, argv_va, &mut argv)?;
    let mut envp = Vec::new();
    copy_str_array(t, envp_va, &mut envp)?;
    let loaded = exec::load(t.cwd, &path, &argv, &envp)?;
    let satp = loaded.aspace.satp();
    proc::replace_aspace(satp);
    let old = core::mem::replace(&mut t.aspace, loaded.aspace);
    drop(old);
    t.files.close_on_exec();
    crate::signal::on_exec(proc::current_slot());
    proc::set_fp_used(false);
    proc::update_current(Some(satp), Some(proc::name_from(&path)), t.aspace.pages);
    let ksp = tf.kernel_sp;
    *tf = TrapFrame::zeroed();
    tf.kernel_sp = ksp;
    tf.regs[reg::SP] = loaded.sp;
    tf.sepc = loaded.entry;
    Ok(0)
}
