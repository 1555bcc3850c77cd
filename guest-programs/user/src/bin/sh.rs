//! sh [SCRIPT]: the shell. Runs programs with arguments (`/bin/NAME` unless the name has a
//! `/`), pipelines `a | b`, redirections `< in`, `> out`, `>> out`, lists with `;`, `&&`
//! and `||`, background jobs with `&` (reaped before each line runs), quoting with
//! '...', "..." and `\`, `$?` (the last status), comments `#`, and the built-ins `cd`,
//! `exit [N]`, `true` and `false`. Reads commands from SCRIPT, or interactively from stdin with a `$ ` prompt.
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

/// A token of a command line.
#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    /// `|`, `<`, `>`, `>>`, `;`, `&`, `&&`, `||`.
    Op(&'static str),
}

/// Stands for `$?` in a word until the pipeline runs (a byte no argument can hold).
const STATUS: char = '\u{1}';

/// Splits a line into words and operators. Quoting: '...' is literal; "..." keeps
/// spaces and operators but expands `$?`; a backslash outside single quotes takes the
/// next character literally. `#` at the start of a word begins a comment. `$?` (the
/// last status) is expanded outside single quotes, when its pipeline runs.
fn tokenize(line: &str) -> Result<Vec<Tok>, &'static str> {
    let mut toks = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    let mut word = String::new();
    let mut in_word = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                if in_word {
                    toks.push(Tok::Word(core::mem::take(&mut word)));
                    in_word = false;
                }
                i += 1;
            }
            b'#' if !in_word => break,
            b'\'' => {
                let end = b[i + 1..].iter().position(|&x| x == b'\'').ok_or("unterminated '")?;
                word.push_str(&line[i + 1..i + 1 + end]);
                in_word = true;
                i += end + 2;
            }
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err("unterminated \""),
                        Some(b'"') => break,
                        Some(b'\\') if matches!(b.get(i + 1), Some(b'"' | b'\\' | b'$')) => {
                            word.push(b[i + 1] as char);
                            i += 2;
                        }
                        Some(b'$') if b.get(i + 1) == Some(&b'?') => {
                            word.push(STATUS);
                            i += 2;
                        }
                        Some(_) => {
                            let ch = line[i..].chars().next().unwrap_or(' ');
                            word.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                in_word = true;
                i += 1;
            }
            b'\\' => {
                if let Some(ch) = line[i + 1..].chars().next() {
                    word.push(ch);
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
                in_word = true;
            }
            b'$' if b.get(i + 1) == Some(&b'?') => {
                word.push(STATUS);
                in_word = true;
                i += 2;
            }
            b'|' | b'&' | b';' | b'<' | b'>' => {
                if in_word {
                    toks.push(Tok::Word(core::mem::take(&mut word)));
                    in_word = false;
                }
                let two = b.get(i + 1) == Some(&c);
                let op = match (c, two) {
                    (b'|', true) => "||",
                    (b'|', false) => "|",
                    (b'&', true) => "&&",
                    (b'&', false) => "&",
                    (b'>', true) => ">>",
                    (b'>', false) => ">",
                    (b';', _) => ";",
                    _ => "<",
                };
                i += if two && c != b';' && c != b'<' { 2 } else { 1 };
                toks.push(Tok::Op(op));
            }
            _ => {
                let ch = line[i..].chars().next().unwrap_or(' ');
                word.push(ch);
                in_word = true;
                i += ch.len_utf8();
            }
        }
    }
    if in_word {
        toks.push(Tok::Word(word));
    }
    Ok(toks)
}

struct Stage {
    argv: Vec<String>,
    input: Option<String>,
    output: Option<(String, bool)>,
}

/// A pipeline and what comes after it: `;` (or end), `&`, `&&`, `||`.
struct Pipeline {
    stages: Vec<Stage>,
    then: &'static str,
}

