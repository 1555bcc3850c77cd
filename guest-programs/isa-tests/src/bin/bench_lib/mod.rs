//! Shared by the `make bench` workloads (issue 14's table): the integer workload (CRC-32
//! and heap sort) and the memory workload (16 MiB pointer chase and strided
//! read-modify-write), each run either directly in M-mode (`bench_int`, `bench_mem`) or
//! in S-mode under Sv39 with 4 KiB pages (`bench_int_sv39`, `bench_mem_sv39`). Both
//! variants call the same workload function on the same addresses, so they retire the
//! same workload instructions; only translation differs.
//!
//! Every workload checks itself, at any size: the CRC of each round passes the CRC-32
//! residue check (the CRC of a message followed by its own CRC is 0x2144DF1C), the table
//! gives the catalogued check value of "123456789"; each sort is ordered with the sum
//! and xor of its elements unchanged; each chase round returns to its start after
//! exactly one visit of every node; after the passes of read-modify-write every word
//! holds its initial value plus the number of passes (the pointers are checked by
//! chasing them once more). The program prints its checksums (the bench compares the
//! console of rvsim with QEMU's) and exits 0 only when every check passed.
//!
//! Sizes: [`BENCH_SIZE`] is [`SIZE_FULL`] in the ELF; `rvsim-bench --quick` runs copies
//! of the ELF with the word patched to [`SIZE_QUICK`] (tiny sizes, for `make test`).
//!
//! Physical memory map (RAM is 128 MiB from 0x8000_0000 on rvsim and QEMU virt):
//! ```text
//!   0x8000_0000  program image and stacks (< 16 MiB, link.x)
//!   0x8100_0000  workload data, 16 MiB
//!   0x8200_0000  the Sv39 page tables (18 pages)
//! ```
//! Under Sv39 the 32 MiB from 0x8000_0000 are identity-mapped with 4 KiB pages (RWX, A
//! and D set, not user), so code, stacks, statics and data keep their addresses.
#![allow(dead_code)]

use core::ptr::{addr_of, read_volatile, write_volatile};
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::SeqCst};
use isa_tests::{csrw, println, run_lower, Mode};

/// `BENCH_SIZE` value for the full sizes (the ASCII bytes "FULL").
pub const SIZE_FULL: u32 = 0x4c4c_5546;
/// `BENCH_SIZE` value for the tiny sizes of `rvsim-bench --quick` ("QUIK").
pub const SIZE_QUICK: u32 = 0x4b49_5551;

/// The size selector, a word in `.data` (so in the ELF file) that `rvsim-bench --quick`
/// patches in a copy of the ELF. Read volatile so the compiler cannot fold it.
#[no_mangle]
#[used]
static mut BENCH_SIZE: u32 = SIZE_FULL;

/// Workload data (16 MiB, above the program image).
pub const DATA: usize = 0x8100_0000;
/// Bytes of workload data.
pub const DATA_BYTES: usize = 16 << 20;
/// The page tables.
const PT_BASE: u64 = 0x8200_0000;
/// Bytes identity-mapped under Sv39.
const MAPPED: u64 = 32 << 20;

/// The sizes of one run.
#[derive(Clone, Copy)]
pub struct Sizes {
    /// CRC buffer bytes (the last 4 hold the CRC for the residue check).
    pub crc_len: usize,
    pub crc_rounds: u32,
    /// Elements of each heap sort.
    pub sort_n: usize,
    pub sort_rounds: u32,
    /// 64-byte nodes of the pointer chase (the whole chase region).
    pub chase_nodes: usize,
    pub chase_rounds: u32,
    /// Passes of the strided read-modify-write over all the chase region's words.
    pub rmw_passes: u64,
}

const FULL: Sizes = Sizes {
    crc_len: 64 << 10,
    crc_rounds: 200,
    sort_n: 16 << 10,
    sort_rounds: 35,
    chase_nodes: DATA_BYTES / 64,
    chase_rounds: 60,
    rmw_passes: 10,
};

