//! MMU counters: TLB hits and misses, flushes by kind, page walks and their PTE reads,
//! A/D updates, and faults by cause and privilege. Printed by `rvsim run --stats` and
//! written as JSON by `--stats-json`.

use super::walk::Fault;
use super::Access;
use std::fmt::Write as _;

/// Counters of one TLB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlbStats {
    /// Lookups answered by a resident entry (including those the host fast path served).
    pub hits: u64,
    /// Lookups this TLB could not answer (no entry, or an entry whose A/D bits had to
    /// be set): a page walk, or with an L2 TLB a lookup there first.
    pub misses: u64,
    /// Entries filled (after a walk, or in an L1 TLB from an L2 hit).
    pub fills: u64,
    /// Fills that evicted a valid entry of another page (capacity/conflict).
    pub evictions: u64,
    /// Entries invalidated by SFENCE.VMA.
    pub flushed_entries: u64,
}

impl TlbStats {
    /// Hits / lookups, or 0 with no lookups.
    pub fn hit_rate(&self) -> f64 {
        let n = self.hits + self.misses;
        if n == 0 {
            0.0
        } else {
            self.hits as f64 / n as f64
        }
    }
}

/// Index into [`MmuStats::sfence`] by the operands of SFENCE.VMA.
pub fn sfence_kind(vaddr: bool, asid: bool) -> usize {
    (vaddr as usize) | (asid as usize) << 1
}

/// Names of the SFENCE.VMA kinds, indexed by [`sfence_kind`].
pub const SFENCE_KINDS: [&str; 4] = ["all", "addr", "asid", "addr_asid"];
/// Names of access kinds, indexed by `Access as usize`.
pub const ACCESS_NAMES: [&str; 3] = ["fetch", "load", "store"];
/// Privileges faults are counted under (the effective privilege of the access).
pub const PRIV_NAMES: [&str; 2] = ["U", "S"];
/// Length of the PTE-reads-per-walk histogram (index = reads, 1..=5).
pub const WALK_HIST: usize = 6;

/// All MMU counters of one hart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MmuStats {
    pub itlb: TlbStats,
    pub dtlb: TlbStats,
    /// The shared L2 TLB, when there is one (`None`: not configured, and not reported,
    /// so that runs without it report exactly what they did before it existed). Its
    /// lookups are the L1 misses; its fills follow walks.
    pub l2tlb: Option<TlbStats>,
    /// SFENCE.VMA executed, by kind (see [`SFENCE_KINDS`]).
    pub sfence: [u64; 4],
    /// Page-table walks started.
    pub walks: u64,
    /// Walks by how many PTEs they read.
    pub walk_reads: [u64; WALK_HIST],
    /// Total PTEs read.
    pub pte_reads: u64,
    /// Leaf PTEs whose A bit the walker set.
    pub a_updates: u64,
    /// Leaf PTEs whose D bit the walker set.
    pub d_updates: u64,
    /// Page faults by access kind (fetch/load/store) and effective privilege (U/S).
    pub page_faults: [[u64; 2]; 3],
    /// Access faults from page-table accesses, by access kind.
    pub pte_access_faults: [u64; 3],
    /// Faults by reason (indexed by [`Fault::index`]).
    pub fault_reasons: [u64; Fault::ALL.len()],
}

impl MmuStats {
    pub(crate) fn count_fault(&mut self, f: Fault, access: Access, user: bool) {
        self.fault_reasons[f.index()] += 1;
        if f.is_access_fault() {
            self.pte_access_faults[access as usize] += 1;
        } else {
            self.page_faults[access as usize][if user { 0 } else { 1 }] += 1;
        }
    }

    /// Sums counters of several harts.
    pub fn add(&mut self, o: &MmuStats) {
        let add = |a: &mut TlbStats, b: &TlbStats| {
            a.hits += b.hits;
            a.misses += b.misses;
            a.fills += b.fills;
            a.evictions += b.evictions;
            a.flushed_entries += b.flushed_entries;
        };
        add(&mut self.itlb, &o.itlb);
        add(&mut self.dtlb, &o.dtlb);
        if let Some(b) = &o.l2tlb {
            add(self.l2tlb.get_or_insert_default(), b);
        }
        self.sfence.iter_mut().zip(o.sfence).for_each(|(a, b)| *a += b);
        self.walks += o.walks;
        self.walk_reads.iter_mut().zip(o.walk_reads).for_each(|(a, b)| *a += b);
        self.pte_reads += o.pte_reads;
        self.a_updates += o.a_updates;
        self.d_updates += o.d_updates;
        for (a, b) in self.page_faults.iter_mut().zip(o.page_faults) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        self.pte_access_faults.iter_mut().zip(o.pte_access_faults).for_each(|(a, b)| *a += b);
        self.fault_reasons.iter_mut().zip(o.fault_reasons).for_each(|(a, b)| *a += b);
    }

