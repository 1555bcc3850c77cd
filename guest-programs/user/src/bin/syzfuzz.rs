//! syzfuzz [SEED] [CHILDREN] [CALLS] [-v|-vv]: a system-call fuzzer: random calls from abi::sys
//! with adversarial arguments, in forked children, inside a scratch directory; checks
//! that free frames come back once the children are reaped and the scratch files are gone.
//!
//! Each child makes CALLS calls then exits; the parent reaps it (killing it with SIGKILL
//! after a deadline if it blocked) and accepts an exit or a death by signal. The run is
//! deterministic from SEED. Calls that would end the whole run are skipped or bounded:
//! reboot, exit, execve, kill/tkill of anything but the child itself, the RVSIM_VMCTL and
//! RVSIM_SETWS knobs, sigsuspend; sleeps and timed waits get tiny timeouts; clone's child
//! exits at once (before touching its stack). Paths are short names inside the scratch
//! directory, and random buffers never contain '/'.
#![no_std]
#![no_main]
extern crate alloc;
use abi::sys;
use alloc::vec::Vec;
use ulib::*;

/// xorshift64*: small, deterministic.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SCRATCH: &str = "/syzfuzz.tmp";
/// NUL-terminated names inside the scratch directory (and a few in its subdirectories).
const NAMES: &[&[u8]] = &[b"a\0", b"b\0", b"c\0", b"d\0", b"a/x\0", b"b/y\0", b".\0", b"\0", b"e\0", b"a/x/z\0"];
/// Calls the fuzzer makes (everything in abi::sys except the skipped ones).
const CALLS: &[usize] = &[
    sys::GETCWD,
    sys::DUP,
    sys::DUP3,
    sys::FCNTL,
    sys::IOCTL,
    sys::MKDIRAT,
    sys::UNLINKAT,
    sys::CHDIR,
    sys::OPENAT,
    sys::OPENAT,
    sys::CLOSE,
    sys::PIPE2,
    sys::GETDENTS64,
    sys::LSEEK,
    sys::READ,
    sys::WRITE,
    sys::WRITE,
    sys::READV,
    sys::WRITEV,
    sys::READLINKAT,
    sys::NEWFSTATAT,
    sys::FSTAT,
    sys::SET_TID_ADDRESS,
    sys::SET_ROBUST_LIST,
    sys::NANOSLEEP,
    sys::CLOCK_GETTIME,
    sys::SCHED_YIELD,
    sys::KILL,
    sys::TKILL,
    sys::TGKILL,
    sys::SIGALTSTACK,
    sys::RT_SIGACTION,
    sys::RT_SIGPROCMASK,
    sys::RT_SIGPENDING,
    sys::RT_SIGTIMEDWAIT,
    sys::SETPGID,
    sys::GETPGID,
    sys::GETSID,
    sys::SETSID,
    sys::UNAME,
    sys::GETPID,
    sys::GETPPID,
    sys::GETTID,
    sys::SYSINFO,
    sys::BRK,
    sys::MUNMAP,
    sys::CLONE,
    sys::MMAP,
    sys::MMAP,
    sys::MPROTECT,
    sys::WAIT4,
    sys::PRLIMIT64,
    sys::GETRANDOM,
    sys::RVSIM_PROCLIST,
    sys::RVSIM_VMSTAT,
    sys::RVSIM_VMMAP,
    sys::RVSIM_MINCORE,
    sys::MSYNC,
    9999,
];

/// The memory a child points its calls at: a buffer (random bytes, no '/'), a zeroed
/// timespec, and the last page of an anonymous mapping (for pointers at its end).
struct Arena {
    buf: Vec<u8>,
    zero_ts: [u64; 2],
    edge: usize,
    mm: usize,
    brk0: usize,
}

/// Pages of the region a child's mmap/munmap/mprotect/msync calls aim at.
const MM_PAGES: usize = 64;
/// The size of that region (with a few pages of slack beyond the addresses picked).
const MM_BYTES: usize = (MM_PAGES + 8) * 4096;

