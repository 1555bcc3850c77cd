//! Address translation (Privileged spec ch. 4.1.11 `satp`, 4.2.1 SFENCE.VMA, 4.3-4.6
//! Sv39/Sv48/Sv57): a page-table walker, separate instruction and data TLBs as hardware
//! has them, and a host-side fast path in front of the TLBs that never changes what the
//! guest observes.
//!
//! ```text
//!  translate(va, access, ctx)
//!      |
//!      v
//!  fast path: per access kind, direct-mapped vpage -> (TLB slot, entry id, pa page)
//!      |  hit only while that TLB entry is resident and for the same ASID/mode/priv/SUM/MXR
//!      v  miss
//!  canonical check -> iTLB/dTLB lookup (ASID or global, any page size)
//!      |  hit: re-check U/SUM/MXR/R/W/X from the cached PTE bits; A/D must be set
//!      v  miss (or A/D to set)
//!  walk (pte.rs, walk.rs): PTE reads through RAM, A/D update or Svade fault
//!      |
//!      v
//!  fill TLB, fill fast path, pa
//! ```
//!
//! Modules: [`pte`] (PTE and `satp` fields), [`walk`] (the algorithm of 4.3.2),
//! [`tlb`] (set-associative, pseudo-LRU), [`stats`] (counters), [`dump`] (page-table
//! printer). See `docs/mmu.md` for the behaviour a guest can observe.

pub mod dump;
pub mod pmp;
pub mod pte;
pub mod stats;
pub mod tlb;
pub mod walk;

use crate::bus::Bus;
use crate::hart::{Exception, Privilege};
use pmp::Pmp;
use pte::{Satp, SatpMode};
use stats::{MmuStats, TlbStats};
pub use tlb::{Tlb, TlbConfig, TlbEntry};
pub use walk::{Fault, WalkStep};

/// The kind of access being translated; selects permission checks and the fault cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Fetch = 0,
    Load = 1,
    /// Stores and AMOs (including SC).
    Store = 2,
}

/// What the hart tells the MMU about an access. Build it with [`TranslateCtx::new`]; the
/// hart keeps one for fetches and one for data accesses, rebuilt only when satp, mstatus
/// or the privilege change.
#[derive(Clone, Copy, Debug)]
pub struct TranslateCtx {
    pub satp: u64,
    /// Effective privilege of the access (MPRV already applied for loads and stores).
    pub prv: Privilege,
    pub sum: bool,
    pub mxr: bool,
    /// `menvcfg.PBMTE`: Svpbmt's PBMT field may be non-zero. Used by walks only (after
    /// changing it software executes SFENCE.VMA, Privileged 3.1.18), so not in the key.
    pub pbmte: bool,
    /// The parts a cached permission check depends on, packed (see `ctx_key`).
    key: u32,
}

impl TranslateCtx {
    pub fn new(satp: u64, prv: Privilege, sum: bool, mxr: bool) -> TranslateCtx {
        let mut c = TranslateCtx { satp, prv, sum, mxr, pbmte: false, key: 0 };
        c.key = ctx_key(&c);
        c
    }

    /// The same context with `menvcfg.PBMTE` = `pbmte`.
    pub fn with_pbmte(self, pbmte: bool) -> TranslateCtx {
        TranslateCtx { pbmte, ..self }
    }
}

/// Who sets the A and D bits of a leaf PTE (Privileged 4.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdMode {
    /// The walker sets A (and D on a store) in memory, atomically with the PTE it read,
    /// as QEMU does (the scheme without Svade; Svadu's behaviour).
    #[default]
    Hardware,
    /// Svade: an access with A = 0, or a store with D = 0, raises a page fault and the
    /// OS sets the bits.
    Trap,
}

/// MMU configuration from the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmuConfig {
    pub itlb: TlbConfig,
    pub dtlb: TlbConfig,
    /// The shared second-level TLB behind both (0 entries = none, the default).
    pub l2tlb: TlbConfig,
    pub ad_mode: AdMode,
}

