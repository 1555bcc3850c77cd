//! tlbdemo: what ASIDs buy. Two processes ping-pong a byte through two pipes; on each
//! turn the one running touches its own N pages (default 8) and passes the turn. Every
//! turn is a context switch. With ASIDs (the default, `vm.asid=1`) each process's TLB
//! entries survive the other's turn; with `vm.asid=0` on the kernel command line every
//! switch flushes the TLB and every turn misses on all N pages again.
//!
//! The guest cannot see the TLB; run it under rvsim and compare the dTLB misses and the
//! sfence.vma kinds that `--stats` prints (docs/vm.md "ASIDs"):
//! ```text
//! rvsim run --stats --kernel KERNEL --drive fs.img                      # then: tlbdemo
//! rvsim run --stats --kernel KERNEL --drive fs.img --append vm.asid=0   # then: tlbdemo
//! ```
//! Usage: `tlbdemo [PAGES [ROUNDS]]`.
#![no_std]
#![no_main]
use ulib::*;

/// Checks that each page still holds what this process wrote last round (a stale
/// translation into the other process's pages, at the same virtual addresses, would show
/// its tag), then writes this round's value.
fn touch(base: usize, pages: usize, tag: u64, round: usize) -> bool {
    let mut ok = true;
    for i in 0..pages {
        let p = (base + i * 4096) as *mut u64;
        // SAFETY: inside this process's own `pages`-page read/write mapping.
        unsafe {
            if round > 0 && core::ptr::read_volatile(p) != tag << 32 | (round as u64 - 1) {
                ok = false;
            }
            core::ptr::write_volatile(p, tag << 32 | round as u64);
        }
    }
    ok
}

fn arg(args: &[&str], i: usize, default: usize, max: usize) -> usize {
    args.get(i).and_then(|a| a.parse().ok()).filter(|&n| n > 0 && n <= max).unwrap_or(default)
}

/// One side of the ping-pong: waits for the turn on `rx`, touches its pages, passes it on
/// `tx`; the starter begins without waiting.
fn play(base: usize, pages: usize, rounds: usize, rx: usize, tx: usize, starts: bool) -> bool {
    let tag = if starts { 1 } else { 2 };
    let mut b = [0u8; 1];
    for r in 0..rounds {
        if (!starts || r > 0) && read(rx, &mut b) != 1 {
            return false;
        }
        if !touch(base, pages, tag, r) {
            eprintln!("tlbdemo: a page lost its contents (stale TLB entry?)");
            return false;
        }
        if write(tx, &b) != 1 {
            return false;
        }
    }
    true
}

fn main(args: &[&str]) -> i32 {
    let pages = arg(args, 1, 8, 1024);
    let rounds = arg(args, 2, 500, 1_000_000);
    let (mut ab, mut ba) = ([0i32; 2], [0i32; 2]);
    if pipe(&mut ab) < 0 || pipe(&mut ba) < 0 {
        eprintln!("tlbdemo: pipe failed");
        return 1;
    }
    let t0 = now_ns();
    let pid = fork();
    if pid < 0 {
        eprintln!("tlbdemo: fork: {}", strerror(pid));
        return 1;
    }
    // Each side maps its own pages after the fork: no sharing, distinct translations.
    let base = mmap_anon(pages * 4096);
    if base < 0 {
        eprintln!("tlbdemo: mmap: {}", strerror(base));
        return 1;
    }
    let base = base as usize;
    if pid == 0 {
        let ok = play(base, pages, rounds, ab[0] as usize, ba[1] as usize, false);
        exit(if ok { 0 } else { 1 });
    }
    let ok = play(base, pages, rounds, ba[0] as usize, ab[1] as usize, true);
    let mut b = [0u8; 1];
    let last = read(ba[0] as usize, &mut b) == 1;
    let mut st = 0;
    waitpid(pid, &mut st, 0);
    if !ok || !last || st != 0 {
        eprintln!("tlbdemo: the ping-pong broke off");
        return 1;
    }
    let ms = (now_ns() - t0) / 1_000_000;
    println!("tlbdemo: {rounds} rounds, 2 processes x {pages} pages, {} context switches, {ms} ms", 2 * rounds);
    println!("tlbdemo: compare rvsim --stats (dTLB misses, sfence.vma kinds) with vm.asid=1 and vm.asid=0");
    0
}
entry!(main);
