//! `rvsim`: the command-line front end. Parsing and reporting only; the machine lives in
//! the library.

use clap::{Parser, Subcommand};
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use rvsim::trace::stats::RunStats;
use rvsim::trace::{CommitLog, DisasmTrace, TraceOut};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Exit status when the instruction limit ends the run (as `timeout` uses).
const EXIT_LIMIT: u8 = 124;
/// Exit status for errors in the command line or the input files.
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(name = "rvsim", version, about = "A RISC-V machine you can read: an RV64GC emulator of QEMU's virt board")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Boot an ELF (bare-metal program or kernel) in M-mode and run it until it exits.
    ///
    /// The exit status is the guest's: from the test finisher at 0x100000 or from HTIF
    /// `tohost`. Status 2 means the input could not be loaded, 124 that --max-insns ran out.
    #[command(after_help = "Examples:\n  \
        rvsim run hello.elf\n  \
        rvsim run -m 256M --stats kernel.elf\n  \
        rvsim run --max-insns 1000000 --trace trace.log test.elf")]
    Run(RunArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The ELF file to run.
    elf: PathBuf,
    /// RAM size, e.g. 128M, 1G or a byte count.
    #[arg(short = 'm', long = "memory", default_value = "128M", value_parser = parse_size)]
    memory: u64,
    /// Number of harts (1 to 8).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=8))]
    smp: u64,
    /// Stop after this many retired instructions (exit status 124).
    #[arg(long)]
    max_insns: Option<u64>,
    /// Print instruction counts by privilege, wall time, MIPS and traps by cause at exit
    /// (to stderr).
    #[arg(long)]
    stats: bool,
    /// Write a commit log in Spike's --log-commits format to FILE (`-` = stderr).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Write a disassembly trace in the layout of Spike's -l to FILE (`-` = stderr).
    #[arg(long, value_name = "FILE")]
    trace_disasm: Option<PathBuf>,
}

/// Parses sizes like `128M`, `1G`, `4096`, `64K`.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mul) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let mul = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("unknown size suffix '{c}' (use K, M or G)")),
            };
            (&s[..i], mul)
        }
        _ => (s, 1),
    };
    let n: u64 = num.parse().map_err(|_| format!("'{s}' is not a size"))?;
    let bytes = n.checked_mul(mul).ok_or("size too large")?;
    if !(1 << 20..=16 << 30).contains(&bytes) {
        return Err("memory must be between 1M and 16G".into());
    }
    Ok(bytes)
}

fn main() -> ExitCode {
    env_logger::init();
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args),
    }
}

fn run(args: RunArgs) -> ExitCode {
    let bytes = match std::fs::read(&args.elf) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("rvsim: cannot read {}: {e}", args.elf.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let config = MachineConfig { ram_size: args.memory, harts: args.smp as usize, ..Default::default() };
    let mut m = Machine::new(config);
    if let Err(e) = m.load_elf(&bytes) {
        eprintln!("rvsim: {}: {e}", args.elf.display());
        return ExitCode::from(EXIT_USAGE);
    }
    let open = |p: &PathBuf| {
        TraceOut::create(p).map_err(|e| {
            eprintln!("rvsim: cannot create trace file {}: {e}", p.display());
        })
    };
    let mut commit = match args.trace.as_ref().map(open).transpose() {
        Ok(o) => o.map(CommitLog::new),
        Err(()) => return ExitCode::from(EXIT_USAGE),
    };
    let mut disasm = match args.trace_disasm.as_ref().map(open).transpose() {
        Ok(o) => o.map(DisasmTrace::new),
        Err(()) => return ExitCode::from(EXIT_USAGE),
    };
    let start = Instant::now();
    // The tracer is a type parameter of the run loop: each combination is its own
    // monomorphized loop, and the untraced one is unchanged.
    let outcome = match (commit.as_mut(), disasm.as_mut()) {
        (None, None) => m.run(args.max_insns, &mut NoTrace),
        (Some(c), None) => m.run(args.max_insns, c),
        (None, Some(d)) => m.run(args.max_insns, d),
        (Some(c), Some(d)) => m.run(args.max_insns, &mut (c, d)),
    };
    let wall = start.elapsed();
    let flushed = [commit.as_mut().map(|c| c.finish()), disasm.as_mut().map(|d| d.finish())];
    for e in flushed.into_iter().flatten().filter_map(Result::err) {
        eprintln!("rvsim: writing trace: {e}");
    }
    if args.stats {
        eprint!("{}", RunStats::collect(&m, wall).render_text());
    }
    match outcome {
        Outcome::Exit(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Outcome::Reset => ExitCode::SUCCESS,
        Outcome::InstructionLimit => {
            eprintln!("rvsim: instruction limit reached");
            ExitCode::from(EXIT_LIMIT)
        }
    }
}
