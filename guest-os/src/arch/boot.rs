//! The boot path. `-bios none` (QEMU and rvsim) enters `_start` at 0x8000_0000 in M-mode
//! with a0 = hartid and a1 = the device tree. M-mode code here:
//! - opens PMP for everything (priv spec 3.7: with no PMP entry, S/U accesses fail),
//! - delegates exceptions and S-level interrupts to S-mode (priv spec 3.1.8),
//! - programs the CLINT timer and installs `mtimer_vec`, which on each machine timer
//!   interrupt re-arms `mtimecmp` and raises the supervisor *software* interrupt (SSIP):
//!   S-mode can clear SSIP itself, while STIP is read-only to it without Sstc (xv6 does the same),
//! - enables Sstc for S-mode (menvcfg.STCE) when the hart has it; the kernel then
//!   programs `stimecmp` itself and retires the trampoline (see `time::use_sstc`),
//! - and `mret`s to [`crate::kmain`] in S-mode with paging off.
//!
//! Other harts park in `wfi`.
//!
//! The `kernel-sbi` build (linked at 0x8020_0000, `__sbi_boot = 1`) is instead entered in
//! S-mode by an SBI firmware with a0 = hartid and a1 = the device tree; it skips the
//! M-mode setup and uses the SBI timer and reset calls (see [`super::sbi`]).

use super::Racy;
use core::arch::{asm, global_asm};

/// Timer period in `mtime` ticks (10 ms at QEMU's 10 MHz; 100k instructions on rvsim).
pub const TICK_INTERVAL: u64 = 100_000;

/// Boot stack (used by M-mode setup, then by the S-mode scheduler).
pub const BOOT_STACK_SIZE: usize = 64 * 1024;
#[repr(C, align(16))]
struct Stack([u8; BOOT_STACK_SIZE]);
#[no_mangle]
static BOOT_STACK: Racy<Stack> = Racy::new(Stack([0; BOOT_STACK_SIZE]));

/// Scratch area of `mtimer_vec`: saved t1..t3, &mtimecmp, interval, &mtime, probe flag.
#[no_mangle]
static MTIMER_SCRATCH: Racy<[u64; 7]> = Racy::new([0; 7]);

/// Did M-mode enable Sstc for S-mode (menvcfg.STCE, priv spec 3.1.18)?
static STCE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Whether S-mode may use `stimecmp` (set during the M-mode boot).
pub fn stce_enabled() -> bool {
    STCE.load(core::sync::atomic::Ordering::Relaxed)
}

global_asm!(
    r#"
    .section .text.init, "ax"
    .globl _start
_start:
    lui t0, %hi(__sbi_boot)
    addi t0, t0, %lo(__sbi_boot)
    bnez t0, 4f
    csrr t0, mhartid
    bnez t0, 3f
    la sp, BOOT_STACK
    li t0, {stack_size}
    add sp, sp, t0
    mv s0, a0
    mv s1, a1
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  mv a0, s0
    mv a1, s1
    call mstart
3:  wfi
    j 3b

    # Under SBI firmware: already in S-mode, a0 = hartid, a1 = DTB.
4:  la sp, BOOT_STACK
    li t0, {stack_size}
    add sp, sp, t0
    mv s0, a0
    mv s1, a1
    la t0, __bss_start
    la t1, __bss_end
5:  bgeu t0, t1, 6f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 5b
6:  mv a0, s0
    mv a1, s1
    call sbi_start
    j 3b

    .section .text
    .align 4
    .globl mtimer_vec
mtimer_vec:
    csrrw t0, mscratch, t0
    sd t1, 0(t0)
    sd t2, 8(t0)
    sd t3, 16(t0)
    csrr t1, mcause
    bgez t1, 8f
    ld t1, 40(t0)
    ld t2, 0(t1)
    ld t3, 32(t0)
    add t2, t2, t3
    ld t1, 24(t0)
    sd t2, 0(t1)
    li t1, 2
    csrs mip, t1
    ld t1, 0(t0)
    ld t2, 8(t0)
    ld t3, 16(t0)
    csrrw t0, mscratch, t0
    mret
    # An exception in M-mode: expected only while `mstart` probes a CSR (flag non-zero
    # in scratch[6]): record it (flag 2) and skip the 4-byte CSR instruction.
8:  ld t2, 48(t0)
    beqz t2, 9f
    li t2, 2
    sd t2, 48(t0)
    csrr t2, mepc
    addi t2, t2, 4
    csrw mepc, t2
    ld t1, 0(t0)
    ld t2, 8(t0)
    ld t3, 16(t0)
    csrrw t0, mscratch, t0
    mret
9:  li t1, {finisher}
    li t2, {fail}
    sw t2, 0(t1)
    j 9b
"#,
    stack_size = const BOOT_STACK_SIZE,
    finisher = const abi::mmio::FINISHER,
    fail = const ((0xfe << 16) | abi::mmio::FINISHER_FAIL),
);

