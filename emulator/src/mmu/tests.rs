//! Unit tests of the MMU over a real [`Bus`] with page tables written into its RAM:
//! every fault rule of the translation algorithm, Sv39/48/57, superpages, A/D in both
//! modes, and the TLBs (staleness until SFENCE.VMA, each fence kind, ASIDs, global
//! pages, replacement).

use super::pte::bits::*;
use super::*;
use crate::bus::RAM_BASE;
use crate::devices::{DeviceConfig, Devices};

const RAM: u64 = 8 << 20;
/// Page tables are allocated from here upwards.
const PT_BASE: u64 = RAM_BASE + 0x40_0000;
const LEAF: u64 = V | R | W | X | A | D;

struct Env {
    bus: Bus,
    mmu: Mmu,
    next: u64,
    root: u64,
    mode: u64,
    asid: u64,
}

impl Env {
    fn new(mode: SatpMode) -> Env {
        Env::with(mode, MmuConfig::default())
    }

    fn with(mode: SatpMode, cfg: MmuConfig) -> Env {
        let bus = Bus::new(RAM, Devices::new(&DeviceConfig { harts: 1 }), 1);
        let mut e = Env { bus, mmu: Mmu::new(cfg), next: PT_BASE, root: 0, mode: mode as u64, asid: 0 };
        e.root = e.alloc();
        // PMP entry 15: NAPOT over everything, RWX, so S/U accesses pass PMP.
        e.set_pmp(&[(15, 0x1f, (1 << 54) - 1)]);
        e
    }

    /// Sets PMP entries `(index, cfg byte, pmpaddr)`, all others OFF.
    fn set_pmp(&mut self, entries: &[(usize, u8, u64)]) {
        let mut c = [0u64; 8];
        let mut a = [0u64; 64];
        for &(i, cf, addr) in entries {
            c[i / 8] |= (cf as u64) << ((i % 8) * 8);
            a[i] = addr;
        }
        self.mmu.pmp.update(&c, &a);
        self.mmu.flush_fast();
    }

    fn alloc(&mut self) -> u64 {
        let p = self.next;
        self.next += 4096;
        p
    }

    fn levels(&self) -> u32 {
        SatpMode::from_bits(self.mode).map(|m| m.levels()).unwrap_or(3)
    }

    fn satp(&self) -> u64 {
        self.mode << 60 | self.asid << 44 | (self.root >> 12)
    }

    fn rd(&self, pa: u64) -> u64 {
        self.bus.ram.read::<8>(pa - RAM_BASE).expect("in RAM")
    }

    fn wr(&mut self, pa: u64, v: u64) {
        self.bus.ram.write::<8>(pa - RAM_BASE, v).expect("in RAM");
    }

    /// Address of the PTE for `va` at `level`, creating pointer tables on the way.
    fn pte_slot(&mut self, va: u64, level: u32) -> u64 {
        let mut table = self.root;
        for i in (level + 1..self.levels()).rev() {
            let slot = table + ((va >> (12 + 9 * i)) & 0x1ff) * 8;
            let pte = self.rd(slot);
            table = if pte & V != 0 && pte & (R | X) == 0 {
                (pte >> 10) << 12
            } else {
                let t = self.alloc();
                self.wr(slot, (t >> 12) << 10 | V);
                t
            };
        }
        table + ((va >> (12 + 9 * level)) & 0x1ff) * 8
    }

    /// Maps `va` to `pa` with a leaf at `level` and raw flag bits `flags`; returns the PTE address.
    fn map(&mut self, va: u64, pa: u64, level: u32, flags: u64) -> u64 {
        let slot = self.pte_slot(va, level);
        self.wr(slot, (pa >> 12) << 10 | flags);
        slot
    }

    fn ctx(&self, prv: Privilege) -> TranslateCtx {
        TranslateCtx::new(self.satp(), prv, false, false)
    }

    fn tr(&mut self, va: u64, access: Access, prv: Privilege) -> Result<u64, Exception> {
        let ctx = self.ctx(prv);
        self.tr_ctx(va, access, ctx)
    }

    fn tr_ctx(&mut self, va: u64, access: Access, ctx: TranslateCtx) -> Result<u64, Exception> {
        self.mmu.translate(va, access, 8, &ctx, &mut self.bus)
    }
}

const SUP: Privilege = Privilege::Supervisor;
const USR: Privilege = Privilege::User;
use Access::{Fetch, Load, Store};

#[test]
fn satp_modes_supported() {
    let m = Mmu::new(MmuConfig::default());
    for (mode, ok) in [(0, true), (1, false), (8, true), (9, true), (10, true), (11, false), (15, false)] {
        assert_eq!(m.satp_mode_supported(mode), ok, "mode {mode}");
    }
}

