//! `vmcore-sim`: the textbook baseline for page replacement. Runs deterministic reference
//! strings through every policy of `vmcore::replace` (and OPT and exact LRU) for a range of
//! frame counts and prints the fault counts as CSV; optionally draws them as an SVG.
//!
//! ```text
//! cargo run -p vmcore --features std --bin vmcore-sim -- [--refs N] [--pages N]
//!     [--max-frames N] [--tick N] [--seed N] [--csv FILE] [--svg FILE]
//! ```
//!
//! Workloads (all deterministic for a given seed):
//! * `loop`: pages `0..pages` in order, over and over (a loop over an array);
//! * `uniform`: each reference a uniformly random page;
//! * `hot80-20`: 80% of references to 20% of the pages;
//! * `belady`: the classic string 1 2 3 4 1 2 5 1 2 3 4 5 (Belady's anomaly under FIFO).
//!
//! The SVG is written by hand (polylines and text), so the crate needs no plotting
//! dependency; `make plots-sim` regenerates `docs/plots/fault-rate-vs-frames.svg`.

use std::fmt::Write as _;
use std::process::ExitCode;

use vmcore::replace::sim::{self, refs};
use vmcore::replace::{AnyPolicy, PolicyKind};

/// Capacity of the policies (an upper bound for `--max-frames`).
const CAP: usize = 1024;

struct Opts {
    refs: usize,
    pages: u32,
    max_frames: usize,
    tick: usize,
    seed: u64,
    csv: Option<String>,
    svg: Option<String>,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts { refs: 20_000, pages: 48, max_frames: 64, tick: 16, seed: 1, csv: None, svg: None };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{a} {v}: {e}"));
        match a.as_str() {
            "--refs" => o.refs = num(val()?)? as usize,
            "--pages" => o.pages = num(val()?)?.clamp(1, u32::MAX as u64) as u32,
            "--max-frames" => o.max_frames = num(val()?)? as usize,
            "--tick" => o.tick = num(val()?)? as usize,
            "--seed" => o.seed = num(val()?)?,
            "--csv" => o.csv = Some(val()?),
            "--svg" => o.svg = Some(val()?),
            "-h" | "--help" => {
                return Err("usage: vmcore-sim [--refs N] [--pages N] [--max-frames N] [--tick N] [--seed N] \
                            [--csv FILE] [--svg FILE]"
                    .into())
            }
            _ => return Err(format!("unknown argument {a} (try --help)")),
        }
    }
    if o.max_frames == 0 || o.max_frames > CAP.min(sim::MAX_FRAMES) {
        return Err(format!("--max-frames must be in 1..={}", CAP.min(sim::MAX_FRAMES)));
    }
    Ok(o)
}

/// One curve: faults for frames 1..=n.
struct Curve {
    policy: &'static str,
    points: Vec<(usize, u64)>,
}

struct Workload {
    name: &'static str,
    refs: Vec<u32>,
    curves: Vec<Curve>,
}

const POLICIES: [&str; 6] = ["opt", "lru", "fifo", "clock", "aging", "random"];

fn run_workload(name: &'static str, refs: Vec<u32>, max_frames: usize, o: &Opts) -> Result<Workload, String> {
    let mut curves = Vec::new();
    for policy in POLICIES {
        let mut points = Vec::new();
        for frames in 1..=max_frames {
            let stats = if policy == "opt" {
                sim::run_opt(frames, &refs)
            } else if policy == "lru" {
                sim::run_lru(frames, &refs)
            } else {
                let kind = PolicyKind::parse(policy).ok_or("policy name")?;
                let mut p = Box::new(AnyPolicy::<CAP>::new(kind, o.seed));
                sim::run(p.as_mut(), frames, &refs, o.tick)
            }
            .map_err(|e| format!("{name}/{policy}/{frames}: {e:?}"))?;
            points.push((frames, stats.faults));
        }
        curves.push(Curve { policy, points });
    }
    Ok(Workload { name, refs, curves })
}

fn csv(ws: &[Workload]) -> String {
    let mut s = String::from("workload,policy,frames,refs,faults,fault_rate\n");
    for w in ws {
        for c in &w.curves {
            for &(f, n) in &c.points {
                let rate = n as f64 / w.refs.len().max(1) as f64;
                let _ = writeln!(s, "{},{},{},{},{},{:.4}", w.name, c.policy, f, w.refs.len(), n, rate);
            }
        }
    }
    s
}

const COLORS: [&str; 6] = ["#000000", "#ff7f0e", "#d62728", "#1f77b4", "#2ca02c", "#9467bd"];
/// Stroke widths in the order of [`POLICIES`].
const WIDTHS: [f64; 6] = [1.5, 1.5, 6.0, 4.0, 2.0, 1.2];

