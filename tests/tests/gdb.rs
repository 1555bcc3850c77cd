//! The GDB stub (docs/gdb.md): gdb-multiarch in batch mode against bare-metal programs
//! and the guest kernel, the remote protocol's edge cases over a raw socket, and the
//! command line (`--gdb`, `-s`, `-S`). The stub runs in the test process (on a port of
//! its own: bound to port 0 before gdb starts) and the machine comes back for checks:
//! a debugged run must retire the same instructions as the same run without gdb.
//!
//! Needs `make guest` (and `make os` for the kernel test); gdb-multiarch (Debian
//! package) for the gdb tests: under CI=true its absence fails them, otherwise they skip.
mod common;

use rvsim::gdb::{self, Ending};
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const GDB: &str = "gdb-multiarch";
const LIMIT: u64 = 50_000_000;

/// True when gdb-multiarch runs; false (after saying why) when it is missing outside CI.
fn have_gdb() -> bool {
    if Command::new(GDB).arg("--version").stdout(Stdio::null()).status().is_ok() {
        return true;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{GDB} is missing (Debian package gdb-multiarch)");
    println!("skipping: {GDB} is not installed (apt-get install gdb-multiarch)");
    false
}

fn machine(elf: &Path, harts: usize) -> Machine {
    let mut m = Machine::new(MachineConfig { harts, ..MachineConfig::default() });
    m.bus.dev.uart.echo = false;
    m.load_elf(&std::fs::read(elf).expect("read ELF")).expect("load ELF");
    m
}

fn console(m: &Machine) -> String {
    String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "")
}

/// Runs `m` under gdb with `script` (gdb commands; `target remote` is prepended, with
/// `-S` semantics: nothing runs before gdb attaches). Returns the machine, how the run
/// ended, and gdb's output.
fn debug(m: Machine, elf: &Path, script: &str) -> (Machine, Ending, String) {
    debug_with(m, elf, script, None)
}