impl Arena {
    /// Whether a path at `p` inside the buffer could leave the scratch directory: the
    /// kernel writes "." and ".." (getdents64) and absolute paths (getcwd) into it and
    /// into the edge page.
    fn escapes(&self, p: usize) -> bool {
        let base = self.buf.as_ptr() as usize;
        let s: &[u8] = if p >= base && p < base + self.buf.len() {
            &self.buf[p - base..]
        } else if self.edge != 0 && p >= self.edge && p < self.edge + 4096 {
            // SAFETY: the edge page is mapped read-write for the child's lifetime
            // (calls may unmap only inside the mm region).
            unsafe { core::slice::from_raw_parts(p as *const u8, self.edge + 4096 - p) }
        } else {
            return false;
        };
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        s[..end].windows(2).any(|w| w == b"..") || s.first() == Some(&b'/')
    }

    fn ptr(&self, r: &mut Rng) -> usize {
        let base = self.buf.as_ptr() as usize;
        match r.below(12) {
            0 => 0,
            1 => abi::layout::PAGE_OFFSET as usize + (r.below(1 << 24) as usize & !7),
            2 => base + 1 + r.below(64) as usize,
            3 => self.edge + 4096 - r.below(16) as usize,
            4 => self.edge + 4096,
            5 => abi::layout::USER_TOP as usize - 8,
            6 => r.next() as usize,
            7 => NAMES[r.below(NAMES.len() as u64) as usize].as_ptr() as usize,
            8 => self.zero_ts.as_ptr() as usize,
            _ => base + (r.below(self.buf.len() as u64 / 2) as usize & !7),
        }
    }
}

fn len(r: &mut Rng) -> usize {
    match r.below(8) {
        0 => 0,
        1 => usize::MAX - r.below(4096) as usize,
        2 => 1 << r.below(64),
        3 => r.below(16) as usize,
        4 => 4096 + r.below(3) as usize - 1,
        _ => r.below(512) as usize,
    }
}

fn fd(r: &mut Rng) -> usize {
    match r.below(8) {
        0 => (-(r.below(3) as isize) - 1) as usize,
        1 => abi::fcntl::AT_FDCWD as usize,
        2 => 1 << r.below(40),
        _ => r.below(12) as usize,
    }
}

fn flags(r: &mut Rng) -> usize {
    match r.below(4) {
        0 => r.next() as usize,
        1 => 1 << r.below(64),
        _ => r.below(1 << 12) as usize,
    }
}

/// A signal number: mostly ones whose default action is to ignore (so that the child
/// goes on), sometimes any number including invalid ones.
fn sig(r: &mut Rng) -> usize {
    if r.below(64) == 0 {
        r.below(70) as usize
    } else {
        [0, abi::signal::SIGCHLD, abi::signal::SIGURG, abi::signal::SIGCONT][r.below(4) as usize]
    }
}

/// Any argument.
fn any(r: &mut Rng, a: &Arena) -> usize {
    match r.below(4) {
        0 => a.ptr(r),
        1 => len(r),
        2 => fd(r),
        _ => flags(r),
    }
}

/// clone(2) whose child exits at once without touching memory (it may share the
/// parent's address space and stack).
fn clone_exit(fl: usize, ptid: usize, tls: usize, ctid: usize) -> isize {
    let ret: isize;
    // SAFETY: the child (a0 = 0) makes exit(0) before any memory access; the parent
    // returns normally.
    unsafe {
        core::arch::asm!(
            "ecall",
            "bnez a0, 1f",
            "li a7, {exit}",
            "ecall",
            "1:",
            exit = const sys::EXIT,
            in("a7") sys::CLONE,
            inlateout("a0") fl => ret,
            in("a1") 0usize,
            in("a2") ptid,
            in("a3") tls,
            in("a4") ctid,
        );
    }
    ret
}

