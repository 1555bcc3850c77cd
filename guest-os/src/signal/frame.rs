//! The signal frame on the user stack: Linux's riscv64 `struct rt_sigframe` (siginfo,
//! then `struct ucontext` whose `uc_mcontext` is `struct sigcontext`: pc, x1..x31, then
//! the D-extension state f[32] and fcsr), followed by the return trampoline `li a7, 139;
//! ecall` (as Linux builds it without an MMU; with one, Linux points ra at the vDSO's
//! `__vdso_rt_sigreturn`, which holds the same two instructions). Offsets are in
//! `abi::signal::frame`.
//!
//! The user stack is not executable, so the return to the trampoline traps (instruction
//! page fault); the trap handler recognises the two instructions at the faulting pc and
//! performs rt_sigreturn for them ([`is_trampoline`]). See docs/decisions.md.

use super::{Action, Info};
use crate::arch::trap::{self, reg, TrapFrame};
use crate::proc;
use abi::signal::frame::*;
use abi::signal::*;

fn put32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

fn get64(b: &[u8], off: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(w)
}

/// Fills a `siginfo_t` for `sig` (128 bytes).
pub fn siginfo(out: &mut [u8], sig: usize, info: &Info) {
    out[..SIGINFO_SIZE].fill(0);
    put32(out, 0, sig as u32);
    put32(out, 8, info.code as u32);
    match sig {
        SIGSEGV | SIGBUS | SIGILL | SIGTRAP | SIGFPE if info.code > 0 => put64(out, SI_ADDR, info.addr),
        SIGCHLD => {
            put32(out, SI_PID, info.pid as u32);
            put32(out, SI_STATUS, info.status as u32);
        }
        _ => put32(out, SI_PID, info.pid as u32),
    }
}

/// Where the frame goes: below the interrupted sp, or at the top of the alternate stack
/// for an SA_ONSTACK handler not already on it (Linux `get_sigframe`). None if the frame
/// would overflow the alternate stack it is already on.
fn frame_addr(slot: usize, sp: u64, act: &Action) -> (Option<u64>, u32) {
    let (on, base, size) = super::with(slot, |s| (s.alt_on, s.alt_sp, s.alt_size));
    let on_alt = on && sp > base && sp - base <= size;
    let flags = if !on {
        SS_DISABLE
    } else if on_alt {
        SS_ONSTACK
    } else {
        0
    };
    let top = if act.flags & SA_ONSTACK != 0 && on && !on_alt { base + size } else { sp };
    let f = top.wrapping_sub(SIZE as u64) & !0xf;
    if on_alt && f < base {
        return (None, flags);
    }
    (Some(f), flags)
}

/// Builds the frame for handler `act` of `sig` and points the registers at the handler
/// (a0 = sig, a1 = &info, a2 = &uc, sp = frame, ra = trampoline). `old_mask` is the mask
/// that rt_sigreturn restores. Err(frame address) if the frame cannot be written.
pub fn setup(tf: &mut TrapFrame, slot: usize, sig: usize, info: &Info, act: &Action, old_mask: u64) -> Result<(), u64> {
    let sp = tf.regs[reg::SP];
    let (addr, ss_flags) = frame_addr(slot, sp, act);
    let Some(f) = addr else { return Err(sp) };
    let mut b = [0u8; SIZE];
    siginfo(&mut b, sig, info);
    let uc = UC;
    let (alt_sp, alt_size) = super::with(slot, |s| (s.alt_sp, s.alt_size));
    put64(&mut b, uc + UC_STACK, alt_sp);
    put32(&mut b, uc + UC_STACK + 8, ss_flags);
    put64(&mut b, uc + UC_STACK + 16, alt_size);
    put64(&mut b, uc + UC_SIGMASK, old_mask);
    let mc = uc + UC_MCONTEXT;
    put64(&mut b, mc + SC_REGS, tf.sepc);
    for r in 1..32 {
        put64(&mut b, mc + SC_REGS + 8 * r, tf.regs[r]);
    }
    if proc::with_current(|p| p.fp_used) {
        trap::fp_save_if_dirty(slot);
        let (fregs, fcsr) = trap::fp_regs(slot);
        for (i, v) in fregs.iter().enumerate() {
            put64(&mut b, mc + SC_FPREGS + 8 * i, *v);
        }
        put32(&mut b, mc + SC_FCSR, fcsr as u32);
    }
    put32(&mut b, TRAMPOLINE, TRAMPOLINE_CODE[0]);
    put32(&mut b, TRAMPOLINE + 4, TRAMPOLINE_CODE[1]);
    let task = proc::current_task();
    task.lock().aspace.copy_out(f, &b).map_err(|_| f)?;
    tf.regs[reg::RA] = f + TRAMPOLINE as u64;
    tf.regs[reg::SP] = f;
    tf.regs[reg::A0] = sig as u64;
    tf.regs[reg::A1] = f;
    tf.regs[reg::A2] = f + UC as u64;
    tf.sepc = act.handler;
    Ok(())
}

