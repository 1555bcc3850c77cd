//! A miniature kernel on the host that uses every `vmcore` piece the way
//! `docs/vm-policies.md` says the real kernel will: per-process `VmaSet`s, a frame
//! allocator with reference counts, swap slots and swap PTEs in a fake page table, a
//! replacement policy with the accessed bit kept in the PTEs, the working-set pool, the
//! thrashing controller and the OOM rule. Processes loop over their working sets under a
//! round-robin scheduler; time is counted in references plus a cost per disk transfer.
//!
//! The tests check the contract end to end (no frame or slot leaks, counts consistent)
//! and the lecture's claims: when the working sets do not fit, swapping whole processes
//! out raises throughput; with swap too small, the OOM killer ends the largest process and
//! the rest finish.

use std::collections::HashMap;

/// Host-only pieces of the model: a fixed-size frame table and a working-set table (the
/// kernel has its own, `guest-os/src/mm/frame.rs` and `wset.rs`).
// The tables keep their full API (and their own unit tests); the model uses part of it.
#[allow(dead_code)]
mod model {
    pub mod frames;
    pub mod pool;
}

use model::frames::{DecResult, FrameAllocator, RefCounts};
use model::pool::{Choice, Mode, Pool, PoolError};
use vmcore::oom::{oom_victim, OomCandidate};
use vmcore::replace::{PageId, Policy, PolicyKind, PolicySet, Rng};
use vmcore::swap::{SwapEntry, SwapSlots};
use vmcore::thrash::{Controller, Decision, ThrashConfig};
use vmcore::vma::{Backing, Placement, Prot, Share, VmaSet};
use vmcore::{Errno, PAGE_SIZE};

const BASE_PPN: u64 = 0x80000;
const FRAMES: u64 = 64;
const V: u64 = 1;
const A: u64 = 1 << 6;
const D: u64 = 1 << 7;
const RW: u64 = 0b110;
/// Time of one disk transfer, in references.
const DISK: u64 = 200;
const QUANTUM: u64 = 100;

struct Proc {
    pid: u32,
    vmas: VmaSet<8>,
    base: u64,
    pages: u64,
    cursor: u64,
    done: u64,
    swapped: u64,
    alive: bool,
}

struct Kernel {
    now: u64,
    alloc: FrameAllocator<1>,
    refs: RefCounts<u16, 64>,
    slots: SwapSlots<16>,
    policy: PolicySet<64>,
    pool: Pool<8>,
    thrash: Controller<8, 8>,
    /// The page tables: (pid, vpn) -> PTE.
    pt: HashMap<(u32, u64), u64>,
    /// Reverse map: frame index -> (pid, vpn).
    owner: [Option<(u32, u64)>; 64],
    procs: Vec<Proc>,
    faults: u64,
    log: Vec<String>,
}

fn frame_of(pte: u64) -> u64 {
    (pte >> 10) - BASE_PPN
}

impl Kernel {
    fn new(kind: PolicyKind, mode: Mode, swap_slots: u64, cfg: ThrashConfig) -> Self {
        let mut alloc = FrameAllocator::new(BASE_PPN, FRAMES).unwrap();
        alloc.set_watermarks(2, 8).unwrap();
        Kernel {
            now: 0,
            alloc,
            refs: RefCounts::new(BASE_PPN),
            slots: SwapSlots::new(swap_slots).unwrap(),
            policy: PolicySet::new(kind, 1),
            pool: Pool::new(mode, 4, 40).unwrap(),
            thrash: Controller::new(cfg).unwrap(),
            pt: HashMap::new(),
            owner: [None; 64],
            procs: Vec::new(),
            faults: 0,
            log: Vec::new(),
        }
    }

    fn spawn(&mut self, pid: u32, pages: u64) {
        let mut vmas = VmaSet::new(vmcore::vma::Layout::GUEST_OS).unwrap();
        let base = vmas.map(0, pages * PAGE_SIZE, Placement::Hint, Prot::RW, Prot::RWX, Share::Private, Backing::Anon);
        let base = base.unwrap() / PAGE_SIZE;
        self.pool.add_process(pid).unwrap();
        self.thrash.add(pid, self.now).unwrap();
        self.procs.push(Proc { pid, vmas, base, pages, cursor: 0, done: 0, swapped: 0, alive: true });
    }

    /// The policy's callback: test and clear A in the PTE mapping frame `page` (a real
    /// kernel flushes that TLB entry here).
    fn accessed(pt: &mut HashMap<(u32, u64), u64>, owner: &[Option<(u32, u64)>; 64], page: PageId) -> bool {
        let Some(key) = owner[page.0 as usize] else { return false };
        let pte = pt.get_mut(&key).expect("owned frame has a PTE");
        let was = *pte & A != 0;
        *pte &= !A;
        was
    }

