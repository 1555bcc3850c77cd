//! Page replacement: when free frames fall below a low watermark the evictor writes
//! private user pages to the swap device (`mm/swap.rs`) until free frames reach a high
//! watermark; a later access faults the page back in (`mm/fault.rs`, a major fault).
//! When neither memory nor swap is left, the OOM killer ends the process with the
//! largest footprint (`vmcore::oom`).
//!
//! * **Which page**: a `vmcore::replace` policy chosen at boot with `vm.policy=` on the
//!   kernel command line (clock, the default; fifo; aging; random). Its page ids are
//!   frame indices (`frame::index_of`).
//! * **Reverse map**: each tracked frame remembers the (pid, va) that mapped it last
//!   ([`note_mapped`], called by the fault handler for every private frame it maps).
//!   The entry is a hint, checked before use: the pid must be alive, its page table must
//!   map `va` to this very frame, and the frame's reference count must be 1. So only
//!   frames with exactly one mapping are evicted; a frame shared copy-on-write after fork
//!   is skipped until a COW break or an exit leaves it with one mapping (and then only
//!   if that mapping is the one recorded: a frame left to the child whose parent broke
//!   the sharing is not evictable until the child writes it). The zero frame and the page
//!   cache's frames (count >= 2 while mapped) are never evicted.
//! * **Whose page**: any live process whose task lock is free, and the faulting process
//!   itself (its lock is held by the fault path, which passes its address space in). A
//!   process sleeping inside a system call holds its task lock (syscall.rs), so its
//!   pages are not evictable while it sleeps.

use super::addr::{Ppn, VirtAddr};
use super::frame;
use super::pagetable::{leaf_addr, pte_ppn, PTE_A, PTE_D, PTE_U, PTE_V, PTE_W};
use super::swap;
use super::vm::AddressSpace;
use crate::arch::phys;
use crate::proc::{self, Task};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;
use vmcore::replace::{Aging, Clock, Fifo, PageId, Policy, PolicyKind, RandomPolicy};
use vmcore::swap::SwapEntry;

/// Largest number of frames the policies track (128 MiB of RAM); frames with a higher
/// index are not evictable.
const N: usize = 32768;

static CLOCK: Mutex<Clock<N>> = Mutex::new(Clock::new());
static FIFO: Mutex<Fifo<N>> = Mutex::new(Fifo::new());
static AGING: Mutex<Aging<N>> = Mutex::new(Aging::new());
static RANDOM: Mutex<RandomPolicy<N>> = Mutex::new(RandomPolicy::new(0x5eed_1234));
static KIND: Mutex<PolicyKind> = Mutex::new(PolicyKind::Clock);

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

fn with_policy<R>(f: impl FnOnce(&mut dyn Policy) -> R) -> R {
    match *KIND.lock() {
        PolicyKind::Clock => f(&mut *CLOCK.lock()),
        PolicyKind::Fifo => f(&mut *FIFO.lock()),
        PolicyKind::Aging => f(&mut *AGING.lock()),
        PolicyKind::Random => f(&mut *RANDOM.lock()),
    }
}

/// The replacement policy in use.
pub fn policy() -> PolicyKind {
    *KIND.lock()
}

/// Boot: picks the policy from the command line, sizes the reverse map and sets the
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
    *KIND.lock() = kind;
    let (_, total) = frame::stats();
    let mut r = RMAP.lock();
    if r.try_reserve_exact(total).is_ok() {
        r.resize(total, (0, 0));
    }
    let low = (total / 64).max(64);
    *WATER.lock() = (low, 2 * low);
    crate::kprintln!("vm: replacement policy {}, watermarks {low}/{} free frames", kind.name(), 2 * low);
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
    // Already tracked (a frame freed and reused) is fine: it stays tracked.
    let id = PageId(i as u32);
    with_policy(|p| {
        if p.contains(id) {
            p.touch(id);
        } else {
            let _ = p.insert(id);
        }
    });
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
    /// Its task lock was free when reclaim started (a process sleeping inside a system
    /// call holds it, and its pages are left alone).
    evictable: bool,
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

/// Is reclaim needed (free frames below the low watermark)?
pub fn below_low() -> bool {
    let (free, _) = frame::stats();
    free < WATER.lock().0
}

