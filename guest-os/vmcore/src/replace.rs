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

/// The index type of the policies' arrays: 2 bytes per page id and link, which halves
/// their size (the kernel keeps several policies of 32,768 ids in `static`s); hence
/// capacities up to `u16::MAX` ids (256 MiB of 4 KiB pages), checked at compile time.
type Ix = u16;
const NIL: Ix = Ix::MAX;

/// Compile-time check of a capacity (evaluated when a policy of capacity `N` is built).
struct Capacity<const N: usize>;

impl<const N: usize> Capacity<N> {
    const OK: () = assert!(N <= NIL as usize, "replacement policies hold at most u16::MAX page ids");
}

fn check<const N: usize>(page: PageId) -> Result<usize, ReplaceError> {
    if page.idx() < N {
        Ok(page.idx())
    } else {
        Err(ReplaceError::OutOfRange)
    }
}

/// The set of tracked page ids as a dense array plus a position index: O(1) insert,
/// O(1) remove (the last id moves into the hole) and iteration over the tracked ids only,
/// whatever the capacity. Used by [`Aging`] and [`RandomPolicy`].
#[derive(Clone, Debug)]
struct Resident<const N: usize> {
    /// `dense[..len]`: the tracked ids, in no particular order.
    dense: [Ix; N],
    /// `pos[id]`: where `id` sits in `dense`, or `NIL` when untracked.
    pos: [Ix; N],
    len: usize,
}

impl<const N: usize> Resident<N> {
    const fn new() -> Self {
        let () = Capacity::<N>::OK;
        Self { dense: [NIL; N], pos: [NIL; N], len: 0 }
    }

    /// Starts tracking `page`; its index.
    fn add(&mut self, page: PageId) -> Result<usize, ReplaceError> {
        let i = check::<N>(page)?;
        if self.pos[i] != NIL {
            return Err(ReplaceError::AlreadyPresent);
        }
        self.dense[self.len] = i as Ix;
        self.pos[i] = self.len as Ix;
        self.len += 1;
        Ok(i)
    }

    /// Stops tracking `page`; its index.
    fn remove(&mut self, page: PageId) -> Result<usize, ReplaceError> {
        let i = check::<N>(page)?;
        let k = self.pos[i];
        if k == NIL {
            return Err(ReplaceError::NotPresent);
        }
        self.take(k as usize);
        Ok(i)
    }

    /// Stops tracking the id at `dense[k]` (`k < len`) and returns it.
    fn take(&mut self, k: usize) -> PageId {
        let id = self.dense[k];
        let last = self.dense[self.len - 1];
        self.dense[k] = last;
        self.pos[last as usize] = k as Ix;
        self.pos[id as usize] = NIL;
        self.len -= 1;
        PageId(id as u32)
    }

    /// The `k`-th tracked id (`k < len`).
    fn id(&self, k: usize) -> u32 {
        self.dense[k] as u32
    }

    fn has(&self, i: usize) -> bool {
        self.pos[i] != NIL
    }

    fn contains(&self, page: PageId) -> bool {
        page.idx() < N && self.has(page.idx())
    }

    /// Untracks everything (O(tracked)).
    fn clear(&mut self) {
        for &id in &self.dense[..self.len] {
            self.pos[id as usize] = NIL;
        }
        self.len = 0;
    }
}

/// The tracked page ids as a circular doubly linked list threaded through two arrays
/// (O(1) insert and remove, walks over tracked ids only). `head` is the oldest entry for
/// [`Fifo`] and the hand for [`Clock`]; new ids go just before it (at the tail).
#[derive(Clone, Debug)]
struct Ring<const N: usize> {
    /// `next[id]`: the following id, or `NIL` when `id` is untracked.
    next: [Ix; N],
    prev: [Ix; N],
    head: Ix,
    len: usize,
}

impl<const N: usize> Ring<N> {
    const fn new() -> Self {
        let () = Capacity::<N>::OK;
        Self { next: [NIL; N], prev: [NIL; N], head: NIL, len: 0 }
    }

