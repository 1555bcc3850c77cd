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
//! The SVG is drawn with `plotters` (SVG backend only, as in `guest-os/experiments`), an
//! optional dependency enabled by the `std` feature only, so the `no_std` library the
//! kernel links never sees it; `make plots-sim` regenerates
//! `docs/plots/fault-rate-vs-frames.svg`.

use std::fmt::Write as _;
use std::process::ExitCode;

use plotters::prelude::*;

use vmcore::replace::sim::{self, refs};
use vmcore::replace::{PolicyKind, PolicySet};

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
                let mut p = Box::new(PolicySet::<CAP>::new(kind, o.seed));
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

/// Colours in the order of [`POLICIES`]: OPT black (the yardstick), then the usual
/// matplotlib-like hues.
const COLORS: [RGBColor; 6] = [
    RGBColor(0, 0, 0),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
];
/// Stroke widths in the order of [`POLICIES`]: FIFO, Clock and aging often coincide, so
/// they are drawn thickest first as nested strokes that stay visible.
const WIDTHS: [u32; 6] = [2, 2, 7, 4, 2, 1];

type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// A 2x2 grid of panels, faults (y) vs. frames (x), one line per policy (OPT and LRU
/// dashed), drawn with plotters' SVG backend in the style of `guest-os/experiments`.
fn svg(ws: &[Workload], o: &Opts) -> Result<String, String> {
    let mut out = String::new();
    draw(ws, o, &mut out).map_err(|e| format!("plot: {e}"))?;
    Ok(out)
}

fn draw(ws: &[Workload], o: &Opts, out: &mut String) -> PlotResult {
    let cols = 2;
    let rows = ws.len().div_ceil(cols).max(1);
    let root = SVGBackend::with_string(out, (1200, 420 * rows as u32 + 40)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!(
        "Page faults vs. frames (vmcore-sim: {} refs, {} pages, aging tick every {} refs, seed {})",
        o.refs, o.pages, o.tick, o.seed
    );
    let root = root.titled(&title, ("sans-serif", 20))?;
    for (wl, area) in ws.iter().zip(root.split_evenly((rows, cols))) {
        let max_f = wl.curves.iter().flat_map(|c| c.points.iter().map(|p| p.0)).max().unwrap_or(1).max(2);
        let max_y = wl.curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)).max().unwrap_or(1).max(1);
        let mut chart = ChartBuilder::on(&area)
            .caption(wl.name, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(1..max_f, 0..max_y + max_y / 20)?;
        chart.configure_mesh().x_desc("frames").y_desc("page faults").draw()?;
        let mut order: Vec<usize> = (0..wl.curves.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(WIDTHS[i]));
        for i in order {
            let c = &wl.curves[i];
            let style = COLORS[i].stroke_width(WIDTHS[i]);
            let legend = move |(x, y): (i32, i32)| PathElement::new(vec![(x, y), (x + 20, y)], style);
            if matches!(c.policy, "opt" | "lru") {
                let dash = if c.policy == "opt" { 6 } else { 3 };
                chart
                    .draw_series(DashedLineSeries::new(c.points.iter().map(|&(f, n)| (f, n)), dash, 3, style))?
                    .label(c.policy)
                    .legend(legend);
            } else {
                chart
                    .draw_series(LineSeries::new(c.points.iter().map(|&(f, n)| (f, n)), style))?
                    .label(c.policy)
                    .legend(legend);
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
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
        Some(path) => svg(&ws, &o).and_then(|text| std::fs::write(path, text).map_err(|e| format!("{path}: {e}"))),
        None => Ok(()),
    });
    if let Err(e) = out {
        eprintln!("vmcore-sim: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
