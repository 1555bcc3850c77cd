//! ps: lists processes (pid, parent, state, resident pages, name).
#![no_std]
#![no_main]
use ulib::*;

fn main(_args: &[&str]) -> i32 {
    let mut recs = [abi::ProcInfo::default(); 32];
    let n = proclist(&mut recs);
    if n < 0 {
        eprintln!("ps: {}", strerror(n));
        return 1;
    }
    println!("  PID  PPID STATE    PAGES NAME");
    for r in &recs[..n as usize] {
        let state =
            ["runnable", "running", "sleeping", "zombie", "swapped"].get(r.state as usize).copied().unwrap_or("?");
        let len = r.name.iter().position(|&c| c == 0).unwrap_or(16);
        let name = core::str::from_utf8(&r.name[..len]).unwrap_or("?");
        println!("{:>5} {:>5} {:<8} {:>5} {}", r.pid, r.ppid, state, r.pages, name);
    }
    0
}
entry!(main);