    fn contains(&self, page: PageId) -> bool {
        page.idx() < N && self.next[page.idx()] != NIL
    }

    /// Adds `page` just before the head (the tail of a FIFO; behind a clock's hand).
    fn push_back(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = check::<N>(page)?;
        if self.next[i] != NIL {
            return Err(ReplaceError::AlreadyPresent);
        }
        let id = i as Ix;
        if self.head == NIL {
            self.next[i] = id;
            self.prev[i] = id;
            self.head = id;
        } else {
            let h = self.head;
            let t = self.prev[h as usize];
            self.next[i] = h;
            self.prev[i] = t;
            self.next[t as usize] = id;
            self.prev[h as usize] = id;
        }
        self.len += 1;
        Ok(())
    }

    /// Removes `page`; if it was the head, the head moves to its successor.
    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        let i = check::<N>(page)?;
        if self.next[i] == NIL {
            return Err(ReplaceError::NotPresent);
        }
        self.unlink(i);
        Ok(())
    }

    /// Removes tracked index `i`.
    fn unlink(&mut self, i: usize) {
        let (p, n) = (self.prev[i], self.next[i]);
        if n as usize == i {
            self.head = NIL;
        } else {
            self.next[p as usize] = n;
            self.prev[n as usize] = p;
            if self.head as usize == i {
                self.head = n;
            }
        }
        self.next[i] = NIL;
        self.prev[i] = NIL;
        self.len -= 1;
    }

    /// Calls `f` on every tracked id, from the head on.
    fn for_each(&self, f: &mut dyn FnMut(PageId)) {
        let mut cur = self.head;
        for _ in 0..self.len {
            f(PageId(cur as u32));
            cur = self.next[cur as usize];
        }
    }

    /// Untracks everything (O(tracked)).
    fn clear(&mut self) {
        let mut cur = self.head;
        for _ in 0..self.len {
            let n = self.next[cur as usize];
            self.next[cur as usize] = NIL;
            self.prev[cur as usize] = NIL;
            cur = n;
        }
        self.head = NIL;
        self.len = 0;
    }
}

/// First-in, first-out: a queue in load order (a circular intrusive list over the page ids
/// whose head is the oldest page: O(1) insert, remove and victim).
#[derive(Clone, Debug)]
pub struct Fifo<const N: usize> {
    ring: Ring<N>,
}

impl<const N: usize> Fifo<N> {
    /// An empty queue.
    pub const fn new() -> Self {
        Self { ring: Ring::new() }
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
        self.ring.push_back(page)
    }

    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        self.ring.remove(page)
    }

    fn touch(&mut self, _page: PageId) {}

    /// The oldest eligible page: O(1) without a filter, at most `len` `eligible` calls
    /// with one.
    fn select_victim_where(
        &mut self,
        _accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId> {
        let mut cur = self.ring.head;
        for _ in 0..self.ring.len {
            if eligible(PageId(cur as u32)) {
                self.ring.unlink(cur as usize);
                return Some(PageId(cur as u32));
            }
            cur = self.ring.next[cur as usize];
        }
        None
    }

    fn len(&self) -> usize {
        self.ring.len
    }

    fn contains(&self, page: PageId) -> bool {
        self.ring.contains(page)
    }

    fn capacity(&self) -> usize {
        N
    }

    /// Oldest first, so inserting them in this order into a FIFO keeps the queue.
    fn for_each(&self, f: &mut dyn FnMut(PageId)) {
        self.ring.for_each(f)
    }

    fn clear(&mut self) {
        self.ring.clear()
    }
}

