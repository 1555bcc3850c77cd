//! Virtual-memory experiments on the real guest OS: boots the kernel on rvsim in-process
//! (no child processes, no QEMU) with a chosen RAM size, replacement policy
//! (`vm.policy=` on the kernel command line) and an `/etc/autorun` script, and reads the
//! fault counts the user programs `wswalk` and `thrashdemo` print.
//!
//! Two experiments (see `docs/experiments.md`):
//!
//! * [`fault_curve`]: one `wswalk` over a fixed number of pages, for each policy and RAM
//!   size: major faults (pages read back from swap) per 1000 references against the frames
//!   the walker could have (free frames at its start). The real-kernel counterpart of
//!   vmcore's simulated `fault-rate-vs-frames` curve.
//! * [`thrash_curve`]: `thrashdemo K N` at a fixed RAM size for K = 1, 2, ...: throughput
//!   (references completed per million cycles of guest time) against the degree of
//!   multiprogramming, which collapses once the K working sets together exceed RAM.
//!
//! Machine layout: virtio disk 0 is a fresh file-system image built with
//! `target/release/mkfs` (init, sh, the walkers, the script), disk 1 a zeroed swap image.
//! Runs are deterministic: rvsim's time is its instruction count, so the same
//! configuration gives the same console output and the same counts every time.
//!
//! Guest time: `mtime` advances one tick per hart cycle (instructions retired, traps and
//! WFI idle) at the device tree's `timebase-frequency` ([`rvsim::devices::fdt::TIMEBASE_HZ`],
//! 10 MHz), so `elapsed_ns / 100` from `clock_gettime` is cycles.

use plotters::prelude::*;
use rvsim::devices::fdt::TIMEBASE_HZ;
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the built guest pieces are.
#[derive(Clone, Debug)]
pub struct Env {
    /// The kernel ELF (`target/riscv64gc-unknown-none-elf/release/kernel`).
    pub kernel: PathBuf,
    /// The directory of the user programs.
    pub guest_dir: PathBuf,
    /// The host `mkfs` that builds file-system images.
    pub mkfs: PathBuf,
}

impl Env {
    /// The pieces under the workspace root `root`, or an error naming the missing one and
    /// the make target that builds it.
    pub fn locate(root: &Path) -> Result<Env, String> {
        let guest_dir = root.join("target/riscv64gc-unknown-none-elf/release");
        let env = Env { kernel: guest_dir.join("kernel"), mkfs: root.join("target/release/mkfs"), guest_dir };
        for p in [&env.kernel, &env.mkfs, &env.guest_dir.join("wswalk"), &env.guest_dir.join("thrashdemo")] {
            if !p.exists() {
                return Err(format!("{} is missing: run `make os`", p.display()));
            }
        }
        Ok(env)
    }
}

/// One boot of the OS.
#[derive(Clone, Debug)]
pub struct BootSpec {
    /// Machine RAM in MiB.
    pub ram_mib: u64,
    /// `vm.policy=` value for the kernel command line (`None`: the kernel's default);
    /// a `/no-control` suffix also turns thrashing control off (`vm.thrash=0`), see
    /// [`bootargs_for`].
    pub policy: Option<String>,
    /// Size of the swap disk (virtio disk 1) in MiB; 0 attaches none.
    pub swap_mib: u64,
    /// Contents of `/etc/autorun` (one shell command per line); init powers off after it.
    pub script: String,
    /// Cycle limit for the whole run.
    pub max_cycles: u64,
}

/// What a boot produced.
#[derive(Clone, Debug)]
pub struct BootRun {
    pub outcome: Outcome,
    /// Everything the guest wrote to the UART.
    pub console: String,
    /// Instructions retired over the whole run (boot included).
    pub retired: u64,
}

static SEQ: AtomicU64 = AtomicU64::new(0);

