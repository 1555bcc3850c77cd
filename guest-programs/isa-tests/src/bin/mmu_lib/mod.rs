//! Shared by the `mmu_*` test programs (included with `#[path]`): a page-table builder
//! working in M-mode on physical memory, and "probes" that run one access in S- or
//! U-mode (or in M-mode with MPRV) and come back to M-mode with either the result or
//! the trap's cause and tval.
//!
//! How a probe runs: `mmu_lower_call` saves the callee-saved registers, points `mtvec`
//! at `mmu_trap`, sets `mstatus.MPP` and `mret`s to the probe. The probe performs its
//! access and executes `ecall`. Whatever trap comes next (the ecall, or the fault the
//! access raised) lands in `mmu_trap`, which records mcause/mtval, restores the saved
//! registers and returns to the Rust caller in M-mode. No trap is delegated (medeleg = 0).
//!
//! Address map the programs use (all Sv39/48/57 tables built by [`Pt`]):
//! ```text
//!   VA 0x8000_0000 1 GiB -> PA 0x8000_0000  RWX, U=0   (code, data, stack: for S-mode)
//!   VA 0x4000_0000 1 GiB -> PA 0x8000_0000  RWX, U=1   (the same, for U-mode probes)
//!   VA 0x20_0000_0000 ... test pages mapped one by one
//! ```
#![allow(dead_code)]

use core::arch::global_asm;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};

pub const V: u64 = 1 << 0;
pub const R: u64 = 1 << 1;
pub const W: u64 = 1 << 2;
pub const X: u64 = 1 << 3;
pub const U: u64 = 1 << 4;
pub const G: u64 = 1 << 5;
pub const A: u64 = 1 << 6;
pub const D: u64 = 1 << 7;

pub const SV39: u64 = 8;
pub const SV48: u64 = 9;
pub const SV57: u64 = 10;

/// Exception codes (Privileged table 3.6).
pub mod cause {
    pub const FETCH_ACCESS: u64 = 1;
    pub const LOAD_ACCESS: u64 = 5;
    pub const STORE_ACCESS: u64 = 7;
    pub const ECALL_U: u64 = 8;
    pub const ECALL_S: u64 = 9;
    pub const FETCH_PAGE: u64 = 12;
    pub const LOAD_PAGE: u64 = 13;
    pub const STORE_PAGE: u64 = 15;
}

/// Where the U-mode alias of RAM starts.
pub const USER_ALIAS: u64 = 0x4000_0000;
/// Where test pages are mapped.
pub const TEST_VA: u64 = 0x20_0000_0000;