/// Clock (second chance): the tracked pages form a circle (an intrusive list) with a
/// hand; a page with its accessed bit set (in hardware, or by [`Policy::touch`]) loses the
/// bit and is skipped once; the first page found without it is the victim. A new page goes just
/// behind the hand, so it is examined last, after a full turn (when the kernel reuses
/// the victim's frame for the faulting page, that is where the victim was).
///
/// The hand moves over tracked pages only: a victim costs one `eligible` and one
/// `accessed` call per page passed, at most two turns (`2 * len`), whatever `N`.
#[derive(Clone, Debug)]
pub struct Clock<const N: usize> {
    ring: Ring<N>,
    /// Software reference bit, set by `touch` (the hardware bit is read via `accessed`).
    soft: [bool; N],
}

impl<const N: usize> Clock<N> {
    /// An empty clock.
    pub const fn new() -> Self {
        Self { ring: Ring::new(), soft: [false; N] }
    }

    /// The page under the hand (the next page examined), `None` when empty.
    pub const fn hand(&self) -> Option<PageId> {
        if self.ring.head == NIL {
            None
        } else {
            Some(PageId(self.ring.head as u32))
        }
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
        self.ring.push_back(page)?;
        self.soft[page.idx()] = false;
        Ok(())
    }

    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        self.ring.remove(page)
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
        // Two full turns suffice: the first clears every eligible page's bit, so the second
        // finds one unless the hardware sets bits again meanwhile (another hart running);
        // then the first eligible page seen is taken, so the call always terminates.
        let mut fallback = None;
        for _ in 0..2 * self.ring.len {
            let i = self.ring.head as usize;
            self.ring.head = self.ring.next[i];
            if !eligible(PageId(i as u32)) {
                continue;
            }
            fallback.get_or_insert(i);
            // Test-and-clear both bits; no short circuit, the hardware bit must be cleared.
            let hw = accessed(PageId(i as u32));
            let referenced = hw | core::mem::take(&mut self.soft[i]);
            if !referenced {
                self.ring.unlink(i);
                return Some(PageId(i as u32));
            }
        }
        let i = fallback?;
        self.ring.head = self.ring.next[i];
        self.ring.unlink(i);
        Some(PageId(i as u32))
    }

    fn len(&self) -> usize {
        self.ring.len
    }

    fn contains(&self, page: PageId) -> bool {
        self.ring.contains(page)
    }

    fn capacity(&self) -> usize {
        N
    }

    /// From the hand on, so inserting them in this order into a Clock keeps the circle.
    fn for_each(&self, f: &mut dyn FnMut(PageId)) {
        self.ring.for_each(f)
    }

    fn clear(&mut self) {
        self.ring.clear()
    }
}

/// How many victims [`Aging`] computes in one pass over the tracked pages.
pub const AGING_BATCH: usize = 32;

/// LRU approximation by aging: an 8-bit history per page, shifted right on every
/// [`Policy::tick`] with the page's A bit entering at bit 7. The victim has the smallest
/// history. A page inserted (just faulted in) starts at `0x80`: it was referenced in the
/// current tick.
///
/// A reference seen between ticks (an A bit found set while selecting a victim, or a
/// [`Policy::touch`]) is kept as a *referenced* flag: it counts as bit 7 when histories
/// are compared, and enters bit 7 at the next tick like an A bit (the flag is then
/// cleared). So the history is the same whether or not a selection happened to look at
/// the page in between. [`Aging::age`] reports the history with the flag folded in.
///
/// Ties go to the first page at or after a rotating cursor in id order (the cursor moves
/// past each victim), so equal pages are evicted in turn rather than always the lowest
/// id.
///
/// # Cost
/// The tracked ids are kept in a dense array, so `tick` costs one `accessed` call per
/// tracked page (not per id below `N`). A selection that finds no precomputed candidate
/// makes one pass over the tracked pages (one `eligible` call each, one `accessed` call
/// per eligible one) and keeps the [`AGING_BATCH`] pages that come first in (history,
/// rotation) order; the following selections take them in that order, re-checking only
/// the candidate (one `eligible` and one `accessed` call): if it is no longer eligible, or
/// its history grew (A set, touched), it is passed over or moved, so a touched page is
/// never chosen over a colder one. `insert` of a page that would come before candidates,
/// and `tick`, adjust or drop the batch. The result is the same victim as a full scan as
/// long as the `eligible` filter accepts no page it rejected when the batch was computed;
/// a caller whose filter changes calls [`Policy::eligibility_changed`].
#[derive(Clone, Debug)]
pub struct Aging<const N: usize> {
    set: Resident<N>,
    age: [u8; N],
    /// Referenced since the last tick (A seen while selecting, or touched).
    refd: [bool; N],
    cursor: usize,
    /// Precomputed candidates: (id, history when last checked), unsorted.
    batch: [(u32, u8); AGING_BATCH],
    batch_len: usize,
    /// Every eligible tracked page outside the batch has a history >= `limit` (256: there
    /// are none). Candidates have histories <= `limit`; if some equal it, they come
    /// before those outside in rotation order.
    limit: u16,
    /// The pass that computed the batch found tracked pages the filter rejected.
    batch_filtered: bool,
}