/// One call with arguments picked for `n`.
fn one(r: &mut Rng, a: &Arena, me: usize) {
    let n = CALLS[r.below(CALLS.len() as u64) as usize];
    let mut x = [0usize; 6];
    for v in x.iter_mut() {
        *v = any(r, a);
    }
    match n {
        sys::OPENAT
        | sys::MKDIRAT
        | sys::UNLINKAT
        | sys::NEWFSTATAT
        | sys::READLINKAT
        | sys::FACCESSAT
        | sys::FCHMODAT
        | sys::FCHOWNAT
        | sys::UTIMENSAT => {
            x[0] = if r.below(2) == 0 { abi::fcntl::AT_FDCWD as usize } else { fd(r) };
            x[1] = a.ptr(r);
            x[2] = flags(r);
            if n == sys::OPENAT && r.below(2) == 0 {
                x[2] = (abi::fcntl::O_CREAT | abi::fcntl::O_RDWR) as usize | (r.below(1 << 11) as usize);
                x[3] = 0o644;
            }
        }
        sys::CHDIR | sys::STATFS | sys::TRUNCATE => x[0] = a.ptr(r),
        // Two paths: (old, new) relative to the scratch directory or a bad descriptor.
        sys::SYMLINKAT => {
            x[0] = a.ptr(r);
            x[1] = if r.below(2) == 0 { abi::fcntl::AT_FDCWD as usize } else { fd(r) };
            x[2] = a.ptr(r);
        }
        sys::LINKAT | sys::RENAMEAT2 => {
            x[0] = if r.below(2) == 0 { abi::fcntl::AT_FDCWD as usize } else { fd(r) };
            x[1] = a.ptr(r);
            x[2] = if r.below(2) == 0 { abi::fcntl::AT_FDCWD as usize } else { fd(r) };
            x[3] = a.ptr(r);
            x[4] = flags(r);
        }
        // (No fchdir: a descriptor open on a directory outside the scratch one would let
        // later calls write outside it.)
        sys::FSTATFS | sys::FTRUNCATE | sys::FSYNC | sys::FCHMOD => x[0] = fd(r),
        sys::PREAD64 | sys::PWRITE64 => {
            x[0] = fd(r);
            x[1] = a.ptr(r);
            x[2] = len(r);
        }
        sys::SENDFILE => {
            x[0] = fd(r);
            x[1] = fd(r);
            x[3] = len(r);
        }
        // Sleeping calls get a zero timeout, as nanosleep does.
        sys::PPOLL => {
            x[1] = r.below(8) as usize;
            x[2] = a.zero_ts.as_ptr() as usize;
        }
        sys::PSELECT6 => {
            x[0] = r.below(70) as usize;
            x[4] = a.zero_ts.as_ptr() as usize;
        }
        sys::CLOCK_NANOSLEEP => {
            x[0] = r.below(8) as usize;
            x[1] = 0;
            x[2] = a.zero_ts.as_ptr() as usize;
        }
        sys::READ | sys::WRITE | sys::READV | sys::WRITEV | sys::GETDENTS64 => {
            x[0] = fd(r);
            x[1] = a.ptr(r);
            x[2] = len(r);
        }
        sys::LSEEK | sys::FCNTL | sys::IOCTL | sys::DUP | sys::DUP3 | sys::CLOSE | sys::FSTAT => {
            x[0] = fd(r);
            if n == sys::DUP3 {
                x[1] = fd(r);
            }
        }
        sys::NANOSLEEP | sys::RT_SIGTIMEDWAIT => {
            // A zero timeout (or a bad pointer): never sleep long.
            let ts = if r.below(4) == 0 { a.ptr(r) } else { a.zero_ts.as_ptr() as usize };
            if n == sys::NANOSLEEP {
                x[0] = ts;
                if x[0] != a.zero_ts.as_ptr() as usize && x[0] != 0 && (x[0] as u64) < abi::layout::PAGE_OFFSET {
                    x[0] = a.zero_ts.as_ptr() as usize;
                }
            } else {
                x[2] = a.zero_ts.as_ptr() as usize;
                x[3] = 8;
            }
        }
        sys::KILL => {
            x[0] = if r.below(2) == 0 { me } else { 100_000 + r.below(100) as usize };
            x[1] = sig(r);
            // Stop signals would leave the child stopped until the deadline.
            if x[1] == abi::signal::SIGSTOP || x[1] == abi::signal::SIGTSTP {
                x[1] = 0;
            }
        }
        sys::TKILL | sys::TGKILL => {
            x[0] = me;
            x[1] = if n == sys::TKILL { sig(r) } else { me };
            x[2] = sig(r);
            for s in x[1..3].iter_mut() {
                if *s == abi::signal::SIGSTOP || *s == abi::signal::SIGTSTP {
                    *s = 0;
                }
            }
            if n == sys::TGKILL && x[2] == 0 {
                x[2] = abi::signal::SIGURG;
            }
        }
        sys::SETPGID => {
            x[0] = if r.below(2) == 0 { 0 } else { r.below(4) as usize };
            x[1] = r.below(4) as usize;
        }
        sys::MMAP | sys::MUNMAP | sys::MPROTECT | sys::MSYNC => {
            // Addresses in the child's own region (never its text, stack or heap), or
            // adversarial ones.
            x[0] = match r.below(4) {
                0 => 0,
                1 => match r.below(3) {
                    0 => abi::layout::PAGE_OFFSET as usize,
                    1 => abi::layout::USER_TOP as usize - 4096,
                    _ => r.next() as usize & !0xfff,
                },
                _ => a.mm + (r.below(MM_PAGES as u64 + 4) as usize) * 4096 + if r.below(8) == 0 { 1 } else { 0 },
            };
            // Bounded lengths so that MAP_POPULATE cannot exhaust RAM (OOM would pick
            // any process); huge ones still come through `len` with small odds.
            x[1] = if r.below(8) == 0 { len(r) } else { r.below(64 * 4096) as usize };
            if n == sys::MMAP && x[1] > (1 << 20) && x[1] < (1 << 40) {
                x[1] = 1 << 20;
            }
            if x[0] < a.mm {
                // Below the region are the child's text, heap and stack: an address of
                // 0 gets a length that reaches nothing there or one past USER_TOP (which
                // must fail), and mmap no MAP_FIXED.
                x[1] = match r.below(3) {
                    0 => r.below(0x10000) as usize,
                    1 => abi::layout::USER_TOP as usize + r.below(1 << 20) as usize,
                    _ => len(r) | (1 << 63),
                };
                if n == sys::MMAP {
                    x[3] &= !abi::mman::MAP_FIXED;
                }
            } else if x[0] < a.mm + MM_BYTES && x[1] < (1 << 40) {
                // Inside the region: never past its end (other mappings live there).
                x[1] = x[1].min(a.mm + MM_BYTES - x[0]);
            }
        }
        sys::BRK => {
            // Never below the break the child started with (its heap holds the arena).
            x[0] = match r.below(4) {
                0 => 0,
                1 => a.brk0 + r.below(1 << 16) as usize,
                2 => abi::layout::PAGE_OFFSET as usize,
                _ => a.brk0 + (1 << r.below(40)),
            };
        }
        sys::CLONE => {
            // Only fork-like children (they exit at once), with random extra flags.
            let fl = abi::signal::SIGCHLD | (flags(r) & !0xff & !0x100);
            let _ = clone_exit(fl, a.ptr(r), a.ptr(r), a.ptr(r));
            return;
        }
        sys::WAIT4 => {
            x[2] |= abi::signal::WNOHANG;
        }
        _ => {}
    }
    if matches!(n, sys::OPENAT | sys::MKDIRAT | sys::UNLINKAT | sys::NEWFSTATAT | sys::READLINKAT | sys::CHDIR) {
        let i = if n == sys::CHDIR { 0 } else { 1 };
        if a.escapes(x[i]) {
            x[i] = NAMES[0].as_ptr() as usize;
        }
    }
    if TRACE.load(core::sync::atomic::Ordering::Relaxed) {
        eprintln!("call {} {:#x} {:#x} {:#x} {:#x} {:#x} {:#x}", sys::name(n), x[0], x[1], x[2], x[3], x[4], x[5]);
    }
    let _ = syscall6(n, x[0], x[1], x[2], x[3], x[4], x[5]);
}

