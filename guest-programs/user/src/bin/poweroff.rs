//! poweroff [CODE]: stops the machine; CODE (default 0) becomes the emulator's exit status.
#![no_std]
#![no_main]
use ulib::*;

fn main(args: &[&str]) -> i32 {
    let code = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    let r = poweroff(code);
    eprintln!("poweroff: {}", strerror(r));
    1
}
entry!(main);