    /// Evicts the page in frame `f` to swap (or, swap full, puts it back and returns false).
    fn evict(&mut self, f: u64) -> bool {
        let (pid, vpn) = self.owner[f as usize].expect("evicting an owned frame");
        let Some(slot) = self.slots.alloc() else {
            self.policy.insert(PageId(f as u32)).unwrap();
            return false;
        };
        // Steps 1-2 of the contract: swap PTE in place (the old value gives D), flush.
        let old = self.pt.insert((pid, vpn), SwapEntry { device: 0, slot }.to_pte().unwrap()).unwrap();
        assert!(old & V != 0);
        if old & D != 0 {
            self.now += DISK; // write back
        }
        self.owner[f as usize] = None;
        self.pool.uncharge(pid).unwrap();
        self.procs.iter_mut().find(|p| p.pid == pid).unwrap().swapped += 1;
        assert_eq!(self.refs.dec(BASE_PPN + f), Ok(DecResult::Freed));
        true
    }

    /// A frame for `pid`, by the pool's rules; `None` when nothing can be evicted.
    fn get_frame(&mut self, pid: u32) -> Option<u64> {
        loop {
            let free = if self.alloc.below_low() { 0 } else { self.alloc.free_count() };
            let (pt, owner) = (&mut self.pt, &self.owner);
            let choice =
                self.pool.choose(pid, free, &mut self.policy, &mut |p| owner[p.0 as usize].map(|o| o.0), &mut |p| {
                    Self::accessed(pt, owner, p)
                });
            match choice {
                Ok(Choice::UseFreeFrame) => match self.alloc.alloc() {
                    Some(ppn) => return Some(ppn - BASE_PPN),
                    None => continue, // below_low raced with nothing here; cannot happen
                },
                Ok(Choice::Evict { page, .. }) => {
                    if self.evict(page.0 as u64) {
                        return Some(page.0 as u64);
                    }
                    self.oom_kill();
                }
                Err(PoolError::NoVictim) => {
                    if self.alloc.free_count() > 0 {
                        return self.alloc.alloc().map(|p| p - BASE_PPN);
                    }
                    return None;
                }
                Err(e) => panic!("{e:?}"),
            }
        }
    }

    fn oom_kill(&mut self) {
        let cands: Vec<OomCandidate> = self
            .procs
            .iter()
            .filter(|p| p.alive)
            .map(|p| OomCandidate { pid: p.pid, resident: self.pool.resident(p.pid).unwrap(), swapped: p.swapped })
            .collect();
        let victim = oom_victim(&cands).expect("someone to kill").pid;
        self.log.push(format!("oom: killed pid {victim}"));
        self.exit(victim);
    }

    /// Frees everything of `pid`: frames, swap slots, table entries.
    fn exit(&mut self, pid: u32) {
        let keys: Vec<(u32, u64)> = self.pt.keys().filter(|k| k.0 == pid).copied().collect();
        for key in keys {
            let pte = self.pt.remove(&key).unwrap();
            if let Some(e) = SwapEntry::from_pte(pte) {
                self.slots.free(e.slot).unwrap();
            } else {
                let f = frame_of(pte);
                self.policy.remove(PageId(f as u32)).unwrap();
                self.owner[f as usize] = None;
                self.pool.uncharge(pid).unwrap();
                assert_eq!(self.refs.dec(BASE_PPN + f), Ok(DecResult::Freed));
                self.alloc.free(BASE_PPN + f).unwrap();
            }
        }
        let p = self.procs.iter_mut().find(|p| p.pid == pid).unwrap();
        p.alive = false;
        p.vmas.unmap(p.base * PAGE_SIZE, p.pages * PAGE_SIZE).unwrap();
        assert_eq!(self.pool.remove_process(pid), Ok(0));
        self.thrash.remove(pid).unwrap();
    }

