//! usertests [NAME...]: the kernel's system-call test suite. Every test runs in a forked
//! child (a crash or failed check there fails only that test) and prints
//! `test NAME: OK`; at the end `ALL TESTS PASSED` (exit 0) or `SOME TESTS FAILED` (1).
//! Besides the working paths, the tests drive the error paths: bad pointers (EFAULT),
//! bad descriptors (EBADF), missing files, full tables, out of memory, faults that kill.
#![no_std]
#![no_main]
extern crate alloc;
use abi::errno::*;
use abi::fcntl::*;
use abi::sys as nr;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::hint::black_box;
use ulib::*;

macro_rules! check {
    ($c:expr) => {
        if !$c {
            eprintln!("  check failed: {} (line {})", stringify!($c), line!());
            exit(1);
        }
    };
}

macro_rules! eq {
    ($a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        if a != b {
            eprintln!("  {} = {:?}, expected {:?} (line {})", stringify!($a), a, b, line!());
            exit(1);
        }
    }};
}

/// Runs `f` in a child; returns the child's wait status.
fn in_child(f: impl FnOnce()) -> i32 {
    let pid = fork();
    check!(pid >= 0);
    if pid == 0 {
        f();
        exit(0);
    }
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    st
}

#[path = "../usertests_vm.rs"]
mod vmtests;

#[path = "../usertests_swap.rs"]
mod swaptests;

#[path = "../usertests_signal.rs"]
mod sigtests;

/// The kernel image's address (in the direct map of the kernel half).
const KERNEL_ADDR: usize = (abi::layout::PAGE_OFFSET + abi::mmio::RAM) as usize;
const UNMAPPED: usize = 0x3000_0000;

fn t_getpid() {
    let me = getpid();
    check!(me > 1);
    check!(getppid() >= 1);
    let st = in_child(|| {
        if getppid() != me {
            exit(3);
        }
    });
    eq!(st, 0);
    eq!(syscall(nr::GETTID, 0, 0, 0), me);
    eq!(syscall(nr::SET_TID_ADDRESS, 0, 0, 0), me);
}

fn t_console() {
    eq!(write(1, b""), 0);
    eq!(write(1, b"  console write\n"), 16);
    let mut st = abi::stat::Stat::default();
    eq!(fstat(1, &mut st), 0);
    eq!(st.st_mode & abi::stat::S_IFMT, abi::stat::S_IFCHR);
    eq!(lseek(1, 0, SEEK_SET), -ESPIPE);
}

fn t_badfd() {
    let mut b = [0u8; 4];
    eq!(read(99, &mut b), -EBADF);
    eq!(write(99, b"x"), -EBADF);
    eq!(close(99), -EBADF);
    eq!(close(usize::MAX), -EBADF);
    let mut st = abi::stat::Stat::default();
    eq!(fstat(42, &mut st), -EBADF);
    eq!(lseek(42, 0, 0), -EBADF);
    eq!(dup(42), -EBADF);
    eq!(getdents64(42, &mut [0u8; 64]), -EBADF);
    let fd = open("/README", O_RDONLY);
    check!(fd >= 0);
    eq!(write(fd as usize, b"x"), -EBADF);
    close(fd as usize);
    let fd = open("/t_wo", O_WRONLY | O_CREAT);
    check!(fd >= 0);
    eq!(read(fd as usize, &mut b), -EBADF);
    close(fd as usize);
    eq!(unlink("/t_wo"), 0);
    eq!(syscall(nr::IOCTL, 77, 0, 0), -EBADF);
    eq!(syscall(nr::IOCTL, 1, 0x5401, 0), -ENOTTY);
}

fn t_badptr() {
    eq!(syscall(nr::WRITE, 1, 1, 10), -EFAULT);
    eq!(syscall(nr::WRITE, 1, KERNEL_ADDR, 8), -EFAULT);
    eq!(syscall(nr::WRITE, 1, UNMAPPED, 8), -EFAULT);
    let fd = open("/README", O_RDONLY) as usize;
    eq!(syscall(nr::READ, fd, UNMAPPED, 10), -EFAULT);
    eq!(syscall(nr::READ, fd, KERNEL_ADDR + 0x1000, 10), -EFAULT);
    // Read into our own (read-only) code.
    eq!(syscall(nr::READ, fd, t_badptr as *const () as usize, 10), -EFAULT);
    eq!(syscall(nr::FSTAT, fd, UNMAPPED, 0), -EFAULT);
    close(fd);
    eq!(syscall(nr::OPENAT, AT_FDCWD as usize, 0x10, 0), -EFAULT);
    eq!(syscall(nr::OPENAT, AT_FDCWD as usize, KERNEL_ADDR, 0), -EFAULT);
    eq!(syscall(nr::PIPE2, UNMAPPED, 0, 0), -EFAULT);
    eq!(syscall(nr::NANOSLEEP, UNMAPPED, 0, 0), -EFAULT);
    eq!(syscall(nr::CLOCK_GETTIME, 1, UNMAPPED, 0), -EFAULT);
    eq!(syscall(nr::GETCWD, UNMAPPED, 100, 0), -EFAULT);
    eq!(syscall(nr::EXECVE, UNMAPPED, 0, 0), -EFAULT);
    let argv = [UNMAPPED, 0];
    let p = CPath::new("/bin/echo");
    eq!(syscall(nr::EXECVE, p.ptr(), argv.as_ptr() as usize, 0), -EFAULT);
    eq!(syscall(nr::EXECVE, p.ptr(), UNMAPPED, 0), -EFAULT);
    eq!(syscall(nr::UNAME, UNMAPPED, 0, 0), -EFAULT);
    eq!(syscall(nr::MKDIRAT, AT_FDCWD as usize, UNMAPPED, 0), -EFAULT);
    eq!(syscall(nr::UNLINKAT, AT_FDCWD as usize, UNMAPPED, 0), -EFAULT);
    eq!(syscall(nr::CHDIR, UNMAPPED, 0, 0), -EFAULT);
    eq!(syscall(nr::GETDENTS64, 0, UNMAPPED, 100), -ENOTDIR);
    // wait4 with a bad status pointer: EFAULT, and the child is still reaped.
    let pid = fork();
    if pid == 0 {
        exit(0);
    }
    eq!(syscall(nr::WAIT4, pid as usize, UNMAPPED, 0), -EFAULT);
    let mut st = 0;
    eq!(wait(&mut st), -ECHILD);
    // A pointer range that starts mapped and runs off the end of the stack.
    let top = abi::layout::USER_TOP as usize;
    eq!(syscall(nr::WRITE, 1, top - 4, 8), -EFAULT);
}

