//! `make bench` (issue 14): runs the benchmark workloads on rvsim and, when installed, on
//! QEMU 7.2 (TCG, and TCG with `-singlestep`) on the same ELF files, a Debian Linux boot
//! on both, and the guest OS's `usertests` on rvsim; prints instruction counts, wall and
//! host CPU times (median of `--repeat` runs), MIPS, peak RSS, and the ratios against
//! issue 14's targets with a PASS/MISS verdict each.
//!
//! Every run must pass its own check (a workload exits 0 only on the right answer and
//! prints the same checksums on rvsim as on QEMU; Linux reads back the typed line and
//! powers off; usertests prints ALL TESTS PASSED), else the exit status is 1. A missed
//! target is only reported (exit 0): this is a report, not a test. A reference tool or
//! input that is missing is skipped with a note, or, under `CI=true`, is a failure.
//!
//! `--quick` runs copies of the workload ELFs patched to tiny sizes, once each, and
//! nothing else: the self-check `make test` runs so the bench cannot rot.
//!
//! Every figure comes from a child process (rvsim itself, as `make bench` would run it;
//! its `--stats-json` gives the retired instructions), measured with `wait4`.

mod child;
mod elf_patch;
mod reference;
mod report;

use child::{Measured, Spec};
use clap::{Parser, ValueEnum};
use reference::{target, IssueRow};
use report::{count, fig, median, table, verdict};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

/// Exit status for a bad command line.
const EXIT_USAGE: u8 = 2;

/// The marker the Linux test initramfs (tests/linux/init) prints before reading a line.
const LINUX_ASK: &str = "rvsim-linux: type a line";
/// The line the bench types there.
const LINUX_LINE: &str = "rvsim-bench";
/// Debian's OpenSBI, as `make linux` and tests/tests/linux.rs boot it.
const FW_JUMP: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";
/// Guest RAM of the workload and usertests runs (rvsim's and QEMU's default) and of the
/// Linux boot (as `make linux`).
const RAM: u64 = 128 << 20;
const LINUX_RAM: u64 = 256 << 20;

/// The size selector word of the workload ELFs (guest-programs/isa-tests/src/bin/bench_lib).
const SIZE_SYMBOL: &str = "BENCH_SIZE";
const SIZE_FULL: u32 = 0x4c4c_5546;
const SIZE_QUICK: u32 = 0x4b49_5551;

#[derive(Parser)]
#[command(name = "rvsim-bench", about = "issue 14's benchmarks: rvsim against QEMU and the targets")]
struct Args {
    /// Tiny sizes, one run, workloads only (the self-check `make test` runs).
    #[arg(long)]
    quick: bool,
    /// Runs of each measurement; the tables show the median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=99))]
    repeat: u64,
    /// The rvsim binary (default: `rvsim` next to this program).
    #[arg(long)]
    rvsim: Option<PathBuf>,
    /// The QEMU binary.
    #[arg(long, default_value = "qemu-system-riscv64")]
    qemu: PathBuf,
    /// The workspace root, where target/ holds the guests (default: where this program
    /// was built from).
    #[arg(long)]
    root: Option<PathBuf>,
    /// The groups to run (default all).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Group>,
}

/// The parts of the report.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Group {
    Workloads,
    Linux,
    Usertests,
}

/// The machines a workload runs on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Emu {
    Rvsim,
    Qemu,
    QemuSinglestep,
}

impl Emu {
    fn name(self) -> &'static str {
        match self {
            Emu::Rvsim => "rvsim",
            Emu::Qemu => "QEMU TCG",
            Emu::QemuSinglestep => "QEMU -singlestep",
        }
    }
}

/// One row of the workload table.
struct Workload {
    elf: &'static str,
    label: &'static str,
    issue: IssueRow,
}

const WORKLOADS: [Workload; 4] = [
    Workload { elf: "bench_int", label: "integer (CRC-32 + heap sort), M-mode, no paging", issue: reference::INT_BARE },
    Workload {
        elf: "bench_mem",
        label: "memory (16 MiB pointer chase + strided RMW), M-mode",
        issue: reference::MEM_BARE,
    },
    Workload { elf: "bench_int_sv39", label: "integer, S-mode under Sv39 (4 KiB pages)", issue: reference::INT_SV39 },
    Workload { elf: "bench_mem_sv39", label: "memory, S-mode under Sv39", issue: reference::MEM_SV39 },
];

