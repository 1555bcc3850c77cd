//! CSRRS/CSRRC with rs1 != x0 always attempt a write, even when the register holds zero
//! (Unprivileged "Zicsr", CSR instructions: "if rs1 specifies a register holding a zero
//! value other than x0, the instruction will still attempt to write the unmodified value
//! back to the CSR and will cause any attendant side effects"), so on a read-only CSR they
//! raise illegal instruction (Privileged 2.1); with rs1 = x0 / uimm = 0 they do not.
//!
//! Known QEMU 7.2 deviation: it decides on the register's value, not its number.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{catch, cause, check_eq, entry, finish};

entry!(main);

fn main() -> u32 {
    let t = catch(|| unsafe { asm!(".4byte 0xf1452073", in("a0") 0) }); // csrrs x0, mhartid, a0
    check_eq!("csrrs mhartid, a0=0: cause", t.map_or(99, |t| t.cause), cause::ILLEGAL);
    check_eq!("csrrs mhartid, a0=0: tval", t.map_or(0, |t| t.tval), 0xf145_2073u64);
    let t = catch(|| unsafe { asm!(".4byte 0xc0053073", in("a0") 0) }); // csrrc x0, cycle, a0
    check_eq!("csrrc cycle, a0=0: cause", t.map_or(99, |t| t.cause), cause::ILLEGAL);
    let t = catch(|| unsafe { asm!("csrrs a0, mhartid, x0", out("a0") _) });
    check_eq!("csrrs mhartid, x0 does not trap", t.is_some(), false);
    let t = catch(|| unsafe { asm!("csrrci a0, cycle, 0", out("a0") _) });
    check_eq!("csrrci cycle, 0 does not trap", t.is_some(), false);
    finish("zicsr_rs1_nonzero")
}