fn t_files() {
    let fd = open("/t_file", O_RDWR | O_CREAT | O_TRUNC);
    check!(fd >= 0);
    let fd = fd as usize;
    eq!(write(fd, b"hello world"), 11);
    eq!(lseek(fd, 0, SEEK_SET), 0);
    let mut b = [0u8; 32];
    eq!(read(fd, &mut b), 11);
    eq!(&b[..11], b"hello world");
    eq!(read(fd, &mut b), 0);
    let mut st = abi::stat::Stat::default();
    eq!(fstat(fd, &mut st), 0);
    eq!(st.st_size, 11);
    eq!(st.st_mode & abi::stat::S_IFMT, abi::stat::S_IFREG);
    eq!(lseek(fd, -5, SEEK_END), 6);
    eq!(read(fd, &mut b), 5);
    eq!(&b[..5], b"world");
    eq!(lseek(fd, -100, SEEK_CUR), -EINVAL);
    eq!(lseek(fd, 0, 7), -EINVAL);
    // Writing past the end leaves a hole of zeros.
    eq!(lseek(fd, 20, SEEK_SET), 20);
    eq!(write(fd, b"!"), 1);
    eq!(lseek(fd, 0, SEEK_SET), 0);
    eq!(read(fd, &mut b), 21);
    eq!(&b[11..20], &[0u8; 9]);
    close(fd);
    let fd = open("/t_file", O_WRONLY | O_APPEND) as usize;
    eq!(write(fd, b"++"), 2);
    close(fd);
    eq!(stat("/t_file", &mut st), 0);
    eq!(st.st_size, 23);
    let fd = open("/t_file", O_WRONLY | O_TRUNC);
    check!(fd >= 0);
    close(fd as usize);
    eq!(stat("/t_file", &mut st), 0);
    eq!(st.st_size, 0);
    eq!(unlink("/t_file"), 0);
    eq!(open("/t_file", O_RDONLY), -ENOENT);
    eq!(unlink("/t_file"), -ENOENT);
}

fn t_iovec() {
    let fd = open("/t_iov", O_RDWR | O_CREAT | O_TRUNC) as usize;
    let (a, b) = (b"hello ", b"vectored world");
    let iov = [a.as_ptr() as usize, a.len(), 0, 0, b.as_ptr() as usize, b.len()];
    eq!(syscall(nr::WRITEV, fd, iov.as_ptr() as usize, 3), 20);
    eq!(lseek(fd, 0, SEEK_SET), 0);
    let mut x = [0u8; 8];
    let mut y = [0u8; 32];
    let iov = [x.as_mut_ptr() as usize, x.len(), y.as_mut_ptr() as usize, y.len()];
    eq!(syscall(nr::READV, fd, iov.as_ptr() as usize, 2), 20);
    eq!(&x, b"hello ve");
    eq!(&y[..12], b"ctored world");
    eq!(syscall(nr::WRITEV, fd, UNMAPPED, 1), -EFAULT);
    let bad = [UNMAPPED, 10usize];
    eq!(syscall(nr::WRITEV, fd, bad.as_ptr() as usize, 1), -EFAULT);
    eq!(syscall(nr::WRITEV, 77, iov.as_ptr() as usize, 1), -EBADF);
    eq!(syscall(nr::WRITEV, fd, iov.as_ptr() as usize, 5000), -EINVAL);
    close(fd);
    eq!(unlink("/t_iov"), 0);
}

fn t_open_errors() {
    eq!(open("/no/such", O_RDONLY), -ENOENT);
    eq!(open("/nosuch", O_RDONLY), -ENOENT);
    eq!(open("/README", O_RDONLY | O_CREAT | O_EXCL), -EEXIST);
    eq!(open("/", O_WRONLY), -EISDIR);
    eq!(open("/README", O_RDONLY | O_DIRECTORY), -ENOTDIR);
    eq!(open("/README/x", O_RDONLY), -ENOTDIR);
    eq!(open("", O_RDONLY), -ENOENT);
    eq!(open("/bin", 3), -EINVAL);
    let long = "x".repeat(40);
    eq!(open(&format!("/{long}"), O_RDONLY | O_CREAT), -ENAMETOOLONG);
    let mut path = vec![b'a'; 300];
    path.push(0);
    eq!(syscall(nr::OPENAT, AT_FDCWD as usize, path.as_ptr() as usize, 0), -ENAMETOOLONG);
    let fd = open("/bin", O_RDONLY);
    check!(fd >= 0);
    eq!(read(fd as usize, &mut [0u8; 8]), -EISDIR);
    close(fd as usize);
    // /dev/console opens the console.
    let fd = open("/dev/console", O_WRONLY);
    check!(fd >= 0);
    eq!(write(fd as usize, b"  via /dev/console\n"), 19);
    close(fd as usize);
}