/// Boots the OS as `spec` says and runs it to power-off (or the cycle limit).
pub fn boot(env: &Env, spec: &BootSpec) -> Result<BootRun, String> {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rvsim-exp-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let r = boot_in(env, spec, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    r
}

fn boot_in(env: &Env, spec: &BootSpec, dir: &Path) -> Result<BootRun, String> {
    let autorun = dir.join("autorun");
    std::fs::write(&autorun, &spec.script).map_err(|e| format!("{}: {e}", autorun.display()))?;
    let img = dir.join("fs.img");
    let mut args = vec![img.display().to_string()];
    for p in ["init", "sh", "wswalk", "thrashdemo", "beladydemo", "vmstat"] {
        args.push(format!("/bin/{p}={}", env.guest_dir.join(p).display()));
    }
    args.push(format!("/etc/autorun={}", autorun.display()));
    let out = Command::new(&env.mkfs).args(&args).output().map_err(|e| format!("{}: {e}", env.mkfs.display()))?;
    if !out.status.success() {
        return Err(format!("mkfs: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let kernel = std::fs::read(&env.kernel).map_err(|e| format!("{}: {e}", env.kernel.display()))?;
    let mut m = Machine::new(MachineConfig { ram_size: spec.ram_mib << 20, ..Default::default() });
    m.bus.dev.uart.echo = false;
    m.attach_drive(&img, false).map_err(|e| format!("attach {}: {e}", img.display()))?;
    if spec.swap_mib > 0 {
        let swap = dir.join("swap.img");
        let f = std::fs::File::create(&swap).map_err(|e| format!("{}: {e}", swap.display()))?;
        f.set_len(spec.swap_mib << 20).map_err(|e| format!("{}: {e}", swap.display()))?;
        drop(f);
        m.attach_drive(&swap, false).map_err(|e| format!("attach {}: {e}", swap.display()))?;
    }
    m.boot.bootargs = spec.policy.as_deref().map(bootargs_for);
    m.load_elf(&kernel).map_err(|e| format!("load {}: {e}", env.kernel.display()))?;
    let outcome = m.run(Some(spec.max_cycles), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).into_owned();
    Ok(BootRun { outcome, console, retired: m.retired() })
}

/// The value of `key=` in a line of `key=value` words.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace().find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

fn num(line: &str, key: &str) -> Option<u64> {
    field(line, key)?.parse().ok()
}

/// One `wswalk: pages=...` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    pub pages: u64,
    pub pattern: String,
    pub refs: u64,
    /// Faults that read the page from a disk (swap-ins) or a file.
    pub major: u64,
    /// Faults resolved without I/O (first-touch zero fills, copy-on-write breaks).
    pub minor: u64,
    pub elapsed_ns: u64,
    /// System-wide pages read from and written to swap during the walk.
    pub swap_ins: u64,
    pub swap_outs: u64,
    /// The replacement policy the kernel reported.
    pub policy: String,
    /// The walker found every page's contents intact.
    pub check_ok: bool,
}

/// Every `wswalk: pages=...` line of a console log, in order.
pub fn parse_walks(console: &str) -> Vec<Walk> {
    console
        .lines()
        .filter_map(|l| {
            let l = l.strip_prefix("wswalk: ")?;
            Some(Walk {
                pages: num(l, "pages")?,
                pattern: field(l, "pattern")?.to_string(),
                refs: num(l, "refs")?,
                major: num(l, "major")?,
                minor: num(l, "minor")?,
                elapsed_ns: num(l, "elapsed_ns")?,
                swap_ins: num(l, "swapins")?,
                swap_outs: num(l, "swapouts")?,
                policy: field(l, "policy")?.to_string(),
                check_ok: field(l, "check")? == "ok",
            })
        })
        .collect()
}

/// The `thrashdemo: k=...` summary line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrashSummary {
    pub k: u64,
    pub pages: u64,
    pub rounds: u64,
    pub refs: u64,
    pub elapsed_ns: u64,
    pub failed: u64,
}

/// The `thrashdemo: k=...` line of a console log.
pub fn parse_thrash(console: &str) -> Option<ThrashSummary> {
    console.lines().find_map(|l| {
        let l = l.strip_prefix("thrashdemo: k=").map(|r| format!("k={r}"))?;
        Some(ThrashSummary {
            k: num(&l, "k")?,
            pages: num(&l, "pages")?,
            rounds: num(&l, "rounds")?,
            refs: num(&l, "refs")?,
            elapsed_ns: num(&l, "elapsed_ns")?,
            failed: num(&l, "failed")?,
        })
    })
}

/// Free frames at boot, from the `vmstat` line the scripts run first
/// (`frames: F free of T ...`).
pub fn parse_free_frames(console: &str) -> Option<(u64, u64)> {
    console.lines().find_map(|l| {
        let w: Vec<&str> = l.strip_prefix("frames: ")?.split_whitespace().collect();
        Some((w.first()?.parse().ok()?, w.get(3)?.trim_end_matches(['(', ';']).parse().ok()?))
    })
}

/// Guest cycles in `ns` nanoseconds of guest time.
pub fn ns_to_cycles(ns: u64) -> u64 {
    ns.saturating_mul(TIMEBASE_HZ as u64) / 1_000_000_000
}

/// A short, human-readable reason a run did not produce its result line.
fn failure(run: &BootRun) -> String {
    let killed = run.console.lines().filter(|l| l.contains(": killed") || l.contains("out of memory")).count();
    match run.outcome {
        Outcome::InstructionLimit => "cycle limit".into(),
        _ if killed > 0 => format!("oom ({killed} kill messages)"),
        o => format!("no result ({o:?})"),
    }
}

/// One point of the fault curve.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPoint {
    pub policy: String,
    pub ram_mib: u64,
    /// Free frames right after boot (before the walk) and all frames.
    pub free_frames: u64,
    pub total_frames: u64,
    /// The walk, if it completed.
    pub walk: Option<Walk>,
    /// Why there is no walk (OOM kill, cycle limit).
    pub status: String,
}

impl FaultPoint {
    /// Major faults per 1000 references (0 when the walk did not complete).
    pub fn major_per_kref(&self) -> f64 {
        self.walk.as_ref().map_or(0.0, |w| w.major as f64 * 1000.0 / w.refs.max(1) as f64)
    }
}

/// The fault-curve workload.
#[derive(Clone, Debug)]
pub struct Workload {
    pub pages: u64,
    pub pattern: String,
    pub rounds: u64,
    pub swap_mib: u64,
    pub max_cycles: u64,
}

/// Runs one `wswalk` at `ram_mib` MiB under `policy`.
pub fn fault_point(env: &Env, ram_mib: u64, policy: &str, w: &Workload) -> Result<FaultPoint, String> {
    let script = format!("vmstat\nwswalk {} {} {}\n", w.pages, w.pattern, w.rounds);
    let spec =
        BootSpec { ram_mib, policy: Some(policy.into()), swap_mib: w.swap_mib, script, max_cycles: w.max_cycles };
    let run = boot(env, &spec)?;
    let (free_frames, total_frames) = parse_free_frames(&run.console)
        .ok_or_else(|| format!("{ram_mib} MiB {policy}: no vmstat line (did the OS boot?)\n{}", run.console))?;
    let walk = parse_walks(&run.console).into_iter().next();
    let status = match &walk {
        Some(w) if w.policy != policy => format!("policy {} instead of {policy}", w.policy),
        Some(w) if w.check_ok => "ok".to_string(),
        Some(_) => "bad-check".to_string(),
        None => failure(&run),
    };
    Ok(FaultPoint { policy: policy.into(), ram_mib, free_frames, total_frames, walk, status })
}

/// [`fault_point`] for every policy and RAM size (policy-major order).
pub fn fault_curve(env: &Env, rams: &[u64], policies: &[&str], w: &Workload) -> Result<Vec<FaultPoint>, String> {
    let mut v = Vec::new();
    for p in policies {
        for &r in rams {
            let pt = fault_point(env, r, p, w)?;
            eprintln!(
                "faults: {p:<6} {r:>3} MiB ({} frames free): {:.1} major/1000 refs [{}]",
                pt.free_frames,
                pt.major_per_kref(),
                pt.status
            );
            v.push(pt);
        }
    }
    Ok(v)
}

/// One point of the thrashing curve.
#[derive(Clone, Debug, PartialEq)]
pub struct ThrashPoint {
    pub policy: String,
    pub ram_mib: u64,
    pub k: u64,
    pub pages: u64,
    pub free_frames: u64,
    pub summary: Option<ThrashSummary>,
    /// The children's walks.
    pub walks: Vec<Walk>,
    pub status: String,
}

impl ThrashPoint {
    /// References completed per million guest cycles (0 when nothing completed).
    pub fn throughput(&self) -> f64 {
        match &self.summary {
            Some(s) if s.elapsed_ns > 0 => s.refs as f64 * 1e6 / ns_to_cycles(s.elapsed_ns).max(1) as f64,
            _ => 0.0,
        }
    }
    /// Major faults of all children together.
    pub fn major(&self) -> u64 {
        self.walks.iter().map(|w| w.major).sum()
    }
    /// Minor faults of all children together.
    pub fn minor(&self) -> u64 {
        self.walks.iter().map(|w| w.minor).sum()
    }
}

/// The thrashing workload: K processes of `pages` pages, `rounds` rounds of `pattern`.
#[derive(Clone, Debug)]
pub struct ThrashWorkload {
    pub pages: u64,
    pub rounds: u64,
    pub pattern: String,
    pub swap_mib: u64,
    pub max_cycles: u64,
}

/// The kernel command line for a policy label: `NAME` gives `vm.policy=NAME`,
/// `NAME/no-control` gives `vm.policy=NAME vm.thrash=0` (thrashing control off).
pub fn bootargs_for(label: &str) -> String {
    match label.strip_suffix("/no-control") {
        Some(p) => format!("vm.policy={p} vm.thrash=0"),
        None => format!("vm.policy={label}"),
    }
}

/// Runs `thrashdemo k pages rounds pattern` at `ram_mib` MiB under `policy`.
pub fn thrash_point(env: &Env, ram_mib: u64, policy: &str, k: u64, w: &ThrashWorkload) -> Result<ThrashPoint, String> {
    let script = format!("vmstat\nthrashdemo {k} {} {} {}\n", w.pages, w.rounds, w.pattern);
    let spec =
        BootSpec { ram_mib, policy: Some(policy.into()), swap_mib: w.swap_mib, script, max_cycles: w.max_cycles };
    let run = boot(env, &spec)?;
    let (free_frames, _) = parse_free_frames(&run.console)
        .ok_or_else(|| format!("{ram_mib} MiB: no vmstat line (did the OS boot?)\n{}", run.console))?;
    let summary = parse_thrash(&run.console);
    let walks = parse_walks(&run.console);
    let status = match &summary {
        Some(s) if s.failed == 0 && walks.len() as u64 == k && walks.iter().all(|w| w.check_ok) => "ok".to_string(),
        Some(s) => format!("{} of {k} failed ({})", s.failed.max(k.saturating_sub(walks.len() as u64)), failure(&run)),
        None => failure(&run),
    };
    Ok(ThrashPoint { policy: policy.into(), ram_mib, k, pages: w.pages, free_frames, summary, walks, status })
}

/// [`thrash_point`] for k = 1..=max_k.
pub fn thrash_curve(
    env: &Env,
    ram_mib: u64,
    policy: &str,
    max_k: u64,
    w: &ThrashWorkload,
) -> Result<Vec<ThrashPoint>, String> {
    let mut v = Vec::new();
    for k in 1..=max_k {
        let pt = thrash_point(env, ram_mib, policy, k, w)?;
        eprintln!(
            "thrash: {policy} {ram_mib} MiB k={k} ({} pages of {} free): {:.1} refs/Mcycle, {} major [{}]",
            k * w.pages,
            pt.free_frames,
            pt.throughput(),
            pt.major(),
            pt.status
        );
        v.push(pt);
    }
    Ok(v)
}

/// The fault curve as CSV (one row per point).
pub fn fault_csv(points: &[FaultPoint]) -> String {
    let mut s = String::from(
        "policy,ram_mib,free_frames,total_frames,pages,pattern,refs,major,minor,major_per_1000_refs,swap_ins,swap_outs,elapsed_ns,status\n",
    );
    for p in points {
        let (pages, pattern, refs, major, minor, ns, si, so) = match &p.walk {
            Some(w) => (
                w.pages.to_string(),
                w.pattern.clone(),
                w.refs,
                w.major,
                w.minor,
                w.elapsed_ns,
                w.swap_ins,
                w.swap_outs,
            ),
            None => (String::new(), String::new(), 0, 0, 0, 0, 0, 0),
        };
        let _ = writeln!(
            s,
            "{},{},{},{},{pages},{pattern},{refs},{major},{minor},{:.3},{si},{so},{ns},{}",
            p.policy,
            p.ram_mib,
            p.free_frames,
            p.total_frames,
            p.major_per_kref(),
            p.status
        );
    }
    s
}

/// The thrashing curve as CSV.
pub fn thrash_csv(points: &[ThrashPoint]) -> String {
    let mut s = String::from(
        "policy,ram_mib,free_frames,k,pages_each,pages_total,refs,elapsed_ns,cycles,refs_per_mcycle,major,minor,status\n",
    );
    for p in points {
        let (refs, ns) = p.summary.as_ref().map_or((0, 0), |t| (t.refs, t.elapsed_ns));
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{refs},{ns},{},{:.3},{},{},{}",
            p.policy,
            p.ram_mib,
            p.free_frames,
            p.k,
            p.pages,
            p.k * p.pages,
            ns_to_cycles(ns),
            p.throughput(),
            p.major(),
            p.minor(),
            p.status
        );
    }
    s
}

