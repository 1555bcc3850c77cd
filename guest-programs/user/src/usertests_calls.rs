//! usertests for the system calls of `guest-os/src/calls/` (docs/os.md): ids, umask,
//! prctl, symbolic and hard links, rename, modes and times, device files, truncate,
//! poll/select with timeouts, non-blocking pipes, clocks and clock_nanosleep, terminal
//! ioctls, sendfile, statfs — with their error paths (EFAULT, EBADF, EINVAL, ELOOP...).

use abi::errno::*;
use abi::fcntl::*;
use abi::stat::*;
use abi::sys as nr;
use ulib::*;

const BAD: usize = 0x3000_0000;
const FDCWD: usize = AT_FDCWD as usize;

fn p(s: &str) -> CPath {
    CPath::new(s)
}

fn lstat(path: &str, st: &mut Stat) -> isize {
    let c = p(path);
    syscall6(nr::NEWFSTATAT, FDCWD, c.ptr(), st as *mut Stat as usize, AT_SYMLINK_NOFOLLOW as usize, 0, 0)
}

fn mode_of(path: &str) -> u32 {
    let mut st = Stat::default();
    eq!(stat(path, &mut st), 0);
    st.st_mode
}

fn t_ids() {
    eq!(syscall(nr::GETUID, 0, 0, 0), 0);
    eq!(syscall(nr::GETEGID, 0, 0, 0), 0);
    eq!(syscall(nr::GETGROUPS, 0, 0, 0), 0);
    let groups = [5u32, 7];
    eq!(syscall(nr::SETGROUPS, 2, groups.as_ptr() as usize, 0), 0);
    let mut got = [0u32; 4];
    eq!(syscall(nr::GETGROUPS, 4, got.as_mut_ptr() as usize, 0), 2);
    eq!(&got[..2], &groups);
    eq!(syscall(nr::GETGROUPS, 1, got.as_mut_ptr() as usize, 0), -EINVAL);
    eq!(syscall(nr::GETGROUPS, 4, BAD, 0), -EFAULT);
    // Root may become anyone; then only its own ids are allowed.
    eq!(syscall(nr::SETRESUID, 1000, 1001, 0), 0);
    let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
    eq!(
        syscall(nr::GETRESUID, &mut r as *mut u32 as usize, &mut e as *mut u32 as usize, &mut s as *mut u32 as usize),
        0
    );
    eq!((r, e, s), (1000, 1001, 0));
    eq!(syscall(nr::SETUID, 0, 0, 0), 0); // the saved id is 0: allowed (effective only)
    eq!(syscall(nr::GETEUID, 0, 0, 0), 0);
    eq!(syscall(nr::SETRESUID, 1000, 1000, 1000), 0);
    eq!(syscall(nr::SETUID, 0, 0, 0), -EPERM);
    eq!(syscall(nr::SETGROUPS, 0, 0, 0), -EPERM);
    eq!(syscall(nr::GETRESUID, BAD, BAD, BAD), -EFAULT);
}

fn t_umask() {
    eq!(syscall(nr::UMASK, 0o077, 0, 0), 0o022);
    let fd = open("/t_um", O_WRONLY | O_CREAT);
    check!(fd >= 0);
    close(fd as usize);
    eq!(mode_of("/t_um"), S_IFREG | 0o600);
    eq!(mkdir("/t_umd"), 0);
    eq!(mode_of("/t_umd") & 0o777, 0o700);
    eq!(syscall(nr::UMASK, 0o022, 0, 0), 0o077);
    eq!(unlink("/t_um"), 0);
    eq!(rmdir("/t_umd"), 0);
}

fn t_prctl() {
    let name = b"renamed\0";
    eq!(syscall(nr::PRCTL, 15, name.as_ptr() as usize, 0), 0);
    let mut got = [0u8; 16];
    eq!(syscall(nr::PRCTL, 16, got.as_mut_ptr() as usize, 0), 0);
    eq!(&got[..8], name);
    eq!(syscall(nr::PRCTL, 15, BAD, 0), -EFAULT);
    eq!(syscall(nr::PRCTL, 9999, 0, 0), -EINVAL);
    eq!(syscall(nr::PRCTL, 3, 0, 0), 1);
}

