//! The bare-metal runtime shared by the ISA test programs: `_start` (stack, bss, trap
//! vector, PMP), console output on the UART, exit through the test finisher, checks that
//! report what failed, and a trap harness for exception and interrupt tests.
//!
//! A program defines `fn main() -> u32` via [`entry!`]; returning 0 passes, anything else
//! fails with that code. Every program also runs unchanged on
//! `qemu-system-riscv64 -machine virt -bios none -kernel PROGRAM`.
//!
//! Trap harness: `_start` points `mtvec` at an M-mode handler that saves all registers on
//! its own stack (`mscratch` holds its top) and calls [`trap_m_rust`]. Traps are expected
//! only inside [`catch`] (or while [`arm`]ed): the handler records `xcause`, `xepc`,
//! `xtval` and `xstatus` (see [`Trap`]) and then resumes as [`set_action`] says (by
//! default after the faulting instruction). Any other trap prints its cause and fails the
//! program. Interrupts are recorded and then disabled in `mie`/`sie` (and the CLINT source
//! is cleared), so each is taken once. [`run_lower`] runs a function in S- or U-mode and
//! returns to M when it returns (through an `ecall` the harness recognises, or a machine
//! software interrupt when ecall from S is delegated); an S-mode
//! handler behind `stvec` records delegated traps the same way.

#![no_std]

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::SeqCst};

pub const UART: usize = 0x1000_0000;
pub const FINISHER: usize = 0x10_0000;
/// CLINT registers for hart 0 (SiFive layout, as on QEMU virt).
pub const CLINT_MSIP: usize = 0x200_0000;
pub const CLINT_MTIMECMP: usize = 0x200_4000;
pub const CLINT_MTIME: usize = 0x200_bff8;
/// An address nothing answers at on QEMU virt or rvsim: accesses raise access faults.
pub const UNMAPPED: u64 = 0x2800_0000;
/// The `a7` value of the `ecall` with which [`run_lower`] returns to M-mode.
pub const MAGIC_RETURN: u64 = 0x5256_5349_4d52_4554;

/// `mstatus` fields (Privileged 3.1.6).
pub mod mstatus {
    pub const SIE: u64 = 1 << 1;
    pub const MIE: u64 = 1 << 3;
    pub const SPIE: u64 = 1 << 5;
    pub const MPIE: u64 = 1 << 7;
    pub const SPP: u64 = 1 << 8;
    pub const MPP: u64 = 3 << 11;
    pub const MPP_S: u64 = 1 << 11;
    pub const MPRV: u64 = 1 << 17;
    pub const SUM: u64 = 1 << 18;
    pub const MXR: u64 = 1 << 19;
    pub const TVM: u64 = 1 << 20;
    pub const TW: u64 = 1 << 21;
    pub const TSR: u64 = 1 << 22;
}

/// Interrupt bits in `mip`/`mie` (Privileged 3.1.9).
pub mod irq {
    pub const SSI: u64 = 1;
    pub const MSI: u64 = 3;
    pub const STI: u64 = 5;
    pub const MTI: u64 = 7;
    pub const SEI: u64 = 9;
    pub const MEI: u64 = 11;
}

/// Exception codes (Privileged table 3.6).
pub mod cause {
    pub const INSN_MISALIGNED: u64 = 0;
    pub const INSN_ACCESS: u64 = 1;
    pub const ILLEGAL: u64 = 2;
    pub const BREAKPOINT: u64 = 3;
    pub const LOAD_MISALIGNED: u64 = 4;
    pub const LOAD_ACCESS: u64 = 5;
    pub const STORE_MISALIGNED: u64 = 6;
    pub const STORE_ACCESS: u64 = 7;
    pub const ECALL_U: u64 = 8;
    pub const ECALL_S: u64 = 9;
    pub const ECALL_M: u64 = 11;
    /// The interrupt bit of `xcause`.
    pub const INTERRUPT: u64 = 1 << 63;
}

/// Privilege levels as `mstatus.MPP` encodes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Mode {
    User = 0,
    Supervisor = 1,
    Machine = 3,
}

