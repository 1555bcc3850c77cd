//! Reclaim: when free frames fall below a low watermark, page-cache frames go back to
//! their files (`mm/filereclaim.rs`) and private pages to swap (`mm/swap/out.rs`) until
//! free frames reach a high watermark; a later access faults the page back in.
//!
//! * **Which page**: the `vmcore::replace` policy in use (`mm/policy.rs`: clock by
//!   default, fifo, aging, random; `vm.policy=` at boot, `vmctl policy` at run time).
//!   Its page ids are frame indices (`frame::index_of`); the reverse map says whose
//!   (`mm/rmap.rs`).
//! * **Whose page**: `mm/wset.rs` (global or local replacement, per-process minimum and
//!   maximum working sets). Any live process's pages can be taken: the faulting
//!   process's (its address space is passed in) and those of processes that are not
//!   running (their task lock is free: system calls sleep without it, see
//!   `proc::block_on`).
//! * **Aging**: with the aging policy, every `vm.age_ticks` timer ticks ([`tick`]) each
//!   tracked page's A bit is shifted into its history byte and cleared.
//!
//! Layer: above swap, below the OOM killer (`mm/oom.rs`).

use super::frame;
use super::policy::{self, with as with_policy};
use super::rmap::{self, Owner};
use super::swap::out::{swap_out, Out};
use super::swap::{self, cache};
use super::vm::AddressSpace;
use super::{thrash, wset};
use crate::proc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;
use vmcore::pool::Mode;
use vmcore::replace::{PageId, PolicyKind};

/// (low, high) free-frame watermarks.
static WATER: Mutex<(usize, usize)> = Mutex::new((0, 0));

/// Timer ticks between two aging passes (`vm.age_ticks`, `vmctl age_ticks`).
pub static AGE_TICKS: AtomicU64 = AtomicU64::new(10);

/// Boot: picks the policy from the command line (`vm.policy=`) and sets the
/// watermarks (low = 1/64 of RAM, at least 64 frames; high = twice that).
pub fn init(bootargs: &[u8]) {
    let cmdline = core::str::from_utf8(bootargs).unwrap_or("");
    let kind = match PolicyKind::from_cmdline(cmdline) {
        None => PolicyKind::Clock,
        Some(Ok(k)) => k,
        Some(Err(w)) => {
            crate::kprintln!("vm: unknown vm.policy={w}; using clock");
            PolicyKind::Clock
        }
    };
    policy::set_initial(kind);
    let (_, total) = frame::stats();
    let low = (total / 64).max(64);
    *WATER.lock() = (low, 2 * low);
    thrash::init(low as u64, 2 * low as u64);
}

/// The boot line saying how paging is set up (after the `vm.*` tunables are applied).
pub fn announce() {
    let (low, high) = watermarks();
    crate::kprintln!(
        "vm: replacement policy {}, {} scope, watermarks {low}/{high} free frames, thrashing control {}",
        policy::kind().name(),
        wset::scope_name(wset::scope()),
        if thrash::enabled() { "on" } else { "off" }
    );
}

/// The (low, high) free-frame watermarks.
pub fn watermarks() -> (usize, usize) {
    *WATER.lock()
}

/// Is reclaim needed (free frames below the low watermark)?
pub fn below_low() -> bool {
    let (free, _) = frame::stats();
    free < WATER.lock().0
}

/// Called at every page fault of the current process (address space `cur`) before it
/// is resolved: counts the fault for thrashing control, and makes room. In local scope
/// a process at its maximum working set first replaces one of its own pages. Then, if
/// free frames are below the low watermark, pages are evicted until they reach the high
/// one, or nothing more can be evicted (no swap, swap full, nothing eligible): in local
/// scope the faulting process's own pages first, in both scopes never below a
/// process's minimum working set (`mm/wset.rs`).
pub fn reclaim(cur: &mut AddressSpace) {
    let Some(me) = proc::try_current_pid() else { return };
    thrash::record_fault(me);
    if !swap::present() {
        return;
    }
    // The maximum applies in local scope only (look it up only then: this runs at
    // every fault).
    let over = wset::scope() == Mode::PerProcess && {
        let (_, my_max, _) = proc::ws_of(me).unwrap_or((0, 0, 0));
        cur.pages as u64 >= wset::effective_max(my_max, frame::stats().1 as u64, proc::live_count())
    };
    if !over && !below_low() {
        return;
    }
    // Page-cache frames first; the evictions' writes go out together when it ends.
    let _batch = {
        super::filereclaim::shrink(cur);
        cache::Batch::begin()
    };
    let mut owners = rmap::owners(Some((cur, me)));
    // Which processes are evictable changed since the last reclaim: a policy keeping
    // candidates (aging) must not pass over one that just became eligible.
    with_policy(|p| p.eligibility_changed());
    if over {
        evict_one(cur, &mut owners, true, &|o: &Owner| o.pid == me);
    }
    if !below_low() {
        return;
    }
    let local = wset::scope() == Mode::PerProcess;
    let high = WATER.lock().1;
    // Unmapping one side of a COW-shared frame frees nothing, hence the bound: stop
    // after `high` evictions in a row that did not raise the free count.
    let mut fruitless = 0;
    while frame::stats().0 < high && fruitless < high {
        let before = frame::stats().0;
        let done = (local && evict_one(cur, &mut owners, true, &|o: &Owner| o.pid == me && o.pages > o.min))
            || evict_one(cur, &mut owners, false, &|o: &Owner| o.pages > o.min);
        if !done {
            break;
        }
        if frame::stats().0 > before {
            fruitless = 0;
        } else {
            fruitless += 1;
        }
    }
}

