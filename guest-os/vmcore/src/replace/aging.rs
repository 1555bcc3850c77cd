//! Aging: an 8-bit history per page, shifted right at each tick with A entering at the
//! top; the victim has the smallest history (LRU at the resolution of a tick).

use super::ring::*;
use super::{PageId, Policy, PolicyKind, ReplaceError};

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
