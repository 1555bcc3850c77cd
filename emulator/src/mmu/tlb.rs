//! A translation lookaside buffer as hardware builds one: `sets` x `ways` entries, each
//! holding one leaf translation of any page size, tagged with the ASID (or global), and
//! tree pseudo-LRU replacement within a set.
//!
//! A superpage entry is indexed by the VPN bits above its own page size, so a lookup
//! probes the set of each page size that is present in the TLB (at most 5 probes for Sv57,
//! usually 1 or 2). The permission bits of the leaf PTE are cached, so a hit re-checks
//! them against the current privilege, SUM and MXR (Privileged 4.3.2, the note on the
//! "address-translation cache": it holds the result of step 2, the PTE read).
//!
//! Every entry carries a unique id, bumped whenever its slot is refilled or invalidated;
//! the MMU's host-side fast path remembers `(slot, id)` so that it can only ever answer
//! for a translation that is still resident in this TLB.

/// Size of one TLB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbConfig {
    /// Total entries (a power of two, 0 = no TLB: every access walks the page table).
    pub entries: u32,
    /// Associativity (a power of two dividing `entries`; `ways == entries` is fully
    /// associative, 1 is direct-mapped).
    pub ways: u32,
}

impl TlbConfig {
    /// Rounds to powers of two, caps at 4096 entries and 64 ways, and keeps
    /// `ways <= entries`, so that any configuration is usable.
    pub fn normalized(self) -> TlbConfig {
        if self.entries == 0 {
            return TlbConfig { entries: 0, ways: 0 };
        }
        let entries = self.entries.clamp(1, 4096).next_power_of_two();
        let ways = self.ways.clamp(1, 64).next_power_of_two().min(entries);
        TlbConfig { entries, ways }
    }
}

/// One cached leaf translation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlbEntry {
    /// `va >> page_shift(level)`: the virtual page number at this entry's page size.
    pub tag: u64,
    /// Level of the leaf PTE: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB, 4 = 256 TiB.
    pub level: u8,
    pub asid: u16,
    /// A global mapping (G set in the leaf or any PTE above it) matches every ASID.
    pub global: bool,
    /// Physical address of the start of the (super)page.
    pub pa_base: u64,
    /// The leaf PTE's flag bits (V R W X U G A D) at fill time.
    pub flags: u8,
    /// Where the leaf PTE lives (for traces and the debugger).
    pub pte_addr: u64,
}

impl TlbEntry {
    /// Whether this entry maps the page containing `va`.
    #[inline]
    pub fn covers(&self, va: u64) -> bool {
        va >> page_shift(self.level as u32) == self.tag
    }

    /// Physical address of `va` (which this entry covers).
    #[inline]
    pub fn pa(&self, va: u64) -> u64 {
        self.pa_base | (va & ((1u64 << page_shift(self.level as u32)) - 1))
    }
}

/// log2 of the page size of a leaf at `level`.
#[inline]
pub fn page_shift(level: u32) -> u32 {
    12 + 9 * level
}

/// Entries invalidated by one flush.
pub type Flushed = u64;

/// A set-associative TLB.
///
/// The match fields are kept apart from the entries (one `u64` key and one `u32` ASID
/// word per slot), so that probing a set reads `ways` consecutive keys.
pub struct Tlb {
    cfg: TlbConfig,
    set_mask: u64,
    ways_log2: u32,
    entries: Vec<TlbEntry>,
    /// Per slot: `tag << 3 | level` of the resident entry, [`EMPTY`] when none.
    keys: Vec<u64>,
    /// Per slot: the entry's ASID, with [`GLOBAL`] set for a global mapping.
    asids: Vec<u32>,
    /// Per slot: 0 = empty, otherwise the unique id of the resident entry.
    ids: Vec<u64>,
    /// Tree pseudo-LRU bits per set (node n at bit n, root = 1).
    plru: Vec<u64>,
    /// Per way: (mask of bits to keep, bits to set) for a touch.
    touch_masks: Vec<(u64, u64)>,
    /// Resident entries per page level, to skip probing absent page sizes.
    per_level: [u32; 5],
    /// Bit `l` set when `per_level[l] != 0`.
    levels: u8,
    next_id: u64,
}

