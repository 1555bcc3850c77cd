//! echo ARGS...: prints its arguments separated by spaces.
#![no_std]
#![no_main]
use ulib::*;

fn main(args: &[&str]) -> i32 {
    let mut out = alloc_string(args);
    out.push('\n');
    if write(1, out.as_bytes()) < 0 {
        return 1;
    }
    0
}

fn alloc_string(args: &[&str]) -> alloc::string::String {
    let mut s = alloc::string::String::new();
    for (i, a) in args.iter().skip(1).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(a);
    }
    s
}
extern crate alloc;
entry!(main);