type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// Draws the fault curve (major faults per 1000 references against free frames, one
/// line per policy; runs that did not complete are left out) into an SVG file.
pub fn plot_faults(points: &[FaultPoint], title: &str, path: &Path) -> PlotResult {
    let mut policies: Vec<&str> = points.iter().map(|p| p.policy.as_str()).collect();
    policies.dedup();
    let done: Vec<&FaultPoint> = points.iter().filter(|p| p.walk.is_some()).collect();
    let x0 = points.iter().map(|p| p.free_frames).min().unwrap_or(0);
    let x1 = points.iter().map(|p| p.free_frames).max().unwrap_or(1).max(x0 + 1);
    let y1 = done.iter().map(|p| p.major_per_kref()).fold(0.0, f64::max).max(1.0) * 1.1;
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, 0.0..y1)?;
    chart
        .configure_mesh()
        .x_desc("frames free for the walker (RAM size varies)")
        .y_desc("major faults per 1000 references")
        .draw()?;
    for (i, pol) in policies.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let pts: Vec<(u64, f64)> =
            done.iter().filter(|p| p.policy == *pol).map(|p| (p.free_frames, p.major_per_kref())).collect();
        let missing = points.iter().filter(|p| p.policy == *pol && p.walk.is_none()).count();
        let label = if missing > 0 { format!("{pol} ({missing} runs did not finish)") } else { pol.to_string() };
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}

