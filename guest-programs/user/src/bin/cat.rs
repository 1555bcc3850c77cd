//! cat [FILE...]: copies files (or stdin) to stdout.
#![no_std]
#![no_main]
use ulib::*;

fn copy(fd: usize) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        let n = read(fd, &mut buf);
        if n < 0 {
            eprintln!("cat: read: {}", strerror(n));
            return false;
        }
        if n == 0 {
            return true;
        }
        if write(1, &buf[..n as usize]) < 0 {
            return false;
        }
    }
}

fn main(args: &[&str]) -> i32 {
    if args.len() < 2 {
        return if copy(0) { 0 } else { 1 };
    }
    let mut rc = 0;
    for a in &args[1..] {
        let fd = open(a, abi::fcntl::O_RDONLY);
        if fd < 0 {
            eprintln!("cat: {a}: {}", strerror(fd));
            rc = 1;
            continue;
        }
        if !copy(fd as usize) {
            rc = 1;
        }
        close(fd as usize);
    }
    rc
}
entry!(main);
