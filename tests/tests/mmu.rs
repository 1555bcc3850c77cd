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
