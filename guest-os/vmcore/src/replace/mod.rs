//! Page replacement: when every frame is in use and a page fault needs one, which resident
//! page should be evicted?
//!
//! The ideal answer (Belady's OPT) is "the page whose next use is farthest in the future".
//! A kernel cannot know the future, so every real policy guesses from the past. What the
//! hardware tells it about the past is one bit per page: the **accessed bit** (A) in the
//! PTE, which the MMU sets on every access (Privileged spec 4.3.1: "The A bit indicates the
//! virtual page has been read, written, or fetched from since the last time the A bit was
//! cleared"). The policies here differ in how they use it:
//!
//! * [`Fifo`]: evict the page that was loaded longest ago. Ignores A. Simple, and suffers
//!   from **Belady's anomaly**: more frames can mean *more* faults (see [`sim`]).
//! * [`Clock`] (second chance): the frames form a circle with a hand. At the hand, if the
//!   page's A bit is set, clear it (the page gets a second chance) and move on; the first
//!   page found with A clear is the victim. A page survives one full turn of the hand only
//!   if it was used during that turn.
//! * [`Aging`] (an approximation of LRU): each page has an 8-bit history. On each timer
//!   tick the history shifts right and the A bit enters at the top (then A is cleared). A
//!   page used in the last tick has `1xxxxxxx`; a page not used for 8 ticks has `0`. The
//!   victim is the page with the smallest history: the least recently used, at the
//!   resolution of a tick.
//! * [`RandomPolicy`]: a uniformly random resident page (deterministic PRNG seed, so runs
//!   are reproducible). Surprisingly good on loops just larger than memory, where
//!   LRU-like policies fault on every reference.
//!
//! # Why clearing A needs a TLB flush
//! The A bit lives in the PTE in memory, but the hart caches translations in its TLB. A
//! hardware TLB entry is only filled when A = 1 (or the fill sets A; spec 4.3.2 step 7), so
//! while the entry stays cached the hardware keeps using the page **without writing A to
//! memory again**. If the kernel clears A in the PTE and does not execute `SFENCE.VMA` for
//! that page (and ASID), every later access hits the stale TLB entry, A stays 0 in memory,
//! and Clock or Aging concludes the page is idle: the hottest page becomes the victim. So
//! the kernel's `accessed` callback must be "test and clear A, then `sfence.vma va, asid`
//! if it was set" (remote harts need a shootdown too). Linux does the same in
//! `ptep_clear_flush_young`.
//!
//! # Interface
//! A policy tracks a set of resident pages, each named by a [`PageId`]: a dense index below
//! the policy's capacity `N`, normally the frame number relative to the start of the
//! pageable pool (one resident page per frame). The kernel calls [`Policy::insert`] after
//! mapping a page, [`Policy::remove`] when a page is freed for another reason (`munmap`,
//! exit), [`Policy::tick`] from the timer, and [`Policy::select_victim`] when it needs a
//! frame. `select_victim` receives a callback that tests and clears the A bit of a page
//! (the policy never touches page tables) and **removes** the victim from the set; if the
//! kernel then cannot evict it (pinned, I/O in flight) it inserts it again.
//! [`Policy::select_victim_where`] restricts the choice to pages a predicate accepts, which
//! is how per-process replacement ([`crate::pool`]) picks among one process's pages; a
//! caller whose predicate may now accept pages it rejected before calls
//! [`Policy::eligibility_changed`] first. [`Policy::for_each`] enumerates the tracked
//! pages and [`Policy::drain`] hands them over and empties the policy: switching policy at
//! run time is `old.drain(&mut |p| { let _ = new.insert(p); })`.
//!
//! All policies use fixed arrays of capacity `N`, no heap, and every operation costs at
//! most O(tracked pages), never O(`N`):
//!
//! | policy | insert, remove, touch | select a victim | tick |
//! |---|---|---|---|
//! | [`Fifo`] | O(1) | O(1); with a filter, one `eligible` call per page passed | nothing |
//! | [`Clock`] | O(1) | one `eligible` + one `accessed` call per page the hand passes (at most two turns) | nothing |
//! | [`Aging`] | O(1); insert O([`AGING_BATCH`]) | one pass over the tracked pages per [`AGING_BATCH`] victims, else two calls | one `accessed` call per tracked page |
//! | [`RandomPolicy`] | O(1) | O(1); with a filter, one `eligible` call per page tried | nothing |

mod aging;
mod clock;
mod fifo;
mod random;
mod ring;
mod set;
pub mod sim;
#[cfg(test)]
mod tests;

pub use aging::{Aging, AGING_BATCH};
pub use clock::Clock;
pub use fifo::Fifo;
pub use random::RandomPolicy;
pub use set::PolicySet;

/// A resident page as the policies see it: a dense index `< N` (normally a frame index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageId(pub u32);

impl PageId {
    const fn idx(self) -> usize {
        self.0 as usize
    }
}

/// Errors of the policy bookkeeping (each is a kernel bug or a too-small capacity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplaceError {
    /// The page id is not below the policy's capacity.
    OutOfRange,
    /// `insert` of a page already tracked.
    AlreadyPresent,
    /// `remove` of a page not tracked.
    NotPresent,
}

