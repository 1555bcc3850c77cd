//! Debian's `busybox-static` (trixie, riscv64) runs unmodified on the guest OS: a
//! battery of `busybox sh` scripts (shell syntax and the core applets) runs on rvsim
//! and, as the oracle, under `qemu-riscv64` (QEMU user mode: real Linux semantics) with
//! the same binary; each check's output must be the same on both.
//!
//! On the guest, the applets are symbolic links in /bb to /bin/busybox (made by
//! `mkfs --symlink`); on the host, /bb's counterpart holds one-line wrappers that run
//! `qemu-riscv64 busybox APPLET` (the host has no binfmt handler for RISC-V). Every check
//! runs in a fresh directory with relative paths only, so the two runs see the same
//! names. Checks marked `needs signals` (trap, kill, `sleep & wait` with kill) run in a
//! boot of their own with a smaller budget, so that a regression in signal delivery
//! (busybox's `wait` then spins on rt_sigsuspend) fails fast; every check must pass.
//!
//! The busybox package comes from `tests/debian/fetch busybox-static` (cached); without
//! it, or without `qemu-riscv64` (`make test` installs qemu-user), the test says why and
//! skips, except under CI=true, where it fails. The kernel's log of unimplemented
//! system calls is printed at the end.
mod common;

use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A check: name, whether it needs signal delivery, and the script.
struct Check {
    name: &'static str,
    needs_signals: bool,
    script: &'static str,
}

const fn c(name: &'static str, script: &'static str) -> Check {
    Check { name, needs_signals: false, script }
}

const fn sig(name: &'static str, script: &'static str) -> Check {
    Check { name, needs_signals: true, script }
}

