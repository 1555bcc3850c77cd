//! Shared by the f_* and d_* programs (included with `#[path]`; not a program itself):
//! enabling `mstatus.FS`, a trap handler that records the cause and skips the trapping
//! instruction, and [`run`], which executes one F/D instruction by name with a given
//! rounding mode on raw register bits and returns the raw result and the `fflags` it set.
//! Operands go in and out through integer registers with FMV.D.X/FMV.X.D, so the full 64
//! bits of FP registers are visible (NaN-boxing).
#![allow(dead_code)]
// Each check names its instruction, rounding mode, three operands and the expected result
// and flags: one row of a test table, clearer flat than bundled.
#![allow(clippy::too_many_arguments)]

use core::arch::asm;
use isa_tests::println;

/// Sets `mstatus.FS` to Initial (1): FP instructions are illegal while FS is Off, and the
/// runtime's `_start` leaves it Off. Must run before any FP instruction.
pub fn enable_fs() {
    // SAFETY: M-mode CSR write of a status field; no memory is touched.
    unsafe { asm!("li {t}, 0x2000", "csrs mstatus, {t}", t = out(reg) _) };
}

/// Clears `mstatus.FS` to Off.
pub fn disable_fs() {
    // SAFETY: as above.
    unsafe { asm!("li {t}, 0x6000", "csrc mstatus, {t}", t = out(reg) _) };
}

pub fn mstatus() -> u64 {
    let v: u64;
    // SAFETY: CSR read.
    unsafe { asm!("csrr {v}, mstatus", v = out(reg) v) };
    v
}

/// mstatus.FS (bits 14:13).
pub fn fs() -> u64 {
    (mstatus() >> 13) & 3
}

/// Sets FS to `v` (0-3).
pub fn set_fs(v: u64) {
    // SAFETY: CSR writes of the FS field.
    unsafe {
        asm!(
            "li {t}, 0x6000", "csrc mstatus, {t}", "slli {v}, {v}, 13", "csrs mstatus, {v}",
            t = out(reg) _, v = inout(reg) v => _
        )
    };
}

/// Trap record: [saved t1, cause, count]. The handler below writes it.
#[no_mangle]
static mut FP_TRAP_SAVE: [u64; 4] = [0; 4];

core::arch::global_asm!(
    r#"
    .section .text
    .align 4
    .globl fp_trap_handler
fp_trap_handler:
    csrrw t0, mscratch, t0
    sd t1, 0(t0)
    csrr t1, mcause
    sd t1, 8(t0)
    ld t1, 16(t0)
    addi t1, t1, 1
    sd t1, 16(t0)
    csrr t1, mepc
    lhu t1, 0(t1)
    andi t1, t1, 3
    addi t1, t1, -3
    bnez t1, 1f
    csrr t1, mepc
    addi t1, t1, 4
    j 2f
1:  csrr t1, mepc
    addi t1, t1, 2
2:  csrw mepc, t1
    ld t1, 0(t0)
    csrrw t0, mscratch, t0
    mret
"#
);

/// Points mtvec at the recording handler and mscratch at its save area.
pub fn install_trap() {
    // SAFETY: M-mode CSR writes; the save area is a static the handler alone writes.
    unsafe {
        asm!(
            "la {t}, fp_trap_handler",
            "csrw mtvec, {t}",
            "la {t}, FP_TRAP_SAVE",
            "csrw mscratch, {t}",
            t = out(reg) _,
        )
    };
}

/// (number of traps taken, cause of the last one), and resets both.
pub fn take_traps() -> (u64, u64) {
    // SAFETY: the handler writes this static only during a trap, never concurrently.
    unsafe {
        let p = &raw mut FP_TRAP_SAVE;
        let n = core::ptr::read_volatile(&(*p)[2]);
        let c = core::ptr::read_volatile(&(*p)[1]);
        core::ptr::write_volatile(&mut (*p)[2], 0);
        core::ptr::write_volatile(&mut (*p)[1], 0);
        (n, c)
    }
}

