//! Page replacement: when free frames fall below a low watermark the evictor writes
//! private user pages to the swap device (`mm/swap.rs`) until free frames reach a high
//! watermark; a later access faults the page back in (`mm/fault.rs`, a major fault).
//! When neither memory nor swap is left, the OOM killer ends the process with the
//! largest footprint (`vmcore::oom`).
//!
//! * **Which page**: the `vmcore::replace` policy in use (`mm/policy.rs`: clock by
//!   default, fifo, aging, random; `vm.policy=` at boot, `vmctl policy` at run time).
//!   Its page ids are frame indices (`frame::index_of`).
//! * **Whose page**: `mm/wset.rs` (global or local replacement, per-process minimum and
//!   maximum working sets). Any live process's pages can be taken: the faulting
//!   process's (its address space is passed in) and those of processes that are not
//!   running (their task lock is free: system calls sleep without it, see
//!   `proc::block_on`).
//! * **Reverse map**: each tracked frame remembers the (pid, va) that mapped it last
//!   ([`note_mapped`], called by the fault handler for every private frame it maps).
//!   The entry is a hint, checked before use: the pid must be alive and its page table
//!   must map `va` to this very frame; if it does not, another process mapping the frame
//!   at the same va (sharing comes from fork) takes the entry over. A shared frame is
//!   evicted from all its mappings at once (see [`swap_out`]); the zero frame is never
//!   evicted, page-cache frames go back to their file (`mm/pagecache.rs`).
//! * **Aging**: with the aging policy, every `vm.age_ticks` timer ticks ([`tick`]) each
//!   tracked page's A bit is shifted into its history byte and cleared.

use super::addr::{Ppn, VirtAddr};
use super::frame;
use super::pagetable::{leaf_addr, pte_ppn, PTE_A, PTE_D, PTE_U, PTE_V, PTE_W};
use super::policy::{self, with as with_policy, N};
use super::swap;
use super::vm::AddressSpace;
use super::{thrash, wset};
use crate::arch::phys;
use crate::proc::{self, Task};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;
use vmcore::pool::Mode;
use vmcore::replace::{PageId, PolicyKind};
use vmcore::swap::SwapEntry;

/// Reverse map: per frame index, the (pid, va) that last mapped it privately (pid 0:
/// none).
static RMAP: Mutex<Vec<(i32, u64)>> = Mutex::new(Vec::new());

/// (low, high) free-frame watermarks.
static WATER: Mutex<(usize, usize)> = Mutex::new((0, 0));

/// Pages written to swap.
pub static SWAP_OUTS: AtomicU64 = AtomicU64::new(0);
/// Pages read back from swap (major faults).
pub static SWAP_INS: AtomicU64 = AtomicU64::new(0);
/// Pages evicted from memory (every eviction writes to swap: only anonymous/private
/// pages are evicted).
pub static EVICTIONS: AtomicU64 = AtomicU64::new(0);
/// Processes killed by the OOM killer.
pub static OOM_KILLS: AtomicU64 = AtomicU64::new(0);

/// The pid the OOM killer last chose, while it is still dying.
static OOM_PENDING: Mutex<i32> = Mutex::new(0);

/// Timer ticks between two aging passes (`vm.age_ticks`, `vmctl age_ticks`).
pub static AGE_TICKS: AtomicU64 = AtomicU64::new(10);

/// Boot: picks the policy, scope and tunables from the command line (`vm.policy=`,
/// `vm.scope=`, `vm.thrash=0|1`, `vm.age_ticks=`), sizes the reverse map and sets the
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
    let mut r = RMAP.lock();
    if r.try_reserve_exact(total).is_ok() {
        r.resize(total, (0, 0));
    }
    drop(r);
    let low = (total / 64).max(64);
    *WATER.lock() = (low, 2 * low);
    thrash::init(low as u64, 2 * low as u64);
    for w in cmdline.split_ascii_whitespace() {
        let Some((k, v)) = w.split_once('=') else { continue };
        let Some(k) = k.strip_prefix("vm.") else { continue };
        if k != "policy" && crate::vmsys::vmctl_set_named(k, v).is_err() {
            crate::kprintln!("vm: cannot set vm.{k}={v}");
        }
    }
    crate::kprintln!(
        "vm: replacement policy {}, {} scope, watermarks {low}/{} free frames, thrashing control {}",
        kind.name(),
        wset::scope_name(wset::scope()),
        2 * low,
        if thrash::enabled() { "on" } else { "off" }
    );
}

