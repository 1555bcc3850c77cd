//! Trap handling (after `arch::trap` saved the registers): timer ticks, system calls, the
//! first-use FP trap, and faults the kernel cannot resolve, which become signals
//! (SIGSEGV, SIGBUS, SIGILL, SIGTRAP); one the process does not handle kills it with a
//! message naming pid, program, cause, address and pc. Pending signals are delivered on
//! the way back to user mode.

use crate::arch::csr;
use crate::arch::trap::TrapFrame;
use crate::{console, proc, syscall};
use abi::signal;

/// scause values (priv spec 10.1.9, table "Supervisor cause register values").
const INTERRUPT: u64 = 1 << 63;
const IRQ_SSOFT: u64 = 1;
const IRQ_STIMER: u64 = 5;
const EXC_ILLEGAL: u64 = 2;
const EXC_ECALL_U: u64 = 8;
const EXC_INSN_PAGE_FAULT: u64 = 12;

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

/// Signal, si_code and si_addr of an exception cause Linux turns into a signal
/// (arch/riscv/kernel/traps.c): misaligned accesses SIGBUS/BUS_ADRALN at the address,
/// illegal instructions SIGILL/ILL_ILLOPC and ebreak SIGTRAP/TRAP_BRKPT at the pc,
/// access faults SIGSEGV/SEGV_ACCERR at the address.
fn cause_signal(c: u64, stval: u64, pc: u64) -> (usize, i32, u64) {
    match c {
        2 => (signal::SIGILL, signal::ILL_ILLOPC, pc),
        3 => (signal::SIGTRAP, signal::TRAP_BRKPT, pc),
        0 | 4 | 6 => (signal::SIGBUS, signal::BUS_ADRALN, stval),
        _ => (signal::SIGSEGV, signal::SEGV_ACCERR, stval),
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
    } else if scause == EXC_INSN_PAGE_FAULT && crate::signal::trampoline_return(tf, csr::stval()) {
        // A handler returned to the signal trampoline on its (not executable) stack:
        // that is rt_sigreturn (signal/frame.rs, docs/decisions.md).
    } else if let Some(acc) = crate::mm::fault::Access::from_scause(scause) {
        // A page fault: demand paging, copy-on-write, stack growth (mm/fault.rs).
        let stval = csr::stval();
        let task = proc::current_task();
        let r = {
            let mut t = task.lock();
            let r = t.aspace.handle_fault(stval, acc);
            proc::update_current(None, None, t.aspace.pages);
            r
        };
        drop(task);
        if r == Err(crate::mm::fault::Fault::Retry) {
            // The OOM killer chose another process: let it run and exit, then the
            // faulting instruction is retried (mm/oom.rs).
            proc::yield_now();
        } else if let Err(f) = r {
            use crate::mm::fault::Fault;
            let (sig, code) = match f {
                Fault::Bus | Fault::SwapIo => (signal::SIGBUS, signal::BUS_ADRERR),
                Fault::Oom => (signal::SIGKILL, signal::SI_KERNEL),
                Fault::NoMapping => (signal::SIGSEGV, signal::SEGV_MAPERR),
                _ => (signal::SIGSEGV, signal::SEGV_ACCERR),
            };
            crate::signal::fault(tf, sig, code, stval, stval, cause_name(scause), f.describe());
        }
    } else {
        let stval = csr::stval();
        let (sig, code, addr) = cause_signal(scause, stval, tf.sepc);
        crate::signal::fault(tf, sig, code, addr, stval, cause_name(scause), "");
    }
    crate::signal::deliver(tf);
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
