//! `rvsim events-summary FILE`: turns an event trace into per-page counts, a table that
//! gnuplot, a spreadsheet or `sort -k` can take as it is.
//!
//! ```text
//! # rvsim events-summary: 1234 events (walk 300, tlb_fill 280, ...)
//! # page              walks walk_faults tlb_fills tlb_evictions page_faults kernel
//! 0x0000000000010000      12           1        11             3           1      1
//! ```
//!
//! A page is a 4 KiB virtual page: walks and TLB faults count at the page of their `va`,
//! fills and evictions at their page base, page faults (traps with cause 12, 13 or 15)
//! at their `tval`, kernel hints at their `va`.

use std::collections::BTreeMap;
use std::io::BufRead;

/// Counts for one page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageCounts {
    pub walks: u64,
    pub walk_faults: u64,
    pub tlb_fills: u64,
    pub tlb_evictions: u64,
    /// Page-fault traps (causes 12, 13, 15) with `tval` in the page.
    pub page_faults: u64,
    /// The guest kernel's page-fault outcome hints for the page.
    pub kernel: u64,
}

/// What a trace held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Keyed by virtual page number (va >> 12).
    pub pages: BTreeMap<u64, PageCounts>,
    /// Events by `type`.
    pub types: BTreeMap<String, u64>,
    pub events: u64,
}

/// A line that is not an event.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("line {line}: {msg}")]
    Bad { line: usize, msg: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A `"0x..."` address field.
fn addr(v: &serde_json::Value, key: &str) -> Option<u64> {
    u64::from_str_radix(v.get(key)?.as_str()?.strip_prefix("0x")?, 16).ok()
}

impl Summary {
    /// Reads a trace (JSON lines; blank lines are skipped).
    pub fn read(r: impl BufRead) -> Result<Summary, SummaryError> {
        let mut s = Summary::default();
        for (i, line) in r.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let bad = |msg: String| SummaryError::Bad { line: i + 1, msg };
            let v: serde_json::Value = serde_json::from_str(&line).map_err(|e| bad(format!("not JSON: {e}")))?;
            let ty = v.get("type").and_then(|t| t.as_str()).ok_or_else(|| bad("no \"type\" field".into()))?;
            s.add(ty, &v);
        }
        Ok(s)
    }

    fn add(&mut self, ty: &str, v: &serde_json::Value) {
        self.events += 1;
        *self.types.entry(ty.to_string()).or_default() += 1;
        let (key, field): (&str, fn(&mut PageCounts) -> &mut u64) = match ty {
            "walk" => ("va", |c| &mut c.walks),
            "tlb_fill" => ("va", |c| &mut c.tlb_fills),
            "tlb_evict" => ("va", |c| &mut c.tlb_evictions),
            "trap" if matches!(v.get("cause").and_then(|c| c.as_u64()), Some(12 | 13 | 15)) => {
                ("tval", |c| &mut c.page_faults)
            }
            "kernel" => ("va", |c| &mut c.kernel),
            _ => return,
        };
        let Some(a) = addr(v, key) else { return };
        let page = self.pages.entry(a >> 12).or_default();
        *field(page) += 1;
        if ty == "walk" && v.get("result").and_then(|r| r.as_str()) == Some("fault") {
            page.walk_faults += 1;
        }
    }

    /// The table (see the module doc).
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let types: Vec<String> = self.types.iter().map(|(t, n)| format!("{t} {n}")).collect();
        let mut out = format!("# rvsim events-summary: {} events ({})\n", self.events, types.join(", "));
        out.push_str("# page              walks walk_faults tlb_fills tlb_evictions page_faults kernel\n");
        for (vpn, c) in &self.pages {
            let _ = writeln!(
                out,
                "{:#018x} {:>7} {:>11} {:>9} {:>13} {:>11} {:>6}",
                vpn << 12,
                c.walks,
                c.walk_faults,
                c.tlb_fills,
                c.tlb_evictions,
                c.page_faults,
                c.kernel
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_page() {
        let trace = r#"{"type":"walk","insn":1,"hart":0,"va":"0x1234","result":"ok"}
{"type":"walk","insn":2,"hart":0,"va":"0x1fff","result":"fault"}

{"type":"trap","insn":2,"hart":0,"cause":13,"tval":"0x1fff"}
{"type":"trap","insn":3,"hart":0,"cause":8,"tval":"0x0"}
{"type":"tlb_fill","insn":4,"hart":0,"va":"0x5000"}
"#;
        let s = Summary::read(trace.as_bytes()).unwrap();
        assert_eq!(s.events, 5);
        assert_eq!(s.types["walk"], 2);
        assert_eq!(s.pages[&1], PageCounts { walks: 2, walk_faults: 1, page_faults: 1, ..Default::default() });
        assert_eq!(s.pages[&5].tlb_fills, 1);
        assert!(!s.pages.contains_key(&0), "an ecall has no page");
        assert!(s.render().contains("0x0000000000001000       2           1"));
    }

    #[test]
    fn rejects_non_events() {
        let e = Summary::read("{\"type\":\"walk\"}\nnot json\n".as_bytes()).unwrap_err();
        assert!(e.to_string().starts_with("line 2: not JSON"), "{e}");
        assert!(Summary::read("{\"va\":1}\n".as_bytes()).unwrap_err().to_string().contains("type"));
    }
}