/// Which filter the last selection used (own pages only, or any process's), so that a
/// policy keeping candidates (aging) recomputes them when the filter widens.
static LAST_FILTER_OWN: AtomicBool = AtomicBool::new(false);

/// Chooses one victim with the policy among the pages of owners that pass `filter`,
/// and writes it to swap; false if none. `own` says the filter accepts only the
/// faulting process's pages.
///
/// The `eligible` test given to the policy is the cheap one (the reverse map's owner);
/// whether the entry is still true (a page-table walk) is checked for the chosen victim
/// only: a stale one (remapped, unmapped, shared, owner gone) has been removed from the
/// policy by the selection, and the next is chosen. (A stale page comes back through
/// `note_mapped`, or `reinsert` when a shared frame is down to one mapping.) With the
/// aging policy the selection does not look at A bits: the history is sampled by the
/// timer ([`tick`]), as in the textbook algorithm, so a batch of candidates costs one
/// cheap test per tracked page instead of a page-table walk.
fn evict_one(cur: &mut AddressSpace, owners: &mut [Owner], own: bool, filter: &dyn Fn(&Owner) -> bool) -> bool {
    if own != LAST_FILTER_OWN.swap(own, Ordering::Relaxed) && !own {
        with_policy(|p| p.eligibility_changed());
    }
    let aging = policy::kind() == PolicyKind::Aging;
    let mut found = None;
    for _ in 0..64 {
        let victim = {
            let owners = &*owners;
            let mut eligible = |p: PageId| {
                let pid = rmap::owner_pid(p.0 as usize);
                match owners.iter().find(|o| o.pid == pid) {
                    Some(o) => o.evictable && filter(o),
                    // The owner is gone: chosen, found stale below, and dropped.
                    None => true,
                }
            };
            let mut accessed = |p: PageId| !aging && rmap::test_clear_accessed(owners, p.0 as usize);
            with_policy(|p| p.select_victim_where(&mut accessed, &mut eligible))
        };
        let Some(victim) = victim else { return false };
        if let Some(l) = rmap::locate(owners, victim.0 as usize) {
            found = Some((victim, l));
            break;
        }
    }
    let Some((victim, (o, va, _))) = found else { return false };
    let i = victim.0 as usize;
    let Some(ppn) = frame::from_index(i) else { return false };
    match swap_out(cur, owners, o, va, ppn) {
        Out::All => {
            owners[o].pages = owners[o].pages.saturating_sub(1);
            true
        }
        Out::Failed => {
            // Not evicted after all (swap full or I/O error): track it again.
            let _ = with_policy(|p| p.insert(victim));
            false
        }
        Out::Skipped => {
            let _ = with_policy(|p| p.insert(victim));
            true
        }
        Out::Partial => {
            // Some mappings went to swap; the frame lives on in the other address
            // space(s) (still in the swap cache): it stays tracked, and `locate` moves
            // its reverse-map entry to a process that still maps it.
            owners[o].pages = owners[o].pages.saturating_sub(1);
            let _ = with_policy(|p| p.insert(victim));
            true
        }
    }
}

/// The timer tick (`proc::tick`): with the aging policy, every `AGE_TICKS` ticks while
/// memory is getting short (free frames below four times the high watermark: the
/// history only matters for choosing victims, and a pass costs a page-table walk per
/// tracked page), each tracked page's A bit is shifted into its history and cleared.
pub fn tick(ticks: u64) {
    let every = AGE_TICKS.load(Ordering::Relaxed).max(1);
    if policy::kind() != PolicyKind::Aging || !ticks.is_multiple_of(every) || !swap::present() {
        return;
    }
    if frame::stats().0 >= 4 * WATER.lock().1 {
        return;
    }
    let owners = rmap::owners(None);
    AGING_PASSES.fetch_add(1, Ordering::Relaxed);
    with_policy(|p| p.tick(&mut |id: PageId| rmap::test_clear_accessed(&owners, id.0 as usize)));
}

/// Aging passes run by [`tick`].
pub static AGING_PASSES: AtomicU64 = AtomicU64::new(0);
