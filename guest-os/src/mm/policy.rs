//! The page-replacement policy in use: one instance of each `vmcore::replace` policy
//! over page ids = frame indices, and which one chooses victims. Chosen at boot with
//! `vm.policy=` and switched at run time with `RVSIM_VMCTL` (`vmctl policy NAME`): the
//! tracked pages move to the new policy, which starts them as just referenced.

use spin::Mutex;
use vmcore::replace::{Aging, Clock, Fifo, Policy, PolicyKind, RandomPolicy};

/// Largest number of frames the policies track (128 MiB of RAM); frames with a higher
/// index are not evictable.
pub const N: usize = 32768;

static CLOCK: Mutex<Clock<N>> = Mutex::new(Clock::new());
static FIFO: Mutex<Fifo<N>> = Mutex::new(Fifo::new());
static AGING: Mutex<Aging<N>> = Mutex::new(Aging::new());
static RANDOM: Mutex<RandomPolicy<N>> = Mutex::new(RandomPolicy::new(0x5eed_1234));
static KIND: Mutex<PolicyKind> = Mutex::new(PolicyKind::Clock);

fn with_kind<R>(kind: PolicyKind, f: impl FnOnce(&mut dyn Policy) -> R) -> R {
    match kind {
        PolicyKind::Clock => f(&mut *CLOCK.lock()),
        PolicyKind::Fifo => f(&mut *FIFO.lock()),
        PolicyKind::Aging => f(&mut *AGING.lock()),
        PolicyKind::Random => f(&mut *RANDOM.lock()),
    }
}

/// Runs `f` on the policy in use.
pub fn with<R>(f: impl FnOnce(&mut dyn Policy) -> R) -> R {
    with_kind(kind(), f)
}

/// The policy in use.
pub fn kind() -> PolicyKind {
    *KIND.lock()
}

/// Its index in `abi::VmStat::POLICY_NAMES` (the `vmctl` / vmstat encoding).
pub fn index(k: PolicyKind) -> u64 {
    match k {
        PolicyKind::Clock => 0,
        PolicyKind::Fifo => 1,
        PolicyKind::Aging => 2,
        PolicyKind::Random => 3,
    }
}

/// The policy with `index` (see [`index`]).
pub fn from_index(i: u64) -> Option<PolicyKind> {
    PolicyKind::ALL.iter().copied().find(|&k| index(k) == i)
}

/// Makes `new` the policy in use, moving every tracked page into it (they count as just
/// referenced there: the old policy's order or history does not translate). Returns
/// how many pages moved.
pub fn switch(new: PolicyKind) -> usize {
    let old = kind();
    if old == new {
        return 0;
    }
    let mut moved = 0;
    with_kind(old, |o| {
        o.drain(&mut |id| {
            let _ = with_kind(new, |p| p.insert(id));
            moved += 1;
        })
    });
    *KIND.lock() = new;
    moved
}

/// Sets the boot policy (before any page is tracked).
pub fn set_initial(k: PolicyKind) {
    *KIND.lock() = k;
}
