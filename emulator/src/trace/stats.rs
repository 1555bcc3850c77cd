//! End-of-run statistics (`rvsim run --stats`): instructions by privilege, wall time and
//! MIPS, exceptions and interrupts taken by cause.
//!
//! [`RunStats::collect`] gathers everything into one plain struct and
//! [`RunStats::render_text`] prints it; further counters (TLB, page walks, devices) and a
//! JSON rendering (`--stats-json`) extend these two functions.

use crate::machine::Machine;
use std::fmt::Write as _;
use std::time::Duration;

/// Interrupt names by cause code (Privileged table 3.6).
const INTERRUPT_NAMES: [&str; 16] = [
    "reserved (0)",
    "supervisor software",
    "reserved (2)",
    "machine software",
    "reserved (4)",
    "supervisor timer",
    "reserved (6)",
    "machine timer",
    "reserved (8)",
    "supervisor external",
    "reserved (10)",
    "machine external",
    "counter overflow",
    "reserved (13)",
    "reserved (14)",
    "reserved (15)",
];

/// Counters of one hart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HartReport {
    pub hartid: u64,
    /// Retired instructions by privilege encoding (index 0 U, 1 S, 3 M).
    pub retired_by_priv: [u64; 4],
    pub exceptions: [u64; 16],
    pub interrupts: [u64; 16],
    /// Cycles idle in WFI.
    pub idle_cycles: u64,
}

/// Everything `--stats` reports.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    pub instructions: u64,
    pub wall: Duration,
    pub harts: Vec<HartReport>,
}

impl RunStats {
    /// Gathers the counters of `m` after a run that took `wall`.
    pub fn collect(m: &Machine, wall: Duration) -> RunStats {
        let harts = m
            .cores
            .iter()
            .map(|c| {
                let h = &c.hart;
                HartReport {
                    hartid: h.hartid,
                    retired_by_priv: h.stats.retired_by_priv,
                    exceptions: h.stats.exceptions,
                    interrupts: h.stats.interrupts,
                    idle_cycles: h.idle,
                }
            })
            .collect();
        RunStats { instructions: m.retired(), wall, harts }
    }

    /// Millions of instructions per second of wall time.
    pub fn mips(&self) -> f64 {
        self.instructions as f64 / self.wall.as_secs_f64().max(1e-9) / 1e6
    }

    /// The human-readable report, one `rvsim:`-prefixed line per item.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "rvsim: {} instructions in {:.3} s = {:.1} MIPS",
            self.instructions,
            self.wall.as_secs_f64(),
            self.mips()
        );
        for h in &self.harts {
            let r = &h.retired_by_priv;
            let _ = writeln!(
                s,
                "rvsim: hart {}: instructions M {} S {} U {}, idle cycles {}",
                h.hartid, r[3], r[1], r[0], h.idle_cycles
            );
            for (kind, counts, names) in [
                ("exception", &h.exceptions, &crate::hart::trap::EXCEPTION_NAMES),
                ("interrupt", &h.interrupts, &INTERRUPT_NAMES),
            ] {
                for (cause, &n) in counts.iter().enumerate().filter(|(_, &n)| n > 0) {
                    let _ = writeln!(s, "rvsim: hart {}:   {kind} {cause:>2} {:<32} {n}", h.hartid, names[cause]);
                }
            }
            if h.exceptions.iter().chain(h.interrupts.iter()).all(|&n| n == 0) {
                let _ = writeln!(s, "rvsim: hart {}:   no traps taken", h.hartid);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lists_only_causes_that_happened() {
        let mut h = HartReport { hartid: 0, ..Default::default() };
        h.retired_by_priv = [5, 0, 0, 10];
        h.exceptions[2] = 3;
        h.interrupts[7] = 1;
        let st = RunStats { instructions: 15, wall: Duration::from_millis(1), harts: vec![h] };
        let t = st.render_text();
        assert!(t.contains("15 instructions"), "{t}");
        assert!(t.contains("M 10 S 0 U 5"), "{t}");
        assert!(t.contains("exception  2 illegal instruction"), "{t}");
        assert!(t.contains("interrupt  7 machine timer"), "{t}");
        assert!(!t.contains("breakpoint"), "{t}");
        assert!((st.mips() - 0.015).abs() < 1e-9);
    }
}