fn names_in(dir: &str) -> Vec<String> {
    let fd = open(dir, O_RDONLY | O_DIRECTORY);
    check!(fd >= 0);
    let mut out = Vec::new();
    let mut buf = [0u8; 200];
    loop {
        let n = getdents64(fd as usize, &mut buf);
        check!(n >= 0);
        if n == 0 {
            break;
        }
        let mut off = 0;
        while off < n as usize {
            let reclen = u16::from_le_bytes([buf[off + 16], buf[off + 17]]) as usize;
            let name = &buf[off + 19..off + reclen];
            let l = name.iter().position(|&c| c == 0).unwrap_or(name.len());
            out.push(String::from_utf8_lossy(&name[..l]).into_owned());
            off += reclen;
        }
    }
    // A buffer too small for one record is EINVAL.
    eq!(lseek(fd as usize, 0, SEEK_SET), 0);
    eq!(getdents64(fd as usize, &mut buf[..10]), -EINVAL);
    close(fd as usize);
    out
}

fn t_dirs() {
    eq!(mkdir("/t_dir"), 0);
    eq!(mkdir("/t_dir"), -EEXIST);
    eq!(mkdir("/nope/sub"), -ENOENT);
    eq!(mkdir("/README/sub"), -ENOTDIR);
    let fd = open("/t_dir/a", O_WRONLY | O_CREAT);
    check!(fd >= 0);
    close(fd as usize);
    let names = names_in("/t_dir");
    eq!(names, vec![String::from("."), String::from(".."), String::from("a")]);
    check!(names_in("/").iter().any(|n| n == "bin"));
    eq!(rmdir("/t_dir"), -ENOTEMPTY);
    eq!(unlink("/t_dir"), -EISDIR);
    eq!(rmdir("/t_dir/a"), -ENOTDIR);
    eq!(unlink("/t_dir/a"), 0);
    eq!(rmdir("/t_dir"), 0);
    let mut st = abi::stat::Stat::default();
    eq!(stat("/t_dir", &mut st), -ENOENT);
    eq!(stat("/bin", &mut st), 0);
    eq!(st.st_mode & abi::stat::S_IFMT, abi::stat::S_IFDIR);
    eq!(syscall(nr::UNLINKAT, AT_FDCWD as usize, CPath::new("/bin").ptr(), 0x1), -EINVAL);
}

fn t_cwd() {
    eq!(mkdir("/t_cd"), 0);
    eq!(chdir("/t_cd"), 0);
    let mut b = [0u8; 64];
    let n = getcwd(&mut b);
    eq!(&b[..n as usize - 1], b"/t_cd");
    let fd = open("rel", O_WRONLY | O_CREAT);
    check!(fd >= 0);
    close(fd as usize);
    let mut st = abi::stat::Stat::default();
    eq!(stat("/t_cd/rel", &mut st), 0);
    eq!(getcwd(&mut b[..3]), -ERANGE);
    eq!(chdir(".."), 0);
    let n = getcwd(&mut b);
    eq!(&b[..n as usize - 1], b"/");
    eq!(chdir("/README"), -ENOTDIR);
    eq!(chdir("/missing"), -ENOENT);
    eq!(unlink("t_cd/rel"), 0);
    eq!(rmdir("t_cd"), 0);
}

fn t_dup() {
    let fd = open("/t_dup", O_RDWR | O_CREAT | O_TRUNC) as usize;
    let fd2 = dup(fd);
    check!(fd2 >= 0 && fd2 as usize != fd);
    eq!(write(fd, b"ab"), 2);
    eq!(write(fd2 as usize, b"cd"), 2);
    eq!(lseek(fd, 0, SEEK_CUR), 4);
    eq!(syscall(nr::DUP3, fd, fd, 0), -EINVAL);
    eq!(syscall(nr::DUP3, fd, 10, 0), 10);
    eq!(syscall(nr::DUP3, fd, 99, 0), -EBADF);
    eq!(syscall(nr::DUP3, fd, 11, 0x1234), -EINVAL);
    eq!(syscall(nr::DUP3, 55, 11, 0), -EBADF);
    eq!(close(10), 0);
    close(fd2 as usize);
    // fcntl: F_DUPFD picks the lowest free fd >= the argument; FD_CLOEXEC round-trips.
    eq!(syscall(nr::FCNTL, fd, F_DUPFD, 7), 7);
    eq!(syscall(nr::FCNTL, 7, F_GETFD, 0), 0);
    eq!(syscall(nr::FCNTL, 7, F_SETFD, FD_CLOEXEC), 0);
    eq!(syscall(nr::FCNTL, 7, F_GETFD, 0), FD_CLOEXEC as isize);
    eq!(syscall(nr::FCNTL, fd, F_DUPFD_CLOEXEC, 7), 8);
    eq!(syscall(nr::FCNTL, 8, F_GETFD, 0), FD_CLOEXEC as isize);
    eq!(syscall(nr::FCNTL, fd, F_GETFL, 0), O_RDWR as isize);
    eq!(syscall(nr::FCNTL, fd, F_DUPFD, 99), -EINVAL);
    eq!(syscall(nr::FCNTL, fd, 9999, 0), -EINVAL);
    eq!(syscall(nr::FCNTL, 55, F_GETFD, 0), -EBADF);
    close(7);
    close(8);
    // execve closes close-on-exec descriptors: the child's only write end of a pipe is
    // gone as soon as it runs `sleep`, so the parent sees end-of-file while it sleeps.
    let mut p = [0i32; 2];
    eq!(pipe(&mut p), 0);
    let pid = fork();
    if pid == 0 {
        eq!(syscall(nr::FCNTL, p[1] as usize, F_DUPFD_CLOEXEC, 9), 9);
        close(p[1] as usize);
        close(p[0] as usize);
        exec("/bin/sleep", &["sleep", "300"]);
        exit(1);
    }
    close(p[1] as usize);
    let mut b = [0u8; 4];
    eq!(read(p[0] as usize, &mut b), 0);
    let mut st = 0;
    eq!(waitpid(pid, &mut st, abi::signal::WNOHANG), 0);
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st, 0);
    close(p[0] as usize);
    // Fill the table: EMFILE.
    let mut got = Vec::new();
    loop {
        let r = dup(fd);
        if r < 0 {
            eq!(r, -EMFILE);
            break;
        }
        got.push(r as usize);
        check!(got.len() <= 16);
    }
    eq!(open("/README", O_RDONLY), -EMFILE);
    for g in got {
        close(g);
    }
    close(fd);
    eq!(unlink("/t_dup"), 0);
}