global_asm!(
    r#"
    .section .bss
    .balign 8
    .globl mmu_save
mmu_save:
    .zero 8 * 20

    .section .text
    .balign 4
    .globl mmu_lower_call
# a0 = entry (virtual), a1/a2 = the probe's a0/a1, a3 = MPP (0 = U, 1 = S)
mmu_lower_call:
    la t0, mmu_save
    sd ra, 0(t0)
    sd sp, 8(t0)
    sd s0, 16(t0)
    sd s1, 24(t0)
    sd s2, 32(t0)
    sd s3, 40(t0)
    sd s4, 48(t0)
    sd s5, 56(t0)
    sd s6, 64(t0)
    sd s7, 72(t0)
    sd s8, 80(t0)
    sd s9, 88(t0)
    sd s10, 96(t0)
    sd s11, 104(t0)
    sd gp, 112(t0)
    sd tp, 120(t0)
    la t1, mmu_trap
    csrw mtvec, t1
    csrw mepc, a0
    li t1, 0x1800
    csrc mstatus, t1
    slli t2, a3, 11
    csrs mstatus, t2
    mv a0, a1
    mv a1, a2
    mret

# M-mode with MPRV: a0 = address, a1 = MPP, a2 = 0 load / 1 store (stores a2)
    .globl mmu_mprv_access
mmu_mprv_access:
    la t0, mmu_save
    sd ra, 0(t0)
    sd sp, 8(t0)
    sd s0, 16(t0)
    sd s1, 24(t0)
    sd s2, 32(t0)
    sd s3, 40(t0)
    sd s4, 48(t0)
    sd s5, 56(t0)
    sd s6, 64(t0)
    sd s7, 72(t0)
    sd s8, 80(t0)
    sd s9, 88(t0)
    sd s10, 96(t0)
    sd s11, 104(t0)
    sd gp, 112(t0)
    sd tp, 120(t0)
    la t1, mmu_trap
    csrw mtvec, t1
    li t1, 0x1800
    csrc mstatus, t1
    slli t2, a1, 11
    csrs mstatus, t2
    li t1, 0x20000
    csrs mstatus, t1
    bnez a2, 1f
    ld a0, 0(a0)
    j 2f
1:  sd a2, 0(a0)
2:  li t1, 0x20000
    csrc mstatus, t1
    ret

    .balign 4
    .globl mmu_trap
mmu_trap:
    la t0, mmu_save
    csrr t1, mcause
    sd t1, 128(t0)
    csrr t1, mtval
    sd t1, 136(t0)
    csrr t1, mepc
    sd t1, 144(t0)
    li t1, 0x20000
    csrc mstatus, t1
    ld ra, 0(t0)
    ld sp, 8(t0)
    ld s0, 16(t0)
    ld s1, 24(t0)
    ld s2, 32(t0)
    ld s3, 40(t0)
    ld s4, 48(t0)
    ld s5, 56(t0)
    ld s6, 64(t0)
    ld s7, 72(t0)
    ld s8, 80(t0)
    ld s9, 88(t0)
    ld s10, 96(t0)
    ld s11, 104(t0)
    ld gp, 112(t0)
    ld tp, 120(t0)
    ret

# Probes: run in S or U mode, end with ecall. a0 = address, a1 = value.
    .globl mmu_probe_load
mmu_probe_load:
    ld a0, 0(a0)
    ecall
    .globl mmu_probe_store
mmu_probe_store:
    sd a1, 0(a0)
    li a0, 0
    ecall
    .globl mmu_probe_amo
mmu_probe_amo:
    amoadd.d a0, a1, (a0)
    ecall
    .globl mmu_probe_lr
mmu_probe_lr:
    lr.d a0, (a0)
    ecall
    .globl mmu_probe_jump
mmu_probe_jump:
    jr a0
    .globl mmu_probe_sfence_load
# sfence.vma a1, x0 then load a0 (S-mode only)
mmu_probe_sfence_load:
    sfence.vma a1, zero
    ld a0, 0(a0)
    ecall
"#
);

extern "C" {
    fn mmu_lower_call(entry: u64, a: u64, b: u64, mpp: u64) -> u64;
    fn mmu_mprv_access(va: u64, mpp: u64, store: u64) -> u64;
    static mut mmu_save: [u64; 20];
    fn mmu_probe_load();
    fn mmu_probe_store();
    fn mmu_probe_amo();
    fn mmu_probe_lr();
    fn mmu_probe_jump();
    fn mmu_probe_sfence_load();
}

/// Privilege a probe runs at.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    U = 0,
    S = 1,
}

/// A trap a probe took instead of completing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Trap {
    pub cause: u64,
    pub tval: u64,
}

const NO_TRAP: u64 = 0xdead;

fn save_slot(i: usize) -> *mut u64 {
    // SAFETY: mmu_save is a 20-word array defined in the assembly above; i < 20.
    unsafe { (addr_of_mut!(mmu_save) as *mut u64).add(i) }
}

fn last_trap() -> Trap {
    // SAFETY: plain reads of the save area the trap handler wrote.
    unsafe { Trap { cause: read_volatile(save_slot(16)), tval: read_volatile(save_slot(17)) } }
}

/// Runs the probe at `f` in `mode` with a0 = `a`, a1 = `b`; Ok(a0 at its ecall) or the trap.
fn call(f: unsafe extern "C" fn(), mode: Mode, a: u64, b: u64) -> Result<u64, Trap> {
    let pa = f as usize as u64;
    let entry = if mode == Mode::U { pa - 0x8000_0000 + USER_ALIAS } else { pa };
    // SAFETY: the save area is ours; mmu_lower_call returns through mmu_trap with every
    // callee-saved register restored.
    let v = unsafe {
        write_volatile(save_slot(16), NO_TRAP);
        mmu_lower_call(entry, a, b, mode as u64)
    };
    match last_trap().cause {
        cause::ECALL_U | cause::ECALL_S => Ok(v),
        _ => Err(last_trap()),
    }
}