core::arch::global_asm!(
    r#"
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:
    # Trap vector and the handler's own stack.
    la t0, __trap_m
    csrw mtvec, t0
    la t0, TRAP_STACK_M
    li t1, {stack}
    add t0, t0, t1
    csrw mscratch, t0
    # PMP: one NAPOT region covering everything, RWX, so S/U may access memory (with
    # PMP implemented and no entry matching, S/U accesses fail: Privileged 3.7.1).
    # Guarded by a temporary trap vector in case PMP is absent.
    la t0, 3f
    csrrw t2, mtvec, t0
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
3:  csrw mtvec, t2
    call rust_start
4:  j 4b

    .text
    # Trap entry (Privileged 3.1.7, 4.1.2): swap to the handler stack held in SCRATCH,
    # save x1..x31, call HANDLER(frame), restore, return with RET. frame.x[2] holds the
    # interrupted sp. Instantiated once for M-mode and once for S-mode.
    .macro trap_entry name, scratch, handler, ret
    .p2align 8
    .globl \name
\name:
    csrrw sp, \scratch, sp
    addi sp, sp, -256
    .irp n,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, (\n*8)(sp)
    .endr
    csrr t0, \scratch
    sd t0, 16(sp)
    mv a0, sp
    call \handler
    ld t0, 16(sp)
    csrw \scratch, t0
    .irp n,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, (\n*8)(sp)
    .endr
    addi sp, sp, 256
    csrrw sp, \scratch, sp
    \ret
    .endm

    trap_entry __trap_m, mscratch, trap_m_rust, mret
    trap_entry __trap_s, sscratch, trap_s_rust, sret

    # Vectored M-mode table (Privileged 3.1.7): entry k records k in VECTOR_HIT and
    # continues at the common handler.
    .p2align 8
    .globl __trap_m_vectored
__trap_m_vectored:
    .option push
    .option norvc
    .irp k,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    j __vec_\k
    .endr
    .option pop
    .irp k,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
__vec_\k:
    csrrw sp, mscratch, sp
    sd t0, -8(sp)
    sd t1, -16(sp)
    la t0, VECTOR_HIT
    li t1, \k
    sd t1, 0(t0)
    ld t1, -16(sp)
    ld t0, -8(sp)
    csrrw sp, mscratch, sp
    j __trap_m
    .endr

    # The same for S-mode (stvec MODE = 1), continuing at __trap_s.
    .p2align 8
    .globl __trap_s_vectored
__trap_s_vectored:
    .option push
    .option norvc
    .irp k,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    j __svec_\k
    .endr
    .option pop
    .irp k,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
__svec_\k:
    csrrw sp, sscratch, sp
    sd t0, -8(sp)
    sd t1, -16(sp)
    la t0, VECTOR_HIT
    li t1, \k
    sd t1, 0(t0)
    ld t1, -16(sp)
    ld t0, -8(sp)
    csrrw sp, sscratch, sp
    j __trap_s
    .endr

    # run_lower_asm(a0 = mstatus bits to set, a1 = function, a2 = 0: mret / 1: sret,
    # a3 = target mode). Saves the callee-saved registers, enters the function in the
    # target mode with ra = __lower_done, and comes back through __lower_resume.
    .globl run_lower_asm
run_lower_asm:
    addi sp, sp, -112
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    sd s2, 24(sp)
    sd s3, 32(sp)
    sd s4, 40(sp)
    sd s5, 48(sp)
    sd s6, 56(sp)
    sd s7, 64(sp)
    sd s8, 72(sp)
    sd s9, 80(sp)
    sd s10, 88(sp)
    sd s11, 96(sp)
    sd gp, 104(sp)
    la t0, LOWER_SAVED_SP
    sd sp, 0(t0)
    la ra, __lower_done
    bnez a2, 1f
    csrw mepc, a1
    li t0, 0x1800
    csrc mstatus, t0
    slli t1, a3, 11
    csrs mstatus, t1
    csrs mstatus, a0
    mret
1:  csrw sepc, a1
    li t0, 0x100
    csrc mstatus, t0
    slli t1, a3, 8
    csrs mstatus, t1
    csrs mstatus, a0
    sret
__lower_done:
    li a7, {magic}
    ecall
2:  j 2b
    .globl __lower_resume
__lower_resume:
    la t0, LOWER_SAVED_SP
    ld sp, 0(t0)
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    ld s2, 24(sp)
    ld s3, 32(sp)
    ld s4, 40(sp)
    ld s5, 48(sp)
    ld s6, 56(sp)
    ld s7, 64(sp)
    ld s8, 72(sp)
    ld s9, 80(sp)
    ld s10, 88(sp)
    ld s11, 96(sp)
    ld gp, 104(sp)
    addi sp, sp, 112
    ret
"#,
    magic = const MAGIC_RETURN,
    stack = const TRAP_STACK,
);