fn t_pipe() {
    let mut p = [0i32; 2];
    eq!(pipe(&mut p), 0);
    let (r, w) = (p[0] as usize, p[1] as usize);
    eq!(write(w, b"abc"), 3);
    let mut b = [0u8; 16];
    eq!(read(r, &mut b), 3);
    eq!(&b[..3], b"abc");
    eq!(write(r, b"x"), -EBADF);
    eq!(read(w, &mut b), -EBADF);
    let mut st = abi::stat::Stat::default();
    eq!(fstat(r, &mut st), 0);
    eq!(st.st_mode & abi::stat::S_IFMT, abi::stat::S_IFIFO);
    eq!(lseek(r, 0, SEEK_SET), -ESPIPE);
    close(w);
    eq!(read(r, &mut b), 0);
    close(r);
    eq!(pipe(&mut p), 0);
    close(p[0] as usize);
    // (SIGPIPE would end the process: see sig_pipe.)
    eq!(ulib::sig::set_disposition(abi::signal::SIGPIPE, abi::signal::SIG_IGN), 0);
    eq!(write(p[1] as usize, b"x"), -EPIPE);
    close(p[1] as usize);
    eq!(syscall(nr::PIPE2, p.as_mut_ptr() as usize, 0x7, 0), -EINVAL);
    // A writer blocks when the pipe is full and the reader drains it.
    eq!(pipe(&mut p), 0);
    let pid = fork();
    if pid == 0 {
        close(p[0] as usize);
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        eq!(write(p[1] as usize, &data), 5000);
        exit(0);
    }
    close(p[1] as usize);
    let mut all = Vec::new();
    loop {
        let n = read(p[0] as usize, &mut b);
        check!(n >= 0);
        if n == 0 {
            break;
        }
        all.extend_from_slice(&b[..n as usize]);
    }
    eq!(all.len(), 5000);
    check!(all.iter().enumerate().all(|(i, &v)| v == (i % 251) as u8));
    let mut s = 0;
    eq!(waitpid(pid, &mut s, 0), pid);
    eq!(s, 0);
    close(p[0] as usize);
}

fn t_fork_wait() {
    let mut pids = Vec::new();
    for i in 0..5 {
        let pid = fork();
        check!(pid >= 0);
        if pid == 0 {
            exit(i);
        }
        pids.push(pid);
    }
    let mut codes = Vec::new();
    for _ in 0..5 {
        let mut st = 0;
        let p = wait(&mut st);
        check!(pids.contains(&p));
        codes.push(st >> 8);
    }
    codes.sort();
    eq!(codes, vec![0, 1, 2, 3, 4]);
    let mut st = 0;
    eq!(wait(&mut st), -ECHILD);
    eq!(waitpid(12345, &mut st, 0), -ECHILD);
    eq!(waitpid(0, &mut st, 0), -ECHILD);
    eq!(waitpid(-1, &mut st, 0x100), -EINVAL);
    let pid = fork();
    if pid == 0 {
        sleep_ms(30);
        exit(7);
    }
    eq!(waitpid(pid, &mut st, abi::signal::WNOHANG), 0);
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st, 7 << 8);
    eq!(syscall(nr::CLONE, 0x100, 0, 0), -EINVAL);
    // Memory is copied, not shared.
    let mut v = black_box(vec![1u8; 10]);
    let pid = fork();
    if pid == 0 {
        v[0] = 99;
        exit(v[0] as i32);
    }
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st, 99 << 8);
    eq!(v[0], 1);
}

fn t_exec() {
    let mut p = [0i32; 2];
    eq!(pipe(&mut p), 0);
    let pid = fork();
    if pid == 0 {
        dup2(p[1] as usize, 1);
        close(p[0] as usize);
        close(p[1] as usize);
        let r = exec("/bin/echo", &["echo", "hi", "there"]);
        exit(100 + (-r) as i32);
    }
    close(p[1] as usize);
    let mut b = [0u8; 64];
    let mut got = Vec::new();
    loop {
        let n = read(p[0] as usize, &mut b);
        if n <= 0 {
            break;
        }
        got.extend_from_slice(&b[..n as usize]);
    }
    close(p[0] as usize);
    eq!(got.as_slice(), b"hi there\n");
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st, 0);
    eq!(exec("/bin/nosuch", &["x"]), -ENOENT);
    eq!(exec("/README", &["x"]), -ENOEXEC);
    eq!(exec("/bin", &["x"]), -EACCES);
    // An ELF for another machine (x86-64) is ENOEXEC.
    let mut elf = [0u8; 128];
    elf[..4].copy_from_slice(b"\x7fELF");
    elf[4] = 2;
    elf[5] = 1;
    elf[6] = 1;
    elf[16] = 2;
    elf[18] = 62;
    elf[20] = 1;
    elf[32] = 64;
    elf[54] = 56;
    elf[56] = 1;
    let fd = open("/t_x86", O_WRONLY | O_CREAT | O_TRUNC) as usize;
    eq!(write(fd, &elf), 128);
    close(fd);
    eq!(exec("/t_x86", &["x"]), -ENOEXEC);
    // Same header claiming RISC-V but truncated program headers: still ENOEXEC.
    elf[18] = 243;
    elf[56] = 200;
    let fd = open("/t_x86", O_WRONLY | O_TRUNC) as usize;
    eq!(write(fd, &elf), 128);
    close(fd);
    eq!(exec("/t_x86", &["x"]), -ENOEXEC);
    eq!(unlink("/t_x86"), 0);
    // Too many arguments.
    let many: Vec<&str> = (0..100).map(|_| "a").collect();
    eq!(exec("/bin/echo", &many), -E2BIG);
    // The process still works after failed execs.
    check!(getpid() > 0);
}