    /// Human-readable report, one topic per line, each line prefixed with `prefix`.
    pub fn report(&self, prefix: &str) -> String {
        let mut s = String::new();
        let l2 = self.l2tlb.as_ref().map(|t| ("L2 TLB", t));
        for (name, t) in [("iTLB", &self.itlb), ("dTLB", &self.dtlb)].into_iter().chain(l2) {
            let _ = writeln!(
                s,
                "{prefix}{name}: {} hits, {} misses ({:.2}% hits), {} fills, {} evictions, {} flushed",
                t.hits,
                t.misses,
                100.0 * t.hit_rate(),
                t.fills,
                t.evictions,
                t.flushed_entries
            );
        }
        let avg = if self.walks == 0 { 0.0 } else { self.pte_reads as f64 / self.walks as f64 };
        let hist: Vec<String> = (1..WALK_HIST)
            .filter(|&i| self.walk_reads[i] != 0)
            .map(|i| format!("{i}:{}", self.walk_reads[i]))
            .collect();
        let _ = writeln!(
            s,
            "{prefix}walks: {} ({} PTE reads, {avg:.2}/walk; by reads [{}]), A set {}, D set {}",
            self.walks,
            self.pte_reads,
            hist.join(" "),
            self.a_updates,
            self.d_updates
        );
        let fences: Vec<String> = SFENCE_KINDS.iter().zip(self.sfence).map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(s, "{prefix}sfence.vma: {}", fences.join(", "));
        let mut pf = Vec::new();
        for (a, row) in ACCESS_NAMES.iter().zip(self.page_faults) {
            for (p, n) in PRIV_NAMES.iter().zip(row) {
                if n != 0 {
                    pf.push(format!("{a}/{p} {n}"));
                }
            }
        }
        let reasons: Vec<String> = Fault::ALL
            .iter()
            .zip(self.fault_reasons)
            .filter(|(_, n)| *n != 0)
            .map(|(f, n)| format!("{} {n}", f.name()))
            .collect();
        let _ = writeln!(
            s,
            "{prefix}page faults: {} [{}]; PTE access faults {}; reasons [{}]",
            self.page_faults.iter().flatten().sum::<u64>(),
            pf.join(", "),
            self.pte_access_faults.iter().sum::<u64>(),
            reasons.join(", ")
        );
        s
    }

    /// The counters as one JSON object (written by hand: flat numbers and names only).
    pub fn to_json(&self) -> String {
        let tlb = |t: &TlbStats| {
            format!(
                "{{\"hits\":{},\"misses\":{},\"fills\":{},\"evictions\":{},\"flushed_entries\":{}}}",
                t.hits, t.misses, t.fills, t.evictions, t.flushed_entries
            )
        };
        let obj = |names: &[&str], vals: &[u64]| {
            let f: Vec<String> = names.iter().zip(vals).map(|(n, v)| format!("\"{n}\":{v}")).collect();
            format!("{{{}}}", f.join(","))
        };
        let pf: Vec<String> = ACCESS_NAMES
            .iter()
            .zip(self.page_faults)
            .map(|(a, row)| format!("\"{a}\":{}", obj(&PRIV_NAMES, &row)))
            .collect();
        let reason_names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        let l2 = self.l2tlb.as_ref().map(|t| format!("\"l2tlb\":{},", tlb(t))).unwrap_or_default();
        format!(
            "{{\"itlb\":{},\"dtlb\":{},{l2}\"sfence\":{},\"walks\":{},\"pte_reads\":{},\"walk_reads_histogram\":[{}],\
             \"a_updates\":{},\"d_updates\":{},\"page_faults\":{{{}}},\"pte_access_faults\":{},\"fault_reasons\":{}}}",
            tlb(&self.itlb),
            tlb(&self.dtlb),
            obj(&SFENCE_KINDS, &self.sfence),
            self.walks,
            self.pte_reads,
            self.walk_reads.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(","),
            self.a_updates,
            self.d_updates,
            pf.join(","),
            obj(&ACCESS_NAMES, &self.pte_access_faults),
            obj(&reason_names, &self.fault_reasons),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_and_json_show_counts() {
        let mut s = MmuStats::default();
        s.dtlb.hits = 3;
        s.dtlb.misses = 1;
        s.walks = 1;
        s.pte_reads = 3;
        s.walk_reads[3] = 1;
        s.count_fault(Fault::NotWritable, Access::Store, true);
        s.count_fault(Fault::PteAccess, Access::Load, false);
        let r = s.report("mmu: ");
        assert!(r.contains("dTLB: 3 hits, 1 misses (75.00% hits)"), "{r}");
        assert!(r.contains("store/U 1"), "{r}");
        assert!(r.contains("not_writable 1"), "{r}");
        let j = s.to_json();
        assert!(j.contains("\"dtlb\":{\"hits\":3,\"misses\":1"), "{j}");
        assert!(j.contains("\"store\":{\"U\":1,\"S\":0}"), "{j}");
        assert!(j.contains("\"walk_reads_histogram\":[0,0,0,1,0,0]"), "{j}");
        assert!(j.contains("\"pte_access_faults\":{\"fetch\":0,\"load\":1,\"store\":0}"), "{j}");
    }
}
