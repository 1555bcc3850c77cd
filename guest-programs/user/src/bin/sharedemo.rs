//! sharedemo: two processes share state through a MAP_SHARED file mapping. Each maps
//! /shared.dat on its own; the child's writes appear in the parent's mapping and, after
//! msync, in the file.
#![no_std]
#![no_main]
use abi::fcntl::*;
use abi::mman::*;
use ulib::*;

const PATH: &str = "/shared.dat";

fn map(fd: usize) -> usize {
    mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) as usize
}

/// `sharedemo persist`: writes a line into /persist.txt through a shared mapping and
/// exits without msync or munmap: exit writes the page back (checked after a reboot).
fn persist() -> i32 {
    let line = b"written through a shared mapping\n";
    let fd = open("/persist.txt", O_RDWR | O_CREAT | O_TRUNC);
    if fd < 0 {
        return 1;
    }
    write(fd as usize, &[b'-'; 33]);
    let p = map(fd as usize);
    if (p as isize) < 0 {
        return 1;
    }
    // SAFETY: p maps the file's page; the line fits.
    unsafe { core::ptr::copy_nonoverlapping(line.as_ptr(), p as *mut u8, line.len()) };
    println!("sharedemo: wrote /persist.txt through a mapping; exiting without msync");
    0
}

fn main(args: &[&str]) -> i32 {
    if args.get(1) == Some(&"persist") {
        return persist();
    }
    println!(
        "sharedemo: two processes mapping the same file MAP_SHARED see each other's writes (one page-cache frame)"
    );
    let fd = open(PATH, O_RDWR | O_CREAT | O_TRUNC);
    if fd < 0 {
        eprintln!("sharedemo: {}", strerror(fd));
        return 1;
    }
    let fd = fd as usize;
    write(fd, &[0u8; 4096]);
    let p = map(fd);
    if (p as isize) < 0 {
        eprintln!("sharedemo: mmap: {}", strerror(p as isize));
        return 1;
    }
    let pid = fork();
    if pid == 0 {
        // The child maps the file again, on its own.
        let fd2 = open(PATH, O_RDWR) as usize;
        let q = map(fd2);
        for i in 1..=100u64 {
            // SAFETY: q maps one page of the file, read/write, shared.
            unsafe { core::ptr::write_volatile(q as *mut u64, i) };
        }
        let msg = b"hello from the child";
        // SAFETY: as above; the message fits in the page.
        unsafe { core::ptr::copy_nonoverlapping(msg.as_ptr(), (q + 8) as *mut u8, msg.len()) };
        println!("child: counter set to 100, message written at offset 8");
        exit(0);
    }
    let mut st = 0;
    waitpid(pid, &mut st, 0);
    // SAFETY: p maps the page.
    let n = unsafe { core::ptr::read_volatile(p as *const u64) };
    let mut msg = [0u8; 20];
    // SAFETY: as above.
    unsafe { core::ptr::copy_nonoverlapping((p + 8) as *const u8, msg.as_mut_ptr(), 20) };
    println!(
        "parent: counter {} and message \"{}\" seen through its own mapping",
        n,
        core::str::from_utf8(&msg).unwrap_or("?")
    );
    msync(p, 4096, MS_SYNC);
    let mut b = [0u8; 28];
    lseek(fd, 0, SEEK_SET);
    read(fd, &mut b);
    println!(
        "file after msync: counter {} message \"{}\"",
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        core::str::from_utf8(&b[8..28]).unwrap_or("?")
    );
    munmap(p, 4096);
    close(fd);
    unlink(PATH);
    0
}
entry!(main);