const TRAP_STACK: usize = 16384;

#[repr(C, align(16))]
struct Stack([u8; TRAP_STACK]);

#[no_mangle]
static mut TRAP_STACK_M: Stack = Stack([0; TRAP_STACK]);
#[no_mangle]
static mut TRAP_STACK_S: Stack = Stack([0; TRAP_STACK]);

/// The stack pointer [`run_lower`] restores on the way back to M.
#[no_mangle]
static LOWER_SAVED_SP: AtomicU64 = AtomicU64::new(0);
/// The entry of the vectored table the last trap went through (set by the table).
#[no_mangle]
static VECTOR_HIT: AtomicU64 = AtomicU64::new(u64::MAX);

extern "C" {
    fn run_lower_asm(set_bits: u64, f: extern "C" fn(), via_sret: u64, mode: u64);
    fn __trap_m();
    fn __trap_s();
    fn __trap_m_vectored();
    fn __trap_s_vectored();
    fn __lower_resume();
}

/// Volatile accesses to the board's device registers (PLIC, UART, CLINT) for the
/// platform test programs.
pub mod mmio {
    /// Writes a 32-bit register.
    pub fn w32(a: usize, v: u32) {
        // SAFETY: the callers pass MMIO register addresses of QEMU's virt board, which
        // have no Rust-visible memory behind them.
        unsafe { core::ptr::write_volatile(a as *mut u32, v) }
    }
    /// Reads a 32-bit register.
    pub fn r32(a: usize) -> u32 {
        // SAFETY: as for w32.
        unsafe { core::ptr::read_volatile(a as *const u32) }
    }
    /// Writes an 8-bit register.
    pub fn w8(a: usize, v: u8) {
        // SAFETY: as for w32.
        unsafe { core::ptr::write_volatile(a as *mut u8, v) }
    }
    /// Reads an 8-bit register.
    pub fn r8(a: usize) -> u8 {
        // SAFETY: as for w32.
        unsafe { core::ptr::read_volatile(a as *const u8) }
    }
}

/// Writes one byte to the UART transmit register.
pub fn putc(b: u8) {
    // SAFETY: the UART's THR is a byte-wide MMIO register at this fixed address.
    unsafe { core::ptr::write_volatile(UART as *mut u8, b) }
}

/// The console as a `fmt::Write` sink.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(putc);
        Ok(())
    }
}

/// Prints a formatted line on the UART.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = writeln!($crate::Console, $($arg)*);
    }};
}

/// Ends the run through the test finisher: 0 passes, anything else fails with that code.
pub fn exit(code: u32) -> ! {
    let v = if code == 0 { 0x5555 } else { (code << 16) | 0x3333 };
    // SAFETY: the finisher is a 32-bit MMIO register at this fixed address.
    unsafe { core::ptr::write_volatile(FINISHER as *mut u32, v) };
    loop {
        core::hint::spin_loop();
    }
}

/// Declares the program's `main`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        extern "C" fn rust_start() -> ! {
            let f: fn() -> u32 = $main;
            $crate::exit(f())
        }
    };
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("panic: {info}");
    exit(255)
}

// ---------------------------------------------------------------------------------------
// Checks

static CHECKS: AtomicU32 = AtomicU32::new(0);
static FAILURES: AtomicU32 = AtomicU32::new(0);

