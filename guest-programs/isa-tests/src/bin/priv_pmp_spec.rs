//! PMP rules where QEMU 7.2 differs from the spec (Privileged 3.7):
//! - fetches are checked per instruction: code on a page whose PMP entries differ within
//!   it runs up to the first parcel without X and faults there, also when it was first
//!   run (and decoded) in M-mode;
//! - the R/W/X fields are WARL with R = 0, W = 1 reserved: rvsim ignores such a write
//!   (as QEMU does since 8.1); QEMU 7.2 stores the reserved value;
//! - all 64 `pmpaddr` and the 16 `pmpcfg` CSRs exist, entries 16..63 read-only zero
//!   ("PMP CSRs ... may be read-only zero", 3.7.1); QEMU 7.2 has pmpaddr0..15 only and
//!   raises illegal instruction for the others.
//!
//! Known QEMU 7.2 deviations: the three above (it runs the code in U-mode without a
//! fault, reusing the translation block decoded in M-mode; it keeps cfg RW=01; it has no
//! pmpaddr16..63).
#![no_std]
#![no_main]

#[path = "pmp_lib/mod.rs"]
mod pmp_lib;

use isa_tests::{cause, check_eq, csrr, csrs, csrw, entry, finish, Mode};
use pmp_lib::*;

entry!(main);

fn main() -> u32 {
    csrw!(medeleg, 0);
    csrw!(mie, 0);
    let page0 = buf();
    reset_entries();
    // The third parcel of the code lies in an NA4 entry without X.
    let code = page0 + 0x100;
    put_code(code, &[C_NOP, C_NOP, C_NOP, C_NOP, C_RET]);
    set(0, NA4 | R, (code + 8) >> 2);
    check_eq!("fetch: M runs the code", try_in(Mode::Machine, FETCH, code).is_none() as u64, 1);
    let t = try_in(Mode::User, FETCH, code + 8);
    check_eq!("fetch: U at the entry faults, tval", t.map_or(0, |t| t.1), code + 8);
    let t = try_in(Mode::User, FETCH, code);
    check_eq!("fetch: U from the block start faults", t.map_or(0, |t| t.0), cause::INSN_ACCESS);
    check_eq!("fetch: at the first parcel without X", t.map_or(0, |t| t.1), code + 8);
    set(0, NA4 | R | X, (code + 8) >> 2);
    check_eq!("fetch: allowed once X is set (no fence)", try_in(Mode::User, FETCH, code).is_none() as u64, 1);

    // WARL: R = 0 with W = 1 is reserved; the write of that byte is ignored.
    reset_entries();
    set_cfg(0, NAPOT | R);
    set_cfg(0, NAPOT | W);
    check_eq!("cfg RW=01 write ignored", csrr!(pmpcfg0) & 0xff, NAPOT | R);
    csrw!(pmpcfg0, 0);

    // Entries past 15 are read-only zero.
    csrw!(pmpaddr20, 0x55);
    check_eq!("pmpaddr20 reads zero", csrr!(pmpaddr20), 0);
    csrs!(pmpcfg4, 0x1f);
    check_eq!("pmpcfg4 reads zero", csrr!(pmpcfg4), 0);
    finish("priv_pmp_spec")
}