impl<const N: usize> Aging<N> {
    /// An empty set.
    pub const fn new() -> Self {
        Self {
            set: Resident::new(),
            age: [0; N],
            refd: [false; N],
            cursor: 0,
            batch: [(u32::MAX, 0); AGING_BATCH],
            batch_len: 0,
            limit: 256,
            batch_filtered: false,
        }
    }

    /// The history byte of a tracked page, with a reference seen since the last tick in
    /// bit 7 (`None` if untracked).
    pub fn age(&self, page: PageId) -> Option<u8> {
        self.contains(page).then(|| self.eff(page.idx()))
    }

    /// History with the referenced flag folded in: what victims are compared by.
    fn eff(&self, i: usize) -> u8 {
        self.age[i] | (self.refd[i] as u8) << 7
    }

    /// Distance of `id` from the cursor in rotation order.
    fn dist(&self, id: u32) -> usize {
        (id as usize + N - self.cursor) % N
    }

    fn drop_candidate(&mut self, k: usize) {
        self.batch_len -= 1;
        self.batch[k] = self.batch[self.batch_len];
    }

    /// Position of the first candidate in (history, rotation) order.
    fn first_candidate(&self) -> Option<usize> {
        (0..self.batch_len).min_by_key(|&k| (self.batch[k].1, self.dist(self.batch[k].0)))
    }

    /// One pass over the tracked pages: fold in the A bits of the eligible ones and keep
    /// the first `AGING_BATCH` in (history, rotation) order as candidates.
    fn compute_batch(&mut self, accessed: &mut dyn FnMut(PageId) -> bool, eligible: &mut dyn FnMut(PageId) -> bool) {
        let mut top = TopK::new();
        let mut filtered = false;
        for k in 0..self.set.len {
            let id = self.set.id(k);
            if !eligible(PageId(id)) {
                filtered = true;
                continue;
            }
            if accessed(PageId(id)) {
                self.refd[id as usize] = true;
            }
            top.offer(self.eff(id as usize), self.dist(id), id);
        }
        self.set_batch(top, filtered);
    }

    fn set_batch(&mut self, top: TopK, filtered: bool) {
        let (n, limit) = top.finish();
        for (slot, &(a, _, id)) in self.batch.iter_mut().zip(&top.best[..n]) {
            *slot = (id, a);
        }
        self.batch_len = n;
        self.limit = limit;
        self.batch_filtered = filtered;
    }

