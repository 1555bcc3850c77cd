//! Zicbom and Zicboz cache-block operations (Unprivileged "CMO" chapter; enables in
//! Privileged 3.1.18 `menvcfg` and 4.1.10 `senvcfg`), with 64-byte blocks:
//! - CBO.ZERO zeroes exactly the 64-byte block containing rs1 (any offset in it);
//! - CBO.CLEAN/FLUSH/INVAL leave memory as it is (memory is coherent);
//! - CBO.ZERO on an address with no memory is a store access fault, tval = block base;
//! - below M, CBO.ZERO needs CBZE, CBO.CLEAN/FLUSH need CBCFE, CBO.INVAL needs CBIE != 00,
//!   in `menvcfg` (S and U) and also in `senvcfg` (U); otherwise illegal instruction;
//! - `menvcfg`/`senvcfg` hold CBIE/CBCFE/CBZE, and CBIE never reads as the reserved `10`;
//! - CBO.ZERO over code this program just ran: the next fetch sees zeros (rvsim keeps
//!   instruction fetch coherent with stores, as QEMU does; the spec would need FENCE.I).
//!
//! Not run on QEMU 7.2, which has no Zicbom/Zicboz (QEMU 8.0 added them).
#![no_std]
#![no_main]

use core::arch::asm;
use core::ptr::{addr_of_mut, read_volatile, write_volatile};
use isa_tests::{
    catch, catch_with, cause, check, check_eq, csrr, csrw, entry, finish, run_lower, Action, Mode, UNMAPPED,
};

entry!(main);

const CBIE_FLUSH: u64 = 1 << 4;
const CBIE_INVAL: u64 = 3 << 4;
const CBCFE: u64 = 1 << 6;
const CBZE: u64 = 1 << 7;
const ALL: u64 = CBIE_INVAL | CBCFE | CBZE;

#[repr(C, align(64))]
struct Blocks([u64; 24]);
static mut BUF: Blocks = Blocks([0; 24]);

#[repr(C, align(64))]
struct Code([u32; 16]);
static mut CODE: Code = Code([0; 16]);

fn word(i: usize) -> *mut u64 {
    // SAFETY: i < 24; only the address is taken.
    unsafe { (addr_of_mut!(BUF) as *mut u64).add(i) }
}

fn fill() {
    for i in 0..24 {
        // SAFETY: within BUF.
        unsafe { write_volatile(word(i), 0x0101_0101_0101_0101 * (i as u64 + 1)) };
    }
}

/// The words of block `b` that no longer hold their fill pattern.
fn changed(b: usize) -> u64 {
    (8 * b..8 * b + 8)
        // SAFETY: within BUF.
        .filter(|&i| unsafe { read_volatile(word(i)) } != 0x0101_0101_0101_0101 * (i as u64 + 1))
        .count() as u64
}

fn zeros(b: usize) -> u64 {
    // SAFETY: within BUF.
    (8 * b..8 * b + 8).filter(|&i| unsafe { read_volatile(word(i)) } == 0).count() as u64
}

macro_rules! cbo {
    ($op:literal, $a:expr) => {{
        let a: u64 = $a;
        // SAFETY: the block is this program's buffer (or a deliberate fault, caught).
        unsafe { asm!(concat!(".option push\n.option arch, +zicbom, +zicboz\n", $op, " ({a})\n.option pop"), a = in(reg) a) }
    }};
}

/// Runs the four CBOs on block 1 (via an address inside it) and returns which trapped,
/// as a mask (bit 0 zero, 1 clean, 2 flush, 3 inval), each with illegal-instruction cause.
fn try_all() -> u64 {
    let a = word(8) as u64 + 40;
    let mut mask = 0;
    let ops: [(u64, fn(u64)); 4] = [
        (1, |a| cbo!("cbo.zero", a)),
        (2, |a| cbo!("cbo.clean", a)),
        (4, |a| cbo!("cbo.flush", a)),
        (8, |a| cbo!("cbo.inval", a)),
    ];
    for (bit, op) in ops {
        if let Some(t) = catch(|| op(a)) {
            check_eq!("CBO trap cause is illegal instruction", t.cause, cause::ILLEGAL);
            mask |= bit;
        }
    }
    mask
}

static mut LOWER_MASK: u64 = 0;

extern "C" fn lower() {
    fill();
    let m = try_all();
    // SAFETY: single hart; read back by main after the excursion.
    unsafe { write_volatile(addr_of_mut!(LOWER_MASK), m) };
}

/// The trap mask of [`try_all`] in `mode` with the given envcfg values; also checks
/// that CBO.ZERO zeroed block 1 exactly when it did not trap.
fn in_mode(mode: Mode, menvcfg: u64, senvcfg: u64) -> u64 {
    csrw!(menvcfg, menvcfg);
    csrw!(senvcfg, senvcfg);
    // SAFETY: single hart.
    unsafe { write_volatile(addr_of_mut!(LOWER_MASK), 99) };
    run_lower(mode, lower, 0);
    csrw!(menvcfg, 0);
    csrw!(senvcfg, 0);
    // SAFETY: written by `lower`.
    let m = unsafe { read_volatile(addr_of_mut!(LOWER_MASK)) };
    let zeroed = zeros(1) == 8 && changed(0) == 0 && changed(2) == 0;
    check!("block 1 zeroed iff CBO.ZERO ran", zeroed == (m & 1 == 0));
    m
}