/// Records one check: prints `FAIL name: expected .. got ..` (with the source line) when
/// `actual != expected`. Returns whether it passed.
pub fn check_eq_at(name: &str, actual: u64, expected: u64, file: &str, line: u32) -> bool {
    CHECKS.fetch_add(1, SeqCst);
    if actual != expected {
        FAILURES.fetch_add(1, SeqCst);
        println!("FAIL {name}: expected {expected:#x}, got {actual:#x} ({file}:{line})");
        return false;
    }
    true
}

/// Records one boolean check with a message printed when it fails.
pub fn check_at(name: &str, ok: bool, file: &str, line: u32) -> bool {
    CHECKS.fetch_add(1, SeqCst);
    if !ok {
        FAILURES.fetch_add(1, SeqCst);
        println!("FAIL {name} ({file}:{line})");
    }
    ok
}

/// `check_eq!(name, actual, expected)`: compares as `u64` and reports a mismatch.
#[macro_export]
macro_rules! check_eq {
    ($name:expr, $actual:expr, $expected:expr) => {
        $crate::check_eq_at(&$name, ($actual) as u64, ($expected) as u64, file!(), line!())
    };
}

/// `check!(name, condition)`: reports when the condition is false.
#[macro_export]
macro_rules! check {
    ($name:expr, $cond:expr) => {
        $crate::check_at(&$name, $cond, file!(), line!())
    };
}

/// Prints the summary line and returns the program's exit code (0 when all checks
/// passed, else the number of failures, at most 250).
pub fn finish(program: &str) -> u32 {
    let (n, f) = (CHECKS.load(SeqCst), FAILURES.load(SeqCst));
    println!("{program}: {n} checks, {f} failed");
    if n == 0 {
        println!("{program}: no checks ran");
        return 251;
    }
    f.min(250)
}

// ---------------------------------------------------------------------------------------
// CSR access

/// `csrr` of a CSR named by a literal number or name.
#[macro_export]
macro_rules! csrr {
    ($csr:tt) => {{
        let v: u64;
        // SAFETY: reading a CSR has no memory effects; a trap is handled by the harness.
        unsafe { core::arch::asm!(concat!("csrr {0}, ", stringify!($csr)), out(reg) v) };
        v
    }};
}

/// `csrw` of a CSR named by a literal number or name.
#[macro_export]
macro_rules! csrw {
    ($csr:tt, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: CSR writes are the test's intent; traps are handled by the harness.
        unsafe { core::arch::asm!(concat!("csrw ", stringify!($csr), ", {0}"), in(reg) v) };
    }};
}

/// `csrs` (set bits).
#[macro_export]
macro_rules! csrs {
    ($csr:tt, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: as for csrw.
        unsafe { core::arch::asm!(concat!("csrs ", stringify!($csr), ", {0}"), in(reg) v) };
    }};
}

/// `csrc` (clear bits).
#[macro_export]
macro_rules! csrc {
    ($csr:tt, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: as for csrw.
        unsafe { core::arch::asm!(concat!("csrc ", stringify!($csr), ", {0}"), in(reg) v) };
    }};
}

// ---------------------------------------------------------------------------------------
// Trap harness

/// One trap as the harness saw it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trap {
    /// `mcause` or `scause`.
    pub cause: u64,
    /// `mepc` or `sepc`.
    pub epc: u64,
    /// `mtval` or `stval`.
    pub tval: u64,
    /// `mstatus` (or `sstatus`) as the handler found it, i.e. after trap entry.
    pub status: u64,
    /// The mode that took the trap: 3 (M) or 1 (S).
    pub taken_in: u64,
    /// The mode the trap came from (MPP, or SPP for S).
    pub from: u64,
}

/// What the handler does after recording an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Action {
    /// Resume after the faulting instruction (its length read from memory at `xepc`).
    Skip = 0,
    /// Resume at the interrupted `ra` (for faulting jumps made with `jalr ra`).
    ReturnRa = 1,
}

const MAX_TRAPS: usize = 16;
static ARMED: AtomicBool = AtomicBool::new(false);
/// Set by the S handler when it raises MSI as the way back to M.
static ESCAPE: AtomicBool = AtomicBool::new(false);
static ACTION: AtomicU32 = AtomicU32::new(0);
static NTRAPS: AtomicUsize = AtomicUsize::new(0);
static TRAP_LOG: [[AtomicU64; 6]; MAX_TRAPS] = [const { [const { AtomicU64::new(0) }; 6] }; MAX_TRAPS];