fn t_symlinks() {
    let (t, l) = (p("/README"), p("/t_ln"));
    eq!(syscall(nr::SYMLINKAT, t.ptr(), FDCWD, l.ptr()), 0);
    eq!(syscall(nr::SYMLINKAT, t.ptr(), FDCWD, l.ptr()), -EEXIST);
    let mut buf = [0u8; 32];
    eq!(syscall6(nr::READLINKAT, FDCWD, l.ptr(), buf.as_mut_ptr() as usize, 32, 0, 0), 7);
    eq!(&buf[..7], b"/README");
    eq!(syscall6(nr::READLINKAT, FDCWD, l.ptr(), buf.as_mut_ptr() as usize, 3, 0, 0), 3);
    eq!(syscall6(nr::READLINKAT, FDCWD, l.ptr(), BAD, 32, 0, 0), -EFAULT);
    eq!(syscall6(nr::READLINKAT, FDCWD, t.ptr(), buf.as_mut_ptr() as usize, 32, 0, 0), -EINVAL);
    eq!(syscall6(nr::READLINKAT, FDCWD, l.ptr(), buf.as_mut_ptr() as usize, 0, 0, 0), -EINVAL);
    let (mut a, mut b) = (Stat::default(), Stat::default());
    eq!(stat("/t_ln", &mut a), 0);
    eq!(stat("/README", &mut b), 0);
    eq!(a.st_ino, b.st_ino);
    eq!(lstat("/t_ln", &mut a), 0);
    eq!(a.st_mode & S_IFMT, S_IFLNK);
    eq!(a.st_size, 7);
    // Opening through the link reads the target; O_NOFOLLOW refuses it.
    let fd = open("/t_ln", O_RDONLY);
    check!(fd >= 0);
    eq!(read(fd as usize, &mut buf[..4]), 4);
    close(fd as usize);
    eq!(open("/t_ln", O_RDONLY | O_NOFOLLOW), -ELOOP);
    // A loop and a dangling link.
    let lp = p("/t_loop");
    eq!(syscall(nr::SYMLINKAT, lp.ptr(), FDCWD, lp.ptr()), 0);
    eq!(open("/t_loop", O_RDONLY), -ELOOP);
    eq!(open("/t_loop/x", O_RDONLY), -ELOOP);
    let (m, d) = (p("/missing"), p("/t_dang"));
    eq!(syscall(nr::SYMLINKAT, m.ptr(), FDCWD, d.ptr()), 0);
    eq!(open("/t_dang", O_RDONLY), -ENOENT);
    // A relative link to a directory, followed in the middle of a path.
    let (bin, lb) = (p("bin"), p("/t_bin"));
    eq!(syscall(nr::SYMLINKAT, bin.ptr(), FDCWD, lb.ptr()), 0);
    eq!(stat("/t_bin/sh", &mut a), 0);
    eq!(syscall(nr::SYMLINKAT, BAD, FDCWD, lb.ptr()), -EFAULT);
    for f in ["/t_ln", "/t_loop", "/t_dang", "/t_bin"] {
        eq!(unlink(f), 0);
    }
    eq!(stat("/README", &mut a), 0);
}

