//! Figures this program compares against but does not measure: issue 14's side-by-side
//! measurement (Spike is not installable on the bench machine, so its MIPS come only
//! from there) and the `usertests` baseline of main before the speed work.

/// One row of issue 14's table: MIPS of each machine, as the issue recorded them.
#[derive(Clone, Copy)]
pub struct IssueRow {
    pub rvsim: f64,
    /// Spike (the reference interpreter).
    pub spike: f64,
    pub qemu_tcg: f64,
    pub qemu_singlestep: f64,
}

/// Integer (CRC-32 + heap sort), M-mode, no paging.
pub const INT_BARE: IssueRow = IssueRow { rvsim: 439.0, spike: 475.0, qemu_tcg: 1640.0, qemu_singlestep: 113.0 };
/// Memory (16 MiB pointer chase + strided RMW), M-mode.
pub const MEM_BARE: IssueRow = IssueRow { rvsim: 145.0, spike: 26.0, qemu_tcg: 67.0, qemu_singlestep: 49.0 };
/// Integer, S-mode under Sv39 (4 KiB pages).
pub const INT_SV39: IssueRow = IssueRow { rvsim: 312.0, spike: 492.0, qemu_tcg: 1917.0, qemu_singlestep: 125.0 };
/// Memory, S-mode under Sv39.
pub const MEM_SV39: IssueRow = IssueRow { rvsim: 92.0, spike: 19.0, qemu_tcg: 60.0, qemu_singlestep: 37.0 };

/// Issue 14's Linux boot: rvsim and QEMU TCG wall seconds.
pub const LINUX_RVSIM_S: f64 = 22.6;
pub const LINUX_QEMU_S: f64 = 6.1;

/// `usertests` on rvsim before the speed work (main at b25e76d, measured by this
/// program on 2026-12-04; docs/emulator.md, "Benchmarks"): host CPU seconds (median of 3),
/// wall seconds (median of 3) and retired instructions.
pub const USERTESTS_BASE_CPU_S: f64 = 2.55;
pub const USERTESTS_BASE_WALL_S: f64 = 4.45;
pub const USERTESTS_BASE_INSNS: u64 = 506_739_227;

/// The targets of issue 14.
pub mod target {
    /// Integer MIPS at least this many times Spike's.
    pub const INT_VS_SPIKE: f64 = 2.0;
    /// Memory MIPS at least this many times QEMU TCG's.
    pub const MEM_VS_QEMU: f64 = 2.0;
    /// What Sv39 may cost (slowdown against the bare run): integer, memory.
    pub const SV39_INT_COST: f64 = 0.10;
    pub const SV39_MEM_COST: f64 = 0.30;
    /// Linux boot wall time at most this many times QEMU TCG's.
    pub const LINUX_VS_QEMU: f64 = 1.5;
    /// `usertests` at least this many times as fast as the baseline (30% faster).
    pub const USERTESTS_SPEEDUP: f64 = 1.3;
    /// Peak RSS at most guest RAM plus this many bytes.
    pub const RSS_OVER_RAM: u64 = 32 << 20;
}
