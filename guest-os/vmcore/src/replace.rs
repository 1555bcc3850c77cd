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
//! is how per-process replacement ([`crate::pool`]) picks among one process's pages.
//!
//! All policies use fixed arrays of capacity `N`, no heap.

pub mod sim;

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

const NIL: u32 = u32::MAX;

fn check<const N: usize>(page: PageId) -> Result<usize, ReplaceError> {
    if page.idx() < N {
        Ok(page.idx())
    } else {
        Err(ReplaceError::OutOfRange)
    }
}

/// Which page ids a policy tracks, and how many: the bookkeeping every array-based
/// policy shares.
#[derive(Clone, Debug)]
struct Resident<const N: usize> {
    present: [bool; N],
    len: usize,
}

impl<const N: usize> Resident<N> {
    const fn new() -> Self {
        Self { present: [false; N], len: 0 }
    }

    /// Starts tracking `page`; its index.
    fn add(&mut self, page: PageId) -> Result<usize, ReplaceError> {
        let i = check::<N>(page)?;
        if self.present[i] {
            return Err(ReplaceError::AlreadyPresent);
        }
        self.present[i] = true;
        self.len += 1;
        Ok(i)
    }

    /// The index of a tracked `page`.
    fn index(&self, page: PageId) -> Result<usize, ReplaceError> {
        let i = check::<N>(page)?;
        if self.present[i] {
            Ok(i)
        } else {
            Err(ReplaceError::NotPresent)
        }
    }

    /// Stops tracking index `i` (which must be tracked).
    fn drop_index(&mut self, i: usize) {
        self.present[i] = false;
        self.len -= 1;
    }

    fn has(&self, i: usize) -> bool {
        self.present[i]
    }

    fn contains(&self, page: PageId) -> bool {
        page.idx() < N && self.present[page.idx()]
    }
}

/// First-in, first-out: a queue in load order (an intrusive doubly linked list over the
/// page ids, so `remove` is O(1)).
#[derive(Clone, Debug)]
pub struct Fifo<const N: usize> {
    next: [u32; N],
    prev: [u32; N],
    set: Resident<N>,
    head: u32,
    tail: u32,
}

impl<const N: usize> Fifo<N> {
    /// An empty queue.
    pub const fn new() -> Self {
        Self { next: [NIL; N], prev: [NIL; N], set: Resident::new(), head: NIL, tail: NIL }
    }

    fn unlink(&mut self, i: usize) {
        let (p, n) = (self.prev[i], self.next[i]);
        if p == NIL {
            self.head = n;
        } else {
            self.next[p as usize] = n;
        }
        if n == NIL {
            self.tail = p;
        } else {
            self.prev[n as usize] = p;
        }
        self.set.drop_index(i);
    }
}

impl<const N: usize> Default for Fifo<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Policy for Fifo<N> {
    fn kind(&self) -> PolicyKind {
        PolicyKind::Fifo
    }

    fn insert(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = self.set.add(page)?;
        self.prev[i] = self.tail;
        self.next[i] = NIL;
        if self.tail == NIL {
            self.head = page.0;
        } else {
            self.next[self.tail as usize] = page.0;
        }
        self.tail = page.0;
        Ok(())
    }

    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = self.set.index(page)?;
        self.unlink(i);
        Ok(())
    }

    fn touch(&mut self, _page: PageId) {}

    fn select_victim_where(
        &mut self,
        _accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId> {
        let mut cur = self.head;
        while cur != NIL {
            if eligible(PageId(cur)) {
                self.unlink(cur as usize);
                return Some(PageId(cur));
            }
            cur = self.next[cur as usize];
        }
        None
    }

    fn len(&self) -> usize {
        self.set.len
    }

    fn contains(&self, page: PageId) -> bool {
        self.set.contains(page)
    }

    fn capacity(&self) -> usize {
        N
    }
}

/// Clock (second chance): the hand sweeps the page ids in circular order; a page with its
/// accessed bit set (in hardware, or by [`Policy::touch`]) loses the bit and is skipped
/// once; the first page found without it is the victim.
#[derive(Clone, Debug)]
pub struct Clock<const N: usize> {
    set: Resident<N>,
    /// Software reference bit, set by `touch` (the hardware bit is read via `accessed`).
    soft: [bool; N],
    hand: usize,
}

impl<const N: usize> Clock<N> {
    /// An empty clock, hand at 0.
    pub const fn new() -> Self {
        Self { set: Resident::new(), soft: [false; N], hand: 0 }
    }

