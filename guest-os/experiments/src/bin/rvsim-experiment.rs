//! rvsim-experiment: runs the page-replacement and thrashing experiments on the guest OS
//! (booted on rvsim in-process) and writes CSV files and SVG plots.
//!
//! ```text
//! rvsim-experiment [faults|thrash|all] [--out DIR] [--ram 24,32,...] [--policies clock,fifo,...]
//!     [--pages N] [--patterns hot,seq,random] [--rounds R]
//!     [--thrash-ram MIB] [--thrash-policies clock,clock/no-control] [--max-k K] [--thrash-pages N] [--thrash-rounds R]
//!     [--swap MIB] [--max-cycles N]
//! ```
//!
//! A policy label `NAME/no-control` runs with thrashing control off (`vm.thrash=0`); the
//! default thrashing curves compare clock with and without it.
//!
//! Writes `DIR/vm-faults-vs-frames-PATTERN.{csv,svg}` and `DIR/thrashing.{csv,svg}` (default DIR
//! `docs/plots`). Needs `make os` (kernel, user programs, mkfs). `make experiments` runs it
//! with the defaults.
use std::path::PathBuf;
use std::process::ExitCode;
use vm_experiments::*;

struct Opts {
    what: String,
    out: PathBuf,
    ram: Vec<u64>,
    policies: Vec<String>,
    pages: u64,
    patterns: Vec<String>,
    rounds: u64,
    thrash_ram: u64,
    thrash_policies: Vec<String>,
    max_k: u64,
    thrash_pages: u64,
    thrash_rounds: u64,
    swap: u64,
    max_cycles: u64,
}

fn list(s: &str) -> Result<Vec<u64>, String> {
    s.split(',').map(|x| x.trim().parse::<u64>().map_err(|e| format!("{x}: {e}"))).collect()
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        what: "all".into(),
        out: PathBuf::from("docs/plots"),
        ram: vec![12, 14, 16, 18, 20, 22, 24, 28],
        policies: ["clock", "fifo", "aging", "random"].map(String::from).to_vec(),
        pages: 4096,
        patterns: ["hot", "seq", "random"].map(String::from).to_vec(),
        rounds: 8,
        thrash_ram: 16,
        thrash_policies: ["clock", "clock/no-control"].map(String::from).to_vec(),
        max_k: 8,
        thrash_pages: 512,
        thrash_rounds: 16,
        swap: 128,
        max_cycles: 3_000_000_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{a} needs a value"));
        let n = |s: String| s.parse::<u64>().map_err(|e| format!("{s}: {e}"));
        match a.as_str() {
            "faults" | "thrash" | "all" => o.what = a.clone(),
            "--out" => o.out = PathBuf::from(val()?),
            "--ram" => o.ram = list(&val()?)?,
            "--policies" => o.policies = val()?.split(',').map(String::from).collect(),
            "--pages" => o.pages = n(val()?)?,
            "--patterns" | "--pattern" => o.patterns = val()?.split(',').map(String::from).collect(),
            "--rounds" => o.rounds = n(val()?)?,
            "--thrash-ram" => o.thrash_ram = n(val()?)?,
            "--thrash-policies" | "--thrash-policy" => {
                o.thrash_policies = val()?.split(',').map(String::from).collect()
            }
            "--max-k" => o.max_k = n(val()?)?,
            "--thrash-pages" => o.thrash_pages = n(val()?)?,
            "--thrash-rounds" => o.thrash_rounds = n(val()?)?,
            "--swap" => o.swap = n(val()?)?,
            "--max-cycles" => o.max_cycles = n(val()?)?,
            "-h" | "--help" => {
                return Err("usage: rvsim-experiment [faults|thrash|all] [--out DIR] [--ram 24,32,..] \
                     [--policies clock,fifo,aging,random] [--pages N] [--patterns hot,seq,random] [--rounds R] \
                     [--thrash-ram MIB] [--thrash-policies clock,fifo] [--max-k K] [--thrash-pages N] [--thrash-rounds R] \
                     [--swap MIB] [--max-cycles N]"
                    .into())
            }
            _ => return Err(format!("unknown argument {a} (try --help)")),
        }
    }
    Ok(o)
}

fn write(path: PathBuf, s: &str) -> Result<(), String> {
    std::fs::write(&path, s).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn run(o: &Opts) -> Result<(), String> {
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let env = Env::locate(&root)?;
    std::fs::create_dir_all(&o.out).map_err(|e| format!("{}: {e}", o.out.display()))?;
    for pattern in o.patterns.iter().filter(|_| o.what != "thrash") {
        let w = Workload {
            pages: o.pages,
            pattern: pattern.clone(),
            rounds: o.rounds,
            swap_mib: o.swap,
            max_cycles: o.max_cycles,
        };
        let pols: Vec<&str> = o.policies.iter().map(String::as_str).collect();
        let pts = fault_curve(&env, &o.ram, &pols, &w)?;
        write(o.out.join(format!("vm-faults-vs-frames-{pattern}.csv")), &fault_csv(&pts))?;
        let title = format!(
            "guest OS on rvsim: wswalk {} pages ({} MiB), {pattern}, {} refs/page",
            o.pages,
            o.pages * 4 / 1024,
            o.rounds
        );
        let svg = o.out.join(format!("vm-faults-vs-frames-{pattern}.svg"));
        plot_faults(&pts, &title, &svg).map_err(|e| format!("{}: {e}", svg.display()))?;
        eprintln!("wrote {}", svg.display());
    }
    if o.what != "faults" {
        let w = ThrashWorkload {
            pages: o.thrash_pages,
            rounds: o.thrash_rounds,
            pattern: "seq".into(),
            swap_mib: o.swap,
            max_cycles: o.max_cycles,
        };
        let mut pts = Vec::new();
        for p in &o.thrash_policies {
            pts.extend(thrash_curve(&env, o.thrash_ram, p, o.max_k, &w)?);
        }
        write(o.out.join("thrashing.csv"), &thrash_csv(&pts))?;
        let title = format!(
            "thrashdemo: K x {} pages ({} MiB each), {} refs/page, {} MiB RAM",
            o.thrash_pages,
            o.thrash_pages * 4 / 1024,
            o.thrash_rounds,
            o.thrash_ram
        );
        let svg = o.out.join("thrashing.svg");
        plot_thrash(&pts, &title, &svg).map_err(|e| format!("{}: {e}", svg.display()))?;
        eprintln!("wrote {}", svg.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse().and_then(|o| run(&o)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rvsim-experiment: {e}");
            ExitCode::from(2)
        }
    }
}
