//! Trap entry/exit and the context switch.
//!
//! One vector (`trap_vector`, direct mode) serves both origins, told apart by `sscratch`:
//! in U-mode it holds the process's [`TrapFrame`] address, in the kernel it is 0.
//! - From U: all registers go to the trap frame, the stack switches to the process's
//!   kernel stack, and `user_trap_entry` runs [`crate::trap::user_trap`]; the way back is
//!   [`return_to_user`], which reloads the frame and `sret`s. The kernel stack is empty
//!   again at each entry from U.
//! - From S: caller-saved registers are pushed on the current kernel stack and
//!   [`crate::trap::kernel_trap`] runs (the kernel is never interrupted, so this is a
//!   kernel bug or a stray interrupt).
//!
//! The kernel shares every process's page table (its gigapages are in every root), so no
//! `satp` switch is needed on entry.

use super::{Racy, KSTACK_SIZE, NPROC};
use core::arch::global_asm;

/// User registers saved on a trap from U-mode.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TrapFrame {
    /// x0..x31 (x0 unused).
    pub regs: [u64; 32],
    /// The user pc to resume at.
    pub sepc: u64,
    /// Top of this process's kernel stack.
    pub kernel_sp: u64,
}

impl TrapFrame {
    /// A frame with all registers zero.
    pub const fn zeroed() -> TrapFrame {
        TrapFrame { regs: [0; 32], sepc: 0, kernel_sp: 0 }
    }
}

/// Register indices by ABI name.
pub mod reg {
    pub const RA: usize = 1;
    pub const SP: usize = 2;
    pub const A0: usize = 10;
    pub const A1: usize = 11;
    pub const A2: usize = 12;
    pub const A3: usize = 13;
    pub const A4: usize = 14;
    pub const A5: usize = 15;
    pub const A7: usize = 17;
}

/// Callee-saved registers of a kernel thread, saved by `swtch`.
#[repr(C)]
#[derive(Clone, Copy)]
struct Context {
    ra: u64,
    sp: u64,
    s: [u64; 12],
}

/// F registers and fcsr of a process.
#[repr(C)]
#[derive(Clone, Copy)]
struct FpState {
    f: [u64; 32],
    fcsr: u64,
}

#[repr(C, align(16))]
struct KStack([u8; KSTACK_SIZE]);

const CTX0: Context = Context { ra: 0, sp: 0, s: [0; 12] };
const TF0: TrapFrame = TrapFrame::zeroed();
const FP0: FpState = FpState { f: [0; 32], fcsr: 0 };
/// Index of the scheduler's context in `CONTEXTS`.
const SCHED: usize = NPROC;

static TRAPFRAMES: Racy<[TrapFrame; NPROC]> = Racy::new([TF0; NPROC]);
static CONTEXTS: Racy<[Context; NPROC + 1]> = Racy::new([CTX0; NPROC + 1]);
static FPSTATE: Racy<[FpState; NPROC]> = Racy::new([FP0; NPROC]);
static KSTACKS: Racy<[KStack; NPROC]> = Racy::new([const { KStack([0; KSTACK_SIZE]) }; NPROC]);

