//! `rvsim`: the command-line front end. Parsing and reporting only; the machine lives in
//! the library.

use clap::{Parser, Subcommand};
use rvsim::hart::NoTrace;
use rvsim::machine::{BootError, Machine, MachineConfig, Outcome};
use rvsim::mmu::{AdMode, MmuConfig, TlbConfig};
use rvsim::trace::events::Symbols;
use rvsim::trace::events_filter::{self, EventFilter};
use rvsim::trace::stats::RunStats;
use rvsim::trace::{CommitLog, DisasmTrace, EventTrace, TraceOut};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Instant;

/// Exit status when the instruction limit ends the run (as `timeout` uses).
const EXIT_LIMIT: u8 = 124;
/// Exit status for errors in the command line or the input files.
const EXIT_USAGE: u8 = 2;

/// Set by SIGINT/SIGTERM: the run stops between time slices ([`Machine::stop`]).
static STOP: AtomicBool = AtomicBool::new(false);
/// The signal that set [`STOP`] (the exit status is 128 + it, as a shell reports).
static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_stop_signal(sig: i32) {
    // Only atomic stores: async-signal-safe.
    STOP_SIGNAL.store(sig, Ordering::Relaxed);
    STOP.store(true, Ordering::Relaxed);
}

/// SIGINT (Ctrl-C) and SIGTERM end the run at the next time slice instead of killing
/// rvsim, so --stats, --stats-json, traces and disk images are still written.
fn catch_stop_signals() {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let action = SigAction::new(SigHandler::Handler(on_stop_signal), SaFlags::SA_RESTART, SigSet::empty());
    for sig in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: the handler only stores to atomics.
        if unsafe { sigaction(sig, &action) }.is_err() {
            eprintln!("rvsim: cannot catch {sig}; it will end rvsim without statistics");
        }
    }
}

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
    Run(Box<RunArgs>),
    /// Per-page counts (walks, walk faults, TLB fills and evictions, page faults, kernel
    /// outcomes) of an event trace written by `rvsim run --events` (see docs/events.md).
    #[command(after_help = "Example:\n  rvsim run --events ev.jsonl kernel.elf && rvsim events-summary ev.jsonl")]
    EventsSummary {
        /// The trace (JSON lines); `-` reads standard input.
        file: PathBuf,
    },
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
    /// Stop after this many cycles: retired instructions, traps and WFI idle cycles (exit status 124).
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
    /// Write the structured event trace (JSON lines: walks, TLB, sfence, satp, traps,
    /// interrupts, virtio, kernel hints; docs/events.md) to FILE (`-` = stderr).
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// Event kinds to write: comma-separated walk, tlb, sfence, satp, trap, interrupt,
    /// virtio, kernel (default all).
    #[arg(long, value_name = "KINDS", value_parser = events_filter::parse_kinds, requires = "events")]
    events_filter: Option<u32>,
    /// Only events of instructions START..END (retired-instruction counts, either side optional).
    #[arg(long, value_name = "START..END", value_parser = events_filter::parse_range, requires = "events")]
    events_insns: Option<std::ops::Range<u64>>,
    /// Only events at these privileges: comma-separated U, S, M.
    #[arg(long, value_name = "PRIVS", value_parser = events_filter::parse_privs, requires = "events")]
    events_priv: Option<u8>,
    /// Only events about virtual addresses LO..HI (events about no address are kept).
    #[arg(long, value_name = "LO..HI", value_parser = events_filter::parse_range, requires = "events")]
    events_addr: Option<std::ops::Range<u64>>,
    /// Write nothing before the pc first reaches this ELF symbol (or address).
    #[arg(long, value_name = "SYMBOL", requires = "events")]
    events_from: Option<String>,
    /// Write the statistics as JSON to FILE at exit.
    #[arg(long, value_name = "FILE")]
    stats_json: Option<PathBuf>,
    /// Instruction TLB geometry: ENTRIES[,WAYS] (powers of two; WAYS defaults to ENTRIES,
    /// fully associative; 0 = no TLB).
    #[arg(long, value_name = "ENTRIES[,WAYS]", default_value = "32,4", value_parser = parse_tlb)]
    itlb: TlbConfig,
    /// Data TLB geometry: ENTRIES[,WAYS], as for --itlb.
    #[arg(long, value_name = "ENTRIES[,WAYS]", default_value = "32,4", value_parser = parse_tlb)]
    dtlb: TlbConfig,
    /// Second-level TLB shared by fetches and data, looked up on an iTLB/dTLB miss
    /// before walking: ENTRIES[,WAYS] as for --itlb, but WAYS defaults to 8 (0 = no L2
    /// TLB, the default), e.g. --l2tlb 1024.
    #[arg(long, value_name = "ENTRIES[,WAYS]", default_value = "0", value_parser = parse_l2tlb)]
    l2tlb: TlbConfig,
    /// Who sets PTE A/D bits: the page walker (hardware, as QEMU) or the OS after a page
    /// fault (trap, Svade).
    #[arg(long, value_enum, default_value_t = AdModeArg::Hardware)]
    ad_mode: AdModeArg,
    /// At exit, dump hart 0's page table (current satp) to stderr, or with --dump-pt=FILE to FILE.
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true, default_missing_value = "-")]
    dump_pt: Option<PathBuf>,
    /// A virtio-blk disk image: FILE, then optional items `readonly` and
    /// `errors=ITEM[,ITEM...]`, ITEM one of read:N, write:M (fail the Nth read / Mth write
    /// request), sector:S (fail every request covering sector S), wsector:S (every write
    /// covering it), rate:P, wrate:P, seed:S (fail each request, or each write, with
    /// probability P, seeded). Repeat for up to 8, in slot order.
    #[arg(long = "drive", value_name = "FILE[,readonly][,errors=read:N,write:M,...]")]
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
    /// Initial RAM disk, placed as QEMU 7.2 does: kernel entry + min(RAM/2, 128 MiB), and
    /// named in /chosen (linux,initrd-start, linux,initrd-end). Needs a kernel.
    #[arg(long, value_name = "FILE")]
    initrd: Option<PathBuf>,
    /// Hand this device tree blob to the guest instead of the generated one (--append and
    /// --initrd are still written into its /chosen, as QEMU does).
    #[arg(long, value_name = "FILE")]
    dtb: Option<PathBuf>,
    /// Write the device tree blob handed to the guest (generated, or --dtb with /chosen
    /// patched) to FILE.
    #[arg(long, value_name = "FILE")]
    dump_dtb: Option<PathBuf>,
    /// At exit, write memory between begin_signature and end_signature (Spike format).
    #[arg(long, value_name = "FILE")]
    signature: Option<PathBuf>,
    /// Listen for gdb on tcp::1234 (shorthand for --gdb tcp::1234, as QEMU's -s).
    #[arg(short = 's')]
    gdb_default: bool,
    /// Do not run the first instruction before gdb attaches (QEMU's -S).
    #[arg(short = 'S')]
    gdb_wait: bool,
    /// Listen for gdb on tcp::PORT or tcp:HOST:PORT (see docs/gdb.md).
    #[arg(long, value_name = "tcp::PORT")]
    gdb: Option<String>,
}