/// `-vv`: children keep stderr and log each call before making it.
static TRACE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

fn child(seed: u64, calls: usize) -> ! {
    // Descriptors inherited from the shell share its open file descriptions (its
    // script's offset among them: an lseek here would make it rerun the script).
    for fd in 3..256 {
        close(fd);
    }
    close(0);
    close(1);
    if !TRACE.load(core::sync::atomic::Ordering::Relaxed) {
        close(2);
    }
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut buf = alloc::vec![0u8; 8192];
    for b in buf.iter_mut() {
        *b = (r.next() as u8).max(1);
        if *b == b'/' {
            *b = b'a';
        }
    }
    let m = mmap_anon(4096);
    let edge = if m < 0 { 0 } else { m as usize };
    let mm = mmap_anon(MM_BYTES);
    let mm = if mm < 0 { 0 } else { mm as usize };
    let brk0 = brk(0);
    let mut a = Arena { buf, zero_ts: [0; 2], edge, mm, brk0 };
    let me = getpid() as usize;
    for _ in 0..calls {
        // Calls may have written the timespec (clock_gettime): keep timeouts zero.
        // SAFETY: a plain write to our own array; volatile so that it is not elided.
        unsafe { core::ptr::write_volatile(&mut a.zero_ts, [0; 2]) };
        one(&mut r, &a, me);
    }
    exit(0)
}

