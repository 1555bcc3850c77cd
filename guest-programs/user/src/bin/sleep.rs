//! sleep MS: sleeps for MS milliseconds (nanosleep).
#![no_std]
#![no_main]
use ulib::*;

fn main(args: &[&str]) -> i32 {
    let Some(ms) = args.get(1).and_then(|a| a.parse::<u64>().ok()) else {
        eprintln!("usage: sleep MILLISECONDS");
        return 2;
    };
    let r = sleep_ms(ms);
    if r < 0 {
        eprintln!("sleep: {}", strerror(r));
        return 1;
    }
    0
}
entry!(main);