const QUICK: Sizes = Sizes {
    crc_len: 4 << 10,
    crc_rounds: 2,
    sort_n: 1 << 10,
    sort_rounds: 2,
    chase_nodes: 4096,
    chase_rounds: 2,
    rmw_passes: 2,
};

/// Stride of the read-modify-write in 8-byte words: one page and one word, so that
/// consecutive accesses are on different pages (and coprime with the power-of-two
/// number of words, so a pass visits every word once).
const RMW_STRIDE: usize = 4096 / 8 + 1;

/// The sizes [`BENCH_SIZE`] selects, or `None` when it holds neither value.
pub fn sizes() -> Option<Sizes> {
    // SAFETY: a plain word of this program's .data; only read.
    match unsafe { read_volatile(addr_of!(BENCH_SIZE)) } {
        SIZE_FULL => Some(FULL),
        SIZE_QUICK => Some(QUICK),
        _ => None,
    }
}

/// Which workload a program runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Int,
    Mem,
}

// The workload's inputs and results, in statics so that the S-mode excursion (an
// `extern "C" fn()` without arguments) can reach them.
static WORKLOAD: AtomicU32 = AtomicU32::new(0);
static SIZES_QUICK: AtomicU32 = AtomicU32::new(0);
static SUM_A: AtomicU64 = AtomicU64::new(0);
static SUM_B: AtomicU64 = AtomicU64::new(0);
/// 0 = passed; otherwise the number of the failed check.
static FAILED: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Runs the program: `workload` in M-mode, or in S-mode under Sv39 (`sv39`). Prints the
/// checksums and returns the exit code (0 only when every check passed).
pub fn main(name: &str, workload: Workload, sv39: bool) -> u32 {
    let Some(s) = sizes() else {
        println!("{name}: BENCH_SIZE holds neither the full nor the quick value");
        return 3;
    };
    WORKLOAD.store(workload as u32, SeqCst);
    SIZES_QUICK.store((s.crc_rounds == QUICK.crc_rounds) as u32, SeqCst);
    if sv39 {
        build_sv39();
        // satp MODE = 8 (Sv39), ASID 0, root PPN (Privileged 10.1.11); sfence.vma after
        // building the tables so no stale translation survives (Privileged 10.2.1).
        csrw!(satp, (8u64 << 60) | (PT_BASE >> 12));
        // SAFETY: fences have no memory effects visible to Rust.
        unsafe { core::arch::asm!("sfence.vma") };
        run_lower(Mode::Supervisor, run_workload, 0);
        csrw!(satp, 0);
        // SAFETY: as above.
        unsafe { core::arch::asm!("sfence.vma") };
    } else {
        run_workload();
    }
    let (a, b, failed) = (SUM_A.load(SeqCst), SUM_B.load(SeqCst), FAILED.load(SeqCst));
    let mode = if sv39 { "S-mode, Sv39" } else { "M-mode" };
    match workload {
        Workload::Int => println!("{name}: {mode}: crc32 {a:#010x}, sort checksum {b:#018x}"),
        Workload::Mem => println!("{name}: {mode}: chase checksum {a:#018x}, rmw checksum {b:#018x}"),
    }
    if failed != 0 {
        println!("{name}: FAILED check {failed}");
        return 1;
    }
    println!("{name}: all checks passed");
    0
}

/// The workload itself, in whichever mode it was entered (M, or S under Sv39).
extern "C" fn run_workload() {
    let s = if SIZES_QUICK.load(SeqCst) != 0 { QUICK } else { FULL };
    let r = if WORKLOAD.load(SeqCst) == Workload::Int as u32 { int_work(&s) } else { mem_work(&s) };
    match r {
        Ok((a, b)) => {
            SUM_A.store(a, SeqCst);
            SUM_B.store(b, SeqCst);
            FAILED.store(0, SeqCst);
        }
        Err(check) => FAILED.store(check, SeqCst),
    }
}

