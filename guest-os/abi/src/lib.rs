//! Numbers shared by the guest kernel, the user runtime and the emulator, in one place:
//! Linux RISC-V syscall numbers (asm-generic/unistd.h), errno values, mmap/prot flags and
//! the MMIO map of the machine. No dependencies, `no_std`.

#![cfg_attr(not(test), no_std)]

/// Physical memory map of the `virt`-compatible machine.
pub mod mmio {
    pub const BOOT_ROM: u64 = 0x0000_1000;
    pub const FINISHER: u64 = 0x0010_0000;
    pub const CLINT: u64 = 0x0200_0000;
    pub const PLIC: u64 = 0x0c00_0000;
    pub const UART0: u64 = 0x1000_0000;
    pub const VIRTIO0: u64 = 0x1000_1000;
    pub const VIRTIO_STRIDE: u64 = 0x1000;
    pub const RAM: u64 = 0x8000_0000;
    /// CLINT `mtimecmp` for hart 0 (SiFive CLINT layout, as on QEMU `virt`).
    pub const CLINT_MTIMECMP: u64 = CLINT + 0x4000;
    /// CLINT `mtime`.
    pub const CLINT_MTIME: u64 = CLINT + 0xbff8;
    /// Finisher command: pass.
    pub const FINISHER_PASS: u32 = 0x5555;
    /// Finisher command: fail, code in bits 31..16.
    pub const FINISHER_FAIL: u32 = 0x3333;
}

/// The guest kernel's Sv39 virtual memory map (docs/os.md, "Memory map"), shared by the
/// kernel, the user programs that test it and the host tests.
pub mod layout {
    /// Start of the kernel half: the direct map of physical memory, `va = pa + PAGE_OFFSET`
    /// (the first upper-half Sv39 address, root entry 256; as Linux's `PAGE_OFFSET` for
    /// Sv39). The kernel image runs from here too (linked at `PAGE_OFFSET + 0x8000_0000`
    /// in `kernel.ld`, which must agree).
    pub const PAGE_OFFSET: u64 = 0xffff_ffc0_0000_0000;
    /// One past the highest user address: the whole Sv39 lower half, 256 GiB (Linux's
    /// `TASK_SIZE` for Sv39). The user stack's top.
    pub const USER_TOP: u64 = 0x40_0000_0000;
    /// Start of the anonymous mmap area (it grows up from here); the brk heap may not
    /// grow past it (64 GiB of heap, 192 GiB of mmap area).
    pub const MMAP_BASE: u64 = 0x10_0000_0000;
}

/// Linux syscall numbers for RISC-V (include/uapi/asm-generic/unistd.h).
pub mod sys {
    pub const GETCWD: usize = 17;
    pub const DUP: usize = 23;
    pub const DUP3: usize = 24;
    pub const FCNTL: usize = 25;
    pub const IOCTL: usize = 29;
    pub const MKDIRAT: usize = 34;
    pub const UNLINKAT: usize = 35;
    pub const CHDIR: usize = 49;
    pub const OPENAT: usize = 56;
    pub const CLOSE: usize = 57;
    pub const PIPE2: usize = 59;
    pub const GETDENTS64: usize = 61;
    pub const LSEEK: usize = 62;
    pub const READ: usize = 63;
    pub const WRITE: usize = 64;
    pub const READV: usize = 65;
    pub const WRITEV: usize = 66;
    pub const READLINKAT: usize = 78;
    pub const NEWFSTATAT: usize = 79;
    pub const FSTAT: usize = 80;
    pub const EXIT: usize = 93;
    pub const EXIT_GROUP: usize = 94;
    pub const SET_TID_ADDRESS: usize = 96;
    pub const SET_ROBUST_LIST: usize = 99;
    pub const NANOSLEEP: usize = 101;
    pub const CLOCK_GETTIME: usize = 113;
    pub const SCHED_YIELD: usize = 124;
    pub const KILL: usize = 129;
    pub const TKILL: usize = 130;
    pub const TGKILL: usize = 131;
    pub const SIGALTSTACK: usize = 132;
    pub const RT_SIGSUSPEND: usize = 133;
    pub const RT_SIGACTION: usize = 134;
    pub const RT_SIGPROCMASK: usize = 135;
    pub const RT_SIGPENDING: usize = 136;
    pub const RT_SIGTIMEDWAIT: usize = 137;
    pub const RT_SIGRETURN: usize = 139;
    pub const SETPGID: usize = 154;
    pub const GETPGID: usize = 155;
    pub const GETSID: usize = 156;
    pub const SETSID: usize = 157;
    pub const REBOOT: usize = 142;
    pub const UNAME: usize = 160;
    pub const GETPID: usize = 172;
    pub const GETPPID: usize = 173;
    pub const GETTID: usize = 178;
    pub const SYSINFO: usize = 179;
    pub const BRK: usize = 214;
    pub const MUNMAP: usize = 215;
    pub const CLONE: usize = 220;
    pub const EXECVE: usize = 221;
    pub const MMAP: usize = 222;
    pub const MPROTECT: usize = 226;
    pub const WAIT4: usize = 260;
    pub const PRLIMIT64: usize = 261;
    pub const GETRANDOM: usize = 278;
    /// Not Linux: lists processes as [`crate::ProcInfo`] records into a user buffer
    /// (a0 = buffer, a1 = capacity in records; returns the count). Linux has /proc instead.
    pub const RVSIM_PROCLIST: usize = 500;
    /// Not Linux: virtual-memory counters of process a0 (0 = the caller) and of the whole
    /// system into a [`crate::VmStat`] at a1. Linux has /proc/vmstat and /proc/PID/stat.
    pub const RVSIM_VMSTAT: usize = 501;
    /// Not Linux: the VMAs of process a0 (0 = the caller) as [`crate::VmaInfo`] records
    /// into a1 (capacity a2 records); returns the number of VMAs (like /proc/PID/maps).
    pub const RVSIM_VMMAP: usize = 502;
    /// Not Linux: mincore(2) for process a0 (0 = the caller): one byte per page of
    /// `[a1, a1 + a2)` into a3, a combination of the `PAGE_*` bits in [`crate::VmaInfo`].
    pub const RVSIM_MINCORE: usize = 503;
    /// Not Linux: reads and sets a virtual-memory tunable, like sysctl: a0 = key
    /// ([`crate::vmctl`]), a1 = new value or [`crate::vmctl::QUERY`] to only read;
    /// returns the value before the call. EINVAL for an unknown key or a bad value.
    pub const RVSIM_VMCTL: usize = 504;
    /// Not Linux: the analogue of Win32 `SetProcessWorkingSetSize`: working-set limits
    /// of process a0 (0 = the caller) in pages, a1 = minimum, a2 = maximum (0 = none).
    /// EINVAL if min > max; ESRCH for no such process. min = max = `u64::MAX` empties
    /// the working set instead (every evictable page to swap; returns how many).
    pub const RVSIM_SETWS: usize = 505;
    /// msync(2).
    pub const MSYNC: usize = 227;
    pub const SYMLINKAT: usize = 36;
    pub const LINKAT: usize = 37;
    pub const RENAMEAT: usize = 38;
    pub const STATFS: usize = 43;
    pub const FSTATFS: usize = 44;
    pub const TRUNCATE: usize = 45;
    pub const FTRUNCATE: usize = 46;
    pub const FACCESSAT: usize = 48;
    pub const FCHDIR: usize = 50;
    pub const FCHMOD: usize = 52;
    pub const FCHMODAT: usize = 53;
    pub const FCHOWNAT: usize = 54;
    pub const FCHOWN: usize = 55;
    pub const PREAD64: usize = 67;
    pub const PWRITE64: usize = 68;
    pub const SENDFILE: usize = 71;
    pub const PSELECT6: usize = 72;
    pub const PPOLL: usize = 73;
    pub const SYNC: usize = 81;
    pub const FSYNC: usize = 82;
    pub const FDATASYNC: usize = 83;
    pub const UTIMENSAT: usize = 88;
    pub const CLOCK_SETTIME: usize = 112;
    pub const CLOCK_GETRES: usize = 114;
    pub const CLOCK_NANOSLEEP: usize = 115;
    pub const SETREGID: usize = 143;
    pub const SETGID: usize = 144;
    pub const SETREUID: usize = 145;
    pub const SETUID: usize = 146;
    pub const SETRESUID: usize = 147;
    pub const GETRESUID: usize = 148;
    pub const SETRESGID: usize = 149;
    pub const GETRESGID: usize = 150;
    pub const SETFSUID: usize = 151;
    pub const SETFSGID: usize = 152;
    pub const TIMES: usize = 153;
    pub const GETGROUPS: usize = 158;
    pub const SETGROUPS: usize = 159;
    pub const GETRUSAGE: usize = 165;
    pub const UMASK: usize = 166;
    pub const PRCTL: usize = 167;
    pub const GETTIMEOFDAY: usize = 169;
    pub const GETUID: usize = 174;
    pub const GETEUID: usize = 175;
    pub const GETGID: usize = 176;
    pub const GETEGID: usize = 177;
    pub const RISCV_HWPROBE: usize = 258;
    pub const RENAMEAT2: usize = 276;
    pub const STATX: usize = 291;
    pub const RSEQ: usize = 293;
    pub const FACCESSAT2: usize = 439;