/// The battery. Outputs avoid what legitimately differs between the two machines:
/// dates of files, inode and block numbers, owners' names, the environment.
const CHECKS: &[Check] = &[
    c("echo-vars", "x=1; y=\"$x two\"; echo \"$y\" '$y' $((x + 41))"),
    c("exit-status", "false; echo $?; true; echo $?; (exit 7); echo $?"),
    c("and-or", "true && echo and; false || echo or; false && echo no; true || echo no; echo end"),
    c("pipes", "printf 'b\\na\\nc\\n' | sort | tr a-z A-Z | head -2"),
    c("subshell", "x=out; (x=in; echo $x); echo $x; echo $(echo nested $(echo deep))"),
    c("redirections", "echo one > f; echo two >> f; cat < f; cat nonexist 2> err; cat err; echo x 1>&2 2>/dev/null"),
    c("here-doc", "v=expanded; cat <<EOF\nline $v\n  indented\nEOF\ncat <<'Q'\nraw $v\nQ"),
    c("functions", "f() { echo \"f:$1:$#\"; return 3; }; f a b; echo rc=$?; g() { local l=in; echo $l; }; g"),
    c("loops-case", "for i in 1 2 3; do case $i in 2) echo two;; *) echo other $i;; esac; done; n=0; while [ $n -lt 3 ]; do n=$((n+1)); done; echo $n"),
    c("test-brackets", "[ -d . ] && echo dir; [ -f nofile ] || echo nofile; test 3 -gt 2 && echo gt; [ abc = abc ] && echo eq; [ -z '' ] && echo empty"),
    c("cp-mv-rm", "echo data > a; cp a b; mv b c; cat c; ls; rm a c; ls; echo gone"),
    c("mkdir-rmdir", "mkdir -p x/y/z; ls -R x; rmdir x/y/z x/y; ls x; rmdir x; ls"),
    c("symlinks", "echo target > t; ln -s t l; cat l; readlink l; ln -s l l2; cat l2; ln -s missing dangling; cat dangling; echo rc=$?; ls"),
    c("symlink-dirs", "mkdir -p d/sub; echo in > d/sub/f; ln -s d/sub s; cat s/f; cd s; pwd -P | sed 's,.*/,,'; cd ..; ln -s self self 2>&1; cat self/x; echo rc=$?"),
    c("hard-links", "echo x > a; ln a b; stat -c '%h' a; rm a; cat b; stat -c '%h' b"),
    c("chmod-stat", "touch f; chmod 640 f; stat -c '%a %s %F' f; chmod u+x,o+r f; stat -c '%a' f; mkdir d; chmod 700 d; stat -c '%a %F' d; ln -s f l; stat -c '%F' l"),
    c("touch-times", "touch -d '2020-02-03 04:05:06' f; stat -c '%Y' f; touch -r f g; stat -c '%Y' g; date -u -r f '+%Y-%m-%d %H:%M'"),
    c("umask", "umask 027; touch f; mkdir d; stat -c '%a' f d; umask"),
    c("find", "mkdir -p a/b; touch a/x a/b/y a/b/z.txt; find a | sort; find a -name '*.txt'; find a -type d | sort"),
    c("grep", "printf 'apple\\nbanana\\ncherry\\nApple\\n' > f; grep an f; grep -i apple f; grep -c a f; grep -v a f; grep -n '^c' f; grep -q zzz f; echo rc=$?"),
    c("sed", "printf 'one\\ntwo\\nthree\\n' | sed -e 's/o/0/g' -e '2d'; echo abc | sed 's/\\(b\\)/[\\1]/'; printf 'a\\nb\\n' > f; sed -i 's/a/A/' f; cat f"),
    c("awk", "printf '1 2\\n3 4\\n5 6\\n' | awk '{ s += $1 * $2 } END { print s, NR }'; echo a:b:c | awk -F: '{ print $2 }'; awk 'BEGIN { printf \"%05.1f\\n\", 3.14159 }'"),
    c("sort-uniq", "printf 'b\\na\\nb\\nc\\na\\n' | sort | uniq -c; printf '10\\n9\\n100\\n' | sort -n; printf 'x\\ny\\n' | sort -r"),
    c("head-tail", "seq 1 20 > f; head -3 f; tail -2 f; tail -n +19 f; head -c 5 f | od -c | head -1"),
    c("tr-cut", "echo hello world | tr a-z A-Z; echo a,b,c | cut -d, -f2; echo abcdef | cut -c2-4; echo aabbcc | tr -s ab; echo hello | tr -d l"),
    c("wc", "printf 'one two\\nthree\\n' > f; wc -l f; wc -w < f; wc -c < f; seq 1000 | wc -l"),
    c("seq-xargs", "seq 3 | xargs echo n:; seq 2 5 | xargs -n 2 echo; printf 'a b\\n' | xargs -I{} echo [{}]"),
    c("tar", "mkdir -p t/s; echo 1 > t/a; echo 2 > t/s/b; tar cf x.tar t; rm -r t; tar tf x.tar | sort; tar xf x.tar; cat t/a t/s/b"),
    c("gzip", "seq 1 500 > f; gzip -9 f; ls; gunzip f.gz; wc -l f; echo hi | gzip | gunzip; seq 100 | gzip -c > z.gz; zcat z.gz | tail -1"),
    c("dd-zero", "dd if=/dev/zero of=z bs=512 count=8 2>/dev/null; stat -c '%s' z; dd if=/dev/zero bs=1k count=3 2>/dev/null | wc -c; dd if=z of=h bs=1k skip=2 count=1 2>/dev/null; stat -c '%s' h"),
    c("dev-null-zero", "echo gone > /dev/null; cat /dev/null | wc -c; head -c 16 /dev/zero | od -An -tx1; head -c 64 /dev/urandom | wc -c; [ -c /dev/null ] && echo chardev"),
    c("checksums", "echo abc | sha256sum; printf '' | md5sum; seq 1000 > f; sha256sum f; md5sum f; echo 'abc' | sha1sum"),
    c("date", "date -u -d @0 '+%Y-%m-%d %H:%M:%S'; date -u -d '2024-02-29 12:00:00' +%s; date -u -d @1700000000 +%A"),
    // (Not `env CMD`: under QEMU user mode, busybox runs an applet it execs through
    // /proc/self/exe, which is the host's QEMU binary there.)
    c("env", "export Y=7; A=1 env | grep -E '^(A|Y)=' | sort; env -u Y | grep -c '^Y='; X=5 sh -c 'echo $X'"),
    c("ls-l", "echo 12345 > f; mkdir d; ln -s f l; ls -l f d l | awk '{ print $1, $5, $NF }'"),
    c("cat-files", "printf 'a\\n' > 1; printf 'b\\n' > 2; cat 1 2; cat 1 - 2 < 1; cat -n 2"),
    c("truncate-dd", "seq 100 > f; truncate -s 10 f; cat f; truncate -s 20 f; stat -c '%s' f; od -c f | tail -2"),
    c("mv-dirs", "mkdir -p a/b c; touch a/b/f; mv a c/; find c | sort; mv c/a/b/f c/g; ls c; mv c/g c/a 2>&1; ls c/a; mv -n c/a/g c/a/b 2>&1 || echo failed"),
    c("rename-over", "echo new > a; echo old > b; mv a b; cat b; ls; mkdir d e; touch e/x; mv d e 2>&1; ls e"),
    c("du", "mkdir d; echo x > d/f; du -s d >/dev/null && echo du-ok"),
    c("expr-printf", "expr 6 \\* 7; expr length hello; printf '%s=%d\\n' a 1 b 2; printf '%x %o %c\\n' 255 8 65"),
    c("read-ifs", "echo 'a b c' | { read x y; echo \"$x|$y\"; }; IFS=:; set -- p:q:r; echo $2; unset IFS"),
    c("pipefail-exit", "set -o pipefail; false | true; echo $?; set +o pipefail; false | true; echo $?"),
    c("sleep", "sleep 1; echo slept"),
    // busybox ash's `wait` sleeps in rt_sigsuspend (133) until SIGCHLD.
    sig("background-wait", "(echo bg; exit 3) & wait $!; echo rc=$?; sleep 0 & wait; echo done"),
    sig("trap-exit", "trap 'echo trapped' EXIT; echo body"),
    // In its own shell: inside the check's subshell `$$` is the driver's pid.
    sig("trap-signal", "sh -c 'trap \"echo got USR1\" USR1; kill -USR1 $$; echo after'"),
    // `wait` prints "Terminated" (to stderr) only when it is the one that reaps the job,
    // not when the shell reaped it before (ash's waitone): which happens first depends on
    // when the killed child runs, on Linux as here, so that line is not compared.
    sig("kill-background", "sleep 10 & kill $!; wait $! 2>/dev/null; echo rc=$?"),
];

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips (prints why) outside CI; fails under CI=true.
fn unavailable(why: &str) {
    assert!(!ci(), "CI=true: {why}");
    println!("skipped: {why}");
}

