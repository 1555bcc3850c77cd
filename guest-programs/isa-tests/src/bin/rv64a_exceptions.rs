//! Exceptions of LR/SC/AMOs. Misaligned LR/SC/AMOs (Unprivileged, "A" chapter 8.2/8.4): "If the address is not
//! naturally aligned, an address-misaligned exception or an access-fault exception will be
//! generated", with the store/AMO cause for SC and AMOs and the load cause for LR
//! (Privileged table 3.6), and no memory change. An AMO to an address with no memory
//! raises store/AMO access fault (cause 7) with the address in mtval.
//!
//! Known QEMU 7.2 deviations (QEMU bugs, fixed in later QEMU): it reports misaligned AMOs
//! as *load* address misaligned (cause 4), AMO access faults as load access faults
//! (cause 5), and lets a misaligned SC fail without trapping.
#![no_std]
#![no_main]

use core::arch::asm;
use core::ptr::{read_volatile, write_volatile};
use isa_tests::{catch, cause, check_eq, csrw, entry, finish, run_lower, Mode, UNMAPPED};

entry!(main);

#[repr(C, align(64))]
struct Mem([u64; 8]);
static mut MEM: Mem = Mem([0; 8]);

fn addr(i: usize) -> u64 {
    core::ptr::addr_of_mut!(MEM) as u64 + 8 * i as u64
}
fn set(i: usize, v: u64) {
    unsafe { write_volatile(addr(i) as *mut u64, v) }
}
fn get(i: usize) -> u64 {
    unsafe { read_volatile(addr(i) as *const u64) }
}

/// In U with causes 4-7 delegated: the misaligned AMO and the AMO access fault trap to S.
extern "C" fn u_part() {
    let a = addr(6) + 4;
    let t = catch(|| unsafe { asm!("amoor.d {r}, {s}, ({a})", r = out(reg) _, s = in(reg) 1u64, a = in(reg) a) });
    check_eq!("delegated misaligned AMO: scause", t.map_or(99, |t| t.cause), cause::STORE_MISALIGNED);
    check_eq!("delegated misaligned AMO: stval", t.map_or(0, |t| t.tval), a);
    check_eq!("delegated misaligned AMO: taken in S", t.map_or(0, |t| t.taken_in), 1);
    let t =
        catch(|| unsafe { asm!("amoor.w {r}, {s}, ({a})", r = out(reg) _, s = in(reg) 1u64, a = in(reg) UNMAPPED) });
    check_eq!("delegated AMO access fault: scause", t.map_or(99, |t| t.cause), cause::STORE_ACCESS);
    check_eq!("delegated AMO access fault: taken in S", t.map_or(0, |t| t.taken_in), 1);
    let t = catch(|| unsafe { asm!("lr.w {r}, ({a})", r = out(reg) _, a = in(reg) a + 2) });
    check_eq!("delegated misaligned LR: scause", t.map_or(99, |t| t.cause), cause::LOAD_MISALIGNED);
}

fn main() -> u32 {
    // Misaligned AMOs raise address-misaligned (store/AMO for SC and AMOs, load for LR)
    // rather than completing (A chapter, "Atomic Memory Operations": misaligned AMOs may
    // raise address-misaligned or access-fault; QEMU and rvsim raise misaligned).
    set(6, 0);
    set(7, 0);
    let a = addr(6) + 4;
    let t = catch(|| unsafe { asm!("amoadd.d {r}, {s}, ({a})", r = out(reg) _, s = in(reg) 1u64, a = in(reg) a) });
    check_eq!("amoadd.d misaligned cause", t.map_or(99, |t| t.cause), cause::STORE_MISALIGNED);
    check_eq!("amoadd.d misaligned tval", t.map_or(0, |t| t.tval), a);
    check_eq!("misaligned amo leaves memory", get(6) | get(7), 0);
    let a = addr(6) + 2;
    let t = catch(|| unsafe { asm!("amoswap.w {r}, {s}, ({a})", r = out(reg) _, s = in(reg) 1u64, a = in(reg) a) });
    check_eq!("amoswap.w misaligned cause", t.map_or(99, |t| t.cause), cause::STORE_MISALIGNED);
    check_eq!("amoswap.w misaligned tval", t.map_or(0, |t| t.tval), a);
    let a = addr(6) + 1;
    let t = catch(|| unsafe { asm!("lr.w {r}, ({a})", r = out(reg) _, a = in(reg) a) });
    check_eq!("lr.w misaligned cause", t.map_or(99, |t| t.cause), cause::LOAD_MISALIGNED);
    check_eq!("lr.w misaligned tval", t.map_or(0, |t| t.tval), a);
    let a = addr(6) + 4;
    let t = catch(|| unsafe { asm!("lr.d {r}, ({a})", r = out(reg) _, a = in(reg) a) });
    check_eq!("lr.d misaligned cause", t.map_or(99, |t| t.cause), cause::LOAD_MISALIGNED);
    let t = catch(|| unsafe { asm!("sc.d {r}, {s}, ({a})", r = out(reg) _, s = in(reg) 1u64, a = in(reg) a) });
    check_eq!("sc.d misaligned cause", t.map_or(99, |t| t.cause), cause::STORE_MISALIGNED);
    check_eq!("misaligned sc leaves memory", get(6) | get(7), 0);
    for a in [UNMAPPED, 0x9000_0000] {
        let t = catch(|| unsafe { asm!("amoadd.w {r}, {r}, ({a})", r = out(reg) _, a = in(reg) a) });
        check_eq!("amoadd.w unmapped cause", t.map_or(99, |t| t.cause), cause::STORE_ACCESS);
        check_eq!("amoadd.w unmapped tval", t.map_or(0, |t| t.tval), a);
        let t = catch(|| unsafe { asm!("amoswap.d {r}, {r}, ({a})", r = out(reg) _, a = in(reg) a) });
        check_eq!("amoswap.d unmapped cause", t.map_or(99, |t| t.cause), cause::STORE_ACCESS);
        let t = catch(|| unsafe { asm!("lr.d {r}, ({a})", r = out(reg) _, a = in(reg) a) });
        check_eq!("lr.d unmapped cause", t.map_or(99, |t| t.cause), cause::LOAD_ACCESS);
        check_eq!("lr.d unmapped tval", t.map_or(0, |t| t.tval), a);
    }
    csrw!(medeleg, 0xf0);
    run_lower(Mode::User, u_part, 0);
    csrw!(medeleg, 0);
    finish("rv64a_exceptions")
}
