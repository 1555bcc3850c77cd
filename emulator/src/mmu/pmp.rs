//! Physical Memory Protection (Privileged spec 1.12, 3.7 "Physical Memory Protection"):
//! the `pmpcfg`/`pmpaddr` entries decoded into address ranges, the static-priority match
//! of 3.7.1, and a one-range cache per access kind and privilege of "every access inside
//! [lo, hi) is allowed", so that checked accesses cost two compares on the common path.
//!
//! ```text
//!  check(pa, size, access, prv)
//!     |  cached allowed range for (access, prv) holds [pa, pa+size)?  -> allowed
//!     v  miss
//!  first entry (lowest number) overlapping the 4 KiB page of pa:
//!     covers the whole page -> its decision holds for all of the largest range around
//!                              the page that it covers and no earlier entry touches
//!                              (cached when it allows)
//!     covers part of it     -> decide this access alone: must cover all its bytes
//!     none                  -> M succeeds; S/U fail (16 entries are implemented)
//! ```
//!
//! Granularity G = 0 (4-byte regions, NA4 selectable), as QEMU's `virt` harts
//! (QEMU target/riscv/pmp.c has no granularity); 16 entries as QEMU 7.2
//! (`MAX_RISCV_PMPS`); entries 16..63 are read-only zero.

use super::Access;
use crate::hart::Privilege;
use std::cell::Cell;

/// Implemented PMP entries (QEMU 7.2's `MAX_RISCV_PMPS`).
pub const PMP_ENTRIES: usize = 16;

/// `pmpcfg` entry bits (Privileged 3.7.1, figure "PMP configuration register format").
pub mod cfg {
    pub const R: u8 = 1 << 0;
    pub const W: u8 = 1 << 1;
    pub const X: u8 = 1 << 2;
    /// Address-matching mode A, bits 4:3.
    pub const A_SHIFT: u32 = 3;
    pub const A_MASK: u8 = 3 << A_SHIFT;
    pub const L: u8 = 1 << 7;
    /// A values: null region, top of range, naturally aligned four-byte, NAPOT >= 8 bytes.
    pub const OFF: u8 = 0;
    pub const TOR: u8 = 1;
    pub const NA4: u8 = 2;
    pub const NAPOT: u8 = 3;
}

/// The A field of configuration byte `c`.
#[inline]
pub fn mode_of(c: u8) -> u8 {
    (c & cfg::A_MASK) >> cfg::A_SHIFT
}

/// Configuration byte of entry `i` (0..63) from the eight RV64 `pmpcfg` registers.
#[inline]
pub fn cfg_byte(pmpcfg: &[u64; 8], i: usize) -> u8 {
    (pmpcfg[i / 8] >> ((i % 8) * 8)) as u8
}

/// The value a configuration byte takes when software writes `new` over `old` (all
/// fields WARL, Privileged 3.7.1): a locked byte keeps its value; R = 0 with W = 1 is
/// reserved, and such a write is ignored, as QEMU does since 8.1 (target/riscv/pmp.c
/// `pmp_write_cfg`: "ignore writes with encoding RW=01"; QEMU 7.2 stores it); bits 6:5
/// read as zero.
pub fn write_cfg(old: u8, new: u8) -> u8 {
    if old & cfg::L != 0 || new & (cfg::R | cfg::W) == cfg::W {
        old
    } else {
        new & (cfg::L | cfg::A_MASK | cfg::X | cfg::W | cfg::R)
    }
}

/// One decoded entry: the byte range `[lo, hi)` (empty when `lo >= hi`) and its bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Rule {
    lo: u64,
    hi: u64,
    cfg: u8,
}

/// How the first matching entry decides an access range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    Allow,
    Deny,
    /// The first overlapping entry covers only part of the range.
    Partial,
}

/// An empty range (no address is inside).
const NO_RANGE: (u64, u64) = (1, 0);

/// The decoded PMP state of one hart and its cache of allowed ranges. The default has
/// every entry OFF and an empty cache (`(0, 0)` holds no address).
#[derive(Default)]
pub struct Pmp {
    /// Entries in priority order, only up to the last one that is not OFF.
    rules: Vec<Rule>,
    /// Some entry has L set: M-mode accesses must be checked too.
    any_locked: bool,
    /// Per access kind and privilege (U, S, M): a range `[lo, hi)` in which every access
    /// of that kind and privilege is allowed (the first entry overlapping any part of it
    /// covers all of it and allows the access, or none overlaps and the privilege is M).
    /// Cells, so that page-table walks can use it through a shared borrow.
    ranges: [[Cell<(u64, u64)>; 3]; 3],
}