impl Default for MmuConfig {
    /// 32-entry 4-way instruction and data TLBs, no L2 TLB, hardware A/D updates.
    fn default() -> Self {
        MmuConfig {
            itlb: TlbConfig { entries: 32, ways: 4 },
            dtlb: TlbConfig { entries: 32, ways: 4 },
            l2tlb: TlbConfig { entries: 0, ways: 0 },
            ad_mode: AdMode::Hardware,
        }
    }
}

/// Something the MMU did, for event traces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MmuEvent {
    /// A page-table walk for `va`: each PTE read, and the physical address or the fault.
    Walk { va: u64, access: Access, steps: Vec<WalkStep>, result: Result<u64, Fault> },
    /// A TLB fill (the iTLB for fetches, else the dTLB) and the entry it evicted.
    Fill { access: Access, slot: usize, entry: TlbEntry, evicted: Option<TlbEntry> },
    /// An L2 TLB hit on an L1 miss for `va` (the L1 fill follows as a `Fill`).
    L2Hit { va: u64, access: Access, slot: usize },
    /// An L2 TLB fill after a walk, and the entry it evicted.
    L2Fill { slot: usize, entry: TlbEntry, evicted: Option<TlbEntry> },
    /// SFENCE.VMA and how many entries each TLB dropped.
    Flush { vaddr: Option<u64>, asid: Option<u16>, itlb: u64, dtlb: u64, l2tlb: u64 },
    /// A fault raised from a TLB hit's cached permissions (walk faults are in `Walk`).
    TlbFault { va: u64, access: Access, fault: Fault },
}

/// One slot of the host fast path: the 4 KiB page `vpage` translates to `pa_page` as
/// long as TLB slot `slot` still holds entry `id`, for accesses with context `key`.
/// `tag[0]` is `vpage` when loads (in the instruction table: fetches) may use the
/// entry, `tag[1]` when stores may; otherwise `u64::MAX`. One data entry serves both,
/// so that the store of a read-modify-write does not miss the fast path after its load.
#[derive(Clone, Copy, Debug)]
struct FastEntry {
    tag: [u64; 2],
    key: u32,
    slot: u32,
    id: u64,
    pa_page: u64,
}

const FAST_EMPTY: FastEntry = FastEntry { tag: [u64::MAX; 2], key: 0, slot: 0, id: 0, pa_page: 0 };

/// The parts of a [`TranslateCtx`] a cached permission check depends on.
#[inline(always)]
fn ctx_key(ctx: &TranslateCtx) -> u32 {
    let s = Satp::from_bits(ctx.satp);
    s.asid as u32 | (s.mode as u32) << 16 | (ctx.prv as u32) << 20 | (ctx.sum as u32) << 22 | (ctx.mxr as u32) << 23
}

/// The MMU of one hart.
pub struct Mmu {
    cfg: MmuConfig,
    pub itlb: Tlb,
    pub dtlb: Tlb,
    /// The shared second-level TLB (no entries when not configured).
    pub l2tlb: Tlb,
    /// Host fast path: direct-mapped tables for fetches (in front of the iTLB) and for
    /// loads and stores (in front of the dTLB).
    fast_i: Box<[FastEntry]>,
    fast_d: Box<[FastEntry]>,
    fast_mask: usize,
    pub stats: MmuStats,
    /// When `Some`, walks, TLB fills, flushes and faults are appended here for a tracer
    /// to drain (only the slow path records; fast-path hits are not events).
    pub events: Option<Vec<MmuEvent>>,
    /// Physical memory protection, checked on every access the hart asks the MMU to
    /// check and on page-table accesses; fast-path entries exist only for pages PMP
    /// allows in full.
    pub pmp: Pmp,
    /// The TLB slot the last `translate_tlb` used, if the fast path may point at it.
    last_slot: Option<usize>,
}