/// The key of an empty slot (no tag shifted left by 3 reaches it).
const EMPTY: u64 = u64::MAX;
/// The flag in [`Tlb::asids`] of a global entry.
const GLOBAL: u32 = 1 << 16;

/// The key of the entry of `level` with tag `tag`.
#[inline(always)]
fn key(tag: u64, level: u32) -> u64 {
    tag << 3 | level as u64
}

/// Whether an entry with ASID word `w` matches address space `asid`.
#[inline(always)]
fn asid_matches(w: u32, asid: u16) -> bool {
    w == asid as u32 || w & GLOBAL != 0
}

impl Tlb {
    pub fn new(cfg: TlbConfig) -> Tlb {
        let cfg = cfg.normalized();
        let n = cfg.entries as usize;
        let sets = if n == 0 { 0 } else { n / cfg.ways as usize };
        Tlb {
            cfg,
            set_mask: (sets as u64).saturating_sub(1),
            ways_log2: cfg.ways.max(1).trailing_zeros(),
            entries: vec![TlbEntry::default(); n],
            keys: vec![EMPTY; n],
            asids: vec![0; n],
            ids: vec![0; n],
            plru: vec![0; sets],
            touch_masks: Tlb::touch_masks(cfg.ways.max(1).trailing_zeros()),
            per_level: [0; 5],
            levels: 0,
            next_id: 1,
        }
    }

    /// The (normalized) geometry.
    pub fn config(&self) -> TlbConfig {
        self.cfg
    }

    /// Id of the entry resident in `slot` (0 when empty or out of range).
    #[inline(always)]
    pub fn id(&self, slot: u32) -> u64 {
        self.ids.get(slot as usize).copied().unwrap_or(0)
    }

    /// The entry in `slot` if one is resident.
    pub fn get(&self, slot: usize) -> Option<&TlbEntry> {
        (self.id(slot as u32) != 0).then(|| &self.entries[slot])
    }

    /// All resident entries with their slots (for inspection).
    pub fn resident(&self) -> impl Iterator<Item = (usize, &TlbEntry)> {
        self.entries.iter().enumerate().filter(|(i, _)| self.ids[*i] != 0)
    }

    /// The slots of the set `tag` indexes, as a range.
    #[inline(always)]
    fn set_range(&self, tag: u64) -> std::ops::Range<usize> {
        let base = ((tag & self.set_mask) as usize) << self.ways_log2;
        base..(base + self.cfg.ways as usize).min(self.keys.len())
    }

    /// Finds the entry translating `va` in address space `asid`; does not touch the
    /// replacement state (see [`Tlb::touch`]). Page sizes are probed from 4 KiB up, the
    /// ways of a set in order.
    #[inline]
    pub fn lookup(&self, va: u64, asid: u16) -> Option<usize> {
        let mut levels = self.levels;
        while levels != 0 {
            let level = levels.trailing_zeros();
            levels &= levels - 1;
            let tag = va >> page_shift(level);
            let k = key(tag, level);
            for s in self.set_range(tag) {
                if self.keys[s] == k && asid_matches(self.asids[s], asid) {
                    return Some(s);
                }
            }
        }
        None
    }

    /// Marks `slot` most recently used: every tree node on the path to its way is
    /// pointed at the other half (the next victim comes from there). The node updates
    /// for each way are precomputed as (keep, set) masks, so this is two loads.
    #[inline]
    pub fn touch(&mut self, slot: usize) {
        let way = slot & (self.touch_masks.len() - 1);
        let (keep, set) = self.touch_masks[way];
        if let Some(bits) = self.plru.get_mut(slot >> self.ways_log2) {
            *bits = (*bits & keep) | set;
        }
    }

    /// For each way, the masks [`Tlb::touch`] applies: clear the path's node bits, then
    /// set those whose accessed half is the left one (bit 1 = "victim on the right").
    fn touch_masks(ways_log2: u32) -> Vec<(u64, u64)> {
        (0..1usize << ways_log2)
            .map(|way| {
                let (mut path, mut set, mut node) = (0u64, 0u64, 1usize);
                for d in (0..ways_log2).rev() {
                    let b = (way >> d) & 1;
                    path |= 1 << node;
                    if b == 0 {
                        set |= 1 << node;
                    }
                    node = 2 * node + b;
                }
                (!path, set)
            })
            .collect()
    }

