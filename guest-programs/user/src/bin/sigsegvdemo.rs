//! sigsegvdemo [PAGES] [STRIDE]: a write barrier built from mprotect and a SIGSEGV
//! handler, the way garbage collectors and checkpointers track dirty pages. It maps
//! PAGES pages (default 64), write-protects them, then writes to every STRIDE-th page
//! (default 3) twice. Each first write faults: the handler reads si_addr, records the
//! page, makes it writable and returns, so the store is retried and succeeds; the second
//! write to a page does not fault. It prints the pages it saw written beside the
//! kernel's fault counters (RVSIM_VMSTAT). PAGES is at most 128.
#![no_std]
#![no_main]
use abi::mman::*;
use abi::signal::{SEGV_ACCERR, SIGSEGV};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use ulib::sig::{set_handler, si_addr, si_code};
use ulib::*;

const PG: usize = 4096;
/// At most this many pages: mprotect does not merge neighbouring VMAs yet, so each
/// unprotected page can become its own VMA, and an address space has at most 256.
const MAX_PAGES: usize = 128;

static BASE: AtomicUsize = AtomicUsize::new(0);
static NPAGES: AtomicUsize = AtomicUsize::new(0);
static FAULTS: AtomicU64 = AtomicU64::new(0);
static OTHER: AtomicU64 = AtomicU64::new(0);
static DIRTY: [AtomicU64; MAX_PAGES / 64] = [const { AtomicU64::new(0) }; MAX_PAGES / 64];

/// The write barrier: records the page and unprotects it; any other fault ends the
/// program (returning would fault again forever).
extern "C" fn barrier(_sig: i32, info: *mut u8, _uc: *mut u8) {
    // SAFETY: `info` is the kernel's siginfo for this SIGSEGV.
    let (addr, code) = unsafe { (si_addr(info) as usize, si_code(info)) };
    let base = BASE.load(SeqCst);
    let n = NPAGES.load(SeqCst);
    if code != SEGV_ACCERR || addr < base || addr >= base + n * PG {
        OTHER.fetch_add(1, SeqCst);
        eprintln!("sigsegvdemo: unexpected fault at {addr:#x} (code {code})");
        exit(1);
    }
    let page = (addr - base) / PG;
    DIRTY[page / 64].fetch_or(1 << (page % 64), SeqCst);
    FAULTS.fetch_add(1, SeqCst);
    let r = mprotect(base + page * PG, PG, PROT_READ | PROT_WRITE);
    if r < 0 {
        // Returning would fault again forever.
        eprintln!("sigsegvdemo: mprotect of page {page}: {}", strerror(r));
        exit(1);
    }
}

fn main(args: &[&str]) -> i32 {
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(64).clamp(1, MAX_PAGES);
    let stride: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    println!("sigsegvdemo: {n} write-protected pages; a SIGSEGV handler tracks which ones get written");
    let base = mmap(0, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0);
    if base < 0 {
        eprintln!("sigsegvdemo: mmap: {}", strerror(base));
        return 1;
    }
    let base = base as usize;
    for p in 0..n {
        // SAFETY: inside the mapping just made (touched so each page has a frame).
        unsafe { core::ptr::write_volatile((base + p * PG) as *mut u64, p as u64) };
    }
    BASE.store(base, SeqCst);
    NPAGES.store(n, SeqCst);
    if set_handler(SIGSEGV, barrier, 0, 0) < 0 || mprotect(base, n * PG, PROT_READ) < 0 {
        eprintln!("sigsegvdemo: cannot set up the barrier");
        return 1;
    }
    let before = vmstat(0).unwrap_or_default();
    let mut wrote = 0u64;
    for round in 0..2u64 {
        for p in (0..n).step_by(stride) {
            // SAFETY: inside the mapping; the barrier unprotects a page on its first write.
            unsafe { core::ptr::write_volatile((base + p * PG + 8) as *mut u64, round + 1) };
            if round == 0 {
                wrote += 1;
            }
        }
    }
    let after = vmstat(0).unwrap_or_default();
    let tracked: u32 = DIRTY.iter().map(|w| w.load(SeqCst).count_ones()).sum();
    let mut ok = true;
    for p in 0..n {
        // SAFETY: inside the mapping (readable throughout).
        let v = unsafe { core::ptr::read_volatile((base + p * PG + 8) as *const u64) };
        let bit = DIRTY[p / 64].load(SeqCst) >> (p % 64) & 1 == 1;
        ok &= bit == (p % stride == 0) && (v == 2) == bit;
    }
    println!("sigsegvdemo: wrote {wrote} distinct pages (stride {stride}), twice each");
    println!(
        "sigsegvdemo: handler faults {}, dirty pages tracked {tracked}; kernel: unresolved faults +{}, minor faults +{}",
        FAULTS.load(SeqCst),
        after.proc.bad_faults - before.proc.bad_faults,
        after.proc.minor_faults - before.proc.minor_faults
    );
    let good = ok && FAULTS.load(SeqCst) == wrote && tracked as u64 == wrote && OTHER.load(SeqCst) == 0;
    println!("sigsegvdemo: {}", if good { "dirty set correct" } else { "dirty set WRONG" });
    munmap(base, n * PG);
    if good {
        0
    } else {
        1
    }
}
entry!(main);
