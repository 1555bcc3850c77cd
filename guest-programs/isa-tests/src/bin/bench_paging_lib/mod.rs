//! Shared by `bench_paging_on` and `bench_paging_off`: a fixed integer workload run in
//! U-mode that walks 256 data pages with a 4 KiB stride (more pages than the default
//! 32-entry dTLB holds, so with paging on nearly every page visit misses the dTLB and
//! walks the page table), plus a little ALU work per visit. Both variants execute
//! exactly the same instructions; only translation differs, so the two MIPS figures
//! measure what paging costs the emulator.

use super::mmu_lib::*;

/// Data pages the workload touches.
pub const PAGES: u64 = 256;
/// Physical frames of the data (1 MiB, above the program's image).
pub const DATA_PA: u64 = 0x8040_0000;
/// Outer iterations: about 20 instructions per page visit, 5.2 M per thousand.
pub const ITERATIONS: u64 = 20_000;

core::arch::global_asm!(
    r#"
    .section .text
    .balign 4
    .globl bench_paging_work
# a0 = base address of the data, a1 = iterations; returns a checksum in a0 via ecall.
bench_paging_work:
    li t6, 0
1:  mv t0, a0
    li t1, 256
2:  ld t2, 0(t0)
    add t6, t6, t2
    addi t2, t2, 1
    sd t2, 0(t0)
    xor t3, t6, t2
    slli t4, t3, 7
    srli t5, t3, 3
    add t3, t4, t5
    xor t6, t6, t3
    andi t3, t6, 0xff
    add t6, t6, t3
    li t4, 4096
    add t0, t0, t4
    addi t1, t1, -1
    bnez t1, 2b
    addi a1, a1, -1
    bnez a1, 1b
    mv a0, t6
    ecall
"#
);

extern "C" {
    fn bench_paging_work();
}

/// Runs the workload in U-mode, with Sv39 (`paging`) or Bare; returns the checksum.
pub fn run(paging: bool) -> u64 {
    setup();
    for i in 0..PAGES * 512 {
        poke(DATA_PA + i * 8, 0);
    }
    let pa = bench_paging_work as *const () as u64;
    let r = if paging {
        let pt = Pt::new(SV39);
        for i in 0..PAGES {
            pt.map(TEST_VA + i * 0x1000, DATA_PA + i * 0x1000, 0, V | R | W | U | A | D);
        }
        pt.activate(1);
        call_user(pa - 0x8000_0000 + USER_ALIAS, TEST_VA, ITERATIONS)
    } else {
        call_user(pa, DATA_PA, ITERATIONS)
    };
    write_satp(0);
    match r {
        Ok(sum) => sum,
        Err(t) => {
            isa_tests::println!("bench trapped: {t:?}");
            0
        }
    }
}

/// The checksum the workload produces: computed by a Rust model of the loop (the same
/// arithmetic over 256 counters) and by running it on QEMU 7.2. A constant, so that the
/// benchmark's instruction count is the workload's alone.
pub const EXPECTED: u64 = 0xc02e_caf9_a000_c89e;
