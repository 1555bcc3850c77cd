//! The guest shell (`guest-programs/user/src/bin/sh.rs`): quoting, `;`, `&&`, `||`, `$?`,
//! `cd`, `exit N`, redirections and pipes, and background jobs that are reaped (no
//! zombie in `ps` after `sleep 1 &` has finished). A script runs as /etc/autorun under
//! init on rvsim; the expected output is written out by hand.
//!
//! Needs `make os` (kernel, user programs, target/release/mkfs).
mod common;

use common::os::{boot, images};
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};

const SCRIPT: &str = r#"echo 'single  quoted' "double $? quoted" back\ slash
false ; echo status $?
/bin/nosuch; echo "after missing: $?"
echo a && echo b || echo c
false && echo no || echo yes
true || echo no; echo end
echo "a|b;c&d" 'x > y' # a comment
echo '$?' "$?" $?
cd /bin && ls | wc
cd /; echo hi > /f; echo more >> /f; cat < /f
cd /nonexistent || echo "cd failed: $?"
sleep 1 &
sleep 2
ps
echo 'unterminated
sh /sub.sh; echo "sub status $?"
exit 3
echo notreached
"#;

/// Run by the script above as `sh /sub.sh`: its exit status is the parent's `$?`.
const SUB: &str = "echo in sub\nexit 42\n";

#[test]
fn shell_quoting_lists_status_and_reaping() {
    let imgs = images("shell", &["echo", "ls", "wc", "cat", "sleep", "ps"], SCRIPT, 0);
    // The sub-script, added next to the others.
    let sub = imgs.dir.join("sub.sh");
    std::fs::write(&sub, SUB).expect("sub.sh");
    let fs2 = imgs.dir.join("fs2.img");
    let g = common::guest_dir();
    let mut cmd = std::process::Command::new(common::os::built("target/release/mkfs"));
    cmd.arg(&fs2);
    for p in ["init", "sh", "echo", "ls", "wc", "cat", "sleep", "ps"] {
        cmd.arg(format!("/bin/{p}={}", g.join(p).display()));
    }
    cmd.arg(format!("/etc/autorun={}", imgs.dir.join("autorun").display()));
    cmd.arg(format!("/sub.sh={}", sub.display()));
    assert!(cmd.status().expect("mkfs").success());
    let (_, console) = boot(128 << 20, &[&fs2], None);
    let want = [
        "single  quoted double 0 quoted back slash",
        "status 1",
        "sh: /bin/nosuch: no such file or directory",
        "after missing: 127",
        "a",
        "b",
        "yes",
        "end",
        "a|b;c&d x > y",
        "$? 0 0",
    ];
    let start = console.find("single  quoted").expect("the script ran");
    let lines: Vec<&str> = console[start..].lines().collect();
    assert_eq!(&lines[..want.len()], &want, "\n{console}");
    let rest = &lines[want.len()..];
    // ls of /bin piped to wc: ".", ".." and 8 programs, four fields a line.
    assert!(rest[0].starts_with("10 40 "), "{:?}", rest[0]);
    assert_eq!(rest[1..3], ["hi", "more"]);
    assert!(rest[3].starts_with("cd: /nonexistent: "), "{:?}", rest[3]);
    assert_eq!(rest[4], "cd failed: 1");
    assert!(rest[5].starts_with('[') && rest[5].ends_with(']'), "background job's pid: {:?}", rest[5]);
    // ps after `sleep 2`: the `sleep 1 &` job has ended and was reaped.
    let ps: Vec<&str> = rest.iter().skip(6).take_while(|l| !l.starts_with("sh: unterminated")).copied().collect();
    assert!(ps[0].contains("PID"), "{ps:?}");
    assert!(!ps.iter().any(|l| l.contains("zombie") || l.ends_with(" sleep")), "a job left behind: {ps:?}");
    assert!(console.contains("sh: unterminated '\n"), "{console}");
    assert!(console.contains("in sub\nsub status 42\n"), "{console}");
    assert!(console.contains("init: autorun finished (status 3)"), "exit 3 ends the script: {console}");
    assert!(!console.contains("notreached"), "{console}");
}

/// Runs `m` until the console shows `n` prompts (`$ `), at most `limit` instructions.
fn run_to_prompt(m: &mut Machine, n: usize, limit: u64) {
    while m.bus.dev.uart.output.windows(2).filter(|w| w == b"$ ").count() < n {
        assert!(m.cycles() < limit, "no prompt {n}:\n{}", String::from_utf8_lossy(&m.bus.dev.uart.output));
        let next = m.cycles() + 5_000_000;
        let out = m.run(Some(next), &mut NoTrace);
        assert_eq!(out, Outcome::InstructionLimit, "{}", String::from_utf8_lossy(&m.bus.dev.uart.output));
    }
}

#[test]
fn interactive_shell_reaps_a_background_job_that_ended_while_it_waited_for_input() {
    // No /etc/autorun: init keeps an interactive shell on the console.
    let dir = std::env::temp_dir().join(format!("rvsim-shell-int-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let img = dir.join("fs.img");
    let g = common::guest_dir();
    let mut cmd = std::process::Command::new(common::os::built("target/release/mkfs"));
    cmd.arg(&img);
    for p in ["init", "sh", "sleep", "ps", "poweroff"] {
        cmd.arg(format!("/bin/{p}={}", g.join(p).display()));
    }
    assert!(cmd.status().expect("mkfs").success());
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    let k = std::fs::read(common::os::built("target/riscv64gc-unknown-none-elf/release/kernel")).expect("kernel");
    m.load_elf(&k).expect("load kernel");
    m.attach_drive(&img, false).expect("disk");
    let limit = 4_000_000_000;
    run_to_prompt(&mut m, 1, limit);
    m.bus.dev.uart.inject(b"sleep 1 &\n");
    run_to_prompt(&mut m, 2, limit);
    // Idle at the prompt for well over a second of guest time: the job ends meanwhile.
    let t0 = m.cycles();
    let out = m.run(Some(t0 + 300_000_000), &mut NoTrace);
    assert_eq!(out, Outcome::InstructionLimit);
    m.bus.dev.uart.inject(b"ps\n");
    run_to_prompt(&mut m, 3, limit);
    m.bus.dev.uart.inject(b"poweroff\n");
    let out = m.run(Some(m.cycles() + 200_000_000), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "");
    let _ = std::fs::remove_dir_all(&dir);
    println!("{console}");
    assert_eq!(out, Outcome::Exit(0), "poweroff ends the run");
    let ps = &console[console.find("PID").expect("ps ran")..];
    let ps = &ps[..ps.find("$ ").unwrap_or(ps.len())];
    assert!(ps.contains(" ps"), "{ps}");
    assert!(!ps.contains("zombie") && !ps.lines().any(|l| l.ends_with(" sleep")), "the job was not reaped:\n{ps}");
}