/// A device driver's machine external interrupt handler (see [`set_external_handler`]).
static EXTERNAL: AtomicUsize = AtomicUsize::new(0);

/// Routes machine external interrupts to `f` (which claims and completes at the PLIC
/// itself) instead of recording them; `None` restores recording.
pub fn set_external_handler(f: Option<fn()>) {
    EXTERNAL.store(f.map_or(0, |f| f as usize), SeqCst);
}

/// Sets what the handlers do after an exception (see [`Action`]); [`catch`] resets it.
pub fn set_action(a: Action) {
    ACTION.store(a as u32, SeqCst);
}

/// Starts expecting traps: clears the log.
pub fn arm() {
    NTRAPS.store(0, SeqCst);
    ACTION.store(Action::Skip as u32, SeqCst);
    ARMED.store(true, SeqCst);
}

/// Stops expecting traps; returns how many were recorded.
pub fn disarm() -> usize {
    ARMED.store(false, SeqCst);
    NTRAPS.load(SeqCst)
}

/// The number of traps recorded since [`arm`].
pub fn trap_count() -> usize {
    NTRAPS.load(SeqCst).min(MAX_TRAPS)
}

/// The address of the trap counter, for loops in assembly that poll it.
pub fn trap_count_addr() -> u64 {
    NTRAPS.as_ptr() as u64
}

/// The `i`th trap recorded since [`arm`].
pub fn trap(i: usize) -> Trap {
    let r = &TRAP_LOG[i.min(MAX_TRAPS - 1)];
    Trap {
        cause: r[0].load(SeqCst),
        epc: r[1].load(SeqCst),
        tval: r[2].load(SeqCst),
        status: r[3].load(SeqCst),
        taken_in: r[4].load(SeqCst),
        from: r[5].load(SeqCst),
    }
}

/// Runs `f` with the harness armed and returns the first trap it caused, if any.
pub fn catch<F: FnOnce()>(f: F) -> Option<Trap> {
    arm();
    f();
    let n = disarm();
    (n > 0).then(|| trap(0))
}

/// Like [`catch`] with a given [`Action`].
pub fn catch_with<F: FnOnce()>(a: Action, f: F) -> Option<Trap> {
    arm();
    set_action(a);
    f();
    let n = disarm();
    (n > 0).then(|| trap(0))
}

fn record(t: Trap) {
    let i = NTRAPS.fetch_add(1, SeqCst);
    if i < MAX_TRAPS {
        let r = &TRAP_LOG[i];
        for (slot, v) in r.iter().zip([t.cause, t.epc, t.tval, t.status, t.taken_in, t.from]) {
            slot.store(v, SeqCst);
        }
    }
}

/// Length of the instruction at `addr` (2 or 4 bytes, Unprivileged 1.5).
fn insn_len(addr: u64) -> u64 {
    // SAFETY: called only for exceptions whose epc is an instruction the hart fetched,
    // i.e. readable memory (fetch faults use Action::ReturnRa).
    let lo = unsafe { core::ptr::read_volatile(addr as *const u16) };
    if lo & 3 == 3 {
        4
    } else {
        2
    }
}

fn unexpected(t: &Trap) -> ! {
    println!(
        "unexpected trap: cause={:#x} epc={:#x} tval={:#x} taken in mode {} from mode {}",
        t.cause, t.epc, t.tval, t.taken_in, t.from
    );
    exit(200)
}

/// The new epc for an exception at `t.epc` per the configured [`Action`].
fn resume_pc(t: &Trap, frame: &[u64; 32]) -> u64 {
    let fetch_fault = matches!(t.cause, cause::INSN_MISALIGNED | cause::INSN_ACCESS | 12);
    if ACTION.load(SeqCst) == Action::ReturnRa as u32 || fetch_fault {
        frame[1]
    } else {
        t.epc + insn_len(t.epc)
    }
}