fn t_rename_link() {
    let fd = open("/t_a", O_WRONLY | O_CREAT) as usize;
    eq!(write(fd, b"aaa"), 3);
    close(fd);
    let fd = open("/t_b", O_WRONLY | O_CREAT) as usize;
    close(fd);
    let (a, b, c) = (p("/t_a"), p("/t_b"), p("/t_c"));
    let rn = |x: &CPath, y: &CPath, fl: usize| syscall6(nr::RENAMEAT2, FDCWD, x.ptr(), FDCWD, y.ptr(), fl, 0);
    eq!(rn(&a, &b, RENAME_NOREPLACE as usize), -EEXIST);
    eq!(rn(&a, &b, 4), -EINVAL); // RENAME_WHITEOUT: not supported
    eq!(rn(&a, &c, 0), 0);
    eq!(open("/t_a", O_RDONLY), -ENOENT);
    eq!(rn(&c, &b, 0), 0); // replaces t_b
    let mut st = Stat::default();
    eq!(stat("/t_b", &mut st), 0);
    eq!(st.st_size, 3);
    eq!(rn(&a, &c, 0), -ENOENT);
    // Hard links.
    eq!(syscall6(nr::LINKAT, FDCWD, b.ptr(), FDCWD, c.ptr(), 0, 0), 0);
    eq!(stat("/t_b", &mut st), 0);
    eq!(st.st_nlink, 2);
    eq!(syscall6(nr::LINKAT, FDCWD, b.ptr(), FDCWD, c.ptr(), 0, 0), -EEXIST);
    let bin = p("/bin");
    eq!(syscall6(nr::LINKAT, FDCWD, bin.ptr(), FDCWD, a.ptr(), 0, 0), -EPERM);
    eq!(syscall6(nr::LINKAT, FDCWD, b.ptr(), FDCWD, c.ptr(), 0x8000, 0), -EINVAL);
    eq!(unlink("/t_b"), 0);
    eq!(stat("/t_c", &mut st), 0);
    eq!(st.st_nlink, 1);
    eq!(unlink("/t_c"), 0);
    // Directories: moved with their "..", never into themselves.
    eq!(mkdir("/t_d1"), 0);
    eq!(mkdir("/t_d1/sub"), 0);
    eq!(mkdir("/t_d2"), 0);
    let (d1, sub, d2, d2x) = (p("/t_d1"), p("/t_d1/sub"), p("/t_d2"), p("/t_d2/x"));
    eq!(rn(&d1, &p("/t_d1/sub/in"), 0), -EINVAL);
    eq!(rn(&d2, &p("/README"), 0), -ENOTDIR);
    eq!(rn(&sub, &d2x, 0), 0);
    eq!(chdir("/t_d2/x/.."), 0);
    let mut cwd = [0u8; 64];
    check!(getcwd(&mut cwd) > 0);
    check!(cwd.starts_with(b"/t_d2\0"));
    eq!(chdir("/"), 0);
    eq!(rn(&d1, &d2, 0), -ENOTEMPTY);
    eq!(rmdir("/t_d2/x"), 0);
    eq!(rn(&d1, &d2, 0), 0);
    eq!(rmdir("/t_d2"), 0);
    eq!(syscall6(nr::RENAMEAT2, FDCWD, BAD, FDCWD, d2.ptr(), 0, 0), -EFAULT);
}