    /// The way tree pseudo-LRU picks for replacement in `set`.
    fn victim(&self, set: usize) -> usize {
        let bits = self.plru[set];
        let (mut node, mut way) = (1usize, 0usize);
        for _ in 0..self.ways_log2 {
            let b = ((bits >> node) & 1) as usize;
            way = (way << 1) | b;
            node = 2 * node + b;
        }
        way
    }

    /// Inserts `e`, replacing an entry for the same page and address space if there is
    /// one, else an empty way, else the pseudo-LRU victim. Returns the slot and the valid
    /// entry for another page it evicted, if any. `None` when the TLB has no entries.
    pub fn insert(&mut self, e: TlbEntry) -> Option<(usize, Option<TlbEntry>)> {
        if self.entries.is_empty() {
            return None;
        }
        let r = self.set_range(e.tag);
        let base = r.start;
        let k = key(e.tag, e.level as u32);
        // One pass over the set: the first entry for the same page and address space
        // wins, else the first empty way.
        let (mut same, mut empty) = (None, None);
        for s in r {
            let kk = self.keys[s];
            if kk == EMPTY {
                empty = empty.or(Some(s));
            } else if kk == k && (e.global || asid_matches(self.asids[s], e.asid)) {
                same = Some(s);
                break;
            }
        }
        let (slot, evicted) = match same.or(empty) {
            Some(s) => (s, None),
            None => {
                let s = base + self.victim(base >> self.ways_log2);
                (s, Some(self.entries[s]))
            }
        };
        if self.keys[slot] != EMPTY {
            self.drop_level(self.entries[slot].level);
        }
        self.entries[slot] = e;
        self.keys[slot] = k;
        self.asids[slot] = e.asid as u32 | if e.global { GLOBAL } else { 0 };
        self.ids[slot] = self.next_id;
        self.next_id += 1;
        self.per_level[e.level as usize] += 1;
        self.levels |= 1 << e.level;
        self.touch(slot);
        Some((slot, evicted))
    }