fn t_kill() {
    let pid = fork();
    if pid == 0 {
        loop {
            black_box(0);
        }
    }
    sleep_ms(5);
    eq!(kill(pid, 9), 0);
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st & 0x7f, 9);
    // A sleeping process dies promptly.
    let pid = fork();
    if pid == 0 {
        sleep_ms(100_000);
        exit(0);
    }
    sleep_ms(5);
    let t0 = now_ns();
    eq!(kill(pid, 15), 0);
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st & 0x7f, 15);
    check!(now_ns() - t0 < 1_000_000_000);
    // A process blocked reading a pipe dies too.
    let mut p = [0i32; 2];
    eq!(pipe(&mut p), 0);
    let pid = fork();
    if pid == 0 {
        let mut b = [0u8; 1];
        read(p[0] as usize, &mut b);
        exit(0);
    }
    sleep_ms(5);
    eq!(kill(pid, 9), 0);
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st & 0x7f, 9);
    close(p[0] as usize);
    close(p[1] as usize);
    eq!(kill(99999, 9), -ESRCH);
    eq!(kill(1, 9), -EPERM);
    eq!(kill(1, 0), 0);
    eq!(kill(getpid(), 99), -EINVAL);
    eq!(kill(getpid(), 0), 0);
}

fn t_sleep() {
    let t0 = now_ns();
    eq!(sleep_ms(30), 0);
    let dt = now_ns() - t0;
    check!(dt >= 30_000_000);
    let bad = abi::Timespec { tv_sec: 0, tv_nsec: 2_000_000_000 };
    eq!(nanosleep(&bad), -EINVAL);
    let bad = abi::Timespec { tv_sec: -1, tv_nsec: 0 };
    eq!(nanosleep(&bad), -EINVAL);
    eq!(syscall(nr::CLOCK_GETTIME, 9, 0, 0), -EINVAL);
    eq!(sched_yield(), 0);
}

fn t_brk() {
    let b0 = brk(0);
    check!(b0 > 0x10000);
    let b1 = brk(b0 + 100_000);
    eq!(b1, b0 + 100_000);
    // SAFETY: [b0, b1) was just given to us by brk.
    unsafe {
        core::ptr::write_volatile((b1 - 8) as *mut u64, 0x1234);
        eq!(core::ptr::read_volatile((b1 - 8) as *const u64), 0x1234);
        core::ptr::write_volatile(b0 as *mut u8, 1);
    }
    eq!(brk(b0), b0);
    eq!(brk(1), b0);
    // The heap ends where the mmap area begins.
    eq!(brk(abi::layout::MMAP_BASE as usize + 4096), b0);
    // Touching memory above the break after shrinking kills the process.
    let st = in_child(move || {
        // SAFETY: deliberately invalid: the page was returned by brk.
        unsafe { core::ptr::write_volatile((b0 + 50_000) as *mut u8, 1) };
    });
    eq!(st & 0x7f, 11);
}

fn t_mmap() {
    use abi::mman::*;
    let p = mmap_anon(3 * 4096);
    check!(p > 0 && (p as usize).is_multiple_of(4096));
    let s = p as usize;
    // SAFETY: the mapping is ours, 3 pages, read/write.
    unsafe {
        for i in 0..3 {
            eq!(core::ptr::read_volatile((s + i * 4096) as *const u64), 0);
            core::ptr::write_volatile((s + i * 4096) as *mut u64, i as u64 + 1);
        }
        eq!(core::ptr::read_volatile((s + 8192) as *const u64), 3);
    }
    let q = mmap_anon(4096);
    check!(q > 0 && q != p);
    eq!(munmap(s + 4096, 4096), 0);
    eq!(munmap(s + 1, 4096), -EINVAL);
    eq!(munmap(s, 0), -EINVAL);
    eq!(syscall6(nr::MMAP, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0), -EINVAL);
    eq!(syscall6(nr::MMAP, 0, 4096, PROT_READ, MAP_PRIVATE, 99, 0), -EBADF);
    eq!(syscall6(nr::MMAP, 0, 4096, PROT_READ, MAP_ANONYMOUS, usize::MAX, 0), -EINVAL);
    // MAP_FIXED replaces what was there.
    let r = syscall6(
        nr::MMAP,
        s + 4096,
        4096,
        PROT_READ | PROT_WRITE,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
        usize::MAX,
        0,
    );
    eq!(r as usize, s + 4096);
    // The unmapped hole faults.
    eq!(munmap(s + 4096, 4096), 0);
    let st = in_child(move || {
        // SAFETY: deliberately invalid: the page was unmapped.
        unsafe { core::ptr::read_volatile((s + 4096) as *const u64) };
    });
    eq!(st & 0x7f, 11);
    // The rest still holds its data.
    // SAFETY: pages 0 and 2 are still mapped.
    unsafe {
        eq!(core::ptr::read_volatile(s as *const u64), 1);
        eq!(core::ptr::read_volatile((s + 8192) as *const u64), 3);
    }
    eq!(munmap(s, 3 * 4096), 0);
    // The number of mappings is bounded: ENOMEM, then everything unmaps cleanly.
    // (Alternating permissions keep neighbours from merging into one VMA.)
    let mut maps = Vec::new();
    loop {
        let prot = if maps.len() % 2 == 0 { PROT_READ } else { PROT_READ | PROT_WRITE };
        let p = syscall6(nr::MMAP, 0, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0);
        if p < 0 {
            eq!(p, -ENOMEM);
            break;
        }
        maps.push(p as usize);
        check!(maps.len() < 1000);
    }
    check!(maps.len() > 100);
    for m in maps {
        eq!(munmap(m, 4096), 0);
    }
    // Big allocations through malloc use mmap.
    let v = black_box(vec![7u8; 200_000]);
    eq!(v[199_999], 7);
}