    /// Where the hand points (the next page examined).
    pub const fn hand(&self) -> usize {
        self.hand
    }
}

impl<const N: usize> Default for Clock<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Policy for Clock<N> {
    fn kind(&self) -> PolicyKind {
        PolicyKind::Clock
    }

    fn insert(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = self.set.add(page)?;
        self.soft[i] = false;
        Ok(())
    }

    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = self.set.index(page)?;
        self.set.drop_index(i);
        Ok(())
    }

    fn touch(&mut self, page: PageId) {
        if self.contains(page) {
            self.soft[page.idx()] = true;
        }
    }

    fn select_victim_where(
        &mut self,
        accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId> {
        if self.set.len == 0 || N == 0 {
            return None;
        }
        // Two full turns suffice: the first clears every eligible page's bit, so the second
        // finds one unless the hardware sets bits again meanwhile (another hart running);
        // then the first eligible page seen is taken, so the call always terminates.
        let mut fallback = None;
        for _ in 0..2 * N {
            let i = self.hand;
            self.hand = (self.hand + 1) % N;
            if !self.set.has(i) || !eligible(PageId(i as u32)) {
                continue;
            }
            fallback.get_or_insert(i);
            // Test-and-clear both bits; no short circuit, the hardware bit must be cleared.
            let hw = accessed(PageId(i as u32));
            let referenced = hw | core::mem::take(&mut self.soft[i]);
            if !referenced {
                self.set.drop_index(i);
                return Some(PageId(i as u32));
            }
        }
        let i = fallback?;
        self.set.drop_index(i);
        self.hand = (i + 1) % N;
        Some(PageId(i as u32))
    }

    fn len(&self) -> usize {
        self.set.len
    }

    fn contains(&self, page: PageId) -> bool {
        self.set.contains(page)
    }

    fn capacity(&self) -> usize {
        N
    }
}

/// LRU approximation by aging: an 8-bit history per page, shifted right on every
/// [`Policy::tick`] with the page's A bit entering at bit 7. The victim has the smallest
/// history. A page inserted (just faulted in) starts at `0x80`: it was referenced in the
/// current tick. At selection time the current A bits are folded into bit 7 without
/// shifting, so a page used since the last tick is not mistaken for an idle one.
/// Ties go to the first page at or after a rotating cursor, so equal pages are evicted
/// in turn rather than always the lowest id.
#[derive(Clone, Debug)]
pub struct Aging<const N: usize> {
    set: Resident<N>,
    age: [u8; N],
    cursor: usize,
}

impl<const N: usize> Aging<N> {
    /// An empty set.
    pub const fn new() -> Self {
        Self { set: Resident::new(), age: [0; N], cursor: 0 }
    }

    /// The history byte of a tracked page (`None` if untracked).
    pub fn age(&self, page: PageId) -> Option<u8> {
        self.contains(page).then(|| self.age[page.idx()])
    }
}

impl<const N: usize> Default for Aging<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Policy for Aging<N> {
    fn kind(&self) -> PolicyKind {
        PolicyKind::Aging
    }

    fn insert(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = self.set.add(page)?;
        self.age[i] = 0x80;
        Ok(())
    }

    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = self.set.index(page)?;
        self.set.drop_index(i);
        Ok(())
    }

    fn touch(&mut self, page: PageId) {
        if self.contains(page) {
            self.age[page.idx()] |= 0x80;
        }
    }

    fn tick(&mut self, accessed: &mut dyn FnMut(PageId) -> bool) {
        for i in 0..N {
            if self.set.has(i) {
                let a = accessed(PageId(i as u32)) as u8;
                self.age[i] = (self.age[i] >> 1) | (a << 7);
            }
        }
    }

    fn select_victim_where(
        &mut self,
        accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId> {
        let mut best: Option<(u8, usize)> = None;
        for k in 0..N {
            let i = (self.cursor + k) % N;
            if !self.set.has(i) || !eligible(PageId(i as u32)) {
                continue;
            }
            if accessed(PageId(i as u32)) {
                self.age[i] |= 0x80;
            }
            if best.is_none_or(|(a, _)| self.age[i] < a) {
                best = Some((self.age[i], i));
            }
        }
        let (_, i) = best?;
        self.set.drop_index(i);
        self.cursor = (i + 1) % N;
        Some(PageId(i as u32))
    }

    fn len(&self) -> usize {
        self.set.len
    }

    fn contains(&self, page: PageId) -> bool {
        self.set.contains(page)
    }

    fn capacity(&self) -> usize {
        N
    }
}