fn t_attrs() {
    let fd = open("/t_at", O_WRONLY | O_CREAT) as usize;
    let f = p("/t_at");
    eq!(syscall6(nr::FCHMODAT, FDCWD, f.ptr(), 0o4751, 0, 0, 0), 0);
    eq!(mode_of("/t_at"), S_IFREG | 0o4751);
    eq!(syscall(nr::FCHMOD, fd, 0o640, 0), 0);
    eq!(mode_of("/t_at"), S_IFREG | 0o640);
    eq!(syscall(nr::FCHMOD, 99, 0o640, 0), -EBADF);
    eq!(syscall6(nr::FCHOWNAT, FDCWD, f.ptr(), 12, 34, 0, 0), 0);
    let mut st = Stat::default();
    eq!(stat("/t_at", &mut st), 0);
    eq!((st.st_uid, st.st_gid), (12, 34));
    eq!(syscall(nr::FCHOWN, fd, u32::MAX as usize, 56), 0);
    eq!(stat("/t_at", &mut st), 0);
    eq!((st.st_uid, st.st_gid), (12, 56));
    // utimensat: explicit times, UTIME_OMIT, bad nanoseconds, NULL = now.
    let times: [i64; 4] = [1_000_000, 5, 2_000_000, 7];
    eq!(syscall6(nr::UTIMENSAT, FDCWD, f.ptr(), times.as_ptr() as usize, 0, 0, 0), 0);
    eq!(stat("/t_at", &mut st), 0);
    eq!((st.st_atime, st.st_atime_nsec, st.st_mtime, st.st_mtime_nsec), (1_000_000, 5, 2_000_000, 7));
    let omit: [i64; 4] = [0, abi::time::UTIME_OMIT, 3_000_000, 0];
    eq!(syscall6(nr::UTIMENSAT, FDCWD, f.ptr(), omit.as_ptr() as usize, 0, 0, 0), 0);
    eq!(stat("/t_at", &mut st), 0);
    eq!((st.st_atime, st.st_mtime), (1_000_000, 3_000_000));
    let bad: [i64; 4] = [0, 1_000_000_000, 0, 0];
    eq!(syscall6(nr::UTIMENSAT, FDCWD, f.ptr(), bad.as_ptr() as usize, 0, 0, 0), -EINVAL);
    eq!(syscall6(nr::UTIMENSAT, FDCWD, f.ptr(), BAD, 0, 0, 0), -EFAULT);
    eq!(syscall6(nr::UTIMENSAT, FDCWD, f.ptr(), 0, 0, 0, 0), 0);
    eq!(stat("/t_at", &mut st), 0);
    check!(st.st_mtime >= abi::time::BOOT_EPOCH);
    // Writes move mtime forward.
    eq!(syscall6(nr::UTIMENSAT, FDCWD, f.ptr(), times.as_ptr() as usize, 0, 0, 0), 0);
    eq!(write(fd, b"x"), 1);
    eq!(stat("/t_at", &mut st), 0);
    check!(st.st_mtime >= abi::time::BOOT_EPOCH);
    // faccessat: root reads anything, executes only with an x bit.
    eq!(syscall(nr::FACCESSAT, FDCWD, f.ptr(), 4 | 2), 0);
    eq!(syscall(nr::FACCESSAT, FDCWD, f.ptr(), 1), -EACCES);
    eq!(syscall(nr::FACCESSAT, FDCWD, p("/bin/sh").ptr(), 1), 0);
    eq!(syscall(nr::FACCESSAT, FDCWD, p("/nope").ptr(), 0), -ENOENT);
    eq!(syscall(nr::FACCESSAT, FDCWD, f.ptr(), 8), -EINVAL);
    eq!(syscall6(nr::FACCESSAT2, FDCWD, f.ptr(), 0, 0x8000, 0, 0), -EINVAL);
    close(fd);
    eq!(unlink("/t_at"), 0);
}

fn t_devices() {
    let n = open("/dev/null", O_RDWR) as usize;
    let mut b = [7u8; 32];
    eq!(read(n, &mut b), 0);
    eq!(write(n, b"gone"), 4);
    let mut st = Stat::default();
    eq!(fstat(n, &mut st), 0);
    eq!(st.st_mode & S_IFMT, S_IFCHR);
    eq!(st.st_rdev, abi::fs::DEV_NULL as u64);
    close(n);
    let z = open("/dev/zero", O_RDONLY) as usize;
    eq!(read(z, &mut b), 32);
    eq!(b, [0u8; 32]);
    eq!(syscall(nr::READ, z, BAD, 8), -EFAULT);
    close(z);
    let r = open("/dev/urandom", O_RDONLY) as usize;
    let mut c = [0u8; 32];
    eq!(read(r, &mut b), 32);
    eq!(read(r, &mut c), 32);
    check!(b != c && b != [0u8; 32]);
    close(r);
    eq!(stat("/dev/tty", &mut st), 0);
    eq!(st.st_rdev, abi::fs::DEV_TTY as u64);
    let t = open("/dev/tty", O_WRONLY);
    check!(t >= 0);
    close(t as usize);
}