#[test]
fn sv39_4k_translation_and_hardware_ad() {
    let mut e = Env::new(SatpMode::Sv39);
    let slot = e.map(0x1000, RAM_BASE + 0x5000, 0, V | R | W);
    assert_eq!(e.tr(0x1abc, Load, SUP), Ok(RAM_BASE + 0x5abc));
    assert_eq!(e.rd(slot) & (A | D), A, "a load sets A only");
    assert_eq!(e.mmu.stats.a_updates, 1);
    assert_eq!(e.tr(0x1008, Store, SUP), Ok(RAM_BASE + 0x5008));
    assert_eq!(e.rd(slot) & (A | D), A | D, "a store sets D");
    assert_eq!(e.mmu.stats.d_updates, 1);
    assert_eq!(e.mmu.stats.walks, 2, "the store to a cached D=0 page walked again");
    assert_eq!(e.mmu.stats.walk_reads[3], 2);
    // Now both are cached: no more walks.
    assert_eq!(e.tr(0x1010, Store, SUP), Ok(RAM_BASE + 0x5010));
    assert_eq!(e.tr(0x1018, Load, SUP), Ok(RAM_BASE + 0x5018));
    assert_eq!(e.mmu.stats.walks, 2);
    assert_eq!(e.mmu.stats.dtlb.hits, 2);
    assert_eq!(e.mmu.stats.dtlb.misses, 2);
}

fn pf(access: Access, va: u64) -> Exception {
    exception(Fault::Invalid, access, va)
}

#[test]
fn page_fault_cause_follows_access_type_with_tval() {
    let mut e = Env::new(SatpMode::Sv39);
    let va = 0x7654_3000;
    assert_eq!(e.tr(va + 4, Fetch, SUP), Err(Exception::InstructionPageFault(va + 4)));
    assert_eq!(e.tr(va + 8, Load, SUP), Err(Exception::LoadPageFault(va + 8)));
    assert_eq!(e.tr(va + 9, Store, USR), Err(Exception::StorePageFault(va + 9)));
    assert_eq!(e.mmu.stats.page_faults, [[0, 1], [0, 1], [1, 0]]);
    assert_eq!(e.mmu.stats.fault_reasons[Fault::Invalid.index()], 3);
}

#[test]
fn reserved_encodings_fault() {
    let cases: [(u64, Fault); 8] = [
        (V | W | A | D, Fault::WriteWithoutRead),
        (V | W | X | A | D, Fault::WriteWithoutRead),
        (LEAF | 1 << 54, Fault::ReservedBits),
        (LEAF | 1 << 60, Fault::ReservedBits),
        (LEAF | 1 << 61, Fault::PbmtReserved), // PBMT = NC with menvcfg.PBMTE = 0
        (LEAF | 3 << 61, Fault::PbmtReserved),
        (LEAF | 1 << 63, Fault::NapotReserved), // N with ppn[3:0] = 0000
        (R | W | A | D, Fault::Invalid),
    ];
    for (flags, why) in cases {
        let mut e = Env::new(SatpMode::Sv39);
        e.map(0x2000, RAM_BASE, 0, flags);
        assert_eq!(e.tr(0x2000, Load, SUP), Err(pf(Load, 0x2000)), "flags {flags:#x}");
        assert_eq!(e.mmu.stats.fault_reasons[why.index()], 1, "flags {flags:#x}");
    }
}

#[test]
fn nonleaf_with_dau_faults_and_pointer_at_level_0_faults() {
    for bit in [D, A, U] {
        let mut e = Env::new(SatpMode::Sv39);
        e.map(0x3000, RAM_BASE, 0, LEAF);
        let l2 = e.root; // entry 0 of the root points to the level-1 table
        let v = e.rd(l2);
        e.wr(l2, v | bit);
        assert_eq!(e.tr(0x3000, Load, SUP), Err(Exception::LoadPageFault(0x3000)));
        assert_eq!(e.mmu.stats.fault_reasons[Fault::NonLeafReserved.index()], 1);
    }
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x3000, RAM_BASE, 0, V); // a pointer where a leaf must be
    assert_eq!(e.tr(0x3000, Fetch, SUP), Err(Exception::InstructionPageFault(0x3000)));
    assert_eq!(e.mmu.stats.fault_reasons[Fault::NoLeaf.index()], 1);
}

#[test]
fn superpages_and_misaligned_superpages() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x4000_0000, RAM_BASE, 2, LEAF); // 1 GiB
    e.map(0x20_0000, RAM_BASE + 0x20_0000, 1, LEAF); // 2 MiB
    assert_eq!(e.tr(0x4012_3456, Load, SUP), Ok(RAM_BASE + 0x12_3456));
    assert_eq!(e.tr(0x3f_fff0, Store, SUP), Ok(RAM_BASE + 0x3f_fff0));
    assert_eq!(e.mmu.stats.walk_reads[1], 1, "a gigapage walk reads one PTE");
    assert_eq!(e.mmu.stats.walk_reads[2], 1, "a megapage walk reads two");
    // Misaligned: 2 MiB page at a PA that is only 4 KiB aligned; 1 GiB at 2 MiB alignment.
    e.map(0x60_0000, RAM_BASE + 0x1000, 1, LEAF);
    e.map(0x8000_0000, RAM_BASE + 0x20_0000, 2, LEAF);
    assert_eq!(e.tr(0x60_0000, Load, SUP), Err(Exception::LoadPageFault(0x60_0000)));
    assert_eq!(e.tr(0x8000_1000, Fetch, SUP), Err(Exception::InstructionPageFault(0x8000_1000)));
    assert_eq!(e.mmu.stats.fault_reasons[Fault::MisalignedSuperpage.index()], 2);
}