    /// Page fault of `pid` at page `vpn`; false if the process died.
    fn fault(&mut self, pid: u32, vpn: u64) -> bool {
        self.faults += 1;
        self.thrash.record_fault(pid, self.now).unwrap();
        let p = self.procs.iter().find(|p| p.pid == pid).unwrap();
        let vma = p.vmas.find(vpn * PAGE_SIZE).expect("reference inside the VMA");
        assert!(vma.prot.write());
        let old = self.pt.get(&(pid, vpn)).copied();
        let Some(f) = self.get_frame(pid) else {
            self.oom_kill();
            return self.procs.iter().any(|p| p.pid == pid && p.alive);
        };
        if !self.procs.iter().any(|p| p.pid == pid && p.alive) {
            // The OOM killer chose the faulting process itself.
            self.alloc.free(BASE_PPN + f).unwrap();
            return false;
        }
        match old.and_then(SwapEntry::from_pte) {
            Some(e) => {
                self.now += DISK; // read back
                self.slots.free(e.slot).unwrap();
                self.procs.iter_mut().find(|p| p.pid == pid).unwrap().swapped -= 1;
            }
            None => self.now += 10, // zero fill
        }
        self.refs.inc(BASE_PPN + f).unwrap();
        self.owner[f as usize] = Some((pid, vpn));
        self.pt.insert((pid, vpn), ((BASE_PPN + f) << 10) | A | RW | V);
        self.policy.insert(PageId(f as u32)).unwrap();
        self.pool.charge(pid).unwrap();
        true
    }

    /// One memory reference (the "MMU"): sets A (and D on a write) or faults.
    fn reference(&mut self, pid: u32, vpn: u64, write: bool) -> bool {
        self.now += 1;
        match self.pt.get_mut(&(pid, vpn)) {
            Some(pte) if *pte & V != 0 => {
                *pte |= A | if write { D } else { 0 };
                true
            }
            _ => self.fault(pid, vpn) && self.reference(pid, vpn, write),
        }
    }

    fn apply(&mut self, d: Decision) {
        self.log.push(d.to_string());
        if let Decision::SwapOut { pid, .. } = d {
            let frames: Vec<u64> =
                (0..FRAMES).filter(|&f| self.owner[f as usize].is_some_and(|o| o.0 == pid)).collect();
            for f in frames {
                self.policy.remove(PageId(f as u32)).unwrap();
                if self.evict(f) {
                    self.alloc.free(BASE_PPN + f).unwrap();
                }
            }
        }
    }

    /// Runs until `until`; every process loops over its pages, writing every other one.
    fn run(&mut self, until: u64, rng: &mut Rng) {
        let mut turn = 0;
        while self.now < until {
            if let Some(d) = self.thrash.tick(self.now, self.alloc.free_count()) {
                self.apply(d);
            }
            let runnable: Vec<usize> = (0..self.procs.len())
                .filter(|&i| self.procs[i].alive && !self.thrash.is_suspended(self.procs[i].pid).unwrap())
                .collect();
            if runnable.is_empty() {
                break;
            }
            let i = runnable[turn % runnable.len()];
            turn += 1;
            let end = self.now + QUANTUM;
            while self.now < end && self.procs[i].alive {
                let p = &mut self.procs[i];
                let vpn = p.base + p.cursor;
                p.cursor = (p.cursor + 1) % p.pages;
                let (pid, write) = (p.pid, rng.below(2) == 0);
                if self.reference(pid, vpn, write) {
                    self.procs[i].done += 1;
                }
            }
            // The timer: aging samples and clears every resident page's A bit (the other
            // policies ignore it).
            let (pt, owner) = (&mut self.pt, &self.owner);
            self.policy.tick(&mut |p| Self::accessed(pt, owner, p));
            self.check();
        }
    }

    /// Switches the replacement policy at run time: every tracked page moves into the new
    /// one (what a `vm.policy` write would do).
    fn switch_policy(&mut self, kind: PolicyKind) {
        let mut new = PolicySet::new(kind, 2);
        self.policy.drain(&mut |p| new.insert(p).unwrap());
        assert!(self.policy.is_empty());
        self.policy = new;
        self.log.push(format!("policy {}", kind.name()));
        self.check();
    }

    /// Invariants of the bookkeeping.
    fn check(&self) {
        let resident = self.owner.iter().filter(|o| o.is_some()).count() as u64;
        assert_eq!(self.policy.len() as u64, resident, "every resident page is in the policy");
        assert!(self.alloc.count() - self.alloc.free_count() >= resident);
        let mut per_pid: HashMap<u32, u64> = HashMap::new();
        for o in self.owner.iter().flatten() {
            *per_pid.entry(o.0).or_default() += 1;
        }
        let swapped = self.pt.values().filter(|&&e| SwapEntry::from_pte(e).is_some()).count() as u64;
        assert_eq!(swapped, self.slots.used(), "every swap PTE owns one slot");
        for p in self.procs.iter().filter(|p| p.alive) {
            assert_eq!(self.pool.resident(p.pid).unwrap(), per_pid.get(&p.pid).copied().unwrap_or(0));
        }
    }
}

