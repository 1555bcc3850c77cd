//! The boot path. `-bios none` (QEMU and rvsim) enters `_start` at 0x8000_0000 in M-mode
//! with a0 = hartid and a1 = the device tree. M-mode code here:
//! - opens PMP for everything (priv spec 3.7: with no PMP entry, S/U accesses fail),
//! - delegates exceptions and S-level interrupts to S-mode (priv spec 3.1.8),
//! - programs the CLINT timer and installs `mtimer_vec`, which on each machine timer
//!   interrupt re-arms `mtimecmp` and raises the supervisor *software* interrupt (SSIP):
//!   S-mode can clear SSIP itself, while STIP is read-only to it without Sstc (xv6 does the same),
//! - enables Sstc for S-mode (menvcfg.STCE) when the hart has it; the kernel then
//!   programs `stimecmp` itself and retires the trampoline (see `time::use_sstc`),
//! - and `mret`s to `s_entry` in S-mode with paging off.
//!
//! Other harts park in `wfi`.
//!
//! The `kernel-sbi` build (loaded at 0x8020_0000, `__sbi_boot = 1`) is instead entered in
//! S-mode by an SBI firmware with a0 = hartid and a1 = the device tree; it skips the
//! M-mode setup, goes straight to `s_entry` and uses the SBI timer and reset calls (see
//! [`super::sbi`]).
//!
//! The kernel is linked high, at `PAGE_OFFSET + pa` (`abi::layout`, `kernel.ld`), but
//! entered at its physical address: everything up to `s_entry` is PC-relative code (`la`
//! is `auipc`-based in this non-PIC build) running at the physical address, M-mode
//! included (M-mode never translates). `s_entry` fills [`BOOT_PT`] with two views of
//! memory as 1 GiB gigapages (priv spec 10.6.1, 10.6.2): the identity of the gigapage
//! holding the kernel (so the next instruction after `csrw satp` still fetches) and the
//! direct map of physical 0..[`BOOT_DIRECT_GIB`] GiB at `PAGE_OFFSET` (RAM, the device
//! tree wherever the firmware put it, MMIO); turns Sv39 on and jumps to the high alias of
//! itself, moves the stack high and calls [`crate::kmain`] (or `sbi_start`) there.
//! `mm::kvm` later replaces the boot table with the kernel's own, which has no identity
//! part, so low addresses are user space only.

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

/// Gigabytes of physical address space the boot page table maps at `PAGE_OFFSET`.
pub const BOOT_DIRECT_GIB: u64 = 64;

/// The boot page table (Sv39 root, gigapage leaves only; filled by `s_entry`).
#[repr(C, align(4096))]
struct BootPt([u64; 512]);
/// The page table `s_entry` turns paging on with (see the module doc).
#[no_mangle]
static BOOT_PT: Racy<BootPt> = Racy::new(BootPt([0; 512]));

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
4:  la t0, __bss_start
    la t1, __bss_end
5:  bgeu t0, t1, s_entry
    sd zero, 0(t0)
    addi t0, t0, 8
    j 5b

    # S-mode, paging off, running at the physical address; a0 = hartid, a1 = DTB.
    .globl s_entry
s_entry:
    la t0, BOOT_PT
    # Identity gigapage g of the kernel: BOOT_PT[g] = leaf for pa g << 30, whose PTE has
    # PPN = g << 18, i.e. g << 28 once shifted into place (priv spec 10.6.1).
    la t1, _start
    srli t1, t1, 30
    slli t2, t1, 3
    add t2, t0, t2
    slli t3, t1, 28
    ori t3, t3, {leaf}
    sd t3, 0(t2)
    # The direct map: BOOT_PT[256 + g] = leaf for pa g << 30.
    li t1, 0
    li t4, {gigs}
10: slli t3, t1, 28
    ori t3, t3, {leaf}
    addi t2, t1, 256
    slli t2, t2, 3
    add t2, t0, t2
    sd t3, 0(t2)
    addi t1, t1, 1
    bltu t1, t4, 10b
    srli t0, t0, 12
    li t1, {sv39}
    or t0, t0, t1
    sfence.vma
    csrw satp, t0
    sfence.vma
    la t0, 11f
    li t1, {offset}
    add t0, t0, t1
    jr t0
    # Now at the high address: `la` yields high addresses from here on.
11: la sp, BOOT_STACK
    li t0, {stack_size}
    add sp, sp, t0
    lui t0, %hi(__sbi_boot)
    addi t0, t0, %lo(__sbi_boot)
    bnez t0, 12f
    call kmain
    j 3b
12: call sbi_start
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
    leaf = const 0xef, // V R W X G A D
    gigs = const BOOT_DIRECT_GIB,
    sv39 = const 8u64 << 60,
    offset = const abi::layout::PAGE_OFFSET,
    finisher = const abi::mmio::FINISHER,
    fail = const ((0xfe << 16) | abi::mmio::FINISHER_FAIL),
);

extern "C" {
    fn mtimer_vec();
    fn s_entry();
}

/// M-mode setup, then `mret` into `s_entry(hartid, dtb)` in S-mode (at its physical
/// address: this runs before paging, and every address taken here is PC-relative).
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
    let kmain = s_entry as *const () as u64;
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
    // SAFETY: M-mode configuration of this hart before entering S-mode; the values are
    // the documented settings above and s_entry is an S-mode entry that never returns.
    // M-mode reaches the CLINT at its physical address (no translation in M-mode).
    unsafe {
        let now = core::ptr::read_volatile(abi::mmio::CLINT_MTIME as *const u64);
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
