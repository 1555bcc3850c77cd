//! The single dispatch: one instance of each policy and which one is in use. The kernel
//! keeps one `PolicySet` in a static (`guest-os/src/mm/policy.rs`); the simulator and
//! the host model use it too. Switching moves every tracked page to the new policy.

use super::{Aging, Clock, Fifo, PageId, Policy, PolicyKind, RandomPolicy, ReplaceError};

/// One policy of each kind over page ids below `N`, and the kind in use.
pub struct PolicySet<const N: usize> {
    kind: PolicyKind,
    clock: Clock<N>,
    fifo: Fifo<N>,
    aging: Aging<N>,
    random: RandomPolicy<N>,
}

impl<const N: usize> PolicySet<N> {
    /// Empty policies; `kind` in use (`seed` is the random policy's).
    pub const fn new(kind: PolicyKind, seed: u64) -> Self {
        Self { kind, clock: Clock::new(), fifo: Fifo::new(), aging: Aging::new(), random: RandomPolicy::new(seed) }
    }

    /// The policy in use.
    pub const fn kind(&self) -> PolicyKind {
        self.kind
    }

    fn of(&mut self, kind: PolicyKind) -> &mut dyn Policy {
        match kind {
            PolicyKind::Clock => &mut self.clock,
            PolicyKind::Fifo => &mut self.fifo,
            PolicyKind::Aging => &mut self.aging,
            PolicyKind::Random => &mut self.random,
        }
    }

    fn of_ref(&self) -> &dyn Policy {
        match self.kind {
            PolicyKind::Clock => &self.clock,
            PolicyKind::Fifo => &self.fifo,
            PolicyKind::Aging => &self.aging,
            PolicyKind::Random => &self.random,
        }
    }

    /// The policy in use, to call.
    pub fn current(&mut self) -> &mut dyn Policy {
        self.of(self.kind)
    }

    /// Makes `new` the policy in use, moving every tracked page into it (they count as
    /// just referenced there: the old policy's order or history does not translate).
    /// Returns how many pages moved.
    pub fn switch(&mut self, new: PolicyKind) -> usize {
        if new == self.kind {
            return 0;
        }
        let slot = |k: PolicyKind| match k {
            PolicyKind::Clock => 0,
            PolicyKind::Fifo => 1,
            PolicyKind::Aging => 2,
            PolicyKind::Random => 3,
        };
        let (o, n) = (slot(self.kind), slot(new));
        let Self { clock, fifo, aging, random, .. } = self;
        let mut all: [Option<&mut dyn Policy>; 4] = [Some(clock), Some(fifo), Some(aging), Some(random)];
        let (Some(old), Some(target)) = (all[o].take(), all[n].take()) else { return 0 };
        let mut moved = 0;
        old.drain(&mut |id| {
            let _ = target.insert(id);
            moved += 1;
        });
        self.kind = new;
        moved
    }
}

impl<const N: usize> Policy for PolicySet<N> {
    fn kind(&self) -> PolicyKind {
        self.kind
    }
    fn insert(&mut self, page: PageId) -> Result<(), ReplaceError> {
        self.current().insert(page)
    }
    fn remove(&mut self, page: PageId) -> Result<(), ReplaceError> {
        self.current().remove(page)
    }
    fn touch(&mut self, page: PageId) {
        self.current().touch(page)
    }
    fn tick(&mut self, accessed: &mut dyn FnMut(PageId) -> bool) {
        self.current().tick(accessed)
    }
    fn select_victim_where(
        &mut self,
        accessed: &mut dyn FnMut(PageId) -> bool,
        eligible: &mut dyn FnMut(PageId) -> bool,
    ) -> Option<PageId> {
        self.current().select_victim_where(accessed, eligible)
    }
    fn len(&self) -> usize {
        self.of_ref().len()
    }
    fn contains(&self, page: PageId) -> bool {
        self.of_ref().contains(page)
    }
    fn capacity(&self) -> usize {
        N
    }
    fn for_each(&self, f: &mut dyn FnMut(PageId)) {
        self.of_ref().for_each(f)
    }
    fn clear(&mut self) {
        self.current().clear()
    }
    fn drain(&mut self, f: &mut dyn FnMut(PageId)) {
        self.current().drain(f)
    }
    fn eligibility_changed(&mut self) {
        self.current().eligibility_changed()
    }
}