/// The medians of one program on one machine.
#[derive(Clone, Copy)]
struct Summary {
    wall: f64,
    cpu: f64,
    max_rss_kib: u64,
}

impl Summary {
    fn of(runs: &[Measured]) -> Option<Summary> {
        if runs.is_empty() {
            return None;
        }
        Some(Summary {
            wall: median(&runs.iter().map(|m| m.wall).collect::<Vec<_>>()),
            cpu: median(&runs.iter().map(|m| m.cpu).collect::<Vec<_>>()),
            max_rss_kib: runs.iter().map(|m| m.max_rss_kib).max().unwrap_or(0),
        })
    }
}

/// Paths, tools and the failures so far.
struct Bench {
    rvsim: PathBuf,
    qemu: Option<PathBuf>,
    root: PathBuf,
    tmp: PathBuf,
    repeat: usize,
    quick: bool,
    ci: bool,
    failures: Vec<String>,
}

impl Bench {
    /// A missing tool or input: a failure under CI=true, a note otherwise.
    fn missing(&mut self, what: &str) {
        if self.ci {
            println!("FAILED: {what} (under CI=true a missing reference tool is a failure)\n");
            self.failures.push(what.to_string());
        } else {
            println!("skipped: {what}\n");
        }
    }

    fn fail(&mut self, what: String) {
        println!("FAILED: {what}\n");
        self.failures.push(what);
    }

    /// Runs `spec`, returning the measurement when it exited 0 and `check` accepts the
    /// console; records a failure otherwise.
    fn run_checked(&mut self, what: &str, spec: &Spec, check: &dyn Fn(&str) -> bool) -> Option<Measured> {
        match child::run(spec) {
            Err(e) => {
                self.fail(format!("{what}: {e}"));
                None
            }
            Ok(m) if m.timed_out => {
                self.fail(format!("{what}: killed after {:?}\n{}", spec.timeout, tail(&m.console)));
                None
            }
            Ok(m) if m.status != Some(0) || !check(&m.console) => {
                self.fail(format!(
                    "{what}: exit status {:?}, check {}\n{}{}",
                    m.status,
                    if check(&m.console) { "passed" } else { "failed" },
                    tail(&m.console),
                    tail(&m.stderr)
                ));
                None
            }
            Ok(m) => Some(m),
        }
    }

    /// The rvsim command line `run --stats-json STATS ARGS...`.
    fn rvsim_spec(&self, stats: &Path, args: &[OsString], answer: Option<(String, String)>, timeout: u64) -> Spec {
        let mut a: Vec<OsString> = vec!["run".into(), "--stats-json".into(), stats.into()];
        a.extend_from_slice(args);
        Spec { program: self.rvsim.clone(), args: a, answer, timeout: Duration::from_secs(timeout) }
    }

    fn qemu_spec(&self, qemu: &Path, args: Vec<OsString>, answer: Option<(String, String)>, timeout: u64) -> Spec {
        Spec { program: qemu.to_path_buf(), args, answer, timeout: Duration::from_secs(timeout) }
    }
}

/// The last lines of `s`, for failure messages.
fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let from = lines.len().saturating_sub(15);
    lines[from..].iter().map(|l| format!("    {l}\n")).collect()
}

