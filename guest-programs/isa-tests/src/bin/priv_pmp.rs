//! Physical Memory Protection (Privileged 3.7): NAPOT, TOR and NA4 matching; the
//! lowest-numbered matching entry wins; an access that matches an entry in part fails;
//! S/U accesses no entry matches fail while M ones succeed; unlocked entries do not
//! apply to M, locked ones do, and cannot be rewritten (a locked TOR entry also locks
//! the pmpaddr below it); MPRV makes M-mode loads and stores checked at MPP; fetches are
//! checked per instruction, also for code decoded while another mode ran it; the faults
//! are access faults of the access type with the address in `mtval`.
//!
//! `priv_pmp_spec` checks the rules where QEMU 7.2 differs (sub-page fetch checks,
//! WARL of the reserved R = 0, W = 1 and of entries 16..63).
#![no_std]
#![no_main]

#[path = "pmp_lib/mod.rs"]
mod pmp_lib;

use isa_tests::{cause, check, check_eq, csrr, csrw, entry, finish, Mode};
use pmp_lib::*;

entry!(main);

fn main() -> u32 {
    csrw!(medeleg, 0);
    csrw!(mie, 0);
    let page0 = buf();
    let page1 = buf() + 4096;

    // NAPOT, read-only page, lower priority than nothing else.
    reset_entries();
    set(0, NAPOT | R, napot(page0, 4096));
    for mode in [Mode::User, Mode::Supervisor] {
        check_eq!("NAPOT R: load allowed", try_in(mode, LOAD_B, page0 + 5).is_none() as u64, 1);
        check!(
            "NAPOT R: store faults with tval",
            try_in(mode, STORE_B, page0 + 7) == fault(cause::STORE_ACCESS, page0 + 7)
        );
        check!("NAPOT R: fetch faults", try_in(mode, FETCH, page0) == fault(cause::INSN_ACCESS, page0));
    }
    check!("unlocked entry does not apply to M", try_in(Mode::Machine, STORE_B, page0 + 7).is_none());
    check!("MPRV: M store checked at MPP = U", try_mprv(STORE_B, page0 + 9) == fault(cause::STORE_ACCESS, page0 + 9));
    check!("MPRV: M load checked at MPP = U, allowed", try_mprv(LOAD_B, page0 + 9).is_none());
    // The end of the region: the next page is matched by entry 15 only.
    check!("NAPOT ends at its size", try_in(Mode::User, STORE_B, page1).is_none());

    // TOR: pmpaddr0 <= a < pmpaddr1, no permissions.
    reset_entries();
    set(0, 0, page1 >> 2);
    set(1, TOR, (page1 + 4096) >> 2);
    check!("TOR: bottom faults", try_in(Mode::User, LOAD_B, page1) == fault(cause::LOAD_ACCESS, page1));
    check!(
        "TOR: last byte faults",
        try_in(Mode::User, LOAD_B, page1 + 4095) == fault(cause::LOAD_ACCESS, page1 + 4095)
    );
    check!("TOR: below is outside", try_in(Mode::User, LOAD_B, page1 - 1).is_none());
    check!("TOR: top is outside", try_in(Mode::User, LOAD_B, page1 + 4096).is_none());

    // NA4 and the lowest-numbered match: entry 0 (NA4, nothing) over entry 1 (RW page).
    reset_entries();
    set(0, NA4, (page0 + 16) >> 2);
    set(1, NAPOT | R | W, napot(page0, 4096));
    check!(
        "NA4 entry 0 wins over entry 1",
        try_in(Mode::User, LOAD_W, page0 + 16) == fault(cause::LOAD_ACCESS, page0 + 16)
    );
    check!("NA4 covers four bytes only", try_in(Mode::User, LOAD_W, page0 + 20).is_none());
    check!("NA4 covers four bytes only (below)", try_in(Mode::User, LOAD_W, page0 + 12).is_none());
    // An aligned 8-byte access half inside entry 0 fails although entry 1 allows it all.
    check!(
        "access matching entry 0 in part fails",
        try_in(Mode::User, LOAD_D, page0 + 16) == fault(cause::LOAD_ACCESS, page0 + 16)
    );
    // Swapped priorities: entry 0 (RW page) now shadows the NA4 entry 1.
    reset_entries();
    set(0, NAPOT | R | W, napot(page0, 4096));
    set(1, NA4, (page0 + 16) >> 2);
    check!("entry 0 wins over NA4 entry 1", try_in(Mode::User, LOAD_W, page0 + 16).is_none());
    // A partial match also fails for an entry that would allow it.
    reset_entries();
    set(0, NA4 | R | W, (page0 + 20) >> 2);
    check!(
        "straddling an allowing entry fails",
        try_in(Mode::User, LOAD_D, page0 + 16) == fault(cause::LOAD_ACCESS, page0 + 16)
    );

    // No entry matches: S/U fail, M succeeds. Entry 0: [0, page0); entry 2: [page1, top).
    csrw!(pmpcfg0, 0);
    csrw!(pmpcfg2, 0);
    set(0, TOR | R | W | X, page0 >> 2);
    csrw!(pmpaddr1, page1 >> 2);
    set(2, TOR | R | W | X, u64::MAX >> 10);
    check!("no match: U load faults", try_in(Mode::User, LOAD_B, page0) == fault(cause::LOAD_ACCESS, page0));
    check!(
        "no match: S store faults",
        try_in(Mode::Supervisor, STORE_B, page0 + 1) == fault(cause::STORE_ACCESS, page0 + 1)
    );
    check!("no match: M succeeds", try_in(Mode::Machine, STORE_B, page0 + 1).is_none());
    check!("no match: MPRV (MPP = U) load faults", try_mprv(LOAD_B, page0 + 2) == fault(cause::LOAD_ACCESS, page0 + 2));
    check!("matched around it", try_in(Mode::User, LOAD_B, page1).is_none());

    // Lock: a locked entry applies to M and cannot be rewritten until reset.
    reset_entries();
    set(3, NAPOT | R | L, napot(page1, 4096));
    check!("locked R entry: M load allowed", try_in(Mode::Machine, LOAD_B, page1 + 3).is_none());
    check!(
        "locked R entry: M store faults",
        try_in(Mode::Machine, STORE_B, page1 + 3) == fault(cause::STORE_ACCESS, page1 + 3)
    );
    check!("locked R entry: M fetch faults", try_in(Mode::Machine, FETCH, page1) == fault(cause::INSN_ACCESS, page1));
    set_cfg(3, NAPOT | R | W | X);
    check_eq!("locked cfg ignores writes", (csrr!(pmpcfg0) >> 24) & 0xff, NAPOT | R | L);
    csrw!(pmpaddr3, 0);
    check_eq!("locked pmpaddr ignores writes", pmpaddr(3), napot(page1, 4096));
    // A locked TOR entry locks the pmpaddr below it; an unlocked entry above is free.
    csrw!(pmpaddr4, page0 >> 2);
    set(5, TOR | R | W | X | L, page1 >> 2);
    csrw!(pmpaddr4, 0x1234);
    check_eq!("locked TOR locks pmpaddr[i-1]", pmpaddr(4), page0 >> 2);
    check!("locked TOR entry: M store in range allowed", try_in(Mode::Machine, STORE_B, page0 + 1).is_none());
    finish("priv_pmp")
}