/// rt_sigreturn: restores registers, FP state, mask and alternate stack from the frame
/// at sp. Err(frame address) if it cannot be read.
pub fn restore(tf: &mut TrapFrame, slot: usize) -> Result<(), u64> {
    let f = tf.regs[reg::SP];
    let mut b = [0u8; TRAMPOLINE];
    let task = proc::current_task();
    task.lock().aspace.copy_in(f, &mut b).map_err(|_| f)?;
    let uc = UC;
    let mask = get64(&b, uc + UC_SIGMASK) & !super::UNBLOCKABLE;
    let mc = uc + UC_MCONTEXT;
    tf.sepc = get64(&b, mc + SC_REGS);
    for r in 1..32 {
        tf.regs[r] = get64(&b, mc + SC_REGS + 8 * r);
    }
    if proc::with_current(|p| p.fp_used) {
        let mut fregs = [0u64; 32];
        for (i, v) in fregs.iter_mut().enumerate() {
            *v = get64(&b, mc + SC_FPREGS + 8 * i);
        }
        let fcsr = get64(&b, mc + SC_FCSR) & 0xff;
        trap::set_fp_regs(slot, &fregs, fcsr);
        proc::fp_invalidate(slot);
    }
    super::with(slot, |s| s.blocked = mask);
    // The alternate stack as the handler left it in uc_stack (Linux's restore_altstack:
    // applied as sigaltstack would, against the restored sp, errors ignored).
    let sp = get64(&b, uc + UC_STACK);
    let flags =
        u32::from_le_bytes([b[uc + UC_STACK + 8], b[uc + UC_STACK + 9], b[uc + UC_STACK + 10], b[uc + UC_STACK + 11]]);
    let size = get64(&b, uc + UC_STACK + 16);
    let task_sp = tf.regs[reg::SP];
    super::with(slot, |s| {
        let on_alt = s.alt_on && task_sp > s.alt_sp && task_sp - s.alt_sp <= s.alt_size;
        if on_alt || flags & !(SS_DISABLE | SS_ONSTACK) != 0 {
            return;
        }
        if flags & SS_DISABLE != 0 {
            s.alt_on = false;
            s.alt_sp = 0;
            s.alt_size = 0;
        } else if size >= MINSIGSTKSZ {
            s.alt_on = true;
            s.alt_sp = sp;
            s.alt_size = size;
        }
    });
    Ok(())
}

/// Are the two instructions at user address `pc` the return trampoline, on a present,
/// readable, not executable user page (a fetch there traps)? Faults nothing in outside
/// such a page, so an ordinary bad jump is left to the fault handler.
pub fn is_trampoline(pc: u64) -> bool {
    use crate::mm::pagetable::{PTE_R, PTE_U, PTE_V, PTE_X};
    if !pc.is_multiple_of(4) || pc % crate::mm::PAGE_SIZE > crate::mm::PAGE_SIZE - 8 {
        return false;
    }
    let task = proc::current_task();
    let mut t = task.lock();
    match t.aspace.pte_at(pc) {
        Some(pte) if pte & (PTE_V | PTE_R | PTE_U | PTE_X) != PTE_V | PTE_R | PTE_U => return false,
        Some(_) => {}
        // Not present (swapped out): a readable, not executable VMA is read in below.
        None => {
            if t.aspace.find_vma(pc).map(crate::mm::vm::perm).is_none_or(|p| p & PTE_R == 0 || p & PTE_X != 0) {
                return false;
            }
        }
    }
    let mut w = [0u8; 8];
    t.aspace.copy_in(pc, &mut w).is_ok()
        && w[..4] == TRAMPOLINE_CODE[0].to_le_bytes()
        && w[4..] == TRAMPOLINE_CODE[1].to_le_bytes()
}
