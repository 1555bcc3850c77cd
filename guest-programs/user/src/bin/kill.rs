//! kill [-SIG] PID...: sends a signal (default SIGTERM). SIG is a number or a name
//! (`INT`, `SIGSTOP`, ...); a negative PID is a process group.
#![no_std]
#![no_main]
use ulib::*;

fn main(args: &[&str]) -> i32 {
    let mut sig = abi::signal::SIGTERM;
    let mut rest = args.get(1..).unwrap_or(&[]);
    if let Some(s) = rest.first().and_then(|a| a.strip_prefix('-')) {
        match abi::signal::from_name(s) {
            Some(n) => sig = n,
            None => {
                eprintln!("kill: bad signal {s}");
                return 2;
            }
        }
        rest = &rest[1..];
    }
    if rest.is_empty() {
        eprintln!("usage: kill [-SIG] PID...");
        return 2;
    }
    let mut rc = 0;
    for p in rest {
        match p.parse::<isize>() {
            Ok(pid) => {
                let r = kill(pid, sig);
                if r < 0 {
                    eprintln!("kill: {pid}: {}", strerror(r));
                    rc = 1;
                }
            }
            Err(_) => {
                eprintln!("kill: bad pid {p}");
                rc = 1;
            }
        }
    }
    rc
}
entry!(main);
