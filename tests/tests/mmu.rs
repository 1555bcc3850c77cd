//! The MMU guest programs (`guest-programs/isa-tests/src/bin/mmu_*.rs`): each builds page
//! tables in M-mode, drops to S/U and checks faults, A/D bits, superpages, SUM/MXR/MPRV,
//! ASIDs, TLB staleness and Sv48/Sv57 walks; all must pass.
mod common;

use rvsim::machine::{MachineConfig, Outcome};
use rvsim::mmu::{AdMode, MmuConfig, TlbConfig};

#[test]
fn mmu_programs_pass() {
    common::run_all_passing("mmu_", 50_000_000);
}

/// The same programs give the same results with other TLB geometries, including no TLB
/// at all and a direct-mapped one: the TLB may change performance, not results (except
/// staleness, which mmu_stale_tlb checks with the default geometry).
#[test]
fn mmu_programs_pass_with_other_tlb_geometries() {
    for (itlb, dtlb) in [((0, 0), (0, 0)), ((1, 1), (2, 1)), ((64, 64), (128, 8))] {
        let mmu = MmuConfig {
            itlb: TlbConfig { entries: itlb.0, ways: itlb.1 },
            dtlb: TlbConfig { entries: dtlb.0, ways: dtlb.1 },
            ad_mode: AdMode::Hardware,
            ..MmuConfig::default()
        };
        for name in common::guests_with_prefix("mmu_") {
            if name == "mmu_stale_tlb" {
                continue;
            }
            let r = common::run_guest_with(&name, 50_000_000, MachineConfig { mmu, ..Default::default() });
            assert_eq!(r.outcome, Outcome::Exit(0), "{name} with {mmu:?}:\n{}", r.console);
        }
    }
}

/// `mmu_ad_os` plays the OS for A/D page faults: none with hardware A/D updates, one per
/// first access that needs a bit under `--ad-mode trap` (load A, store D, first-touch
/// store A+D in one fault, fetch A), and the same final PTE bits either way.
#[test]
fn ad_modes_seen_by_an_os() {
    for (mode, faults) in [(AdMode::Hardware, 0), (AdMode::Trap, 4)] {
        let mmu = MmuConfig { ad_mode: mode, ..MmuConfig::default() };
        let r = common::run_guest_with("mmu_ad_os", 10_000_000, MachineConfig { mmu, ..Default::default() });
        assert_eq!(r.outcome, Outcome::Exit(0), "{mode:?}:\n{}", r.console);
        let line = format!("mmu_ad_os: {faults} A/D faults handled");
        assert!(r.console.contains(&line), "{mode:?}: want '{line}' in:\n{}", r.console);
    }
}

/// The same TLB-thrashing workload gives the same checksum with paging on and off, and
/// with the default 32-entry dTLB every one of its 256 page visits per pass misses.
#[test]
fn bench_paging_counts_tlb_misses() {
    let mut m = rvsim::machine::Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    let bytes = std::fs::read(common::guest("bench_paging_on")).expect("read guest ELF");
    m.load_elf(&bytes).expect("load");
    assert_eq!(m.run(Some(200_000_000), &mut rvsim::hart::NoTrace), Outcome::Exit(0));
    let s = &m.cores[0].hart.mmu.stats;
    // 20 000 passes x 256 pages: each visit's load misses, its store hits the refilled entry.
    assert_eq!(s.dtlb.misses, 20_000 * 256);
    assert_eq!(s.dtlb.hits, 20_000 * 256);
    assert_eq!(s.walk_reads[3], 20_000 * 256);
    let off = common::run_guest("bench_paging_off", 200_000_000);
    assert_eq!(off.outcome, Outcome::Exit(0), "{}", off.console);
}

/// The shared L2 TLB (`--l2tlb`): every MMU program passes with one behind tiny and
/// default L1s (but mmu_stale_tlb, whose "evicted by capacity: walked again" check
/// assumes the 32-entry dTLB is the last level: the L2 keeps that entry, as it should),
/// and the TLB-thrashing bench walks once per page instead of once per visit, with
/// identical L1 counts.
#[test]
fn l2_tlb_keeps_results_and_saves_walks() {
    let l2 = TlbConfig { entries: 1024, ways: 8 };
    for l1 in [TlbConfig { entries: 1, ways: 1 }, TlbConfig { entries: 32, ways: 4 }] {
        let mmu = MmuConfig { itlb: l1, dtlb: l1, l2tlb: l2, ..MmuConfig::default() };
        for name in common::guests_with_prefix("mmu_") {
            if name == "mmu_stale_tlb" {
                continue;
            }
            let r = common::run_guest_with(&name, 50_000_000, MachineConfig { mmu, ..Default::default() });
            assert_eq!(r.outcome, Outcome::Exit(0), "{name} with {mmu:?}:\n{}", r.console);
        }
    }
    let run = |mmu: MmuConfig| {
        let mut m = rvsim::machine::Machine::new(MachineConfig { mmu, ..Default::default() });
        m.bus.dev.uart.echo = false;
        let bytes = std::fs::read(common::guest("bench_paging_on")).expect("read guest ELF");
        m.load_elf(&bytes).expect("load");
        assert_eq!(m.run(Some(200_000_000), &mut rvsim::hart::NoTrace), Outcome::Exit(0));
        m.cores[0].hart.mmu.stats.clone()
    };
    let off = run(MmuConfig::default());
    let on = run(MmuConfig { l2tlb: l2, ..MmuConfig::default() });
    assert_eq!(off.l2tlb, None);
    assert_eq!((on.itlb, on.dtlb), (off.itlb, off.dtlb), "the L1s see the same lookups");
    assert_eq!(off.walks, 20_000 * 256 + 1);
    // 256 data pages and the code page walk once each; every later L1 miss hits the L2.
    assert_eq!(on.walks, 257);
    let l2s = on.l2tlb.expect("configured");
    assert_eq!((l2s.misses, l2s.fills, l2s.evictions), (257, 257, 0));
    assert_eq!(l2s.hits, off.dtlb.misses + off.itlb.misses - 257);
}
