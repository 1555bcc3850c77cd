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
