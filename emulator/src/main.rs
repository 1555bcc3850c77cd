//! `rvsim`: the command-line front end. Parsing and reporting only; the machine lives in
//! the library.

use clap::{Parser, Subcommand};
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
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
    /// The ELF file to run (`-bios none`: entered in M-mode). Optional with --kernel.
    #[arg(required_unless_present_any = ["kernel", "bios"])]
    elf: Option<PathBuf>,
    /// RAM size, e.g. 128M, 1G or a byte count.
    #[arg(short = 'm', long = "memory", default_value = "128M", value_parser = parse_size)]
    memory: u64,
    /// Number of harts (1 to 8).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=8))]
    smp: u64,
    /// Stop after this many cycles: retired instructions plus WFI idle cycles (exit status 124).
    #[arg(long)]
    max_insns: Option<u64>,
    /// Print instruction counts by privilege, wall time and MIPS at exit (to stderr).
    #[arg(long)]
    stats: bool,
    /// A virtio-blk disk image: FILE or FILE,readonly (repeat for up to 8, in slot order).
    #[arg(long = "drive", value_name = "FILE[,readonly]")]
    drives: Vec<String>,
    /// Firmware run in M-mode from 0x80000000 (ELF or raw), e.g. OpenSBI fw_jump.elf.
    /// "none" (the default) boots the ELF/kernel directly in M-mode.
    #[arg(long)]
    bios: Option<PathBuf>,
    /// Kernel: with --bios, loaded at 0x80200000 (raw) or its ELF addresses; without it,
    /// run like the positional ELF.
    #[arg(long)]
    kernel: Option<PathBuf>,
    /// Kernel command line (/chosen/bootargs in the device tree).
    #[arg(long)]
    append: Option<String>,
    /// Write the generated device tree blob to FILE.
    #[arg(long, value_name = "FILE")]
    dump_dtb: Option<PathBuf>,
    /// At exit, write memory between begin_signature and end_signature (Spike format).
    #[arg(long, value_name = "FILE")]
    signature: Option<PathBuf>,
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

fn read_file(p: &std::path::Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(p).map_err(|e| {
        eprintln!("rvsim: cannot read {}: {e}", p.display());
        ExitCode::from(EXIT_USAGE)
    })
}

/// Builds the machine and loads firmware, kernel or ELF as the options say.
fn setup(args: &RunArgs) -> Result<Machine, ExitCode> {
    let usage = |msg: String| {
        eprintln!("rvsim: {msg}");
        ExitCode::from(EXIT_USAGE)
    };
    let config = MachineConfig { ram_size: args.memory, harts: args.smp as usize, ..Default::default() };
    let mut m = Machine::new(config);
    m.boot.bootargs = args.append.clone();
    if args.drives.len() > 8 {
        return Err(usage("at most 8 --drive options".into()));
    }
    for d in &args.drives {
        let (path, ro) = match d.strip_suffix(",readonly") {
            Some(p) => (p, true),
            None => (d.as_str(), false),
        };
        m.attach_drive(std::path::Path::new(path), ro).map_err(|e| usage(e.to_string()))?;
    }
    let bios = args.bios.as_ref().filter(|b| b.as_os_str() != "none");
    let kernel = args.kernel.as_ref().or(args.elf.as_ref());
    match bios {
        Some(fw) => {
            let fw_bytes = read_file(fw)?;
            let k = kernel.map(|k| read_file(k)).transpose()?;
            m.load_firmware(&fw_bytes, k.as_deref()).map_err(|e| usage(format!("{}: {e}", fw.display())))?;
        }
        None => {
            let Some(k) = kernel else { return Err(usage("nothing to run: give an ELF or --kernel".into())) };
            let bytes = read_file(k)?;
            m.load_elf(&bytes).map_err(|e| usage(format!("{}: {e}", k.display())))?;
        }
    }
    if let Some(p) = &args.dump_dtb {
        std::fs::write(p, &m.dtb).map_err(|e| usage(format!("cannot write {}: {e}", p.display())))?;
    }
    m.bus.dev.uart.attach_stdin();
    Ok(m)
}

fn run(args: RunArgs) -> ExitCode {
    let mut m = match setup(&args) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let start = Instant::now();
    let outcome = m.run(args.max_insns, &mut NoTrace);
    if let Some(p) = &args.signature {
        match m.signature() {
            Some(sig) => {
                if let Err(e) = std::fs::write(p, sig) {
                    eprintln!("rvsim: cannot write {}: {e}", p.display());
                }
            }
            None => eprintln!("rvsim: --signature: the ELF defines no begin_signature/end_signature"),
        }
    }
    let wall = start.elapsed();
    if args.stats {
        let n = m.retired();
        let secs = wall.as_secs_f64();
        eprintln!("rvsim: {n} instructions in {secs:.3} s = {:.1} MIPS", n as f64 / secs.max(1e-9) / 1e6);
        for c in &m.cores {
            let r = &c.hart.stats.retired_by_priv;
            eprintln!("rvsim: hart {}: M {} S {} U {}", c.hart.hartid, r[3], r[1], r[0]);
        }
        for (i, v) in m.bus.dev.virtio.iter().enumerate().filter(|(_, v)| v.present()) {
            let s = v.io_stats();
            eprintln!(
                "rvsim: disk {i}: {} reads ({} bytes), {} writes ({} bytes)",
                s.reads, s.bytes_read, s.writes, s.bytes_written
            );
        }
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
