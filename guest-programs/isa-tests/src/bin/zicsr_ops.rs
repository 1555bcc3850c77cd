//! Zicsr instructions and the machine-level CSR values (Unprivileged "Zicsr";
//! Privileged 3.1): CSRRW/RS/RC and the immediate forms return the old value and write
//! the new one; the 5-bit uimm is zero-extended; rd = x0 and rs1 = x0 forms; misa,
//! mhartid, mvendorid/marchid/mimpid, mstatus UXL/SXL; WARL behaviour of mtvec, medeleg,
//! mideleg, mip and mie; sstatus/sie/sip as restricted views of the M registers.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{check, check_eq, csrc, csrr, csrs, csrw, direct_handler, entry, finish, irq, mstatus};

entry!(main);

fn main() -> u32 {
    csrw!(mie, 0);
    let saved = csrr!(mscratch);
    // CSRRW: old value to rd, rs1 to the CSR.
    csrw!(mscratch, 0x1111);
    let old: u64;
    unsafe { asm!("csrrw {o}, mscratch, {n}", o = out(reg) old, n = in(reg) 0x2222u64) };
    check_eq!("csrrw returns old", old, 0x1111);
    check_eq!("csrrw writes new", csrr!(mscratch), 0x2222);
    // CSRRS / CSRRC set and clear bits.
    let old: u64;
    unsafe { asm!("csrrs {o}, mscratch, {n}", o = out(reg) old, n = in(reg) 0xf00fu64) };
    check_eq!("csrrs returns old", old, 0x2222);
    check_eq!("csrrs sets bits", csrr!(mscratch), 0xf22f);
    let old: u64;
    unsafe { asm!("csrrc {o}, mscratch, {n}", o = out(reg) old, n = in(reg) 0x0f0fu64) };
    check_eq!("csrrc returns old", old, 0xf22f);
    check_eq!("csrrc clears bits", csrr!(mscratch), 0xf020);
    // Full 64-bit values.
    csrw!(mscratch, 0x8000_0000_0000_0001);
    check_eq!("mscratch holds 64 bits", csrr!(mscratch), 0x8000_0000_0000_0001u64);
    // Immediate forms: uimm[4:0] zero-extended.
    let old: u64;
    unsafe { asm!("csrrwi {o}, mscratch, 31", o = out(reg) old) };
    check_eq!("csrrwi returns old", old, 0x8000_0000_0000_0001u64);
    check_eq!("csrrwi uimm 31 zero-extended", csrr!(mscratch), 31);
    let old: u64;
    unsafe { asm!("csrrci {o}, mscratch, 0x11", o = out(reg) old) };
    check_eq!("csrrci returns old", old, 31);
    check_eq!("csrrci clears", csrr!(mscratch), 0xe);
    let old: u64;
    unsafe { asm!("csrrsi {o}, mscratch, 0x10", o = out(reg) old) };
    check_eq!("csrrsi returns old", old, 0xe);
    check_eq!("csrrsi sets", csrr!(mscratch), 0x1e);
    // rd = x0: write only; rs1 = x0 with CSRRS/C: read only.
    unsafe { asm!("csrrw x0, mscratch, {n}", n = in(reg) 77u64) };
    check_eq!("csrrw rd=x0 writes", csrr!(mscratch), 77);
    let v: u64;
    unsafe { asm!("csrrc {v}, mscratch, x0", v = out(reg) v) };
    check_eq!("csrrc rs1=x0 reads", v, 77);
    check_eq!("csrrc rs1=x0 does not clear", csrr!(mscratch), 77);
    // rd = rs1: the old value lands in rd, the CSR gets the old rs1.
    let mut r = 99u64;
    unsafe { asm!("csrrw {r}, mscratch, {r}", r = inout(reg) r) };
    check_eq!("csrrw rd=rs1 rd", r, 77);
    check_eq!("csrrw rd=rs1 csr", csrr!(mscratch), 99);
    csrw!(mscratch, saved);

    // Identification registers (3.1.1-3.1.5).
    let misa = csrr!(misa);
    check_eq!("misa.MXL = 2 (RV64)", misa >> 62, 2);
    for (bit, name) in [(0, "A"), (2, "C"), (8, "I"), (12, "M"), (18, "S"), (20, "U")] {
        check!(name, misa & (1 << bit) != 0);
    }
    check_eq!("misa: E absent", misa & (1 << 4), 0);
    check_eq!("mhartid of the boot hart", csrr!(mhartid), 0);
    let _ = (csrr!(mvendorid), csrr!(marchid), csrr!(mimpid));
    check!("mvendorid/marchid/mimpid readable", true);
    let ms = csrr!(mstatus);
    check_eq!("mstatus.UXL = 2", (ms >> 32) & 3, 2);
    check_eq!("mstatus.SXL = 2", (ms >> 34) & 3, 2);
    check_eq!("sstatus.UXL = 2", (csrr!(sstatus) >> 32) & 3, 2);

    // mtvec: direct (0) and vectored (1) modes are kept.
    let base = direct_handler();
    csrw!(mtvec, base | 1);
    check_eq!("mtvec vectored mode", csrr!(mtvec), base | 1);
    csrw!(mtvec, base);
    check_eq!("mtvec direct mode", csrr!(mtvec), base);

    // (medeleg[11], MPP and mepc[0] WARL checks are in zicsr_warl.)
    csrw!(medeleg, 1 << 8 | 1 << 2);
    check_eq!("medeleg bits 2 and 8 writable", csrr!(medeleg), 1 << 8 | 1 << 2);
    csrw!(medeleg, 0);
    // mideleg: the supervisor interrupts are delegable; the machine ones are not.
    let s_irqs = (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI);
    let m_irqs = (1 << irq::MSI) | (1 << irq::MTI) | (1 << irq::MEI);
    csrw!(mideleg, s_irqs | m_irqs);
    check_eq!("mideleg: S interrupts writable", csrr!(mideleg) & s_irqs, s_irqs);
    check_eq!("mideleg: M interrupts not delegable", csrr!(mideleg) & m_irqs, 0);
    // sie/sip are mie/mip restricted to delegated bits (4.1.3).
    csrw!(mie, s_irqs | (1 << irq::MSI));
    check_eq!("sie = mie & mideleg", csrr!(sie), s_irqs);
    csrw!(mideleg, 1 << irq::SSI);
    check_eq!("sie after undelegating STI/SEI", csrr!(sie), 1 << irq::SSI);
    csrw!(mie, 0);
    // mip: SSIP is writable from M and visible through sip when delegated.
    csrs!(mip, 1 << irq::SSI);
    check_eq!("mip.SSIP set by M", csrr!(mip) & (1 << irq::SSI), 1 << irq::SSI);
    check_eq!("sip.SSIP visible when delegated", csrr!(sip) & (1 << irq::SSI), 1 << irq::SSI);
    csrc!(sip, 1 << irq::SSI);
    check_eq!("sip.SSIP writable through sip", csrr!(mip) & (1 << irq::SSI), 0);
    // MSIP/MTIP are read-only in mip (set by the CLINT only).
    csrs!(mip, 1 << irq::MSI);
    check_eq!("mip.MSIP not writable by csrs", csrr!(mip) & (1 << irq::MSI), 0);
    // sip.STIP/SEIP are read-only through sip even when delegated (4.1.3).
    csrw!(mideleg, (1 << irq::STI) | (1 << irq::SEI));
    csrs!(sip, (1 << irq::STI) | (1 << irq::SEI));
    check_eq!("sip.STIP/SEIP not writable through sip", csrr!(mip) & ((1 << irq::STI) | (1 << irq::SEI)), 0);
    csrw!(mideleg, 0);
    // Not delegated: sie/sip bits read zero and ignore writes.
    csrs!(mip, 1 << irq::SSI);
    check_eq!("sip.SSIP reads 0 when not delegated", csrr!(sip) & (1 << irq::SSI), 0);
    csrc!(mip, 1 << irq::SSI);
    csrs!(sie, 1 << irq::SSI);
    check_eq!("sie.SSIE not writable when not delegated", csrr!(mie) & (1 << irq::SSI), 0);
    // The supervisor trap registers are plain read-write (4.1.x).
    for v in [0u64, !1u64, 0x8000_0000_0000_0002] {
        csrw!(sscratch, v);
        check_eq!("sscratch", csrr!(sscratch), v);
        csrw!(sepc, v);
        check_eq!("sepc", csrr!(sepc), v);
    }
    csrw!(scause, 0x8000_0000_0000_0005);
    check_eq!("scause holds interrupt bit and code", csrr!(scause), 0x8000_0000_0000_0005u64);
    csrw!(stval, 0x1234);
    check_eq!("stval", csrr!(stval), 0x1234);

    // sstatus is a view of mstatus (4.1.1): SIE shared, MIE/MPP invisible.
    csrs!(sstatus, mstatus::SIE);
    check_eq!("sstatus.SIE sets mstatus.SIE", csrr!(mstatus) & mstatus::SIE, mstatus::SIE);
    csrc!(mstatus, mstatus::SIE);
    check_eq!("mstatus.SIE clear shows in sstatus", csrr!(sstatus) & mstatus::SIE, 0);
    csrs!(mstatus, mstatus::MPP);
    check_eq!("sstatus hides MPP", csrr!(sstatus) & mstatus::MPP, 0);
    csrw!(sstatus, !(mstatus::SIE | (3 << 13)));
    check_eq!("sstatus write leaves MPP", csrr!(mstatus) & mstatus::MPP, mstatus::MPP);
    check_eq!("sstatus write cannot set MIE", csrr!(mstatus) & mstatus::MIE, 0);
    check_eq!("sstatus write sets SUM", csrr!(mstatus) & mstatus::SUM, mstatus::SUM);
    csrc!(sstatus, mstatus::SUM | mstatus::MXR | mstatus::SPP | mstatus::SPIE);
    finish("zicsr_ops")
}
