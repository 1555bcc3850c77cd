//! sh [SCRIPT]: the shell. Runs programs with arguments (`/bin/NAME` unless the name has a
//! `/`), pipelines `a | b`, redirections `< in`, `> out`, `>> out`, background jobs with
//! a trailing `&`, comments `#`, and the built-ins `cd` and `exit`. Reads commands from
//! SCRIPT, or interactively from stdin with a `$ ` prompt.
//!
//! Interactive, it does job control: it ignores SIGINT and SIGQUIT itself, runs each job
//! in its own process group, makes a foreground job the console's foreground group
//! (TIOCSPGRP) while it waits and takes the console back after, so Ctrl-C ends the job,
//! not the shell.
#![no_std]
#![no_main]
extern crate alloc;
use abi::fcntl::*;
use alloc::string::String;
use alloc::vec::Vec;
use ulib::sig::{set_disposition, setpgid, tcsetpgrp};
use ulib::*;

struct Stage<'a> {
    argv: Vec<&'a str>,
    input: Option<&'a str>,
    output: Option<(&'a str, bool)>,
}

fn parse_stage(s: &str) -> Result<Stage<'_>, &'static str> {
    let mut st = Stage { argv: Vec::new(), input: None, output: None };
    let mut words = s.split_whitespace();
    while let Some(w) = words.next() {
        match w {
            "<" => st.input = Some(words.next().ok_or("missing file after <")?),
            ">" => st.output = Some((words.next().ok_or("missing file after >")?, false)),
            ">>" => st.output = Some((words.next().ok_or("missing file after >>")?, true)),
            w if w.starts_with(">>") && w.len() > 2 => st.output = Some((&w[2..], true)),
            w if w.starts_with('>') && w.len() > 1 => st.output = Some((&w[1..], false)),
            w if w.starts_with('<') && w.len() > 1 => st.input = Some(&w[1..]),
            w => st.argv.push(w),
        }
    }
    if st.argv.is_empty() {
        return Err("empty command");
    }
    Ok(st)
}

fn resolve(cmd: &str) -> String {
    if cmd.contains('/') {
        String::from(cmd)
    } else {
        let mut p = String::from("/bin/");
        p.push_str(cmd);
        p
    }
}

/// In a child: applies redirections and execs; never returns.
fn run_child(st: &Stage) -> ! {
    if let Some(f) = st.input {
        let fd = open(f, O_RDONLY);
        if fd < 0 {
            eprintln!("sh: {f}: {}", strerror(fd));
            exit(1);
        }
        dup2(fd as usize, 0);
        close(fd as usize);
    }
    if let Some((f, append)) = st.output {
        let flags = O_WRONLY | O_CREAT | if append { O_APPEND } else { O_TRUNC };
        let fd = open(f, flags);
        if fd < 0 {
            eprintln!("sh: {f}: {}", strerror(fd));
            exit(1);
        }
        dup2(fd as usize, 1);
        close(fd as usize);
    }
    let path = resolve(st.argv[0]);
    let r = exec(&path, &st.argv);
    eprintln!("sh: {}: {}", st.argv[0], strerror(r));
    exit(127)
}

/// Job control of an interactive shell: its own process group.
struct Jobs {
    shell_pgid: Option<isize>,
}