fn t_truncate() {
    let fd = open("/t_tr", O_RDWR | O_CREAT) as usize;
    let data = [9u8; 3000];
    eq!(write(fd, &data), 3000);
    eq!(syscall(nr::FTRUNCATE, fd, 1500, 0), 0);
    let mut st = Stat::default();
    eq!(fstat(fd, &mut st), 0);
    eq!(st.st_size, 1500);
    eq!(syscall(nr::FTRUNCATE, fd, 4000, 0), 0);
    let mut b = [1u8; 4000];
    eq!(lseek(fd, 0, SEEK_SET), 0);
    eq!(read(fd, &mut b), 4000);
    check!(b[..1500].iter().all(|&x| x == 9) && b[1500..].iter().all(|&x| x == 0));
    let f = p("/t_tr");
    eq!(syscall(nr::TRUNCATE, f.ptr(), 10, 0), 0);
    eq!(fstat(fd, &mut st), 0);
    eq!(st.st_size, 10);
    eq!(syscall(nr::FTRUNCATE, fd, usize::MAX, 0), -EINVAL);
    let ro = open("/t_tr", O_RDONLY) as usize;
    eq!(syscall(nr::FTRUNCATE, ro, 0, 0), -EINVAL);
    eq!(syscall(nr::TRUNCATE, p("/bin").ptr(), 0, 0), -EISDIR);
    eq!(syscall(nr::FSYNC, fd, 0, 0), 0);
    eq!(syscall(nr::FSYNC, 99, 0, 0), -EBADF);
    // pread/pwrite at an offset leave the file offset alone.
    eq!(syscall6(nr::PWRITE64, fd, b"xy".as_ptr() as usize, 2, 4, 0, 0), 2);
    let mut two = [0u8; 2];
    eq!(syscall6(nr::PREAD64, ro, two.as_mut_ptr() as usize, 2, 4, 0, 0), 2);
    eq!(&two, b"xy");
    eq!(lseek(ro, 0, SEEK_CUR), 0);
    close(ro);
    close(fd);
    eq!(unlink("/t_tr"), 0);
}

fn pollfd(fd: i32, events: u16) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[0..4].copy_from_slice(&fd.to_le_bytes());
    b[4..6].copy_from_slice(&events.to_le_bytes());
    b
}

fn t_poll() {
    let mut fds = [-1i32; 2];
    eq!(pipe(&mut fds), 0);
    let mut pf = pollfd(fds[0], 1);
    // Empty pipe, 50 ms: times out with 0 after at least 50 ms.
    let tmo: [i64; 2] = [0, 50_000_000];
    let t0 = now_ns();
    eq!(syscall6(nr::PPOLL, pf.as_mut_ptr() as usize, 1, tmo.as_ptr() as usize, 0, 0, 0), 0);
    check!(now_ns() - t0 >= 50_000_000);
    eq!(u16::from_le_bytes([pf[6], pf[7]]), 0);
    eq!(write(fds[1] as usize, b"z"), 1);
    eq!(syscall6(nr::PPOLL, pf.as_mut_ptr() as usize, 1, tmo.as_ptr() as usize, 0, 0, 0), 1);
    eq!(u16::from_le_bytes([pf[6], pf[7]]), 1);
    // A bad descriptor is POLLNVAL; bad pointers and sizes are errors.
    let mut nv = pollfd(99, 1);
    eq!(syscall6(nr::PPOLL, nv.as_mut_ptr() as usize, 1, 0, 0, 0, 0), 1);
    eq!(u16::from_le_bytes([nv[6], nv[7]]), 0x20);
    eq!(syscall6(nr::PPOLL, BAD, 1, 0, 0, 0, 0), -EFAULT);
    eq!(syscall6(nr::PPOLL, pf.as_mut_ptr() as usize, 1 << 20, 0, 0, 0, 0), -EINVAL);
    let badt: [i64; 2] = [0, -1];
    eq!(syscall6(nr::PPOLL, pf.as_mut_ptr() as usize, 1, badt.as_ptr() as usize, 0, 0, 0), -EINVAL);
    // A child writes after 30 ms: poll without a timeout wakes for it.
    let mut q = [-1i32; 2];
    eq!(pipe(&mut q), 0);
    let pid = fork();
    if pid == 0 {
        sleep_ms(30);
        write(q[1] as usize, b"w");
        exit(0);
    }
    let mut qf = pollfd(q[0], 1);
    eq!(syscall6(nr::PPOLL, qf.as_mut_ptr() as usize, 1, 0, 0, 0, 0), 1);
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    // pselect6: the read end is ready, the set is rewritten.
    let mut rset = [0u64; 1];
    rset[0] = 1 << fds[0];
    eq!(syscall6(nr::PSELECT6, fds[0] as usize + 1, rset.as_mut_ptr() as usize, 0, 0, tmo.as_ptr() as usize, 0), 1);
    eq!(rset[0], 1 << fds[0]);
    let mut b = [0u8; 1];
    eq!(read(fds[0] as usize, &mut b), 1);
    rset[0] = 1 << fds[0];
    eq!(syscall6(nr::PSELECT6, fds[0] as usize + 1, rset.as_mut_ptr() as usize, 0, 0, tmo.as_ptr() as usize, 0), 0);
    eq!(rset[0], 0);
    rset[0] = 1 << 15;
    eq!(syscall6(nr::PSELECT6, 16, rset.as_mut_ptr() as usize, 0, 0, tmo.as_ptr() as usize, 0), -EBADF);
}

