//! faultio read FILE | faultio write FILE KIB: the disk-error workload of
//! tests/tests/faults.rs (docs/fs.md, "I/O errors"). `read` reads FILE in 1 KiB
//! pieces, reporting an error with its offset and the FNV-1a hash of the bytes read
//! before it (so the test can tell that no wrong data came back), then goes on with the
//! next piece. `write` creates FILE and writes KIB pieces of 1 KiB (a known pattern),
//! reporting each error, then fsyncs and closes it. Either way it then says it is still
//! running and exits 0: a disk error is an errno, not the end of the process.
#![no_std]
#![no_main]
use ulib::*;

/// FNV-1a over `b`, continuing from `h`.
fn fnv(mut h: u64, b: &[u8]) -> u64 {
    for &x in b {
        h = (h ^ x as u64).wrapping_mul(0x100_0000_01b3);
    }
    h
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn fsync(fd: usize) -> isize {
    syscall(abi::sys::FSYNC, fd, 0, 0)
}

fn read_mode(path: &str) -> i32 {
    let fd = open(path, abi::fcntl::O_RDONLY);
    if fd < 0 {
        println!("faultio: open {path}: {}", strerror(fd));
        return 1;
    }
    let fd = fd as usize;
    let (mut off, mut h, mut errors, mut good) = (0u64, FNV_START, 0, 0u64);
    let mut buf = [0u8; 1024];
    loop {
        let n = read(fd, &mut buf);
        if n < 0 {
            errors += 1;
            println!("faultio: read {path} at {off}: {} after {good} good bytes, hash {h:016x}", strerror(n));
            // Skip the piece that failed.
            off += buf.len() as u64;
            if lseek(fd, off as i64, 0) < 0 || errors > 4 {
                break;
            }
            continue;
        }
        if n == 0 {
            break;
        }
        if errors == 0 {
            h = fnv(h, &buf[..n as usize]);
            good += n as u64;
        }
        off += n as u64;
    }
    close(fd);
    println!("faultio: read {path}: {errors} errors, {good} good bytes first, hash {h:016x}");
    0
}

fn write_mode(path: &str, kib: usize) -> i32 {
    let flags = abi::fcntl::O_CREAT | abi::fcntl::O_TRUNC | abi::fcntl::O_WRONLY;
    let mut fd = open(path, flags);
    if fd < 0 {
        println!("faultio: create {path}: {}", strerror(fd));
        fd = open(path, flags);
        if fd < 0 {
            println!("faultio: create {path} again: {}", strerror(fd));
            println!("faultio: still running");
            return 0;
        }
    }
    let fd = fd as usize;
    let mut errors = 0;
    for i in 0..kib {
        let piece: [u8; 1024] = core::array::from_fn(|k| (i * 13 + k) as u8);
        let r = write(fd, &piece);
        if r < 0 {
            errors += 1;
            println!("faultio: write piece {i}: {}", strerror(r));
        }
    }
    let r = fsync(fd);
    println!("faultio: fsync: {}", if r < 0 { strerror(r) } else { "ok" });
    close(fd);
    println!("faultio: wrote {path}: {kib} pieces, {errors} errors");
    println!("faultio: still running");
    0
}

fn main(args: &[&str]) -> i32 {
    match (args.get(1).copied(), args.get(2), args.get(3).and_then(|a| a.parse().ok())) {
        (Some("read"), Some(p), _) => read_mode(p),
        (Some("write"), Some(p), Some(k)) => write_mode(p, k),
        _ => {
            eprintln!("usage: faultio read FILE | faultio write FILE KIB");
            2
        }
    }
}
entry!(main);