    /// Keeps the batch's invariant when `id` (history `a`, not a candidate) was added.
    fn admit(&mut self, id: u32, a: u8) {
        if self.batch_len == 0 || a as u16 > self.limit {
            return;
        }
        let at_limit = (0..self.batch_len)
            .filter(|&k| self.batch[k].1 as u16 == self.limit)
            .max_by_key(|&k| self.dist(self.batch[k].0));
        if a as u16 == self.limit {
            // Equal to the pages outside: it must come after every candidate at the limit
            // in rotation order, else it joins them (the last one leaves if needed).
            if let Some(last) = at_limit {
                if self.dist(id) < self.dist(self.batch[last].0) {
                    if self.batch_len == AGING_BATCH {
                        self.drop_candidate(last);
                    }
                    self.batch[self.batch_len] = (id, a);
                    self.batch_len += 1;
                }
            }
            return;
        }
        // Below the limit: it must be a candidate. Make room by lowering the limit to the
        // highest class in the batch, if that is above `a`.
        if self.batch_len == AGING_BATCH {
            let top = (0..self.batch_len).map(|k| self.batch[k].1).max().unwrap_or(0);
            let mut k = 0;
            while k < self.batch_len {
                if self.batch[k].1 == top {
                    self.drop_candidate(k);
                } else {
                    k += 1;
                }
            }
            self.limit = top as u16;
            if a >= top {
                return;
            }
        }
        self.batch[self.batch_len] = (id, a);
        self.batch_len += 1;
    }
}

/// The first [`AGING_BATCH`] pages in (history, rotation distance) order among those
/// offered, and the smallest history of the others.
struct TopK {
    /// `best[..n]`, sorted ascending by (history, distance): (history, distance, id).
    best: [(u8, usize, u32); AGING_BATCH],
    n: usize,
    limit: u16,
}

impl TopK {
    const fn new() -> Self {
        Self { best: [(0, 0, u32::MAX); AGING_BATCH], n: 0, limit: 256 }
    }

    fn offer(&mut self, age: u8, dist: usize, id: u32) {
        let n = self.n;
        if n == AGING_BATCH {
            let (la, ld, _) = self.best[n - 1];
            if (age, dist) >= (la, ld) {
                self.limit = self.limit.min(age as u16);
                return;
            }
            // The last one falls out.
            self.limit = self.limit.min(la as u16);
            self.n -= 1;
        }
        let mut j = self.n;
        while j > 0 && (self.best[j - 1].0, self.best[j - 1].1) > (age, dist) {
            self.best[j] = self.best[j - 1];
            j -= 1;
        }
        self.best[j] = (age, dist, id);
        self.n += 1;
    }