fn call_code(addr: u64) -> u64 {
    let r: u64;
    // SAFETY: the code at addr is `li a0, N; ret` (or traps, caught by the caller).
    unsafe { asm!("jalr ra, 0({a})", a = in(reg) addr, out("a0") r, out("ra") _) };
    r
}

fn main() -> u32 {
    // M-mode: always enabled, whatever menvcfg says.
    csrw!(menvcfg, 0);
    fill();
    cbo!("cbo.zero", word(8) as u64 + 13);
    check_eq!("cbo.zero zeroes the block holding rs1", zeros(1), 8);
    check_eq!("cbo.zero leaves the block before", changed(0), 0);
    check_eq!("cbo.zero leaves the block after", changed(2), 0);
    fill();
    cbo!("cbo.zero", word(23) as u64 + 7);
    check_eq!("cbo.zero via the block's last byte", zeros(2), 8);
    check_eq!("... and nothing else", changed(1), 0);
    fill();
    for a in [word(0) as u64, word(9) as u64 + 3] {
        cbo!("cbo.clean", a);
        cbo!("cbo.flush", a);
        cbo!("cbo.inval", a);
    }
    check_eq!("clean/flush/inval keep the data", changed(0) + changed(1) + changed(2), 0);
    let t = catch(|| cbo!("cbo.zero", UNMAPPED + 0x23));
    check_eq!("cbo.zero with no memory: store access fault", t.map_or(99, |t| t.cause), cause::STORE_ACCESS);
    check_eq!("cbo.zero with no memory: tval is the block base", t.map_or(0, |t| t.tval), UNMAPPED);

    // The envcfg fields (WARL CBIE: 10 is reserved).
    csrw!(menvcfg, ALL);
    check_eq!("menvcfg holds CBIE/CBCFE/CBZE", csrr!(menvcfg) & 0xf0, ALL);
    csrw!(senvcfg, ALL);
    check_eq!("senvcfg holds CBIE/CBCFE/CBZE", csrr!(senvcfg) & 0xf0, ALL);
    csrw!(menvcfg, 2 << 4);
    check!("menvcfg.CBIE never reads 10", csrr!(menvcfg) & CBIE_INVAL != 2 << 4);
    csrw!(senvcfg, 2 << 4);
    check!("senvcfg.CBIE never reads 10", csrr!(senvcfg) & CBIE_INVAL != 2 << 4);

    // S-mode obeys menvcfg only; U-mode needs both.
    check_eq!("S, menvcfg = 0: all illegal", in_mode(Mode::Supervisor, 0, ALL), 0xf);
    check_eq!("S, menvcfg = all: none illegal", in_mode(Mode::Supervisor, ALL, 0), 0);
    check_eq!("S, CBZE only", in_mode(Mode::Supervisor, CBZE, 0), 0xe);
    check_eq!("S, CBCFE only", in_mode(Mode::Supervisor, CBCFE, 0), 0x9);
    check_eq!("S, CBIE = flush only", in_mode(Mode::Supervisor, CBIE_FLUSH, 0), 0x7);
    check_eq!("U, senvcfg = 0: all illegal", in_mode(Mode::User, ALL, 0), 0xf);
    check_eq!("U, menvcfg = 0: all illegal", in_mode(Mode::User, 0, ALL), 0xf);
    check_eq!("U, both enable: none illegal", in_mode(Mode::User, ALL, ALL), 0);
    check_eq!("U, CBZE in both, CBCFE in senvcfg only", in_mode(Mode::User, CBZE, CBZE | CBCFE), 0xe);
    check_eq!("U, CBIE = flush in both", in_mode(Mode::User, CBIE_FLUSH, CBIE_FLUSH), 0x7);

    // CBO.ZERO over code that has run: the next call sees the zeroed block.
    let code = addr_of_mut!(CODE) as u64;
    // SAFETY: CODE is this program's buffer; `li a0, 5; ret`.
    unsafe {
        write_volatile(code as *mut u32, 0x0050_0513);
        write_volatile((code + 4) as *mut u32, 0x0000_8067);
        asm!("fence.i");
    }
    check_eq!("code in the buffer runs", call_code(code), 5);
    cbo!("cbo.zero", code + 4);
    let t = catch_with(Action::ReturnRa, || {
        call_code(code);
    });
    check_eq!("zeroed code traps as illegal", t.map_or(99, |t| t.cause), cause::ILLEGAL);
    check_eq!("... at the block", t.map_or(0, |t| t.epc), code);
    finish("zicbo_ops")
}