/// The busybox binary from the Debian package (fetched and cached by tests/debian/fetch).
fn fetch_busybox() -> Result<PathBuf, String> {
    let fetch = common::root().join("tests/debian/fetch");
    let out = Command::new(&fetch).arg("busybox-static").output().map_err(|e| format!("{}: {e}", fetch.display()))?;
    if !out.status.success() {
        return Err(format!("tests/debian/fetch busybox-static failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line =
        stdout.lines().find(|l| l.starts_with("busybox-static ")).ok_or("fetch printed no busybox-static line")?;
    let dir = line.splitn(3, ' ').nth(2).ok_or("fetch line without a directory")?;
    let bb = Path::new(dir).join("usr/bin/busybox");
    if bb.exists() {
        Ok(bb)
    } else {
        Err(format!("{} is missing in the package", bb.display()))
    }
}

/// Every applet the checks call (and `sh`): links on the guest, wrappers on the host.
const APPLETS: &[&str] = &[
    "sh",
    "cat",
    "cp",
    "mv",
    "rm",
    "ln",
    "chmod",
    "touch",
    "find",
    "grep",
    "sed",
    "awk",
    "sort",
    "uniq",
    "head",
    "tail",
    "tr",
    "cut",
    "tar",
    "gzip",
    "gunzip",
    "zcat",
    "dd",
    "sha256sum",
    "sha1sum",
    "md5sum",
    "wc",
    "date",
    "env",
    "test",
    "[",
    "seq",
    "xargs",
    "ls",
    "mkdir",
    "rmdir",
    "stat",
    "du",
    "sleep",
    "readlink",
    "od",
    "expr",
    "truncate",
    "pwd",
    "kill",
    "true",
    "false",
    "printf",
    "echo",
];

/// The driver: `sh run.sh BBDIR WORKDIR` runs every check in its own directory under
/// WORKDIR, between marker lines.
fn driver(signals: bool) -> String {
    let mut s = String::from("PATH=\"$1\"; export PATH; mkdir -p \"$2\"; cd \"$2\" || exit 1\n");
    for (i, ch) in CHECKS.iter().enumerate().filter(|(_, c)| c.needs_signals == signals) {
        // Through a pipe: stdout is not a terminal on either machine (ls, for one,
        // formats differently for a terminal).
        s += &format!(
            "mkdir c{i}; cd c{i}\necho '=== {}'\n{{ (\n{}\n) 2>&1; echo \"--- rc=$?\"; }} | cat\ncd ..\n",
            ch.name, ch.script
        );
    }
    s += "echo '=== end'\n";
    s
}

/// Splits an output into (check name, text) by the driver's marker lines.
fn sections(out: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    for line in out.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            v.push((name.to_string(), String::new()));
        } else if let Some(last) = v.last_mut() {
            last.1 += line;
            last.1.push('\n');
        }
    }
    v
}

/// Runs the driver under qemu-riscv64 in a scratch directory; its output.
fn run_on_qemu(qemu: &Path, bb: &Path, dir: &Path, script: &Path) -> String {
    let bbdir = dir.join("bb");
    std::fs::create_dir_all(&bbdir).expect("wrapper dir");
    for a in APPLETS {
        let w = bbdir.join(a);
        let body = format!("#!/bin/sh\nexec {} {} {a} \"$@\"\n", qemu.display(), bb.display());
        std::fs::write(&w, body).expect("wrapper");
        let mut perm = std::fs::metadata(&w).expect("wrapper").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&w, perm).expect("chmod wrapper");
    }
    let out = Command::new(qemu)
        .arg(bb)
        .arg("sh")
        .arg(script)
        .arg(&bbdir)
        .arg(dir.join("w"))
        .env_clear()
        .env("TZ", "UTC")
        .current_dir(dir)
        .output()
        .expect("run qemu-riscv64");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Boots the guest on an image with busybox, its applet links and the driver;
/// returns the console and whether `mkfs --check` passes afterwards.
fn run_on_rvsim(bb: &Path, dir: &Path, script: &Path, max_insns: u64) -> (String, bool, String) {
    let autorun = dir.join("autorun");
    std::fs::write(&autorun, "/bin/busybox sh /run.sh /bb /w\n").expect("autorun");
    let img = dir.join("fs.img");
    let g = common::guest_dir();
    let mut mkfs = Command::new(common::os::built("target/release/mkfs"));
    mkfs.arg(&img).args(["--blocks", "32768", "--inodes", "1024"]);
    for p in ["init", "sh"] {
        mkfs.arg(format!("/bin/{p}={}", g.join(p).display()));
    }
    mkfs.arg(format!("/bin/busybox={}", bb.display()));
    for a in APPLETS {
        mkfs.arg("--symlink").arg(format!("/bb/{a}=/bin/busybox"));
    }
    mkfs.arg(format!("/run.sh={}", script.display()));
    mkfs.arg(format!("/etc/autorun={}", autorun.display()));
    assert!(mkfs.status().expect("run mkfs").success());
    let mut m = Machine::new(MachineConfig { ram_size: 256 << 20, ..MachineConfig::default() });
    m.bus.dev.uart.echo = false;
    let k = std::fs::read(common::os::built("target/riscv64gc-unknown-none-elf/release/kernel")).expect("kernel");
    m.load_elf(&k).expect("load kernel");
    m.attach_drive(&img, false).expect("attach disk");
    let outcome = m.run(Some(max_insns), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "");
    println!("rvsim: {outcome:?} after {} instructions", m.retired());
    assert!(!console.contains("kernel panic"), "{console}");
    let check = Command::new(common::os::built("target/release/mkfs")).arg("--check").arg(&img).output().expect("fsck");
    (console, check.status.success(), String::from_utf8_lossy(&check.stdout).into_owned())
}

/// Compares each check of one group; returns (passed, failed names).
fn compare(group: &[&Check], got: &str, want: &str) -> (usize, Vec<&'static str>) {
    let got = sections(got);
    let want = sections(want);
    let mut failed = Vec::new();
    let mut passed = 0;
    for ch in group {
        let w = want.iter().find(|(n, _)| n == ch.name).map(|(_, t)| t.as_str());
        let g = got.iter().find(|(n, _)| n == ch.name).map(|(_, t)| t.as_str());
        let tag = if ch.needs_signals { " (needs signals)" } else { "" };
        if w.is_some() && w == g {
            passed += 1;
            println!("check {}{tag}: ok", ch.name);
        } else {
            println!(
                "check {}{tag}: DIFFERENT\n--- qemu-riscv64:\n{}--- rvsim:\n{}",
                ch.name,
                w.unwrap_or("(missing)\n"),
                g.unwrap_or("(missing)\n")
            );
            failed.push(ch.name);
        }
    }
    (passed, failed)
}

#[test]
fn debian_busybox_runs_unmodified() {
    let bb = match fetch_busybox() {
        Ok(b) => b,
        Err(e) => return unavailable(&e),
    };
    let qemu = std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).map(|d| d.join("qemu-riscv64")).find(|q| q.exists()));
    let Some(qemu) = qemu else {
        return unavailable("qemu-riscv64 (package qemu-user) is not installed: no oracle");
    };
    let mut failed = Vec::new();
    let mut passed = 0;
    let mut enosys: Vec<String> = Vec::new();
    // The checks that need signals run in a boot of their own with a small budget:
    // without signal delivery, busybox's `wait` spins on rt_sigsuspend.
    for (signals, budget) in [(false, 20_000_000_000u64), (true, 1_500_000_000)] {
        let group: Vec<&Check> = CHECKS.iter().filter(|c| c.needs_signals == signals).collect();
        let dir = std::env::temp_dir().join(format!("rvsim-busybox-{}-{signals}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let script = dir.join("run.sh");
        std::fs::write(&script, driver(signals)).expect("driver");
        let (console, fsck_ok, fsck) = run_on_rvsim(&bb, &dir, &script, budget);
        let want = run_on_qemu(&qemu, &bb, &dir, &script);
        let _ = std::fs::remove_dir_all(&dir);
        for l in console.lines().filter(|l| l.contains("unimplemented syscall")) {
            enosys.push(l.to_string());
        }
        // The kernel's log lines are not part of the scripts' output.
        let guest: String =
            console.lines().filter(|l| !l.contains("unimplemented syscall")).map(|l| format!("{l}\n")).collect();
        let (p, f) = compare(&group, &guest, &want);
        passed += p;
        assert!(sections(&want).iter().any(|(n, _)| n == "end"), "the oracle run did not finish:\n{want}");
        assert!(sections(&guest).iter().any(|(n, _)| n == "end"), "the guest run did not finish:\n{console}");
        assert!(fsck_ok, "the image is inconsistent after the run:\n{fsck}");
        if signals {
            println!("checks that need signals: {p}/{} match", group.len());
        }
        failed.extend(f);
    }
    println!("busybox: {passed}/{} checks match qemu-riscv64", CHECKS.len());
    println!("system calls still answering ENOSYS:");
    for l in &enosys {
        println!("  {l}");
    }
    assert!(failed.is_empty(), "checks that differ from qemu-riscv64: {failed:?}");
}
