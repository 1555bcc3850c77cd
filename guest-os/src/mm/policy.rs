//! The page-replacement policy in use: one instance of each `vmcore::replace` policy
//! over page ids = frame indices, and which one chooses victims. Chosen at boot with
//! `vm.policy=` and switched at run time with `RVSIM_VMCTL` (`vmctl policy NAME`): the
//! tracked pages move to the new policy, which starts them as just referenced.

use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;
use vmcore::replace::{Policy, PolicyKind, PolicySet};

/// Largest number of frames the policies track (128 MiB of RAM); frames with a higher
/// index are not evictable.
pub const N: usize = 32768;

/// vmcore's single dispatch: one policy of each kind and the one in use.
static POLICIES: Mutex<PolicySet<N>> = Mutex::new(PolicySet::new(PolicyKind::Clock, 0x5eed_1234));
/// [`index`] of the policy in use, readable without the lock (vmstat, reclaim).
static KIND: AtomicU64 = AtomicU64::new(0);

/// Runs `f` on the policy in use.
pub fn with<R>(f: impl FnOnce(&mut dyn Policy) -> R) -> R {
    f(POLICIES.lock().current())
}

/// The policy in use.
pub fn kind() -> PolicyKind {
    from_index(KIND.load(Ordering::Relaxed)).unwrap_or(PolicyKind::Clock)
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
    let moved = POLICIES.lock().switch(new);
    KIND.store(index(new), Ordering::Relaxed);
    moved
}

/// Sets the boot policy (before any page is tracked).
pub fn set_initial(k: PolicyKind) {
    let _ = switch(k);
}