/// Runs the code at virtual `entry` in U-mode with a0 = `a`, a1 = `b` until it traps;
/// Ok(a0) when that trap is its ecall.
pub fn call_user(entry: u64, a: u64, b: u64) -> Result<u64, Trap> {
    // SAFETY: as for `call`.
    let v = unsafe {
        write_volatile(save_slot(16), NO_TRAP);
        mmu_lower_call(entry, a, b, Mode::U as u64)
    };
    match last_trap().cause {
        cause::ECALL_U => Ok(v),
        _ => Err(last_trap()),
    }
}

/// Loads 8 bytes from `va` in `mode`.
pub fn load(mode: Mode, va: u64) -> Result<u64, Trap> {
    call(mmu_probe_load, mode, va, 0)
}

/// Stores `v` (8 bytes) at `va` in `mode`.
pub fn store(mode: Mode, va: u64, v: u64) -> Result<u64, Trap> {
    call(mmu_probe_store, mode, va, v)
}

/// `amoadd.d` of `v` at `va` in `mode`; returns the old value.
pub fn amoadd(mode: Mode, va: u64, v: u64) -> Result<u64, Trap> {
    call(mmu_probe_amo, mode, va, v)
}

/// `lr.d` at `va` in `mode`.
pub fn lr(mode: Mode, va: u64) -> Result<u64, Trap> {
    call(mmu_probe_lr, mode, va, 0)
}

/// Jumps to `va` in `mode`; the code there must end in `ecall` (see [`CODE_LI42`]).
pub fn exec(mode: Mode, va: u64) -> Result<u64, Trap> {
    call(mmu_probe_jump, mode, va, 0)
}

/// In S-mode: `sfence.vma fence_va, x0`, then load from `va`.
pub fn sfence_then_load(va: u64, fence_va: u64) -> Result<u64, Trap> {
    call(mmu_probe_sfence_load, Mode::S, va, fence_va)
}

/// In M-mode with MPRV = 1 and MPP = `mpp`: load from `va`.
pub fn mprv_load(mpp: Mode, va: u64) -> Result<u64, Trap> {
    // SAFETY: as for `call`; the access itself runs in M-mode under MPRV.
    let v = unsafe {
        write_volatile(save_slot(16), NO_TRAP);
        mmu_mprv_access(va, mpp as u64, 0)
    };
    if last_trap().cause == NO_TRAP {
        Ok(v)
    } else {
        Err(last_trap())
    }
}

/// In M-mode with MPRV = 1 and MPP = `mpp`: store `v` (must be non-zero) at `va`.
pub fn mprv_store(mpp: Mode, va: u64, v: u64) -> Result<u64, Trap> {
    // SAFETY: as for `mprv_load`.
    unsafe {
        write_volatile(save_slot(16), NO_TRAP);
        mmu_mprv_access(va, mpp as u64, v);
    }
    if last_trap().cause == NO_TRAP {
        Ok(0)
    } else {
        Err(last_trap())
    }
}

/// `li a0, 42; ecall`: code to copy into an executable test page.
pub const CODE_LI42: [u32; 2] = [0x02a0_0513, 0x0000_0073];

/// Number of 4 KiB pages for page tables and test data.
const ARENA_PAGES: usize = 96;

#[repr(C, align(4096))]
struct Arena([[u64; 512]; ARENA_PAGES]);

static mut ARENA: Arena = Arena([[0; 512]; ARENA_PAGES]);
static mut ARENA_NEXT: usize = 0;

/// A zeroed, page-aligned physical page from the arena.
pub fn alloc_page() -> u64 {
    // SAFETY: single hart, M-mode; the arena is only handed out page by page.
    unsafe {
        let i = read_volatile(addr_of!(ARENA_NEXT));
        assert!(i < ARENA_PAGES, "arena exhausted");
        write_volatile(addr_of_mut!(ARENA_NEXT), i + 1);
        let p = addr_of_mut!(ARENA.0[i]) as *mut u64;
        for k in 0..512 {
            write_volatile(p.add(k), 0);
        }
        p as u64
    }
}

/// Reads 8 bytes of physical memory (M-mode, translation off).
pub fn peek(pa: u64) -> u64 {
    // SAFETY: callers pass addresses of arena pages or RAM.
    unsafe { read_volatile(pa as *const u64) }
}

/// Writes 8 bytes of physical memory.
pub fn poke(pa: u64, v: u64) {
    // SAFETY: callers pass addresses of arena pages.
    unsafe { write_volatile(pa as *mut u64, v) }
}