/// Random replacement with a seeded [`Rng`]: a dense array of the tracked ids (O(1) insert,
/// remove and pick). Ignores the accessed bits.
#[derive(Clone, Debug)]
pub struct RandomPolicy<const N: usize> {
    dense: [u32; N],
    pos: [u32; N],
    len: usize,
    rng: Rng,
}

impl<const N: usize> RandomPolicy<N> {
    /// An empty set whose choices follow `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { dense: [NIL; N], pos: [NIL; N], len: 0, rng: Rng::new(seed) }
    }

    fn take(&mut self, k: usize) -> PageId {
        let id = self.dense[k];
        let last = self.dense[self.len - 1];
        self.dense[k] = last;
        self.pos[last as usize] = k as u32;
        self.pos[id as usize] = NIL;
        self.len -= 1;
        PageId(id)
    }
}

impl<const N: usize> Policy for RandomPolicy<N> {
    fn kind(&self) -> PolicyKind {
        PolicyKind::Random
    }

    fn insert(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = check::<N>(page)?;
        if self.pos[i] != NIL {
            return Err(ReplaceError::AlreadyPresent);
        }
        self.dense[self.len] = page.0;
        self.pos[i] = self.len as u32;
        self.len += 1;
        Ok(())
    }

    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = check::<N>(page)?;
        if self.pos[i] == NIL {
            return Err(ReplaceError::NotPresent);
        }
        self.take(self.pos[i] as usize);
        Ok(())
    }

    fn touch(&mut self, _page: PageId) {}

    fn select_victim_where(
        &mut self,
        _accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId> {
        if self.len == 0 {
            return None;
        }
        let start = self.rng.below(self.len as u64) as usize;
        for k in 0..self.len {
            let j = (start + k) % self.len;
            if eligible(PageId(self.dense[j])) {
                return Some(self.take(j));
            }
        }
        None
    }

    fn len(&self) -> usize {
        self.len
    }

    fn contains(&self, page: PageId) -> bool {
        page.idx() < N && self.pos[page.idx()] != NIL
    }

    fn capacity(&self) -> usize {
        N
    }
}

/// Any of the policies, chosen at run time (e.g. from the kernel command line) without a
/// heap: an enum that forwards to the selected one.
#[derive(Clone, Debug)]
pub enum AnyPolicy<const N: usize> {
    /// [`Clock`].
    Clock(Clock<N>),
    /// [`Fifo`].
    Fifo(Fifo<N>),
    /// [`Aging`].
    Aging(Aging<N>),
    /// [`RandomPolicy`].
    Random(RandomPolicy<N>),
}

impl<const N: usize> AnyPolicy<N> {
    /// An empty policy of the given kind (`seed` is used by [`PolicyKind::Random`] only).
    pub const fn new(kind: PolicyKind, seed: u64) -> Self {
        match kind {
            PolicyKind::Clock => AnyPolicy::Clock(Clock::new()),
            PolicyKind::Fifo => AnyPolicy::Fifo(Fifo::new()),
            PolicyKind::Aging => AnyPolicy::Aging(Aging::new()),
            PolicyKind::Random => AnyPolicy::Random(RandomPolicy::new(seed)),
        }
    }

