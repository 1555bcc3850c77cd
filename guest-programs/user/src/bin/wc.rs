//! wc [FILE...]: counts lines, words and bytes.
#![no_std]
#![no_main]
use ulib::*;

fn count(fd: usize) -> Option<(usize, usize, usize)> {
    let (mut l, mut w, mut c) = (0, 0, 0);
    let mut inword = false;
    let mut buf = [0u8; 1024];
    loop {
        let n = read(fd, &mut buf);
        if n < 0 {
            return None;
        }
        if n == 0 {
            return Some((l, w, c));
        }
        for &b in &buf[..n as usize] {
            c += 1;
            if b == b'\n' {
                l += 1;
            }
            if b.is_ascii_whitespace() {
                inword = false;
            } else if !inword {
                inword = true;
                w += 1;
            }
        }
    }
}

fn main(args: &[&str]) -> i32 {
    if args.len() < 2 {
        return match count(0) {
            Some((l, w, c)) => {
                println!("{l} {w} {c}");
                0
            }
            None => 1,
        };
    }
    let mut rc = 0;
    for a in &args[1..] {
        let fd = open(a, abi::fcntl::O_RDONLY);
        if fd < 0 {
            eprintln!("wc: {a}: {}", strerror(fd));
            rc = 1;
            continue;
        }
        match count(fd as usize) {
            Some((l, w, c)) => println!("{l} {w} {c} {a}"),
            None => rc = 1,
        }
        close(fd as usize);
    }
    rc
}
entry!(main);