/// A page table under construction (in M-mode, on physical addresses).
pub struct Pt {
    pub root: u64,
    pub levels: u32,
    pub mode: u64,
}

impl Pt {
    /// An empty table for `mode` (SV39/SV48/SV57) with the two RAM gigapages of the
    /// address map above.
    pub fn new(mode: u64) -> Pt {
        let levels = match mode {
            SV48 => 4,
            SV57 => 5,
            _ => 3,
        };
        let pt = Pt { root: alloc_page(), levels, mode };
        pt.map(0x8000_0000, 0x8000_0000, 2, V | R | W | X | A | D);
        pt.map(USER_ALIAS, 0x8000_0000, 2, V | R | W | X | U | A | D);
        pt
    }

    /// Address of the PTE for `va` at `level`, creating pointer tables on the way.
    pub fn slot(&self, va: u64, level: u32) -> u64 {
        let mut table = self.root;
        let mut i = self.levels - 1;
        while i > level {
            let s = table + ((va >> (12 + 9 * i)) & 0x1ff) * 8;
            let pte = peek(s);
            table = if pte & V != 0 && pte & (R | X) == 0 {
                (pte >> 10) << 12
            } else {
                let t = alloc_page();
                poke(s, (t >> 12) << 10 | V);
                t
            };
            i -= 1;
        }
        table + ((va >> (12 + 9 * level)) & 0x1ff) * 8
    }

    /// Maps `va` to `pa` with a leaf at `level` carrying `flags`; returns the PTE address.
    pub fn map(&self, va: u64, pa: u64, level: u32, flags: u64) -> u64 {
        let s = self.slot(va, level);
        poke(s, (pa >> 12) << 10 | flags);
        s
    }

    /// Maps a fresh zeroed page at `va`; returns (physical page, PTE address).
    pub fn map_new(&self, va: u64, flags: u64) -> (u64, u64) {
        let pa = alloc_page();
        (pa, self.map(va, pa, 0, flags))
    }

    pub fn satp(&self, asid: u64) -> u64 {
        self.mode << 60 | asid << 44 | self.root >> 12
    }

    /// Writes satp and flushes all translations.
    pub fn activate(&self, asid: u64) {
        write_satp(self.satp(asid));
        sfence_all();
    }
}

pub fn write_satp(v: u64) {
    // SAFETY: M-mode; translation does not apply to M-mode execution.
    unsafe { core::arch::asm!("csrw satp, {0}", in(reg) v) }
}

pub fn read_satp() -> u64 {
    let v: u64;
    // SAFETY: reading a CSR in M-mode.
    unsafe { core::arch::asm!("csrr {0}, satp", out(reg) v) }
    v
}

pub fn sfence_all() {
    // SAFETY: M-mode may execute SFENCE.VMA.
    unsafe { core::arch::asm!("sfence.vma zero, zero") }
}

pub fn sfence_va(va: u64) {
    // SAFETY: as above.
    unsafe { core::arch::asm!("sfence.vma {0}, zero", in(reg) va) }
}

pub fn sfence_asid(asid: u64) {
    // SAFETY: as above.
    unsafe { core::arch::asm!("sfence.vma zero, {0}", in(reg) asid) }
}

pub fn sfence_va_asid(va: u64, asid: u64) {
    // SAFETY: as above.
    unsafe { core::arch::asm!("sfence.vma {0}, {1}", in(reg) va, in(reg) asid) }
}

/// Sets bits of mstatus.
pub fn mstatus_set(bits: u64) {
    // SAFETY: M-mode CSR write.
    unsafe { core::arch::asm!("csrs mstatus, {0}", in(reg) bits) }
}

/// Clears bits of mstatus.
pub fn mstatus_clear(bits: u64) {
    // SAFETY: M-mode CSR write.
    unsafe { core::arch::asm!("csrc mstatus, {0}", in(reg) bits) }
}

pub const MSTATUS_SUM: u64 = 1 << 18;
pub const MSTATUS_MXR: u64 = 1 << 19;

/// Counts failed checks and reports each one.
pub struct Checker {
    pub failures: u32,
    pub checks: u32,
}

impl Checker {
    pub const fn new() -> Checker {
        Checker { failures: 0, checks: 0 }
    }