    /// How many of `best` become candidates, and the limit. If pages left out share the
    /// highest history of the kept ones, and lower histories are kept too, that class is
    /// left out: which of its pages come first depends on where the cursor is once the
    /// lower ones are gone. (A batch of one class is kept whole: its pages are the first
    /// ones after the cursor, and stay so as victims are taken.)
    fn finish(&self) -> (usize, u16) {
        let mut n = self.n;
        if n > 0 && self.limit == self.best[n - 1].0 as u16 && self.best[0].0 < self.best[n - 1].0 {
            while self.best[n - 1].0 as u16 == self.limit {
                n -= 1;
            }
        }
        (n, self.limit)
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
        self.refd[i] = false;
        self.admit(page.0, 0x80);
        Ok(())
    }

    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        self.set.remove(page)?;
        if let Some(k) = (0..self.batch_len).find(|&k| self.batch[k].0 == page.0) {
            self.drop_candidate(k);
        }
        Ok(())
    }

    fn touch(&mut self, page: PageId) {
        // A candidate's history is re-checked before it is chosen; pages outside the batch
        // only move further from it.
        if self.contains(page) {
            self.refd[page.idx()] = true;
        }
    }

    /// Also computes the next candidates from the new histories (of all tracked pages,
    /// so they hold for any filter), which costs no extra callback.
    fn tick(&mut self, accessed: &mut dyn FnMut(PageId) -> bool) {
        let mut top = TopK::new();
        for k in 0..self.set.len {
            let id = self.set.id(k);
            let i = id as usize;
            let a = accessed(PageId(id)) | core::mem::take(&mut self.refd[i]);
            self.age[i] = (self.age[i] >> 1) | (a as u8) << 7;
            top.offer(self.age[i], self.dist(id), id);
        }
        self.set_batch(top, false);
    }

    fn select_victim_where(
        &mut self,
        accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId> {
        // Candidates from an earlier pass: re-check the first one.
        while let Some(k) = self.first_candidate() {
            let (id, was) = self.batch[k];
            if !eligible(PageId(id)) {
                // The batch now misses a page another filter may accept.
                self.drop_candidate(k);
                self.batch_filtered = true;
                continue;
            }
            if accessed(PageId(id)) {
                self.refd[id as usize] = true;
            }
            let now = self.eff(id as usize);
            if now > was {
                if now as u16 >= self.limit {
                    self.drop_candidate(k);
                } else {
                    self.batch[k].1 = now;
                }
                continue;
            }
            return Some(self.take_candidate(k));
        }
        // A fresh pass; its first candidate was checked just now.
        self.compute_batch(accessed, eligible);
        let k = self.first_candidate()?;
        Some(self.take_candidate(k))
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

    /// In no particular order.
    fn for_each(&self, f: &mut dyn FnMut(PageId)) {
        for k in 0..self.set.len {
            f(PageId(self.set.id(k)));
        }
    }

    fn clear(&mut self) {
        self.set.clear();
        self.batch_len = 0;
    }

    fn eligibility_changed(&mut self) {
        // A batch computed without rejecting any page holds for every filter.
        if self.batch_filtered {
            self.batch_len = 0;
        }
    }
}

impl<const N: usize> Aging<N> {
    /// Removes candidate `k` and its page; the cursor moves past it.
    fn take_candidate(&mut self, k: usize) -> PageId {
        let id = self.batch[k].0;
        self.drop_candidate(k);
        // The candidate is tracked: `remove` drops pages from the batch.
        let _ = self.set.remove(PageId(id));
        self.cursor = (id as usize + 1) % N;
        PageId(id)
    }
}

/// Random replacement with a seeded [`Rng`]: picks a uniformly random position in the
/// dense array of tracked ids (O(1) insert, remove and pick). Ignores the accessed bits.
#[derive(Clone, Debug)]
pub struct RandomPolicy<const N: usize> {
    set: Resident<N>,
    rng: Rng,
}

impl<const N: usize> RandomPolicy<N> {
    /// An empty set whose choices follow `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { set: Resident::new(), rng: Rng::new(seed) }
    }
}

impl<const N: usize> Policy for RandomPolicy<N> {
    fn kind(&self) -> PolicyKind {
        PolicyKind::Random
    }