fn t_nonblock() {
    let mut fds = [-1i32; 2];
    eq!(syscall(nr::PIPE2, fds.as_mut_ptr() as usize, O_NONBLOCK as usize, 0), 0);
    let mut b = [0u8; 4];
    eq!(read(fds[0] as usize, &mut b), -EAGAIN);
    check!(syscall(nr::FCNTL, fds[0] as usize, F_GETFL, 0) as u32 & O_NONBLOCK != 0);
    eq!(syscall(nr::FCNTL, fds[0] as usize, F_SETFL, 0), 0);
    eq!(syscall(nr::FCNTL, fds[0] as usize, F_GETFL, 0) as u32 & O_NONBLOCK, 0);
    // A full non-blocking pipe takes what fits, then EAGAIN.
    eq!(syscall(nr::FCNTL, fds[1] as usize, F_SETFL, O_NONBLOCK as usize), 0);
    let big = [1u8; 8192];
    let n = write(fds[1] as usize, &big);
    check!(n > 0 && (n as usize) < big.len());
    eq!(write(fds[1] as usize, &big), -EAGAIN);
    // FIONBIO does the same through ioctl.
    let on: i32 = 1;
    eq!(syscall(nr::IOCTL, fds[0] as usize, 0x5421, &on as *const i32 as usize), 0);
    check!(syscall(nr::FCNTL, fds[0] as usize, F_GETFL, 0) as u32 & O_NONBLOCK != 0);
    let mut avail: i32 = 0;
    eq!(syscall(nr::IOCTL, fds[0] as usize, 0x541b, &mut avail as *mut i32 as usize), 0);
    eq!(avail as isize, n);
}

