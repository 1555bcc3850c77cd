//! FIFO: evict the page that was loaded longest ago (ignores the accessed bit; shows
//! Belady's anomaly).

use super::ring::*;
use super::{PageId, Policy, PolicyKind, ReplaceError};

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