fn clear_m_interrupt(code: u64) {
    // Disable it so it is taken once; clear the sources the harness knows.
    csrc!(mie, 1u64 << code);
    // SAFETY: CLINT registers of hart 0, fixed MMIO addresses.
    unsafe {
        match code {
            irq::MSI => core::ptr::write_volatile(CLINT_MSIP as *mut u32, 0),
            irq::MTI => core::ptr::write_volatile(CLINT_MTIMECMP as *mut u64, u64::MAX),
            _ => {}
        }
    }
}

/// The M-mode handler body, called by `__trap_m` with the saved registers.
#[no_mangle]
extern "C" fn trap_m_rust(frame: &mut [u64; 32]) {
    let status = csrr!(mstatus);
    let t = Trap {
        cause: csrr!(mcause),
        epc: csrr!(mepc),
        tval: csrr!(mtval),
        status,
        taken_in: 3,
        from: (status & mstatus::MPP) >> 11,
    };
    // The way back from run_lower: an ecall from S or U with the magic number in a7, or
    // the machine software interrupt the S handler raises when ecall from S is delegated.
    let escape = t.cause == cause::INTERRUPT | irq::MSI && ESCAPE.swap(false, SeqCst);
    if escape || (t.cause == cause::ECALL_U || t.cause == cause::ECALL_S) && frame[17] == MAGIC_RETURN {
        if escape {
            set_msip(0);
        }
        csrw!(mepc, __lower_resume as *const () as u64);
        csrs!(mstatus, mstatus::MPP);
        // Come back with MIE = 0; run_lower restores the caller's MIE.
        csrc!(mstatus, mstatus::MPIE);
        return;
    }
    let external = EXTERNAL.load(SeqCst);
    if t.cause == cause::INTERRUPT | irq::MEI && external != 0 {
        // SAFETY: EXTERNAL only ever holds a `fn()` stored by set_external_handler.
        let f: fn() = unsafe { core::mem::transmute::<usize, fn()>(external) };
        f();
        return;
    }
    if !ARMED.load(SeqCst) {
        unexpected(&t);
    }
    record(t);
    if t.cause & cause::INTERRUPT != 0 {
        clear_m_interrupt(t.cause & 63);
        return;
    }
    csrw!(mepc, resume_pc(&t, frame));
}

/// The S-mode handler body, called by `__trap_s`.
#[no_mangle]
extern "C" fn trap_s_rust(frame: &mut [u64; 32]) {
    let status = csrr!(sstatus);
    let t = Trap {
        cause: csrr!(scause),
        epc: csrr!(sepc),
        tval: csrr!(stval),
        status,
        taken_in: 1,
        from: (status & mstatus::SPP) >> 8,
    };
    if t.cause == cause::ECALL_U && frame[17] == MAGIC_RETURN {
        // Forward the way back to M with an ecall from S (never returns here).
        // SAFETY: the M handler recognises this ecall and resumes run_lower's caller.
        unsafe { core::arch::asm!("ecall", in("a7") MAGIC_RETURN, options(noreturn)) };
    }
    if t.cause == cause::ECALL_S && frame[17] == MAGIC_RETURN {
        // Ecall from S is delegated, so it cannot reach M: raise a machine software
        // interrupt instead (enabled in mie by run_lower, taken in S regardless of MIE).
        ESCAPE.store(true, SeqCst);
        set_msip(1);
        loop {
            core::hint::spin_loop();
        }
    }
    if !ARMED.load(SeqCst) {
        unexpected(&t);
    }
    record(t);
    if t.cause & cause::INTERRUPT != 0 {
        let code = t.cause & 63;
        csrc!(sie, 1u64 << code);
        if code == irq::SSI {
            csrc!(sip, 1u64 << irq::SSI);
        }
        return;
    }
    csrw!(sepc, resume_pc(&t, frame));
}

/// Runs `f` in `mode` (S or U) entered with MRET, after setting `set_bits` in `mstatus`
/// just before the MRET; returns in M-mode when `f` returns, with the caller's
/// mstatus.MIE restored. `stvec` and `sscratch` are pointed at the S-mode handler first.
/// When `medeleg` delegates ecall from S, the way back is a machine software interrupt
/// (mie.MSIE is set for the excursion).
pub fn run_lower(mode: Mode, f: extern "C" fn(), set_bits: u64) {
    enter_lower(mode, f, set_bits, 0)
}