/// Records that the current process mapped private frame `ppn` at `va`, and makes the
/// frame a candidate for eviction.
pub fn note_mapped(ppn: Ppn, va: u64) {
    let Some(i) = frame::index_of(ppn) else { return };
    if i >= N {
        return;
    }
    let Some(pid) = proc::try_current_pid() else { return };
    if let Some(e) = RMAP.lock().get_mut(i) {
        *e = (pid, va);
    }
    // Already tracked: the same frame mapped again (a COW reuse): a reference. (A freed
    // frame was forgotten by `forget`, so a reused one starts afresh.)
    let id = PageId(i as u32);
    with_policy(|p| {
        if p.contains(id) {
            p.touch(id);
        } else {
            let _ = p.insert(id);
        }
    });
}

/// Frame index `i` was freed: the policy stops tracking it and the reverse map forgets
/// its owner (`frame::decref`).
pub fn forget(i: usize) {
    if i >= N {
        return;
    }
    let id = PageId(i as u32);
    with_policy(|p| {
        if p.contains(id) {
            let _ = p.remove(id);
        }
    });
    if let Some(e) = RMAP.lock().get_mut(i) {
        *e = (0, 0);
    }
}

/// Frame `ppn` has just lost a mapping (COW break by the other side, unmap, exit): if
/// one mapping is left, make it a candidate again (its reverse-map entry is checked when
/// it is chosen).
pub fn reinsert(ppn: Ppn) {
    if frame::refcount(ppn) != 1 || Some(ppn) == super::fault::zero_frame() {
        return;
    }
    let Some(i) = frame::index_of(ppn) else { return };
    if i >= N || RMAP.lock().get(i).map(|e| e.0) == Some(0) {
        return;
    }
    let id = PageId(i as u32);
    with_policy(|p| {
        if !p.contains(id) {
            let _ = p.insert(id);
        }
    });
}

/// A live process the evictor may take pages from.
struct Owner {
    pid: i32,
    root: Ppn,
    /// `None` for the faulting process (its address space is passed in).
    task: Option<Arc<Mutex<Task>>>,
    /// Its task lock was free when reclaim started (it is not running; the faulting
    /// process itself is always evictable).
    evictable: bool,
    /// Its minimum working set and resident pages (kept up to date while evicting).
    min: u64,
    pages: u64,
}

/// The owner index, va and PTE address of tracked frame `i`, if its reverse-map entry
/// is still true (the frame may have other mappings: see `swap_out`).
fn locate(owners: &[Owner], i: usize) -> Option<(usize, u64, u64)> {
    let (pid, va) = *RMAP.lock().get(i)?;
    let ppn = frame::from_index(i)?;
    let maps = |o: &Owner| {
        let a = leaf_addr(o.root, VirtAddr(va))?;
        let pte = phys::read_u64(a);
        (pte & (PTE_V | PTE_U) == (PTE_V | PTE_U) && pte_ppn(pte) == ppn).then_some(a)
    };
    let (o, a) = match owners.iter().position(|o| o.pid == pid).and_then(|o| Some((o, maps(&owners[o])?))) {
        Some(x) => x,
        None => {
            // The recorded process no longer maps it (it broke a COW sharing, exited,
            // or the frame came back from swap into several processes): sharing comes
            // from fork, so another mapping, if any, is at the same va.
            let (o, a) = owners.iter().enumerate().find_map(|(k, o)| Some((k, maps(o)?)))?;
            if let Some(e) = RMAP.lock().get_mut(i) {
                *e = (owners[o].pid, va);
            }
            (o, a)
        }
    };
    // A frame with several mappings is evicted from all of them at once (`swap_out`).
    if frame::refcount(ppn) == 0 || Some(ppn) == super::fault::zero_frame() {
        return None;
    }
    Some((o, va, a))
}