fn t_clocks() {
    let mut ts = [0i64; 2];
    for clk in [0usize, 1, 2, 4, 5, 6, 7] {
        eq!(syscall(nr::CLOCK_GETTIME, clk, ts.as_mut_ptr() as usize, 0), 0);
    }
    eq!(syscall(nr::CLOCK_GETTIME, 0, ts.as_mut_ptr() as usize, 0), 0);
    check!(ts[0] >= abi::time::BOOT_EPOCH);
    eq!(syscall(nr::CLOCK_GETTIME, 99, ts.as_mut_ptr() as usize, 0), -EINVAL);
    eq!(syscall(nr::CLOCK_GETTIME, 1, BAD, 0), -EFAULT);
    eq!(syscall(nr::CLOCK_GETRES, 1, ts.as_mut_ptr() as usize, 0), 0);
    check!(ts[0] == 0 && ts[1] > 0);
    let mut tv = [0i64; 2];
    eq!(syscall(nr::GETTIMEOFDAY, tv.as_mut_ptr() as usize, 0, 0), 0);
    check!(tv[0] >= abi::time::BOOT_EPOCH && tv[1] < 1_000_000);
    // clock_nanosleep: relative 30 ms, then absolute 20 ms ahead on CLOCK_MONOTONIC.
    let req: [i64; 2] = [0, 30_000_000];
    let t0 = now_ns();
    eq!(syscall6(nr::CLOCK_NANOSLEEP, 1, 0, req.as_ptr() as usize, 0, 0, 0), 0);
    check!(now_ns() - t0 >= 30_000_000);
    let target = now_ns() + 20_000_000;
    let abs: [i64; 2] = [(target / 1_000_000_000) as i64, (target % 1_000_000_000) as i64];
    eq!(syscall6(nr::CLOCK_NANOSLEEP, 1, 1, abs.as_ptr() as usize, 0, 0, 0), 0);
    check!(now_ns() >= target);
    // A time in the past returns at once.
    let past: [i64; 2] = [0, 1];
    eq!(syscall6(nr::CLOCK_NANOSLEEP, 1, 1, past.as_ptr() as usize, 0, 0, 0), 0);
    eq!(syscall6(nr::CLOCK_NANOSLEEP, 1, 2, req.as_ptr() as usize, 0, 0, 0), -EINVAL);
    eq!(syscall6(nr::CLOCK_NANOSLEEP, 2, 0, req.as_ptr() as usize, 0, 0, 0), -EINVAL);
    eq!(syscall6(nr::CLOCK_NANOSLEEP, 1, 0, BAD, 0, 0, 0), -EFAULT);
    let bad: [i64; 2] = [0, 2_000_000_000];
    eq!(syscall6(nr::CLOCK_NANOSLEEP, 1, 0, bad.as_ptr() as usize, 0, 0, 0), -EINVAL);
    let mut tms = [1u64; 4];
    check!(syscall(nr::TIMES, tms.as_mut_ptr() as usize, 0, 0) > 0);
    let mut ru = [1u8; 144];
    eq!(syscall(nr::GETRUSAGE, 0, ru.as_mut_ptr() as usize, 0), 0);
    eq!(syscall(nr::GETRUSAGE, 5, ru.as_mut_ptr() as usize, 0), -EINVAL);
}

fn t_tty() {
    let mut ws = [0u16; 4];
    eq!(syscall(nr::IOCTL, 1, 0x5413, ws.as_mut_ptr() as usize), 0);
    eq!((ws[0], ws[1]), (24, 80));
    let mut t = [0u8; 36];
    eq!(syscall(nr::IOCTL, 1, 0x5401, t.as_mut_ptr() as usize), 0);
    let lflag = u32::from_le_bytes([t[12], t[13], t[14], t[15]]);
    check!(lflag & 0o2 != 0); // ICANON
    eq!(syscall(nr::IOCTL, 1, 0x5402, t.as_ptr() as usize), 0);
    let mut fds = [-1i32; 2];
    eq!(pipe(&mut fds), 0);
    eq!(syscall(nr::IOCTL, fds[0] as usize, 0x5413, ws.as_mut_ptr() as usize), -ENOTTY);
    eq!(syscall(nr::IOCTL, 1, 0x5413, BAD), -EFAULT);
}

fn t_sendfile() {
    let mut fds = [-1i32; 2];
    eq!(pipe(&mut fds), 0);
    let f = open("/README", O_RDONLY) as usize;
    let mut off: i64 = 2;
    eq!(syscall6(nr::SENDFILE, fds[1] as usize, f, &mut off as *mut i64 as usize, 10, 0, 0), 10);
    eq!(off, 12);
    eq!(lseek(f, 0, SEEK_CUR), 0);
    let mut a = [0u8; 10];
    eq!(read(fds[0] as usize, &mut a), 10);
    let mut b = [0u8; 12];
    eq!(read(f, &mut b), 12);
    eq!(&a, &b[2..12]);
    eq!(syscall6(nr::SENDFILE, fds[1] as usize, f, 0, 5, 0, 0), 5);
    eq!(lseek(f, 0, SEEK_CUR), 17);
    eq!(syscall6(nr::SENDFILE, f, fds[0] as usize, 0, 5, 0, 0), -EBADF);
    eq!(syscall6(nr::SENDFILE, 99, f, 0, 5, 0, 0), -EBADF);
    eq!(syscall6(nr::SENDFILE, fds[1] as usize, f, BAD, 5, 0, 0), -EFAULT);
}