/// Like [`run_lower`] but enters with SRET from M (sstatus.SPP = `mode`).
pub fn run_lower_sret(mode: Mode, f: extern "C" fn(), set_bits: u64) {
    enter_lower(mode, f, set_bits, 1)
}

fn enter_lower(mode: Mode, f: extern "C" fn(), set_bits: u64, via_sret: u64) {
    setup_s_handler();
    let mie = csrr!(mstatus) & mstatus::MIE;
    csrc!(mstatus, mstatus::MIE);
    // With ecall from S delegated, the way back is a machine software interrupt.
    let escape = csrr!(medeleg) & (1 << cause::ECALL_S) != 0;
    let saved_mie = csrr!(mie);
    if escape {
        csrs!(mie, 1 << irq::MSI);
    }
    // SAFETY: run_lower_asm saves and restores every callee-saved register and the stack
    // pointer around the excursion; `f` runs on the same stack (Bare mode, PMP open).
    unsafe { run_lower_asm(set_bits, f, via_sret, mode as u64) }
    if escape {
        csrw!(mie, saved_mie);
    }
    csrs!(mstatus, mie);
}

/// Points `stvec`/`sscratch` at the S-mode handler and its stack.
pub fn setup_s_handler() {
    csrw!(stvec, __trap_s as *const () as u64);
    // Only the address of the stack is taken; the S handler is its only user.
    let top = core::ptr::addr_of!(TRAP_STACK_S) as u64 + TRAP_STACK as u64;
    csrw!(sscratch, top);
}

/// The address of the M-mode vectored trap table (for `mtvec` with MODE = 1).
pub fn vectored_table() -> u64 {
    __trap_m_vectored as *const () as u64
}

/// The address of the S-mode vectored trap table (for `stvec` with MODE = 1).
pub fn s_vectored_table() -> u64 {
    __trap_s_vectored as *const () as u64
}

/// The address of the direct S-mode handler [`run_lower`] installs in `stvec`.
pub fn s_direct_handler() -> u64 {
    __trap_s as *const () as u64
}

/// The address of the direct M-mode handler `_start` installs in `mtvec`.
pub fn direct_handler() -> u64 {
    __trap_m as *const () as u64
}

/// The vectored-table entry the last trap went through (`u64::MAX` once reset).
pub fn vector_hit() -> u64 {
    VECTOR_HIT.load(SeqCst)
}

/// Resets [`vector_hit`].
pub fn reset_vector_hit() {
    VECTOR_HIT.store(u64::MAX, SeqCst);
}

/// Reads the CLINT's `mtime`.
pub fn mtime() -> u64 {
    // SAFETY: fixed MMIO register.
    unsafe { core::ptr::read_volatile(CLINT_MTIME as *const u64) }
}

/// Writes hart 0's `mtimecmp`.
pub fn set_mtimecmp(v: u64) {
    // SAFETY: fixed MMIO register.
    unsafe { core::ptr::write_volatile(CLINT_MTIMECMP as *mut u64, v) }
}

/// Writes hart 0's `msip`.
pub fn set_msip(v: u32) {
    // SAFETY: fixed MMIO register.
    unsafe { core::ptr::write_volatile(CLINT_MSIP as *mut u32, v) }
}

/// Reads hart 0's `msip`.
pub fn msip() -> u32 {
    // SAFETY: fixed MMIO register.
    unsafe { core::ptr::read_volatile(CLINT_MSIP as *const u32) }
}

// ---------------------------------------------------------------------------------------
// Instruction helpers

/// Runs R-type instruction `op rd, rs1, rs2` on the two values and returns rd.
#[macro_export]
macro_rules! rr {
    ($op:literal, $a:expr, $b:expr) => {{
        let r: u64;
        // SAFETY: a register-only instruction.
        unsafe {
            core::arch::asm!(concat!($op, " {r}, {a}, {b}"), r = out(reg) r,
                a = in(reg) ($a) as u64, b = in(reg) ($b) as u64)
        };
        r
    }};
}