#[test]
fn user_bit_sum_mxr() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF | U); // user page
    e.map(0x2000, RAM_BASE + 0x2000, 0, LEAF); // supervisor page
    e.map(0x3000, RAM_BASE + 0x3000, 0, V | X | A | D); // execute-only
                                                        // U-mode on a supervisor page faults; on a user page works.
    assert_eq!(e.tr(0x2000, Load, USR), Err(Exception::LoadPageFault(0x2000)));
    assert_eq!(e.tr(0x1000, Fetch, USR), Ok(RAM_BASE + 0x1000));
    // S-mode on a user page: faults without SUM, loads/stores allowed with SUM.
    assert_eq!(e.tr(0x1000, Load, SUP), Err(Exception::LoadPageFault(0x1000)));
    let mut ctx = e.ctx(SUP);
    ctx = TranslateCtx::new(ctx.satp, ctx.prv, true, ctx.mxr);
    assert_eq!(e.tr_ctx(0x1008, Store, ctx), Ok(RAM_BASE + 0x1008));
    // ...but never fetches, SUM or not.
    assert_eq!(e.tr_ctx(0x1000, Fetch, ctx), Err(Exception::InstructionPageFault(0x1000)));
    // Execute-only: loads fault unless MXR.
    assert_eq!(e.tr(0x3000, Load, SUP), Err(Exception::LoadPageFault(0x3000)));
    let mut ctx = e.ctx(SUP);
    ctx = TranslateCtx::new(ctx.satp, ctx.prv, ctx.sum, true);
    assert_eq!(e.tr_ctx(0x3010, Load, ctx), Ok(RAM_BASE + 0x3010));
    assert_eq!(e.tr_ctx(0x3010, Store, ctx), Err(Exception::StorePageFault(0x3010)));
    // MXR still leaves the page non-readable once cleared: the TLB re-checks.
    assert_eq!(e.tr(0x3010, Load, SUP), Err(Exception::LoadPageFault(0x3010)));
    let r = &e.mmu.stats.fault_reasons;
    assert_eq!(r[Fault::UserNoU.index()], 1);
    assert_eq!(r[Fault::SupervisorUserPage.index()], 1);
    assert_eq!(r[Fault::SupervisorFetchUserPage.index()], 1);
    assert_eq!(r[Fault::NotReadable.index()], 2);
    assert_eq!(r[Fault::NotWritable.index()], 1);
}

#[test]
fn tlb_hit_rechecks_permissions_against_current_context() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF | U);
    let mut ctx = e.ctx(SUP);
    ctx = TranslateCtx::new(ctx.satp, ctx.prv, true, ctx.mxr);
    assert!(e.tr_ctx(0x1000, Load, ctx).is_ok());
    let walks = e.mmu.stats.walks;
    assert_eq!(e.tr(0x1000, Load, SUP), Err(Exception::LoadPageFault(0x1000)), "SUM cleared");
    assert_eq!(e.mmu.stats.walks, walks, "decided from the cached entry");
    assert_eq!(e.tr(0x1000, Load, USR), Ok(RAM_BASE + 0x1000));
}

#[test]
fn store_and_fetch_permissions() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x1000, RAM_BASE + 0x1000, 0, V | R | A | D);
    assert_eq!(e.tr(0x1000, Store, SUP), Err(Exception::StorePageFault(0x1000)));
    assert_eq!(e.tr(0x1000, Fetch, SUP), Err(Exception::InstructionPageFault(0x1000)));
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x1000));
}

#[test]
fn non_canonical_addresses_fault() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0, RAM_BASE, 2, LEAF);
    let bad = 1u64 << 39; // bit 39 set, bit 38 clear
    assert_eq!(e.tr(bad, Load, SUP), Err(Exception::LoadPageFault(bad)));
    assert_eq!(e.tr(0x8000_0000_0000_0000, Fetch, USR), Err(Exception::InstructionPageFault(0x8000_0000_0000_0000)));
    assert_eq!(e.mmu.stats.fault_reasons[Fault::NonCanonical.index()], 2);
    assert_eq!(e.mmu.stats.walks, 0, "no walk for a non-canonical address");
    // The top of the Sv39 space is canonical.
    e.map(0xffff_ffff_c000_0000, RAM_BASE, 2, LEAF);
    assert_eq!(e.tr(0xffff_ffff_c000_0010, Load, SUP), Ok(RAM_BASE + 0x10));
    // Sv48 accepts bit 39 addresses.
    let mut e = Env::new(SatpMode::Sv48);
    e.map(bad, RAM_BASE, 0, LEAF);
    assert_eq!(e.tr(bad, Load, SUP), Ok(RAM_BASE));
}

#[test]
fn pte_outside_ram_is_an_access_fault_of_the_access_type() {
    let mut e = Env::new(SatpMode::Sv39);
    // Root entry 0 points to a "table" in the UART's page.
    e.wr(e.root, (0x1000_0000u64 >> 12) << 10 | V);
    assert_eq!(e.tr(0x1000, Load, SUP), Err(Exception::LoadAccessFault(0x1000)));
    assert_eq!(e.tr(0x1000, Fetch, SUP), Err(Exception::InstructionAccessFault(0x1000)));
    assert_eq!(e.tr(0x1000, Store, SUP), Err(Exception::StoreAccessFault(0x1000)));
    assert_eq!(e.mmu.stats.pte_access_faults, [1, 1, 1]);
    // satp pointing outside RAM too.
    e.root = 0x2000_0000;
    assert_eq!(e.tr(0x5000, Load, SUP), Err(Exception::LoadAccessFault(0x5000)));
}