    /// The name of syscall `n`, for traces and the kernel's "unimplemented" log.
    pub fn name(n: usize) -> &'static str {
        match n {
            GETCWD => "getcwd",
            DUP => "dup",
            DUP3 => "dup3",
            FCNTL => "fcntl",
            IOCTL => "ioctl",
            MKDIRAT => "mkdirat",
            UNLINKAT => "unlinkat",
            CHDIR => "chdir",
            OPENAT => "openat",
            CLOSE => "close",
            PIPE2 => "pipe2",
            GETDENTS64 => "getdents64",
            LSEEK => "lseek",
            READ => "read",
            WRITE => "write",
            READV => "readv",
            WRITEV => "writev",
            NEWFSTATAT => "newfstatat",
            FSTAT => "fstat",
            EXIT => "exit",
            EXIT_GROUP => "exit_group",
            SET_TID_ADDRESS => "set_tid_address",
            NANOSLEEP => "nanosleep",
            CLOCK_GETTIME => "clock_gettime",
            SCHED_YIELD => "sched_yield",
            KILL => "kill",
            TKILL => "tkill",
            TGKILL => "tgkill",
            SIGALTSTACK => "sigaltstack",
            RT_SIGSUSPEND => "rt_sigsuspend",
            RT_SIGACTION => "rt_sigaction",
            RT_SIGPROCMASK => "rt_sigprocmask",
            RT_SIGPENDING => "rt_sigpending",
            RT_SIGTIMEDWAIT => "rt_sigtimedwait",
            RT_SIGRETURN => "rt_sigreturn",
            SETPGID => "setpgid",
            GETPGID => "getpgid",
            GETSID => "getsid",
            SETSID => "setsid",
            REBOOT => "reboot",
            UNAME => "uname",
            GETPID => "getpid",
            GETPPID => "getppid",
            GETTID => "gettid",
            SYSINFO => "sysinfo",
            BRK => "brk",
            MUNMAP => "munmap",
            CLONE => "clone",
            EXECVE => "execve",
            MMAP => "mmap",
            MPROTECT => "mprotect",
            READLINKAT => "readlinkat",
            SET_ROBUST_LIST => "set_robust_list",
            PRLIMIT64 => "prlimit64",
            GETRANDOM => "getrandom",
            WAIT4 => "wait4",
            RVSIM_PROCLIST => "rvsim_proclist",
            RVSIM_VMSTAT => "rvsim_vmstat",
            RVSIM_VMMAP => "rvsim_vmmap",
            RVSIM_MINCORE => "rvsim_mincore",
            RVSIM_VMCTL => "rvsim_vmctl",
            RVSIM_SETWS => "rvsim_setws",
            MSYNC => "msync",
            SYMLINKAT => "symlinkat",
            LINKAT => "linkat",
            RENAMEAT => "renameat",
            STATFS => "statfs",
            FSTATFS => "fstatfs",
            TRUNCATE => "truncate",
            FTRUNCATE => "ftruncate",
            FACCESSAT => "faccessat",
            FCHDIR => "fchdir",
            FCHMOD => "fchmod",
            FCHMODAT => "fchmodat",
            FCHOWNAT => "fchownat",
            FCHOWN => "fchown",
            PREAD64 => "pread64",
            PWRITE64 => "pwrite64",
            SENDFILE => "sendfile",
            PSELECT6 => "pselect6",
            PPOLL => "ppoll",
            SYNC => "sync",
            FSYNC => "fsync",
            FDATASYNC => "fdatasync",
            UTIMENSAT => "utimensat",
            CLOCK_SETTIME => "clock_settime",
            CLOCK_GETRES => "clock_getres",
            CLOCK_NANOSLEEP => "clock_nanosleep",
            SETREGID => "setregid",
            SETGID => "setgid",
            SETREUID => "setreuid",
            SETUID => "setuid",
            SETRESUID => "setresuid",
            GETRESUID => "getresuid",
            SETRESGID => "setresgid",
            GETRESGID => "getresgid",
            SETFSUID => "setfsuid",
            SETFSGID => "setfsgid",
            TIMES => "times",
            GETGROUPS => "getgroups",
            SETGROUPS => "setgroups",
            GETRUSAGE => "getrusage",
            UMASK => "umask",
            PRCTL => "prctl",
            GETTIMEOFDAY => "gettimeofday",
            GETUID => "getuid",
            GETEUID => "geteuid",
            GETGID => "getgid",
            GETEGID => "getegid",
            RISCV_HWPROBE => "riscv_hwprobe",
            RENAMEAT2 => "renameat2",
            STATX => "statx",
            RSEQ => "rseq",
            FACCESSAT2 => "faccessat2",
            _ => "?",
        }
    }
}

/// Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h). Syscalls return
/// `-errno` in a0.
pub mod errno {
    pub const EPERM: isize = 1;
    pub const ENOENT: isize = 2;
    pub const ESRCH: isize = 3;
    pub const EINTR: isize = 4;
    pub const EIO: isize = 5;
    pub const ENXIO: isize = 6;
    pub const E2BIG: isize = 7;
    pub const ENOEXEC: isize = 8;
    pub const EBADF: isize = 9;
    pub const ECHILD: isize = 10;
    pub const EAGAIN: isize = 11;
    pub const ENOMEM: isize = 12;
    pub const EACCES: isize = 13;
    pub const EFAULT: isize = 14;
    pub const EBUSY: isize = 16;
    pub const EEXIST: isize = 17;
    pub const EXDEV: isize = 18;
    pub const ENODEV: isize = 19;
    pub const ENOTDIR: isize = 20;
    pub const EISDIR: isize = 21;
    pub const EINVAL: isize = 22;
    pub const EMFILE: isize = 24;
    pub const ENOTTY: isize = 25;
    pub const EFBIG: isize = 27;
    pub const ENOSPC: isize = 28;
    pub const ESPIPE: isize = 29;
    pub const EMLINK: isize = 31;
    pub const EPIPE: isize = 32;
    pub const ERANGE: isize = 34;
    pub const ENAMETOOLONG: isize = 36;
    pub const ENOSYS: isize = 38;
    pub const ENOTEMPTY: isize = 39;
    pub const ELOOP: isize = 40;
    pub const EOVERFLOW: isize = 75;
    pub const EOPNOTSUPP: isize = 95;

    /// A short description of `e` (positive errno), as strerror would give.
    pub fn describe(e: isize) -> &'static str {
        match e {
            EPERM => "operation not permitted",
            ENOENT => "no such file or directory",
            ESRCH => "no such process",
            EINTR => "interrupted",
            EIO => "I/O error",
            E2BIG => "argument list too long",
            ENOEXEC => "exec format error",
            EBADF => "bad file descriptor",
            ECHILD => "no child processes",
            EAGAIN => "try again",
            ENOMEM => "out of memory",
            EACCES => "permission denied",
            EFAULT => "bad address",
            EBUSY => "busy",
            EEXIST => "file exists",
            ENOTDIR => "not a directory",
            EISDIR => "is a directory",
            EINVAL => "invalid argument",
            EMFILE => "too many open files",
            ENOTTY => "not a tty",
            EFBIG => "file too large",
            ENOSPC => "no space left on device",
            ESPIPE => "illegal seek",
            EPIPE => "broken pipe",
            ERANGE => "out of range",
            ENAMETOOLONG => "file name too long",
            ENOSYS => "function not implemented",
            ENOTEMPTY => "directory not empty",
            ELOOP => "too many levels of symbolic links",
            _ => "unknown error",
        }
    }
}