/// [`debug`], and with `ctrl_c`, gdb gets a SIGINT (a Ctrl-C typed at it) that long
/// after it started: it sends the interrupt packet to the stub.
fn debug_with(m: Machine, elf: &Path, script: &str, ctrl_c: Option<std::time::Duration>) -> (Machine, Ending, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("port").port();
    let dir = std::env::temp_dir().join(format!("rvsim-gdb-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("script.gdb");
    let head = format!(
        "set pagination off\nset confirm off\nset language c\nset osabi none\ntarget remote 127.0.0.1:{port}\n"
    );
    std::fs::write(&file, head + script).expect("script");
    let child = Command::new(GDB)
        .args(["-batch", "-nx", "-x"])
        .arg(&file)
        .arg(elf)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gdb");
    if let Some(after) = ctrl_c {
        let pid = child.id().to_string();
        std::thread::spawn(move || {
            std::thread::sleep(after);
            let _ = Command::new("kill").args(["-INT", &pid]).status();
        });
    }
    // A run waiting for a Ctrl-C gets more time (and still ends if it never comes).
    let limit = if ctrl_c.is_some() { 50 * LIMIT } else { LIMIT };
    let (m, ending) = gdb::run(m, listener, true, Some(limit)).expect("stub");
    let out = child.wait_with_output().expect("gdb output");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    println!("--- gdb ---\n{text}--- console ---\n{}", console(&m));
    (m, ending, text)
}

/// The value gdb printed after `key` (printf lines of the scripts: `key VALUE`).
fn value(out: &str, key: &str) -> String {
    let line = out.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key:?} in gdb output"));
    line[key.len()..].trim().to_string()
}

fn target() -> PathBuf {
    common::guest("gdb_target")
}

#[test]
fn break_step_read_watch_and_continue_to_exit() {
    if !have_gdb() {
        return;
    }
    let elf = target();
    let mut plain = machine(&elf, 1);
    assert_eq!(plain.run(Some(LIMIT), &mut NoTrace), Outcome::Exit(0));
    let script = "\
printf \"start-pc %lx\\n\", $pc
printf \"start-priv %d\\n\", $priv
break bump
continue
printf \"arg %d\\n\", $a0
printf \"counter-before %d\\n\", *(unsigned long*)&COUNTER
set $p = $pc
stepi
printf \"stepped %d\\n\", $pc - $p
watch *(unsigned long*)&COUNTER
delete 1
continue
printf \"counter-at-watch %d\\n\", *(unsigned long*)&COUNTER
continue
printf \"counter-at-watch2 %d\\n\", *(unsigned long*)&COUNTER
delete
continue
";
    let (m, ending, out) = debug(machine(&elf, 1), &elf, script);
    assert_eq!(ending, Ending::Guest(Outcome::Exit(0)));
    assert_eq!(value(&out, "start-pc"), "1000", "-S stops before the reset vector's first instruction");
    assert_eq!(value(&out, "start-priv"), "3");
    assert!(out.contains("Breakpoint 1, ") && out.contains("bump"), "breakpoint at bump reported");
    assert_eq!(value(&out, "arg"), "1");
    assert_eq!(value(&out, "counter-before"), "0");
    let step: u64 = value(&out, "stepped").parse().expect("step size");
    assert!(step == 2 || step == 4, "stepi moved pc by one instruction, not {step}");
    assert!(out.contains("Old value = 0") && out.contains("New value = 1"), "write watchpoint on COUNTER");
    assert_eq!(value(&out, "counter-at-watch"), "1");
    assert!(out.contains("Old value = 1") && out.contains("New value = 3"));
    assert_eq!(value(&out, "counter-at-watch2"), "3");
    assert!(out.contains("exited normally"), "gdb saw the exit (W packet)");
    // The debugger changed nothing the guest sees.
    assert_eq!(m.retired(), plain.retired(), "instructions retired with and without gdb");
    assert_eq!(m.cycles(), plain.cycles());
    assert_eq!(console(&m), console(&plain));
    assert_eq!(format!("{:?}", m.cores[0].hart.mmu.stats), format!("{:?}", plain.cores[0].hart.mmu.stats));
}

#[test]
fn stepi_across_compressed_and_into_the_trap_handler() {
    if !have_gdb() {
        return;
    }
    let elf = target();
    let script = "\
break trap_here
continue
set $n = 0
while *(unsigned short*)$pc != 1 && $n < 400
  stepi
  set $n = $n + 1
end
set $a = $pc
stepi
printf \"cstep %d\\n\", $pc - $a
printf \"ecall %x\\n\", *(unsigned int*)$pc
stepi
printf \"regs pc=%lx mtvec=%lx mepc=%lx a=%lx\\n\", $pc, $mtvec, $mepc, $a
printf \"in-handler %d\\n\", $pc == ($mtvec & ~3)
printf \"mcause %d\\n\", $mcause
printf \"mepc-is-ecall %d\\n\", $mepc == $a + 2
delete
continue
";
    let (m, ending, out) = debug(machine(&elf, 1), &elf, script);
    assert_eq!(ending, Ending::Guest(Outcome::Exit(0)), "the run goes on normally after the steps");
    assert_eq!(value(&out, "cstep"), "2", "a compressed instruction is one 2-byte step");
    assert_eq!(value(&out, "ecall"), "73");
    assert_eq!(value(&out, "in-handler"), "1", "stepi on ecall stops at the trap vector");
    assert_eq!(value(&out, "mcause"), "11");
    assert_eq!(value(&out, "mepc-is-ecall"), "1");
    let mut plain = machine(&elf, 1);
    plain.run(Some(LIMIT), &mut NoTrace);
    assert_eq!(m.retired(), plain.retired(), "single steps do not change the instruction count");
}

#[test]
fn memory_writes_and_ctrl_c() {
    if !have_gdb() {
        return;
    }
    let elf = target();
    // SPIN makes main loop until gdb clears it; Ctrl-C stops it.
    let script = "\
set *(unsigned char*)&SPIN = 1
continue
printf \"spinning %d\\n\", *(unsigned char*)&SPIN
set *(unsigned char*)&SPIN = 0
set *(unsigned long*)&COUNTER = 100
continue
";
    let (_m, ending, out) = debug_with(machine(&elf, 1), &elf, script, Some(std::time::Duration::from_secs(1)));
    assert!(out.contains("SIGINT"), "Ctrl-C reported as SIGINT");
    assert_eq!(value(&out, "spinning"), "1");
    // The counter starts at 100: 100 + 1 + 2 + 3.
    assert_eq!(ending, Ending::Guest(Outcome::Exit(106)));
    assert!(out.contains("exited with code 0152"), "exit status reported to gdb");
}

#[test]
fn register_writes_reach_the_guest() {
    if !have_gdb() {
        return;
    }
    let elf = target();
    // bump(1) becomes bump(10): 10 + 2 + 3 = 15, the exit status. The stop is inside a
    // block, so the write must also make the run leave it and look at the new state.
    let script = "\
break bump
continue
set $a0 = 10
printf \"a0 %d\\n\", $a0
delete
continue
";
    let (_m, ending, out) = debug(machine(&elf, 1), &elf, script);
    assert_eq!(value(&out, "a0"), "10");
    assert_eq!(ending, Ending::Guest(Outcome::Exit(15)));
}

#[test]
fn harts_are_threads() {
    if !have_gdb() {
        return;
    }
    let elf = common::guest("plat_smp");
    let script = "\
info threads
thread 3
printf \"hartid %d\\n\", $mhartid
set $p = $pc
stepi
stepi
printf \"moved %d\\n\", $pc != $p
thread 1
printf \"hart0 %d\\n\", $mhartid
continue
";
    let (m, ending, out) = debug(machine(&elf, 4), &elf, script);
    assert_eq!(ending, Ending::Guest(Outcome::Exit(0)));
    assert!(out.contains("Thread 1.4"), "four harts, four threads");
    assert_eq!(value(&out, "hartid"), "2");
    assert_eq!(value(&out, "moved"), "1", "stepi on thread 3 stepped hart 2");
    assert_eq!(value(&out, "hart0"), "0");
    // Stepping one hart while the others run by the scheduler: the same run as without gdb.
    let mut plain = machine(&elf, 4);
    assert_eq!(plain.run(Some(LIMIT), &mut NoTrace), Outcome::Exit(0));
    assert_eq!(m.retired(), plain.retired());
    assert_eq!(m.cycles(), plain.cycles());
}

#[test]
fn kernel_page_fault_handler() {
    if !have_gdb() {
        return;
    }
    let kernel = common::root().join("target/riscv64gc-unknown-none-elf/release/kernel");
    assert!(kernel.exists(), "{} is missing: run `make os`", kernel.display());
    let im = common::os::images("gdb", &["echo"], "echo gdb-was-here\n", 1);
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.load_elf(&std::fs::read(&kernel).expect("kernel")).expect("load kernel");
    m.attach_drive(&im.fs, false).expect("disk");
    let script = "\
break handle_fault if $scause == 12 || $scause == 13 || $scause == 15
continue
printf \"scause %d\\n\", $scause
printf \"stval %lx\\n\", $stval
printf \"priv %d\\n\", $priv
printf \"satp-mode %d\\n\", (unsigned long)$satp >> 60
printf \"kernel-insn %x\\n\", *(unsigned short*)$pc
print/x $sepc
bt 1
delete
detach
";
    let (m, ending, out) = debug(m, &kernel, script);
    let scause: u64 = value(&out, "scause").parse().expect("scause");
    assert!([12, 13, 15].contains(&scause), "a page fault cause, not {scause}");
    let stval = u64::from_str_radix(&value(&out, "stval"), 16).expect("stval");
    assert!(stval != 0, "stval holds the faulting address");
    assert_eq!(value(&out, "priv"), "1", "the handler runs in S-mode");
    assert_eq!(value(&out, "satp-mode"), "8", "Sv39");
    // Kernel text at pc reads through the current translation (gdb printed a value, not
    // "Cannot access memory").
    assert!(u64::from_str_radix(&value(&out, "kernel-insn"), 16).is_ok(), "memory at pc read");
    assert!(out.contains("handle_fault"), "backtrace names the handler");
    // Detached: the OS runs on to its end.
    assert_eq!(ending, Ending::Guest(Outcome::Exit(0)));
    assert!(console(&m).contains("gdb-was-here"));
}

// ---------------------------------------------------------------------------------------
// The remote protocol over a raw socket (no gdb needed).

/// A minimal client: sends packets with checksums, reads one reply (acking it).
struct Client(TcpStream);

impl Client {
    fn connect(port: u16) -> Client {
        for _ in 0..100 {
            if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
                s.set_read_timeout(Some(std::time::Duration::from_secs(20))).expect("timeout");
                return Client(s);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("stub not listening");
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.0.write_all(bytes).expect("send");
    }

    fn send(&mut self, body: &str) {
        let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        self.raw(format!("${body}#{sum:02x}").as_bytes());
    }

    /// The next packet body (acks and stray bytes before `$` are skipped).
    fn reply(&mut self) -> String {
        let mut body = Vec::new();
        let mut b = [0u8];
        loop {
            self.0.read_exact(&mut b).expect("reply");
            if b[0] == b'$' {
                break;
            }
        }
        loop {
            self.0.read_exact(&mut b).expect("reply");
            if b[0] == b'#' {
                break;
            }
            body.push(b[0]);
        }
        let mut sum = [0u8; 2];
        self.0.read_exact(&mut sum).expect("checksum");
        self.raw(b"+");
        // Run-length encoding: `X*N` is X and then N - 29 more copies of it.
        let mut out = Vec::new();
        let mut i = 0;
        while i < body.len() {
            if body[i] == b'*' && i + 1 < body.len() {
                let last = *out.last().expect("RLE after a character");
                out.extend(std::iter::repeat_n(last, (body[i + 1] - 29) as usize));
                i += 2;
            } else {
                out.push(body[i]);
                i += 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn ask(&mut self, body: &str) -> String {
        self.send(body);
        self.reply()
    }
}

#[test]
fn protocol_edge_cases() {
    let elf = target();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("port").port();
    let client = std::thread::spawn(move || {
        let mut c = Client::connect(port);
        let packets = [
            "qSupported:swbreak+;hwbreak+;xmlRegisters=riscv",
            "?",
            // pc (32), priv (4161 = 0x1041), scause (65 + 0x142 = 0x183), an unknown number.
            "p20",
            "p1041",
            "p183",
            "p7fff",
            // Memory: the reset vector in ROM, the UART (a device: refused), nothing.
            "m1000,4",
            "m10000000,1",
            "m4000000000,4",
            // A watchpoint on a device / on nothing, and on RAM.
            "Z2,10000000,1",
            "Z2,4000000000,8",
            "Z2,80000000,8",
            "qfThreadInfo",
            "qXfer:features:read:target.xml:0,ffff",
            "qXfer:features:read:nosuch.xml:0,ffff",
        ];
        let r: Vec<String> = packets.iter().map(|p| c.ask(p)).collect();
        // Kill: no reply (gdbstub closes the connection without extended mode).
        c.send("vKill;1");
        let _ = c.0.read_to_end(&mut Vec::new());
        r
    });
    let (m, ending) = gdb::run(machine(&elf, 1), listener, true, Some(LIMIT)).expect("stub");
    let r = client.join().expect("client");
    println!("{r:#?}");
    assert_eq!(ending, Ending::Killed);
    assert_eq!(m.retired(), 0, "nothing ran");
    assert!(r[0].contains("qXfer:features:read+"), "target description offered: {}", r[0]);
    assert!(r[1].starts_with('T') || r[1].starts_with('S'), "stop reply: {}", r[1]);
    assert_eq!(r[2], "0010000000000000", "pc = 0x1000, little-endian");
    assert_eq!(r[3], "0300000000000000", "priv = M");
    assert_eq!(r[4], "0000000000000000");
    assert_eq!(r[5], "E16", "unknown register: EINVAL");
    assert_eq!(r[6], "97020000", "auipc t0, 0");
    assert_eq!(r[7], "E0e", "device read refused (EFAULT)");
    assert_eq!(r[8], "E0e");
    assert_eq!(r[9], "E0e", "watchpoint on a device refused");
    assert_eq!(r[10], "E0e", "watchpoint on nothing refused");
    assert_eq!(r[11], "OK");
    assert_eq!(r[12], "m01", "one thread");
    assert!(r[13].contains("riscv-64bit-csr.xml"), "{}", r[13]);
    assert!(r[14].starts_with('E'), "unknown annex: {}", r[14]);
    assert_eq!(m.bus.dev.uart.output, b"", "no UART side effect");
}

#[test]
fn malformed_packets_end_the_session_and_the_guest_runs_on() {
    // gdbstub treats a packet it cannot parse (or a bad checksum) as the end of the
    // session: rvsim says so in one line, the guest runs on, and a gdb may attach again.
    let elf = target();
    for bad in [&b"$mzz,4#b6"[..], b"$m1000,4#00"] {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("port").port();
        let client = std::thread::spawn(move || {
            let mut c = Client::connect(port);
            let first = c.ask("qfThreadInfo");
            c.raw(bad);
            let mut rest = Vec::new();
            let _ = c.0.read_to_end(&mut rest);
            (first, rest)
        });
        let (m, ending) = gdb::run(machine(&elf, 1), listener, true, Some(LIMIT)).expect("stub");
        let (first, _rest) = client.join().expect("client");
        assert_eq!(first, "m01");
        assert_eq!(ending, Ending::Guest(Outcome::Exit(0)), "the guest ran on to its exit");
        assert!(console(&m).contains("gdb_target: counter 6"));
    }
}

// ---------------------------------------------------------------------------------------
// The command line.

fn rvsim() -> PathBuf {
    let p = common::root().join("target/release/rvsim");
    assert!(p.exists(), "{} is missing: run `make emulator`", p.display());
    p
}

#[test]
fn bad_gdb_spec_and_port_in_use_exit_2() {
    let elf = target();
    let out = Command::new(rvsim()).args(["run", "--gdb", "tcp:nonsense"]).arg(&elf).output().expect("rvsim");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad --gdb"), "{}", String::from_utf8_lossy(&out.stderr));
    let busy = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("port").port();
    let out = Command::new(rvsim()).args(["run", "--gdb", &format!("tcp::{port}")]).arg(&elf).output().expect("rvsim");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn cli_runs_without_gdb_attached_and_exits_with_the_guest_status() {
    // `-s` alone: the guest runs at once; nobody attaches; the status is the guest's.
    let elf = target();
    let free = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = free.local_addr().expect("port").port();
    drop(free);
    let out = Command::new(rvsim()).args(["run", "--gdb", &format!("tcp::{port}")]).arg(&elf).output().expect("rvsim");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("gdb_target: counter 6"));
}

#[test]
fn cli_dash_s_waits_for_a_connection_then_runs_on() {
    let elf = target();
    let free = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = free.local_addr().expect("port").port();
    drop(free);
    let child = Command::new(rvsim())
        .args(["run", "-S", "--gdb", &format!("tcp:127.0.0.1:{port}")])
        .arg(&elf)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rvsim");
    let mut ready = false;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).map(drop).is_ok() {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // That probe connection was the stub's first client and went away: it runs on.
    assert!(ready, "rvsim listens");
    let out = child.wait_with_output().expect("rvsim");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("waiting for gdb") && err.contains("the guest runs on"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("gdb_target: counter 6"));
}