fn t_statfs() {
    let mut b = [0u64; 15];
    eq!(syscall(nr::STATFS, p("/").ptr(), b.as_mut_ptr() as usize, 0), 0);
    eq!(b[0], abi::fs::MAGIC as u64);
    eq!(b[1], 1024);
    check!(b[2] > b[3] && b[3] > 0);
    eq!(syscall(nr::FSTATFS, 1, b.as_mut_ptr() as usize, 0), 0);
    eq!(syscall(nr::STATFS, p("/nope").ptr(), b.as_mut_ptr() as usize, 0), -ENOENT);
    eq!(syscall(nr::STATFS, p("/").ptr(), BAD, 0), -EFAULT);
    // fchdir to an open directory: getcwd follows.
    let d = open("/bin", O_RDONLY | O_DIRECTORY) as usize;
    eq!(syscall(nr::FCHDIR, d, 0, 0), 0);
    let mut cwd = [0u8; 16];
    check!(getcwd(&mut cwd) > 0);
    check!(cwd.starts_with(b"/bin\0"));
    let f = open("/README", O_RDONLY) as usize;
    eq!(syscall(nr::FCHDIR, f, 0, 0), -ENOTDIR);
}

/// RVSIM_VMCTL/RVSIM_SETWS: nonsense values are refused, and without root only queries
/// and one's own working-set limits are allowed (issue: any process could set any pid's
/// limits and the global thrashing knobs to 1.8e19).
fn t_vm_knobs() {
    use abi::vmctl::{QUERY, THRASH_BOUND};
    const HUGE: usize = 18_000_000_000_000_000_000;
    let before = syscall(nr::RVSIM_VMCTL, THRASH_BOUND as usize, QUERY as usize, 0);
    eq!(before >= 0, true);
    eq!(syscall(nr::RVSIM_VMCTL, THRASH_BOUND as usize, HUGE, 0), -EINVAL);
    eq!(syscall(nr::RVSIM_VMCTL, THRASH_BOUND as usize, QUERY as usize, 0), before);
    eq!(syscall(nr::RVSIM_SETWS, 0, HUGE, 0), -EINVAL);
    eq!(syscall(nr::RVSIM_SETWS, 0, 10, 5), -EINVAL);
    let pid = fork();
    if pid == 0 {
        let code = if syscall(nr::SETUID, 1000, 0, 0) != 0 {
            10
        } else if syscall(nr::RVSIM_VMCTL, THRASH_BOUND as usize, QUERY as usize, 0) != before {
            11
        } else if syscall(nr::RVSIM_VMCTL, THRASH_BOUND as usize, before as usize, 0) != -EPERM {
            12
        } else if syscall(nr::RVSIM_SETWS, 1, 0, 0) != -EPERM {
            13
        } else if syscall(nr::RVSIM_SETWS, 0, 0, 0) != 0 {
            14
        } else {
            0
        };
        exit(code);
    }
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st, 0);
}

pub const TESTS: &[(&str, fn())] = &[
    ("vm_knobs", t_vm_knobs),
    ("ids", t_ids),
    ("umask", t_umask),
    ("prctl", t_prctl),
    ("symlinks", t_symlinks),
    ("rename_link", t_rename_link),
    ("attrs", t_attrs),
    ("devices", t_devices),
    ("truncate", t_truncate),
    ("poll", t_poll),
    ("nonblock", t_nonblock),
    ("clocks", t_clocks),
    ("tty", t_tty),
    ("sendfile", t_sendfile),
    ("statfs", t_statfs),
];