/// `--ad-mode` values.
#[derive(Clone, Copy, clap::ValueEnum)]
enum AdModeArg {
    Hardware,
    Trap,
}

/// Parses `ENTRIES[,WAYS]` for --l2tlb: WAYS defaults to 8 (or ENTRIES if fewer).
fn parse_l2tlb(s: &str) -> Result<TlbConfig, String> {
    if s.contains(',') {
        return parse_tlb(s);
    }
    let entries = s.trim().parse::<u32>().map_err(|_| format!("'{s}' is not a number"))?;
    parse_tlb(&format!("{entries},{}", entries.clamp(1, 8)))
}

/// Parses `ENTRIES[,WAYS]` for --itlb/--dtlb.
fn parse_tlb(s: &str) -> Result<TlbConfig, String> {
    let mut it = s.split(',');
    let num = |v: Option<&str>| -> Result<Option<u32>, String> {
        v.map(|v| v.trim().parse::<u32>().map_err(|_| format!("'{v}' is not a number"))).transpose()
    };
    let entries = num(it.next())?.ok_or("missing entry count")?;
    let ways = num(it.next())?.unwrap_or(entries);
    if it.next().is_some() {
        return Err("expected ENTRIES or ENTRIES,WAYS".into());
    }
    if entries == 0 {
        return Ok(TlbConfig { entries: 0, ways: 0 });
    }
    if !entries.is_power_of_two() || entries > 4096 {
        return Err("entries must be a power of two up to 4096 (or 0)".into());
    }
    if !ways.is_power_of_two() || ways > entries || ways > 64 {
        return Err("ways must be a power of two, at most the entries and at most 64".into());
    }
    Ok(TlbConfig { entries, ways })
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
        Command::Run(args) => run(*args),
        Command::EventsSummary { file } => events_summary(&file),
    }
}

