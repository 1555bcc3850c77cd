//! A and D bits as an OS sees them, in either A/D mode: every access goes through a
//! small "page-fault handler" that, when a page fault hits a valid, permitted leaf whose
//! A (or, for a store, D) bit is clear, sets the bit, executes SFENCE.VMA and retries, as
//! an OS must under Svade (Privileged 4.3.1). With `--ad-mode hardware` (the default, and
//! QEMU) the walker sets the bits and the handler never runs; with `--ad-mode trap` it
//! runs once per missing bit. Either way the final A/D bits are the same. The program
//! prints how many faults it handled; tests/tests/mmu.rs checks the count per mode.
#![no_std]
#![no_main]

#[path = "mmu_lib/mod.rs"]
mod mmu_lib;

use isa_tests::{entry, println};
use mmu_lib::cause::*;
use mmu_lib::*;

entry!(main);

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Load,
    Store,
    Fetch,
}

/// Runs one access, playing the OS for A/D page faults; returns the result and how many
/// A/D faults were handled.
fn access(kind: Kind, mode: Mode, va: u64, slot: u64) -> (Result<u64, Trap>, u32) {
    let mut handled = 0;
    loop {
        let r = match kind {
            Kind::Load => load(mode, va),
            Kind::Store => store(mode, va, 0x77),
            Kind::Fetch => exec(mode, va),
        };
        let want_cause = match kind {
            Kind::Load => LOAD_PAGE,
            Kind::Store => STORE_PAGE,
            Kind::Fetch => FETCH_PAGE,
        };
        let pte = peek(slot);
        let missing = if pte & A == 0 { A } else { 0 } | if kind == Kind::Store && pte & D == 0 { D } else { 0 };
        // Like an OS, only fix A/D for an access the PTE permits.
        let need = match kind {
            Kind::Load => R,
            Kind::Store => W,
            Kind::Fetch => X,
        };
        let permitted = pte & V != 0 && pte & need != 0 && (pte & U != 0) == (mode == Mode::U);
        match r {
            Err(Trap { cause, tval })
                if cause == want_cause && tval == va && permitted && missing != 0 && handled < 2 =>
            {
                poke(slot, pte | missing);
                sfence_va(va);
                handled += 1;
            }
            _ => return (r, handled),
        }
    }
}

fn main() -> u32 {
    setup();
    let mut c = Checker::new();
    let pt = Pt::new(SV39);
    let va = TEST_VA;
    let (_, s1) = pt.map_new(va, V | R | W);
    let (_, s2) = pt.map_new(va + 0x1000, V | R | W | U);
    let (code, s3) = pt.map_new(va + 0x2000, V | X);
    write_code(code, &CODE_LI42);
    let (_, s4) = pt.map_new(va + 0x3000, V | R);
    pt.activate(0);

    let mut faults = 0;
    let mut run = |c: &mut Checker, what: &str, kind, mode, va, slot, want| {
        let (r, n) = access(kind, mode, va, slot);
        faults += n;
        c.eq(what, r, want);
    };
    run(&mut c, "S load", Kind::Load, Mode::S, va, s1, Ok(0));
    c.eq("A after load", peek(s1) & (A | D), A);
    run(&mut c, "S store", Kind::Store, Mode::S, va + 8, s1, Ok(0));
    c.eq("A and D after store", peek(s1) & (A | D), A | D);
    run(&mut c, "U store first", Kind::Store, Mode::U, va + 0x1000, s2, Ok(0));
    c.eq("A and D after first-touch store", peek(s2) & (A | D), A | D);
    run(&mut c, "fetch", Kind::Fetch, Mode::S, va + 0x2000, s3, Ok(42));
    c.eq("A after fetch", peek(s3) & (A | D), A);
    run(
        &mut c,
        "store to read-only still faults",
        Kind::Store,
        Mode::S,
        va + 0x3000,
        s4,
        Err(Trap { cause: STORE_PAGE, tval: va + 0x3000 }),
    );
    c.eq("no A/D on a permission fault", peek(s4) & (A | D), 0);
    println!("mmu_ad_os: {faults} A/D faults handled");
    write_satp(0);
    c.finish("mmu_ad_os")
}
