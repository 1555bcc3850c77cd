//! Printing: Markdown tables (so a run can be pasted into docs/emulator.md), medians and
//! the PASS/MISS verdict of a target.

/// Prints a Markdown table with aligned columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut width: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells.iter().zip(&width).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("| {} |", parts.join(" | "));
    };
    line(headers.to_vec());
    println!("|{}|", width.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("|"));
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
    println!();
}

/// The median of `v` (the lower middle one for an even count); 0 when empty.
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get((s.len().max(1) - 1) / 2).copied().unwrap_or(0.0)
}

/// "PASS", "MISS", or "n/a" when the figure could not be measured in this run.
pub fn verdict(ok: Option<bool>) -> String {
    match ok {
        Some(true) => "PASS".into(),
        Some(false) => "MISS".into(),
        None => "n/a".into(),
    }
}

/// A figure with `digits` decimals, or "-" when absent.
pub fn fig(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// Instruction counts as `1.234e9`.
pub fn count(n: u64) -> String {
    format!("{:.4e}", n as f64)
}