/// `sfence.vma va, zero`: drops the TLB entries for `va` in every address space (priv
/// spec 10.2.1).
fn sfence_va(va: u64) {
    // SAFETY: a fence has no memory-safety effect.
    unsafe { core::arch::asm!("sfence.vma {0}, zero", in(reg) va) };
}

/// Test-and-clear of the A bit of tracked frame `i` (through its reverse-map entry).
/// The sfence.vma for that page is required: rvsim's TLB (like a hardware TLB) caches
/// the translation with A already set and keeps using it without walking the page table
/// again, so without the flush A would never be set again and every page would look
/// unused on the next turn of the clock (or the next aging pass).
fn test_clear_accessed(owners: &[Owner], i: usize) -> bool {
    let Some((_, va, a)) = locate(owners, i) else { return false };
    let pte = phys::read_u64(a);
    if pte & PTE_A == 0 {
        return false;
    }
    phys::write_u64(a, pte & !PTE_A);
    sfence_va(va);
    true
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
    let _batch = super::swapcache::Batch::begin(cur);
    let mut owners = owners(Some((cur, me)));
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

/// The live processes; `cur` is the faulting process's address space and pid, if any
/// (its task is locked by the caller).
fn owners(cur: Option<(&AddressSpace, i32)>) -> Vec<Owner> {
    let mut v = Vec::new();
    for (pid, satp, task) in proc::vm_owners() {
        if v.try_reserve(1).is_err() {
            break;
        }
        let (min, _, pages) = proc::ws_of(pid).unwrap_or((0, 0, 0));
        match cur {
            Some((a, cur_pid)) if pid == cur_pid => {
                let root = Ppn(a.satp() & ((1 << 44) - 1));
                v.push(Owner { pid, root, task: None, evictable: true, min, pages: a.pages as u64 });
            }
            _ => {
                let evictable = task.try_lock().is_some();
                v.push(Owner { pid, root: Ppn(satp & ((1 << 44) - 1)), task: Some(task), evictable, min, pages });
            }
        }
    }
    v
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
                let pid = RMAP.lock().get(p.0 as usize).map(|e| e.0).unwrap_or(0);
                match owners.iter().find(|o| o.pid == pid) {
                    Some(o) => o.evictable && filter(o),
                    // The owner is gone: chosen, found stale below, and dropped.
                    None => true,
                }
            };
            let mut accessed = |p: PageId| !aging && test_clear_accessed(owners, p.0 as usize);
            with_policy(|p| p.select_victim_where(&mut accessed, &mut eligible))
        };
        let Some(victim) = victim else { return false };
        if let Some(l) = locate(owners, victim.0 as usize) {
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

/// Swaps out every evictable page of process `pid` (the thrashing controller's whole-
/// process swap-out; the process is not running and its task lock is free). Returns
/// how many pages went to swap.
pub fn swap_out_process(pid: i32) -> usize {
    let Some(task) = proc::task_of(pid) else { return 0 };
    let Some(mut g) = task.try_lock() else { return 0 };
    swap_out_all(pid, &mut g.aspace)
}

/// Swaps out every evictable page of process `pid`, whose address space is `a` (locked
/// by the caller): a whole-process swap-out, or the working-set trim of `RVSIM_SETWS`
/// (min = max = `u64::MAX`, Win32's `SetProcessWorkingSetSize(h, -1, -1)`). Returns
/// how many pages went to swap.
pub fn swap_out_all(pid: i32, a: &mut AddressSpace) -> usize {
    if !swap::present() {
        return 0;
    }
    let owners = owners(Some((a, pid)));
    let Some(o) = owners.iter().position(|o| o.pid == pid) else { return 0 };
    let total = frame::stats().1.min(N);
    let mut out = 0;
    for i in 0..total {
        if RMAP.lock().get(i).map(|e| e.0) != Some(pid) {
            continue;
        }
        let Some((k, va, _)) = locate(&owners, i) else { continue };
        let Some(ppn) = frame::from_index(i) else { continue };
        if k != o {
            continue;
        }
        if matches!(swap_out(a, &owners, k, va, ppn), Out::All | Out::Partial) {
            out += 1;
        }
    }
    // Write the queued pages now: their frames are freed only then.
    super::swapcache::flush();
    proc::set_pages(pid, a.pages);
    out
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
    let owners = owners(None);
    AGING_PASSES.fetch_add(1, Ordering::Relaxed);
    with_policy(|p| p.tick(&mut |id: PageId| test_clear_accessed(&owners, id.0 as usize)));
}

/// Aging passes run by [`tick`].
pub static AGING_PASSES: AtomicU64 = AtomicU64::new(0);

/// What [`swap_out`] did with a frame.
enum Out {
    /// Every mapping now holds a swap entry; the frame is free.
    All,
    /// Some mappings (those of processes not inside a system call) hold a swap entry;
    /// the frame stays, in the swap cache, with the others.
    Partial,
    /// Left alone (a page-cache frame, a MAP_SHARED frame mapped where the evictor may
    /// not touch it, inconsistent mappings).
    Skipped,
    /// No swap slot, or the write failed.
    Failed,
}

/// Evicts frame `ppn`, mapped at `va` by `owners[o]` (a checked reverse-map entry),
/// from every evictable process that maps it there (sharing comes from fork, so every
/// mapping is at the same va): all those PTEs get one swap entry, the slot holding one
/// reference per PTE.
///
/// The page is written only if it is dirty: not in the swap cache (never written, or
/// its slot was given up), marked dirty there, or D set in one of the PTEs. A clean
/// cached page is simply dropped (`swapcache::CLEAN_DROPS`).
///
/// Every mapping must be found (as many as the frame's reference count) for the frame
/// to be freed. A MAP_SHARED frame with mappings the evictor cannot reach is skipped (all
/// its mappings must keep seeing one frame); a private (copy-on-write) one is swapped out
/// of the reachable mappings only and stays cached for the others.
fn swap_out(cur: &mut AddressSpace, owners: &[Owner], o: usize, va: u64, ppn: Ppn) -> Out {
    if super::pagecache::holds(ppn) {
        return Out::Skipped;
    }
    // The mappings: (owner, PTE address, PTE), with the task locks of the other owners.
    let mut found: Vec<(usize, u64, u64)> = Vec::new();
    let mut guards = Vec::new();
    for (k, ow) in owners.iter().enumerate() {
        if !ow.evictable {
            continue;
        }
        let Some(a) = leaf_addr(ow.root, VirtAddr(va)) else { continue };
        let pte = phys::read_u64(a);
        if pte & (PTE_V | PTE_U) != (PTE_V | PTE_U) || pte_ppn(pte) != ppn {
            continue;
        }
        if found.try_reserve(1).is_err() || guards.try_reserve(1).is_err() {
            return Out::Skipped;
        }
        if let Some(t) = &ow.task {
            match t.try_lock() {
                Some(g) => guards.push((k, g)),
                None => continue,
            }
        }
        found.push((k, a, pte));
    }
    let refs = frame::refcount(ppn) as usize;
    if found.is_empty() || found.len() > refs {
        return Out::Skipped;
    }
    let all = found.len() == refs;
    let shared = if owners[o].task.is_none() {
        cur.find_vma(va).map(|v| v.is_shared())
    } else {
        guards.iter().find(|(k, _)| *k == o).and_then(|(_, g)| g.aspace.find_vma(va).map(|v| v.is_shared()))
    };
    match shared {
        Some(false) => {}
        Some(true) if all => {}
        _ => return Out::Skipped,
    }
    let mut cached = super::swapcache::slot_of(ppn);
    let dirty = cached.is_none_or(|(_, d)| d) || found.iter().any(|f| f.2 & PTE_D != 0);
    if let Some((old, _)) = cached {
        if dirty && swap::refs(old) == 1 {
            // Only the cache holds the old slot: take a new one next to the other
            // evictions' (one write request per run of slots) rather than rewrite it.
            super::swapcache::forget(ppn);
            cached = None;
        }
    }
    // The slot: the cached one (rewritten in place if dirty and other PTEs hold it:
    // they must see the latest data of a shared page, and a private page with other
    // holders cannot have changed, see mm/swapcache.rs) or a new one, which the cache
    // takes.
    let e = match cached {
        Some((e, _)) => e,
        None => {
            let Some(e) = super::swapcache::alloc_slot() else { return Out::Failed };
            if !super::swapcache::insert(ppn, e) {
                swap::free_slot(e);
                return Out::Skipped;
            }
            e
        }
    };
    // Before any PTE changed: undo the new cache entry.
    let fail = |cached: bool| {
        if !cached {
            super::swapcache::forget(ppn);
        }
        Out::Failed
    };
    let Ok(swpte) = e.to_pte() else { return fail(cached.is_some()) };
    if swap::refs(e) as usize + found.len() > vmcore::swap::MAX_REFS as usize {
        return fail(cached.is_some());
    }
    if dirty {
        // Written later, with the batch (`swapcache::queue_write`); this reference keeps
        // the frame (in the cache, so a fault on the slot meanwhile finds it) till then.
        frame::incref(ppn);
    } else {
        super::swapcache::CLEAN_DROPS.fetch_add(1, Ordering::Relaxed);
    }
    for &(_, a, _) in found.iter() {
        // Cannot fail: the count was checked above.
        let _ = swap::dup_slot(e);
        phys::write_u64(a, swpte);
    }
    sfence_va(va);
    if all && !dirty {
        // The frame goes: so does its cache entry (the PTEs hold the slot now). A dirty
        // one leaves the cache when it has been written.
        super::swapcache::forget(ppn);
    }
    for &(k, _, _) in found.iter() {
        frame::decref(ppn);
        let a: &mut AddressSpace = match guards.iter_mut().find(|(j, _)| *j == k) {
            Some((_, g)) => &mut g.aspace,
            None => &mut *cur,
        };
        a.pages = a.pages.saturating_sub(1);
        a.swapped += 1;
        EVICTIONS.fetch_add(1, Ordering::Relaxed);
    }
    if dirty {
        super::swapcache::queue_write(e, ppn);
    }
    if all {
        Out::All
    } else {
        Out::Partial
    }
}

/// Brings swap entry `e` back for page `va` of `a` (a fault on a swap-entry PTE), with
/// PTE permissions `flags` (`shared`: the VMA is MAP_SHARED). Returns whether the page
/// had to be read (a major fault) or was still in the swap cache (a minor one).
///
/// The slot is kept: the frame goes into the swap cache and is mapped with D clear, so
/// evicting it again unchanged costs no write (`mm/swapcache.rs`). A private page whose
/// slot other PTEs still hold (fork shared it, or it was swapped out of several
/// processes at once) is mapped read-only: they will map this same frame from the cache,
/// copy-on-write.
pub fn swap_in(
    a: &mut AddressSpace,
    va: u64,
    e: SwapEntry,
    flags: u64,
    shared: bool,
) -> Result<bool, super::fault::Fault> {
    use super::pagetable::make_pte;
    if let Some(f) = super::swapcache::frame_of(e) {
        // Still resident (mapped by another process): share it.
        frame::incref(f);
        let fl = if shared { flags } else { flags & !PTE_W };
        if !a.pt().set_entry(VirtAddr(va), make_pte(f, fl | PTE_V | PTE_A)) {
            frame::decref(f);
            return Err(super::fault::Fault::Oom);
        }
        swap::free_slot(e);
        a.pages += 1;
        a.swapped = a.swapped.saturating_sub(1);
        super::swapcache::HITS.fetch_add(1, Ordering::Relaxed);
        note_mapped(f, va);
        return Ok(false);
    }
    let f = frame::alloc_uninit().ok_or(super::fault::Fault::Oom)?;
    if !swap::read_page(e, f) {
        frame::decref(f);
        return Err(super::fault::Fault::Bus);
    }
    let fl = if shared || swap::refs(e) == 1 { flags } else { flags & !PTE_W };
    if !a.pt().set_entry(VirtAddr(va), make_pte(f, fl | PTE_V | PTE_A)) {
        frame::decref(f);
        return Err(super::fault::Fault::Oom);
    }
    // The cache takes over this PTE's reference on the slot; the other PTEs holding it
    // map this frame too.
    if super::swapcache::insert(f, e) {
        super::swapcache::map_in_others(va, e, f);
    } else {
        swap::free_slot(e);
    }
    a.pages += 1;
    a.swapped = a.swapped.saturating_sub(1);
    SWAP_INS.fetch_add(1, Ordering::Relaxed);
    note_mapped(f, va);
    Ok(true)
}

/// The swap entry a fork child gets for a parent's swap-entry PTE: the same slot with
/// one more reference (the page is shared until either side brings it back and writes
/// it), or, if the slot cannot take another reference, a copy in a new slot; `None` if
/// swap is full or on an I/O error.
pub fn dup_slot(e: SwapEntry) -> Option<SwapEntry> {
    if swap::dup_slot(e) {
        return Some(e);
    }
    let n = super::swapcache::alloc_slot()?;
    if swap::copy_slot(e, n) {
        Some(n)
    } else {
        swap::free_slot(n);
        None
    }
}

/// The OOM killer, called when a fault of the current process (address space `cur`)
/// found no frame even after reclaim. Picks the process with the largest resident +
/// swapped footprint (`vmcore::oom`). Returns true if the current process is the victim
/// (the caller kills it); otherwise the victim has been marked killed (or is still dying
/// from an earlier choice) and the caller should let it run and retry.
pub fn oom(cur: &AddressSpace) -> bool {
    use vmcore::oom::{oom_victim, OomCandidate};
    let Some(cur_pid) = proc::try_current_pid() else { return true };
    {
        let mut pend = OOM_PENDING.lock();
        if *pend != 0 && *pend != cur_pid && proc::task_of(*pend).is_some() {
            return false;
        }
        *pend = 0;
    }
    let mut c = Vec::new();
    for (pid, _, task) in proc::vm_owners() {
        let (resident, swapped) = if pid == cur_pid {
            (cur.pages as u64, cur.swapped as u64)
        } else {
            match task.try_lock() {
                Some(g) => (g.aspace.pages as u64, g.aspace.swapped as u64),
                None => (proc::pages_of(pid), 0),
            }
        };
        if c.try_reserve(1).is_ok() {
            c.push(OomCandidate { pid: pid as u32, resident, swapped });
        }
    }
    let Some(v) = oom_victim(&c) else { return true };
    let (used, total) = swap::usage();
    crate::kprintln!(
        "oom: out of memory (free frames {}, swap {used}/{total}): killing pid {} ({} pages resident, {} swapped)",
        frame::stats().0,
        v.pid,
        v.resident,
        v.swapped
    );
    OOM_KILLS.fetch_add(1, Ordering::Relaxed);
    if v.pid as i32 == cur_pid {
        return true;
    }
    let _ = proc::kill(v.pid as i32, abi::signal::SIGKILL as i32);
    *OOM_PENDING.lock() = v.pid as i32;
    false
}

/// The swap, working-set and thrashing fields of `abi::VmStat` for process `pid`
/// (address space `a`), in declaration order.
pub fn vmstat_words(a: &AddressSpace, pid: i32) -> [u64; 16] {
    let (used, total) = swap::usage();
    let (min, max, _) = proc::ws_of(pid).unwrap_or((0, 0, 0));
    let eff = wset::effective_max(max, frame::stats().1 as u64, proc::live_count());
    let (pff, system_pff) = thrash::rates(pid);
    [
        SWAP_OUTS.load(Ordering::Relaxed),
        SWAP_INS.load(Ordering::Relaxed),
        EVICTIONS.load(Ordering::Relaxed),
        OOM_KILLS.load(Ordering::Relaxed),
        used,
        total,
        policy::index(policy::kind()),
        a.swapped as u64,
        (wset::scope() == Mode::PerProcess) as u64,
        min,
        max,
        eff,
        pff,
        system_pff,
        thrash::SWAP_OUTS.load(Ordering::Relaxed),
        thrash::SWAP_INS.load(Ordering::Relaxed),
    ]
}