#[test]
fn sv48_and_sv57_walks_and_their_superpages() {
    let mut e = Env::new(SatpMode::Sv48);
    let va = 0x0000_7f12_3456_7000;
    e.map(va, RAM_BASE + 0x9000, 0, LEAF);
    assert_eq!(e.tr(va + 0x10, Load, SUP), Ok(RAM_BASE + 0x9010));
    assert_eq!(e.mmu.stats.walk_reads[4], 1);
    e.map(0x0000_0080_0000_0000, 0, 3, LEAF); // 512 GiB page at PA 0
    assert_eq!(e.tr(0x0000_0080_8000_0008, Load, SUP), Ok(RAM_BASE + 8));
    e.map(0x0000_0100_0000_0000, RAM_BASE, 3, LEAF); // misaligned 512 GiB page
    assert_eq!(e.tr(0x0000_0100_0000_0000, Load, SUP), Err(Exception::LoadPageFault(0x0000_0100_0000_0000)));

    let mut e = Env::new(SatpMode::Sv57);
    let va = 0x00ff_0012_3456_7000; // bit 56 clear, above Sv48's range
    e.map(va, RAM_BASE + 0xa000, 0, LEAF);
    assert_eq!(e.tr(va + 4, Fetch, SUP), Ok(RAM_BASE + 0xa004));
    assert_eq!(e.mmu.stats.walk_reads[5], 1);
    e.map(0x0001_0000_0000_0000, 0, 4, LEAF); // 256 TiB page
    assert_eq!(e.tr(0x0001_0000_8000_0000, Store, SUP), Ok(RAM_BASE));
    assert_eq!(e.mmu.stats.walk_reads[1], 1);
    assert!(e.tr(0x0100_0000_0000_0000, Load, SUP).is_err(), "bit 56 set, 57..63 clear: non-canonical");
}

#[test]
fn trap_mode_faults_instead_of_setting_ad() {
    let cfg = MmuConfig { ad_mode: AdMode::Trap, ..MmuConfig::default() };
    let mut e = Env::with(SatpMode::Sv39, cfg);
    let slot = e.map(0x1000, RAM_BASE + 0x1000, 0, V | R | W);
    assert_eq!(e.tr(0x1000, Load, SUP), Err(Exception::LoadPageFault(0x1000)));
    assert_eq!(e.rd(slot) & (A | D), 0, "memory untouched");
    // The OS sets A; a load now works, a store faults for D.
    let v = e.rd(slot);
    e.wr(slot, v | A);
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x1000));
    assert_eq!(e.tr(0x1000, Store, SUP), Err(Exception::StorePageFault(0x1000)));
    // The OS sets D: the cached D=0 entry makes the store walk again and succeed.
    e.wr(slot, v | A | D);
    assert_eq!(e.tr(0x1000, Store, SUP), Ok(RAM_BASE + 0x1000));
    let r = &e.mmu.stats.fault_reasons;
    assert_eq!((r[Fault::AccessedClear.index()], r[Fault::DirtyClear.index()]), (1, 1));
    assert_eq!((e.mmu.stats.a_updates, e.mmu.stats.d_updates), (0, 0));
}

#[test]
fn stale_entry_is_used_until_sfence() {
    let mut e = Env::new(SatpMode::Sv39);
    let slot = e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF);
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x1000));
    e.wr(slot, ((RAM_BASE + 0x7000) >> 12) << 10 | LEAF);
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x1000), "stale until fenced");
    e.mmu.sfence_vma(Some(0x1234), None);
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x7000));
    // Unmapping is also stale until the fence.
    e.wr(slot, 0);
    assert!(e.tr(0x1000, Load, SUP).is_ok());
    e.mmu.sfence_vma(None, None);
    assert_eq!(e.tr(0x1000, Load, SUP), Err(Exception::LoadPageFault(0x1000)));
    assert_eq!(e.mmu.stats.sfence, [1, 1, 0, 0]);
}

#[test]
fn satp_write_does_not_flush_and_same_asid_uses_stale_entries() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF);
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x1000));
    // A second table mapping the same page elsewhere, same ASID 0.
    let old_root = e.root;
    e.root = e.alloc();
    e.map(0x1000, RAM_BASE + 0x8000, 0, LEAF);
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x1000), "satp.PPN changed, ASID did not");
    // With another ASID the new table is walked.
    e.asid = 5;
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x8000));
    // Back to ASID 0 and the old root: its cached entry is still there.
    e.asid = 0;
    e.root = old_root;
    let walks = e.mmu.stats.walks;
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x1000));
    assert_eq!(e.mmu.stats.walks, walks);
}

/// Two address spaces (ASID 1 and 2) mapping 0x1000 differently, plus a global page.
fn two_spaces() -> (Env, u64, u64) {
    let mut e = Env::new(SatpMode::Sv39);
    let root1 = e.root;
    e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF);
    e.map(0x4000_0000, RAM_BASE + 0x20_0000, 1, LEAF | G);
    let root2 = e.alloc();
    e.root = root2;
    e.map(0x1000, RAM_BASE + 0x2000, 0, LEAF);
    e.map(0x4000_0000, RAM_BASE + 0x20_0000, 1, LEAF | G);
    (e, root1, root2)
}