impl Mmu {
    pub fn new(cfg: MmuConfig) -> Mmu {
        let cfg = MmuConfig {
            itlb: cfg.itlb.normalized(),
            dtlb: cfg.dtlb.normalized(),
            l2tlb: cfg.l2tlb.normalized(),
            ad_mode: cfg.ad_mode,
        };
        // A fast entry is only valid while its TLB entry is resident; superpages make
        // many 4 KiB slots share one entry (a kernel's direct map), hence at least 512.
        let n = (cfg.itlb.entries.max(cfg.dtlb.entries) as usize * 2).clamp(512, 8192).next_power_of_two();
        let table = || vec![FAST_EMPTY; n].into_boxed_slice();
        Mmu {
            cfg,
            itlb: Tlb::new(cfg.itlb),
            dtlb: Tlb::new(cfg.dtlb),
            l2tlb: Tlb::new(cfg.l2tlb),
            fast_i: table(),
            fast_d: table(),
            fast_mask: n - 1,
            stats: MmuStats { l2tlb: (cfg.l2tlb.entries != 0).then(TlbStats::default), ..MmuStats::default() },
            events: None,
            pmp: Pmp::default(),
            last_slot: None,
        }
    }

    /// The configuration in use (TLB sizes normalized).
    pub fn config(&self) -> MmuConfig {
        self.cfg
    }

    /// Whether a `satp.MODE` value is supported (unsupported writes are ignored,
    /// Privileged 4.1.11): Bare, Sv39, Sv48, Sv57.
    pub fn satp_mode_supported(&self, mode: u64) -> bool {
        SatpMode::from_bits(mode).is_some()
    }

    /// Empties the fast path (after a PMP change: its entries stand for PMP checks).
    pub fn flush_fast(&mut self) {
        self.fast_i.fill(FAST_EMPTY);
        self.fast_d.fill(FAST_EMPTY);
    }

    /// Translates `va` for a `size`-byte `access` (the size matters to PMP only) and
    /// checks the result against PMP. Called while paging is on (satp.MODE != Bare and
    /// the effective privilege is S or U), or with a Bare `ctx.satp` when only PMP
    /// applies (then `va` is the physical address; no fast-path entry is made). Faults
    /// carry `va` as their tval.
    #[inline(always)]
    pub fn translate(
        &mut self,
        va: u64,
        access: Access,
        size: u64,
        ctx: &TranslateCtx,
        bus: &mut Bus,
    ) -> Result<u64, Exception> {
        let key = ctx.key;
        let vpage = va >> 12;
        let (table, tlb, st, t) = match access {
            Access::Fetch => (&self.fast_i, &mut self.itlb, &mut self.stats.itlb, 0),
            Access::Load => (&self.fast_d, &mut self.dtlb, &mut self.stats.dtlb, 0),
            Access::Store => (&self.fast_d, &mut self.dtlb, &mut self.stats.dtlb, 1),
        };
        let e = table[vpage as usize & self.fast_mask];
        if e.tag[t] == vpage && e.key == key && tlb.id(e.slot) == e.id {
            // A hit on the modelled TLB: count it and update its replacement state exactly
            // as the lookup below would.
            st.hits += 1;
            tlb.touch(e.slot as usize);
            return Ok(e.pa_page | (va & 0xfff));
        }
        self.translate_slow(va, access, size, ctx, bus)
    }

    #[inline(never)]
    fn translate_slow(
        &mut self,
        va: u64,
        access: Access,
        size: u64,
        ctx: &TranslateCtx,
        bus: &mut Bus,
    ) -> Result<u64, Exception> {
        if ctx.satp >> 60 == 0 {
            // No translation (the hart passes a Bare context): the PMP check alone.
            return if self.pmp.check(va, size, access, ctx.prv) { Ok(va) } else { Err(access_fault(access, va)) };
        }
        let pa = self.translate_tlb(va, access, ctx, bus)?;
        // PMP checks the physical address (Privileged 3.7.1); the fast path may answer
        // for this page later only if PMP allows every such access to all of it.
        if !self.pmp.check(pa, size, access, ctx.prv) {
            return Err(access_fault(access, va));
        }
        if let Some(slot) = self.last_slot.take() {
            self.fill_fast(access, va, ctx, slot, pa);
        }
        Ok(pa)
    }

