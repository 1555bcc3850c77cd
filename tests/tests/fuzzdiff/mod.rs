//! Differential testing against QEMU: random programs (gen), packed many to an ELF with a
//! small M-mode runtime (rt, enc, elf), run on rvsim in-process and on
//! `qemu-system-riscv64 -machine virt -bios none`, compared by their printed signatures.

/// ELF writer.
pub mod elf;
/// Instruction encoders.
pub mod enc;
/// Random program generator.
pub mod gen;
/// Runtime: start-up, trap handler, signature dump.
pub mod rt;

use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::process::{Command, Stdio};

/// One program's place in a batch ELF.
pub struct Placed {
    pub index: u64,
    pub body_addr: u64,
    pub body: Vec<u8>,
}

/// An ELF holding programs `first..first + count` of run `seed`, run one after the other.
pub struct Batch {
    pub elf: Vec<u8>,
    pub programs: Vec<Placed>,
}

/// Builds the batch. Program `index` always sits in slot `index % SLOTS` (code and
/// table), so a program behaves the same in any batch: `FUZZ_DIFF_FIRST=i
/// FUZZ_DIFF_PROGRAMS=1` reproduces it exactly.
pub fn batch(seed: u64, first: u64, count: u64) -> Batch {
    assert!(count <= rt::SLOTS, "at most {} programs per batch", rt::SLOTS);
    let mut a = rt::Asm::new(rt::CODE);
    let runtime = rt::emit(&mut a);
    let slot = |index: u64| index % rt::SLOTS;
    a.call(0, 5, rt::slot_code(slot(first)));
    let mut segments: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut programs = Vec::new();
    for index in first..first + count {
        let p = gen::program(seed, index);
        let table = rt::slot_table(slot(index));
        segments.push((table, p.init.table()));
        let mut c = rt::Asm::new(rt::slot_code(slot(index)));
        let mut body = Vec::new();
        gen::emit(&p.body, &mut body);
        rt::prologue(&mut c, &runtime, table, body.len() as u64, p.mode, p.paged);
        let body_addr = c.pc();
        c.bytes.extend_from_slice(&body);
        rt::epilogue(&mut c, &runtime, index as u32);
        if index + 1 < first + count {
            c.jal_to(0, rt::slot_code(slot(index + 1)));
        } else {
            rt::finish(&mut c);
        }
        assert!(c.bytes.len() as u64 <= rt::SLOT_LEN, "program {index} does not fit its slot");
        segments.push((c.base, c.bytes));
        programs.push(Placed { index, body_addr, body });
    }
    // Two contiguous images (code, tables) and the zeroed save area: QEMU 7.2's loader
    // did not start an ELF with one small segment per program.
    let mut code = a.bytes;
    let mut tables = Vec::new();
    for (addr, bytes) in &segments {
        let (img, base) = if *addr >= rt::DATA { (&mut tables, rt::DATA) } else { (&mut code, rt::CODE) };
        let off = (addr - base) as usize;
        if img.len() < off + bytes.len() {
            img.resize(off + bytes.len(), 0);
        }
        img[off..off + bytes.len()].copy_from_slice(bytes);
    }
    let area = vec![0u8; 1024];
    let pt = rt::page_tables();
    let elf = elf::write(rt::CODE, &[(rt::CODE, &code), (rt::AREA, &area), (rt::PT, &pt), (rt::DATA, &tables)]);
    Batch { elf, programs }
}

/// Output of one machine: the console, and whether it ended through the finisher.
pub struct RunOut {
    pub console: String,
    pub finished: bool,
}

/// Runs the batch on rvsim.
pub fn run_rvsim(elf: &[u8]) -> RunOut {
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.load_elf(elf).expect("load batch ELF");
    let outcome = m.run(Some(500_000_000), &mut NoTrace);
    RunOut {
        console: String::from_utf8_lossy(&m.bus.dev.uart.output).into_owned(),
        finished: outcome == Outcome::Exit(0),
    }
}

/// The QEMU command line (Debian's QEMU 7.2; Zb* named explicitly).
pub const QEMU_ARGS: [&str; 13] = [
    "-machine",
    "virt",
    "-cpu",
    "rv64,h=false,zba=true,zbb=true,zbc=true,zbs=true",
    "-bios",
    "none",
    "-nographic",
    "-m",
    "128M",
    "-monitor",
    "none",
    "-serial",
    "stdio",
];

/// Is qemu-system-riscv64 installed?
pub fn have_qemu() -> bool {
    Command::new("qemu-system-riscv64").arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
}

/// Runs the batch on QEMU (at most 120 s), from a file at `path`.
pub fn run_qemu(elf: &[u8], path: &std::path::Path) -> RunOut {
    std::fs::write(path, elf).expect("write batch ELF");
    let out = Command::new("timeout")
        .arg("60")
        .arg("qemu-system-riscv64")
        .args(QEMU_ARGS)
        .arg("-kernel")
        .arg(path)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("run qemu-system-riscv64");
    if std::env::var_os("FUZZ_DIFF_KEEP").is_none() {
        let _ = std::fs::remove_file(path);
    }
    RunOut {
        console: String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
        finished: out.status.code() == Some(0),
    }
}