#[inline(always)]
fn prv_index(prv: Privilege) -> usize {
    match prv {
        Privilege::User => 0,
        Privilege::Supervisor => 1,
        Privilege::Machine => 2,
    }
}

impl Pmp {
    /// Decodes the entries from the CSR values (Privileged 3.7.1 "Address Matching") and
    /// empties the cache. Call after every `pmpcfg`/`pmpaddr` write.
    pub fn update(&mut self, pmpcfg: &[u64; 8], pmpaddr: &[u64; 64]) {
        self.rules.clear();
        self.any_locked = false;
        let mut last = 0;
        for i in 0..PMP_ENTRIES {
            let c = cfg_byte(pmpcfg, i);
            let a = pmpaddr[i];
            let (lo, hi) = match mode_of(c) {
                cfg::OFF => (0, 0),
                // TOR: pmpaddr[i-1] <= y < pmpaddr[i]; entry 0 uses 0 as the bottom.
                cfg::TOR => {
                    let bottom = if i == 0 { 0 } else { pmpaddr[i - 1] << 2 };
                    (bottom, a << 2)
                }
                cfg::NA4 => (a << 2, (a << 2) + 4),
                _ => {
                    // NAPOT: k trailing ones encode a 2^(k+3)-byte region.
                    let k = a.trailing_ones().min(54);
                    let size = 1u64 << (k + 3);
                    let base = ((a & !((1u64 << k) - 1)) << 2) & !(size - 1);
                    (base, base.saturating_add(size))
                }
            };
            if mode_of(c) != cfg::OFF {
                last = i + 1;
            }
            self.any_locked |= c & cfg::L != 0;
            self.rules.push(Rule { lo, hi, cfg: c });
        }
        self.rules.truncate(last);
        self.flush_cache();
    }

    /// Empties the range cache.
    pub fn flush_cache(&mut self) {
        for r in self.ranges.iter().flatten() {
            r.set(NO_RANGE);
        }
    }

    /// Whether accesses at privilege `prv` need checking at all: always below M; in M
    /// only when some entry is locked (unlocked entries never apply to M, 3.7.1).
    #[inline]
    pub fn checks_needed(&self, prv: Privilege) -> bool {
        prv != Privilege::Machine || self.any_locked
    }

    /// The decision of the first entry overlapping `[lo, hi)` for `access` at `prv`, and
    /// when it is not partial, the largest range around `[lo, hi)` with the same
    /// decision: inside the deciding entry (or the gap, when none matches) and clear of
    /// every earlier entry.
    fn decide(&self, lo: u64, hi: u64, access: Access, prv: Privilege) -> (Decision, (u64, u64)) {
        let (mut below, mut above) = (0u64, u64::MAX);
        for r in &self.rules {
            if mode_of(r.cfg) == cfg::OFF || r.lo >= r.hi {
                continue;
            }
            if r.hi <= lo {
                below = below.max(r.hi);
                continue;
            }
            if r.lo >= hi {
                above = above.min(r.lo);
                continue;
            }
            // "The matching PMP entry must match all bytes of an access, or the access
            // fails, irrespective of the L, R, W, and X bits" (3.7.1.3).
            if r.lo > lo || r.hi < hi {
                return (Decision::Partial, NO_RANGE);
            }
            let range = (r.lo.max(below), r.hi.min(above));
            // Unlocked entries do not apply to M-mode; locked ones and every S/U access
            // need the permission bit.
            if prv == Privilege::Machine && r.cfg & cfg::L == 0 {
                return (Decision::Allow, range);
            }
            let bit = match access {
                Access::Fetch => cfg::X,
                Access::Load => cfg::R,
                Access::Store => cfg::W,
            };
            return (if r.cfg & bit != 0 { Decision::Allow } else { Decision::Deny }, range);
        }
        // No entry matches: M succeeds, S and U fail (at least one entry is implemented).
        if prv == Privilege::Machine {
            (Decision::Allow, (below, above))
        } else {
            (Decision::Deny, NO_RANGE)
        }
    }

    /// Whether the `size`-byte access at physical `pa` is allowed.
    #[inline(always)]
    pub fn check(&self, pa: u64, size: u64, access: Access, prv: Privilege) -> bool {
        let (lo, hi) = self.ranges[access as usize][prv_index(prv)].get();
        if pa >= lo && pa.wrapping_add(size) <= hi && pa.wrapping_add(size) > pa {
            return true;
        }
        self.check_slow(pa, size, access, prv)
    }