const CFG: ThrashConfig = ThrashConfig {
    window: 8000,
    fault_bound: 2,
    sustain: 4000,
    free_low: 4,
    free_high: 30,
    system_bound: 4,
    max_suspend: 40_000,
    min_run: 8000,
};
/// A controller that never acts.
const OFF: ThrashConfig = ThrashConfig { fault_bound: u64::MAX, free_high: u64::MAX, ..CFG };

fn work(cfg: ThrashConfig, kind: PolicyKind, procs: u32, pages: u64) -> (Kernel, u64) {
    let mut k = Kernel::new(kind, Mode::Global, 1024, cfg);
    for pid in 1..=procs {
        k.spawn(pid, pages);
    }
    k.run(400_000, &mut Rng::new(3));
    let done = k.procs.iter().map(|p| p.done).sum();
    (k, done)
}

#[test]
fn working_sets_that_fit_only_take_cold_faults() {
    let (k, done) = work(CFG, PolicyKind::Clock, 2, 24);
    assert_eq!(k.faults, 48);
    assert!(k.log.is_empty(), "{:?}", k.log);
    assert!(done > 390_000);
}

#[test]
fn swapping_whole_processes_out_beats_thrashing() {
    for kind in [PolicyKind::Clock, PolicyKind::Fifo, PolicyKind::Aging] {
        let (off_k, off) = work(OFF, kind, 4, 24);
        let (on_k, on) = work(CFG, kind, 4, 24);
        let per: Vec<u64> = on_k.procs.iter().map(|p| p.done).collect();
        println!(
            "{kind:?}: controller off {off} refs ({} faults), on {on} refs ({} faults, per process {per:?})",
            off_k.faults, on_k.faults
        );
        for l in on_k.log.iter().take(6) {
            println!("  {l}");
        }
        assert!(on > 3 * off, "{kind:?}: on {on} vs off {off}");
        assert!(on_k.log.iter().any(|l| l.contains("swap out")));
        for p in &on_k.procs {
            assert!(p.done > 5_000, "{kind:?}: pid {} starved ({} refs)", p.pid, p.done);
        }
    }
}

#[test]
fn policy_switches_at_run_time_keep_every_resident_page() {
    // Three processes of 24 pages in 64 frames: eviction on every turn of the loop.
    let mut k = Kernel::new(PolicyKind::Clock, Mode::Global, 1024, OFF);
    for pid in 1..=3 {
        k.spawn(pid, 24);
    }
    let mut rng = Rng::new(4);
    let mut until = 0;
    let mut last = (0, 0);
    for kind in [PolicyKind::Aging, PolicyKind::Fifo, PolicyKind::Random, PolicyKind::Clock] {
        until += 50_000;
        k.run(until, &mut rng);
        let done: u64 = k.procs.iter().map(|p| p.done).sum();
        assert!(done > last.0 && k.faults > last.1, "no progress before switching to {kind:?}");
        last = (done, k.faults);
        let resident = k.owner.iter().filter(|o| o.is_some()).count();
        assert!(resident > 50, "{resident} resident pages");
        k.switch_policy(kind);
        assert_eq!(k.policy.kind(), kind);
        assert_eq!(k.policy.len(), resident);
        for (f, o) in k.owner.iter().enumerate() {
            assert_eq!(k.policy.contains(PageId(f as u32)), o.is_some(), "frame {f}");
        }
    }
    k.run(until + 50_000, &mut rng);
    assert!(k.procs.iter().map(|p| p.done).sum::<u64>() > last.0);
}

#[test]
fn full_swap_invokes_the_oom_killer_on_the_largest() {
    let mut k = Kernel::new(PolicyKind::Clock, Mode::Global, 2, OFF);
    k.spawn(1, 10); // init
    k.spawn(2, 40);
    k.spawn(3, 20);
    k.run(200_000, &mut Rng::new(5));
    assert_eq!(k.log.first().map(String::as_str), Some("oom: killed pid 2"), "{:?}", k.log);
    assert!(k.procs[0].alive && k.procs[2].alive);
    assert!(k.procs[0].done > 10_000 && k.procs[2].done > 10_000);
    assert_eq!(k.slots.used(), 0, "the survivors fit in memory; pid 2's slots were freed");
}

#[test]
fn vma_faults_outside_mappings_are_visible() {
    let k = Kernel::new(PolicyKind::Fifo, Mode::PerProcess, 8, CFG);
    let mut vmas = VmaSet::<4>::new(vmcore::vma::Layout::GUEST_OS).unwrap();
    assert_eq!(vmas.find(0x2000), None);
    assert_eq!(
        vmas.map(0x2001, 1, Placement::Fixed, Prot::RW, Prot::RWX, Share::Private, Backing::Anon),
        Err(Errno::EINVAL)
    );
    assert_eq!(k.alloc.free_count(), FRAMES);
}
