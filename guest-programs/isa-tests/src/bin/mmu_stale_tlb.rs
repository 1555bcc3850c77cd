//! rvsim-only: the TLB keeps a translation after its PTE changes until an SFENCE.VMA
//! that covers it (Privileged 4.2.1: "an implementation may use any translation for an
//! address that was valid at any time since the most recent SFENCE.VMA that subsumes
//! that address"), exactly as rvsim's modelled TLBs do with their default geometry (32
//! entries, 4-way). Each fence kind drops exactly its entries; a satp write does not
//! flush; capacity eviction drops the stale entry too; Svinval's SINVAL.VMA drops it as
//! SFENCE.VMA does. Not for QEMU: QEMU 7.2's software
//! TLB is flushed far more often (as observed, every probe already sees the new PTE; QEMU
//! flushes on mstatus MPP/MPRV/SUM/MXR changes, which each probe's mret makes, and on
//! satp writes), which the spec equally allows.
#![no_std]
#![no_main]

#[path = "mmu_lib/mod.rs"]
mod mmu_lib;

use isa_tests::entry;
use mmu_lib::*;

entry!(main);

fn main() -> u32 {
    setup();
    let mut c = Checker::new();
    let f1 = alloc_page();
    let f2 = alloc_page();
    poke(f1, 1);
    poke(f2, 2);
    let pt = Pt::new(SV39);
    let va = TEST_VA;
    let slot = pt.map(va, f1, 0, V | R | W | A | D);
    let pte = |f: u64, extra: u64| (f >> 12) << 10 | V | R | W | A | D | extra;
    pt.activate(3);

    // rs1 = va, rs2 = x0.
    c.eq("fill", load(Mode::S, va), Ok(1));
    poke(slot, pte(f2, 0));
    c.eq("stale after the PTE changed", load(Mode::S, va), Ok(1));
    sfence_va(va + 0x800);
    c.eq("new after sfence.vma va", load(Mode::S, va), Ok(2));

    // rs1 = x0, rs2 = asid: only that ASID's entries.
    poke(slot, pte(f1, 0));
    sfence_asid(4);
    c.eq("sfence of another ASID keeps the stale entry", load(Mode::S, va), Ok(2));
    sfence_asid(3);
    c.eq("sfence of this ASID drops it", load(Mode::S, va), Ok(1));

    // rs1 = va, rs2 = asid.
    poke(slot, pte(f2, 0));
    sfence_va_asid(va + 0x1000, 3);
    c.eq("fence of another page keeps it", load(Mode::S, va), Ok(1));
    sfence_va_asid(va, 3);
    c.eq("fence of this page and ASID drops it", load(Mode::S, va), Ok(2));

    // Global entries survive ASID fences but not address fences with rs2 = x0.
    poke(slot, pte(f1, G));
    sfence_all();
    c.eq("global fill", load(Mode::S, va), Ok(1));
    poke(slot, pte(f2, G));
    sfence_asid(3);
    c.eq("global entry survives an ASID fence", load(Mode::S, va), Ok(1));
    sfence_va_asid(va, 3);
    c.eq("...and an addr+ASID fence", load(Mode::S, va), Ok(1));
    sfence_va(va);
    c.eq("dropped by sfence.vma va, x0", load(Mode::S, va), Ok(2));
    poke(slot, pte(f1, 0));
    sfence_all();

    // SFENCE.VMA executed in S-mode.
    c.eq("fill again", load(Mode::S, va), Ok(1));
    poke(slot, pte(f2, 0));
    c.eq("S-mode sfence.vma va then load", sfence_then_load(va, va), Ok(2));

    // A satp write does not flush: same ASID, another root, still the old translation.
    let pt2 = Pt::new(SV39);
    pt2.map(va, f1, 0, V | R | W | A | D);
    write_satp(pt2.satp(3));
    c.eq("satp write with the same ASID uses the cached entry", load(Mode::S, va), Ok(2));
    write_satp(pt2.satp(5));
    c.eq("a new ASID walks the new table", load(Mode::S, va), Ok(1));
    write_satp(pt.satp(3));

    // Stale instruction translations too.
    let code1 = alloc_page();
    let code2 = alloc_page();
    write_code(code1, &CODE_LI42);
    write_code(code2, &[0x02b0_0513, 0x0000_0073]); // li a0, 43; ecall
    let cva = TEST_VA + 0x10_0000;
    let cslot = pt.map(cva, code1, 0, V | X | A | D);
    sfence_all();
    c.eq("fetch fill", exec(Mode::S, cva), Ok(42));
    poke(cslot, (code2 >> 12) << 10 | V | X | A | D);
    c.eq("stale fetch translation", exec(Mode::S, cva), Ok(42));
    sfence_va(cva);
    c.eq("new code after the fence", exec(Mode::S, cva), Ok(43));

    // Svinval: SINVAL.VMA va, x0 drops the stale entry as SFENCE.VMA va would; the code
    // runs `sfence.w.inval; sinval.vma t0, x0; sfence.inval.ir; ld a0, 0(t0)` with
    // t0 = TEST_VA.
    let code3 = alloc_page();
    write_code(code3, &[0x0010_0293, 0x0252_9293, 0x1800_0073, 0x1602_8073, 0x1810_0073, 0x0002_b503, 0x0000_0073]);
    let sva = TEST_VA + 0x11_0000;
    pt.map(sva, code3, 0, V | X | A | D);
    sfence_all();
    c.eq("fill before sinval", load(Mode::S, va), Ok(2));
    poke(slot, pte(f1, 0));
    c.eq("stale before sinval.vma", load(Mode::S, va), Ok(2));
    c.eq("new after sinval.vma va", exec(Mode::S, sva), Ok(1));
    poke(slot, pte(f2, 0));
    sfence_all();

    // Capacity: touching 64 other pages evicts the stale entry from the 32-entry dTLB.
    c.eq("fill", load(Mode::S, va), Ok(2));
    for i in 0..64u64 {
        pt.map(TEST_VA + 0x20_0000 + i * 0x1000, f1, 0, V | R | A | D);
    }
    poke(slot, pte(f1, 0));
    c.eq("stale before eviction", load(Mode::S, va), Ok(2));
    for i in 0..64u64 {
        let _ = load(Mode::S, TEST_VA + 0x20_0000 + i * 0x1000);
    }
    c.eq("evicted by capacity: walked again", load(Mode::S, va), Ok(1));

    write_satp(0);
    c.finish("mmu_stale_tlb")
}