fn load_in(e: &mut Env, root: u64, asid: u64, va: u64) -> Result<u64, Exception> {
    e.root = root;
    e.asid = asid;
    e.tr(va, Load, SUP)
}

#[test]
fn asid_isolation_and_global_pages() {
    let (mut e, r1, r2) = two_spaces();
    assert_eq!(load_in(&mut e, r1, 1, 0x1000), Ok(RAM_BASE + 0x1000));
    assert_eq!(load_in(&mut e, r2, 2, 0x1000), Ok(RAM_BASE + 0x2000), "ASID 2 does not see ASID 1's entry");
    assert_eq!(load_in(&mut e, r1, 1, 0x1000), Ok(RAM_BASE + 0x1000), "both cached side by side");
    let walks = e.mmu.stats.walks;
    assert_eq!(load_in(&mut e, r1, 1, 0x4000_0010), Ok(RAM_BASE + 0x20_0010));
    assert_eq!(load_in(&mut e, r2, 2, 0x4000_0020), Ok(RAM_BASE + 0x20_0020));
    assert_eq!(e.mmu.stats.walks, walks + 1, "the global page is shared across ASIDs");
}

#[test]
fn each_sfence_kind_flushes_exactly_its_entries() {
    // Prime: 0x1000 in ASIDs 1 and 2, 0x3000 in ASID 1, and the global page.
    let prime = || {
        let (mut e, r1, r2) = two_spaces();
        e.root = r1;
        e.map(0x3000, RAM_BASE + 0x3000, 0, LEAF);
        for (r, a, va) in [(r1, 1, 0x1000), (r2, 2, 0x1000), (r1, 1, 0x3000), (r1, 1, 0x4000_0000)] {
            load_in(&mut e, r, a, va).expect("mapped");
        }
        assert_eq!(e.mmu.dtlb.occupancy(), 4);
        (e, r1, r2)
    };
    let resident = |e: &Env, va: u64, asid: u16| e.mmu.dtlb.lookup(va, asid).is_some();

    let (mut e, ..) = prime();
    e.mmu.sfence_vma(None, None);
    assert_eq!(e.mmu.dtlb.occupancy(), 0);

    let (mut e, ..) = prime();
    e.mmu.sfence_vma(Some(0x1fff), None);
    assert!(!resident(&e, 0x1000, 1) && !resident(&e, 0x1000, 2));
    assert!(resident(&e, 0x3000, 1) && resident(&e, 0x4000_0000, 9));
    e.mmu.sfence_vma(Some(0x4010_0000), None);
    assert!(!resident(&e, 0x4000_0000, 9), "rs2=x0 flushes global entries too");

    let (mut e, ..) = prime();
    e.mmu.sfence_vma(None, Some(1 | 0xffff_0000)); // bits above ASIDLEN are ignored
    assert!(!resident(&e, 0x1000, 1) && !resident(&e, 0x3000, 1));
    assert!(resident(&e, 0x1000, 2));
    assert!(resident(&e, 0x4000_0000, 1), "global entries survive an ASID fence");

    let (mut e, ..) = prime();
    e.mmu.sfence_vma(Some(0x1000), Some(2));
    assert!(!resident(&e, 0x1000, 2));
    assert!(resident(&e, 0x1000, 1) && resident(&e, 0x3000, 1));
    e.mmu.sfence_vma(Some(0x4000_0000), Some(1));
    assert!(resident(&e, 0x4000_0000, 1), "global entry kept with rs2 != x0");
    assert_eq!(e.mmu.stats.sfence, [0, 0, 0, 2]);
    assert_eq!(e.mmu.stats.dtlb.flushed_entries, 1);
}

#[test]
fn capacity_misses_and_replacement() {
    let cfg = MmuConfig { dtlb: TlbConfig { entries: 8, ways: 2 }, ..MmuConfig::default() };
    let mut e = Env::with(SatpMode::Sv39, cfg);
    for p in 0..16u64 {
        e.map(p << 12, RAM_BASE + (p << 12), 0, LEAF);
    }
    // Pass 1: 16 cold misses; 8 of them evicted an entry.
    for p in 0..16u64 {
        e.tr(p << 12, Load, SUP).expect("mapped");
    }
    assert_eq!((e.mmu.stats.dtlb.misses, e.mmu.stats.dtlb.evictions), (16, 8));
    // Pass 2 in the same order: LRU keeps pages 8..15, so 0..7 miss and 8..15 hit.
    for p in 0..16u64 {
        e.tr(p << 12, Load, SUP).expect("mapped");
    }
    assert_eq!(e.mmu.stats.dtlb.misses, 32);
    assert_eq!(e.mmu.stats.dtlb.hits, 0, "0..7 evicted 8..15 before they were reused");
    // Pages 8..15 are the resident set now: re-touching them hits.
    for p in 8..16u64 {
        e.tr(p << 12, Load, SUP).expect("mapped");
    }
    assert_eq!((e.mmu.stats.dtlb.hits, e.mmu.stats.dtlb.misses), (8, 32));
    assert_eq!(e.mmu.dtlb.occupancy(), 8);
}