/// Evicts pages until free frames reach the high watermark (if they are below the low
/// one), or no page can be evicted (no swap, swap full, nothing eligible). `cur` is the
/// faulting process's address space (`cur_pid`).
pub fn reclaim(cur: &mut AddressSpace) {
    let _batch = super::swapcache::Batch::begin(cur);
    if !below_low() || !swap::present() {
        return;
    }
    let high = WATER.lock().1;
    let Some(cur_pid) = proc::try_current_pid() else { return };
    let owners = owners(cur, cur_pid);
    // Unmapping one side of a COW-shared frame frees nothing, hence the bound: stop
    // after `high` evictions in a row that did not raise the free count.
    let mut fruitless = 0;
    while frame::stats().0 < high && fruitless < high {
        let before = frame::stats().0;
        if !evict_one(cur, &owners) {
            break;
        }
        if frame::stats().0 > before {
            fruitless = 0;
        } else {
            fruitless += 1;
        }
    }
}

fn owners(cur: &AddressSpace, cur_pid: i32) -> Vec<Owner> {
    let mut v = Vec::new();
    for (pid, satp, task) in proc::vm_owners() {
        if pid == cur_pid {
            let root = Ppn(cur.satp() & ((1 << 44) - 1));
            let _ = v.try_reserve(1);
            v.push(Owner { pid, root, task: None, evictable: true });
        } else if v.try_reserve(1).is_ok() {
            let evictable = task.try_lock().is_some();
            v.push(Owner { pid, root: Ppn(satp & ((1 << 44) - 1)), task: Some(task), evictable });
        }
    }
    v
}

/// Chooses one victim with the policy and writes it to swap; false if none.
fn evict_one(cur: &mut AddressSpace, owners: &[Owner]) -> bool {
    // Pages whose reverse-map entry is no longer true, or whose frame is shared: dropped
    // from the policy after this selection (a shared frame comes back through
    // `reinsert` when it is down to one mapping, a remapped one through `note_mapped`),
    // so the hand does not pass over them again and again.
    let mut stale: Vec<PageId> = Vec::new();
    let victim = {
        let mut eligible = |p: PageId| match locate(owners, p.0 as usize) {
            Some((o, _, _)) => owners[o].evictable,
            None => {
                if stale.try_reserve(1).is_ok() {
                    stale.push(p);
                }
                false
            }
        };
        // Test-and-clear A. The sfence.vma for that page is required: rvsim's TLB (like a
        // hardware TLB) caches the translation with A already set and keeps using it without
        // walking the page table again, so without the flush A would never be set again and
        // every page would look unused on the next turn of the clock.
        let mut accessed = |p: PageId| {
            let Some((_, va, a)) = locate(owners, p.0 as usize) else { return false };
            let pte = phys::read_u64(a);
            if pte & PTE_A == 0 {
                return false;
            }
            phys::write_u64(a, pte & !PTE_A);
            sfence_va(va);
            true
        };
        with_policy(|p| p.select_victim_where(&mut accessed, &mut eligible))
    };
    with_policy(|p| {
        for s in stale.iter() {
            let _ = p.remove(*s);
        }
    });
    let Some(victim) = victim else { return false };
    let i = victim.0 as usize;
    let Some((o, va, _)) = locate(owners, i) else { return false };
    let Some(ppn) = frame::from_index(i) else { return false };
    match swap_out(cur, owners, o, va, ppn) {
        Out::All => true,
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
            // space(s) (still in the swap cache). Sharing comes from fork, so look for it
            // at the same va in the other processes and move the reverse-map entry
            // there, so the frame stays evictable.
            for other in owners.iter() {
                let Some(a) = leaf_addr(other.root, VirtAddr(va)) else { continue };
                let pte = phys::read_u64(a);
                if pte & PTE_V != 0 && pte_ppn(pte) == ppn {
                    if let Some(e) = RMAP.lock().get_mut(i) {
                        *e = (other.pid, va);
                    }
                    let _ = with_policy(|p| p.insert(victim));
                    break;
                }
            }
            true
        }
    }
}

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
        cur.find_vma(va).map(|v| v.shared)
    } else {
        guards.iter().find(|(k, _)| *k == o).and_then(|(_, g)| g.aspace.find_vma(va).map(|v| v.shared))
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

/// The swap fields of `abi::VmStat` for address space `a`, in declaration order.
pub fn vmstat_words(a: &AddressSpace) -> [u64; 8] {
    let (used, total) = swap::usage();
    let policy = match policy() {
        PolicyKind::Clock => 0,
        PolicyKind::Fifo => 1,
        PolicyKind::Aging => 2,
        PolicyKind::Random => 3,
    };
    [
        SWAP_OUTS.load(Ordering::Relaxed),
        SWAP_INS.load(Ordering::Relaxed),
        EVICTIONS.load(Ordering::Relaxed),
        OOM_KILLS.load(Ordering::Relaxed),
        used,
        total,
        policy,
        a.swapped as u64,
    ]
}
