//! init (pid 1): runs `/etc/autorun` with the shell and powers off if that file exists
//! (used by automated tests; the shell's exit status becomes the machine's); otherwise starts an interactive shell on the console,
//! restarting it when it exits, and reaps orphans.
#![no_std]
#![no_main]
use ulib::*;

fn main(_args: &[&str]) -> i32 {
    let mut st = abi::stat::Stat::default();
    let autorun = stat("/etc/autorun", &mut st) == 0;
    loop {
        let pid = fork();
        if pid < 0 {
            eprintln!("init: fork: {}", strerror(pid));
            sleep_ms(1000);
            continue;
        }
        if pid == 0 {
            let r = if autorun { exec("/bin/sh", &["sh", "/etc/autorun"]) } else { exec("/bin/sh", &["sh"]) };
            eprintln!("init: exec /bin/sh: {}", strerror(r));
            exit(1);
        }
        let mut status = 0;
        loop {
            let w = wait(&mut status);
            if w == pid || w < 0 {
                break;
            }
        }
        if autorun {
            let code = if status & 0x7f != 0 { 128 + (status & 0x7f) } else { (status >> 8) & 0xff };
            println!("init: autorun finished (status {code}), powering off");
            poweroff(code as u32);
        }
        println!("init: shell exited, restarting");
    }
}
entry!(main);
