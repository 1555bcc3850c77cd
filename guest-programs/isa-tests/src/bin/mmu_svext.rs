//! Svnapot, Svpbmt and Svinval (Privileged ch. "Svnapot", "Svpbmt", "Svinval"):
//! - a 64 KiB NAPOT PTE (N = 1, ppn[3:0] = 1000) translates each of its 16 pages with
//!   ppn[3:0] taken from the virtual page number; other N encodings, and N on a
//!   superpage or a pointer, are reserved: page fault;
//! - PBMT (bits 62:61) = NC or IO is usable with `menvcfg.PBMTE` = 1 (memory type only:
//!   the access completes), a page fault with PBMTE = 0; PBMT = 3 always faults;
//! - SINVAL.VMA invalidates like SFENCE.VMA (mmu_stale_tlb shows a stale translation
//!   kept until SINVAL.VMA drops it);
//!   SFENCE.W.INVAL and SFENCE.INVAL.IR execute in S-mode; all three are illegal in
//!   U-mode; with `mstatus.TVM` = 1 SINVAL.VMA is illegal in S-mode, the other two not.
//!
//! Not for QEMU 7.2 (run with `-cpu rv64,svnapot=on,svpbmt=on,svinval=on`, 6 of 24
//! checks fail): it ignores `menvcfg.PBMTE` (NC/IO work with PBMTE = 0), accepts the
//! reserved PBMT = 3 and lets U-mode execute SFENCE.W.INVAL and SFENCE.INVAL.IR. The
//! Svnapot checks, SINVAL.VMA in U-mode and the TVM rules pass there.
#![no_std]
#![no_main]

#[path = "mmu_lib/mod.rs"]
mod mmu_lib;

use isa_tests::entry;
use mmu_lib::cause::*;
use mmu_lib::*;

entry!(main);

const N: u64 = 1 << 63;
const PBMT_NC: u64 = 1 << 61;
const PBMT_IO: u64 = 2 << 61;
const PBMT_3: u64 = 3 << 61;
const MENVCFG_PBMTE: u64 = 1 << 62;
const MSTATUS_TVM: u64 = 1 << 20;
const ILLEGAL: u64 = 2;

const SFENCE_W_INVAL: u32 = 0x1800_0073;
const SFENCE_INVAL_IR: u32 = 0x1810_0073;
const ECALL: u32 = 0x0000_0073;
const LI_A0_7: u32 = 0x0070_0513;
/// `li t0, 1; slli t0, t0, 37` (t0 = TEST_VA), the fences, `ld a0, 0(t0)`, `ecall`.
const CODE_SINVAL_LOAD: [u32; 7] =
    [0x0010_0293, 0x0252_9293, SFENCE_W_INVAL, 0x1602_8073, SFENCE_INVAL_IR, 0x0002_b503, ECALL];

/// 64 KiB of physical memory aligned to 64 KiB, from the arena.
fn alloc_64k() -> u64 {
    loop {
        let p = alloc_page();
        if p & 0xffff == 0 {
            for _ in 1..16 {
                alloc_page();
            }
            return p;
        }
    }
}

fn menvcfg_write(v: u64) {
    // SAFETY: M-mode CSR write; followed by a full fence as 3.1.18 asks after PBMTE.
    unsafe { core::arch::asm!("csrw menvcfg, {0}", "sfence.vma", in(reg) v) }
}