    fn inner(&self) -> &dyn Policy {
        match self {
            AnyPolicy::Clock(p) => p,
            AnyPolicy::Fifo(p) => p,
            AnyPolicy::Aging(p) => p,
            AnyPolicy::Random(p) => p,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn Policy {
        match self {
            AnyPolicy::Clock(p) => p,
            AnyPolicy::Fifo(p) => p,
            AnyPolicy::Aging(p) => p,
            AnyPolicy::Random(p) => p,
        }
    }
}

impl<const N: usize> Policy for AnyPolicy<N> {
    fn kind(&self) -> PolicyKind {
        self.inner().kind()
    }
    fn insert(&mut self, page: PageId) -> Result<(), ReplaceError> {
        self.inner_mut().insert(page)
    }
    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        self.inner_mut().remove(page)
    }
    fn touch(&mut self, page: PageId) {
        self.inner_mut().touch(page)
    }
    fn tick(&mut self, accessed: &mut dyn FnMut(PageId) -> bool) {
        self.inner_mut().tick(accessed)
    }
    fn select_victim_where(
        &mut self,
        accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId> {
        self.inner_mut().select_victim_where(accessed, eligible)
    }
    fn len(&self) -> usize {
        self.inner().len()
    }
    fn contains(&self, page: PageId) -> bool {
        self.inner().contains(page)
    }
    fn capacity(&self) -> usize {
        N
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake A-bit array: test-and-clear.
    fn abits(bits: &mut [bool]) -> impl FnMut(PageId) -> bool + '_ {
        move |p| core::mem::take(&mut bits[p.0 as usize])
    }

    #[test]
    fn fifo_evicts_in_load_order() {
        let mut f = Fifo::<8>::new();
        for i in [3, 1, 4, 5] {
            f.insert(PageId(i)).unwrap();
        }
        f.remove(PageId(1)).unwrap();
        let mut a = [true; 8]; // FIFO ignores A
        let mut acc = abits(&mut a);
        assert_eq!(f.select_victim(&mut acc), Some(PageId(3)));
        assert_eq!(f.select_victim(&mut acc), Some(PageId(4)));
        assert_eq!(f.select_victim(&mut acc), Some(PageId(5)));
        assert_eq!(f.select_victim(&mut acc), None);
        assert!(f.is_empty());
    }

    #[test]
    fn bookkeeping_errors_for_every_policy() {
        for kind in PolicyKind::ALL {
            let mut p = AnyPolicy::<4>::new(kind, 1);
            assert_eq!(p.kind(), kind);
            assert_eq!(p.insert(PageId(4)), Err(ReplaceError::OutOfRange), "{kind:?}");
            p.insert(PageId(2)).unwrap();
            assert_eq!(p.insert(PageId(2)), Err(ReplaceError::AlreadyPresent), "{kind:?}");
            assert_eq!(p.remove(PageId(1)), Err(ReplaceError::NotPresent), "{kind:?}");
            assert_eq!(p.remove(PageId(9)), Err(ReplaceError::OutOfRange), "{kind:?}");
            assert!(p.contains(PageId(2)) && !p.contains(PageId(9)));
            p.touch(PageId(9)); // ignored, no panic
            p.remove(PageId(2)).unwrap();
            assert_eq!(p.select_victim(&mut |_| false), None, "{kind:?}");
        }
    }

    #[test]
    fn every_policy_returns_each_page_exactly_once() {
        for kind in PolicyKind::ALL {
            let mut p = AnyPolicy::<16>::new(kind, 7);
            for i in 0..16 {
                p.insert(PageId(i)).unwrap();
            }
            let mut a = [true; 16];
            let mut seen = [false; 16];
            for _ in 0..16 {
                let v = p.select_victim(&mut abits(&mut a)).unwrap();
                assert!(!seen[v.0 as usize], "{kind:?} returned {v:?} twice");
                seen[v.0 as usize] = true;
                assert!(!p.contains(v));
            }
            assert!(p.is_empty());
            assert_eq!(p.select_victim(&mut |_| true), None);
        }
    }

    #[test]
    fn clock_gives_second_chance_and_clears_bits() {
        let mut c = Clock::<4>::new();
        for i in 0..4 {
            c.insert(PageId(i)).unwrap();
        }
        let mut a = [true, false, true, false];
        assert_eq!(c.select_victim(&mut abits(&mut a)), Some(PageId(1)));
        assert_eq!(a, [false, false, true, false], "page 0's A bit was cleared on the way");
        assert_eq!(c.hand(), 2);
        // 2 has A set: cleared and skipped, 3 is the victim.
        assert_eq!(c.select_victim(&mut abits(&mut a)), Some(PageId(3)));
        assert_eq!(a, [false; 4]);
        // touch() is a software reference: 0 is skipped once, 2 (cleared above) goes.
        c.touch(PageId(0));
        assert_eq!(c.select_victim(&mut abits(&mut a)), Some(PageId(2)));
    }

    #[test]
    fn clock_terminates_when_bits_are_always_set() {
        let mut c = Clock::<3>::new();
        c.insert(PageId(1)).unwrap();
        c.insert(PageId(2)).unwrap();
        // Another hart keeps re-setting A: still a victim, the first eligible one seen.
        assert_eq!(c.select_victim(&mut |_| true), Some(PageId(1)));
    }

    #[test]
    fn aging_picks_least_recently_used() {
        let mut g = Aging::<4>::new();
        for i in 0..4 {
            g.insert(PageId(i)).unwrap();
        }
        // Tick 1: pages 0 and 1 used. Tick 2: page 1 used. Tick 3: page 2 used.
        let pattern = [[true, true, false, false], [false, true, false, false], [false, false, true, false]];
        for used in pattern {
            let mut a = used;
            g.tick(&mut abits(&mut a));
        }
        assert_eq!(g.age(PageId(0)), Some(0b0011_0000));
        assert_eq!(g.age(PageId(1)), Some(0b0111_0000));
        assert_eq!(g.age(PageId(2)), Some(0b1001_0000));
        assert_eq!(g.age(PageId(3)), Some(0b0001_0000));
        let mut none = [false; 4];
        let order: Vec<_> = (0..4).map(|_| g.select_victim(&mut abits(&mut none)).unwrap().0).collect();
        assert_eq!(order, [3, 0, 1, 2]);
    }

    #[test]
    fn aging_counts_a_bit_set_since_last_tick() {
        let mut g = Aging::<2>::new();
        g.insert(PageId(0)).unwrap();
        g.insert(PageId(1)).unwrap();
        let mut idle = [false; 2];
        for _ in 0..8 {
            g.tick(&mut abits(&mut idle));
        }
        assert_eq!(g.age(PageId(0)), Some(0));
        // Page 0 was used after the last tick: its A bit is seen at selection.
        let mut a = [true, false];
        assert_eq!(g.select_victim(&mut abits(&mut a)), Some(PageId(1)));
    }

    #[test]
    fn random_is_deterministic_per_seed() {
        let run = |seed| {
            let mut r = RandomPolicy::<32>::new(seed);
            for i in 0..32 {
                r.insert(PageId(i)).unwrap();
            }
            (0..32).map(|_| r.select_victim(&mut |_| false).unwrap().0).collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        assert_ne!(run(1), (0..32).collect::<Vec<_>>());
    }

    #[test]
    fn filtered_selection_only_returns_eligible_pages() {
        for kind in PolicyKind::ALL {
            let mut p = AnyPolicy::<8>::new(kind, 3);
            for i in 0..8 {
                p.insert(PageId(i)).unwrap();
            }
            let mut a = [false; 8];
            let mut odd = |p: PageId| p.0 % 2 == 1;
            for _ in 0..4 {
                let v = p.select_victim_where(&mut abits(&mut a), &mut odd).unwrap();
                assert_eq!(v.0 % 2, 1, "{kind:?}");
            }
            assert_eq!(p.select_victim_where(&mut abits(&mut a), &mut odd), None, "{kind:?}");
            assert_eq!(p.len(), 4);
        }
    }

    #[test]
    fn clock_filter_leaves_other_pages_bits_alone() {
        let mut c = Clock::<4>::new();
        for i in 0..4 {
            c.insert(PageId(i)).unwrap();
        }
        let mut a = [true; 4];
        let v = c.select_victim_where(&mut abits(&mut a), &mut |p| p.0 >= 2);
        assert_eq!(v, Some(PageId(2)));
        assert_eq!(a, [true, true, false, false]);
    }

    #[test]
    fn names_parse() {
        for k in PolicyKind::ALL {
            assert_eq!(PolicyKind::parse(k.name()), Some(k));
        }
        assert_eq!(PolicyKind::parse("LRU"), Some(PolicyKind::Aging));
        assert_eq!(PolicyKind::parse("opt"), None);
        assert_eq!(PolicyKind::from_cmdline("console=ttyS0 vm.policy=fifo quiet"), Some(Ok(PolicyKind::Fifo)));
        assert_eq!(PolicyKind::from_cmdline("vm.policy=clock vm.policy=aging"), Some(Ok(PolicyKind::Aging)));
        assert_eq!(PolicyKind::from_cmdline("vm.policy=mru"), Some(Err("mru")));
        assert_eq!(PolicyKind::from_cmdline("vm.policyx=fifo"), None);
        assert_eq!(PolicyKind::from_cmdline(""), None);
        assert_eq!(cmdline_value("a=1 b=2", "b"), Some("2"));
    }

    #[test]
    fn rng_below_stays_in_range() {
        let mut r = Rng::new(0);
        assert_eq!(r.below(0), 0);
        for n in [1u64, 2, 3, 10, 1000] {
            for _ in 0..200 {
                assert!(r.below(n) < n);
            }
        }
    }
}
