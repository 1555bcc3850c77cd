//! crashload [ITERATIONS]: a metadata-heavy file-system workload for the crash test
//! (tests/tests/crash.rs, docs/fs.md): in a loop it makes directories, creates and
//! writes files (some large enough for several log transactions and the indirect
//! block), fsyncs them, renames them over older ones (in a directory and across
//! directories), unlinks, keeps an unlinked file open while writing to it (an orphan),
//! and removes scratch trees.
//!
//! Files under `/c/d0` .. `/c/d3` are *tracked*: before each tracked operation it prints
//! its intent, and after the operation and an fsync (of the file, or of the directory
//! for rename/unlink) have returned it prints `D`. A test that cuts the run short knows
//! from the console which tracked state is durable:
//!
//! ```text
//! W PATH SIZE HASH   about to create PATH with SIZE bytes whose FNV-1a hash is HASH
//! R OLD NEW          about to rename OLD to NEW (replacing NEW if it exists)
//! U PATH             about to unlink PATH
//! D                  the operation announced last is done and durable
//! ```
//! Everything else (`/c/t*`, `/c/o*`) is churn with no durability claim.
#![no_std]
#![no_main]
extern crate alloc;
use abi::fcntl::*;
use abi::sys;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use ulib::*;

/// FNV-1a (64-bit), the hash `mkfs --check --list` prints.
fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The contents of the file written in iteration `i`: sizes from 1 byte to 40 KiB
/// (past the 11 direct blocks and the 16-block transaction bound every 7th time).
fn contents(i: u32) -> Vec<u8> {
    let size = if i % 7 == 3 { 20_000 + (i as usize * 977) % 20_000 } else { 1 + (i as usize * 1237) % 5000 };
    (0..size).map(|k| (i as usize * 31 + k * 7 + (k >> 8)) as u8).collect()
}

fn fsync(fd: usize) -> isize {
    syscall(sys::FSYNC, fd, 0, 0)
}

fn rename(old: &str, new: &str) -> isize {
    let (o, n) = (CPath::new(old), CPath::new(new));
    syscall6(sys::RENAMEAT, AT_FDCWD as usize, o.ptr(), AT_FDCWD as usize, n.ptr(), 0, 0)
}

/// Fsyncs directory `dir` (the durability barrier after rename and unlink).
fn sync_dir(dir: &str) {
    let fd = open(dir, O_RDONLY | O_DIRECTORY);
    if fd < 0 {
        fail("open dir", dir, fd);
    }
    let r = fsync(fd as usize);
    if r < 0 {
        fail("fsync dir", dir, r);
    }
    close(fd as usize);
}

fn fail(what: &str, path: &str, r: isize) -> ! {
    println!("crashload: {what} {path}: {}", strerror(r));
    exit(1)
}

/// Writes `data` to a new file at `path` in pieces of varying size, then fsyncs it.
fn write_file(path: &str, data: &[u8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
    if fd < 0 {
        fail("create", path, fd);
    }
    let mut off = 0;
    let mut piece = 700;
    while off < data.len() {
        let n = piece.min(data.len() - off);
        let w = write(fd as usize, &data[off..off + n]);
        if w <= 0 {
            fail("write", path, w);
        }
        off += w as usize;
        piece = piece * 3 % 9000 + 100;
    }
    let r = fsync(fd as usize);
    if r < 0 {
        fail("fsync", path, r);
    }
    close(fd as usize);
}

fn main(args: &[&str]) -> i32 {
    let n: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(40);
    let _ = mkdir("/c");
    // An unlinked file kept open across iterations (an orphan at a crash).
    let mut orphan: Option<usize> = None;
    for i in 0..n {
        let j = i % 4;
        let dir = format!("/c/d{j}");
        let r = mkdir(&dir);
        if r < 0 && r != -abi::errno::EEXIST {
            fail("mkdir", &dir, r);
        }
        // Churn: a scratch tree with a file, made now and removed at the end.
        let t = format!("/c/t{i}");
        let _ = mkdir(&t);
        let _ = mkdir(&format!("{t}/sub"));
        write_file(&format!("{t}/sub/a"), &contents(i + 1000)[..300]);
        // Tracked: a new file, then renamed over an older one.
        let data = contents(i);
        let new = format!("{dir}/n{i}");
        println!("W {new} {} {:016x}", data.len(), fnv1a(&data));
        write_file(&new, &data);
        println!("D");
        let keep = format!("{dir}/k{}", i % 3);
        println!("R {new} {keep}");
        let r = rename(&new, &keep);
        if r < 0 {
            fail("rename", &new, r);
        }
        sync_dir(&dir);
        println!("D");
        if i % 3 == 2 {
            let victim = format!("{dir}/k{}", (i + 1) % 3);
            let mut st = abi::stat::Stat::default();
            if stat(&victim, &mut st) == 0 {
                println!("U {victim}");
                let r = unlink(&victim);
                if r < 0 {
                    fail("unlink", &victim, r);
                }
                sync_dir(&dir);
                println!("D");
            }
        }
        if i % 4 == 1 {
            // Across directories: the file moves to the next one.
            let from = format!("{dir}/k{}", i % 3);
            let to = format!("/c/d{}/m{i}", (j + 1) % 4);
            let mut st = abi::stat::Stat::default();
            if stat(&format!("/c/d{}", (j + 1) % 4), &mut st) == 0 {
                println!("R {from} {to}");
                let r = rename(&from, &to);
                if r < 0 {
                    fail("rename", &from, r);
                }
                sync_dir(&dir);
                println!("D");
            }
        }
        if i % 5 == 0 {
            if let Some(fd) = orphan.take() {
                close(fd);
            }
            let o = format!("/c/o{i}");
            let fd = open(&o, O_RDWR | O_CREAT | O_TRUNC);
            if fd >= 0 {
                let _ = unlink(&o);
                let _ = write(fd as usize, &contents(i + 2000));
                orphan = Some(fd as usize);
            }
        }
        let _ = unlink(&format!("{t}/sub/a"));
        let _ = rmdir(&format!("{t}/sub"));
        let _ = rmdir(&t);
    }
    if let Some(fd) = orphan {
        close(fd);
    }
    let s: String = format!("crashload: done, {n} iterations");
    println!("{s}");
    0
}
entry!(main);
