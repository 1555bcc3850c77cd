//! wswalk: a working-set walker for page-replacement experiments.
//!
//! `wswalk N PATTERN ROUNDS [SEED [PROGRESS]]` maps N anonymous pages and makes
//! `N * ROUNDS` references, each a read-modify-write of one 64-bit word in one page
//! (so every page it touches becomes dirty and must go to swap, not just be dropped):
//!
//! * `seq`: loops over pages 0, 1, ..., N-1, ROUNDS times (the loop that defeats LRU-like
//!   policies when it is one page larger than memory);
//! * `random`: uniformly random pages from a deterministic xorshift64* generator
//!   (seeded by SEED, default 1);
//! * `hot`: 80-20 locality: 80% of the references go to the first 20% of the pages.
//!
//! At the end it checks that every page still holds what it wrote (a swapped-out page
//! must come back intact; exit status 1 if not) and prints its fault counts from the
//! RVSIM_VMSTAT system call, taken just before and just after the walk, and a
//! machine-parsable line that `rvsim-experiment` reads:
//!
//! ```text
//! wswalk: pages=N pattern=P refs=R major=M minor=m elapsed_ns=T swapins=I swapouts=O policy=C frames=F check=ok
//! ```
//!
//! `major` and `minor` are this process's own faults during the walk (a page read back
//! from swap is a major fault); `swapins`/`swapouts` are the system-wide swap transfers
//! during the walk (other processes' too), `policy` the kernel's replacement policy and
//! `frames` the machine's frames.
//!
//! With PROGRESS = 1 it also prints a line after each quarter of the references.
#![no_std]
#![no_main]
use ulib::*;

/// Access patterns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pattern {
    Seq,
    Random,
    Hot,
}

impl Pattern {
    fn parse(s: &str) -> Option<Pattern> {
        match s {
            "seq" => Some(Pattern::Seq),
            "random" => Some(Pattern::Random),
            "hot" => Some(Pattern::Hot),
            _ => None,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Pattern::Seq => "seq",
            Pattern::Random => "random",
            Pattern::Hot => "hot",
        }
    }
}

/// xorshift64* (Marsaglia 2003, Vigna 2016): deterministic, no state beyond one word.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // A zero state would stay zero.
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A value in `[0, n)` (n > 0); the modulo bias is irrelevant for page numbers.
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) % n as u64) as usize
    }
}

const PAGE: usize = 4096;

fn usage() -> i32 {
    eprintln!("usage: wswalk N seq|random|hot ROUNDS [SEED [PROGRESS]]");
    2
}

fn main(args: &[&str]) -> i32 {
    if args.len() < 4 {
        return usage();
    }
    let (Some(n), Some(pattern), Some(rounds)) =
        (args[1].parse::<usize>().ok(), Pattern::parse(args[2]), args[3].parse::<usize>().ok())
    else {
        return usage();
    };
    let seed = args.get(4).and_then(|s| s.parse::<u64>().ok()).unwrap_or(1);
    let progress = args.get(5).is_some_and(|s| *s == "1");
    if n == 0 || n > (1 << 20) {
        eprintln!("wswalk: N must be 1 .. 1048576 pages");
        return 2;
    }
    let base = mmap_anon(n * PAGE);
    if base < 0 {
        eprintln!("wswalk: mmap of {n} pages: {}", strerror(base));
        return 1;
    }
    let base = base as usize;
    let refs = n.saturating_mul(rounds);
    let hot = (n / 5).max(1);
    let mut rng = Rng::new(seed);
    let pid = getpid();
    let before = vmstat(0).unwrap_or_default();
    let t0 = now_ns();
    let quarter = (refs / 4).max(1);
    for r in 0..refs {
        let p = match pattern {
            Pattern::Seq => r % n,
            Pattern::Random => rng.below(n),
            Pattern::Hot => {
                if n == hot || rng.below(10) < 8 {
                    rng.below(hot)
                } else {
                    hot + rng.below(n - hot)
                }
            }
        };
        let w = (base + p * PAGE) as *mut u64;
        // SAFETY: page p < n lies inside our n-page read/write anonymous mapping.
        unsafe { core::ptr::write_volatile(w, core::ptr::read_volatile(w) + 1) };
        if progress && (r + 1) % quarter == 0 && r + 1 < refs {
            println!("wswalk[{pid}]: {}% ({} refs)", (r + 1) * 100 / refs, r + 1);
        }
    }
    let t1 = now_ns();
    let after = vmstat(0).unwrap_or_default();
    // Every reference added one to one page: the counts must add up to refs.
    let mut sum = 0u64;
    for p in 0..n {
        // SAFETY: as above.
        sum += unsafe { core::ptr::read_volatile((base + p * PAGE) as *const u64) };
    }
    let ok = sum == refs as u64;
    let major = after.proc.major_faults - before.proc.major_faults;
    let minor = after.proc.minor_faults - before.proc.minor_faults;
    println!(
        "wswalk[{pid}]: {} references over {} pages ({}): {} major faults, {} minor faults; {} pages resident, {} in swap, of {} frames",
        refs,
        n,
        pattern.name(),
        major,
        minor,
        after.resident,
        after.swapped,
        after.total_frames
    );
    println!(
        "wswalk: pages={n} pattern={} refs={refs} major={major} minor={minor} elapsed_ns={} swapins={} swapouts={} policy={} frames={} check={}",
        pattern.name(),
        t1 - t0,
        after.swap_ins - before.swap_ins,
        after.swap_outs - before.swap_outs,
        abi::VmStat::POLICY_NAMES.get(after.policy as usize).copied().unwrap_or("?"),
        after.total_frames,
        if ok { "ok" } else { "BAD" }
    );
    if !ok {
        eprintln!("wswalk: page contents lost: counts add up to {sum}, expected {refs}");
        return 1;
    }
    0
}
entry!(main);
