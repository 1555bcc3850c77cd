//! vmctl: reads and sets the kernel's virtual-memory tunables at run time (like
//! sysctl), and working-set limits (like Win32 `SetProcessWorkingSetSize`).
//!
//! ```text
//! vmctl                       all tunables
//! vmctl NAME                  one tunable
//! vmctl NAME VALUE            set it (policy clock|fifo|aging|random, scope global|local,
//!                             thrash on|off, thrash.* and age_ticks numbers)
//! vmctl ws PID MIN MAX        working-set limits of PID (0 = vmctl itself) in pages;
//!                             MAX 0 = no maximum
//! ```
#![no_std]
#![no_main]
extern crate alloc;
use abi::vmctl::{NAMES, QUERY};
use ulib::*;

fn show(key: u64, v: u64) {
    let name = NAMES[key as usize];
    match key {
        abi::vmctl::POLICY => {
            println!("{name} = {}", abi::VmStat::POLICY_NAMES.get(v as usize).copied().unwrap_or("?"))
        }
        abi::vmctl::SCOPE => println!("{name} = {}", abi::vmctl::SCOPE_NAMES.get(v as usize).copied().unwrap_or("?")),
        abi::vmctl::THRASH => println!("{name} = {}", if v == 1 { "on" } else { "off" }),
        _ => println!("{name} = {v}"),
    }
}

fn usage() -> i32 {
    eprintln!("usage: vmctl [NAME [VALUE]] | vmctl ws PID MIN MAX");
    eprintln!("names: {}", NAMES.join(" "));
    2
}

fn main(args: &[&str]) -> i32 {
    match args.len() {
        1 => {
            for key in 0..NAMES.len() as u64 {
                match vmctl(key, QUERY) {
                    Ok(v) => show(key, v),
                    Err(e) => eprintln!("vmctl: {}: {}", NAMES[key as usize], strerror(e)),
                }
            }
            0
        }
        5 if args[1] == "ws" => {
            let n = |s: &str| s.parse::<u64>().ok();
            let (Some(pid), Some(min), Some(max)) = (n(args[2]), n(args[3]), n(args[4])) else { return usage() };
            let r = setws(pid as i32, min, max);
            if r < 0 {
                eprintln!("vmctl: ws {pid}: {}", strerror(r));
                return 1;
            }
            println!("pid {pid}: working set min {min} max {max}");
            0
        }
        2 | 3 => {
            let Some(key) = abi::vmctl::key_of(args[1]) else { return usage() };
            let value = match args.get(2) {
                None => QUERY,
                Some(v) => match abi::vmctl::parse_value(key, v) {
                    Some(v) => v,
                    None => return usage(),
                },
            };
            match vmctl(key, value) {
                Ok(old) if value == QUERY => show(key, old),
                Ok(_) => match vmctl(key, QUERY) {
                    Ok(new) => show(key, new),
                    Err(e) => eprintln!("vmctl: {}", strerror(e)),
                },
                Err(e) => {
                    eprintln!("vmctl: {} {}: {}", args[1], args[2], strerror(e));
                    return 1;
                }
            }
            0
        }
        _ => usage(),
    }
}
entry!(main);