    /// Whether another resident entry could answer a lookup that the entry in `slot`
    /// answers: its range overlaps and the two can match the same ASID. Then which of
    /// them a lookup finds depends on probe order, so a cache in front of this TLB
    /// that remembers "va -> slot" must forget what it holds. Only happens when the page
    /// tables changed under resident entries (no SFENCE.VMA yet) or ASIDs alias globals.
    pub fn overlaps_other(&self, slot: usize) -> bool {
        let Some(e) = self.get(slot) else { return false };
        let lvl = e.level as u32;
        let k = self.keys[slot];
        if self.levels == 1 << lvl {
            // The common case, one page size: only another way of this set can overlap.
            let a = self.asids[slot];
            return self
                .set_range(e.tag)
                .any(|s| s != slot && self.keys[s] == k && (a & GLOBAL != 0 || asid_matches(self.asids[s], e.asid)));
        }
        let base_va = e.tag << page_shift(lvl);
        let may_share = |a: u32| e.global || a & GLOBAL != 0 || a == e.asid as u32;
        let mut levels = self.levels;
        while levels != 0 {
            let l = levels.trailing_zeros();
            levels &= levels - 1;
            if l == lvl && self.per_level[l as usize] == 1 {
                continue;
            }
            if l >= lvl {
                // A larger (or same-size) page containing this one: one set to probe.
                let tag = base_va >> page_shift(l);
                let k = key(tag, l);
                for s in self.set_range(tag) {
                    if s != slot && self.keys[s] == k && may_share(self.asids[s]) {
                        return true;
                    }
                }
            } else {
                // Smaller pages inside this one may sit in any set.
                let shift = page_shift(lvl) - page_shift(l);
                for (s, &kk) in self.keys.iter().enumerate() {
                    if kk != EMPTY && kk & 7 == l as u64 && (kk >> 3) >> shift == e.tag && may_share(self.asids[s]) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Counts one entry of `level` gone.
    fn drop_level(&mut self, level: u8) {
        self.per_level[level as usize] -= 1;
        if self.per_level[level as usize] == 0 {
            self.levels &= !(1 << level);
        }
    }

    fn invalidate(&mut self, slot: usize) {
        self.ids[slot] = 0;
        self.keys[slot] = EMPTY;
        self.drop_level(self.entries[slot].level);
    }

    /// SFENCE.VMA (Privileged 4.2.1) on this TLB: with neither argument every entry goes;
    /// with `va` the entries mapping that page in any ASID, global ones included; with
    /// `asid` the non-global entries of that address space; with both, the non-global
    /// entries mapping that page in that address space. Returns how many were dropped.
    pub fn flush(&mut self, va: Option<u64>, asid: Option<u16>) -> Flushed {
        let mut n = 0;
        for slot in 0..self.entries.len() {
            if self.ids[slot] == 0 {
                continue;
            }
            let e = &self.entries[slot];
            let page = va.is_none_or(|va| e.covers(va));
            let space = asid.is_none_or(|a| !e.global && e.asid == a);
            if page && space {
                self.invalidate(slot);
                n += 1;
            }
        }
        n
    }

    /// Number of resident entries.
    pub fn occupancy(&self) -> usize {
        self.ids.iter().filter(|&&i| i != 0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(va: u64, level: u8, asid: u16, global: bool) -> TlbEntry {
        TlbEntry {
            tag: va >> page_shift(level as u32),
            level,
            asid,
            global,
            pa_base: 0x8000_0000,
            flags: 0xcf,
            pte_addr: 0,
        }
    }

    #[test]
    fn normalizes_geometry() {
        assert_eq!(TlbConfig { entries: 24, ways: 3 }.normalized(), TlbConfig { entries: 32, ways: 4 });
        assert_eq!(TlbConfig { entries: 8, ways: 16 }.normalized(), TlbConfig { entries: 8, ways: 8 });
        assert_eq!(TlbConfig { entries: 0, ways: 4 }.normalized(), TlbConfig { entries: 0, ways: 0 });
    }

    #[test]
    fn asid_and_global_matching() {
        let mut t = Tlb::new(TlbConfig { entries: 8, ways: 2 });
        t.insert(entry(0x1000, 0, 1, false));
        t.insert(entry(0x2000, 0, 1, true));
        assert!(t.lookup(0x1234, 1).is_some());
        assert!(t.lookup(0x1234, 2).is_none(), "another ASID must not hit");
        assert!(t.lookup(0x2fff, 7).is_some(), "global matches any ASID");
    }

    #[test]
    fn superpage_entries_cover_their_range() {
        let mut t = Tlb::new(TlbConfig { entries: 8, ways: 2 });
        t.insert(entry(0x4020_0000, 1, 0, false));
        let s = t.lookup(0x403f_fff8, 0).expect("2 MiB page hit");
        assert_eq!(t.get(s).map(|e| e.pa(0x403f_fff8)), Some(0x801f_fff8));
        assert!(t.lookup(0x4040_0000, 0).is_none());
        assert!(t.lookup(0x401f_ffff, 0).is_none());
    }

    #[test]
    fn pseudo_lru_evicts_least_recently_used_way() {
        // Direct set of 4 ways (fully associative, 4 entries).
        let mut t = Tlb::new(TlbConfig { entries: 4, ways: 4 });
        for p in 0..4u64 {
            t.insert(entry(p << 12, 0, 0, false));
        }
        // Use pages 3, 0, 1 again: page 2 is the least recently used, and the tree agrees
        // (root -> right half, which last saw 3). Tree PLRU is only an approximation: after
        // 0, 1, 3 it would pick 0, since the root then points left.
        for p in [3u64, 0, 1] {
            let s = t.lookup(p << 12, 0).expect("resident");
            t.touch(s);
        }
        let (_, evicted) = t.insert(entry(9 << 12, 0, 0, false)).expect("slot");
        assert_eq!(evicted.map(|e| e.tag), Some(2));
        assert!(t.lookup(2 << 12, 0).is_none(), "page 2 was the LRU victim");
        for p in [0u64, 1, 3, 9] {
            assert!(t.lookup(p << 12, 0).is_some(), "page {p} must stay");
        }
    }

    #[test]
    fn set_index_conflicts_evict_within_the_set() {
        // 2 sets x 1 way: pages 0 and 2 share set 0.
        let mut t = Tlb::new(TlbConfig { entries: 2, ways: 1 });
        t.insert(entry(0, 0, 0, false));
        t.insert(entry(1 << 12, 0, 0, false));
        assert_eq!(t.insert(entry(2 << 12, 0, 0, false)).map(|r| r.1.is_some()), Some(true));
        assert!(t.lookup(0, 0).is_none());
        assert!(t.lookup(1 << 12, 0).is_some());
    }

    #[test]
    fn refill_of_same_page_replaces_in_place() {
        let mut t = Tlb::new(TlbConfig { entries: 4, ways: 4 });
        let (s1, _) = t.insert(entry(0x5000, 0, 3, false)).expect("slot");
        let id1 = t.id(s1 as u32);
        let (s2, ev) = t.insert(entry(0x5000, 0, 3, false)).expect("slot");
        assert_eq!((s1, ev), (s2, None));
        assert_ne!(t.id(s2 as u32), id1, "a refill gets a new id");
        assert_eq!(t.occupancy(), 1);
    }

    #[test]
    fn flush_kinds() {
        let fill = |t: &mut Tlb| {
            *t = Tlb::new(TlbConfig { entries: 16, ways: 4 });
            t.insert(entry(0x1000, 0, 1, false));
            t.insert(entry(0x1000, 0, 2, false));
            t.insert(entry(0x2000, 0, 1, false));
            t.insert(entry(0x1000_0000, 0, 0, true)); // global
        };
        let mut t = Tlb::new(TlbConfig { entries: 16, ways: 4 });
        fill(&mut t);
        assert_eq!(t.flush(None, None), 4);
        assert_eq!(t.occupancy(), 0);

        fill(&mut t);
        assert_eq!(t.flush(Some(0x1abc), None), 2, "page 0x1000 in both ASIDs");
        assert!(t.lookup(0x2000, 1).is_some());
        fill(&mut t);
        assert_eq!(t.flush(Some(0x1000_0000), None), 1, "global entries go with rs2=x0");

        fill(&mut t);
        assert_eq!(t.flush(None, Some(1)), 2, "ASID 1, non-global");
        assert!(t.lookup(0x1000, 2).is_some());
        assert!(t.lookup(0x1000_0000, 1).is_some(), "global entry kept");

        fill(&mut t);
        assert_eq!(t.flush(Some(0x1000), Some(2)), 1);
        assert!(t.lookup(0x1000, 1).is_some());
        assert_eq!(t.flush(Some(0x1000_0000), Some(0)), 0, "global entries survive an ASID fence");
    }

    #[test]
    fn overlapping_entries_are_detected() {
        let mut t = Tlb::new(TlbConfig { entries: 16, ways: 4 });
        let (a, _) = t.insert(entry(0x4020_0000, 1, 1, false)).expect("slot");
        assert!(!t.overlaps_other(a), "alone");
        // A 4 KiB page inside the 2 MiB one, same ASID: a lookup now prefers it.
        let (b, _) = t.insert(entry(0x4030_1000, 0, 1, false)).expect("slot");
        assert!(t.overlaps_other(b) && t.overlaps_other(a));
        assert_eq!(t.lookup(0x4030_1008, 1), Some(b), "4 KiB entries are probed first");
        // Another ASID does not overlap, a global entry does.
        let mut t = Tlb::new(TlbConfig { entries: 16, ways: 4 });
        t.insert(entry(0x5000, 0, 1, false));
        let (c, _) = t.insert(entry(0x5000, 0, 2, false)).expect("slot");
        assert!(!t.overlaps_other(c));
        let (g, _) = t.insert(entry(0x5000, 0, 3, true)).expect("slot");
        assert!(t.overlaps_other(g), "a global entry matches ASID 1's lookups too");
    }

    #[test]
    fn zero_entry_tlb_caches_nothing() {
        let mut t = Tlb::new(TlbConfig { entries: 0, ways: 0 });
        assert!(t.insert(entry(0x1000, 0, 0, false)).is_none());
        assert!(t.lookup(0x1000, 0).is_none());
        assert_eq!(t.flush(None, None), 0);
    }
}