fn t_faults() {
    // SAFETY (all below): deliberate faults in children, to check the kernel kills them.
    let st = in_child(|| unsafe { core::ptr::write_volatile(core::ptr::null_mut::<u8>(), 1) });
    eq!(st & 0x7f, 11);
    let st = in_child(|| unsafe {
        core::ptr::read_volatile(KERNEL_ADDR as *const u64);
    });
    eq!(st & 0x7f, 11);
    // RAM's physical address is an ordinary (unmapped) user address now.
    let st = in_child(|| unsafe {
        core::ptr::read_volatile(abi::mmio::RAM as *const u64);
    });
    eq!(st & 0x7f, 11);
    let st = in_child(|| unsafe { core::ptr::write_volatile(t_faults as *const () as usize as *mut u32, 0) });
    eq!(st & 0x7f, 11);
    let st = in_child(|| unsafe {
        let f: extern "C" fn() = core::mem::transmute(UNMAPPED);
        f()
    });
    eq!(st & 0x7f, 11);
    // An all-zero instruction is illegal (the first attempt enables FP, the second kills).
    let st = in_child(|| unsafe { core::arch::asm!(".word 0") });
    eq!(st & 0x7f, 4);
    let st = in_child(|| unsafe { core::arch::asm!("ebreak") });
    eq!(st & 0x7f, 5);
    let st = in_child(|| unsafe { core::arch::asm!("csrr t0, sstatus", out("t0") _) });
    eq!(st & 0x7f, 4);
    // Stack overflow by deep recursion.
    fn deep(n: u64) -> u64 {
        let a = black_box([n; 64]);
        if n == 0 {
            0
        } else {
            deep(n - 1) + a[3]
        }
    }
    let st = in_child(|| {
        black_box(deep(black_box(1_000_000)));
    });
    eq!(st & 0x7f, 11);
}

fn fp_work(seed: f64) -> f64 {
    let mut x = black_box(seed);
    let mut acc = 0.0f64;
    for i in 0..20_000 {
        x = x * 1.000_001 + 0.5;
        acc += x / (i as f64 + 1.0);
        if i % 2000 == 0 {
            sched_yield();
        }
    }
    acc
}

fn t_fp() {
    let expect: Vec<f64> = (1..=3).map(|k| fp_work(k as f64)).collect();
    let mut pids = Vec::new();
    for k in 1..=3 {
        let e = expect[k - 1];
        let pid = fork();
        if pid == 0 {
            // Several FP processes interleave; each must see its own registers.
            for _ in 0..3 {
                if fp_work(k as f64) != e {
                    exit(1);
                }
            }
            exit(0);
        }
        pids.push(pid);
    }
    for p in pids {
        let mut st = 0;
        eq!(waitpid(p, &mut st, 0), p);
        eq!(st, 0);
    }
    // Registers survive a context switch to a non-FP process.
    let a = black_box(1.5f64);
    let pid = fork();
    if pid == 0 {
        exit(0);
    }
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(black_box(a) * 2.0, 3.0);
}

fn t_preempt() {
    let pid = fork();
    if pid == 0 {
        loop {
            black_box(1);
        }
    }
    // We keep running although the child never gives up the CPU.
    let t0 = now_ns();
    let mut n = 0;
    while now_ns() - t0 < 50_000_000 {
        n += 1;
        sched_yield();
    }
    check!(n > 0);
    eq!(kill(pid, 9), 0);
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
}

fn t_oom() {
    let st = in_child(|| {
        let b0 = brk(0);
        let mut top = b0;
        loop {
            let want = top + (1 << 20);
            let got = brk(want);
            if got != want {
                eq!(got, top);
                break;
            }
            top = want;
        }
        check!(top - b0 > (16 << 20));
        // With more RAM than the heap's address range, fill the mmap area too.
        let mut mapped = 0usize;
        for size in [4 << 20, 64 << 10, 4 << 10] {
            loop {
                let p = mmap_anon(size);
                if p < 0 {
                    eq!(p, -ENOMEM);
                    break;
                }
                mapped += size;
            }
        }
        let info = sysinfo().unwrap_or_default();
        check!(info.totalram > 0);
        let used = (top - b0) + mapped;
        // brk and mmap are lazy (docs/vm.md): all that address space holds no frames,
        // so RAM is still free and a (copy-on-write) fork succeeds; only a new mapping
        // fails, for lack of address space. Running out of frames in a page fault is
        // usertests' vm_oom_fault.
        check!((info.freeram as usize) < used && info.freeram > (16 << 20));
        eq!(mmap_anon(4096), -ENOMEM);
        let pid = fork();
        check!(pid >= 0);
        if pid == 0 {
            exit(6);
        }
        let mut s6 = 0;
        eq!(waitpid(pid, &mut s6, 0), pid);
        eq!(s6, 6 << 8);
        // Give most back and fork works again.
        eq!(brk(b0), b0);
        check!(sysinfo().unwrap_or_default().freeram > (16 << 20));
        let pid = fork();
        check!(pid >= 0);
        if pid == 0 {
            exit(5);
        }
        let mut s = 0;
        eq!(waitpid(pid, &mut s, 0), pid);
        eq!(s, 5 << 8);
    });
    eq!(st, 0);
}