global_asm!(
    r#"
    .section .text
    .align 4
    .globl trap_vector
trap_vector:
    csrrw sp, sscratch, sp
    beqz sp, 1f
    sd ra, 8(sp)
    sd gp, 24(sp)
    sd tp, 32(sp)
    sd t0, 40(sp)
    sd t1, 48(sp)
    sd t2, 56(sp)
    sd s0, 64(sp)
    sd s1, 72(sp)
    sd a0, 80(sp)
    sd a1, 88(sp)
    sd a2, 96(sp)
    sd a3, 104(sp)
    sd a4, 112(sp)
    sd a5, 120(sp)
    sd a6, 128(sp)
    sd a7, 136(sp)
    sd s2, 144(sp)
    sd s3, 152(sp)
    sd s4, 160(sp)
    sd s5, 168(sp)
    sd s6, 176(sp)
    sd s7, 184(sp)
    sd s8, 192(sp)
    sd s9, 200(sp)
    sd s10, 208(sp)
    sd s11, 216(sp)
    sd t3, 224(sp)
    sd t4, 232(sp)
    sd t5, 240(sp)
    sd t6, 248(sp)
    csrr t0, sscratch
    sd t0, 16(sp)
    csrw sscratch, zero
    csrr t0, sepc
    sd t0, 256(sp)
    mv a0, sp
    ld sp, 264(sp)
    call user_trap_entry
2:  j 2b

1:  csrrw sp, sscratch, sp
    addi sp, sp, -144
    sd ra, 0(sp)
    sd t0, 8(sp)
    sd t1, 16(sp)
    sd t2, 24(sp)
    sd a0, 32(sp)
    sd a1, 40(sp)
    sd a2, 48(sp)
    sd a3, 56(sp)
    sd a4, 64(sp)
    sd a5, 72(sp)
    sd a6, 80(sp)
    sd a7, 88(sp)
    sd t3, 96(sp)
    sd t4, 104(sp)
    sd t5, 112(sp)
    sd t6, 120(sp)
    call kernel_trap_entry
    ld ra, 0(sp)
    ld t0, 8(sp)
    ld t1, 16(sp)
    ld t2, 24(sp)
    ld a0, 32(sp)
    ld a1, 40(sp)
    ld a2, 48(sp)
    ld a3, 56(sp)
    ld a4, 64(sp)
    ld a5, 72(sp)
    ld a6, 80(sp)
    ld a7, 88(sp)
    ld t3, 96(sp)
    ld t4, 104(sp)
    ld t5, 112(sp)
    ld t6, 120(sp)
    addi sp, sp, 144
    sret

    # userret(a0 = trap frame): restore the user registers and sret.
    .globl userret
userret:
    ld t0, 256(a0)
    csrw sepc, t0
    csrw sscratch, a0
    ld ra, 8(a0)
    ld sp, 16(a0)
    ld gp, 24(a0)
    ld tp, 32(a0)
    ld t0, 40(a0)
    ld t1, 48(a0)
    ld t2, 56(a0)
    ld s0, 64(a0)
    ld s1, 72(a0)
    ld a1, 88(a0)
    ld a2, 96(a0)
    ld a3, 104(a0)
    ld a4, 112(a0)
    ld a5, 120(a0)
    ld a6, 128(a0)
    ld a7, 136(a0)
    ld s2, 144(a0)
    ld s3, 152(a0)
    ld s4, 160(a0)
    ld s5, 168(a0)
    ld s6, 176(a0)
    ld s7, 184(a0)
    ld s8, 192(a0)
    ld s9, 200(a0)
    ld s10, 208(a0)
    ld s11, 216(a0)
    ld t3, 224(a0)
    ld t4, 232(a0)
    ld t5, 240(a0)
    ld t6, 248(a0)
    ld a0, 80(a0)
    sret

    # swtch(a0 = old context, a1 = new context)
    .globl swtch
swtch:
    sd ra, 0(a0)
    sd sp, 8(a0)
    sd s0, 16(a0)
    sd s1, 24(a0)
    sd s2, 32(a0)
    sd s3, 40(a0)
    sd s4, 48(a0)
    sd s5, 56(a0)
    sd s6, 64(a0)
    sd s7, 72(a0)
    sd s8, 80(a0)
    sd s9, 88(a0)
    sd s10, 96(a0)
    sd s11, 104(a0)
    ld ra, 0(a1)
    ld sp, 8(a1)
    ld s0, 16(a1)
    ld s1, 24(a1)
    ld s2, 32(a1)
    ld s3, 40(a1)
    ld s4, 48(a1)
    ld s5, 56(a1)
    ld s6, 64(a1)
    ld s7, 72(a1)
    ld s8, 80(a1)
    ld s9, 88(a1)
    ld s10, 96(a1)
    ld s11, 104(a1)
    ret

    # The F/D instructions below are assembled with D enabled explicitly (module-level
    # asm does not inherit the target's features under LTO).
    .option push
    .option arch, +d

    # fp_save(a0 = FpState): FS must not be Off.
    .globl fp_save
fp_save:
    fsd f0, 0(a0)
    fsd f1, 8(a0)
    fsd f2, 16(a0)
    fsd f3, 24(a0)
    fsd f4, 32(a0)
    fsd f5, 40(a0)
    fsd f6, 48(a0)
    fsd f7, 56(a0)
    fsd f8, 64(a0)
    fsd f9, 72(a0)
    fsd f10, 80(a0)
    fsd f11, 88(a0)
    fsd f12, 96(a0)
    fsd f13, 104(a0)
    fsd f14, 112(a0)
    fsd f15, 120(a0)
    fsd f16, 128(a0)
    fsd f17, 136(a0)
    fsd f18, 144(a0)
    fsd f19, 152(a0)
    fsd f20, 160(a0)
    fsd f21, 168(a0)
    fsd f22, 176(a0)
    fsd f23, 184(a0)
    fsd f24, 192(a0)
    fsd f25, 200(a0)
    fsd f26, 208(a0)
    fsd f27, 216(a0)
    fsd f28, 224(a0)
    fsd f29, 232(a0)
    fsd f30, 240(a0)
    fsd f31, 248(a0)
    frcsr t0
    sd t0, 256(a0)
    ret

    # fp_restore(a0 = FpState): FS must not be Off.
    .globl fp_restore
fp_restore:
    fld f0, 0(a0)
    fld f1, 8(a0)
    fld f2, 16(a0)
    fld f3, 24(a0)
    fld f4, 32(a0)
    fld f5, 40(a0)
    fld f6, 48(a0)
    fld f7, 56(a0)
    fld f8, 64(a0)
    fld f9, 72(a0)
    fld f10, 80(a0)
    fld f11, 88(a0)
    fld f12, 96(a0)
    fld f13, 104(a0)
    fld f14, 112(a0)
    fld f15, 120(a0)
    fld f16, 128(a0)
    fld f17, 136(a0)
    fld f18, 144(a0)
    fld f19, 152(a0)
    fld f20, 160(a0)
    fld f21, 168(a0)
    fld f22, 176(a0)
    fld f23, 184(a0)
    fld f24, 192(a0)
    fld f25, 200(a0)
    fld f26, 208(a0)
    fld f27, 216(a0)
    fld f28, 224(a0)
    fld f29, 232(a0)
    fld f30, 240(a0)
    fld f31, 248(a0)
    ld t0, 256(a0)
    fscsr t0
    ret
    .option pop
"#
);