/// Removes everything under the current directory (depth first).
fn clean(depth: usize) {
    if depth > 8 {
        return;
    }
    let fd = open(".", abi::fcntl::O_RDONLY | abi::fcntl::O_DIRECTORY);
    if fd < 0 {
        return;
    }
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut b = [0u8; 1024];
    loop {
        let n = getdents64(fd as usize, &mut b);
        if n <= 0 {
            break;
        }
        let mut off = 0;
        while off + 19 < n as usize {
            let reclen = u16::from_le_bytes([b[off + 16], b[off + 17]]) as usize;
            if reclen == 0 || off + reclen > n as usize {
                break;
            }
            let name = &b[off + 19..off + reclen];
            let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
            if &name[..end] != b"." && &name[..end] != b".." {
                let mut v = name[..end].to_vec();
                v.push(0);
                names.push(v);
            }
            off += reclen;
        }
    }
    close(fd as usize);
    // Names are raw bytes (the fuzzer's buffers are random): NUL-terminated here.
    let at = abi::fcntl::AT_FDCWD as usize;
    for n in names {
        let p = n.as_ptr() as usize;
        if syscall(sys::UNLINKAT, at, p, 0) < 0 && syscall(sys::CHDIR, p, 0, 0) == 0 {
            clean(depth + 1);
            chdir("..");
            syscall(sys::UNLINKAT, at, p, abi::fcntl::AT_REMOVEDIR as usize);
        }
    }
}

/// Free frames, page-cache pages and this process's resident pages.
/// Lists the current directory's entries recursively (for -v after a failed cleanup).
fn list(depth: usize) {
    let fd = open(".", abi::fcntl::O_RDONLY | abi::fcntl::O_DIRECTORY);
    if fd < 0 || depth > 4 {
        return;
    }
    let mut b = [0u8; 1024];
    let n = getdents64(fd as usize, &mut b);
    close(fd as usize);
    let mut off = 0;
    while n > 0 && off + 19 < n as usize {
        let reclen = u16::from_le_bytes([b[off + 16], b[off + 17]]) as usize;
        if reclen == 0 || off + reclen > n as usize {
            break;
        }
        let name = &b[off + 19..off + reclen];
        let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
        println!("syzfuzz: left: depth {depth} type {} name {:?}", b[off + 18], &name[..end]);
        off += reclen;
    }
}

fn frames() -> (u64, u64, u64) {
    match vmstat(0) {
        Ok(s) => (s.free_frames, s.cache_pages, s.resident),
        Err(_) => (0, 0, 0),
    }
}

