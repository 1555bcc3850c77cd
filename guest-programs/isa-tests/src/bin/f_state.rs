//! F state: mstatus.FS = Off makes FP instructions and the FP CSRs illegal (Privileged
//! 3.1.6.6); writing an FP register or fcsr makes FS Dirty and SD read 1; the reserved rm
//! values 5 and 6 and DYN with frm = 5..7 are illegal (Unprivileged 11.2); fflags accrue;
//! FLW NaN-boxes and FSW stores the raw low 32 bits (11.5, 12.2).
#![no_std]
#![no_main]

#[path = "fp_common/mod.rs"]
mod common;
use common::Op::*;
use common::*;
use core::arch::asm;
use isa_tests::entry;

entry!(main);

const ILLEGAL: u64 = 2;

/// Runs `f` and checks it trapped exactly once with illegal-instruction.
fn illegal(t: &mut Checker, what: &str, f: impl FnOnce()) {
    take_traps();
    f();
    let (n, cause) = take_traps();
    t.check(what, n == 1 && cause == ILLEGAL);
    if n != 1 || cause != ILLEGAL {
        isa_tests::println!("  {what}: {n} traps, cause {cause}");
    }
}

/// Runs `f` and checks it did not trap.
fn legal(t: &mut Checker, what: &str, f: impl FnOnce()) {
    take_traps();
    f();
    let (n, _) = take_traps();
    t.check(what, n == 0);
}

static mut WORD: [u32; 2] = [0x3f80_0000, 0];