#[test]
fn fast_path_matches_the_modelled_tlb() {
    // After an eviction the fast path must not answer for the evicted page.
    let cfg = MmuConfig { dtlb: TlbConfig { entries: 1, ways: 1 }, ..MmuConfig::default() };
    let mut e = Env::with(SatpMode::Sv39, cfg);
    let s1 = e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF);
    e.map(0x2000, RAM_BASE + 0x2000, 0, LEAF);
    e.tr(0x1000, Load, SUP).expect("mapped");
    e.tr(0x1000, Load, SUP).expect("mapped");
    e.tr(0x2000, Load, SUP).expect("mapped"); // evicts 0x1000
    e.wr(s1, ((RAM_BASE + 0x9000) >> 12) << 10 | LEAF);
    assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x9000), "evicted, so walked again");
    assert_eq!((e.mmu.stats.dtlb.hits, e.mmu.stats.dtlb.misses), (1, 3));
    // Separate iTLB and dTLB.
    e.tr(0x1000, Fetch, SUP).expect("mapped");
    assert_eq!(e.mmu.stats.itlb.misses, 1);
}

#[test]
fn zero_entry_tlb_walks_every_time() {
    let cfg = MmuConfig { dtlb: TlbConfig { entries: 0, ways: 0 }, ..MmuConfig::default() };
    let mut e = Env::with(SatpMode::Sv39, cfg);
    e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF);
    for _ in 0..3 {
        e.tr(0x1000, Load, SUP).expect("mapped");
    }
    assert_eq!(e.mmu.stats.walks, 3);
}

#[test]
fn dump_lists_the_tree() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF | U);
    e.map(0x4000_0000, RAM_BASE, 2, LEAF | G);
    e.map(0x60_0000, RAM_BASE + 0x1000, 1, LEAF); // misaligned
    let text = dump::dump(&e.bus, e.satp());
    assert!(text.contains("Sv39, ASID 0"), "{text}");
    assert!(text.contains("L2[001]"), "{text}");
    assert!(text.contains("1G va 0x0000000040000000-0x000000007fffffff -> pa 0x80000000 global"), "{text}");
    assert!(text.contains("    L0[001]"), "{text}");
    assert!(text.contains("DA-UXWRV 4K va 0x0000000000001000"), "{text}");
    assert!(text.contains("misaligned superpage"), "{text}");
    let (nodes, truncated) = dump::collect(&e.bus, e.satp()).expect("paging mode");
    assert!(!truncated);
    assert_eq!(nodes.iter().filter(|n| matches!(n.kind, dump::NodeKind::Leaf { .. })).count(), 2);
    assert!(dump::dump(&e.bus, 0).contains("translation off"));
}

#[test]
fn events_record_walks_fills_flushes_and_faults() {
    let cfg = MmuConfig { dtlb: TlbConfig { entries: 1, ways: 1 }, ..MmuConfig::default() };
    let mut e = Env::with(SatpMode::Sv39, cfg);
    let leaf = e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF);
    e.map(0x2000, RAM_BASE + 0x2000, 0, V | R | A | D);
    e.mmu.events = Some(Vec::new());
    e.tr(0x1008, Load, SUP).expect("mapped");
    e.tr(0x2000, Load, SUP).expect("mapped"); // evicts 0x1000 from the 1-entry dTLB
    assert!(e.tr(0x2000, Store, SUP).is_err()); // from the cached entry
    assert!(e.tr(0x9000, Load, SUP).is_err()); // walk fault
    e.mmu.sfence_vma(None, Some(7));
    let ev = e.mmu.events.take().expect("enabled");
    assert_eq!(ev.len(), 7, "{ev:#?}");
    match &ev[0] {
        MmuEvent::Walk { va, access, steps, result } => {
            assert_eq!((*va, *access, *result), (0x1008, Load, Ok(RAM_BASE + 0x1008)));
            assert_eq!(steps.iter().map(|s| s.level).collect::<Vec<_>>(), vec![2, 1, 0]);
            assert_eq!(steps[2].pte_addr, leaf);
            assert_eq!(steps[0].pte_addr, e.root);
        }
        other => panic!("want a walk, got {other:?}"),
    }
    assert!(matches!(ev[1], MmuEvent::Fill { access: Load, evicted: None, .. }));
    assert!(matches!(ev[3], MmuEvent::Fill { evicted: Some(TlbEntry { tag: 1, .. }), .. }));
    assert_eq!(ev[4], MmuEvent::TlbFault { va: 0x2000, access: Store, fault: Fault::NotWritable });
    assert!(matches!(ev[5], MmuEvent::Walk { va: 0x9000, result: Err(Fault::Invalid), .. }));
    assert_eq!(ev[6], MmuEvent::Flush { vaddr: None, asid: Some(7), itlb: 0, dtlb: 0, l2tlb: 0 });
}

/// NAPOT pmpaddr for `size` bytes at `base`.
fn napot(base: u64, size: u64) -> u64 {
    (base >> 2) | ((size >> 3) - 1)
}