fn main() -> u32 {
    setup();
    let mut c = Checker::new();
    let pt = Pt::new(SV39);
    pt.activate(1);

    // Svnapot: 16 PTEs of one 64 KiB range, each with N = 1 and ppn[3:0] = 1000.
    let big = alloc_64k();
    for k in 0..16u64 {
        poke(big + k * 4096, 0x100 + k);
    }
    let nva = TEST_VA + 0x10_0000;
    for k in 0..16u64 {
        let s = pt.slot(nva + k * 4096, 0);
        poke(s, ((big >> 12) | 0b1000) << 10 | V | R | W | A | D | N);
    }
    sfence_all();
    for k in [0u64, 1, 7, 15] {
        c.eq("NAPOT page k reads physical page k", load(Mode::S, nva + k * 4096), Ok(0x100 + k));
    }
    // Reserved encodings: ppn[3:0] = 0100, 0001, 0000; N on a 2 MiB superpage; N on a
    // pointer PTE.
    for (k, low) in [(0u64, 0b0100u64), (1, 0b0001), (2, 0)] {
        let va = TEST_VA + 0x20_0000 + k * 0x1_0000;
        pt.map(va, big | low << 12, 0, V | R | W | A | D | N);
        sfence_all();
        c.fault("NAPOT reserved ppn[3:0]", load(Mode::S, va), LOAD_PAGE, va);
    }
    let sva = TEST_VA + 0x40_0000;
    pt.map(sva, big & !0x1f_ffff, 1, V | R | W | A | D | N);
    sfence_all();
    c.fault("N on a 2 MiB leaf", load(Mode::S, sva), LOAD_PAGE, sva);
    let pva = TEST_VA + 0x80_0000;
    let (_, _) = pt.map_new(pva, V | R | W | A | D);
    let l1 = pt.slot(pva, 1);
    poke(l1, peek(l1) | N);
    sfence_all();
    c.fault("N on a pointer PTE", load(Mode::S, pva), LOAD_PAGE, pva);
    poke(l1, peek(l1) & !N);

    // Svpbmt.
    let (d, _) = pt.map_new(TEST_VA + 0xa0_0000, V | R | W | A | D | PBMT_NC);
    poke(d, 0x55);
    pt.map(TEST_VA + 0xa0_1000, d, 0, V | R | W | A | D | PBMT_IO);
    pt.map(TEST_VA + 0xa0_2000, d, 0, V | R | W | A | D | PBMT_3);
    menvcfg_write(0);
    c.fault("PBMT = NC with PBMTE = 0", load(Mode::S, TEST_VA + 0xa0_0000), LOAD_PAGE, TEST_VA + 0xa0_0000);
    c.fault("PBMT = IO with PBMTE = 0", store(Mode::S, TEST_VA + 0xa0_1000, 1), STORE_PAGE, TEST_VA + 0xa0_1000);
    menvcfg_write(MENVCFG_PBMTE);
    c.eq("menvcfg.PBMTE is writable", read_menvcfg() & MENVCFG_PBMTE, MENVCFG_PBMTE);
    c.eq("PBMT = NC with PBMTE = 1", load(Mode::S, TEST_VA + 0xa0_0000), Ok(0x55));
    c.eq("PBMT = IO with PBMTE = 1", store(Mode::S, TEST_VA + 0xa0_1000, 0x66), Ok(0));
    c.eq("the IO store reached memory", peek(d), 0x66);
    c.fault("PBMT = 3 is reserved", load(Mode::S, TEST_VA + 0xa0_2000), LOAD_PAGE, TEST_VA + 0xa0_2000);
    // PBMT on a pointer PTE is reserved even with PBMTE = 1.
    let l1 = pt.slot(TEST_VA + 0xa0_0000, 1);
    poke(l1, peek(l1) | PBMT_NC);
    sfence_all();
    c.fault("PBMT on a pointer PTE", load(Mode::S, TEST_VA + 0xa0_0000), LOAD_PAGE, TEST_VA + 0xa0_0000);
    poke(l1, peek(l1) & !PBMT_NC);
    menvcfg_write(0);

    // Svinval: a stale translation is used until SINVAL.VMA drops it.
    let f1 = alloc_page();
    let f2 = alloc_page();
    poke(f1, 1);
    poke(f2, 2);
    let slot = pt.map(TEST_VA, f1, 0, V | R | W | A | D);
    let code = alloc_page();
    write_code(code, &CODE_SINVAL_LOAD);
    let cva = TEST_VA + 0xc0_0000;
    pt.map(cva, code, 0, V | X | A | D);
    sfence_all();
    c.eq("fill", load(Mode::S, TEST_VA), Ok(1));
    poke(slot, (f2 >> 12) << 10 | V | R | W | A | D);
    // (That the old translation is still used before it is shown by mmu_stale_tlb, which
    // runs with the default TLB geometry only.)
    c.eq("after sinval.vma (S-mode, between the fences): the new PTE", exec(Mode::S, cva), Ok(2));

    // Privilege rules.
    let ucode = alloc_page();
    let uva = TEST_VA + 0xc1_0000;
    pt.map(uva, ucode, 0, V | X | U | A | D);
    for (insn, name) in [
        (0x1602_8073u32, "sinval.vma in U"),
        (SFENCE_W_INVAL, "sfence.w.inval in U"),
        (SFENCE_INVAL_IR, "sfence.inval.ir in U"),
    ] {
        write_code(ucode, &[insn, ECALL]);
        sfence_all();
        c.eq(name, exec(Mode::U, uva).map_err(|t| t.cause), Err(ILLEGAL));
    }
    mstatus_set(MSTATUS_TVM);
    write_code(code, &[0x1600_0073, LI_A0_7, ECALL]);
    c.eq("sinval.vma with TVM = 1 in S", exec(Mode::S, cva).map_err(|t| t.cause), Err(ILLEGAL));
    write_code(code, &[SFENCE_W_INVAL, SFENCE_INVAL_IR, LI_A0_7, ECALL]);
    c.eq("sfence.w.inval/.inval.ir with TVM = 1 in S", exec(Mode::S, cva), Ok(7));
    mstatus_clear(MSTATUS_TVM);

    write_satp(0);
    sfence_all();
    c.finish("mmu_svext")
}

fn read_menvcfg() -> u64 {
    let v: u64;
    // SAFETY: M-mode CSR read.
    unsafe { core::arch::asm!("csrr {0}, menvcfg", out(reg) v) };
    v
}