/// `rvsim events-summary FILE`: the per-page table on stdout.
fn events_summary(file: &std::path::Path) -> ExitCode {
    use rvsim::trace::events_summary::Summary;
    let read = if file.as_os_str() == "-" {
        Summary::read(std::io::stdin().lock())
    } else {
        // A regular file only (as for the run's inputs): /dev/zero has no end of line.
        let opened = std::fs::File::open(file).and_then(|f| {
            if f.metadata()?.is_file() {
                Ok(f)
            } else {
                Err(std::io::Error::other("not a regular file"))
            }
        });
        match opened {
            Ok(f) => Summary::read(std::io::BufReader::new(f)),
            Err(e) => {
                eprintln!("rvsim: cannot read {}: {e}", file.display());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    };
    match read {
        Ok(s) => {
            print!("{}", s.render());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rvsim: {}: {e}", file.display());
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The event tracer `--events` asks for, its filter built from the other `--events-*`
/// options and `--events-from` resolved in the ELF's symbols. The MMUs and virtio devices
/// are told to report what it wants.
fn event_trace(args: &RunArgs, m: &mut Machine) -> Result<Option<EventTrace>, ExitCode> {
    let Some(path) = &args.events else { return Ok(None) };
    let usage = |msg: String| {
        eprintln!("rvsim: {msg}");
        ExitCode::from(EXIT_USAGE)
    };
    let mut filter = EventFilter::default();
    if let Some(k) = args.events_filter {
        filter.kinds = k;
    }
    if let Some(r) = &args.events_insns {
        filter.insns = r.clone();
    }
    if let Some(p) = args.events_priv {
        filter.privs = p;
    }
    filter.addr = args.events_addr.as_ref().map(|r| (r.start, r.end));
    if let Some(sym) = &args.events_from {
        let at = m.elf.symbol(sym).or_else(|| events_filter::parse_num(sym).ok());
        filter.from = Some(at.ok_or_else(|| usage(format!("--events-from: no symbol '{sym}' in the ELF")))?);
    }
    let out =
        TraceOut::create(path).map_err(|e| usage(format!("cannot create event trace {}: {e}", path.display())))?;
    let t = EventTrace::new(out, filter, Symbols::new(&m.elf));
    if t.wants_mmu() {
        for c in m.cores.iter_mut() {
            c.hart.mmu.events = Some(Vec::new());
        }
    }
    if t.wants_virtio() {
        for (i, v) in m.bus.dev.virtio.iter_mut().enumerate() {
            v.set_request_sink(i, t.sink());
        }
    }
    Ok(Some(t))
}

/// Reads an input file of at most `limit` bytes (the RAM size: nothing larger can be
/// loaded). Only regular files are read, so `/dev/zero` or a FIFO cannot make the read
/// unbounded; the read itself is capped too, in case the file grows meanwhile.
fn read_file(p: &std::path::Path, limit: u64) -> Result<Vec<u8>, ExitCode> {
    use std::io::Read;
    let fail = |msg: String| {
        eprintln!("rvsim: {}: {msg}", p.display());
        ExitCode::from(EXIT_USAGE)
    };
    let file = std::fs::File::open(p).map_err(|e| fail(format!("cannot read: {e}")))?;
    let meta = file.metadata().map_err(|e| fail(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    if meta.len() > limit {
        return Err(fail(format!("{} bytes is larger than RAM ({limit} bytes)", meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(fail(format!("larger than RAM ({limit} bytes)")));
    }
    Ok(bytes)
}

/// The message for a boot error, naming the file it is about (`image`: the firmware, or
/// the kernel without one).
fn boot_error(e: &BootError, image: &std::path::Path, args: &RunArgs) -> String {
    let file = match e {
        BootError::Dtb(_) => args.dtb.as_deref(),
        BootError::InitrdTooBig { .. }
        | BootError::InitrdOverlapsKernel { .. }
        | BootError::InitrdOverlapsDtb { .. } => args.initrd.as_deref(),
        BootError::InitrdWithoutKernel => return format!("--initrd: {e}"),
        _ => None,
    };
    format!("{}: {e}", file.unwrap_or(image).display())
}

/// Builds the machine and loads firmware, kernel or ELF as the options say.
fn setup(args: &RunArgs) -> Result<Machine, ExitCode> {
    let usage = |msg: String| {
        eprintln!("rvsim: {msg}");
        ExitCode::from(EXIT_USAGE)
    };
    let ad_mode = match args.ad_mode {
        AdModeArg::Hardware => AdMode::Hardware,
        AdModeArg::Trap => AdMode::Trap,
    };
    let mmu = MmuConfig { itlb: args.itlb, dtlb: args.dtlb, l2tlb: args.l2tlb, ad_mode };
    let config = MachineConfig { ram_size: args.memory, harts: args.smp as usize, mmu, ..Default::default() };
    let mut m = Machine::new(config);
    let limit = args.memory;
    m.boot.bootargs = args.append.clone();
    m.boot.initrd = args.initrd.as_ref().map(|p| read_file(p, limit)).transpose()?;
    if let Some(p) = &args.dtb {
        let blob = read_file(p, limit)?;
        rvsim::devices::fdt::edit::check_header(&blob).map_err(|e| usage(format!("{}: {e}", p.display())))?;
        m.boot.dtb = Some(blob);
    }
    if args.drives.len() > 8 {
        return Err(usage("at most 8 --drive options".into()));
    }
    for d in &args.drives {
        let (path, ro, faults) = parse_drive(d).map_err(usage)?;
        m.attach_drive_with_faults(std::path::Path::new(path), ro, faults).map_err(|e| usage(e.to_string()))?;
    }
    let bios = args.bios.as_ref().filter(|b| b.as_os_str() != "none");
    let kernel = args.kernel.as_ref().or(args.elf.as_ref());
    match bios {
        Some(fw) => {
            let fw_bytes = read_file(fw, limit)?;
            let k = kernel.map(|k| read_file(k, limit)).transpose()?;
            m.load_firmware(&fw_bytes, k.as_deref()).map_err(|e| usage(boot_error(&e, fw, args)))?;
        }
        None => {
            let Some(k) = kernel else { return Err(usage("nothing to run: give an ELF or --kernel".into())) };
            let bytes = read_file(k, limit)?;
            m.load_kernel(&bytes).map_err(|e| usage(boot_error(&e, k, args)))?;
        }
    }
    if let Some(p) = &args.dump_dtb {
        std::fs::write(p, &m.dtb).map_err(|e| usage(format!("cannot write {}: {e}", p.display())))?;
    }
    m.bus.dev.uart.attach_stdin();
    Ok(m)
}

/// While alive, the host terminal on stdin is in raw mode without echo, so keys reach the
/// guest's UART one by one and only the guest echoes them (QEMU -nographic does the same).
/// Ctrl-C still ends rvsim (ISIG stays on). The old settings come back on drop.
struct RawTerminal(Option<nix::sys::termios::Termios>);

impl RawTerminal {
    fn enter() -> RawTerminal {
        use nix::sys::termios::{self, LocalFlags, SetArg};
        use std::io::IsTerminal;
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return RawTerminal(None);
        }
        let Ok(old) = termios::tcgetattr(&stdin) else { return RawTerminal(None) };
        let mut raw = old.clone();
        termios::cfmakeraw(&mut raw);
        raw.local_flags |= LocalFlags::ISIG;
        // Keep output processing so the guest's "\n" still returns the carriage.
        raw.output_flags = old.output_flags;
        match termios::tcsetattr(&stdin, SetArg::TCSANOW, &raw) {
            Ok(()) => RawTerminal(Some(old)),
            Err(_) => RawTerminal(None),
        }
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            let _ = nix::sys::termios::tcsetattr(std::io::stdin(), nix::sys::termios::SetArg::TCSANOW, old);
        }
    }
}

/// The address the gdb stub listens on, if one was asked for (`-S` alone implies `-s`).
fn gdb_address(args: &RunArgs) -> Result<Option<String>, ExitCode> {
    let spec = match (&args.gdb, args.gdb_default || args.gdb_wait) {
        (Some(s), _) => s.clone(),
        (None, true) => format!("tcp::{}", rvsim::gdb::DEFAULT_PORT),
        (None, false) => return Ok(None),
    };
    if args.trace.is_some() || args.trace_disasm.is_some() || args.events.is_some() {
        eprintln!("rvsim: --gdb cannot be combined with --trace, --trace-disasm or --events");
        return Err(ExitCode::from(EXIT_USAGE));
    }
    rvsim::gdb::parse_spec(&spec).map(Some).map_err(|e| {
        eprintln!("rvsim: {e}");
        ExitCode::from(EXIT_USAGE)
    })
}

fn run(args: RunArgs) -> ExitCode {
    let gdb = match gdb_address(&args) {
        Ok(g) => g,
        Err(code) => return code,
    };
    let listener = match gdb.as_deref().map(rvsim::gdb::listen).transpose() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("rvsim: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut m = match setup(&args) {
        Ok(m) => m,
        Err(code) => return code,
    };
    if let Some(listener) = listener {
        if args.gdb_wait {
            eprintln!("rvsim: waiting for gdb on {}", gdb.as_deref().unwrap_or_default());
        }
        let start = Instant::now();
        let _terminal = RawTerminal::enter();
        let (mut machine, ending) = match rvsim::gdb::run(m, listener, args.gdb_wait, args.max_insns) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("rvsim: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        return match ending {
            rvsim::gdb::Ending::Guest(outcome) => report(&args, &mut machine, outcome, start, &mut None, &mut None),
            rvsim::gdb::Ending::Killed => {
                eprintln!("rvsim: killed by gdb");
                ExitCode::SUCCESS
            }
        };
    }
    let _terminal = RawTerminal::enter();
    catch_stop_signals();
    m.stop = Some(&STOP);
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
    let mut events = match event_trace(&args, &mut m) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let start = Instant::now();
    // The tracer is a type parameter of the run loop: each combination is its own
    // monomorphized loop, and the untraced one is unchanged. With the event trace, the
    // other two ride along as options (one more loop, not four).
    let outcome = match (commit.as_mut(), disasm.as_mut(), events.as_mut()) {
        (None, None, None) => m.run(args.max_insns, &mut NoTrace),
        (Some(c), None, None) => m.run(args.max_insns, c),
        (None, Some(d), None) => m.run(args.max_insns, d),
        (Some(c), Some(d), None) => m.run(args.max_insns, &mut (c, d)),
        (c, d, Some(e)) => m.run(args.max_insns, &mut (e, (c, d))),
    };
    let lost_events = match events.as_mut().map(EventTrace::finish) {
        Some(Err(e)) => {
            eprintln!("rvsim: writing event trace: {e}");
            true
        }
        _ => false,
    };
    let code = report(&args, &mut m, outcome, start, &mut commit, &mut disasm);
    if lost_events {
        return ExitCode::from(EXIT_USAGE);
    }
    code
}

/// Everything after the run: signature, trace flush, statistics, page-table dump, and
/// the exit status.
fn report(
    args: &RunArgs,
    m: &mut Machine,
    outcome: Outcome,
    start: Instant,
    commit: &mut Option<CommitLog>,
    disasm: &mut Option<DisasmTrace>,
) -> ExitCode {
    // An output the user asked for that could not be written makes the status 2 (after
    // everything else was still reported), so a harness never takes a lost signature or
    // trace for a pass.
    let mut lost_output = false;
    if let Some(p) = &args.signature {
        match m.signature() {
            Some(sig) => {
                if let Err(e) = std::fs::write(p, sig) {
                    eprintln!("rvsim: cannot write {}: {e}", p.display());
                    lost_output = true;
                }
            }
            None => {
                eprintln!("rvsim: --signature: the ELF defines no begin_signature/end_signature");
                lost_output = true;
            }
        }
    }
    let wall = start.elapsed();
    let flushed = [commit.as_mut().map(|c| c.finish()), disasm.as_mut().map(|d| d.finish())];
    for e in flushed.into_iter().flatten().filter_map(Result::err) {
        eprintln!("rvsim: writing trace: {e}");
        lost_output = true;
    }
    if args.stats {
        eprint!("{}", RunStats::collect(m, wall).render_text());
        for c in &m.cores {
            eprint!("{}", c.hart.mmu.stats.report(&format!("rvsim: hart {} mmu: ", c.hart.hartid)));
        }
        for (i, v) in m.bus.dev.virtio.iter().enumerate().filter(|(_, v)| v.present()) {
            let s = v.io_stats();
            eprintln!(
                "rvsim: disk {i}: {} reads ({} bytes), {} writes ({} bytes), injected errors: {} reads, {} writes",
                s.reads, s.bytes_read, s.writes, s.bytes_written, s.injected_read_errors, s.injected_write_errors
            );
        }
    }
    if let Some(path) = &args.stats_json {
        let n = m.retired();
        let secs = wall.as_secs_f64();
        let harts: Vec<String> = m
            .cores
            .iter()
            .map(|c| {
                let r = &c.hart.stats.retired_by_priv;
                format!(
                    "{{\"hartid\":{},\"retired\":{{\"M\":{},\"S\":{},\"U\":{}}},\"mmu\":{}}}",
                    c.hart.hartid,
                    r[3],
                    r[1],
                    r[0],
                    c.hart.mmu.stats.to_json()
                )
            })
            .collect();
        let json = format!(
            "{{\"instructions\":{n},\"seconds\":{secs:.6},\"mips\":{:.3},\"harts\":[{}]}}\n",
            n as f64 / secs.max(1e-9) / 1e6,
            harts.join(",")
        );
        if let Err(e) = std::fs::write(path, json) {
            eprintln!("rvsim: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
    }
    if let Some(path) = &args.dump_pt {
        let text = rvsim::mmu::dump::dump(&m.bus, m.cores[0].hart.csr.satp);
        if path.as_os_str() == "-" {
            eprint!("{text}");
        } else if let Err(e) = std::fs::write(path, text) {
            eprintln!("rvsim: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
    }
    if lost_output {
        return ExitCode::from(EXIT_USAGE);
    }
    match outcome {
        Outcome::Exit(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Outcome::Reset => ExitCode::SUCCESS,
        Outcome::InstructionLimit => {
            eprintln!("rvsim: instruction limit reached");
            ExitCode::from(EXIT_LIMIT)
        }
        Outcome::Stopped => {
            let sig = STOP_SIGNAL.load(Ordering::Relaxed);
            eprintln!("rvsim: stopped by signal {sig}");
            ExitCode::from((128 + sig).clamp(0, 255) as u8)
        }
    }
}

/// Splits a `--drive` value into the image path, `readonly` and the fault plan
/// (docs/platform.md). The path is everything before the first `,readonly` or
/// `,errors=` item (so a path may itself hold commas).
fn parse_drive(d: &str) -> Result<(&str, bool, rvsim::devices::virtio::faults::FaultPlan), String> {
    let cut = [",readonly", ",errors="].iter().filter_map(|k| d.find(k)).min().unwrap_or(d.len());
    let (path, rest) = d.split_at(cut);
    let mut ro = false;
    let mut plan = rvsim::devices::virtio::faults::FaultPlan::default();
    for item in rest.split(',').filter(|s| !s.is_empty()) {
        match item {
            "readonly" => ro = true,
            _ => plan.parse_item(item.strip_prefix("errors=").unwrap_or(item)).map_err(|e| e.to_string())?,
        }
    }
    if path.is_empty() {
        return Err("--drive needs an image file".into());
    }
    Ok((path, ro, plan))
}