/// open(2) flags (include/uapi/asm-generic/fcntl.h) and *at() constants.
pub mod fcntl {
    pub const O_RDONLY: u32 = 0;
    pub const O_WRONLY: u32 = 1;
    pub const O_RDWR: u32 = 2;
    pub const O_ACCMODE: u32 = 3;
    pub const O_CREAT: u32 = 0o100;
    pub const O_EXCL: u32 = 0o200;
    pub const O_TRUNC: u32 = 0o1000;
    pub const O_APPEND: u32 = 0o2000;
    pub const O_NONBLOCK: u32 = 0o4000;
    pub const O_DIRECTORY: u32 = 0o200000;
    pub const O_NOFOLLOW: u32 = 0o400000;
    /// Flags that only change how a path is opened, accepted and ignored.
    pub const O_LARGEFILE: u32 = 0o100000;
    pub const O_NOCTTY: u32 = 0o400;
    pub const O_PATH: u32 = 0o10000000;
    pub const O_CLOEXEC: u32 = 0o2000000;
    /// `dirfd` meaning "the current directory".
    pub const AT_FDCWD: isize = -100;
    /// unlinkat flag: remove a directory.
    pub const AT_REMOVEDIR: u32 = 0x200;
    /// *at flags: do not follow a final symbolic link; an empty path means dirfd;
    /// faccessat: check with the effective ids.
    pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
    pub const AT_EACCESS: u32 = 0x200;
    pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
    pub const AT_EMPTY_PATH: u32 = 0x1000;
    /// renameat2 flags.
    pub const RENAME_NOREPLACE: u32 = 1;
    /// fcntl commands and the descriptor flag.
    pub const F_DUPFD: usize = 0;
    pub const F_GETFD: usize = 1;
    pub const F_SETFD: usize = 2;
    pub const F_GETFL: usize = 3;
    pub const F_SETFL: usize = 4;
    pub const F_DUPFD_CLOEXEC: usize = 1030;
    pub const FD_CLOEXEC: usize = 1;
    pub const SEEK_SET: usize = 0;
    pub const SEEK_CUR: usize = 1;
    pub const SEEK_END: usize = 2;
}

/// mmap(2)/mprotect(2) flags (include/uapi/asm-generic/mman-common.h).
pub mod mman {
    pub const PROT_NONE: usize = 0;
    pub const PROT_READ: usize = 1;
    pub const PROT_WRITE: usize = 2;
    pub const PROT_EXEC: usize = 4;
    pub const MAP_SHARED: usize = 0x01;
    pub const MAP_PRIVATE: usize = 0x02;
    pub const MAP_SHARED_VALIDATE: usize = 0x03;
    pub const MAP_FIXED: usize = 0x10;
    pub const MAP_ANONYMOUS: usize = 0x20;
    pub const MAP_GROWSDOWN: usize = 0x100;
    pub const MAP_STACK: usize = 0x20000;
    /// Do not reserve memory for the mapping: exempt from the overcommit check
    /// (docs/vm.md, "Overcommit").
    pub const MAP_NORESERVE: usize = 0x4000;
    /// Fault the pages in at mmap time.
    pub const MAP_POPULATE: usize = 0x8000;
    /// Every flag Linux knows (LEGACY_MAP_MASK | MAP_SYNC | MAP_FIXED_NOREPLACE in
    /// mm/mmap.c): with MAP_SHARED_VALIDATE anything else is EOPNOTSUPP.
    pub const MAP_KNOWN: usize = 0x3
        | 0x10
        | 0x20
        | 0x100
        | 0x800
        | 0x1000
        | 0x2000
        | 0x4000
        | 0x8000
        | 0x10000
        | 0x20000
        | 0x40000
        | 0x80000
        | 0x100000
        | 0x4000000;
    pub const MAP_FIXED_NOREPLACE: usize = 0x100000;
    /// msync flags.
    pub const MS_ASYNC: usize = 1;
    pub const MS_INVALIDATE: usize = 2;
    pub const MS_SYNC: usize = 4;
    /// mmap's error return is `-errno` like every call; this is `(void*)-1` in C.
    pub const MAP_FAILED: usize = usize::MAX;
}

/// ELF auxiliary vector keys (include/uapi/linux/auxvec.h) placed on the initial stack
/// per the RISC-V ELF psABI / System V ABI.
pub mod auxv {
    pub const AT_NULL: usize = 0;
    pub const AT_PHDR: usize = 3;
    pub const AT_PHENT: usize = 4;
    pub const AT_PHNUM: usize = 5;
    pub const AT_PAGESZ: usize = 6;
    pub const AT_ENTRY: usize = 9;
    pub const AT_RANDOM: usize = 25;
}

/// Resource limits for prlimit64 (include/uapi/asm-generic/resource.h).
pub mod rlimit {
    pub const RLIMIT_STACK: usize = 3;
    pub const RLIMIT_NOFILE: usize = 7;
    /// Number of resources Linux defines (RLIMIT_RTTIME + 1).
    pub const RLIM_NLIMITS: usize = 16;
    pub const RLIM_INFINITY: u64 = u64::MAX;
}

/// `clone` flags (include/uapi/linux/sched.h) the kernel accepts for the fork form of
/// clone, as glibc's `fork()` passes them.
pub mod clone {
    /// Store the child's tid at `ptid` in the parent.
    pub const CLONE_PARENT_SETTID: usize = 0x0010_0000;
    /// Clear `ctid` in the child's memory when it exits (and wake a futex there).
    pub const CLONE_CHILD_CLEARTID: usize = 0x0020_0000;
    /// Store the child's tid at `ctid` in the child's memory.
    pub const CLONE_CHILD_SETTID: usize = 0x0100_0000;
    /// The low byte of the flags is the signal sent to the parent on exit.
    pub const CSIGNAL: usize = 0xff;
}

/// Signals with Linux's numbers and riscv64 layouts (include/uapi/asm-generic/signal.h,
/// siginfo.h, arch/riscv/include/uapi/asm/{sigcontext,ucontext}.h), and the wait4
/// status encoding.
pub mod signal {
    pub const SIGHUP: usize = 1;
    pub const SIGINT: usize = 2;
    pub const SIGQUIT: usize = 3;
    pub const SIGILL: usize = 4;
    pub const SIGTRAP: usize = 5;
    pub const SIGABRT: usize = 6;
    pub const SIGBUS: usize = 7;
    pub const SIGFPE: usize = 8;
    pub const SIGKILL: usize = 9;
    pub const SIGUSR1: usize = 10;
    pub const SIGSEGV: usize = 11;
    pub const SIGUSR2: usize = 12;
    pub const SIGPIPE: usize = 13;
    pub const SIGALRM: usize = 14;
    pub const SIGTERM: usize = 15;
    pub const SIGSTKFLT: usize = 16;
    pub const SIGCHLD: usize = 17;
    pub const SIGCONT: usize = 18;
    pub const SIGSTOP: usize = 19;
    pub const SIGTSTP: usize = 20;
    pub const SIGTTIN: usize = 21;
    pub const SIGTTOU: usize = 22;
    pub const SIGURG: usize = 23;
    pub const SIGXCPU: usize = 24;
    pub const SIGXFSZ: usize = 25;
    pub const SIGVTALRM: usize = 26;
    pub const SIGPROF: usize = 27;
    pub const SIGWINCH: usize = 28;
    pub const SIGIO: usize = 29;
    pub const SIGPWR: usize = 30;
    pub const SIGSYS: usize = 31;
    /// First real-time signal (the kernel's; glibc reserves 32 and 33 for itself).
    pub const SIGRTMIN: usize = 32;
    /// Highest signal number (`_NSIG`).
    pub const NSIG: usize = 64;
    /// `sizeof(sigset_t)` the kernel accepts in the rt_sig* calls (64 bits).
    pub const SIGSET_SIZE: usize = 8;