extern "C" {
    fn trap_vector();
    fn userret(tf: *mut TrapFrame) -> !;
    fn swtch(old: *mut Context, new: *const Context);
    fn fp_save(st: *mut FpState);
    fn fp_restore(st: *const FpState);
}

/// Points `stvec` at the trap vector and marks "in kernel" (`sscratch` = 0).
pub fn init_hart() {
    super::csr::set_stvec(trap_vector as *const () as u64);
    super::csr::set_sscratch(0);
}

#[no_mangle]
extern "C" fn user_trap_entry(tf: *mut TrapFrame) -> ! {
    // SAFETY: `tf` is this process's frame in TRAPFRAMES, just filled by trap_vector;
    // only this process's kernel thread touches it.
    let tf = unsafe { &mut *tf };
    crate::trap::user_trap(tf);
    crate::trap::before_user_return();
    let tf = tf as *mut TrapFrame;
    // SAFETY: the frame holds the user state to resume.
    unsafe { userret(tf) }
}

#[no_mangle]
extern "C" fn kernel_trap_entry() {
    crate::trap::kernel_trap();
}

/// Returns to U-mode in process `slot` with the registers of its trap frame. sstatus must
/// already say SPP = U, SPIE = 1 (see `crate::trap::before_user_return`).
pub fn return_to_user(slot: usize) -> ! {
    // SAFETY: slot < NPROC (callers pass a slot index from the process table).
    let tf = unsafe { core::ptr::addr_of_mut!((*TRAPFRAMES.get())[slot]) };
    // SAFETY: the frame holds the user state to resume.
    unsafe { userret(tf) }
}

/// Runs `f` on the trap frame of `slot` (which must not be the one currently borrowed by
/// a running trap handler).
pub fn with_trapframe<R>(slot: usize, f: impl FnOnce(&mut TrapFrame) -> R) -> R {
    assert!(slot < NPROC);
    // SAFETY: single hart; each slot's frame is only borrowed by its own process or by
    // the parent setting up a fresh child, never both at once.
    let tf = unsafe { &mut (*TRAPFRAMES.get())[slot] };
    f(tf)
}