    /// The TLB lookup and, on a miss, the walk and fill; records in `last_slot` the TLB
    /// slot that now translates `va` (for the fast path).
    fn translate_tlb(&mut self, va: u64, access: Access, ctx: &TranslateCtx, bus: &mut Bus) -> Result<u64, Exception> {
        self.last_slot = None;
        let satp = Satp::from_bits(ctx.satp);
        let mode = match SatpMode::from_bits(satp.mode) {
            Some(SatpMode::Bare) | None => return Ok(va),
            Some(m) => m,
        };
        let user = ctx.prv == Privilege::User;
        if !walk::is_canonical(va, mode) {
            return Err(self.fault(Fault::NonCanonical, access, va, user));
        }
        let (tlb, st) = match access {
            Access::Fetch => (&mut self.itlb, &mut self.stats.itlb),
            _ => (&mut self.dtlb, &mut self.stats.dtlb),
        };
        let hit = tlb.lookup(va, satp.asid).and_then(|s| tlb.get(s).map(|e| (s, *e)));
        if let Some((slot, e)) = hit {
            if let Err(f) = walk::check_permissions(e.flags, access, ctx) {
                st.hits += 1;
                tlb.touch(slot);
                if let Some(ev) = self.events.as_mut() {
                    ev.push(MmuEvent::TlbFault { va, access, fault: f });
                }
                return Err(self.fault(f, access, va, user));
            }
            if walk::missing_ad(e.flags, access) == 0 {
                st.hits += 1;
                tlb.touch(slot);
                self.last_slot = Some(slot);
                return Ok(e.pa(va));
            }
            // A or D must be set: step 9 may not use the cached PTE, walk memory again.
        }
        st.misses += 1;
        if self.cfg.l2tlb.entries != 0 {
            if let Some(r) = self.lookup_l2(va, access, ctx, satp.asid, user) {
                return r;
            }
        }
        if self.events.is_none() {
            // The common walk without the general walker's bookkeeping; anything unusual
            // (a fault, an A/D update, Svnapot/Svpbmt, a PMP range not cached yet) is left
            // to the general walk below, which reads the same PTEs again.
            let pte_ok = self.pmp.allowed_range(Access::Load, Privilege::Supervisor);
            if let Some((leaf, reads)) = walk::walk_fast(&bus.ram, pte_ok, satp, mode, va, access, ctx) {
                self.stats.walks += 1;
                self.stats.pte_reads += reads as u64;
                self.stats.walk_reads[(reads as usize).min(stats::WALK_HIST - 1)] += 1;
                return Ok(self.fill_after_walk(va, access, satp.asid, &leaf));
            }
        }
        self.stats.walks += 1;
        let mut steps = self.events.is_some().then(Vec::new);
        // Page-table accesses are checked by PMP at S-mode privilege (3.7.1).
        let mut mem = walk::PmpChecked { bus, pmp: &self.pmp };
        let w = walk::walk(&mut mem, satp, mode, va, access, ctx, self.cfg.ad_mode, steps.as_mut());
        self.stats.pte_reads += w.pte_reads as u64;
        self.stats.walk_reads[(w.pte_reads as usize).min(stats::WALK_HIST - 1)] += 1;
        if let (Some(ev), Some(steps)) = (self.events.as_mut(), steps) {
            let result = w.result.map(|l| l.pa_base | (va & ((1u64 << tlb::page_shift(l.level)) - 1)));
            ev.push(MmuEvent::Walk { va, access, steps, result });
        }
        let leaf = match w.result {
            Ok(l) => l,
            Err(f) => return Err(self.fault(f, access, va, user)),
        };
        if leaf.ad_set & pte::bits::A != 0 {
            self.stats.a_updates += 1;
        }
        if leaf.ad_set & pte::bits::D != 0 {
            self.stats.d_updates += 1;
        }
        Ok(self.fill_after_walk(va, access, satp.asid, &leaf))
    }