fn main() -> u32 {
    install_trap();
    let mut t = Checker::default();
    // --- FS = Off (reset state of the runtime) ---
    disable_fs();
    t.check("FS is Off", fs() == 0);
    let p = &raw mut WORD as u64;
    // SAFETY (all asm below): register-only FP instructions or loads/stores of WORD.
    illegal(&mut t, "fadd.s with FS=Off", || unsafe { asm!("fadd.s ft0, ft1, ft2") });
    illegal(&mut t, "flw with FS=Off", || unsafe { asm!("flw ft0, 0({p})", p = in(reg) p) });
    illegal(&mut t, "fsw with FS=Off", || unsafe { asm!("fsw ft0, 4({p})", p = in(reg) p) });
    illegal(&mut t, "fmv.w.x with FS=Off", || unsafe { asm!("fmv.w.x ft0, zero") });
    illegal(&mut t, "fmv.x.w with FS=Off", || unsafe { asm!("fmv.x.w {r}, ft0", r = out(reg) _) });
    illegal(&mut t, "fcvt.s.w with FS=Off", || unsafe { asm!("fcvt.s.w ft0, zero") });
    illegal(&mut t, "feq.s with FS=Off", || unsafe { asm!("feq.s {r}, ft0, ft0", r = out(reg) _) });
    illegal(&mut t, "fmadd.s with FS=Off", || unsafe { asm!("fmadd.s ft0, ft0, ft0, ft0") });
    illegal(&mut t, "csrr fflags with FS=Off", || unsafe { asm!("csrr {r}, fflags", r = out(reg) _) });
    illegal(&mut t, "csrw frm with FS=Off", || unsafe { asm!("csrw frm, zero") });
    illegal(&mut t, "csrr fcsr with FS=Off", || unsafe { asm!("csrr {r}, fcsr", r = out(reg) _) });
    t.check("illegal FP instructions left FS Off", fs() == 0);
    t.check(
        "FSW with FS=Off stored nothing",
        unsafe { core::ptr::read_volatile((&raw const WORD as *const u32).add(1)) } == 0,
    );

    // --- FS becomes Dirty on FP register writes and fcsr writes ---
    set_fs(1);
    t.check("FS Initial", fs() == 1 && mstatus() >> 63 == 0);
    legal(&mut t, "fmv.w.x with FS=Initial", || unsafe { asm!("fmv.w.x ft0, zero") });
    t.check("fmv.w.x made FS Dirty", fs() == 3);
    t.check("SD reads 1 when FS is Dirty", mstatus() >> 63 == 1);
    set_fs(2);
    t.check("FS Clean, SD 0", fs() == 2 && mstatus() >> 63 == 0);
    unsafe { asm!("fadd.s ft0, ft0, ft0") };
    t.check("fadd.s made FS Dirty", fs() == 3);
    set_fs(1);
    unsafe { asm!("flw ft0, 0({p})", p = in(reg) p) };
    t.check("flw made FS Dirty", fs() == 3);
    set_fs(1);
    unsafe { asm!("csrw fflags, zero") };
    t.check("write to fflags made FS Dirty", fs() == 3);
    set_fs(2);
    unsafe { asm!("csrwi frm, 0") };
    t.check("write to frm made FS Dirty", fs() == 3);
    set_fs(2);
    unsafe { asm!("csrw fcsr, zero") };
    t.check("write to fcsr made FS Dirty", fs() == 3);

    // --- fcsr layout and accrual ---
    unsafe { asm!("csrw fcsr, {v}", v = in(reg) (3u64 << 5) | 0x1f) };
    let (fl, rm, fc): (u64, u64, u64);
    unsafe {
        asm!("csrr {a}, fflags", "csrr {b}, frm", "csrr {c}, fcsr", a = out(reg) fl, b = out(reg) rm, c = out(reg) fc)
    };
    t.check("fcsr = frm<<5 | fflags", fl == 0x1f && rm == 3 && fc == 0x7f);
    unsafe { asm!("csrw fcsr, zero") };
    // 1/0 then 1 + 2^-24: DZ and NX accrue.
    unsafe {
        asm!(
            "li {t}, 0x3f800000", "fmv.w.x ft0, {t}", "fmv.w.x ft1, zero", "fdiv.s ft2, ft0, ft1",
            "li {t}, 0x33800000", "fmv.w.x ft1, {t}", "fadd.s ft2, ft0, ft1",
            t = out(reg) _, out("ft0") _, out("ft1") _, out("ft2") _
        )
    };
    t.check("flags accrue (DZ|NX)", read_fflags() == DZ | NX);
    // An exact operation does not clear accrued flags.
    unsafe { asm!("fadd.s ft2, ft0, ft0", out("ft2") _) };
    t.check("exact op keeps accrued flags", read_fflags() == DZ | NX);
    unsafe { asm!("csrw fflags, zero") };

    // --- rounding-mode legality ---
    illegal(&mut t, "fadd.s rm=5", || unsafe { asm!(".insn r 0x53, 5, 0x00, ft3, ft0, ft1", out("ft3") _) });
    illegal(&mut t, "fadd.s rm=6", || unsafe { asm!(".insn r 0x53, 6, 0x00, ft3, ft0, ft1", out("ft3") _) });
    illegal(&mut t, "fsqrt.s rm=5", || unsafe { asm!(".insn r 0x53, 5, 0x2c, ft3, ft0, f0", out("ft3") _) });
    illegal(&mut t, "fmadd.s rm=6", || unsafe { asm!(".insn r4 0x43, 6, 0, ft3, ft0, ft1, ft2", out("ft3") _) });
    illegal(&mut t, "fcvt.w.s rm=5", || unsafe { asm!(".insn r 0x53, 5, 0x60, {r}, ft0, f0", r = out(reg) _) });
    illegal(&mut t, "fcvt.s.w rm=6", || unsafe { asm!(".insn r 0x53, 6, 0x68, ft3, zero, x0", out("ft3") _) });
    illegal(&mut t, "fcvt.d.s (exact) rm=5", || unsafe { asm!(".insn r 0x53, 5, 0x21, ft3, ft0, f0", out("ft3") _) });
    for frm in [5u64, 6, 7] {
        write_frm(frm);
        illegal(&mut t, "fadd.s dyn with invalid frm", || unsafe { asm!("fadd.s ft3, ft0, ft1, dyn", out("ft3") _) });
        illegal(&mut t, "fcvt.w.s dyn with invalid frm", || unsafe { asm!("fcvt.w.s {r}, ft0, dyn", r = out(reg) _) });
        legal(&mut t, "fadd.s rne with invalid frm", || unsafe { asm!("fadd.s ft3, ft0, ft1, rne", out("ft3") _) });
        legal(&mut t, "fsgnj.s with invalid frm", || unsafe { asm!("fsgnj.s ft3, ft0, ft1", out("ft3") _) });
        legal(&mut t, "feq.s with invalid frm", || unsafe { asm!("feq.s {r}, ft0, ft1", r = out(reg) _) });
        let rd: u64;
        unsafe { asm!("csrr {r}, frm", r = out(reg) rd) };
        t.check("frm holds the invalid value", rd == frm);
    }
    write_frm(0);

    // --- FLW NaN-boxes, FSW stores the raw low bits ---
    let (boxed, stored): (u64, u32);
    unsafe {
        asm!(
            "flw ft0, 0({p})", "fmv.x.d {b}, ft0",
            "li {t}, 0x123456789abcdef0", "fmv.d.x ft1, {t}", "fsw ft1, 4({p})", "lwu {s}, 4({p})",
            p = in(reg) p, b = out(reg) boxed, t = out(reg) _, s = out(reg) stored, out("ft0") _, out("ft1") _
        )
    };
    t.check("flw NaN-boxes", boxed == 0xffff_ffff_3f80_0000);
    t.check("fsw stores the low 32 bits unchanged", stored == 0x9abc_def0);
    // Single results are NaN-boxed; a signaling NaN loaded by FLW keeps its payload.
    t.op(fmv_w_x, 0, 0x7f80_0001, 0, 0, bx(0x7f80_0001), 0);
    t.finish("f_state")
}