    /// Names of signals 1..=31 without the `SIG` prefix (index sig - 1).
    pub const NAMES: [&str; 31] = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
        "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
        "WINCH", "IO", "PWR", "SYS",
    ];

    /// The number of signal `name` (`TERM`, `SIGTERM` or `15`), if any.
    pub fn from_name(name: &str) -> Option<usize> {
        if let Ok(n) = name.parse::<usize>() {
            return (n <= NSIG).then_some(n);
        }
        let n = name.strip_prefix("SIG").unwrap_or(name);
        NAMES.iter().position(|&x| x == n).map(|i| i + 1)
    }

    /// The bit of signal `sig` (1..=64) in a `sigset_t`.
    pub const fn bit(sig: usize) -> u64 {
        1u64 << (sig - 1)
    }

    /// Special handlers.
    pub const SIG_DFL: u64 = 0;
    pub const SIG_IGN: u64 = 1;

    /// `sa_flags` bits.
    pub const SA_NOCLDSTOP: u64 = 0x0000_0001;
    pub const SA_NOCLDWAIT: u64 = 0x0000_0002;
    pub const SA_SIGINFO: u64 = 0x0000_0004;
    /// Accepted and ignored (riscv has no restorer: the kernel provides the return).
    pub const SA_RESTORER: u64 = 0x0400_0000;
    pub const SA_ONSTACK: u64 = 0x0800_0000;
    pub const SA_RESTART: u64 = 0x1000_0000;
    pub const SA_NODEFER: u64 = 0x4000_0000;
    pub const SA_RESETHAND: u64 = 0x8000_0000;

    /// rt_sigprocmask `how`.
    pub const SIG_BLOCK: usize = 0;
    pub const SIG_UNBLOCK: usize = 1;
    pub const SIG_SETMASK: usize = 2;

    /// sigaltstack `ss_flags`.
    pub const SS_ONSTACK: u32 = 1;
    pub const SS_DISABLE: u32 = 2;
    /// Smallest alternate stack accepted (asm-generic MINSIGSTKSZ).
    pub const MINSIGSTKSZ: u64 = 2048;

    /// `si_code` values.
    pub const SI_USER: i32 = 0;
    pub const SI_KERNEL: i32 = 0x80;
    pub const SI_TKILL: i32 = -6;
    pub const SEGV_MAPERR: i32 = 1;
    pub const SEGV_ACCERR: i32 = 2;
    pub const BUS_ADRALN: i32 = 1;
    pub const BUS_ADRERR: i32 = 2;
    pub const ILL_ILLOPC: i32 = 1;
    pub const TRAP_BRKPT: i32 = 1;
    pub const CLD_EXITED: i32 = 1;
    pub const CLD_KILLED: i32 = 2;
    pub const CLD_DUMPED: i32 = 3;

    /// Kernel `struct sigaction` on riscv64 (no `sa_restorer`): handler, flags, mask.
    pub const SIGACTION_SIZE: usize = 24;
    /// `stack_t`: ss_sp (8), ss_flags (4 + 4 padding), ss_size (8).
    pub const STACK_T_SIZE: usize = 24;
    /// `siginfo_t`: signo, errno, code (4 each, then padding), then the union at 16
    /// (si_pid/si_uid at 16/20, si_status at 24; si_addr at 16).
    pub const SIGINFO_SIZE: usize = 128;
    pub const SI_PID: usize = 16;
    pub const SI_UID: usize = 20;
    pub const SI_STATUS: usize = 24;
    pub const SI_ADDR: usize = 16;

    /// `struct rt_sigframe` (arch/riscv/kernel/signal.c): siginfo, then `struct
    /// ucontext`, then (as Linux without an MMU has it) the two return instructions.
    pub mod frame {
        /// Offset of `uc` (the ucontext) in the frame.
        pub const UC: usize = 128;
        /// In the ucontext: uc_flags, uc_link, uc_stack, uc_sigmask (+120 reserved bytes
        /// for a bigger sigset_t), then uc_mcontext aligned to 16 (the FP union is).
        pub const UC_FLAGS: usize = 0;
        pub const UC_LINK: usize = 8;
        pub const UC_STACK: usize = 16;
        pub const UC_SIGMASK: usize = 40;
        pub const UC_MCONTEXT: usize = 176;
        /// `struct sigcontext`: sc_regs (`user_regs_struct`: pc, then x1..x31), then
        /// `__riscv_d_ext_state` (f[32], fcsr) inside the 528-byte FP union.
        pub const SC_REGS: usize = 0;
        pub const SC_FPREGS: usize = 256;
        pub const SC_FCSR: usize = 256 + 32 * 8;
        /// `sizeof(struct ucontext)` on riscv64.
        pub const UCONTEXT_SIZE: usize = 176 + 256 + 528;
        /// Offset of the return trampoline in the frame.
        pub const TRAMPOLINE: usize = UC + UCONTEXT_SIZE;
        /// The whole frame (siginfo + ucontext + 2 instructions).
        pub const SIZE: usize = TRAMPOLINE + 8;
        /// `li a7, 139` (rt_sigreturn) and `ecall`, what the vDSO's
        /// `__vdso_rt_sigreturn` holds.
        pub const TRAMPOLINE_CODE: [u32; 2] = [0x08b0_0893, 0x0000_0073];
    }

    /// The kernel's `struct sigaction` on riscv64 ([`SIGACTION_SIZE`] bytes).
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct SigAction {
        /// SIG_DFL, SIG_IGN or the handler's address.
        pub handler: u64,
        pub flags: u64,
        pub mask: u64,
    }

    /// `stack_t` ([`STACK_T_SIZE`] bytes).
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct StackT {
        pub sp: u64,
        pub flags: u32,
        pub pad: u32,
        pub size: u64,
    }

    pub const CLD_STOPPED: i32 = 5;
    pub const CLD_CONTINUED: i32 = 6;

    /// wait4 option: do not block.
    pub const WNOHANG: usize = 1;
    /// wait4 option: also report children stopped by a signal.
    pub const WUNTRACED: usize = 2;
    /// wait4 option: also report stopped children continued by SIGCONT.
    pub const WCONTINUED: usize = 8;
    /// wait4 options about threads (accepted; one thread per process).
    pub const WNOTHREAD: usize = 0x2000_0000;
    pub const WALL: usize = 0x4000_0000;
    pub const WCLONE: usize = 0x8000_0000;
    /// wait status of a child stopped by `sig`.
    pub const fn stopped_status(sig: i32) -> i32 {
        ((sig & 0xff) << 8) | 0x7f
    }
    /// wait status of a child continued by SIGCONT.
    pub const CONTINUED_STATUS: i32 = 0xffff;
    /// wait status of a normal exit with `code`.
    pub const fn exit_status(code: i32) -> i32 {
        (code & 0xff) << 8
    }
    /// wait status of a death by signal `sig`.
    pub const fn signal_status(sig: i32) -> i32 {
        sig & 0x7f
    }
}

/// Terminal job-control ioctls on the console (include/uapi/asm-generic/ioctls.h).
pub mod tty {
    pub const TIOCGPGRP: usize = 0x540f;
    pub const TIOCSPGRP: usize = 0x5410;
}

/// reboot(2) magic numbers (include/uapi/linux/reboot.h).
pub mod reboot {
    pub const MAGIC1: usize = 0xfee1_dead;
    pub const MAGIC2: usize = 672_274_793;
    pub const CMD_POWER_OFF: usize = 0x4321_fedc;
}

/// File types and the Linux `struct stat` / `linux_dirent64` layouts for RISC-V 64
/// (include/uapi/asm-generic/stat.h, linux/dirent.h).
pub mod stat {
    pub const S_IFMT: u32 = 0o170000;
    pub const S_IFDIR: u32 = 0o040000;
    pub const S_IFREG: u32 = 0o100000;
    pub const S_IFCHR: u32 = 0o020000;
    pub const S_IFIFO: u32 = 0o010000;
    pub const S_IFLNK: u32 = 0o120000;
    pub const DT_LNK: u8 = 10;
    pub const DT_FIFO: u8 = 1;
    pub const DT_CHR: u8 = 2;
    pub const DT_DIR: u8 = 4;
    pub const DT_REG: u8 = 8;