pub fn read_fflags() -> u64 {
    let v: u64;
    // SAFETY: CSR read.
    unsafe { asm!("csrr {v}, fflags", v = out(reg) v) };
    v
}

pub fn write_frm(v: u64) {
    // SAFETY: CSR write.
    unsafe { asm!("csrw frm, {v}", v = in(reg) v) };
}

/// fflags bits.
pub const NX: u64 = 1;
pub const UF: u64 = 2;
pub const OF: u64 = 4;
pub const DZ: u64 = 8;
pub const NV: u64 = 16;

/// Rounding modes (rm field); DYN takes frm.
pub const RNE: u8 = 0;
pub const RTZ: u8 = 1;
pub const RDN: u8 = 2;
pub const RUP: u8 = 3;
pub const RMM: u8 = 4;
pub const DYN: u8 = 7;

/// NaN-boxes a single.
pub const fn bx(v: u32) -> u64 {
    0xffff_ffff_0000_0000 | v as u64
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum Op {
    fadd_s,
    fsub_s,
    fmul_s,
    fdiv_s,
    fsqrt_s,
    fmadd_s,
    fmsub_s,
    fnmsub_s,
    fnmadd_s,
    fsgnj_s,
    fsgnjn_s,
    fsgnjx_s,
    fmin_s,
    fmax_s,
    feq_s,
    flt_s,
    fle_s,
    fclass_s,
    fcvt_w_s,
    fcvt_wu_s,
    fcvt_l_s,
    fcvt_lu_s,
    fcvt_s_w,
    fcvt_s_wu,
    fcvt_s_l,
    fcvt_s_lu,
    fmv_x_w,
    fmv_w_x,
    fadd_d,
    fsub_d,
    fmul_d,
    fdiv_d,
    fsqrt_d,
    fmadd_d,
    fmsub_d,
    fnmsub_d,
    fnmadd_d,
    fsgnj_d,
    fsgnjn_d,
    fsgnjx_d,
    fmin_d,
    fmax_d,
    feq_d,
    flt_d,
    fle_d,
    fclass_d,
    fcvt_w_d,
    fcvt_wu_d,
    fcvt_l_d,
    fcvt_lu_d,
    fcvt_d_w,
    fcvt_d_wu,
    fcvt_d_l,
    fcvt_d_lu,
    fcvt_s_d,
    fcvt_d_s,
    fmv_x_d,
    fmv_d_x,
}

macro_rules! with_rm {
    ($rm:expr, $m:ident, $($args:tt)*) => {
        match $rm {
            0 => $m!("rne", $($args)*),
            1 => $m!("rtz", $($args)*),
            2 => $m!("rdn", $($args)*),
            3 => $m!("rup", $($args)*),
            4 => $m!("rmm", $($args)*),
            _ => $m!("dyn", $($args)*),
        }
    };
}

/// f3 = op(f0, f1, f2, rm)
macro_rules! r3 {
    ($rm:literal, $i:literal, $a:expr, $b:expr, $c:expr) => {{
        let (r, f): (u64, u64);
        // SAFETY: register-only FP instruction sequence; clobbers declared.
        unsafe {
            asm!("fmv.d.x ft0, {a}", "fmv.d.x ft1, {b}", "fmv.d.x ft2, {c}", "csrw fflags, zero",
                concat!($i, " ft3, ft0, ft1, ft2, ", $rm), "fmv.x.d {r}, ft3", "csrr {f}, fflags",
                a = in(reg) $a, b = in(reg) $b, c = in(reg) $c, r = out(reg) r, f = out(reg) f,
                out("ft0") _, out("ft1") _, out("ft2") _, out("ft3") _)
        };
        (r, f)
    }};
}
macro_rules! r2 {
    ($rm:literal, $i:literal, $a:expr, $b:expr) => {{
        let (r, f): (u64, u64);
        // SAFETY: as r3.
        unsafe {
            asm!("fmv.d.x ft0, {a}", "fmv.d.x ft1, {b}", "csrw fflags, zero",
                concat!($i, " ft3, ft0, ft1, ", $rm), "fmv.x.d {r}, ft3", "csrr {f}, fflags",
                a = in(reg) $a, b = in(reg) $b, r = out(reg) r, f = out(reg) f,
                out("ft0") _, out("ft1") _, out("ft3") _)
        };
        (r, f)
    }};
}
macro_rules! r1 {
    ($rm:literal, $i:literal, $a:expr) => {{
        let (r, f): (u64, u64);
        // SAFETY: as r3.
        unsafe {
            asm!("fmv.d.x ft0, {a}", "csrw fflags, zero",
                concat!($i, " ft3, ft0, ", $rm), "fmv.x.d {r}, ft3", "csrr {f}, fflags",
                a = in(reg) $a, r = out(reg) r, f = out(reg) f, out("ft0") _, out("ft3") _)
        };
        (r, f)
    }};
}
/// x = op(f0, rm)
macro_rules! xf {
    ($rm:literal, $i:literal, $a:expr) => {{
        let (r, f): (u64, u64);
        // SAFETY: as r3.
        unsafe {
            asm!("fmv.d.x ft0, {a}", "csrw fflags, zero",
                concat!($i, " {r}, ft0, ", $rm), "csrr {f}, fflags",
                a = in(reg) $a, r = out(reg) r, f = out(reg) f, out("ft0") _)
        };
        (r, f)
    }};
}
/// f3 = op(x, rm)
macro_rules! fx {
    ($rm:literal, $i:literal, $a:expr) => {{
        let (r, f): (u64, u64);
        // SAFETY: as r3.
        unsafe {
            asm!("csrw fflags, zero",
                concat!($i, " ft3, {a}, ", $rm), "fmv.x.d {r}, ft3", "csrr {f}, fflags",
                a = in(reg) $a, r = out(reg) r, f = out(reg) f, out("ft3") _)
        };
        (r, f)
    }};
}
/// f3 = op(f0, f1), no rm
macro_rules! n2 {
    ($i:literal, $a:expr, $b:expr) => {{
        let (r, f): (u64, u64);
        // SAFETY: as r3.
        unsafe {
            asm!("fmv.d.x ft0, {a}", "fmv.d.x ft1, {b}", "csrw fflags, zero",
                concat!($i, " ft3, ft0, ft1"), "fmv.x.d {r}, ft3", "csrr {f}, fflags",
                a = in(reg) $a, b = in(reg) $b, r = out(reg) r, f = out(reg) f,
                out("ft0") _, out("ft1") _, out("ft3") _)
        };
        (r, f)
    }};
}
/// x = op(f0, f1), no rm
macro_rules! nx2 {
    ($i:literal, $a:expr, $b:expr) => {{
        let (r, f): (u64, u64);
        // SAFETY: as r3.
        unsafe {
            asm!("fmv.d.x ft0, {a}", "fmv.d.x ft1, {b}", "csrw fflags, zero",
                concat!($i, " {r}, ft0, ft1"), "csrr {f}, fflags",
                a = in(reg) $a, b = in(reg) $b, r = out(reg) r, f = out(reg) f,
                out("ft0") _, out("ft1") _)
        };
        (r, f)
    }};
}
/// x = op(f0), no rm
macro_rules! nx1 {
    ($i:literal, $a:expr) => {{
        let (r, f): (u64, u64);
        // SAFETY: as r3.
        unsafe {
            asm!("fmv.d.x ft0, {a}", "csrw fflags, zero",
                concat!($i, " {r}, ft0"), "csrr {f}, fflags",
                a = in(reg) $a, r = out(reg) r, f = out(reg) f, out("ft0") _)
        };
        (r, f)
    }};
}
/// f3 = op(x), no rm
macro_rules! nf1 {
    ($i:literal, $a:expr) => {{
        let (r, f): (u64, u64);
        // SAFETY: as r3.
        unsafe {
            asm!("csrw fflags, zero",
                concat!($i, " ft3, {a}"), "fmv.x.d {r}, ft3", "csrr {f}, fflags",
                a = in(reg) $a, r = out(reg) r, f = out(reg) f, out("ft3") _)
        };
        (r, f)
    }};
}

/// Executes `op` with rounding mode `rm` (DYN or any value above 4 assembles as `dyn`) on
/// raw register values; returns (raw rd value, fflags after the instruction alone).
#[inline(never)]
pub fn run(op: Op, rm: u8, a: u64, b: u64, c: u64) -> (u64, u64) {
    use Op::*;
    match op {
        fadd_s => with_rm!(rm, r2, "fadd.s", a, b),
        fsub_s => with_rm!(rm, r2, "fsub.s", a, b),
        fmul_s => with_rm!(rm, r2, "fmul.s", a, b),
        fdiv_s => with_rm!(rm, r2, "fdiv.s", a, b),
        fsqrt_s => with_rm!(rm, r1, "fsqrt.s", a),
        fmadd_s => with_rm!(rm, r3, "fmadd.s", a, b, c),
        fmsub_s => with_rm!(rm, r3, "fmsub.s", a, b, c),
        fnmsub_s => with_rm!(rm, r3, "fnmsub.s", a, b, c),
        fnmadd_s => with_rm!(rm, r3, "fnmadd.s", a, b, c),
        fsgnj_s => n2!("fsgnj.s", a, b),
        fsgnjn_s => n2!("fsgnjn.s", a, b),
        fsgnjx_s => n2!("fsgnjx.s", a, b),
        fmin_s => n2!("fmin.s", a, b),
        fmax_s => n2!("fmax.s", a, b),
        feq_s => nx2!("feq.s", a, b),
        flt_s => nx2!("flt.s", a, b),
        fle_s => nx2!("fle.s", a, b),
        fclass_s => nx1!("fclass.s", a),
        fcvt_w_s => with_rm!(rm, xf, "fcvt.w.s", a),
        fcvt_wu_s => with_rm!(rm, xf, "fcvt.wu.s", a),
        fcvt_l_s => with_rm!(rm, xf, "fcvt.l.s", a),
        fcvt_lu_s => with_rm!(rm, xf, "fcvt.lu.s", a),
        fcvt_s_w => with_rm!(rm, fx, "fcvt.s.w", a),
        fcvt_s_wu => with_rm!(rm, fx, "fcvt.s.wu", a),
        fcvt_s_l => with_rm!(rm, fx, "fcvt.s.l", a),
        fcvt_s_lu => with_rm!(rm, fx, "fcvt.s.lu", a),
        fmv_x_w => nx1!("fmv.x.w", a),
        fmv_w_x => nf1!("fmv.w.x", a),
        fadd_d => with_rm!(rm, r2, "fadd.d", a, b),
        fsub_d => with_rm!(rm, r2, "fsub.d", a, b),
        fmul_d => with_rm!(rm, r2, "fmul.d", a, b),
        fdiv_d => with_rm!(rm, r2, "fdiv.d", a, b),
        fsqrt_d => with_rm!(rm, r1, "fsqrt.d", a),
        fmadd_d => with_rm!(rm, r3, "fmadd.d", a, b, c),
        fmsub_d => with_rm!(rm, r3, "fmsub.d", a, b, c),
        fnmsub_d => with_rm!(rm, r3, "fnmsub.d", a, b, c),
        fnmadd_d => with_rm!(rm, r3, "fnmadd.d", a, b, c),
        fsgnj_d => n2!("fsgnj.d", a, b),
        fsgnjn_d => n2!("fsgnjn.d", a, b),
        fsgnjx_d => n2!("fsgnjx.d", a, b),
        fmin_d => n2!("fmin.d", a, b),
        fmax_d => n2!("fmax.d", a, b),
        feq_d => nx2!("feq.d", a, b),
        flt_d => nx2!("flt.d", a, b),
        fle_d => nx2!("fle.d", a, b),
        fclass_d => nx1!("fclass.d", a),
        fcvt_w_d => with_rm!(rm, xf, "fcvt.w.d", a),
        fcvt_wu_d => with_rm!(rm, xf, "fcvt.wu.d", a),
        fcvt_l_d => with_rm!(rm, xf, "fcvt.l.d", a),
        fcvt_lu_d => with_rm!(rm, xf, "fcvt.lu.d", a),
        fcvt_d_w => with_rm!(rm, fx, "fcvt.d.w", a),
        fcvt_d_wu => with_rm!(rm, fx, "fcvt.d.wu", a),
        fcvt_d_l => with_rm!(rm, fx, "fcvt.d.l", a),
        fcvt_d_lu => with_rm!(rm, fx, "fcvt.d.lu", a),
        fcvt_s_d => with_rm!(rm, r1, "fcvt.s.d", a),
        fcvt_d_s => with_rm!(rm, r1, "fcvt.d.s", a),
        fmv_x_d => nx1!("fmv.x.d", a),
        fmv_d_x => nf1!("fmv.d.x", a),
    }
}

/// Counts failed checks and prints each.
#[derive(Default)]
pub struct Checker {
    pub fails: u32,
    pub checks: u32,
}

impl Checker {
    /// Checks one instruction: raw operands, expected raw rd and expected fflags.
    pub fn op(&mut self, op: Op, rm: u8, a: u64, b: u64, c: u64, want: u64, want_flags: u64) {
        let (got, flags) = run(op, rm, a, b, c);
        self.checks += 1;
        if got != want || flags != want_flags {
            self.fails += 1;
            println!(
                "FAIL {:?} rm={} a={:#x} b={:#x} c={:#x}: got {:#x} flags {:#x}, want {:#x} flags {:#x}",
                op, rm, a, b, c, got, flags, want, want_flags
            );
        }
    }

    /// Single-precision form: operands and an FP result are NaN-boxed here; `x_result`
    /// says the result goes to an integer register and is compared unboxed.
    pub fn s(&mut self, op: Op, rm: u8, a: u32, b: u32, c: u32, want: u32, want_flags: u64) {
        self.op(op, rm, bx(a), bx(b), bx(c), bx(want), want_flags);
    }

    /// Single-precision operands (NaN-boxed here), integer-register result `want`.
    pub fn sx(&mut self, op: Op, rm: u8, a: u32, b: u32, want: u64, want_flags: u64) {
        self.op(op, rm, bx(a), bx(b), 0, want, want_flags);
    }

    /// Expected (rd, flags) per static mode, in the order RNE, RTZ, RDN, RUP, RMM, for an
    /// operation on raw register values.
    pub fn per_rm(&mut self, op: Op, a: u64, b: u64, c: u64, want: [(u64, u64); 5]) {
        for (rm, (w, f)) in [RNE, RTZ, RDN, RUP, RMM].into_iter().zip(want) {
            self.op(op, rm, a, b, c, w, f);
        }
    }

    /// The same check for every static rounding mode.
    pub fn s_all(&mut self, op: Op, a: u32, b: u32, c: u32, want: u32, want_flags: u64) {
        for rm in [RNE, RTZ, RDN, RUP, RMM] {
            self.s(op, rm, a, b, c, want, want_flags);
        }
    }

    pub fn d_all(&mut self, op: Op, a: u64, b: u64, c: u64, want: u64, want_flags: u64) {
        for rm in [RNE, RTZ, RDN, RUP, RMM] {
            self.op(op, rm, a, b, c, want, want_flags);
        }
    }

    /// A plain boolean check.
    pub fn check(&mut self, what: &str, ok: bool) {
        self.checks += 1;
        if !ok {
            self.fails += 1;
            println!("FAIL {what}");
        }
    }

    /// Prints the summary and returns the exit code (0 when all passed).
    pub fn finish(&self, name: &str) -> u32 {
        println!("{name}: {} checks, {} failed", self.checks, self.fails);
        self.fails
    }
}