    #[inline(never)]
    fn check_slow(&self, pa: u64, size: u64, access: Access, prv: Privilege) -> bool {
        let end = pa.saturating_add(size);
        if self.page_allowed(pa, access, prv) && end <= self.ranges[access as usize][prv_index(prv)].get().1 {
            return true;
        }
        self.decide(pa, end, access, prv).0 == Decision::Allow
    }

    /// The cached range in which every `access` at `prv` is allowed (possibly empty);
    /// what [`Pmp::check`] tries first.
    #[inline(always)]
    pub fn allowed_range(&self, access: Access, prv: Privilege) -> (u64, u64) {
        self.ranges[access as usize][prv_index(prv)].get()
    }

    /// Whether every `access` at `prv` to the 4 KiB page holding `pa` is allowed (the
    /// range around it is then cached). False when the page is denied or only partly
    /// covered by its first entry.
    #[inline]
    pub fn page_allowed(&self, pa: u64, access: Access, prv: Privilege) -> bool {
        let lo = pa & !0xfff;
        let cell = &self.ranges[access as usize][prv_index(prv)];
        let (clo, chi) = cell.get();
        if lo >= clo && lo.saturating_add(0x1000) <= chi {
            return true;
        }
        match self.decide(lo, lo.saturating_add(0x1000), access, prv) {
            (Decision::Allow, range) => {
                cell.set(range);
                true
            }
            _ => false,
        }
    }
}