extern "C" {
    fn mtimer_vec();
}

/// M-mode setup, then `mret` into `kmain(hartid, dtb)` in S-mode.
#[no_mangle]
extern "C" fn mstart(hartid: u64, dtb: u64) -> ! {
    // SAFETY: runs once, in M-mode, before S-mode exists; nothing else reads the scratch.
    unsafe {
        let s = &mut *MTIMER_SCRATCH.get();
        s[3] = abi::mmio::CLINT_MTIMECMP + 8 * hartid;
        s[4] = TICK_INTERVAL;
        s[5] = abi::mmio::CLINT_MTIME;
    }
    let scratch = MTIMER_SCRATCH.get() as u64;
    let kmain = crate::kmain as *const () as u64;
    // mstatus.MPP = S (01), priv spec 3.1.6.1.
    let mpp_mask: u64 = 3 << 11;
    let mpp_s: u64 = 1 << 11;
    // Delegate every exception except ecall from S and M (9, 11) and the S-level
    // interrupts (SSIP 1, STIP 5, SEIP 9).
    let medeleg: u64 = 0xffff & !((1 << 9) | (1 << 11));
    let mideleg: u64 = (1 << 1) | (1 << 5) | (1 << 9);
    let mie_mtie: u64 = 1 << 7;
    // PMP entry 0: NAPOT over the whole address space, RWX (priv spec 3.7.1).
    let pmpcfg: u64 = 0x18 | 0x7;
    let now = super::mmio_read64(abi::mmio::CLINT_MTIME);
    // SAFETY: M-mode configuration of this hart before entering S-mode; the values are
    // the documented settings above and kmain is an S-mode entry that never returns.
    unsafe {
        core::ptr::write_volatile((abi::mmio::CLINT_MTIMECMP + 8 * hartid) as *mut u64, now + TICK_INTERVAL);
        asm!(
            "csrw pmpaddr0, {all}",
            "csrw pmpcfg0, {pmpcfg}",
            "csrw satp, zero",
            "csrw medeleg, {medeleg}",
            "csrw mideleg, {mideleg}",
            "csrw mtvec, {mtvec}",
            "csrw mscratch, {scratch}",
            "csrw mie, {mie}",
            "csrw mcounteren, {cnt}",
            "csrr t0, mstatus",
            "and t0, t0, {mppn}",
            "or t0, t0, {mpps}",
            "csrw mstatus, t0",
            "csrw mepc, {kmain}",
            all = in(reg) u64::MAX >> 10,
            pmpcfg = in(reg) pmpcfg,
            medeleg = in(reg) medeleg,
            mideleg = in(reg) mideleg,
            mtvec = in(reg) mtimer_vec as *const () as u64,
            scratch = in(reg) scratch,
            mie = in(reg) mie_mtie,
            cnt = in(reg) 7u64,
            mppn = in(reg) !mpp_mask,
            mpps = in(reg) mpp_s,
            kmain = in(reg) kmain,
            out("t0") _,
        );
        // Enable Sstc for S-mode if this hart has menvcfg and STCE sticks; a missing
        // menvcfg traps into mtimer_vec, which skips the instruction (probe flag).
        let s = &mut *MTIMER_SCRATCH.get();
        s[6] = 1;
        let envcfg: u64;
        asm!("csrs menvcfg, {stce}", "csrr {v}, menvcfg", stce = in(reg) 1u64 << 63, v = out(reg) envcfg);
        let trapped = core::ptr::read_volatile(&s[6]) != 1;
        s[6] = 0;
        STCE.store(!trapped && envcfg & (1 << 63) != 0, core::sync::atomic::Ordering::Relaxed);
        asm!("mret", in("a0") hartid, in("a1") dtb, options(noreturn));
    }
}

/// S-mode entry under SBI firmware.
#[no_mangle]
extern "C" fn sbi_start(hartid: u64, dtb: u64) -> ! {
    super::sbi::set_active();
    crate::kmain(hartid, dtb)
}
