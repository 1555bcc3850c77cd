//! Hints to rvsim's event trace (`abi::hint`, docs/events.md): the kernel says how it
//! resolved a page fault with a HINT instruction, `slti x0, va, BASE + outcome`, which
//! every RISC-V hart runs as a no-op (Unprivileged 2.9: SLTI with rd = x0 is designated
//! for custom use) and rvsim's `--events` reads as a `kernel` event.

use abi::hint;
use core::arch::asm;

/// Reports that the page fault at `va` ended as `outcome` (one of `abi::hint::PF_*`;
/// other values are ignored).
#[inline(always)]
pub fn page_fault(outcome: i32, va: u64) {
    macro_rules! hint {
        ($code:path) => {
            // SAFETY: SLTI with rd = x0 writes nothing and touches no memory.
            unsafe { asm!("slti x0, {va}, {imm}", va = in(reg) va, imm = const hint::BASE + $code, options(nomem, nostack, preserves_flags)) }
        };
    }
    match outcome {
        hint::PF_DEMAND_ZERO => hint!(hint::PF_DEMAND_ZERO),
        hint::PF_COW_BREAK => hint!(hint::PF_COW_BREAK),
        hint::PF_SWAP_IN => hint!(hint::PF_SWAP_IN),
        hint::PF_FILE_PAGE => hint!(hint::PF_FILE_PAGE),
        hint::PF_SEGV => hint!(hint::PF_SEGV),
        hint::PF_MINOR => hint!(hint::PF_MINOR),
        hint::PF_COW_REUSE => hint!(hint::PF_COW_REUSE),
        _ => {}
    }
}