/// Runs I-type instruction `op rd, rs1, imm` and returns rd.
#[macro_export]
macro_rules! ri {
    ($op:literal, $a:expr, $imm:expr) => {{
        let r: u64;
        // SAFETY: a register-only instruction.
        unsafe {
            core::arch::asm!(concat!($op, " {r}, {a}, {i}"), r = out(reg) r,
                a = in(reg) ($a) as u64, i = const $imm)
        };
        r
    }};
}

/// Checks `op rd, rs1, rs2` against the expected result.
#[macro_export]
macro_rules! test_rr {
    ($op:literal, $a:expr, $b:expr, $exp:expr) => {
        $crate::check_eq!(concat!($op, " ", stringify!($a), ", ", stringify!($b)), $crate::rr!($op, $a, $b), $exp)
    };
}

/// Checks `op rd, rs1, imm` against the expected result.
#[macro_export]
macro_rules! test_ri {
    ($op:literal, $a:expr, $imm:expr, $exp:expr) => {
        $crate::check_eq!(concat!($op, " ", stringify!($a), ", ", stringify!($imm)), $crate::ri!($op, $a, $imm), $exp)
    };
}

// ---------------------------------------------------------------------------------------
// Instructions of extensions beyond the crate's RV64GC target (B, Zicond, CMO, ...): the
// assembler is told with `.option arch, +ext` around the one instruction, so the rest of
// every program stays RV64GC.

/// Runs `op rd, rs1, rs2` of extension `ext` (e.g. `"+zbb"`) and returns rd.
#[macro_export]
macro_rules! rr_ext {
    ($ext:literal, $op:literal, $a:expr, $b:expr) => {{
        let r: u64;
        // SAFETY: a register-only instruction.
        unsafe {
            core::arch::asm!(concat!(".option push\n.option arch, ", $ext, "\n", $op, " {r}, {a}, {b}\n.option pop"),
                r = out(reg) r, a = in(reg) ($a) as u64, b = in(reg) ($b) as u64)
        };
        r
    }};
}

/// Runs `op rd, rs1, imm` of extension `ext` and returns rd.
#[macro_export]
macro_rules! ri_ext {
    ($ext:literal, $op:literal, $a:expr, $imm:expr) => {{
        let r: u64;
        // SAFETY: a register-only instruction.
        unsafe {
            core::arch::asm!(concat!(".option push\n.option arch, ", $ext, "\n", $op, " {r}, {a}, {i}\n.option pop"),
                r = out(reg) r, a = in(reg) ($a) as u64, i = const $imm)
        };
        r
    }};
}

/// Runs the unary `op rd, rs1` of extension `ext` and returns rd.
#[macro_export]
macro_rules! r1_ext {
    ($ext:literal, $op:literal, $a:expr) => {{
        let r: u64;
        // SAFETY: a register-only instruction.
        unsafe {
            core::arch::asm!(concat!(".option push\n.option arch, ", $ext, "\n", $op, " {r}, {a}\n.option pop"),
                r = out(reg) r, a = in(reg) ($a) as u64)
        };
        r
    }};
}

/// Checks `op rd, rs1, rs2` of extension `ext` against the expected result.
#[macro_export]
macro_rules! test_rr_ext {
    ($ext:literal, $op:literal, $a:expr, $b:expr, $exp:expr) => {
        $crate::check_eq!(
            concat!($op, " ", stringify!($a), ", ", stringify!($b)),
            $crate::rr_ext!($ext, $op, $a, $b),
            $exp
        )
    };
}

/// Checks `op rd, rs1, imm` of extension `ext` against the expected result.
#[macro_export]
macro_rules! test_ri_ext {
    ($ext:literal, $op:literal, $a:expr, $imm:expr, $exp:expr) => {
        $crate::check_eq!(
            concat!($op, " ", stringify!($a), ", ", stringify!($imm)),
            $crate::ri_ext!($ext, $op, $a, $imm),
            $exp
        )
    };
}

/// Checks the unary `op rd, rs1` of extension `ext` against the expected result.
#[macro_export]
macro_rules! test_r1_ext {
    ($ext:literal, $op:literal, $a:expr, $exp:expr) => {
        $crate::check_eq!(concat!($op, " ", stringify!($a)), $crate::r1_ext!($ext, $op, $a), $exp)
    };
}