#[test]
fn pmp_checks_the_physical_address_after_translation() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x1000, RAM_BASE + 0x20_0000, 0, LEAF);
    // Entry 0: the target page readable only; entry 15 opens the rest.
    e.set_pmp(&[(0, 0x18 | 1, napot(RAM_BASE + 0x20_0000, 0x1000)), (15, 0x1f, (1 << 54) - 1)]);
    assert_eq!(e.tr(0x1008, Load, SUP), Ok(RAM_BASE + 0x20_0008));
    assert_eq!(e.tr(0x1008, Store, SUP), Err(Exception::StoreAccessFault(0x1008)), "tval is the virtual address");
    assert_eq!(e.tr(0x1000, Fetch, SUP), Err(Exception::InstructionAccessFault(0x1000)));
    // Repeated loads hit the fast path (the page is allowed in full for loads).
    let hits = e.mmu.stats.dtlb.hits;
    assert_eq!(e.tr(0x1010, Load, SUP), Ok(RAM_BASE + 0x20_0010));
    assert_eq!(e.mmu.stats.dtlb.hits, hits + 1);
    // A PMP change applies at once, without SFENCE.VMA, to a translation still cached.
    e.set_pmp(&[(0, 0x18, napot(RAM_BASE + 0x20_0000, 0x1000)), (15, 0x1f, (1 << 54) - 1)]);
    assert_eq!(e.tr(0x1010, Load, SUP), Err(Exception::LoadAccessFault(0x1010)));
}

#[test]
fn pmp_partial_page_is_checked_per_access() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x1000, RAM_BASE + 0x20_0000, 0, LEAF);
    // Entry 0 denies 8 bytes at offset 0x100 of the page; the rest of the page is open.
    e.set_pmp(&[(0, 0x18, napot(RAM_BASE + 0x20_0100, 8)), (15, 0x1f, (1 << 54) - 1)]);
    for _ in 0..3 {
        assert_eq!(e.tr(0x1000, Load, SUP), Ok(RAM_BASE + 0x20_0000));
        assert_eq!(e.tr(0x1100, Load, SUP), Err(Exception::LoadAccessFault(0x1100)));
    }
    // An 8-byte access straddling the entry's start fails.
    assert_eq!(e.tr(0x10fc, Load, SUP), Err(Exception::LoadAccessFault(0x10fc)));
}

#[test]
fn pmp_denied_page_table_is_an_access_fault_of_the_access_type() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x1000, RAM_BASE + 0x20_0000, 0, LEAF);
    // The page tables (from PT_BASE) are not readable at S-mode privilege.
    e.set_pmp(&[(0, 0x18, napot(PT_BASE, 0x10_0000)), (15, 0x1f, (1 << 54) - 1)]);
    assert_eq!(e.tr(0x1000, Store, SUP), Err(Exception::StoreAccessFault(0x1000)));
    assert_eq!(e.tr(0x1000, Fetch, SUP), Err(Exception::InstructionAccessFault(0x1000)));
    assert_eq!(e.mmu.stats.pte_access_faults.iter().sum::<u64>(), 2);
    // Readable but not writable page tables: the walk reads, the A/D update faults.
    e.set_pmp(&[(0, 0x18 | 1, napot(PT_BASE, 0x10_0000)), (15, 0x1f, (1 << 54) - 1)]);
    let va = 0x3000;
    e.map(va, RAM_BASE + 0x20_1000, 0, V | R | W);
    assert_eq!(e.tr(va, Load, SUP), Err(Exception::LoadAccessFault(va)));
    e.set_pmp(&[(15, 0x1f, (1 << 54) - 1)]);
    assert_eq!(e.tr(va, Load, SUP), Ok(RAM_BASE + 0x20_1000));
}

/// Maps the 64 KiB NAPOT range at `va` (16 PTEs, N = 1, ppn[3:0] = 1000) to `pa`.
fn map_napot(e: &mut Env, va: u64, pa: u64, flags: u64) -> u64 {
    let first = e.pte_slot(va, 0);
    for k in 0..16 {
        e.wr(first + 8 * k, ((pa >> 12) | 0b1000) << 10 | flags | pte::bits::N);
    }
    first
}

#[test]
fn svnapot_64k_translates_each_4k_page_from_vpn() {
    let mut e = Env::new(SatpMode::Sv39);
    let va = 0x1_0000;
    let pa = RAM_BASE + 0x30_0000;
    let first = map_napot(&mut e, va, pa, LEAF);
    for k in 0..16u64 {
        assert_eq!(e.tr(va + k * 0x1000 + 0x123, Load, SUP), Ok(pa + k * 0x1000 + 0x123), "page {k}");
    }
    // Cached at 4 KiB granularity: one walk and one TLB fill per 4 KiB page touched.
    assert_eq!(e.mmu.stats.walks, 16);
    assert_eq!(e.mmu.stats.dtlb.fills, 16);
    assert_eq!(e.tr(va + 0x5008, Load, SUP), Ok(pa + 0x5008));
    assert_eq!(e.mmu.stats.walks, 16, "a second access hits");
    // An SFENCE.VMA of one 4 KiB page drops only that page's entry.
    e.mmu.sfence_vma(Some(va + 0x5000), None);
    assert_eq!(e.mmu.stats.dtlb.flushed_entries, 1);
    // The PTE the walk reads decides: one PTE of the range with another encoding faults.
    e.wr(first + 8 * 3, ((pa >> 12) | 0b0100) << 10 | LEAF | pte::bits::N);
    e.mmu.sfence_vma(None, None);
    assert_eq!(e.tr(va + 0x3000, Store, SUP), Err(Exception::StorePageFault(va + 0x3000)));
    assert_eq!(e.mmu.stats.fault_reasons[Fault::NapotReserved.index()], 1);
    assert_eq!(e.tr(va + 0x4000, Store, SUP), Ok(pa + 0x4000));
}