/// Identity-maps [`MAPPED`] bytes from 0x8000_0000 with 4 KiB leaves (Privileged 10.4):
/// root at PT_BASE, one level-1 table, one level-0 table per 2 MiB.
fn build_sv39() {
    const V: u64 = 1;
    const RWX: u64 = 0b1110;
    const A: u64 = 1 << 6;
    const D: u64 = 1 << 7;
    let page = |i: u64| PT_BASE + i * 4096;
    let pte = |pa: u64, flags: u64| ((pa >> 12) << 10) | flags;
    let set = |table: u64, idx: u64, v: u64| {
        // SAFETY: the page-table pages lie in RAM that nothing else uses (memory map above).
        unsafe { write_volatile((table + idx * 8) as *mut u64, v) }
    };
    let leaf_tables = MAPPED >> 21;
    for i in 0..2 + leaf_tables {
        for e in 0..512 {
            set(page(i), e, 0);
        }
    }
    let (root, l1) = (page(0), page(1));
    let base = 0x8000_0000u64;
    set(root, (base >> 30) & 511, pte(l1, V));
    for t in 0..leaf_tables {
        let l0 = page(2 + t);
        set(l1, ((base >> 21) & 511) + t, pte(l0, V));
        for e in 0..512 {
            let pa = base + (t << 21) + (e << 12);
            set(l0, e, pte(pa, V | RWX | A | D));
        }
    }
}

/// The data region as bytes.
fn data_bytes(len: usize) -> &'static mut [u8] {
    // SAFETY: DATA.. DATA + DATA_BYTES is RAM no other code uses (memory map above), and
    // only one workload slice is alive at a time.
    unsafe { core::slice::from_raw_parts_mut(DATA as *mut u8, len.min(DATA_BYTES)) }
}

/// The data region as 8-byte words.
fn data_words(len: usize) -> &'static mut [u64] {
    // SAFETY: as for data_bytes.
    unsafe { core::slice::from_raw_parts_mut(DATA as *mut u64, len.min(DATA_BYTES / 8)) }
}

// ---------------------------------------------------------------------------------------
// Integer: CRC-32 (IEEE 802.3, reflected, table-driven) and heap sort.

fn crc_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    for (i, e) in t.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
        }
        *e = c;
    }
    t
}

/// Continues a CRC-32 register (not yet complemented at the end) over `bytes`.
#[inline(never)]
fn crc_update(t: &[u32; 256], mut c: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        c = t[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    c
}

fn xorshift32(x: &mut u32) -> u32 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x
}

#[inline(never)]
fn heapsort(a: &mut [u32]) {
    let n = a.len();
    let sift = |a: &mut [u32], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && a[child] < a[child + 1] {
            child += 1;
        }
        if a[root] >= a[child] {
            break;
        }
        a.swap(root, child);
        root = child;
    };
    for i in (0..n / 2).rev() {
        sift(a, i, n);
    }
    for end in (1..n).rev() {
        a.swap(0, end);
        sift(a, 0, end);
    }
}

/// The integer workload: returns (final CRC, sort checksum) or the failed check.
fn int_work(s: &Sizes) -> Result<(u64, u64), usize> {
    let t = crc_table();
    // The catalogued check value of CRC-32 (IEEE): crc32("123456789") = 0xCBF43926.
    if !crc_update(&t, !0, b"123456789") != 0xcbf4_3926 {
        return Err(1);
    }
    let buf = data_bytes(s.crc_len);
    let mut x = 12345u32;
    for b in buf.iter_mut() {
        *b = xorshift32(&mut x) as u8;
    }
    let body = s.crc_len - 4;
    let mut crc = 0u32;
    for r in 0..s.crc_rounds {
        crc = !crc_update(&t, !0, &buf[..body]);
        buf[body..].copy_from_slice(&crc.to_le_bytes());
        // The residue: CRC-32 over a message and its own CRC (little-endian) is 0x2144DF1C.
        if !crc_update(&t, !0, buf) != 0x2144_df1c {
            return Err(2);
        }
        // The next round's message depends on this round's CRC (and always differs).
        let i = (r as usize).wrapping_mul(4099) % body;
        buf[i] = buf[i].wrapping_add((crc >> 8) as u8 | 1);
    }
    // The sort array follows the CRC buffer.
    let words = data_words((s.crc_len + s.sort_n * 4).div_ceil(8));
    // SAFETY: reinterpreting the u64 words as twice as many u32 (alignment 8 >= 4).
    let all = unsafe { core::slice::from_raw_parts_mut(words.as_mut_ptr() as *mut u32, words.len() * 2) };
    let a = &mut all[s.crc_len / 4..s.crc_len / 4 + s.sort_n];
    let mut sum = 0u64;
    let mut x = 0x9e37_79b9u32;
    for _ in 0..s.sort_rounds {
        let (mut add, mut xor) = (0u64, 0u32);
        for e in a.iter_mut() {
            *e = xorshift32(&mut x);
            add = add.wrapping_add(*e as u64);
            xor ^= *e;
        }
        heapsort(a);
        if a.windows(2).any(|w| w[0] > w[1]) {
            return Err(3);
        }
        let (add2, xor2) = a.iter().fold((0u64, 0u32), |(s, x), &e| (s.wrapping_add(e as u64), x ^ e));
        if add2 != add || xor2 != xor {
            return Err(4);
        }
        sum = sum.rotate_left(5) ^ a[a.len() / 2] as u64 ^ ((a[a.len() / 4] as u64) << 32);
    }
    Ok((crc as u64, sum))
}

