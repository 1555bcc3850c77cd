//! The shared L2 TLB: looked up on an L1 miss before walking, filled by walks, shared
//! by fetches and data, stale until SFENCE.VMA like the L1s, with ASIDs, global pages
//! and superpages matched as there; off by default and then not reported.

use super::*;

/// 1-entry L1 TLBs in front of a 16-entry 4-way L2, so that every second page evicts
/// the L1 entry while the L2 keeps it.
fn env() -> Env {
    let cfg = MmuConfig {
        itlb: TlbConfig { entries: 1, ways: 1 },
        dtlb: TlbConfig { entries: 1, ways: 1 },
        l2tlb: TlbConfig { entries: 16, ways: 4 },
        ..MmuConfig::default()
    };
    let mut e = Env::with(SatpMode::Sv39, cfg);
    e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF);
    e.map(0x2000, RAM_BASE + 0x2000, 0, LEAF);
    e
}

fn l2(e: &Env) -> TlbStats {
    e.mmu.stats.l2tlb.expect("an L2 TLB is configured")
}

#[test]
fn l1_miss_hits_the_l2_and_refills_the_l1_without_a_walk() {
    let mut e = env();
    e.tr(0x1000, Load, SUP).expect("mapped");
    e.tr(0x2000, Load, SUP).expect("mapped"); // evicts 0x1000 from the 1-entry dTLB
    assert_eq!(e.mmu.stats.walks, 2);
    assert_eq!(e.tr(0x1008, Load, SUP), Ok(RAM_BASE + 0x1008));
    assert_eq!(e.mmu.stats.walks, 2, "answered by the L2");
    assert_eq!((l2(&e).hits, l2(&e).misses, l2(&e).fills), (1, 2, 2));
    let d = e.mmu.stats.dtlb;
    assert_eq!((d.hits, d.misses, d.fills, d.evictions), (0, 3, 3, 2), "the L2 hit refilled the dTLB");
    // Now resident in the dTLB again: a plain L1 hit, the L2 not asked.
    e.tr(0x1010, Load, SUP).expect("mapped");
    assert_eq!((e.mmu.stats.dtlb.hits, l2(&e).hits + l2(&e).misses), (1, 3));
}

#[test]
fn fetches_and_data_share_the_l2() {
    let mut e = env();
    e.tr(0x1000, Load, SUP).expect("mapped");
    assert_eq!(e.tr(0x1004, Fetch, SUP), Ok(RAM_BASE + 0x1004));
    assert_eq!(e.mmu.stats.walks, 1, "the iTLB miss found the data walk's entry");
    assert_eq!((e.mmu.stats.itlb.misses, e.mmu.stats.itlb.fills, l2(&e).hits), (1, 1, 1));
}

#[test]
fn l2_entries_stay_stale_until_sfence_and_sfence_flushes_them() {
    let mut e = env();
    let pte = e.map(0x3000, RAM_BASE + 0x3000, 0, LEAF);
    e.tr(0x3000, Load, SUP).expect("mapped");
    e.tr(0x1000, Load, SUP).expect("mapped"); // dTLB now holds 0x1000 only
    e.wr(pte, ((RAM_BASE + 0x9000) >> 12) << 10 | LEAF);
    assert_eq!(e.tr(0x3000, Load, SUP), Ok(RAM_BASE + 0x3000), "the L2 still holds the old PTE");
    e.mmu.sfence_vma(Some(0x3000), None);
    assert_eq!(l2(&e).flushed_entries, 1);
    assert_eq!(e.tr(0x3000, Load, SUP), Ok(RAM_BASE + 0x9000), "walked after the fence");
    e.mmu.sfence_vma(None, None);
    assert_eq!(e.mmu.l2tlb.occupancy(), 0);
}

#[test]
fn l2_matches_asids_and_global_pages_as_the_l1s_do() {
    let cfg = MmuConfig {
        dtlb: TlbConfig { entries: 1, ways: 1 },
        l2tlb: TlbConfig { entries: 16, ways: 4 },
        ..MmuConfig::default()
    };
    let (mut e, r1, r2) = two_spaces();
    e.mmu = Mmu::new(cfg);
    e.set_pmp(&[(15, 0x1f, (1 << 54) - 1)]);
    assert_eq!(load_in(&mut e, r1, 1, 0x1000), Ok(RAM_BASE + 0x1000));
    assert_eq!(load_in(&mut e, r1, 1, 0x4000_0000), Ok(RAM_BASE + 0x20_0000)); // global, 2 MiB
    assert_eq!(load_in(&mut e, r2, 2, 0x1000), Ok(RAM_BASE + 0x2000), "ASID 2 must not use ASID 1's entry");
    assert_eq!(e.mmu.stats.walks, 3);
    // The global superpage entry answers another ASID and another 4 KiB page inside it.
    assert_eq!(load_in(&mut e, r2, 2, 0x4001_2345), Ok(RAM_BASE + 0x21_2345));
    assert_eq!(e.mmu.stats.walks, 3);
    // An ASID fence leaves global entries.
    e.mmu.sfence_vma(None, Some(2));
    assert_eq!(l2(&e).flushed_entries, 1);
    assert_eq!(load_in(&mut e, r1, 1, 0x1000), Ok(RAM_BASE + 0x1000));
    assert_eq!(e.mmu.stats.walks, 3, "ASID 1's entry survived the ASID 2 fence");
}

#[test]
fn l2_hit_rechecks_permissions_and_walks_for_a_d() {
    let mut e = env();
    e.map(0x5000, RAM_BASE + 0x5000, 0, V | R | A); // read-only, D clear
    e.map(0x6000, RAM_BASE + 0x6000, 0, V | R | W | A); // writable, D clear
    e.tr(0x5000, Load, SUP).expect("mapped");
    e.tr(0x6000, Load, SUP).expect("mapped");
    e.tr(0x1000, Load, SUP).expect("mapped");
    let walks = e.mmu.stats.walks;
    assert_eq!(e.tr(0x5000, Store, SUP), Err(Exception::StorePageFault(0x5000)));
    assert_eq!(e.mmu.stats.walks, walks, "the fault came from the L2 entry's cached bits");
    assert_eq!(e.mmu.stats.fault_reasons[Fault::NotWritable.index()], 1);
    let hits = l2(&e).hits;
    e.tr(0x6000, Store, SUP).expect("writable");
    assert_eq!(e.mmu.stats.walks, walks + 1, "D must be set in memory: walk");
    assert_eq!((l2(&e).hits, e.mmu.stats.d_updates), (hits, 1));
}

#[test]
fn without_an_l2_nothing_is_reported() {
    let mut e = Env::new(SatpMode::Sv39);
    e.map(0x1000, RAM_BASE + 0x1000, 0, LEAF);
    e.tr(0x1000, Load, SUP).expect("mapped");
    assert_eq!(e.mmu.stats.l2tlb, None);
    assert!(!e.mmu.stats.to_json().contains("l2tlb"));
    assert!(!e.mmu.stats.report("").contains("L2"));
    let e = env();
    assert!(e.mmu.stats.to_json().contains("\"l2tlb\":{\"hits\":0,"));
    assert!(e.mmu.stats.report("").contains("L2 TLB: 0 hits"));
}