    /// `struct stat` as the asm-generic ABI lays it out (128 bytes).
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Stat {
        pub st_dev: u64,
        pub st_ino: u64,
        pub st_mode: u32,
        pub st_nlink: u32,
        pub st_uid: u32,
        pub st_gid: u32,
        pub st_rdev: u64,
        pub pad1: u64,
        pub st_size: i64,
        pub st_blksize: i32,
        pub pad2: i32,
        pub st_blocks: i64,
        pub st_atime: i64,
        pub st_atime_nsec: u64,
        pub st_mtime: i64,
        pub st_mtime_nsec: u64,
        pub st_ctime: i64,
        pub st_ctime_nsec: u64,
        pub unused: [u32; 2],
    }

    impl Stat {
        /// The 128-byte little-endian image of this struct, as user space sees it.
        pub fn to_bytes(&self) -> [u8; 128] {
            let mut b = [0u8; 128];
            let mut put = |off: usize, v: &[u8]| b[off..off + v.len()].copy_from_slice(v);
            put(0, &self.st_dev.to_le_bytes());
            put(8, &self.st_ino.to_le_bytes());
            put(16, &self.st_mode.to_le_bytes());
            put(20, &self.st_nlink.to_le_bytes());
            put(24, &self.st_uid.to_le_bytes());
            put(28, &self.st_gid.to_le_bytes());
            put(32, &self.st_rdev.to_le_bytes());
            put(48, &self.st_size.to_le_bytes());
            put(56, &self.st_blksize.to_le_bytes());
            put(64, &self.st_blocks.to_le_bytes());
            put(72, &self.st_atime.to_le_bytes());
            put(80, &self.st_atime_nsec.to_le_bytes());
            put(88, &self.st_mtime.to_le_bytes());
            put(96, &self.st_mtime_nsec.to_le_bytes());
            put(104, &self.st_ctime.to_le_bytes());
            put(112, &self.st_ctime_nsec.to_le_bytes());
            b
        }
    }

    /// Size of the fixed part of `struct linux_dirent64` (d_ino, d_off, d_reclen, d_type).
    pub const DIRENT64_HEADER: usize = 19;
}

/// Timespec as used by nanosleep / clock_gettime.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// Paging event counters (one set per process, one for the whole system).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VmCounters {
    /// Faults resolved without I/O (zero fill, copy-on-write, shared zero page, ...).
    pub minor_faults: u64,
    /// Faults that read the page from a file (demand loading).
    pub major_faults: u64,
    /// Pages given zeros on first touch (a fresh frame or the shared zero frame).
    pub zero_fills: u64,
    /// Copy-on-write faults that copied the page.
    pub cow_copies: u64,
    /// Copy-on-write faults where the frame was no longer shared (write re-enabled).
    pub cow_reuses: u64,
    /// Pages the stack VMA grew by on faults below it.
    pub stack_growth: u64,
    /// Faults the kernel could not resolve (no VMA, permission, past EOF, out of
    /// memory): delivered as SIGSEGV/SIGBUS, which kill unless the process handles them.
    pub bad_faults: u64,
    /// Pages shared copy-on-write by fork.
    pub fork_shared: u64,
}

/// Keys of [`sys::RVSIM_VMCTL`] (also `vm.NAME=VALUE` on the kernel command line).
pub mod vmctl {
    /// Value meaning "only read".
    pub const QUERY: u64 = u64::MAX;
    /// Replacement policy: index into [`crate::VmStat::POLICY_NAMES`].
    pub const POLICY: u64 = 0;
    /// Replacement scope: 0 global, 1 local (per-process).
    pub const SCOPE: u64 = 1;
    /// Thrashing control: 0 off, 1 on.
    pub const THRASH: u64 = 2;
    /// Timer ticks between aging passes (aging policy).
    pub const AGE_TICKS: u64 = 3;
    /// Thrashing controller tunables (ticks of 10 ms, faults per window, pages).
    pub const THRASH_WINDOW: u64 = 4;
    pub const THRASH_BOUND: u64 = 5;
    pub const THRASH_SUSTAIN: u64 = 6;
    pub const THRASH_FREE_LOW: u64 = 7;
    pub const THRASH_FREE_HIGH: u64 = 8;
    pub const THRASH_SYSTEM_BOUND: u64 = 9;
    pub const THRASH_MAX_SUSPEND: u64 = 10;
    pub const THRASH_MIN_RUN: u64 = 11;
    /// Key names, indexed by key.
    pub const NAMES: [&str; 12] = [
        "policy",
        "scope",
        "thrash",
        "age_ticks",
        "thrash.window",
        "thrash.bound",
        "thrash.sustain",
        "thrash.free_low",
        "thrash.free_high",
        "thrash.system_bound",
        "thrash.max_suspend",
        "thrash.min_run",
    ];
    /// Names of the scope values.
    pub const SCOPE_NAMES: [&str; 2] = ["global", "local"];

    /// The key called `name`.
    pub fn key_of(name: &str) -> Option<u64> {
        NAMES.iter().position(|&n| n == name).map(|i| i as u64)
    }

    /// Parses a value for `key`: policy and scope by name or number, `thrash` as
    /// on/off/1/0, the rest as decimal numbers.
    pub fn parse_value(key: u64, v: &str) -> Option<u64> {
        let by_name = |names: &[&str]| names.iter().position(|&n| n == v).map(|i| i as u64);
        match key {
            POLICY => by_name(&crate::VmStat::POLICY_NAMES).or(if v == "lru" { Some(2) } else { None }),
            SCOPE => by_name(&SCOPE_NAMES).or(if v == "per-process" { Some(1) } else { None }),
            THRASH if v == "on" => Some(1),
            THRASH if v == "off" => Some(0),
            _ => v.parse().ok(),
        }
        .or_else(|| v.parse().ok())
    }
}

/// The record of [`sys::RVSIM_VMSTAT`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VmStat {
    /// Free and total physical frames.
    pub free_frames: u64,
    pub total_frames: u64,
    /// Mappings of the shared read-only zero frame, system-wide.
    pub zero_page_refs: u64,
    /// Frames in the page cache.
    pub cache_pages: u64,
    /// System-wide counters since boot.
    pub global: VmCounters,
    /// The process's counters since its exec.
    pub proc: VmCounters,
    /// The process's resident pages (mapped), of which shared (frame refcount > 1) and
    /// mappings of the zero frame.
    pub resident: u64,
    pub shared: u64,
    pub zero_mapped: u64,
    /// Bytes of virtual address space in VMAs.
    pub virt_bytes: u64,
    /// Swap (system-wide since boot): pages written to swap, pages read back (major
    /// faults), pages evicted from memory, processes killed by the OOM killer.
    pub swap_outs: u64,
    pub swap_ins: u64,
    pub evictions: u64,
    pub oom_kills: u64,
    /// Swap slots in use and in total (0 and 0 without a swap device).
    pub swap_used: u64,
    pub swap_slots: u64,
    /// The page-replacement policy: [`VmStat::POLICY_NAMES`] index.
    pub policy: u64,
    /// The process's pages in swap.
    pub swapped: u64,
    /// Replacement scope: 0 global, 1 local (per-process).
    pub scope: u64,
    /// The process's working-set limits (`RVSIM_SETWS`; max 0 = none set) and the
    /// maximum in force (`u64::MAX` = unlimited: global scope).
    pub ws_min: u64,
    pub ws_max: u64,
    pub ws_max_effective: u64,
    /// Page faults of the process and of the whole system in the thrashing
    /// controller's current window.
    pub pff: u64,
    pub system_pff: u64,
    /// Whole-process swap-outs and swap-ins by the thrashing controller, since boot.
    pub thrash_swap_outs: u64,
    pub thrash_swap_ins: u64,
    /// The swap cache (system-wide since boot, docs/swap.md): evictions that wrote
    /// nothing (the page was unchanged since it was read from or written to its slot),
    /// swap-entry faults served by a frame still in the cache (minor faults), and frames
    /// in the cache now.
    pub swap_clean_drops: u64,
    pub swap_cache_hits: u64,
    pub swap_cached: u64,
    /// Page-cache frames reclaimed under memory pressure: dropped (clean, or after being
    /// written back) and written back to their file first.
    pub file_dropped: u64,
    pub file_written: u64,
    /// Requests sent to the swap device (a request may carry several pages).
    pub swap_requests: u64,
    /// The file system's write-ahead log since boot (docs/fs.md): transactions
    /// committed, blocks written to the log, commit records written, committed logs
    /// replayed at mount, transactions that outgrew the log (committed in parts), and
    /// orphaned inodes freed at mount.
    pub fs_transactions: u64,
    pub fs_blocks_logged: u64,
    pub fs_commits: u64,
    pub fs_recoveries: u64,
    pub fs_log_splits: u64,
    pub fs_orphans: u64,
    /// Disk requests that failed since boot, per path (docs/fs.md, docs/swap.md):
    /// file-system reads (EIO) and writes (EIO, transaction dropped or left in the log),
    /// swap-ins (SIGBUS) and swap-out writes (pages kept resident).
    pub io_fs_read_errors: u64,
    pub io_fs_write_errors: u64,
    pub io_swap_in_errors: u64,
    pub io_swap_out_errors: u64,
}