/// Groups tokens into pipelines of stages.
fn parse(toks: Vec<Tok>) -> Result<Vec<Pipeline>, &'static str> {
    let mut out = Vec::new();
    let mut stages = Vec::new();
    let mut st = Stage { argv: Vec::new(), input: None, output: None };
    let mut it = toks.into_iter();
    while let Some(t) = it.next() {
        match t {
            Tok::Word(w) => st.argv.push(w),
            Tok::Op(r @ ("<" | ">" | ">>")) => {
                let Some(Tok::Word(f)) = it.next() else { return Err("missing file after redirection") };
                if r == "<" {
                    st.input = Some(f);
                } else {
                    st.output = Some((f, r == ">>"));
                }
            }
            Tok::Op(op) => {
                let done = core::mem::replace(&mut st, Stage { argv: Vec::new(), input: None, output: None });
                if done.argv.is_empty() {
                    return Err("syntax error: empty command");
                }
                stages.push(done);
                if op != "|" {
                    out.push(Pipeline { stages: core::mem::take(&mut stages), then: op });
                }
            }
        }
    }
    if !st.argv.is_empty() {
        stages.push(st);
    } else if !stages.is_empty() {
        return Err("syntax error: | at the end");
    }
    if !stages.is_empty() {
        out.push(Pipeline { stages, then: ";" });
    }
    if out.last().is_some_and(|p| p.then == "&&" || p.then == "||") {
        return Err("syntax error: && or || at the end");
    }
    Ok(out)
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
    if let Some(f) = &st.input {
        let fd = open(f, O_RDONLY);
        if fd < 0 {
            eprintln!("sh: {f}: {}", strerror(fd));
            exit(1);
        }
        dup2(fd as usize, 0);
        close(fd as usize);
    }
    if let Some((f, append)) = &st.output {
        let flags = O_WRONLY | O_CREAT | if *append { O_APPEND } else { O_TRUNC };
        let fd = open(f, flags);
        if fd < 0 {
            eprintln!("sh: {f}: {}", strerror(fd));
            exit(1);
        }
        dup2(fd as usize, 1);
        close(fd as usize);
    }
    let path = resolve(&st.argv[0]);
    let argv: Vec<&str> = st.argv.iter().map(String::as_str).collect();
    let r = exec(&path, &argv);
    eprintln!("sh: {}: {}", st.argv[0], strerror(r));
    exit(127)
}

/// Job control of an interactive shell: its own process group.
struct Jobs {
    shell_pgid: Option<isize>,
}

/// Runs one command line: its pipelines in order, `&&`/`||` deciding on the last
/// status, `&` in the background. Returns false for `exit`.
fn run_line(line: &str, last: &mut i32, jobs: &Jobs) -> bool {
    let mut pipelines = match tokenize(line).and_then(parse) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sh: {e}");
            *last = 2;
            return true;
        }
    };
    let mut skip = false;
    for p in &mut pipelines {
        if !skip {
            // `$?` is the status of the pipeline before this one.
            let status = alloc::format!("{last}");
            for st in p.stages.iter_mut() {
                for w in st.argv.iter_mut().chain(st.input.iter_mut()).chain(st.output.iter_mut().map(|o| &mut o.0)) {
                    if w.contains(STATUS) {
                        *w = w.replace(STATUS, &status);
                    }
                }
            }
            if !run_pipeline(&p.stages, p.then == "&", last, jobs) {
                return false;
            }
        }
        // The next pipeline runs after `&&` only if $? is 0, after `||` only if it is
        // not; a skipped pipeline leaves $? as it was (`false && a || b` runs b).
        skip = match p.then {
            "&&" => *last != 0,
            "||" => *last == 0,
            _ => false,
        };
    }
    true
}

/// Runs one pipeline (built-ins `cd` and `exit` when alone in the foreground).
fn run_pipeline(stages: &[Stage], background: bool, last: &mut i32, jobs: &Jobs) -> bool {
    if stages.len() == 1 && !background {
        match stages[0].argv[0].as_str() {
            "exit" => {
                if let Some(c) = stages[0].argv.get(1) {
                    *last = c.parse().unwrap_or(2);
                }
                return false;
            }
            "true" | "false" => {
                *last = (stages[0].argv[0] == "false") as i32;
                return true;
            }
            "cd" => {
                let dir = stages[0].argv.get(1).map_or("/", String::as_str);
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
        *last = 0;
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
        // Background jobs that finished while the line was read are reaped now, so
        // that they are not zombies while it runs (`sleep 1 &`, then `ps`).
        while waitpid(-1, &mut st, abi::signal::WNOHANG) > 0 {}
        if !run_line(&line, &mut last, &jobs) {
            return last;
        }
    }
}
entry!(main);
