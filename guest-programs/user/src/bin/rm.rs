//! rm [-d] PATH...: removes files (with -d, empty directories).
#![no_std]
#![no_main]
use ulib::*;

fn main(args: &[&str]) -> i32 {
    let dirs = args.get(1) == Some(&"-d");
    let paths = if dirs { &args[2..] } else { args.get(1..).unwrap_or(&[]) };
    if paths.is_empty() {
        eprintln!("usage: rm [-d] PATH...");
        return 2;
    }
    let mut rc = 0;
    for p in paths {
        let mut r = unlink(p);
        if r == -abi::errno::EISDIR && dirs {
            r = rmdir(p);
        }
        if r < 0 {
            eprintln!("rm: {p}: {}", strerror(r));
            rc = 1;
        }
    }
    rc
}
entry!(main);
