//! ls [DIR...]: lists directory entries with type, size and inode.
#![no_std]
#![no_main]
use ulib::*;

fn list(path: &str) -> i32 {
    let fd = open(path, abi::fcntl::O_RDONLY | abi::fcntl::O_DIRECTORY);
    if fd < 0 {
        // Not a directory: show the file itself.
        let mut st = abi::stat::Stat::default();
        let r = stat(path, &mut st);
        if r < 0 {
            eprintln!("ls: {path}: {}", strerror(r));
            return 1;
        }
        println!("{:<20} {:>8}", path, st.st_size);
        return 0;
    }
    let mut buf = [0u8; 1024];
    loop {
        let n = getdents64(fd as usize, &mut buf);
        if n < 0 {
            eprintln!("ls: {path}: {}", strerror(n));
            close(fd as usize);
            return 1;
        }
        if n == 0 {
            break;
        }
        let mut off = 0usize;
        while off < n as usize {
            let rec = &buf[off..];
            let ino = u64::from_le_bytes(rec[0..8].try_into().unwrap_or([0; 8]));
            let reclen = u16::from_le_bytes([rec[16], rec[17]]) as usize;
            let typ = rec[18];
            let name_bytes = &rec[19..reclen];
            let nl = name_bytes.iter().position(|&c| c == 0).unwrap_or(name_bytes.len());
            let name = core::str::from_utf8(&name_bytes[..nl]).unwrap_or("?");
            let mut full = alloc::string::String::from(path);
            if !full.ends_with('/') {
                full.push('/');
            }
            full.push_str(name);
            let mut st = abi::stat::Stat::default();
            let size = if stat(&full, &mut st) == 0 { st.st_size } else { -1 };
            let t = if typ == abi::stat::DT_DIR { 'd' } else { '-' };
            println!("{t} {:<20} {:>8} {:>4}", name, size, ino);
            off += reclen.max(1);
        }
    }
    close(fd as usize);
    0
}

fn main(args: &[&str]) -> i32 {
    if args.len() < 2 {
        return list(".");
    }
    let mut rc = 0;
    for a in &args[1..] {
        rc |= list(a);
    }
    rc
}
extern crate alloc;
entry!(main);
