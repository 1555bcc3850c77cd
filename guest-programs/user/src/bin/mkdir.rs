//! mkdir DIR...: creates directories.
#![no_std]
#![no_main]
use ulib::*;

fn main(args: &[&str]) -> i32 {
    if args.len() < 2 {
        eprintln!("usage: mkdir DIR...");
        return 2;
    }
    let mut rc = 0;
    for a in &args[1..] {
        let r = mkdir(a);
        if r < 0 {
            eprintln!("mkdir: {a}: {}", strerror(r));
            rc = 1;
        }
    }
    rc
}
entry!(main);
