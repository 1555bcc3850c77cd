//! Address spaces: two page tables with ASIDs 1 and 2 map the same virtual page to
//! different frames; switching satp between them (no SFENCE.VMA, the ASID tags keep the
//! TLB entries apart) always sees the right frame, and a global mapping is the same in
//! both. SFENCE.VMA with an ASID leaves the other space's entries alone (Privileged
//! 4.1.11, 4.2.1). Also checks ASIDLEN = 16 via the WARL ASID field, and that a satp
//! write with an unsupported MODE is ignored. Passes on rvsim and
//! on QEMU 7.2 (QEMU implements ASIDs by flushing, which is equally correct).
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
    let va = TEST_VA;
    let gva = TEST_VA + 0x20_0000; // a global page in both spaces
    let gframe = alloc_page();
    let p1 = Pt::new(SV39);
    let (f1, _) = p1.map_new(va, V | R | W | A | D);
    p1.map(gva, gframe, 0, V | R | W | G | A | D);
    let p2 = Pt::new(SV39);
    let (f2, _) = p2.map_new(va, V | R | W | A | D);
    p2.map(gva, gframe, 0, V | R | W | G | A | D);
    poke(f1, 0x1111);
    poke(f2, 0x2222);
    poke(gframe, 0x6666);
    sfence_all();

    // ASIDLEN: write all ones to the ASID field and read back.
    write_satp(p1.satp(0xffff));
    c.eq("ASIDLEN = 16", (read_satp() >> 44) & 0xffff, 0xffff);
    // A write naming an unsupported MODE has no effect at all (4.1.11).
    let before = read_satp();
    for mode in [1u64, 7, 11, 15] {
        write_satp(mode << 60 | 5 << 44 | 0x1234);
        c.eq("satp write with an unsupported MODE is ignored", read_satp(), before);
    }

    for round in 0..3 {
        write_satp(p1.satp(1));
        c.eq("ASID 1 sees frame 1", load(Mode::S, va), Ok(0x1111));
        c.eq("global page in ASID 1", load(Mode::S, gva), Ok(0x6666));
        write_satp(p2.satp(2));
        c.eq("ASID 2 sees frame 2", load(Mode::S, va), Ok(0x2222));
        c.eq("global page in ASID 2", load(Mode::S, gva), Ok(0x6666));
        let _ = round;
    }
    // A store in ASID 2 goes to frame 2 only.
    c.eq("store in ASID 2", store(Mode::S, va + 8, 0x22), Ok(0));
    c.eq("frame 2 written", peek(f2 + 8), 0x22);
    c.eq("frame 1 untouched", peek(f1 + 8), 0);
    // Fence ASID 1 while in ASID 2, then come back: still correct.
    sfence_asid(1);
    write_satp(p1.satp(1));
    c.eq("ASID 1 after its fence", load(Mode::S, va + 8), Ok(0));
    sfence_va_asid(va, 2);
    write_satp(p2.satp(2));
    c.eq("ASID 2 after addr+asid fence", load(Mode::S, va + 8), Ok(0x22));

    write_satp(0);
    c.finish("mmu_asid")
}