fn t_procs() {
    // Fill the process table: fork fails with EAGAIN, nothing breaks.
    let mut pids = Vec::new();
    loop {
        let pid = fork();
        if pid == 0 {
            sleep_ms(100_000);
            exit(0);
        }
        if pid < 0 {
            eq!(pid, -EAGAIN);
            break;
        }
        pids.push(pid);
        check!(pids.len() < 64);
    }
    check!(pids.len() >= 8);
    let mut recs = [abi::ProcInfo::default(); 40];
    let n = proclist(&mut recs);
    check!(n as usize >= pids.len());
    for &p in &pids {
        eq!(kill(p, 9), 0);
    }
    for _ in &pids {
        let mut st = 0;
        check!(wait(&mut st) > 0);
    }
}

fn t_enosys() {
    eq!(syscall(999, 0, 0, 0), -ENOSYS);
    eq!(syscall(300, 0, 0, 0), -ENOSYS);
    eq!(syscall(nr::MPROTECT, 1, 0, 0), -EINVAL);
}

fn t_bigfile() {
    let fd = open("/t_big", O_RDWR | O_CREAT | O_TRUNC);
    check!(fd >= 0);
    let fd = fd as usize;
    // 300 KB: direct, single- and double-indirect blocks.
    let chunk: Vec<u8> = (0..1000u32).map(|i| (i % 253) as u8).collect();
    for k in 0..300 {
        let mut c = chunk.clone();
        c[0] = k as u8;
        eq!(write(fd, &c), 1000);
    }
    eq!(lseek(fd, 0, SEEK_SET), 0);
    let mut b = vec![0u8; 1000];
    for k in 0..300 {
        eq!(read(fd, &mut b), 1000);
        eq!(b[0], k as u8);
        check!(b[1..] == chunk[1..]);
    }
    eq!(read(fd, &mut b), 0);
    close(fd);
    eq!(unlink("/t_big"), 0);
    // Unlinking an open file keeps it readable until the last close.
    let fd = open("/t_open", O_RDWR | O_CREAT) as usize;
    eq!(write(fd, b"still here"), 10);
    eq!(unlink("/t_open"), 0);
    eq!(lseek(fd, 0, SEEK_SET), 0);
    let mut b = [0u8; 10];
    eq!(read(fd, &mut b), 10);
    eq!(&b, b"still here");
    close(fd);
    eq!(open("/t_open", O_RDONLY), -ENOENT);
}

fn t_sysinfo() {
    let a = sysinfo().unwrap_or_default();
    check!(a.totalram >= 16 << 20);
    check!(a.freeram > 0 && a.freeram < a.totalram);
    check!(a.procs >= 2);
    // Memory taken shows up as less free RAM.
    let p = mmap_anon(1 << 20);
    check!(p > 0);
    // Pages exist once touched (mmap is lazy, docs/vm.md).
    for i in 0..256 {
        // SAFETY: inside the 1 MiB read/write mapping just made.
        unsafe { core::ptr::write_volatile((p as usize + i * 4096) as *mut u8, 1) };
    }
    let b = sysinfo().unwrap_or_default();
    check!(a.freeram - b.freeram >= 1 << 20);
    eq!(munmap(p as usize, 1 << 20), 0);
    let c = sysinfo().unwrap_or_default();
    // All of it comes back except, at most, the page-table pages created for it.
    check!(c.freeram <= a.freeram && a.freeram - c.freeram <= 2 * 4096);
    eq!(syscall(nr::SYSINFO, UNMAPPED, 0, 0), -EFAULT);
}

fn t_misc() {
    let mut u = [0u8; 390];
    eq!(syscall(nr::UNAME, u.as_mut_ptr() as usize, 0, 0), 0);
    eq!(&u[..5], b"Linux");
    eq!(&u[4 * 65..4 * 65 + 7], b"riscv64");
    eq!(auxv(abi::auxv::AT_PAGESZ), Some(4096));
    check!(auxv(abi::auxv::AT_ENTRY).is_some_and(|e| e >= 0x10000));
    check!(auxv(abi::auxv::AT_PHNUM).is_some_and(|n| n > 0));
    eq!(auxv(abi::auxv::AT_PHENT), Some(56));
    let phdr = auxv(abi::auxv::AT_PHDR).unwrap_or(0);
    check!(phdr >= 0x10000);
    // SAFETY: AT_PHDR points at our mapped program headers; p_type of the first is a u32.
    let ptype = unsafe { core::ptr::read_volatile(phdr as *const u32) };
    check!(ptype != 0);
    let r = auxv(abi::auxv::AT_RANDOM).unwrap_or(0);
    check!(r != 0);
    eq!(args()[0], "usertests");
    eq!(syscall(nr::REBOOT, 1, 2, 3), -EINVAL);
    let mut st = abi::stat::Stat::default();
    eq!(syscall6(nr::NEWFSTATAT, AT_FDCWD as usize, CPath::new("").ptr(), &mut st as *mut _ as usize, 0x1000, 0, 0), 0);
    eq!(
        syscall6(nr::NEWFSTATAT, AT_FDCWD as usize, CPath::new("").ptr(), &mut st as *mut _ as usize, 0, 0, 0),
        -ENOENT
    );
}

