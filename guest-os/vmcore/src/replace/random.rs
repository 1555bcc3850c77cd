//! Random: a uniformly random resident page (deterministic PRNG).

use super::ring::*;
use super::{PageId, Policy, PolicyKind, ReplaceError, Rng};

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
