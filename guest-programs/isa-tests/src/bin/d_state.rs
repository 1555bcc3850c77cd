//! D loads and stores: FLD/FSD and the compressed C.FLD/C.FSD/C.FLDSP/C.FSDSP move 64 bits
//! unchanged (12.3, 27.3), are illegal with mstatus.FS = Off like every FP instruction
//! (Privileged 3.1.6.6), and FLD makes FS Dirty. A double read by a single-precision
//! instruction is not NaN-boxed and reads as the canonical NaN (12.2).
#![no_std]
#![no_main]

#[path = "fp_common/mod.rs"]
mod common;
use common::*;
use core::arch::asm;
use isa_tests::entry;

entry!(main);

static mut BUF: [u64; 4] = [0x7ff0_0000_0000_0001, 0x3ff0_0000_0000_0000, 0, 0];

/// Reads BUF[i] as memory (the stores under test bypass the compiler).
fn buf(i: usize) -> u64 {
    // SAFETY: i < 4; volatile read of a static only asm writes.
    unsafe { core::ptr::read_volatile((&raw const BUF as *const u64).add(i)) }
}

fn illegal(t: &mut Checker, what: &str, f: impl FnOnce()) {
    take_traps();
    f();
    let (n, cause) = take_traps();
    t.check(what, n == 1 && cause == 2);
}

fn main() -> u32 {
    install_trap();
    let mut t = Checker::default();
    let p = &raw mut BUF as u64;
    // SAFETY (all asm below): loads and stores within BUF, FP register moves.
    disable_fs();
    illegal(&mut t, "fld with FS=Off", || unsafe { asm!("fld ft0, 0({p})", p = in(reg) p, out("ft0") _) });
    illegal(&mut t, "fsd with FS=Off", || unsafe { asm!("fsd ft0, 16({p})", p = in(reg) p) });
    illegal(&mut t, "c.fld with FS=Off", || unsafe { asm!("c.fld fa0, 0(a0)", in("a0") p, out("fa0") _) });
    illegal(&mut t, "c.fsd with FS=Off", || unsafe { asm!("c.fsd fa0, 16(a0)", in("a0") p) });
    illegal(&mut t, "c.fldsp with FS=Off", || unsafe { asm!("c.fldsp ft0, 0(sp)", out("ft0") _) });
    illegal(&mut t, "c.fsdsp with FS=Off", || unsafe {
        asm!("addi sp, sp, -16", "c.fsdsp ft0, 0(sp)", "addi sp, sp, 16")
    });
    illegal(&mut t, "fadd.d with FS=Off", || unsafe { asm!("fadd.d ft0, ft0, ft0", out("ft0") _) });
    illegal(&mut t, "fmv.x.d with FS=Off", || unsafe { asm!("fmv.x.d {r}, ft0", r = out(reg) _) });
    t.check("no store happened with FS=Off", buf(2) == 0);

    set_fs(1);
    // FLD/FSD move 64 bits unchanged, including a signaling NaN.
    let v: u64;
    unsafe {
        asm!("fld ft0, 0({p})", "fmv.x.d {v}, ft0", "fsd ft0, 16({p})", p = in(reg) p, v = out(reg) v, out("ft0") _)
    };
    t.check("fld loads the raw bits", v == 0x7ff0_0000_0000_0001);
    t.check("fld made FS Dirty", fs() == 3);
    t.check("fsd stored the raw bits", buf(2) == 0x7ff0_0000_0000_0001);
    // Compressed forms.
    let (v1, v2): (u64, u64);
    unsafe {
        asm!(
            "c.fld fa0, 8(a0)", "fmv.x.d {v1}, fa0", "c.fsd fa0, 24(a0)",
            "addi sp, sp, -16", "c.fsdsp fa0, 8(sp)", "c.fldsp ft1, 8(sp)", "addi sp, sp, 16", "fmv.x.d {v2}, ft1",
            in("a0") p, v1 = out(reg) v1, v2 = out(reg) v2, out("fa0") _, out("ft1") _
        )
    };
    t.check("c.fld", v1 == 0x3ff0_0000_0000_0000);
    t.check("c.fsd", buf(3) == 0x3ff0_0000_0000_0000);
    t.check("c.fsdsp then c.fldsp", v2 == 0x3ff0_0000_0000_0000);
    // A double is not a NaN-boxed single: FADD.S reads it as the canonical NaN.
    t.op(Op::fadd_s, RNE, 0x3ff0_0000_0000_0000, bx(0x3f80_0000), 0, bx(0x7fc0_0000), 0);
    // Double results use all 64 bits.
    t.op(Op::fadd_d, RNE, 0x3ff0_0000_0000_0000, 0x3ff0_0000_0000_0000, 0, 0x4000_0000_0000_0000, 0);
    t.finish("d_state")
}
