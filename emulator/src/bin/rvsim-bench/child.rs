//! One measured child process: its wall time, host CPU time and peak resident set
//! (from `wait4`, so the figures are that child's alone), its console output, and an
//! optional line typed on its stdin once the console shows a prompt.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What to run.
pub struct Spec {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// `(prompt, line)`: type `line` and a newline once the console contains `prompt`.
    /// Without it, stdin is /dev/null.
    pub answer: Option<(String, String)>,
    /// Killed (SIGKILL) after this long.
    pub timeout: Duration,
}

/// How it went.
pub struct Measured {
    /// The exit status, `None` when a signal ended it.
    pub status: Option<i32>,
    /// Seconds from spawn to exit.
    pub wall: f64,
    /// User + system seconds of the child.
    pub cpu: f64,
    /// Peak resident set of the child in KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
    /// Everything it wrote to stdout.
    pub console: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// The timeout killed it.
    pub timed_out: bool,
}

/// Runs `spec` to its end; `Err` when it cannot be started.
pub fn run(spec: &Spec) -> Result<Measured, String> {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .stdin(if spec.answer.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {}: {e}", spec.program.display()))?;
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let mut stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut stderr_pipe = child.stderr.take().ok_or("no stderr pipe")?;
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut v);
        v
    });
    let mut stdin = child.stdin.take();
    let (mut out, mut typed, mut timed_out) = (Vec::new(), false, false);
    let (status, usage, wall) = loop {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(2)) {
            out.extend_from_slice(&chunk);
        }
        if let (Some((prompt, line)), false) = (&spec.answer, typed) {
            if String::from_utf8_lossy(&out).contains(prompt.as_str()) {
                if let Some(s) = stdin.as_mut() {
                    let _ = s.write_all(format!("{line}\n").as_bytes());
                    let _ = s.flush();
                }
                typed = true;
            }
        }
        if let Some(done) = reap(pid, false) {
            break (done.0, done.1, start.elapsed().as_secs_f64());
        }
        if start.elapsed() > spec.timeout {
            timed_out = true;
            // SAFETY: kill(2) on our own child, which has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let done = reap(pid, true).ok_or("wait4 failed after SIGKILL")?;
            break (done.0, done.1, start.elapsed().as_secs_f64());
        }
    };
    drop(stdin);
    let _ = reader.join();
    while let Ok(chunk) = rx.try_recv() {
        out.extend_from_slice(&chunk);
    }
    let stderr = err_reader.join().unwrap_or_default();
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(Measured {
        status,
        wall,
        cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
        console: String::from_utf8_lossy(&out).replace('\r', ""),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        timed_out,
    })
}

/// `wait4(pid)`: the exit status (None for a signal) and the child's rusage once it has
/// ended; `None` while it runs (`block` false) or on error.
fn reap(pid: libc::pid_t, block: bool) -> Option<(Option<i32>, libc::rusage)> {
    let mut status = 0;
    // SAFETY: rusage is plain old data; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let flags = if block { 0 } else { libc::WNOHANG };
    // SAFETY: wait4 writes only to the two out-pointers, which point at live locals.
    let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
    if r != pid {
        return None;
    }
    let code = if libc::WIFEXITED(status) { Some(libc::WEXITSTATUS(status)) } else { None };
    Some((code, usage))
}