/// A 2x2 grid of panels, faults (y) vs. frames (x), one polyline per policy.
fn svg(ws: &[Workload], o: &Opts) -> String {
    let (pw, ph) = (560.0, 360.0);
    let (ml, mr, mt, mb) = (70.0, 20.0, 40.0, 50.0);
    let cols = 2;
    let rows = ws.len().div_ceil(cols);
    let (w, h) = (pw * cols as f64, ph * rows as f64 + 40.0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="16">Page faults vs. frames (vmcore-sim: {} refs, {} pages, aging tick every {} refs, seed {})</text>"#,
        w / 2.0,
        o.refs,
        o.pages,
        o.tick,
        o.seed
    );
    for (k, wl) in ws.iter().enumerate() {
        let (ox, oy) = ((k % cols) as f64 * pw, (k / cols) as f64 * ph + 40.0);
        let (x0, y0, x1, y1) = (ox + ml, oy + ph - mb, ox + pw - mr, oy + mt);
        let max_f = wl.curves.iter().flat_map(|c| c.points.iter().map(|p| p.0)).max().unwrap_or(1).max(2);
        let max_y = wl.curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)).max().unwrap_or(1).max(1);
        let sx = |f: usize| x0 + (f - 1) as f64 / (max_f - 1) as f64 * (x1 - x0);
        let sy = |v: u64| y0 - v as f64 / max_y as f64 * (y0 - y1);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" font-size="14">{}</text>"#,
            (x0 + x1) / 2.0,
            y1 - 12.0,
            wl.name
        );
        let _ = writeln!(
            s,
            r##"<rect x="{x0}" y="{y1}" width="{}" height="{}" fill="none" stroke="#888"/>"##,
            x1 - x0,
            y0 - y1
        );
        for t in 0..=4 {
            let v = max_y * t / 4;
            let y = sy(v);
            let _ = writeln!(s, r##"<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#eee"/>"##);
            let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="end">{v}</text>"#, x0 - 6.0, y + 4.0);
        }
        let step = (max_f / 8).max(1);
        for f in (1..=max_f).filter(|f| f % step == 0 || *f == 1) {
            let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="middle">{f}</text>"#, sx(f), y0 + 16.0);
        }
        let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="middle">frames</text>"#, (x0 + x1) / 2.0, y0 + 34.0);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" transform="rotate(-90 {} {})">faults</text>"#,
            ox + 18.0,
            (y0 + y1) / 2.0,
            ox + 18.0,
            (y0 + y1) / 2.0
        );
        // Thickest first, so that identical curves (FIFO, Clock and aging often coincide)
        // stay visible as nested strokes.
        let mut order: Vec<usize> = (0..wl.curves.len()).collect();
        order.sort_by(|&a, &b| WIDTHS[b].total_cmp(&WIDTHS[a]));
        for i in order {
            let (c, color, width) = (&wl.curves[i], COLORS[i], WIDTHS[i]);
            let pts: Vec<String> = c.points.iter().map(|&(f, n)| format!("{:.1},{:.1}", sx(f), sy(n))).collect();
            let dash = match c.policy {
                "opt" => r#" stroke-dasharray="5,3""#,
                "lru" => r#" stroke-dasharray="2,2""#,
                _ => "",
            };
            let _ = writeln!(
                s,
                r#"<polyline fill="none" stroke="{color}" stroke-width="{width}"{dash} points="{}"><title>{}</title></polyline>"#,
                pts.join(" "),
                c.policy
            );
        }
        for (i, (c, color)) in wl.curves.iter().zip(COLORS).enumerate() {
            let (lx, ly) = (x1 - 80.0, y1 + 16.0 + i as f64 * 16.0);
            let _ = writeln!(
                s,
                r#"<line x1="{lx}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="{}"/>"#,
                ly - 4.0,
                lx + 20.0,
                ly - 4.0,
                WIDTHS[i].min(3.0)
            );
            let _ = writeln!(s, r#"<text x="{}" y="{ly}">{}</text>"#, lx + 26.0, c.policy);
        }
    }
    s.push_str("</svg>\n");
    s
}

fn main() -> ExitCode {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("vmcore-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let belady = vec![1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
    let loads = [
        ("loop", refs::looping(o.pages, o.refs).collect::<Vec<_>>(), o.max_frames),
        ("uniform", refs::uniform(o.pages, o.refs, o.seed).collect(), o.max_frames),
        ("hot80-20", refs::hot_cold(o.pages, o.refs, 80, 20, o.seed).collect(), o.max_frames),
        ("belady", belady, 7),
    ];
    let mut ws = Vec::new();
    for (name, r, mf) in loads {
        match run_workload(name, r, mf, &o) {
            Ok(w) => ws.push(w),
            Err(e) => {
                eprintln!("vmcore-sim: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let text = csv(&ws);
    let out = match &o.csv {
        Some(path) => std::fs::write(path, &text).map_err(|e| format!("{path}: {e}")),
        None => {
            print!("{text}");
            Ok(())
        }
    };
    let out = out.and_then(|_| match &o.svg {
        Some(path) => std::fs::write(path, svg(&ws, &o)).map_err(|e| format!("{path}: {e}")),
        None => Ok(()),
    });
    if let Err(e) = out {
        eprintln!("vmcore-sim: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