    /// Fills the TLBs (the L2 if any, and the L1 of `access`) with a walk's leaf;
    /// returns the physical address of `va`.
    #[inline]
    fn fill_after_walk(&mut self, va: u64, access: Access, asid: u16, leaf: &walk::Leaf) -> u64 {
        let entry = TlbEntry {
            tag: va >> tlb::page_shift(leaf.level),
            level: leaf.level as u8,
            asid,
            global: leaf.global,
            pa_base: leaf.pa_base,
            flags: leaf.pte.flags(),
            pte_addr: leaf.pte_addr,
        };
        if self.cfg.l2tlb.entries != 0 {
            self.fill_l2(entry);
        }
        self.fill_l1(access, entry);
        entry.pa(va)
    }

    /// The L2 TLB's part of an L1 miss (the L1 miss is counted): a hit whose cached
    /// permissions allow the access, with A (and D for a store) set, fills the L1 TLB
    /// and answers; a hit whose permissions forbid it faults, as an L1 hit does; `None`
    /// when the walk must go on (no entry, or A/D to set).
    fn lookup_l2(
        &mut self,
        va: u64,
        access: Access,
        ctx: &TranslateCtx,
        asid: u16,
        user: bool,
    ) -> Option<Result<u64, Exception>> {
        let st = self.stats.l2tlb.get_or_insert_default();
        let hit = self.l2tlb.lookup(va, asid).and_then(|s| self.l2tlb.get(s).map(|e| (s, *e)));
        // As on an L1 hit: the cached permissions first, then A/D (step 9 may not use a
        // cached PTE whose bits must be set: walk).
        let Some((slot, e)) = hit else {
            st.misses += 1;
            return None;
        };
        if let Err(f) = walk::check_permissions(e.flags, access, ctx) {
            st.hits += 1;
            self.l2tlb.touch(slot);
            if let Some(ev) = self.events.as_mut() {
                ev.push(MmuEvent::TlbFault { va, access, fault: f });
            }
            return Some(Err(self.fault(f, access, va, user)));
        }
        if walk::missing_ad(e.flags, access) != 0 {
            st.misses += 1;
            return None;
        }
        st.hits += 1;
        self.l2tlb.touch(slot);
        if let Some(ev) = self.events.as_mut() {
            ev.push(MmuEvent::L2Hit { va, access, slot });
        }
        self.fill_l1(access, e);
        Some(Ok(e.pa(va)))
    }

    /// Fills the L2 TLB with a walk's result.
    fn fill_l2(&mut self, entry: TlbEntry) {
        if let Some((slot, evicted)) = self.l2tlb.insert(entry) {
            let st = self.stats.l2tlb.get_or_insert_default();
            st.fills += 1;
            st.evictions += evicted.is_some() as u64;
            if let Some(ev) = self.events.as_mut() {
                ev.push(MmuEvent::L2Fill { slot, entry, evicted });
            }
        }
    }

    /// Fills the L1 TLB of `access` (the iTLB for fetches, else the dTLB) with `entry`
    /// and records the slot in `last_slot`.
    fn fill_l1(&mut self, access: Access, entry: TlbEntry) {
        let (tlb, st) = match access {
            Access::Fetch => (&mut self.itlb, &mut self.stats.itlb),
            _ => (&mut self.dtlb, &mut self.stats.dtlb),
        };
        if let Some((slot, evicted)) = tlb.insert(entry) {
            st.fills += 1;
            st.evictions += evicted.is_some() as u64;
            // Fast entries name (slot, id) pairs found by lookups; if the new entry
            // overlaps another, lookups may now find a different slot for some page.
            if tlb.overlaps_other(slot) {
                match access {
                    Access::Fetch => self.fast_i.fill(FAST_EMPTY),
                    _ => self.fast_d.fill(FAST_EMPTY),
                }
            }
            if let Some(ev) = self.events.as_mut() {
                ev.push(MmuEvent::Fill { access, slot, entry, evicted });
            }
            self.last_slot = Some(slot);
        }
    }