/// The "instructions" figure of an rvsim `--stats-json` file.
fn stats_instructions(path: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let key = "\"instructions\":";
    let at = text.find(key).ok_or_else(|| format!("{}: no instructions figure", path.display()))?;
    let digits: String = text[at + key.len()..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().map_err(|_| format!("{}: bad instructions figure", path.display()))
}

fn mips(insns: u64, secs: f64) -> f64 {
    insns as f64 / secs / 1e6
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let root = args.root.clone().unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")));
    let rvsim = args.rvsim.clone().unwrap_or_else(|| {
        let me = std::env::current_exe().unwrap_or_default();
        me.with_file_name("rvsim")
    });
    if !rvsim.exists() {
        eprintln!("rvsim-bench: {} does not exist (build it, or pass --rvsim)", rvsim.display());
        return ExitCode::from(EXIT_USAGE);
    }
    let qemu = Command::new(&args.qemu).arg("--version").output().ok().filter(|o| o.status.success()).map(|o| {
        let v = String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_string();
        (args.qemu.clone(), v)
    });
    let tmp = std::env::temp_dir().join(format!("rvsim-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&tmp) {
        eprintln!("rvsim-bench: cannot create {}: {e}", tmp.display());
        return ExitCode::FAILURE;
    }
    let mut b = Bench {
        rvsim,
        qemu: qemu.as_ref().map(|q| q.0.clone()),
        root,
        tmp: tmp.clone(),
        repeat: if args.quick { 1 } else { args.repeat as usize },
        quick: args.quick,
        ci: std::env::var("CI").is_ok_and(|v| v == "true"),
        failures: Vec::new(),
    };
    let groups = if args.quick {
        vec![Group::Workloads]
    } else if args.only.is_empty() {
        vec![Group::Workloads, Group::Linux, Group::Usertests]
    } else {
        args.only.clone()
    };

    header(&b, qemu.as_ref().map(|q| q.1.as_str()));
    let mut rss: Vec<Vec<String>> = Vec::new();
    if groups.contains(&Group::Workloads) {
        workloads(&mut b, &mut rss);
    }
    if groups.contains(&Group::Linux) {
        linux(&mut b, &mut rss);
    }
    if groups.contains(&Group::Usertests) {
        usertests(&mut b, &mut rss);
    }
    if !rss.is_empty() {
        println!("## Peak resident set (rvsim process, wait4 ru_maxrss; target: guest RAM + 32 MiB at most)\n");
        table(&["run", "guest RAM MiB", "rvsim peak RSS MiB", "QEMU peak RSS MiB", "limit MiB", "result"], &rss);
    }
    let _ = std::fs::remove_dir_all(&tmp);
    if b.failures.is_empty() {
        println!("rvsim-bench: every run passed its check (a MISS is a target not reached, not a failure)");
        ExitCode::SUCCESS
    } else {
        println!("rvsim-bench: {} failure(s):", b.failures.len());
        for f in &b.failures {
            println!("  - {}", f.lines().next().unwrap_or(""));
        }
        ExitCode::FAILURE
    }
}

/// Date, machine and load, so the figures can be judged.
fn header(b: &Bench, qemu_version: Option<&str>) {
    let sh = |cmd: &str| {
        Command::new("sh")
            .args(["-c", cmd])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    println!("# rvsim-bench{}\n", if b.quick { " --quick (tiny sizes: the figures mean nothing)" } else { "" });
    println!("- date: {}", sh("date -u '+%Y-%m-%d %H:%M UTC'"));
    println!("- host: {}, {} CPUs", sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"), sh("nproc"));
    println!("- load at start: {}", sh("uptime"));
    println!("- rvsim: {} ({})", b.rvsim.display(), sh(&format!("'{}' --version", b.rvsim.display())));
    println!("- QEMU: {}", qemu_version.unwrap_or("not installed"));
    println!("- each figure: median of {} run(s); MIPS = retired instructions / wall seconds\n", b.repeat);
}

/// The workload table and its targets.
fn workloads(b: &mut Bench, rss: &mut Vec<Vec<String>>) {
    let guest = b.root.join("target/riscv64gc-unknown-none-elf/release");
    let mut emus = vec![Emu::Rvsim];
    if b.qemu.is_some() {
        emus.extend([Emu::Qemu, Emu::QemuSinglestep]);
    } else {
        b.missing("QEMU (qemu-system-riscv64, Debian qemu-system-misc) is not installed: no QEMU columns");
    }
    // (instructions, per-machine summaries) of each workload, in WORKLOADS order.
    let mut results: Vec<Option<(u64, Vec<Option<Summary>>)>> = Vec::new();
    for w in &WORKLOADS {
        results.push(workload(b, &guest, w, &emus));
    }
    let mut rows = Vec::new();
    for (w, r) in WORKLOADS.iter().zip(&results) {
        let mut row = vec![w.label.to_string()];
        match r {
            None => row.extend(std::iter::repeat_n("failed".to_string(), 2 + 2 * 3)),
            Some((n, sums)) => {
                row.push(count(*n));
                for i in 0..3 {
                    let s = sums.get(i).copied().flatten();
                    row.push(s.map_or("-".into(), |s| format!("{:.2} / {:.2}", s.wall, s.cpu)));
                    row.push(fig(s.map(|s| mips(*n, s.wall)), 0));
                    if i == 0 {
                        row.push(fig(s.map(|s| mips(*n, s.cpu)), 0));
                    }
                }
            }
        }
        row.push(format!("{:.0}", w.issue.spike));
        rows.push(row);
    }
    println!("## Workloads (same ELF on each machine; instructions retired on rvsim)\n");
    table(
        &[
            "workload",
            "instructions",
            "rvsim wall / CPU s",
            "rvsim MIPS",
            "rvsim MIPS (CPU)",
            "QEMU TCG wall / CPU s",
            "QEMU TCG MIPS",
            "QEMU -singlestep wall / CPU s",
            "-singlestep MIPS",
            "Spike MIPS, from issue 14's measurement",
        ],
        &rows,
    );
    println!("Spike is not installed here: its column is issue 14's figure, not a measurement of this run.");
    println!(
        "Issue 14's figures (rvsim / QEMU TCG / QEMU -singlestep MIPS), for comparison: {}.\n",
        WORKLOADS
            .map(|w| format!(
                "{} {:.0} / {:.0} / {:.0}",
                w.elf, w.issue.rvsim, w.issue.qemu_tcg, w.issue.qemu_singlestep
            ))
            .join("; ")
    );

    // MIPS of workload `i` on machine `e` (index into emus).
    let m = |i: usize, e: usize| -> Option<f64> {
        let (n, sums) = results[i].as_ref()?;
        sums.get(e).copied().flatten().map(|s| mips(*n, s.wall))
    };
    let mut t = Vec::new();
    for i in [0, 2] {
        let goal = target::INT_VS_SPIKE * WORKLOADS[i].issue.spike;
        t.push(vec![
            format!("{}: at least 2x Spike's MIPS", WORKLOADS[i].elf),
            format!("{} MIPS = {}x Spike", fig(m(i, 0), 0), fig(m(i, 0).map(|v| v / WORKLOADS[i].issue.spike), 2)),
            format!(">= {goal:.0} MIPS"),
            verdict(m(i, 0).map(|v| v >= goal)),
        ]);
    }
    for i in [1, 3] {
        let ratio = m(i, 0).zip(m(i, 1)).map(|(r, q)| r / q);
        t.push(vec![
            format!("{}: at least 2x QEMU TCG's MIPS", WORKLOADS[i].elf),
            format!("{} MIPS = {}x QEMU ({} MIPS)", fig(m(i, 0), 0), fig(ratio, 2), fig(m(i, 1), 0)),
            format!(">= {:.1}x", target::MEM_VS_QEMU),
            verdict(ratio.map(|r| r >= target::MEM_VS_QEMU)),
        ]);
    }
    // What Sv39 costs is a ratio of two rvsim runs on the same machine: judged on host
    // CPU time, which the other jobs on a shared machine disturb less than wall time.
    let cpu_mips = |i: usize| -> Option<f64> {
        let (n, sums) = results[i].as_ref()?;
        sums.first().copied().flatten().map(|s| mips(*n, s.cpu))
    };
    for (bare, sv39, cost) in [(0, 2, target::SV39_INT_COST), (1, 3, target::SV39_MEM_COST)] {
        let slowdown = cpu_mips(bare).zip(cpu_mips(sv39)).map(|(b, s)| b / s - 1.0);
        let how = match slowdown {
            Some(x) if x < 0.0 => format!("{:.1}% faster than {} (CPU time)", -x * 100.0, WORKLOADS[bare].elf),
            x => format!("{}% slower than {} (CPU time)", fig(x.map(|s| s * 100.0), 1), WORKLOADS[bare].elf),
        };
        t.push(vec![
            format!("{}: Sv39 costs at most {:.0}%", WORKLOADS[sv39].elf, cost * 100.0),
            how,
            format!("<= {:.0}%", cost * 100.0),
            verdict(slowdown.map(|s| s <= cost)),
        ]);
    }
    println!("## Workload targets (rvsim)\n");
    table(&["target", "measured", "goal", "result"], &t);

    let peak = |e: usize| -> Option<u64> {
        results.iter().flatten().filter_map(|(_, s)| s.get(e).copied().flatten()).map(|s| s.max_rss_kib).max()
    };
    rss.push(rss_row("workloads (largest of the four)", RAM, peak(0), peak(1)));
}

/// One workload on every machine, runs interleaved so that load changes spread evenly;
/// `None` when a run failed its check.
fn workload(b: &mut Bench, guest: &Path, w: &Workload, emus: &[Emu]) -> Option<(u64, Vec<Option<Summary>>)> {
    let built = guest.join(w.elf);
    let bytes = match std::fs::read(&built) {
        Ok(v) => v,
        Err(e) => {
            b.fail(format!("{}: {e} (run `make guest`)", built.display()));
            return None;
        }
    };
    let elf = if b.quick {
        let patched = match elf_patch::patch_word(&bytes, SIZE_SYMBOL, SIZE_FULL, SIZE_QUICK) {
            Ok(p) => p,
            Err(e) => {
                b.fail(format!("{}: {e}", built.display()));
                return None;
            }
        };
        let p = b.tmp.join(w.elf);
        if let Err(e) = std::fs::write(&p, patched) {
            b.fail(format!("{}: {e}", p.display()));
            return None;
        }
        p
    } else {
        built
    };
    let stats = b.tmp.join(format!("{}.json", w.elf));
    let passed = format!("{}: all checks passed", w.elf);
    let mut runs: Vec<Vec<Measured>> = emus.iter().map(|_| Vec::new()).collect();
    let mut insns: Vec<u64> = Vec::new();
    let mut consoles: Vec<String> = Vec::new();
    for _ in 0..b.repeat {
        for (k, &e) in emus.iter().enumerate() {
            let spec = match e {
                Emu::Rvsim => {
                    b.rvsim_spec(&stats, &["--max-insns".into(), "100000000000".into(), elf.clone().into()], None, 1800)
                }
                Emu::Qemu | Emu::QemuSinglestep => {
                    let mut a: Vec<OsString> =
                        ["-M", "virt", "-bios", "none", "-nographic"].map(OsString::from).to_vec();
                    if e == Emu::QemuSinglestep {
                        a.push("-singlestep".into());
                    }
                    a.extend(["-kernel".into(), elf.clone().into()]);
                    let q = b.qemu.clone().unwrap_or_default();
                    b.qemu_spec(&q, a, None, 1800)
                }
            };
            let what = format!("{} on {}", w.elf, e.name());
            let m = b.run_checked(&what, &spec, &|c: &str| c.contains(&passed))?;
            if e == Emu::Rvsim {
                match stats_instructions(&stats) {
                    Ok(n) => insns.push(n),
                    Err(e) => {
                        b.fail(format!("{what}: {e}"));
                        return None;
                    }
                }
            }
            // The checksum lines, which must agree between the machines.
            consoles.push(m.console.lines().filter(|l| l.starts_with(w.elf)).collect::<Vec<_>>().join("\n"));
            runs[k].push(m);
        }
    }
    if insns.windows(2).any(|p| p[0] != p[1]) {
        b.fail(format!("{}: rvsim's instruction counts differ between runs: {insns:?}", w.elf));
        return None;
    }
    if consoles.windows(2).any(|p| p[0] != p[1]) {
        b.fail(format!("{}: the machines printed different checksums:\n{}", w.elf, consoles.join("\n---\n")));
        return None;
    }
    let n = insns.first().copied()?;
    Some((n, runs.iter().map(|r| Summary::of(r)).collect()))
}

fn rss_row(what: &str, ram: u64, rvsim_kib: Option<u64>, qemu_kib: Option<u64>) -> Vec<String> {
    let limit = ram + target::RSS_OVER_RAM;
    let mib = |k: Option<u64>| fig(k.map(|k| k as f64 / 1024.0), 1);
    vec![
        what.to_string(),
        format!("{}", ram >> 20),
        mib(rvsim_kib),
        mib(qemu_kib),
        format!("{}", limit >> 20),
        verdict(rvsim_kib.map(|k| k * 1024 <= limit)),
    ]
}

/// The Linux boot on rvsim and QEMU with the same files.
fn linux(b: &mut Bench, rss: &mut Vec<Vec<String>>) {
    let dir = b.root.join("target/linux");
    let (image, initrd) = (dir.join("Image"), dir.join("initrd.cpio.gz"));
    for f in [Path::new(FW_JUMP), &image, &initrd] {
        if !f.exists() {
            b.missing(&format!(
                "Linux boot: {} is missing (`make linux-files` writes it; OpenSBI is Debian's opensbi)",
                f.display()
            ));
            return;
        }
    }
    let answer = Some((LINUX_ASK.to_string(), LINUX_LINE.to_string()));
    let read_back = format!("rvsim-linux: read '{LINUX_LINE}'");
    let check =
        |c: &str| c.contains(&read_back) && c.contains("rvsim-linux: powering off") && !c.contains("Kernel panic");
    let stats = b.tmp.join("linux.json");
    let rvsim_args: Vec<OsString> = vec![
        "-m".into(),
        "256M".into(),
        "--max-insns".into(),
        "100000000000".into(),
        "--bios".into(),
        FW_JUMP.into(),
        "--kernel".into(),
        image.clone().into(),
        "--initrd".into(),
        initrd.clone().into(),
        "--append".into(),
        "console=ttyS0".into(),
    ];
    let qemu_args: Vec<OsString> = vec![
        "-machine".into(),
        "virt".into(),
        "-m".into(),
        "256M".into(),
        "-nographic".into(),
        "-bios".into(),
        FW_JUMP.into(),
        "-kernel".into(),
        image.into(),
        "-initrd".into(),
        initrd.into(),
        "-append".into(),
        "console=ttyS0".into(),
    ];
    if b.qemu.is_none() {
        b.missing("Linux boot on QEMU: qemu-system-riscv64 is not installed");
    }
    let (mut rv, mut qe, mut insns) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..b.repeat {
        let spec = b.rvsim_spec(&stats, &rvsim_args, answer.clone(), 900);
        let Some(m) = b.run_checked("Linux boot on rvsim", &spec, &check) else { return };
        match stats_instructions(&stats) {
            Ok(n) => insns.push(n),
            Err(e) => return b.fail(format!("Linux boot on rvsim: {e}")),
        }
        rv.push(m);
        if let Some(q) = b.qemu.clone() {
            let spec = b.qemu_spec(&q, qemu_args.clone(), answer.clone(), 900);
            let Some(m) = b.run_checked("Linux boot on QEMU", &spec, &check) else { return };
            qe.push(m);
        }
    }
    let (r, q) = (Summary::of(&rv), Summary::of(&qe));
    let n = median(&insns.iter().map(|&n| n as f64).collect::<Vec<_>>()) as u64;
    let ratio = r.zip(q).map(|(r, q)| r.wall / q.wall);
    println!("## Linux: Debian 6.12 + busybox initramfs to the end of its init script (OpenSBI fw_jump + Image + initrd.cpio.gz, 256 MiB, 1 hart; the line is typed when /init asks)\n");
    table(
        &["machine", "instructions", "wall s", "CPU s", "MIPS (wall)", "issue 14's wall s"],
        &[
            vec![
                "rvsim".into(),
                count(n),
                fig(r.map(|s| s.wall), 2),
                fig(r.map(|s| s.cpu), 2),
                fig(r.map(|s| mips(n, s.wall)), 0),
                format!("{}", reference::LINUX_RVSIM_S),
            ],
            vec![
                "QEMU TCG".into(),
                "-".into(),
                fig(q.map(|s| s.wall), 2),
                fig(q.map(|s| s.cpu), 2),
                "-".into(),
                format!("{}", reference::LINUX_QEMU_S),
            ],
        ],
    );
    if insns.windows(2).all(|p| p[0] == p[1]) {
        println!("rvsim retired the same number of instructions in each run.\n");
    } else {
        // While stdin is a pipe rvsim lets idle time pass at real-time speed, so how long
        // the guest idles before the typed line arrives can vary.
        println!("rvsim's instruction counts differ between runs (the median is shown): {insns:?}.\n");
    }
    table(
        &["target", "measured", "goal", "result"],
        &[vec![
            "Linux boot within 1.5x of QEMU TCG's wall time".into(),
            format!("{}x", fig(ratio, 2)),
            format!("<= {:.1}x", target::LINUX_VS_QEMU),
            verdict(ratio.map(|x| x <= target::LINUX_VS_QEMU)),
        ]],
    );
    rss.push(rss_row("Linux boot", LINUX_RAM, r.map(|s| s.max_rss_kib), q.map(|s| s.max_rss_kib)));
}

/// The guest OS's usertests on rvsim (as tests/tests/os.rs runs it), against the
/// baseline recorded before the speed work.
fn usertests(b: &mut Bench, rss: &mut Vec<Vec<String>>) {
    let kernel = b.root.join("target/riscv64gc-unknown-none-elf/release/kernel");
    let image = b.root.join("target/fs-usertests.img");
    for f in [&kernel, &image] {
        if !f.exists() {
            b.fail(format!("usertests: {} is missing (run `make os`)", f.display()));
            return;
        }
    }
    let disk = b.tmp.join("fs-usertests.img");
    let stats = b.tmp.join("usertests.json");
    let (mut runs, mut insns) = (Vec::new(), Vec::new());
    for _ in 0..b.repeat {
        // A fresh copy each time: usertests writes to its disk.
        if let Err(e) = std::fs::copy(&image, &disk) {
            return b.fail(format!("usertests: copying {}: {e}", image.display()));
        }
        let args: Vec<OsString> = vec![
            "--max-insns".into(),
            "20000000000".into(),
            "--drive".into(),
            disk.clone().into(),
            kernel.clone().into(),
        ];
        let spec = b.rvsim_spec(&stats, &args, None, 900);
        let Some(m) = b.run_checked("usertests on rvsim", &spec, &|c: &str| c.contains("ALL TESTS PASSED")) else {
            return;
        };
        match stats_instructions(&stats) {
            Ok(n) => insns.push(n),
            Err(e) => return b.fail(format!("usertests on rvsim: {e}")),
        }
        runs.push(m);
    }
    let Some(s) = Summary::of(&runs) else { return };
    let n = insns[0];
    if insns.iter().any(|&i| i != n) {
        return b.fail(format!("usertests: rvsim's instruction counts differ between runs: {insns:?}"));
    }
    println!("## The guest OS's usertests on rvsim (target/fs-usertests.img, 128 MiB)\n");
    table(
        &["run", "instructions", "wall s", "CPU s", "MIPS (wall)"],
        &[
            vec![
                "this run".into(),
                count(n),
                format!("{:.2}", s.wall),
                format!("{:.2}", s.cpu),
                format!("{:.0}", mips(n, s.wall)),
            ],
            vec![
                "baseline (main b25e76d, 2026-12-04)".into(),
                count(reference::USERTESTS_BASE_INSNS),
                format!("{:.2}", reference::USERTESTS_BASE_WALL_S),
                format!("{:.2}", reference::USERTESTS_BASE_CPU_S),
                format!("{:.0}", mips(reference::USERTESTS_BASE_INSNS, reference::USERTESTS_BASE_WALL_S)),
            ],
        ],
    );
    let speedup = reference::USERTESTS_BASE_CPU_S / s.cpu;
    table(
        &["target", "measured", "goal", "result"],
        &[vec![
            "usertests at least 30% faster than the baseline (host CPU time)".into(),
            format!("{speedup:.2}x (wall: {:.2}x)", reference::USERTESTS_BASE_WALL_S / s.wall),
            format!(">= {:.1}x", target::USERTESTS_SPEEDUP),
            verdict(Some(speedup >= target::USERTESTS_SPEEDUP)),
        ]],
    );
    rss.push(rss_row("usertests", RAM, Some(s.max_rss_kib), None));
}