impl VmStat {
    /// Names of the `policy` values (`vm.policy=` on the kernel command line).
    pub const POLICY_NAMES: [&'static str; 4] = ["clock", "fifo", "aging", "random"];
}

/// One record of [`sys::RVSIM_VMMAP`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VmaInfo {
    pub start: u64,
    pub end: u64,
    /// `PROT_*` bits.
    pub prot: u32,
    /// `MAP_SHARED` or `MAP_PRIVATE`.
    pub flags: u32,
    /// 0 ELF segment, 1 heap, 2 stack, 3 anonymous mmap, 4 file mmap.
    pub kind: u32,
    /// Inode of a file-backed VMA, else 0.
    pub inum: u32,
    /// File offset of `start` for a file-backed VMA.
    pub offset: u64,
    /// Resident pages, and of them shared ones (refcount > 1).
    pub resident: u64,
    pub shared: u64,
}

impl VmaInfo {
    /// mincore byte: page is mapped.
    pub const PAGE_RESIDENT: u8 = 1;
    /// mincore byte: the frame is shared (reference count > 1, e.g. after fork).
    pub const PAGE_SHARED: u8 = 2;
    /// mincore byte: the page maps the shared zero frame.
    pub const PAGE_ZERO: u8 = 4;
    /// mincore byte: the PTE allows writes (not copy-on-write).
    pub const PAGE_WRITABLE: u8 = 8;
}

/// `struct sysinfo` (include/uapi/linux/sysinfo.h) on a 64-bit target: the fields the
/// kernel fills, at their Linux offsets; [`Sysinfo::SIZE`] bytes in all.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sysinfo {
    /// Seconds since boot (offset 0).
    pub uptime: i64,
    /// Bytes of RAM (offset 32, with mem_unit = 1).
    pub totalram: u64,
    /// Free bytes of RAM (offset 40).
    pub freeram: u64,
    /// Number of processes (offset 80).
    pub procs: u16,
}

impl Sysinfo {
    /// Size of the Linux struct.
    pub const SIZE: usize = 112;
    /// Encodes at the Linux offsets (mem_unit = 1 at offset 104).
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        b[0..8].copy_from_slice(&self.uptime.to_le_bytes());
        b[32..40].copy_from_slice(&self.totalram.to_le_bytes());
        b[40..48].copy_from_slice(&self.freeram.to_le_bytes());
        b[80..82].copy_from_slice(&self.procs.to_le_bytes());
        b[104..108].copy_from_slice(&1u32.to_le_bytes());
        b
    }
    /// Decodes the fields above.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Sysinfo {
        let u =
            |o: usize| u64::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7]]);
        let unit = u32::from_le_bytes([b[104], b[105], b[106], b[107]]).max(1) as u64;
        Sysinfo {
            uptime: u(0) as i64,
            totalram: u(32) * unit,
            freeram: u(40) * unit,
            procs: u16::from_le_bytes([b[80], b[81]]),
        }
    }
}

/// One record of [`sys::RVSIM_PROCLIST`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    /// 0 runnable, 1 running, 2 sleeping, 3 zombie, 4 swapped out by the thrashing
    /// controller.
    pub state: u32,
    /// Resident user pages.
    pub pages: u32,
    /// NUL-padded program name.
    pub name: [u8; 16],
}

/// The on-disk format of the guest file system, shared by the kernel and `mkfs`.
///
/// ```text
/// block 0      unused (boot block)
/// block 1      superblock
/// block 2..    log: header block, then nlog - 1 logged blocks (docs/fs.md)
/// then         inode table (INODES_PER_BLOCK inodes per block)
/// then         free-block bitmap (1 bit per block)
/// then         data blocks
/// ```
/// All integers are little-endian.
pub mod fs {
    /// Bytes per file-system block (two virtio sectors).
    pub const BLOCK_SIZE: usize = 1024;
    /// Superblock magic ("RVF3": the write-ahead log after the superblock, then the
    /// 128-byte inodes with mode, owner, times, symlinks of format 2).
    pub const MAGIC: u32 = 0x3346_5652;
    /// The magic of the second format ("RVF2": no log), recognised only to reject such
    /// images with a clear message (they cannot be recovered after a crash).
    pub const MAGIC_V2: u32 = 0x3246_5652;
    /// The magic of the first format ("RVFS": 64-byte inodes without mode or times),
    /// recognised only to reject such images with a clear message.
    pub const MAGIC_V1: u32 = 0x5346_5652;
    /// Block number of the superblock.
    pub const SUPERBLOCK: u32 = 1;
    /// Bytes per on-disk inode.
    pub const INODE_SIZE: usize = 128;
    pub const INODES_PER_BLOCK: usize = BLOCK_SIZE / INODE_SIZE;
    /// Direct block pointers per inode; then one single- and one double-indirect.
    pub const NDIRECT: usize = 11;
    /// Block pointers per indirect block.
    pub const NINDIRECT: usize = BLOCK_SIZE / 4;
    /// Largest file in blocks.
    pub const MAX_FILE_BLOCKS: usize = NDIRECT + NINDIRECT + NINDIRECT * NINDIRECT;
    /// Bytes per directory entry: u32 inode number + 28-byte NUL-padded name.
    pub const DIRENT_SIZE: usize = 32;
    /// Longest name in a directory entry.
    pub const NAME_MAX: usize = DIRENT_SIZE - 4;
    /// Inode number of the root directory (0 means "free entry").
    pub const ROOT_INO: u32 = 1;
    /// Inode types.
    pub const T_FREE: u16 = 0;
    pub const T_DIR: u16 = 1;
    pub const T_FILE: u16 = 2;
    /// A character device; `DiskInode::rdev` says which (`DEV_*`).
    pub const T_DEV: u16 = 3;
    /// A symbolic link: the contents are the target path.
    pub const T_SYMLINK: u16 = 4;
    /// Device numbers (`major << 8 | minor`, Linux's: mem 1, tty 5).
    pub const DEV_NULL: u32 = (1 << 8) | 3;
    pub const DEV_ZERO: u32 = (1 << 8) | 5;
    pub const DEV_URANDOM: u32 = (1 << 8) | 9;
    pub const DEV_TTY: u32 = 5 << 8;
    pub const DEV_CONSOLE: u32 = (5 << 8) | 1;
    /// The device files every image has in /dev (`mkfs` makes them).
    pub const DEVICES: [(&str, u32); 5] =
        [("null", DEV_NULL), ("zero", DEV_ZERO), ("urandom", DEV_URANDOM), ("tty", DEV_TTY), ("console", DEV_CONSOLE)];
    /// Most symbolic links followed in one path resolution (Linux's MAXSYMLINKS).
    pub const MAX_SYMLINKS: usize = 40;
    /// First block of the log (its header block; the logged blocks follow).
    pub const LOG_START: u32 = SUPERBLOCK + 1;
    /// Log header magic ("RVLG").
    pub const LOG_MAGIC: u32 = 0x474c_5652;
    /// Most blocks one commit can hold: the header (magic, count, block numbers) fits
    /// the first 512-byte sector of its block, so writing it is atomic on the disk.
    pub const LOG_MAX_BLOCKS: usize = 126;
    /// Blocks of the log area `mkfs` lays out by default: the header and 64 blocks.
    pub const LOG_DEFAULT_BLOCKS: u32 = 65;