    /// Makes the fast path answer for the page of `va` from TLB slot `slot`, which just
    /// translated it to `pa`: for each access kind the entry serves (fetch; or load and
    /// store), only if a lookup's hit would succeed as is (permissions from the cached
    /// PTE bits, A and D already set) and PMP allows that kind on the whole page.
    fn fill_fast(&mut self, access: Access, va: u64, ctx: &TranslateCtx, slot: usize, pa: u64) {
        let vpage = va >> 12;
        let (tlb, table, kinds) = match access {
            Access::Fetch => (&self.itlb, &mut self.fast_i, [Access::Fetch, Access::Fetch]),
            _ => (&self.dtlb, &mut self.fast_d, [Access::Load, Access::Store]),
        };
        let Some(e) = tlb.get(slot) else { return };
        // The access that just translated passed the cached permission and A/D checks.
        let usable = |a: Access| {
            (a == access || walk::check_permissions(e.flags, a, ctx).is_ok() && walk::missing_ad(e.flags, a) == 0)
                && self.pmp.page_allowed(pa, a, ctx.prv)
        };
        let tag = |a: Access| if usable(a) { vpage } else { u64::MAX };
        let tags =
            if access == Access::Fetch { [tag(Access::Fetch), u64::MAX] } else { [tag(kinds[0]), tag(kinds[1])] };
        if tags == [u64::MAX; 2] {
            return;
        }
        let id = tlb.id(slot as u32);
        table[vpage as usize & self.fast_mask] =
            FastEntry { tag: tags, key: ctx.key, slot: slot as u32, id, pa_page: pa & !0xfff };
    }

    /// Counts a fault and maps it to the exception of the access type (tval = `va`).
    fn fault(&mut self, f: Fault, access: Access, va: u64, user: bool) -> Exception {
        self.stats.count_fault(f, access, user);
        exception(f, access, va)
    }

    /// SFENCE.VMA with optional address (rs1 != x0) and ASID (rs2 != x0), Privileged
    /// 4.2.1. Flushes both TLBs; the fast path follows because its entries name TLB
    /// entry ids. Bits of rs2 above ASIDLEN are ignored.
    pub fn sfence_vma(&mut self, vaddr: Option<u64>, asid: Option<u64>) {
        let asid = asid.map(|a| a as u16);
        self.stats.sfence[stats::sfence_kind(vaddr.is_some(), asid.is_some())] += 1;
        let itlb = self.itlb.flush(vaddr, asid);
        let dtlb = self.dtlb.flush(vaddr, asid);
        let l2tlb = self.l2tlb.flush(vaddr, asid);
        self.stats.itlb.flushed_entries += itlb;
        self.stats.dtlb.flushed_entries += dtlb;
        if let Some(st) = self.stats.l2tlb.as_mut() {
            st.flushed_entries += l2tlb;
        }
        if let Some(ev) = self.events.as_mut() {
            ev.push(MmuEvent::Flush { vaddr, asid, itlb, dtlb, l2tlb });
        }
    }
}

/// The exception for walker fault `f` on an access of kind `access` to `va`: a page fault
/// of the access type, or an access fault for a PMA violation by a page-table access
/// (Privileged 4.3.2 steps 2 and 9).
pub fn exception(f: Fault, access: Access, va: u64) -> Exception {
    match (f.is_access_fault(), access) {
        (true, Access::Fetch) => Exception::InstructionAccessFault(va),
        (true, Access::Load) => Exception::LoadAccessFault(va),
        (true, Access::Store) => Exception::StoreAccessFault(va),
        (false, Access::Fetch) => Exception::InstructionPageFault(va),
        (false, Access::Load) => Exception::LoadPageFault(va),
        (false, Access::Store) => Exception::StorePageFault(va),
    }
}

/// The access fault of the access type, for a PMP violation at `addr` (the virtual
/// address of the access, Privileged 3.7.1 and table 3.6).
pub fn access_fault(access: Access, addr: u64) -> Exception {
    match access {
        Access::Fetch => Exception::InstructionAccessFault(addr),
        Access::Load => Exception::LoadAccessFault(addr),
        Access::Store => Exception::StoreAccessFault(addr),
    }
}

#[cfg(test)]
mod tests;