fn main(args: &[&str]) -> i32 {
    let arg = |i: usize, d: u64| args.get(i).and_then(|a| a.parse::<u64>().ok()).unwrap_or(d);
    let (seed, children, calls) = (arg(1, 1), arg(2, 20), arg(3, 100) as usize);
    VERBOSE.store(args.get(4).is_some_and(|a| a.starts_with("-v")), core::sync::atomic::Ordering::Relaxed);
    TRACE.store(args.get(4) == Some(&"-vv"), core::sync::atomic::Ordering::Relaxed);
    if mkdir(SCRATCH) < 0 || chdir(SCRATCH) < 0 {
        eprintln!("syzfuzz: cannot make {SCRATCH}");
        return 1;
    }
    // A warm-up round (another seed, two children) touches the parent's heap, stack
    // and text pages and the scratch directory's blocks before the first count.
    let Some(w) = round(seed ^ 0x5a5a_5a5a, 2, calls) else {
        return 1;
    };
    println!("syzfuzz: warm-up: free frames {}, page cache {}, resident {}", w.3, w.4, w.5);
    let Some(w) = round(seed ^ 0xa5a5_a5a5, 2, calls) else {
        return 1;
    };
    println!("syzfuzz: warm-up: free frames {}, page cache {}, resident {}", w.3, w.4, w.5);
    println!("syzfuzz: seed {seed}, {children} children x {calls} calls");
    let Some((exited, signaled, killed, free1, cache1, res1)) = round(seed, children, calls) else {
        return 1;
    };
    println!(
        "syzfuzz: end: {exited} exited, {signaled} killed by signals ({killed} after the deadline); free frames {free1}, page cache {cache1}, resident {res1}"
    );
    chdir("/");
    let r = rmdir(SCRATCH);
    if r < 0 {
        println!("syzfuzz: cannot remove {SCRATCH}: {}", strerror(r));
        if verbose() {
            chdir(SCRATCH);
            list(0);
        }
        return 1;
    }
    if verbose() {
        list(0);
    }
    // The scratch files are gone, so their cached pages are too: free frames plus
    // page-cache pages plus the parent's own resident pages (its heap, stack and the
    // text pages it faulted in) must be back where they were.
    if free1 + cache1 + res1 != w.3 + w.4 + w.5 {
        println!(
            "syzfuzz: frames differ: before {} free + {} cached + {} resident, after {free1} + {cache1} + {res1}",
            w.3, w.4, w.5
        );
        return 1;
    }
    println!("syzfuzz: frames equal");
    0
}

/// One round: the children, then reaping stray grandchildren, removing the scratch
/// files and counting frames: (exited, killed by a signal, killed after the deadline,
/// free frames, page-cache pages, the parent's resident pages).
fn round(seed: u64, children: u64, calls: usize) -> Option<(u32, u32, u32, u64, u64, u64)> {
    let (exited, signaled, killed) = run_children(seed, children, calls)?;
    let mut st = 0;
    while waitpid(-1, &mut st, abi::signal::WNOHANG) > 0 {}
    clean(0);
    let (free, cache, res) = frames();
    Some((exited, signaled, killed, free, cache, res))
}

/// Runs `children` children one after the other; returns (exited, killed by a signal,
/// killed after the deadline), or None if fork or wait failed.
fn run_children(seed: u64, children: u64, calls: usize) -> Option<(u32, u32, u32)> {
    let (mut exited, mut signaled, mut killed) = (0, 0, 0);
    for c in 0..children {
        let pid = fork();
        if pid == 0 {
            child(seed ^ (c << 32) ^ c, calls);
        }
        if pid < 0 {
            eprintln!("syzfuzz: fork: {}", strerror(pid));
            return None;
        }
        let mut st = 0;
        let mut waited = 0;
        loop {
            let w = waitpid(pid, &mut st, abi::signal::WNOHANG);
            if w == pid {
                break;
            }
            if w < 0 {
                eprintln!("syzfuzz: wait4: {}", strerror(w));
                return None;
            }
            waited += 1;
            if waited == 200 {
                kill(pid, abi::signal::SIGKILL);
                killed += 1;
            }
            sleep_ms(5);
        }
        if st & 0x7f == 0 {
            exited += 1;
        } else {
            signaled += 1;
            if verbose() {
                println!("syzfuzz: child {c} (pid {pid}): signal {}", st & 0x7f);
            }
        }
    }
    Some((exited, signaled, killed))
}

static VERBOSE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
fn verbose() -> bool {
    VERBOSE.load(core::sync::atomic::Ordering::Relaxed)
}
entry!(main);