/// A page-replacement policy over a set of resident pages.
pub trait Policy {
    /// Which policy this is.
    fn kind(&self) -> PolicyKind;
    /// Starts tracking `page` (just mapped; counts as referenced now).
    fn insert(&mut self, page: PageId) -> Result<(), ReplaceError>;
    /// Stops tracking `page` (unmapped or freed without being chosen as a victim).
    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError>;
    /// A reference the kernel knows of in software (e.g. a soft fault on a page already
    /// resident). Ignored by policies that do not use recency, and for untracked pages.
    fn touch(&mut self, page: PageId);
    /// The periodic timer: policies that keep a history (aging) sample and clear every A
    /// bit through `accessed`. Default: nothing.
    fn tick(&mut self, accessed: &mut dyn FnMut(PageId) -> bool) {
        let _ = accessed;
    }
    /// Chooses, removes and returns a victim among the tracked pages for which `eligible`
    /// is true; `accessed(page)` must test-and-clear the page's A bit (and flush its TLB
    /// entry, see the module doc). `None` when no tracked page is eligible.
    fn select_victim_where(
        &mut self,
        accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId>;
    /// [`Policy::select_victim_where`] with every page eligible.
    fn select_victim(&mut self, accessed: &mut dyn FnMut(PageId) -> bool) -> Option<PageId> {
        self.select_victim_where(accessed, &mut |_| true)
    }
    /// Number of tracked pages.
    fn len(&self) -> usize;
    /// True when no page is tracked.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// True when `page` is tracked.
    fn contains(&self, page: PageId) -> bool;
    /// The largest number of pages (and one more than the largest id) this instance holds.
    fn capacity(&self) -> usize;
    /// Calls `f` on every tracked page, once each, in O(tracked pages). The order is the
    /// policy's own where it has one (FIFO: oldest first; Clock: from the hand on), so
    /// inserting the pages in this order into an empty policy of the same kind rebuilds
    /// that order. With [`Policy::clear`] (or [`Policy::drain`]) this is how the kernel
    /// switches policy at run time: every tracked page moves into the new policy.
    fn for_each(&self, f: &mut dyn FnMut(PageId));
    /// Stops tracking every page, in O(tracked pages).
    fn clear(&mut self);
    /// [`Policy::for_each`], then [`Policy::clear`]: hands every tracked page to `f`
    /// (e.g. `new.insert`) and leaves this policy empty.
    fn drain(&mut self, f: &mut dyn FnMut(PageId)) {
        self.for_each(f);
        self.clear();
    }
    /// Says that the `eligible` filter of the next [`Policy::select_victim_where`] may
    /// accept pages that the filters of earlier calls rejected. Policies that keep
    /// candidates from an earlier call ([`Aging`]) recompute them; the others ignore it.
    /// Not needed when the filter only rejects more pages than before.
    fn eligibility_changed(&mut self) {}
}

/// The policies selectable at boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Second chance on the accessed bit.
    Clock,
    /// First in, first out.
    Fifo,
    /// LRU approximation with 8-bit aging counters.
    Aging,
    /// Uniformly random (seeded).
    Random,
}

impl PolicyKind {
    /// Every kind, in a fixed order (for simulations and tables).
    pub const ALL: [PolicyKind; 4] = [PolicyKind::Clock, PolicyKind::Fifo, PolicyKind::Aging, PolicyKind::Random];

    /// The name used on the command line and in logs.
    pub const fn name(self) -> &'static str {
        match self {
            PolicyKind::Clock => "clock",
            PolicyKind::Fifo => "fifo",
            PolicyKind::Aging => "aging",
            PolicyKind::Random => "random",
        }
    }

    /// Parses a policy name (ASCII case-insensitive; `lru` is accepted for aging and
    /// `second-chance` for clock).
    pub fn parse(s: &str) -> Option<Self> {
        let eq = |n: &str| s.eq_ignore_ascii_case(n);
        if eq("clock") || eq("second-chance") {
            Some(PolicyKind::Clock)
        } else if eq("fifo") {
            Some(PolicyKind::Fifo)
        } else if eq("aging") || eq("lru") {
            Some(PolicyKind::Aging)
        } else if eq("random") {
            Some(PolicyKind::Random)
        } else {
            None
        }
    }

    /// Finds `vm.policy=NAME` among the space-separated words of a kernel command line.
    /// `None` when absent; `Some(Err(name))` when present but unknown (so the kernel can say
    /// which word it did not understand).
    pub fn from_cmdline(cmdline: &str) -> Option<Result<Self, &str>> {
        let v = cmdline_value(cmdline, "vm.policy")?;
        Some(Self::parse(v).ok_or(v))
    }
}

/// The value of `key=value` among the whitespace-separated words of `cmdline` (the last
/// occurrence wins, as in Linux).
pub fn cmdline_value<'a>(cmdline: &'a str, key: &str) -> Option<&'a str> {
    cmdline.split_ascii_whitespace().rev().find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

/// SplitMix64, a tiny deterministic PRNG (Steele, Lea, Flood 2014): good enough for random
/// replacement and reference strings, the same sequence on every run for a given seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator with the given seed.
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`0` when `n == 0`); Lemire's multiply-shift, bias below 2^-32
    /// for the sizes used here.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}