/// Draws the thrashing curve (throughput against the number of processes, one line per
/// policy) into an SVG file.
pub fn plot_thrash(points: &[ThrashPoint], title: &str, path: &Path) -> PlotResult {
    let mut policies: Vec<&str> = points.iter().map(|p| p.policy.as_str()).collect();
    policies.dedup();
    let x1 = points.iter().map(|p| p.k).max().unwrap_or(1).max(2);
    let y1 = points.iter().map(|p| p.throughput()).fold(0.0, f64::max).max(1.0) * 1.1;
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(1u64..x1, 0.0..y1)?;
    chart
        .configure_mesh()
        .x_desc("processes running the walker at once (K)")
        .y_desc("references per million cycles")
        .draw()?;
    for (i, pol) in policies.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let pts: Vec<(u64, f64)> = points.iter().filter(|p| p.policy == *pol).map(|p| (p.k, p.throughput())).collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
            .label(*pol)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_result_lines() {
        let c = "frames: 3000 free of 6000 (12000 KiB free); zero-frame mappings 1\n\
                 wswalk[3]: blah\n\
                 wswalk: pages=10 pattern=seq refs=40 major=2 minor=20 elapsed_ns=1000 swapins=2 swapouts=3 policy=fifo frames=99 check=ok\n\
                 thrashdemo: k=2 pages=10 rounds=4 pattern=seq refs=80 elapsed_ns=5000 failed=0\n";
        assert_eq!(parse_free_frames(c), Some((3000, 6000)));
        let w = parse_walks(c);
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].pages, w[0].refs, w[0].major, w[0].minor, w[0].check_ok), (10, 40, 2, 20, true));
        assert_eq!((w[0].swap_ins, w[0].swap_outs, w[0].policy.as_str()), (2, 3, "fifo"));
        let t = parse_thrash(c).expect("summary");
        assert_eq!((t.k, t.refs, t.elapsed_ns, t.failed), (2, 80, 5000, 0));
        assert_eq!(ns_to_cycles(5000), 50);
    }
}