    /// Expects `got` to equal `want`; prints `what` when not.
    pub fn eq<T: PartialEq + core::fmt::Debug>(&mut self, what: &str, got: T, want: T) {
        self.checks += 1;
        if got != want {
            self.failures += 1;
            isa_tests::println!("FAIL {what}: got {got:?}, want {want:?}");
        }
    }

    /// Expects a trap with `cause` and tval = `va`.
    pub fn fault(&mut self, what: &str, r: Result<u64, Trap>, cause: u64, va: u64) {
        self.eq(what, r, Err(Trap { cause, tval: va }));
    }

    /// Ends the program: 0 when every check passed.
    pub fn finish(&self, name: &str) -> u32 {
        isa_tests::println!("{name}: {} checks, {} failed", self.checks, self.failures);
        self.failures.min(250)
    }
}

/// Copies `code` to physical `pa` (then the caller maps it executable).
pub fn write_code(pa: u64, code: &[u32]) {
    for (i, w) in code.iter().enumerate() {
        // SAFETY: pa is an arena page.
        unsafe { write_volatile((pa as *mut u32).add(i), *w) }
    }
    // SAFETY: orders the stores before instruction fetches.
    unsafe { core::arch::asm!("fence.i") }
}

/// Lets S- and U-mode reach all of physical memory through PMP (QEMU enforces PMP:
/// with no entry, every S/U access fails) and clears any previous translation.
pub fn setup() {
    // SAFETY: M-mode CSR writes; pmpaddr0 all ones with NAPOT covers the whole space.
    unsafe {
        core::arch::asm!(
            "li t0, -1",
            "csrw pmpaddr0, t0",
            "li t0, 0x1f",
            "csrw pmpcfg0, t0",
            "csrw medeleg, zero",
            "csrw satp, zero",
            "sfence.vma",
            out("t0") _,
        )
    }
}

/// The checks `mmu_sv48` and `mmu_sv57` share: `mode` is accepted by satp, 4 KiB pages at
/// the top of both halves of the address space, a superpage at the top level, a
/// misaligned one, and the mode's canonical-address rule.
pub fn check_wide_mode(c: &mut Checker, mode: u64) {
    let levels: u32 = if mode == SV57 { 5 } else { 4 };
    let va_bits = 12 + 9 * levels;
    let pt = Pt::new(mode);
    write_satp(pt.satp(0));
    c.eq("satp.MODE accepted", read_satp() >> 60, mode);
    // Highest page of the lower half and lowest page of the upper half.
    let low_top = (1u64 << (va_bits - 1)) - 0x1000;
    let high_bottom = !0u64 << (va_bits - 1);
    let (f1, _) = pt.map_new(low_top, V | R | W | U | A | D);
    let (f2, _) = pt.map_new(high_bottom, V | R | W | A | D);
    poke(f1, 0x10);
    poke(f2, 0x20);
    // A superpage at the top level (512 GiB for Sv48, 256 TiB for Sv57) mapping PA 0.
    let top = levels - 1;
    let big = 1u64 << (12 + 9 * top); // index 1 of the root table
    pt.map(big, 0, top, V | R | W | A | D);
    // The same size at a misaligned PA.
    let bad = 2u64 << (12 + 9 * top);
    pt.map(bad, 0x8000_0000, top, V | R | W | A | D);
    sfence_all();

    c.eq("load top of lower half (U)", load(Mode::U, low_top), Ok(0x10));
    c.eq("store top of lower half (U)", store(Mode::U, low_top + 0xff8, 7), Ok(0));
    c.eq("stored", peek(f1 + 0xff8), 7);
    c.eq("load bottom of upper half", load(Mode::S, high_bottom), Ok(0x20));
    poke(0x8060_0000, 0x5a5a);
    c.eq("top-level superpage", load(Mode::S, big + 0x8060_0000), Ok(0x5a5a));
    c.fault("misaligned top-level superpage", load(Mode::S, bad + 0x10), cause::LOAD_PAGE, bad + 0x10);
    let nc = 1u64 << (va_bits - 1); // bit VA_BITS-1 set, upper bits clear
    c.fault("non-canonical load", load(Mode::S, nc), cause::LOAD_PAGE, nc);
    c.fault("non-canonical fetch", exec(Mode::S, nc + 4), cause::FETCH_PAGE, nc + 4);
    let nc2 = high_bottom ^ (1u64 << 63);
    c.fault("non-canonical store", store(Mode::S, nc2, 1), cause::STORE_PAGE, nc2);
    write_satp(0);
}