fn write_file(path: &str, data: &[u8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
    check!(fd >= 0);
    eq!(write(fd as usize, data), data.len() as isize);
    close(fd as usize);
}

fn t_shell() {
    write_file(
        "/t_sh.sh",
        b"# a comment\necho one two > /t_sh_out\necho three >> /t_sh_out\ncat < /t_sh_out | wc > /t_sh_wc\nmkdir /t_sh_d\ncd /t_sh_d\necho bg > f &\nnosuchprogram\nexit 3\necho not reached > /t_sh_bad\n",
    );
    let pid = fork();
    if pid == 0 {
        let r = exec("/bin/sh", &["sh", "/t_sh.sh"]);
        exit(100 + (-r) as i32);
    }
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st, 3 << 8);
    let out = read_file("/t_sh_out").unwrap_or_default();
    eq!(out.as_slice(), b"one two\nthree\n");
    let wc = read_file("/t_sh_wc").unwrap_or_default();
    eq!(wc.as_slice(), b"2 3 14\n");
    let mut s = abi::stat::Stat::default();
    eq!(stat("/t_sh_bad", &mut s), -ENOENT);
    // The background job finishes on its own.
    let mut waited = 0;
    while read_file("/t_sh_d/f").unwrap_or_default().as_slice() != b"bg\n" {
        check!(waited < 2000);
        sleep_ms(10);
        waited += 10;
    }
    for f in ["/t_sh.sh", "/t_sh_out", "/t_sh_wc", "/t_sh_d/f"] {
        eq!(unlink(f), 0);
    }
    eq!(rmdir("/t_sh_d"), 0);
}

fn t_concurrent() {
    // Several processes use the file system and pipes at once, preempted by the timer.
    let mut pids = Vec::new();
    for k in 0..6u8 {
        let pid = fork();
        check!(pid >= 0);
        if pid == 0 {
            let name = format!("/t_conc{k}");
            let fd = open(&name, O_RDWR | O_CREAT | O_TRUNC);
            check!(fd >= 0);
            let fd = fd as usize;
            let chunk = [k; 700];
            for i in 0..30 {
                eq!(write(fd, &chunk), 700);
                if i % 7 == 0 {
                    sched_yield();
                }
            }
            eq!(lseek(fd, 0, SEEK_SET), 0);
            let mut b = [0u8; 700];
            for _ in 0..30 {
                eq!(read(fd, &mut b), 700);
                check!(b.iter().all(|&x| x == k));
            }
            close(fd);
            eq!(unlink(&name), 0);
            exit(0);
        }
        pids.push(pid);
    }
    // A ping-pong over two pipes alongside.
    let (mut a, mut b) = ([0i32; 2], [0i32; 2]);
    eq!(pipe(&mut a), 0);
    eq!(pipe(&mut b), 0);
    let pid = fork();
    if pid == 0 {
        let mut x = [0u8; 1];
        for _ in 0..200 {
            eq!(read(a[0] as usize, &mut x), 1);
            x[0] = x[0].wrapping_add(1);
            eq!(write(b[1] as usize, &x), 1);
        }
        exit(0);
    }
    let mut x = [0u8; 1];
    for i in 0..200u32 {
        x[0] = i as u8;
        eq!(write(a[1] as usize, &x), 1);
        eq!(read(b[0] as usize, &mut x), 1);
        eq!(x[0], (i as u8).wrapping_add(1));
    }
    pids.push(pid);
    for p in pids {
        let mut st = 0;
        eq!(waitpid(p, &mut st, 0), p);
        eq!(st, 0);
    }
    for fd in [a[0], a[1], b[0], b[1]] {
        close(fd as usize);
    }
}

const TESTS: &[(&str, fn())] = &[
    ("getpid", t_getpid),
    ("console", t_console),
    ("badfd", t_badfd),
    ("badptr", t_badptr),
    ("files", t_files),
    ("iovec", t_iovec),
    ("open_errors", t_open_errors),
    ("dirs", t_dirs),
    ("cwd", t_cwd),
    ("dup", t_dup),
    ("pipe", t_pipe),
    ("fork_wait", t_fork_wait),
    ("exec", t_exec),
    ("kill", t_kill),
    ("sleep", t_sleep),
    ("brk", t_brk),
    ("mmap", t_mmap),
    ("faults", t_faults),
    ("fp", t_fp),
    ("preempt", t_preempt),
    ("oom", t_oom),
    ("procs", t_procs),
    ("enosys", t_enosys),
    ("bigfile", t_bigfile),
    ("sysinfo", t_sysinfo),
    ("misc", t_misc),
    ("shell", t_shell),
    ("concurrent", t_concurrent),
];

fn main(args: &[&str]) -> i32 {
    let only = &args[1..];
    let mut failed = Vec::new();
    for (name, f) in TESTS.iter().chain(sigtests::TESTS).chain(vmtests::TESTS).chain(swaptests::TESTS) {
        if !only.is_empty() && !only.contains(name) {
            continue;
        }
        let pid = fork();
        if pid < 0 {
            println!("test {name}: FAILED (fork: {})", strerror(pid));
            failed.push(*name);
            continue;
        }
        if pid == 0 {
            f();
            exit(0);
        }
        let mut st = 0;
        let w = waitpid(pid, &mut st, 0);
        if w == pid && st == 0 {
            println!("test {name}: OK");
        } else {
            println!("test {name}: FAILED (status {st:#x})");
            failed.push(*name);
        }
    }
    if failed.is_empty() {
        println!("ALL TESTS PASSED");
        0
    } else {
        println!("SOME TESTS FAILED: {failed:?}");
        1
    }
}
entry!(main);