// ---------------------------------------------------------------------------------------
// Memory: pointer chase through 64-byte nodes, then strided read-modify-write.

/// Follows `n` pointers from `start`; returns where it ended and the number of steps
/// that came back to `start` early (0 for a single cycle of length `n`).
#[inline(never)]
fn chase(start: u64, n: usize, bias: u64) -> (u64, usize) {
    let mut p = start;
    let mut early = 0;
    for _ in 1..n {
        // SAFETY: every node's first word holds the address of a node in the data region
        // (plus `bias`, which the caller subtracts).
        p = unsafe { read_volatile(p as *const u64) } - bias;
        early += (p == start) as usize;
    }
    // SAFETY: as above.
    (unsafe { read_volatile(p as *const u64) } - bias, early)
}

/// One pass of read-modify-write over `w` with stride [`RMW_STRIDE`]: every word once.
#[inline(never)]
fn rmw_pass(w: &mut [u64]) {
    for off in 0..RMW_STRIDE.min(w.len()) {
        let mut i = off;
        while i < w.len() {
            w[i] = w[i].wrapping_add(1);
            i += RMW_STRIDE;
        }
    }
}

/// The memory workload: returns (chase checksum, rmw checksum) or the failed check.
fn mem_work(s: &Sizes) -> Result<(u64, u64), usize> {
    let n = s.chase_nodes;
    let w = data_words(n * 8);
    // Payload words hold their index; word 0 of node i first holds i, then Sattolo's
    // algorithm turns the "next" indices into a single cycle through all nodes.
    for (i, e) in w.iter_mut().enumerate() {
        *e = i as u64;
    }
    for i in 0..n {
        w[i * 8] = i as u64;
    }
    let mut x = 88_172_645_463_325_252u64;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % i as u64) as usize;
        w.swap(i * 8, j * 8);
    }
    let base = DATA as u64;
    for i in 0..n {
        w[i * 8] = base + w[i * 8] * 64;
    }
    let mut sum = 0u64;
    let mut start = base;
    for _ in 0..s.chase_rounds {
        let (end, early) = chase(start, n, 0);
        if end != start || early != 0 {
            return Err(5);
        }
        // Start the next round one node further along the cycle.
        // SAFETY: `start` is a node address (see chase).
        start = unsafe { read_volatile(start as *const u64) };
        sum = sum.rotate_left(7) ^ start;
    }
    let w = data_words(n * 8);
    for _ in 0..s.rmw_passes {
        rmw_pass(w);
    }
    let p = s.rmw_passes;
    let mut rsum = 0u64;
    for (i, &e) in w.iter().enumerate() {
        if i % 8 != 0 && e != i as u64 + p {
            return Err(6);
        }
        rsum = rsum.wrapping_mul(31).wrapping_add(e);
    }
    // The pointers moved by `p` too: the cycle is still one of all nodes.
    let (end, early) = chase(base, n, p);
    if end != base || early != 0 {
        return Err(7);
    }
    Ok((sum, rsum))
}
