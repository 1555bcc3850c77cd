//! Clock (second chance): a hand over a ring of the resident pages; a page with A set is
//! passed over once (A cleared), the first with A clear is the victim.

use super::ring::*;
use super::{PageId, Policy, PolicyKind, ReplaceError};

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