#[test]
fn svnapot_reserved_encodings_fault() {
    for (ppn_low, level) in [(0b0001u64, 0u32), (0b0010, 0), (0b0100, 0), (0b0000, 0), (0b1000, 1)] {
        let mut e = Env::new(SatpMode::Sv39);
        let va = 0x4000_0000 + 0x20_0000; // 2 MiB aligned
        let pa = RAM_BASE + 0x20_0000;
        e.map(va, pa | ppn_low << 12, level, LEAF | pte::bits::N);
        assert_eq!(e.tr(va, Load, SUP), Err(Exception::LoadPageFault(va)), "ppn[3:0] {ppn_low:04b} level {level}");
        assert_eq!(e.mmu.stats.fault_reasons[Fault::NapotReserved.index()], 1);
    }
    // N on a pointer PTE is reserved.
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x3000, RAM_BASE, 0, LEAF);
    let v = e.rd(e.root);
    e.wr(e.root, v | pte::bits::N);
    assert_eq!(e.tr(0x3000, Load, SUP), Err(Exception::LoadPageFault(0x3000)));
    assert_eq!(e.mmu.stats.fault_reasons[Fault::NonLeafReserved.index()], 1);
}

#[test]
fn svpbmt_needs_pbmte_and_never_takes_3() {
    for pbmt in [1u64, 2] {
        let mut e = Env::new(SatpMode::Sv39);
        e.map(0x5000, RAM_BASE + 0x5000, 0, LEAF | pbmt << 61);
        let ctx = e.ctx(SUP);
        assert_eq!(e.tr_ctx(0x5008, Load, ctx), Err(Exception::LoadPageFault(0x5008)), "PBMTE = 0");
        assert_eq!(e.tr_ctx(0x5008, Load, ctx.with_pbmte(true)), Ok(RAM_BASE + 0x5008), "PBMTE = 1");
        assert_eq!(e.mmu.stats.fault_reasons[Fault::PbmtReserved.index()], 1);
    }
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x5000, RAM_BASE + 0x5000, 0, LEAF | 3 << 61);
    let ctx = e.ctx(SUP).with_pbmte(true);
    assert_eq!(e.tr_ctx(0x5000, Fetch, ctx), Err(Exception::InstructionPageFault(0x5000)));
    // PBMT on a pointer PTE is reserved even with PBMTE = 1.
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x5000, RAM_BASE + 0x5000, 0, LEAF);
    let v = e.rd(e.root);
    e.wr(e.root, v | 1 << 61);
    let ctx = e.ctx(SUP).with_pbmte(true);
    assert_eq!(e.tr_ctx(0x5000, Load, ctx), Err(Exception::LoadPageFault(0x5000)));
    assert_eq!(e.mmu.stats.fault_reasons[Fault::NonLeafReserved.index()], 1);
}

mod l2;

/// The miss path's `walk_fast` agrees with the general walk whenever it answers, and
/// leaves every fault, A/D update, Svnapot/Svpbmt encoding and misaligned superpage to
/// it: all leaf flag combinations (with N and PBMT variants) at each level, each access
/// kind and privilege.
#[test]
fn fast_walk_agrees_with_the_walk_or_declines() {
    let mut answered = 0;
    for level in 0..3u32 {
        for flags in 0..256u64 {
            for extra in [0, N, 1 << PBMT_SHIFT, 1 << 54] {
                let mut e = Env::new(SatpMode::Sv39);
                let va = 0x40_0000_0000u64 >> 2; // 0x10_0000_0000, aligned for any level
                let pa = RAM_BASE + if level == 0 { 0x8000 } else { 0 };
                let slot = e.map(va, pa, level, 0);
                e.wr(slot, (pa >> 12) << 10 | flags | extra);
                for access in [Fetch, Load, Store] {
                    for prv in [SUP, USR] {
                        let ctx = e.ctx(prv);
                        let satp = Satp::from_bits(ctx.satp);
                        let pte_ok = (0, u64::MAX);
                        let fast = walk::walk_fast(&e.bus.ram, pte_ok, satp, SatpMode::Sv39, va, access, &ctx);
                        let mut mem = walk::PmpChecked { bus: &mut e.bus, pmp: &e.mmu.pmp };
                        let full = walk::walk(&mut mem, satp, SatpMode::Sv39, va, access, &ctx, AdMode::Hardware, None);
                        if let Some((leaf, reads)) = fast {
                            answered += 1;
                            assert_eq!(full.result, Ok(leaf), "level {level} flags {flags:#x} {extra:#x} {access:?}");
                            assert_eq!(full.pte_reads, reads);
                        }
                    }
                }
            }
        }
    }
    assert!(answered > 100, "the fast walk answered only {answered} times");
}