/// Runs one command line; returns false for `exit`.
fn run_line(line: &str, last: &mut i32, jobs: &Jobs) -> bool {
    let line = line.split('#').next().unwrap_or("").trim();
    if line.is_empty() {
        return true;
    }
    let (line, background) = match line.strip_suffix('&') {
        Some(l) => (l.trim(), true),
        None => (line, false),
    };
    let mut stages = Vec::new();
    for part in line.split('|') {
        match parse_stage(part) {
            Ok(s) => stages.push(s),
            Err(e) => {
                eprintln!("sh: {e}");
                *last = 2;
                return true;
            }
        }
    }
    if stages.len() == 1 && !background {
        match stages[0].argv[0] {
            "exit" => {
                *last = stages[0].argv.get(1).and_then(|c| c.parse().ok()).unwrap_or(0);
                return false;
            }
            "cd" => {
                let dir = stages[0].argv.get(1).copied().unwrap_or("/");
                let r = chdir(dir);
                if r < 0 {
                    eprintln!("cd: {dir}: {}", strerror(r));
                }
                *last = (r < 0) as i32;
                return true;
            }
            _ => {}
        }
    }
    let mut pids = Vec::new();
    let mut pgid = 0isize;
    let mut prev_read: Option<usize> = None;
    for (i, st) in stages.iter().enumerate() {
        let mut p = [-1i32; 2];
        let last_stage = i + 1 == stages.len();
        if !last_stage {
            let r = pipe(&mut p);
            if r < 0 {
                eprintln!("sh: pipe: {}", strerror(r));
                break;
            }
        }
        let pid = fork();
        if pid < 0 {
            eprintln!("sh: fork: {}", strerror(pid));
            break;
        }
        if pid == 0 {
            if jobs.shell_pgid.is_some() {
                setpgid(0, pgid);
                set_disposition(abi::signal::SIGINT, abi::signal::SIG_DFL);
                set_disposition(abi::signal::SIGQUIT, abi::signal::SIG_DFL);
            }
            if let Some(r) = prev_read {
                dup2(r, 0);
                close(r);
            }
            if !last_stage {
                dup2(p[1] as usize, 1);
                close(p[0] as usize);
                close(p[1] as usize);
            }
            run_child(st);
        }
        if jobs.shell_pgid.is_some() {
            // Also here, so the group exists whichever of parent and child runs first.
            if pgid == 0 {
                pgid = pid;
            }
            setpgid(pid, pgid);
        }
        pids.push(pid);
        if let Some(r) = prev_read.take() {
            close(r);
        }
        if !last_stage {
            close(p[1] as usize);
            prev_read = Some(p[0] as usize);
        }
    }
    if let Some(r) = prev_read {
        close(r);
    }
    if background {
        for p in &pids {
            println!("[{p}]");
        }
        return true;
    }
    if jobs.shell_pgid.is_some() && pgid > 0 {
        tcsetpgrp(0, pgid as i32);
    }
    for p in pids {
        let mut status = 0;
        if waitpid(p, &mut status, 0) == p {
            *last = if status & 0x7f != 0 { 128 + (status & 0x7f) } else { (status >> 8) & 0xff };
        }
    }
    if let Some(g) = jobs.shell_pgid {
        tcsetpgrp(0, g as i32);
    }
    true
}

fn main(args: &[&str]) -> i32 {
    let (fd, interactive) = match args.get(1) {
        Some(f) => {
            let fd = open(f, O_RDONLY);
            if fd < 0 {
                eprintln!("sh: {f}: {}", strerror(fd));
                return 127;
            }
            (fd as usize, false)
        }
        None => (0, true),
    };
    let mut jobs = Jobs { shell_pgid: None };
    if interactive {
        set_disposition(abi::signal::SIGINT, abi::signal::SIG_IGN);
        set_disposition(abi::signal::SIGQUIT, abi::signal::SIG_IGN);
        setpgid(0, 0);
        let g = ulib::sig::getpgid(0);
        if g > 0 && tcsetpgrp(0, g as i32) == 0 {
            jobs.shell_pgid = Some(g);
        }
    }
    let mut pending: Vec<u8> = Vec::new();
    let mut last = 0;
    let mut buf = [0u8; 256];
    loop {
        // Reap finished background jobs.
        let mut st = 0;
        while waitpid(-1, &mut st, abi::signal::WNOHANG) > 0 {}
        if interactive && !pending.contains(&b'\n') {
            print!("$ ");
        }
        while !pending.contains(&b'\n') {
            let n = read(fd, &mut buf);
            if n <= 0 {
                if !pending.is_empty() {
                    pending.push(b'\n');
                    break;
                }
                return last;
            }
            pending.extend_from_slice(&buf[..n as usize]);
        }
        let nl = pending.iter().position(|&c| c == b'\n').unwrap_or(pending.len() - 1);
        let line: Vec<u8> = pending.drain(..=nl).collect();
        let line = String::from_utf8_lossy(&line).into_owned();
        if !run_line(&line, &mut last, &jobs) {
            return last;
        }
    }
}
entry!(main);