/// Whether a write to `pmpaddr[i]` is ignored: entry `i` is locked, or entry `i + 1` is
/// a locked TOR entry (whose bottom is `pmpaddr[i]`), Privileged 3.7.1.2 "Locking and
/// Privilege Mode"; and entries past [`PMP_ENTRIES`] are read-only zero.
pub fn pmpaddr_locked(pmpcfg: &[u64; 8], i: usize) -> bool {
    if i >= PMP_ENTRIES {
        return true;
    }
    let locked = |j: usize| cfg_byte(pmpcfg, j) & cfg::L != 0;
    locked(i) || (i + 1 < PMP_ENTRIES && locked(i + 1) && mode_of(cfg_byte(pmpcfg, i + 1)) == cfg::TOR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Access::*;
    use Privilege::*;

    fn pmp(entries: &[(usize, u8, u64)]) -> Pmp {
        let mut c = [0u64; 8];
        let mut a = [0u64; 64];
        for &(i, cf, addr) in entries {
            c[i / 8] |= (cf as u64) << ((i % 8) * 8);
            a[i] = addr;
        }
        let mut p = Pmp::default();
        p.update(&c, &a);
        p
    }

    const NAPOT: u8 = cfg::NAPOT << cfg::A_SHIFT;
    const TOR: u8 = cfg::TOR << cfg::A_SHIFT;
    const NA4: u8 = cfg::NA4 << cfg::A_SHIFT;
    const RWX: u8 = cfg::R | cfg::W | cfg::X;

    #[test]
    fn no_entry_m_allowed_su_denied() {
        let p = pmp(&[]);
        assert!(p.check(0x8000_0000, 8, Load, Machine));
        assert!(!p.check(0x8000_0000, 8, Load, Supervisor));
        assert!(!p.check(0x8000_0000, 2, Fetch, User));
        assert!(!p.checks_needed(Machine));
        assert!(p.checks_needed(User));
    }

    #[test]
    fn napot_tor_na4_ranges() {
        // NAPOT 64 KiB at 0x8001_0000: pmpaddr = base/4 | (size/8 - 1).
        let napot = (0x8001_0000u64 >> 2) | ((0x1_0000 >> 3) - 1);
        let p = pmp(&[(0, NAPOT | cfg::R, napot)]);
        assert!(p.check(0x8001_0000, 8, Load, User));
        assert!(p.check(0x8001_fff8, 8, Load, User));
        assert!(!p.check(0x8002_0000, 8, Load, User));
        assert!(!p.check(0x8000_fffc, 4, Load, User));
        assert!(!p.check(0x8001_0000, 8, Store, User));
        // TOR from pmpaddr0 to pmpaddr1.
        let p = pmp(&[(0, 0, 0x8000_1000 >> 2), (1, TOR | cfg::R | cfg::W, 0x8000_2000 >> 2)]);
        assert!(p.check(0x8000_1000, 4, Store, Supervisor));
        assert!(p.check(0x8000_1ffc, 4, Store, Supervisor));
        assert!(!p.check(0x8000_2000, 4, Store, Supervisor));
        assert!(!p.check(0x8000_0ffc, 4, Store, Supervisor));
        // Entry 0 TOR: bottom is 0.
        let p = pmp(&[(0, TOR | cfg::X, 0x1000 >> 2)]);
        assert!(p.check(0, 2, Fetch, User));
        assert!(!p.check(0x1000, 2, Fetch, User));
        // NA4 covers exactly four bytes.
        let p = pmp(&[(3, NA4 | cfg::R, 0x8000_0010 >> 2)]);
        assert!(p.check(0x8000_0010, 4, Load, User));
        assert!(!p.check(0x8000_0014, 4, Load, User));
        // All-ones NAPOT covers everything.
        let p = pmp(&[(0, NAPOT | RWX, (1 << 54) - 1)]);
        assert!(p.check(0, 8, Store, User));
        assert!(p.check(0xff_ffff_fff8, 8, Store, User));
    }

    #[test]
    fn lowest_numbered_entry_wins_and_straddling_fails() {
        let page = 0x8000_4000u64;
        let p = pmp(&[(0, NA4, page >> 2), (1, NAPOT | RWX, (1 << 54) - 1)]);
        // Entry 0 (no permissions) shadows entry 1 for its four bytes only.
        assert!(!p.check(page, 4, Load, User));
        assert!(p.check(page + 4, 4, Load, User));
        // An access overlapping entry 0 in part fails even though entry 1 allows it.
        assert!(!p.check(page + 2, 4, Load, User));
        assert!(!p.check(page, 8, Load, User));
        // The page holding entry 0 is not cacheable; the next one is.
        assert!(!p.page_allowed(page, Load, User));
        assert!(p.page_allowed(page + 0x1000, Load, User));
    }

    #[test]
    fn cached_range_stops_at_earlier_entries() {
        // Entry 0 denies one 4 KiB page in the middle of entry 1's 1 MiB allowed region.
        let hole = 0x8008_0000u64;
        let p = pmp(&[(0, NAPOT, (hole >> 2) | 0x1ff), (1, NAPOT | RWX, (0x8000_0000 >> 2) | 0x1_ffff)]);
        assert!(p.check(0x8000_0000, 8, Load, User));
        assert_eq!(p.ranges[Load as usize][0].get(), (0x8000_0000, hole), "up to the earlier entry");
        assert!(!p.check(hole, 8, Load, User));
        assert!(!p.check(hole - 4, 8, Load, User), "straddles into entry 0");
        assert!(p.check(hole + 0x1000, 8, Load, User));
        assert_eq!(p.ranges[Load as usize][0].get(), (hole + 0x1000, 0x8010_0000));
        assert!(!p.check(0x8010_0000, 8, Load, User), "past entry 1: no match");
        // Other access kinds and privileges have their own ranges.
        assert_eq!(p.ranges[Store as usize][0].get(), NO_RANGE);
        assert!(p.check(hole, 8, Store, Machine), "M ignores unlocked entries");
    }

    #[test]
    fn m_mode_and_lock() {
        let p =
            pmp(&[(0, NAPOT, (0x8000_0000 >> 2) | 0x3ff), (1, NAPOT | cfg::L | cfg::R, (0x9000_0000 >> 2) | 0x3ff)]);
        assert!(p.checks_needed(Machine));
        // Unlocked entry without permissions: M ignores it.
        assert!(p.check(0x8000_0000, 8, Store, Machine));
        // Locked read-only entry applies to M.
        assert!(p.check(0x9000_0000, 8, Load, Machine));
        assert!(!p.check(0x9000_0000, 8, Store, Machine));
        assert!(!p.check(0x9000_0000, 2, Fetch, Machine));
        let c = [((cfg::L | TOR) as u64) << 8, 0, 0, 0, 0, 0, 0, 0];
        assert!(pmpaddr_locked(&c, 0), "a locked TOR entry locks the address below");
        assert!(pmpaddr_locked(&c, 1));
        assert!(!pmpaddr_locked(&c, 2));
        assert!(pmpaddr_locked(&[0; 8], 16), "entries past 15 are read-only zero");
    }

    #[test]
    fn reserved_rw_combination_and_locked_writes_are_ignored() {
        assert_eq!(write_cfg(NAPOT | cfg::R, cfg::W), NAPOT | cfg::R);
        assert_eq!(write_cfg(0, cfg::W | cfg::X | NAPOT), 0);
        assert_eq!(write_cfg(0, RWX | cfg::L | TOR | 0x60), RWX | cfg::L | TOR);
        assert_eq!(write_cfg(cfg::L | cfg::R, RWX), cfg::L | cfg::R);
    }
}