/// The lines program `k` of a batch printed, if it printed them all.
pub fn program_lines(console: &str, k: usize) -> Option<Vec<&str>> {
    let lines: Vec<&str> = console.lines().skip(k * rt::LINES).take(rt::LINES).collect();
    (lines.len() == rt::LINES).then_some(lines)
}

/// A disassembly of a program's body (rvsim's disassembler; `riscv64-unknown-elf-objdump
/// -D -b binary -m riscv:rv64 --adjust-vma=ADDR` on the bytes agrees).
pub fn disassemble(p: &Placed) -> String {
    let mut out = String::new();
    let mut off = 0;
    while off + 2 <= p.body.len() {
        let lo = u16::from_le_bytes([p.body[off], p.body[off + 1]]);
        let pc = p.body_addr + off as u64;
        let (ins, len, raw) = if lo & 3 == 3 && off + 4 <= p.body.len() {
            let w = u32::from_le_bytes(p.body[off..off + 4].try_into().expect("4 bytes"));
            (rvsim::isa::decode32(w), 4, format!("{w:08x}"))
        } else {
            (rvsim::isa::decode16(lo), 2, format!("    {lo:04x}"))
        };
        out += &format!("  {pc:x}: {raw}  {}\n", rvsim::isa::disasm::disasm(&ins, pc));
        off += len;
    }
    out
}

/// The first difference in a batch, as a report; None when both agree.
pub fn compare(seed: u64, b: &Batch, ours: &RunOut, theirs: &RunOut) -> Option<String> {
    for (k, p) in b.programs.iter().enumerate() {
        let a = program_lines(&ours.console, k);
        let q = program_lines(&theirs.console, k);
        if a.is_some() && a == q {
            continue;
        }
        let mut rep = format!(
            "program {} of seed {seed:#x} differs (reproduce: FUZZ_DIFF_SEED={seed:#x} FUZZ_DIFF_FIRST={} \
             FUZZ_DIFF_PROGRAMS=1 make fuzz-diff)\nbody at {:#x}:\n{}",
            p.index,
            p.index,
            p.body_addr,
            disassemble(p)
        );
        let (a, q) = (a.unwrap_or_default(), q.unwrap_or_default());
        rep += &format!("{:<16} {:<18} {:<18}\n", "", "rvsim", "qemu");
        for n in 0..rt::LINES {
            let (x, y) = (a.get(n).copied().unwrap_or("-"), q.get(n).copied().unwrap_or("-"));
            let mark = if x != y { "  <-- differs" } else { "" };
            rep += &format!("{:<16} {x:<18} {y:<18}{mark}\n", rt::line_name(n));
        }
        if a.len() < rt::LINES || q.len() < rt::LINES {
            rep += &format!(
                "(output incomplete; rvsim finished: {}, qemu finished: {})\n",
                ours.finished, theirs.finished
            );
        }
        return Some(rep);
    }
    if !ours.finished || !theirs.finished {
        return Some(format!(
            "batch did not end through the finisher: rvsim {}, qemu {}",
            ours.finished, theirs.finished
        ));
    }
    None
}

/// Records the traps rvsim takes.
#[derive(Default)]
struct Traps(Vec<rvsim::hart::TrapEvent>);

impl rvsim::hart::Tracer for Traps {
    const ACTIVE: bool = true;
    fn trap(&mut self, _h: &rvsim::hart::Hart, ev: &rvsim::hart::TrapEvent) {
        self.0.push(*ev);
    }
}

/// The traps (cause, epc, tval) each machine takes inside program `p`'s body, for a
/// report: rvsim's from a tracer, QEMU's from `-d int`.
pub fn trap_lists(elf: &[u8], p: &Placed, path: &std::path::Path) -> String {
    let inside = |epc: u64| (p.body_addr..p.body_addr + p.body.len() as u64).contains(&epc);
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.load_elf(elf).expect("load batch ELF");
    let mut t = Traps::default();
    m.run(Some(500_000_000), &mut t);
    let mut out = String::from("rvsim traps (cause epc tval):\n");
    for ev in t.0.iter().filter(|e| inside(e.epc)) {
        out += &format!("  {:#x} {:#x} {:#x}\n", ev.cause, ev.epc, ev.tval);
    }
    out += "qemu traps (-d int):\n";
    std::fs::write(path, elf).expect("write batch ELF");
    let log = path.with_extension("log");
    let _ = Command::new("timeout")
        .arg("120")
        .arg("qemu-system-riscv64")
        .args(QEMU_ARGS)
        .args(["-d", "int", "-D"])
        .arg(&log)
        .arg("-kernel")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    for line in text.lines() {
        let field = |name: &str| {
            line.split(name).nth(1).and_then(|s| {
                let s = s.trim_start_matches("0x");
                u64::from_str_radix(s.split(|c: char| !c.is_ascii_hexdigit()).next()?, 16).ok()
            })
        };
        if let (Some(cause), Some(epc), Some(tval)) = (field("cause:"), field("epc:"), field("tval:")) {
            if inside(epc) {
                out += &format!("  {cause:#x} {epc:#x} {tval:#x}\n");
            }
        }
    }
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(&log);
    out
}