    fn insert(&mut self, page: PageId) -> Result<(), ReplaceError> {
        self.set.add(page).map(|_| ())
    }

    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        self.set.remove(page).map(|_| ())
    }

    fn touch(&mut self, _page: PageId) {}

    fn select_victim_where(
        &mut self,
        _accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId> {
        let len = self.set.len;
        if len == 0 {
            return None;
        }
        let start = self.rng.below(len as u64) as usize;
        for k in 0..len {
            let j = (start + k) % len;
            if eligible(PageId(self.set.id(j))) {
                return Some(self.set.take(j));
            }
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

    /// In no particular order.
    fn for_each(&self, f: &mut dyn FnMut(PageId)) {
        for k in 0..self.set.len {
            f(PageId(self.set.id(k)));
        }
    }

    fn clear(&mut self) {
        self.set.clear()
    }
}

/// Any of the policies, chosen at run time (e.g. from the kernel command line) without a
/// heap: an enum that forwards to the selected one.
#[derive(Clone, Debug)]
// The variants are all about 8-10 bytes per page id; boxing one is not an option without a
// heap.
#[allow(clippy::large_enum_variant)]
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
    fn for_each(&self, f: &mut dyn FnMut(PageId)) {
        self.inner().for_each(f)
    }
    fn clear(&mut self) {
        self.inner_mut().clear()
    }
    fn drain(&mut self, f: &mut dyn FnMut(PageId)) {
        self.inner_mut().drain(f)
    }
    fn eligibility_changed(&mut self) {
        self.inner_mut().eligibility_changed()
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
        assert_eq!(c.hand(), Some(PageId(2)));
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

    /// An aging policy over 64 pages, page i with history `ages[i]` after 8 ticks (no A
    /// bits left), batch computed by the last tick.
    fn aged(ages: &[u8]) -> Aging<64> {
        let mut g = Aging::<64>::new();
        for i in 0..ages.len() {
            g.insert(PageId(i as u32)).unwrap();
        }
        for t in 0..8 {
            g.tick(&mut |p| ages[p.0 as usize] & (1 << t) != 0);
        }
        for (i, &a) in ages.iter().enumerate() {
            assert_eq!(g.age(PageId(i as u32)), Some(a));
        }
        g
    }

    #[test]
    fn aging_batch_skips_a_candidate_touched_after_it_was_computed() {
        // 40 pages: more than a batch. Pages 0..8 idle (0), the rest warm (0x0f).
        let ages: Vec<u8> = (0..40).map(|i| if i < 8 { 0 } else { 0x0f }).collect();
        let mut g = aged(&ages);
        let mut a = [false; 64];
        a[3] = true; // page 3 was used since the tick
        let mut calls = 0;
        let mut count = |_| {
            calls += 1;
            false
        };
        assert_eq!(g.select_victim(&mut count), Some(PageId(0)));
        assert_eq!(calls, 1, "the tick computed the batch: one re-check");
        g.touch(PageId(1)); // a software reference
        let order: Vec<u32> = (0..6).map(|_| g.select_victim(&mut abits(&mut a)).unwrap().0).collect();
        assert_eq!(order, [2, 4, 5, 6, 7, 8], "1 (touched) and 3 (A set) now come after the warm pages");
        assert_eq!(g.age(PageId(1)), Some(0x80));
        assert_eq!(g.age(PageId(3)), Some(0x80));
    }

    #[test]
    fn aging_batch_candidate_touched_stays_before_hotter_pages() {
        // Page 0 idle, pages 1..40 at 0xc0 (recently used): touching 0 gives it 0x80, still
        // colder than the others.
        let ages: Vec<u8> = (0..40).map(|i| if i == 0 { 0 } else { 0xc0 }).collect();
        let mut g = aged(&ages);
        g.touch(PageId(0));
        assert_eq!(g.select_victim(&mut |_| false), Some(PageId(0)));
    }

    #[test]
    fn aging_batch_forgets_removed_pages_and_admits_colder_new_ones() {
        let ages: Vec<u8> = (0..50).map(|i| 0x40 | i as u8).collect();
        let mut g = aged(&ages);
        g.remove(PageId(0)).unwrap();
        g.remove(PageId(1)).unwrap();
        assert_eq!(g.select_victim(&mut |_| false), Some(PageId(2)));
        // A page inserted now has 0x80: after every tracked page.
        g.insert(PageId(0)).unwrap();
        let order: Vec<u32> = (0..48).map(|_| g.select_victim(&mut |_| false).unwrap().0).collect();
        assert_eq!(order, (3..50).chain([0]).collect::<Vec<_>>());
        // Removing an untracked (just chosen) page is an error, not a stale candidate.
        assert_eq!(g.remove(PageId(2)), Err(ReplaceError::NotPresent));
        assert!(g.is_empty());
    }

    #[test]
    fn aging_batch_admits_a_new_page_colder_than_its_candidates() {
        // Everything hot (0xff) except nothing: a new page (0x80) is the coldest.
        let ages = [0xffu8; 40];
        let mut g = aged(&ages);
        assert_eq!(g.select_victim(&mut |_| false), Some(PageId(0)));
        g.insert(PageId(0)).unwrap();
        assert_eq!(g.select_victim(&mut |_| false), Some(PageId(0)));
        assert_eq!(g.select_victim(&mut |_| false), Some(PageId(1)));
    }

    #[test]
    fn aging_batch_respects_the_filter_and_a_changed_one() {
        let ages: Vec<u8> = (0..40).map(|i| i as u8).collect();
        let mut g = aged(&ages);
        let mut odd = |p: PageId| p.0 % 2 == 1;
        let picks: Vec<u32> = (0..3).map(|_| g.select_victim_where(&mut |_| false, &mut odd).unwrap().0).collect();
        assert_eq!(picks, [1, 3, 5]);
        // Same filter: the batch is reused, the even pages are passed over without a scan.
        let mut calls = 0;
        let mut counting = |p: PageId| {
            calls += 1;
            p.0 % 2 == 1
        };
        assert_eq!(g.select_victim_where(&mut |_| false, &mut counting), Some(PageId(7)));
        assert!(calls < 40, "{calls} eligible calls");
        // A filter that accepts pages the earlier one rejected: after eligibility_changed
        // the coldest page (0) is found.
        g.eligibility_changed();
        assert_eq!(g.select_victim(&mut |_| false), Some(PageId(0)));
        assert_eq!(g.select_victim_where(&mut |_| false, &mut |_| false), None);
        assert_eq!(g.len(), 35);
    }

    #[test]
    fn clock_walks_only_tracked_pages() {
        // Two pages in a huge id space: a victim costs a few callbacks, not a sweep of N.
        let mut c = Clock::<4096>::new();
        c.insert(PageId(4000)).unwrap();
        c.insert(PageId(7)).unwrap();
        let mut a = [true; 4096];
        let mut calls = 0;
        let v = c.select_victim_where(&mut abits(&mut a), &mut |_| {
            calls += 1;
            true
        });
        // Both have A set: one turn clears them, the second finds 4000 (inserted first).
        assert_eq!(v, Some(PageId(4000)));
        assert_eq!(calls, 3);
        assert_eq!(c.hand(), Some(PageId(7)));
    }

    #[test]
    fn for_each_and_drain_move_every_page_between_policies() {
        const M: usize = 1000;
        let mut want: Vec<u32> = (0..M as u32).map(|i| (i * 7919) % 1024).collect();
        let mut from = AnyPolicy::<1024>::new(PolicyKind::Clock, 1);
        for &i in &want {
            from.insert(PageId(i)).unwrap();
        }
        // Clock enumerates from the hand: the insertion order.
        let mut order = Vec::new();
        from.for_each(&mut |p| order.push(p.0));
        assert_eq!(order, want);
        want.sort_unstable();
        for kind in [PolicyKind::Aging, PolicyKind::Fifo, PolicyKind::Random] {
            let mut to = AnyPolicy::<1024>::new(kind, 2);
            from.drain(&mut |p| to.insert(p).unwrap());
            assert!(from.is_empty(), "{:?} not empty after drain", from.kind());
            assert_eq!(from.select_victim(&mut |_| false), None);
            let mut got = Vec::new();
            to.for_each(&mut |p| got.push(p.0));
            got.sort_unstable();
            assert_eq!(got, want, "{kind:?}");
            assert_eq!(to.len(), M);
            // The emptied policy can be used again.
            from.insert(PageId(5)).unwrap();
            from.clear();
            assert!(!from.contains(PageId(5)));
            from = to;
        }
        // Every page is still evictable exactly once from the last policy.
        let mut seen = 0;
        while let Some(p) = from.select_victim(&mut |_| false) {
            assert!(want.binary_search(&p.0).is_ok());
            seen += 1;
        }
        assert_eq!(seen, M);
    }

    #[test]
    fn fifo_order_survives_a_move() {
        let mut a = Fifo::<16>::new();
        for i in [9, 2, 14, 0, 5] {
            a.insert(PageId(i)).unwrap();
        }
        let mut b = Fifo::<16>::new();
        a.drain(&mut |p| b.insert(p).unwrap());
        let order: Vec<u32> = (0..5).map(|_| b.select_victim(&mut |_| false).unwrap().0).collect();
        assert_eq!(order, [9, 2, 14, 0, 5]);
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