    /// The log header (block `LOG_START`, little-endian): `magic u32, n u32,
    /// block[n] u32`. `n == 0`: no committed transaction; `n > 0`: the `n` blocks after
    /// the header are committed copies of blocks `block[0..n]`, to be installed there.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct LogHeader {
        pub magic: u32,
        pub blocks: [u32; LOG_MAX_BLOCKS],
        pub n: u32,
    }

    impl LogHeader {
        /// An empty header.
        pub fn empty() -> LogHeader {
            LogHeader { magic: LOG_MAGIC, blocks: [0; LOG_MAX_BLOCKS], n: 0 }
        }
        /// Encodes into the first 512 bytes of `b` (the rest of the block is zero).
        pub fn encode(&self, b: &mut [u8]) {
            b[..512].fill(0);
            b[0..4].copy_from_slice(&self.magic.to_le_bytes());
            b[4..8].copy_from_slice(&self.n.to_le_bytes());
            for (i, x) in self.blocks.iter().enumerate() {
                b[8 + i * 4..12 + i * 4].copy_from_slice(&x.to_le_bytes());
            }
        }
        /// Decodes from the first 512 bytes of `b`.
        pub fn decode(b: &[u8]) -> LogHeader {
            let w = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
            let mut h = LogHeader { magic: w(0), n: w(4), blocks: [0; LOG_MAX_BLOCKS] };
            for (i, x) in h.blocks.iter_mut().enumerate() {
                *x = w(8 + i * 4);
            }
            h
        }
        /// Why this header cannot be replayed on `sb`'s image, if it cannot: a bad
        /// magic, more blocks than the log holds, or a block outside the inode table,
        /// bitmap and data blocks (the only blocks a transaction changes).
        pub fn problem(&self, sb: &Superblock) -> Option<&'static str> {
            if self.magic != LOG_MAGIC {
                return Some("bad log header magic");
            }
            if self.n as usize > LOG_MAX_BLOCKS || self.n >= sb.nlog {
                return Some("log header counts more blocks than the log holds");
            }
            if self.blocks[..self.n as usize].iter().any(|&b| b < sb.inode_start || b >= sb.nblocks) {
                return Some("log header names a block outside the inode table, bitmap and data");
            }
            None
        }
    }

    /// The superblock: sizes and where each region starts (format 3: block 1, 32
    /// bytes, the fields in this order as little-endian u32).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Superblock {
        pub magic: u32,
        /// Total blocks in the image.
        pub nblocks: u32,
        /// Number of inodes.
        pub ninodes: u32,
        /// First block of the inode table.
        pub inode_start: u32,
        /// First block of the free bitmap.
        pub bmap_start: u32,
        /// First data block.
        pub data_start: u32,
        /// First block of the log (`LOG_START`) and its length in blocks (header
        /// included).
        pub log_start: u32,
        pub nlog: u32,
    }

    impl Superblock {
        /// Encodes into the first 32 bytes of `b`.
        pub fn encode(&self, b: &mut [u8]) {
            let f = [
                self.magic,
                self.nblocks,
                self.ninodes,
                self.inode_start,
                self.bmap_start,
                self.data_start,
                self.log_start,
                self.nlog,
            ];
            for (i, v) in f.iter().enumerate() {
                b[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        /// Decodes from the first 32 bytes of `b`.
        pub fn decode(b: &[u8]) -> Superblock {
            let w = |i: usize| u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
            Superblock {
                magic: w(0),
                nblocks: w(1),
                ninodes: w(2),
                inode_start: w(3),
                bmap_start: w(4),
                data_start: w(5),
                log_start: w(6),
                nlog: w(7),
            }
        }
        /// Checks the regions are ordered and inside the image.
        pub fn is_valid(&self) -> bool {
            self.magic == MAGIC
                && self.log_start == LOG_START
                && self.nlog >= 2
                && self.inode_start == self.log_start + self.nlog
                && self.inode_start < self.bmap_start
                && self.bmap_start < self.data_start
                && self.data_start < self.nblocks
                && (self.ninodes as usize).div_ceil(INODES_PER_BLOCK) as u32 <= self.bmap_start - self.inode_start
        }
    }

    // The encoded inode (see `DiskInode::encode`) must fit its slot.
    const _: () = assert!(112 <= INODE_SIZE);

    /// A timestamp: seconds since the Unix epoch and nanoseconds.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Time {
        pub sec: i64,
        pub nsec: u32,
    }

    /// An on-disk inode (128 bytes, little-endian):
    ///
    /// ```text
    ///   0 typ u16   2 nlink u16   4 size u32   8 addrs [u32; 13]
    ///  60 mode u16 (permission bits 0o7777)    62 reserved u16
    ///  64 uid u32  68 gid u32
    ///  72 atime.sec i64  80 mtime.sec i64  88 ctime.sec i64
    ///  96 atime.nsec u32 100 mtime.nsec u32 104 ctime.nsec u32
    /// 108 rdev u32 (device number of a T_DEV inode)   112..128 reserved (zero)
    /// ```
    /// A `T_SYMLINK` inode's contents are the link target (no NUL).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct DiskInode {
        pub typ: u16,
        pub nlink: u16,
        pub size: u32,
        /// NDIRECT direct blocks, then single-indirect, then double-indirect.
        pub addrs: [u32; NDIRECT + 2],
        /// Permission bits (`0o7777`); the file type is `typ`.
        pub mode: u16,
        pub uid: u32,
        pub gid: u32,
        pub atime: Time,
        pub mtime: Time,
        pub ctime: Time,
        /// Device number (`major << 8 | minor`) of a `T_DEV` inode.
        pub rdev: u32,
    }

    impl DiskInode {
        /// A fresh inode of type `typ` with permission bits `mode`, all three times `now`.
        pub fn new(typ: u16, mode: u16, now: Time) -> DiskInode {
            DiskInode { typ, nlink: 1, mode: mode & 0o7777, atime: now, mtime: now, ctime: now, ..Default::default() }
        }
        /// Encodes into `b[..INODE_SIZE]`.
        pub fn encode(&self, b: &mut [u8]) {
            b[..INODE_SIZE].fill(0);
            b[0..2].copy_from_slice(&self.typ.to_le_bytes());
            b[2..4].copy_from_slice(&self.nlink.to_le_bytes());
            b[4..8].copy_from_slice(&self.size.to_le_bytes());
            for (i, a) in self.addrs.iter().enumerate() {
                b[8 + i * 4..12 + i * 4].copy_from_slice(&a.to_le_bytes());
            }
            b[60..62].copy_from_slice(&self.mode.to_le_bytes());
            b[64..68].copy_from_slice(&self.uid.to_le_bytes());
            b[68..72].copy_from_slice(&self.gid.to_le_bytes());
            for (i, t) in [self.atime, self.mtime, self.ctime].iter().enumerate() {
                b[72 + 8 * i..80 + 8 * i].copy_from_slice(&t.sec.to_le_bytes());
                b[96 + 4 * i..100 + 4 * i].copy_from_slice(&t.nsec.to_le_bytes());
            }
            b[108..112].copy_from_slice(&self.rdev.to_le_bytes());
        }
        /// Decodes from `b[..INODE_SIZE]`.
        pub fn decode(b: &[u8]) -> DiskInode {
            let w = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
            let q = |o: usize| {
                i64::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7]])
            };
            let mut d = DiskInode {
                typ: u16::from_le_bytes([b[0], b[1]]),
                nlink: u16::from_le_bytes([b[2], b[3]]),
                size: w(4),
                mode: u16::from_le_bytes([b[60], b[61]]),
                uid: w(64),
                gid: w(68),
                atime: Time { sec: q(72), nsec: w(96) },
                mtime: Time { sec: q(80), nsec: w(100) },
                ctime: Time { sec: q(88), nsec: w(104) },
                rdev: w(108),
                ..Default::default()
            };
            for (i, a) in d.addrs.iter_mut().enumerate() {
                *a = w(8 + i * 4);
            }
            d
        }
    }
}

