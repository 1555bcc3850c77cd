//! Trap handling (after `arch::trap` saved the registers): timer ticks, system calls, the
//! first-use FP trap, and faults the kernel cannot resolve, which kill the process with a
//! message naming pid, program, cause, address and pc.

use crate::arch::csr;
use crate::arch::trap::TrapFrame;
use crate::mm::fault::{self, Access};
use crate::{console, kprintln, proc, syscall};
use abi::signal;

/// scause values (priv spec 10.1.9, table "Supervisor cause register values").
const INTERRUPT: u64 = 1 << 63;
const IRQ_SSOFT: u64 = 1;
const IRQ_STIMER: u64 = 5;
const EXC_ILLEGAL: u64 = 2;
const EXC_ECALL_U: u64 = 8;
const EXC_FETCH_PAGE: u64 = 12;
const EXC_LOAD_PAGE: u64 = 13;
const EXC_STORE_PAGE: u64 = 15;

fn cause_name(c: u64) -> &'static str {
    match c {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store address misaligned",
        7 => "store access fault",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store page fault",
        _ => "unknown exception",
    }
}

fn cause_signal(c: u64) -> i32 {
    match c {
        2 => 4,         // SIGILL
        3 => 5,         // SIGTRAP
        0 | 4 | 6 => 7, // SIGBUS
        _ => signal::SIGSEGV as i32,
    }
}

/// Handles a trap from U-mode.
pub fn user_trap(tf: &mut TrapFrame) {
    let scause = csr::scause();
    if scause & INTERRUPT != 0 {
        let irq = scause & !INTERRUPT;
        if irq == IRQ_SSOFT || irq == IRQ_STIMER {
            if irq == IRQ_SSOFT {
                csr::clear_ssip();
            } else {
                crate::time::arm_tick();
            }
            proc::tick();
            console::poll();
            proc::yield_now();
        }
    } else if scause == EXC_ECALL_U {
        tf.sepc += 4;
        syscall::syscall(tf);
    } else if scause == EXC_ILLEGAL && csr::fs() == csr::FS_OFF && !proc::with_current(|p| p.fp_used) {
        // First FP instruction of this process: give it an FP context and retry.
        proc::set_fp_used(true);
    } else {
        let stval = csr::stval();
        let access = match scause {
            EXC_FETCH_PAGE => Some(Access::Fetch),
            EXC_LOAD_PAGE => Some(Access::Load),
            EXC_STORE_PAGE => Some(Access::Store),
            _ => None,
        };
        let why = match access {
            Some(a) => {
                let task = proc::current_task();
                let r = fault::handle(&mut task.lock().aspace, stval, a);
                match r {
                    Ok(()) => return,
                    Err(u) => u.describe(),
                }
            }
            None => "",
        };
        let (pid, name) = proc::with_current(|p| (p.pid, p.name));
        let len = name.iter().position(|&c| c == 0).unwrap_or(name.len());
        let (open, close) = if why.is_empty() { ("", "") } else { (" (", ")") };
        kprintln!(
            "pid {pid} ({}): {} at {stval:#x}{open}{why}{close}, pc {:#x}: killed",
            core::str::from_utf8(&name[..len]).unwrap_or("?"),
            cause_name(scause),
            tf.sepc
        );
        proc::with_current(|p| {
            p.killed.get_or_insert(cause_signal(scause));
        });
    }
    if let Some(sig) = proc::with_current(|p| p.killed) {
        proc::exit(signal::signal_status(sig));
    }
}

/// Sets sstatus for the return to U-mode (SPP = U, SPIE = 1) and the FP unit: Off for a
/// process that never used it, else its registers loaded (if another process's are in
/// the register file) and FS Clean.
pub fn before_user_return() {
    let slot = proc::current_slot();
    let s = csr::sstatus();
    csr::set_sstatus((s & !(csr::SSTATUS_SPP | csr::SSTATUS_SIE)) | csr::SSTATUS_SPIE);
    let (used, loaded) = proc::take_fp_ownership(slot);
    if !used {
        csr::set_fs(csr::FS_OFF);
    } else if !loaded {
        crate::arch::trap::fp_load(slot);
    } else if csr::fs() == csr::FS_OFF {
        csr::set_fs(csr::FS_CLEAN);
    }
}

/// A trap taken in S-mode: the kernel never enables interrupts and never faults on
/// purpose, so this is a bug.
pub fn kernel_trap() {
    let scause = csr::scause();
    if scause & INTERRUPT != 0 {
        // A stray interrupt (should not happen with SIE = 0): the scheduler polls ticks.
        return;
    }
    // A device probe that found nothing (load access fault) resumes after the load.
    if (scause == 5 || scause == 13) && crate::arch::probe_fixup() {
        return;
    }
    panic!("kernel trap: {} (scause {scause:#x}) at {:#x}, pc {:#x}", cause_name(scause), csr::stval(), csr::sepc());
}