/// Top of the kernel stack of `slot`.
pub fn kstack_top(slot: usize) -> u64 {
    assert!(slot < NPROC);
    // SAFETY: only the address is computed.
    let base = unsafe { core::ptr::addr_of!((*KSTACKS.get())[slot]) } as u64;
    base + KSTACK_SIZE as u64
}

extern "C" fn first_entry() -> ! {
    crate::proc::first_run()
}

/// Prepares `slot` so that switching to it starts `proc::first_run` on its kernel stack.
pub fn init_context(slot: usize) {
    assert!(slot < NPROC);
    let top = kstack_top(slot);
    // SAFETY: single hart; the slot is not running (it is being created).
    unsafe {
        let c = &mut (*CONTEXTS.get())[slot];
        *c = CTX0;
        c.ra = first_entry as *const () as u64;
        c.sp = top;
        (*TRAPFRAMES.get())[slot].kernel_sp = top;
        (*FPSTATE.get())[slot] = FP0;
    }
}

/// Switches from the scheduler to process `slot`; returns when it switches back.
pub fn switch_to_proc(slot: usize) {
    assert!(slot < NPROC);
    // SAFETY: single hart; both contexts are valid and distinct.
    unsafe {
        let ctx = CONTEXTS.get() as *mut Context;
        swtch(ctx.add(SCHED), ctx.add(slot));
    }
}

/// Switches from process `slot` back to the scheduler; returns when it is scheduled again.
pub fn switch_to_scheduler(slot: usize) {
    assert!(slot < NPROC);
    // SAFETY: single hart; both contexts are valid and distinct.
    unsafe {
        let ctx = CONTEXTS.get() as *mut Context;
        swtch(ctx.add(slot), ctx.add(SCHED));
    }
}

/// Saves the FP registers of the running process into `slot`'s area if sstatus.FS is
/// Dirty, leaving FS Clean. Returns whether it saved.
pub fn fp_save_if_dirty(slot: usize) -> bool {
    use super::csr;
    if csr::fs() != csr::FS_DIRTY {
        return false;
    }
    // SAFETY: FS is on (Dirty), so FP instructions are legal; the slot area is ours.
    unsafe { fp_save(core::ptr::addr_of_mut!((*FPSTATE.get())[slot])) };
    csr::set_fs(csr::FS_CLEAN);
    true
}

/// Loads `slot`'s FP registers and leaves sstatus.FS Clean.
pub fn fp_load(slot: usize) {
    use super::csr;
    assert!(slot < NPROC);
    csr::set_fs(csr::FS_DIRTY);
    // SAFETY: FS is on; the slot area is initialised.
    unsafe { fp_restore(core::ptr::addr_of!((*FPSTATE.get())[slot])) };
    csr::set_fs(csr::FS_CLEAN);
}

/// Copies `from`'s saved FP state to `to` (fork).
pub fn fp_copy(from: usize, to: usize) {
    assert!(from < NPROC && to < NPROC);
    // SAFETY: single hart, distinct slots.
    unsafe {
        let a = FPSTATE.get() as *mut FpState;
        *a.add(to) = *a.add(from);
    }
}

/// The saved FP registers and fcsr of `slot` (as of its last save).
pub fn fp_regs(slot: usize) -> ([u64; 32], u64) {
    assert!(slot < NPROC);
    // SAFETY: single hart; only this slot's own kernel thread reads it here.
    let st = unsafe { (*FPSTATE.get())[slot] };
    (st.f, st.fcsr)
}

/// Replaces the saved FP registers of `slot` (rt_sigreturn); the caller makes sure they
/// are loaded before the return to user mode (`proc::fp_invalidate`).
pub fn set_fp_regs(slot: usize, f: &[u64; 32], fcsr: u64) {
    assert!(slot < NPROC);
    // SAFETY: single hart; only this slot's own kernel thread writes it here.
    unsafe { (*FPSTATE.get())[slot] = FpState { f: *f, fcsr } };
}
