//! Running under an SBI firmware (RISC-V SBI spec v2.0): the timer extension ("TIME",
//! chapter 6) replaces the M-mode CLINT trampoline, `time` is read with `rdtime`, and the
//! system reset extension ("SRST", chapter 10) powers off.

use core::arch::asm;
use core::sync::atomic::{AtomicBool, Ordering};

static ACTIVE: AtomicBool = AtomicBool::new(false);

const EID_TIME: u64 = 0x5449_4D45;
const EID_SRST: u64 = 0x5352_5354;

/// Marks that the kernel was entered by SBI firmware.
pub fn set_active() {
    ACTIVE.store(true, Ordering::Relaxed);
}

/// Was the kernel entered by SBI firmware?
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

fn ecall(eid: u64, fid: u64, a0: u64, a1: u64) -> (i64, u64) {
    let (err, val);
    // SAFETY: an SBI call; the firmware only changes a0/a1 (SBI spec 3, binary encoding).
    unsafe {
        asm!("ecall", inlateout("a0") a0 => err, inlateout("a1") a1 => val, in("a6") fid, in("a7") eid);
    }
    (err, val)
}

/// Programs the next timer interrupt (STIP) for `time` >= `when`; also clears STIP.
pub fn set_timer(when: u64) {
    ecall(EID_TIME, 0, when, 0);
}

/// Reads the `time` CSR.
pub fn rdtime() -> u64 {
    let t: u64;
    // SAFETY: reading `time` (the firmware enables it through mcounteren).
    unsafe { asm!("rdtime {0}", out(reg) t) };
    t
}

/// Shuts the system down (reason "system failure" if `failure`).
pub fn system_reset(failure: bool) {
    ecall(EID_SRST, 0, 0, failure as u64);
}