/// Time: the realtime clock of the machine is deterministic, like everything else
/// (`docs/os.md`): it reads [`time::BOOT_EPOCH`] at reset and advances with `mtime`.
pub mod time {
    /// Seconds since the Unix epoch at reset: 2025-01-01 00:00:00 UTC. `mkfs` stamps the
    /// files it writes with this time too.
    pub const BOOT_EPOCH: i64 = 1_735_689_600;
    pub const CLOCK_REALTIME: usize = 0;
    pub const CLOCK_MONOTONIC: usize = 1;
    pub const CLOCK_PROCESS_CPUTIME_ID: usize = 2;
    pub const CLOCK_THREAD_CPUTIME_ID: usize = 3;
    pub const CLOCK_MONOTONIC_RAW: usize = 4;
    pub const CLOCK_REALTIME_COARSE: usize = 5;
    pub const CLOCK_MONOTONIC_COARSE: usize = 6;
    pub const CLOCK_BOOTTIME: usize = 7;
    /// clock_nanosleep flag: the time is absolute.
    pub const TIMER_ABSTIME: usize = 1;
    /// utimensat's special nanosecond values.
    pub const UTIME_NOW: i64 = (1 << 30) - 1;
    pub const UTIME_OMIT: i64 = (1 << 30) - 2;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superblock_and_inode_round_trip() {
        let sb = fs::Superblock {
            magic: fs::MAGIC,
            nblocks: 4096,
            ninodes: 64,
            inode_start: 12,
            bmap_start: 20,
            data_start: 21,
            log_start: 2,
            nlog: 10,
        };
        let mut b = [0u8; 64];
        sb.encode(&mut b);
        assert_eq!(fs::Superblock::decode(&b), sb);
        assert!(sb.is_valid());
        assert!(!fs::Superblock { magic: 0, ..sb }.is_valid());
        // Too many inodes for the inode blocks.
        assert!(!fs::Superblock { ninodes: 1000, ..sb }.is_valid());
        // The inode table must follow the log.
        assert!(!fs::Superblock { nlog: 9, ..sb }.is_valid());
        let mut h = fs::LogHeader::empty();
        h.n = 2;
        h.blocks[..2].copy_from_slice(&[12, 4095]);
        let mut b = [0u8; fs::BLOCK_SIZE];
        h.encode(&mut b);
        assert_eq!(fs::LogHeader::decode(&b), h);
        assert_eq!(h.problem(&sb), None);
        h.blocks[1] = 3;
        assert!(h.problem(&sb).is_some(), "a log block cannot be installed over the log");
        h.n = 10;
        assert!(h.problem(&sb).is_some(), "more blocks than the log holds");
        let mut ino = fs::DiskInode::new(fs::T_FILE, 0o4755, fs::Time { sec: -5, nsec: 999_999_999 });
        ino.nlink = 3;
        ino.size = 123_456;
        ino.uid = 1000;
        ino.rdev = fs::DEV_ZERO;
        ino.mtime.sec = 1 << 40;
        ino.addrs[0] = 7;
        ino.addrs[fs::NDIRECT + 1] = 0xdead_beef;
        let mut b = [0u8; fs::INODE_SIZE];
        ino.encode(&mut b);
        assert_eq!(fs::DiskInode::decode(&b), ino);
    }

    #[test]
    fn stat_and_sysinfo_layouts_match_linux() {
        assert_eq!(core::mem::size_of::<stat::Stat>(), 128);
        let st =
            stat::Stat { st_ino: 5, st_mode: stat::S_IFREG | 0o644, st_size: 99, st_nlink: 1, ..Default::default() };
        let b = st.to_bytes();
        assert_eq!(u64::from_le_bytes(b[8..16].try_into().unwrap()), 5);
        assert_eq!(u32::from_le_bytes(b[16..20].try_into().unwrap()), stat::S_IFREG | 0o644);
        assert_eq!(i64::from_le_bytes(b[48..56].try_into().unwrap()), 99);
        let si = Sysinfo { uptime: 3, totalram: 1 << 27, freeram: 1 << 20, procs: 4 };
        let back = Sysinfo::from_bytes(&si.to_bytes());
        assert_eq!((back.uptime, back.totalram, back.freeram, back.procs), (3, 1 << 27, 1 << 20, 4));
    }

    #[test]
    fn syscall_names_and_errno() {
        assert_eq!(sys::name(sys::WRITE), "write");
        assert_eq!(sys::name(sys::EXECVE), "execve");
        assert_eq!(sys::name(12345), "?");
        assert_eq!(errno::describe(errno::ENOENT), "no such file or directory");
        assert_eq!(signal::exit_status(3), 0x300);
        assert_eq!(signal::signal_status(9), 9);
        assert_eq!(core::mem::size_of::<signal::SigAction>(), signal::SIGACTION_SIZE);
        assert_eq!(core::mem::size_of::<signal::StackT>(), signal::STACK_T_SIZE);
        assert_eq!(signal::frame::UCONTEXT_SIZE, 960);
        assert_eq!(signal::frame::SIZE % 8, 0);
        assert_eq!(signal::bit(signal::SIGKILL), 0x100);
        assert_eq!(signal::from_name("TERM"), Some(signal::SIGTERM));
        assert_eq!(signal::from_name("SIGCONT"), Some(signal::SIGCONT));
        assert_eq!(signal::from_name("9"), Some(signal::SIGKILL));
        assert_eq!(signal::from_name("NOPE"), None);
        assert_eq!(signal::NAMES[signal::SIGSYS - 1], "SYS");
    }
}

/// The kernel's hint channel to rvsim's event trace (`rvsim run --events`, docs/events.md):
/// the kernel executes `slti x0, rs1, BASE + code` with the subject's address in `rs1`.
/// SLTI with `rd = x0` is a HINT designated for custom use (Unprivileged 2.9, "HINT
/// Instructions"): every RISC-V hart (QEMU too) runs it as a no-op, and rvsim's event
/// tracer reads it at commit. It costs one instruction and no trap.
pub mod hint {
    /// The immediate of the first hint; codes are added to it (the 12-bit immediate
    /// leaves `BASE + 0 ..= BASE + 0xff` for hints).
    pub const BASE: i32 = 0x700;
    /// A page fault on anonymous memory (heap, stack, anonymous mapping) got a fresh
    /// zeroed frame.
    pub const PF_DEMAND_ZERO: i32 = 1;
    /// A write to a copy-on-write page got its own copy.
    pub const PF_COW_BREAK: i32 = 2;
    /// A page fault read the page back from swap.
    pub const PF_SWAP_IN: i32 = 3;
    /// A page fault mapped a page of a file (program segment or file mapping).
    pub const PF_FILE_PAGE: i32 = 4;
    /// A page fault the kernel could not resolve: the process gets SIGSEGV (or SIGBUS).
    pub const PF_SEGV: i32 = 5;
    /// A page fault that only had to fix up the page table (the page was resident: a
    /// stale TLB entry, A/D bits, a page back from the swap cache).
    pub const PF_MINOR: i32 = 6;
    /// A write to a copy-on-write page whose frame had no other owner left: the page
    /// was made writable in place, without a copy.
    pub const PF_COW_REUSE: i32 = 7;

    /// The trace name of hint `code` (the immediate minus [`BASE`]), if it is one.
    pub fn name(code: i32) -> Option<&'static str> {
        Some(match code {
            PF_DEMAND_ZERO => "demand_zero",
            PF_COW_BREAK => "cow_break",
            PF_SWAP_IN => "swap_in",
            PF_FILE_PAGE => "file_page",
            PF_SEGV => "segv",
            PF_MINOR => "minor",
            PF_COW_REUSE => "cow_reuse",
            _ => return None,
        })
    }
}
