//! System call wrappers (Linux RISC-V ABI: a7 = number, a0..a5 = arguments, a0 =
//! result). Each returns the raw result: >= 0 on success, `-errno` on failure.

use abi::fcntl::AT_FDCWD;
use abi::sys;
use alloc::vec::Vec;
use core::arch::asm;

/// Raw system call with up to six arguments.
#[inline(always)]
pub fn syscall6(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> isize {
    let r: isize;
    // SAFETY: ecall transfers to the kernel, which validates every argument; only a0 is
    // changed on return.
    unsafe {
        asm!("ecall", inlateout("a0") a0 as isize => r, in("a1") a1, in("a2") a2, in("a3") a3,
             in("a4") a4, in("a5") a5, in("a7") n, options(nostack));
    }
    r
}

/// Raw system call with up to three arguments.
#[inline(always)]
pub fn syscall(n: usize, a0: usize, a1: usize, a2: usize) -> isize {
    syscall6(n, a0, a1, a2, 0, 0, 0)
}

/// A path as a NUL-terminated buffer.
pub struct CPath {
    buf: [u8; 260],
}

impl CPath {
    /// Copies `s` (truncated at 259 bytes) and terminates it.
    pub fn new(s: &str) -> CPath {
        let mut buf = [0u8; 260];
        let n = s.len().min(259);
        buf[..n].copy_from_slice(&s.as_bytes()[..n]);
        CPath { buf }
    }
    /// The address to pass to the kernel.
    pub fn ptr(&self) -> usize {
        self.buf.as_ptr() as usize
    }
}

pub fn read(fd: usize, buf: &mut [u8]) -> isize {
    syscall(sys::READ, fd, buf.as_mut_ptr() as usize, buf.len())
}
pub fn write(fd: usize, buf: &[u8]) -> isize {
    syscall(sys::WRITE, fd, buf.as_ptr() as usize, buf.len())
}
pub fn open(path: &str, flags: u32) -> isize {
    let p = CPath::new(path);
    syscall6(sys::OPENAT, AT_FDCWD as usize, p.ptr(), flags as usize, 0o644, 0, 0)
}
pub fn close(fd: usize) -> isize {
    syscall(sys::CLOSE, fd, 0, 0)
}
pub fn lseek(fd: usize, off: i64, whence: usize) -> isize {
    syscall(sys::LSEEK, fd, off as usize, whence)
}
pub fn fstat(fd: usize, st: &mut abi::stat::Stat) -> isize {
    syscall(sys::FSTAT, fd, st as *mut _ as usize, 0)
}
pub fn stat(path: &str, st: &mut abi::stat::Stat) -> isize {
    let p = CPath::new(path);
    syscall6(sys::NEWFSTATAT, AT_FDCWD as usize, p.ptr(), st as *mut _ as usize, 0, 0, 0)
}
pub fn mkdir(path: &str) -> isize {
    let p = CPath::new(path);
    syscall(sys::MKDIRAT, AT_FDCWD as usize, p.ptr(), 0o755)
}
pub fn unlink(path: &str) -> isize {
    let p = CPath::new(path);
    syscall(sys::UNLINKAT, AT_FDCWD as usize, p.ptr(), 0)
}
pub fn rmdir(path: &str) -> isize {
    let p = CPath::new(path);
    syscall(sys::UNLINKAT, AT_FDCWD as usize, p.ptr(), abi::fcntl::AT_REMOVEDIR as usize)
}
pub fn chdir(path: &str) -> isize {
    let p = CPath::new(path);
    syscall(sys::CHDIR, p.ptr(), 0, 0)
}
pub fn getcwd(buf: &mut [u8]) -> isize {
    syscall(sys::GETCWD, buf.as_mut_ptr() as usize, buf.len(), 0)
}
pub fn getdents64(fd: usize, buf: &mut [u8]) -> isize {
    syscall(sys::GETDENTS64, fd, buf.as_mut_ptr() as usize, buf.len())
}
pub fn dup(fd: usize) -> isize {
    syscall(sys::DUP, fd, 0, 0)
}
pub fn dup2(old: usize, new: usize) -> isize {
    if old == new {
        return new as isize;
    }
    syscall(sys::DUP3, old, new, 0)
}
pub fn pipe(fds: &mut [i32; 2]) -> isize {
    syscall(sys::PIPE2, fds.as_mut_ptr() as usize, 0, 0)
}
pub fn exit(code: i32) -> ! {
    syscall(sys::EXIT_GROUP, code as usize, 0, 0);
    loop {
        core::hint::spin_loop();
    }
}
pub fn getpid() -> isize {
    syscall(sys::GETPID, 0, 0, 0)
}
pub fn getppid() -> isize {
    syscall(sys::GETPPID, 0, 0, 0)
}
pub fn fork() -> isize {
    syscall(sys::CLONE, abi::signal::SIGCHLD, 0, 0)
}
pub fn kill(pid: isize, sig: usize) -> isize {
    syscall(sys::KILL, pid as usize, sig, 0)
}
/// wait4(pid, &status, options); returns the pid (0 with WNOHANG and none ready).
pub fn waitpid(pid: isize, status: &mut i32, options: usize) -> isize {
    syscall6(sys::WAIT4, pid as usize, status as *mut i32 as usize, options, 0, 0, 0)
}
/// Waits for any child.
pub fn wait(status: &mut i32) -> isize {
    waitpid(-1, status, 0)
}
pub fn sched_yield() -> isize {
    syscall(sys::SCHED_YIELD, 0, 0, 0)
}
pub fn brk(addr: usize) -> usize {
    syscall(sys::BRK, addr, 0, 0) as usize
}
/// Anonymous private read/write mapping of `len` bytes.
pub fn mmap_anon(len: usize) -> isize {
    use abi::mman::*;
    syscall6(sys::MMAP, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0)
}
pub fn munmap(addr: usize, len: usize) -> isize {
    syscall(sys::MUNMAP, addr, len, 0)
}
pub fn nanosleep(ts: &abi::Timespec) -> isize {
    syscall(sys::NANOSLEEP, ts as *const _ as usize, 0, 0)
}
/// Sleeps for `ms` milliseconds.
pub fn sleep_ms(ms: u64) -> isize {
    let ts = abi::Timespec { tv_sec: (ms / 1000) as i64, tv_nsec: ((ms % 1000) * 1_000_000) as i64 };
    nanosleep(&ts)
}
/// Monotonic time in nanoseconds.
pub fn now_ns() -> u64 {
    let mut ts = abi::Timespec::default();
    syscall(sys::CLOCK_GETTIME, 1, &mut ts as *mut _ as usize, 0);
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
/// Powers the machine off; `code` becomes the emulator's exit status.
pub fn poweroff(code: u32) -> isize {
    use abi::reboot::*;
    syscall6(sys::REBOOT, MAGIC1, MAGIC2, CMD_POWER_OFF, code as usize, 0, 0)
}
/// Lists processes.
pub fn proclist(out: &mut [abi::ProcInfo]) -> isize {
    syscall(sys::RVSIM_PROCLIST, out.as_mut_ptr() as usize, out.len(), 0)
}

/// execve(path, argv, envp) with Rust strings; returns only on failure.
pub fn exec(path: &str, argv: &[&str]) -> isize {
    let p = CPath::new(path);
    let mut store: Vec<Vec<u8>> = Vec::new();
    for a in argv {
        let mut v = Vec::from(a.as_bytes());
        v.push(0);
        store.push(v);
    }
    let mut ptrs: Vec<usize> = store.iter().map(|v| v.as_ptr() as usize).collect();
    ptrs.push(0);
    let envp: [usize; 1] = [0];
    syscall(sys::EXECVE, p.ptr(), ptrs.as_ptr() as usize, envp.as_ptr() as usize)
}

/// Reads a whole file.
pub fn read_file(path: &str) -> Result<Vec<u8>, isize> {
    let fd = open(path, abi::fcntl::O_RDONLY);
    if fd < 0 {
        return Err(fd);
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = read(fd as usize, &mut buf);
        if n < 0 {
            close(fd as usize);
            return Err(n);
        }
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
    close(fd as usize);
    Ok(out)
}

/// sysinfo(2): uptime, RAM and free RAM in bytes, process count.
pub fn sysinfo() -> Result<abi::Sysinfo, isize> {
    let mut b = [0u8; abi::Sysinfo::SIZE];
    let r = syscall(sys::SYSINFO, b.as_mut_ptr() as usize, 0, 0);
    if r < 0 {
        return Err(r);
    }
    Ok(abi::Sysinfo::from_bytes(&b))
}
