//! free: prints total and free RAM and the process count (sysinfo).
#![no_std]
#![no_main]
use ulib::*;

fn main(_args: &[&str]) -> i32 {
    match sysinfo() {
        Ok(i) => {
            println!(
                "total {} KiB, free {} KiB, {} processes, up {} s",
                i.totalram / 1024,
                i.freeram / 1024,
                i.procs,
                i.uptime
            );
            0
        }
        Err(e) => {
            eprintln!("free: {}", strerror(e));
            1
        }
    }
}
entry!(main);
