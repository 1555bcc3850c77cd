//! Shared by the `priv_pmp*` test programs (included with `#[path]`): setting PMP
//! entries from M-mode, two test pages, and one access run in U, S or M mode (or M with
//! MPRV) returning the trap it raised, if any (no trap is delegated).
#![allow(dead_code)]

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use isa_tests::{catch, catch_with, csrc, csrr, csrw, mstatus, run_lower, Action, Mode};

pub const R: u64 = 1;
pub const W: u64 = 2;
pub const X: u64 = 4;
pub const TOR: u64 = 1 << 3;
pub const NA4: u64 = 2 << 3;
pub const NAPOT: u64 = 3 << 3;
pub const L: u64 = 1 << 7;

/// Two pages the entries under test cover; code is copied to the first for fetches.
#[repr(C, align(8192))]
pub struct Pages([u8; 8192]);
pub static mut BUF: Pages = Pages([0; 8192]);

pub fn buf() -> u64 {
    core::ptr::addr_of!(BUF) as u64
}

pub fn napot(base: u64, size: u64) -> u64 {
    (base >> 2) | ((size >> 3) - 1)
}

/// Sets entry `i`'s address then its configuration byte (the entry is unlocked).
pub fn set(i: usize, cfg: u64, addr: u64) {
    match i {
        0 => csrw!(pmpaddr0, addr),
        1 => csrw!(pmpaddr1, addr),
        2 => csrw!(pmpaddr2, addr),
        3 => csrw!(pmpaddr3, addr),
        4 => csrw!(pmpaddr4, addr),
        5 => csrw!(pmpaddr5, addr),
        _ => csrw!(pmpaddr15, addr),
    }
    set_cfg(i, cfg);
}

pub fn set_cfg(i: usize, cfg: u64) {
    let sh = (i % 8) * 8;
    if i < 8 {
        let v = (csrr!(pmpcfg0) & !(0xff << sh)) | cfg << sh;
        csrw!(pmpcfg0, v);
    } else {
        let v = (csrr!(pmpcfg2) & !(0xff << sh)) | cfg << sh;
        csrw!(pmpcfg2, v);
    }
}

pub fn pmpaddr(i: usize) -> u64 {
    match i {
        3 => csrr!(pmpaddr3),
        4 => csrr!(pmpaddr4),
        _ => csrr!(pmpaddr5),
    }
}

/// Entries 0..14 off; entry 15 opens everything (the program's own code, data, stack).
pub fn reset_entries() {
    csrw!(pmpcfg0, 0);
    csrw!(pmpcfg2, 0);
    set(15, NAPOT | R | W | X, u64::MAX);
}

static OP: AtomicU64 = AtomicU64::new(0);
static ADDR: AtomicU64 = AtomicU64::new(0);

pub const LOAD_B: u64 = 0;
pub const STORE_B: u64 = 1;
pub const LOAD_D: u64 = 2;
pub const LOAD_W: u64 = 3;
pub const FETCH: u64 = 4;

/// The access under test, in whatever mode runs it.
pub extern "C" fn access() {
    let a = ADDR.load(SeqCst);
    // SAFETY: each access either completes on the test pages or traps to the harness,
    // which resumes after it (fetches return through ra).
    unsafe {
        match OP.load(SeqCst) {
            LOAD_B => asm!("lbu {r}, 0({a})", a = in(reg) a, r = out(reg) _),
            STORE_B => asm!("sb zero, 0({a})", a = in(reg) a),
            LOAD_D => asm!("ld {r}, 0({a})", a = in(reg) a, r = out(reg) _),
            LOAD_W => asm!("lw {r}, 0({a})", a = in(reg) a, r = out(reg) _),
            _ => asm!("jalr ra, 0({a})", a = in(reg) a, out("ra") _),
        }
    }
}

/// Runs one access in `mode`; the trap it caused (cause, tval), if any.
pub fn try_in(mode: Mode, op: u64, addr: u64) -> Option<(u64, u64)> {
    OP.store(op, SeqCst);
    ADDR.store(addr, SeqCst);
    let action = if op == FETCH { Action::ReturnRa } else { Action::Skip };
    let t = match mode {
        Mode::Machine => catch_with(action, || access()),
        _ => catch_with(action, || run_lower(mode, access, 0)),
    };
    t.map(|t| (t.cause, t.tval))
}

/// Runs one load or store in M-mode with MPRV = 1 and MPP = U.
pub fn try_mprv(op: u64, addr: u64) -> Option<(u64, u64)> {
    let t = catch(|| {
        csrc!(mstatus, mstatus::MPP);
        // SAFETY: as in `access`; MPRV is cleared right after the access, in the same
        // asm block, so no other load runs with U-mode privilege.
        unsafe {
            if op == LOAD_B {
                asm!("csrs mstatus, {m}", "lbu {r}, 0({a})", "csrc mstatus, {m}", m = in(reg) mstatus::MPRV, a = in(reg) addr, r = out(reg) _);
            } else {
                asm!("csrs mstatus, {m}", "sb zero, 0({a})", "csrc mstatus, {m}", m = in(reg) mstatus::MPRV, a = in(reg) addr);
            }
        }
    });
    t.map(|t| (t.cause, t.tval))
}

pub fn fault(c: u64, a: u64) -> Option<(u64, u64)> {
    Some((c, a))
}

/// Writes `insns` (16-bit parcels) at `at` and makes them visible to fetch.
pub fn put_code(at: u64, insns: &[u16]) {
    for (k, &p) in insns.iter().enumerate() {
        // SAFETY: `at` lies in BUF, which this program owns.
        unsafe { core::ptr::write_volatile((at + 2 * k as u64) as *mut u16, p) };
    }
    // SAFETY: FENCE.I only orders the stores above before later fetches.
    unsafe { asm!("fence.i") };
}

pub const C_NOP: u16 = 0x0001;
pub const C_RET: u16 = 0x8082;
