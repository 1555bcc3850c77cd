//! Global versus per-process replacement: *whose* page is evicted on a fault, as a model
//! for the host tests (the kernel applies the same rules to its process table,
//! `guest-os/src/mm/wset.rs`, and uses only [`Mode`] from `vmcore::pool`).
//!
//! The replacement policy (`vmcore::replace`) ranks pages by recent use; this module
//! decides which pages it may choose from:
//!
//! * **Global** (traditional UNIX): all resident pages of all processes form one pool. The
//!   victim is simply the policy's choice. Flexible: a process that needs more memory
//!   takes it from idle ones. Risky: a busy process can steal the working set of one that
//!   is about to run, and thrashing spreads.
//! * **Per-process** (Windows' working sets): each process has a minimum and a maximum
//!   resident size (Win32 `SetProcessWorkingSetSize`). A process at its maximum replaces
//!   its own pages only; a process below its maximum takes a free frame, or, when there is
//!   none, a page from some *other* process that is over its maximum (its limit was
//!   lowered), else one above its minimum. A process is never
//!   pushed below its minimum by others. Processes are isolated from each other, at the
//!   cost of memory that one process leaves idle while another faults.
//!
//! [`Pool`] keeps each process's resident count and limits, and [`Pool::choose`] turns a
//! fault into a [`Choice`]: use a free frame, or evict a given page of a given process. The
//! mode can be switched at run time ([`Pool::set_mode`]).
//!
//! Accounting contract: the pool does not change counts by itself. The kernel calls
//! [`Pool::charge`] when it maps a page for a process and [`Pool::uncharge`] when that page
//! leaves (evicted, unmapped, process exit). The policy and this pool are protected by the
//! same lock as the frame table, so a choice and the accounting that follows are atomic.

pub use vmcore::pool::Mode;
use vmcore::replace::{PageId, Policy};

/// What the kernel should do to get a frame for a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Allocate a free frame; nobody loses a page.
    UseFreeFrame,
    /// Evict `page` (already removed from the policy) of process `pid`, then reuse its frame.
    Evict {
        /// Owner of the victim page.
        pid: u32,
        /// The victim page.
        page: PageId,
    },
}

/// Errors of the working-set table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolError {
    /// The pid is not in the table.
    UnknownPid,
    /// The pid is already in the table.
    DuplicatePid,
    /// No room for another process.
    TableFull,
    /// Limits must satisfy `1 <= max` and `min <= max`.
    BadLimits,
    /// `uncharge` of a process with no resident pages.
    NotCharged,
    /// No page may be evicted under the current rules (all processes at their minimum, or
    /// no eligible page tracked): the kernel must swap a whole process out or invoke the
    /// OOM killer.
    NoVictim,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    pid: u32,
    live: bool,
    resident: u64,
    min: u64,
    max: u64,
}

const EMPTY: Entry = Entry { pid: 0, live: false, resident: 0, min: 0, max: 0 };

/// Resident counts and working-set limits of up to `P` processes.
#[derive(Clone, Debug)]
pub struct Pool<const P: usize> {
    entries: [Entry; P],
    mode: Mode,
    default_min: u64,
    default_max: u64,
}

impl<const P: usize> Pool<P> {
    /// An empty table; new processes get limits `default_min..=default_max` pages.
    pub const fn new(mode: Mode, default_min: u64, default_max: u64) -> Result<Self, PoolError> {
        if default_max == 0 || default_min > default_max {
            return Err(PoolError::BadLimits);
        }
        Ok(Self { entries: [EMPTY; P], mode, default_min, default_max })
    }

    /// The current mode.
    pub const fn mode(&self) -> Mode {
        self.mode
    }

    /// Switches between global and per-process replacement (takes effect at the next fault).
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    fn find(&self, pid: u32) -> Result<usize, PoolError> {
        self.entries.iter().position(|e| e.live && e.pid == pid).ok_or(PoolError::UnknownPid)
    }

    /// Registers a new process (at `fork`/`exec`) with the default limits and no pages.
    pub fn add_process(&mut self, pid: u32) -> Result<(), PoolError> {
        if self.find(pid).is_ok() {
            return Err(PoolError::DuplicatePid);
        }
        let slot = self.entries.iter().position(|e| !e.live).ok_or(PoolError::TableFull)?;
        self.entries[slot] = Entry { pid, live: true, resident: 0, min: self.default_min, max: self.default_max };
        Ok(())
    }

    /// Forgets a process (after its pages were freed); returns the resident count it still
    /// had, which should be 0 (anything else is a kernel accounting bug worth logging).
    pub fn remove_process(&mut self, pid: u32) -> Result<u64, PoolError> {
        let i = self.find(pid)?;
        let left = self.entries[i].resident;
        self.entries[i] = EMPTY;
        Ok(left)
    }

    /// `SetProcessWorkingSetSize`: the process keeps at least `min` and at most `max`
    /// resident pages (per-process mode). A process already above its new `max` is trimmed
    /// lazily, one page per fault, or by the kernel using [`Pool::excess`].
    pub fn set_limits(&mut self, pid: u32, min: u64, max: u64) -> Result<(), PoolError> {
        if max == 0 || min > max {
            return Err(PoolError::BadLimits);
        }
        let i = self.find(pid)?;
        self.entries[i].min = min;
        self.entries[i].max = max;
        Ok(())
    }

    /// `(min, max)` of a process.
    pub fn limits(&self, pid: u32) -> Result<(u64, u64), PoolError> {
        let e = self.entries[self.find(pid)?];
        Ok((e.min, e.max))
    }

    /// Resident pages charged to a process.
    pub fn resident(&self, pid: u32) -> Result<u64, PoolError> {
        Ok(self.entries[self.find(pid)?].resident)
    }

    /// Pages above the process's maximum (what a trimming pass should evict).
    pub fn excess(&self, pid: u32) -> Result<u64, PoolError> {
        let e = self.entries[self.find(pid)?];
        Ok(e.resident.saturating_sub(e.max))
    }

    /// A page was mapped for `pid`.
    pub fn charge(&mut self, pid: u32) -> Result<(), PoolError> {
        let i = self.find(pid)?;
        self.entries[i].resident = self.entries[i].resident.saturating_add(1);
        Ok(())
    }

    /// A page of `pid` left memory.
    pub fn uncharge(&mut self, pid: u32) -> Result<(), PoolError> {
        let i = self.find(pid)?;
        let e = &mut self.entries[i];
        e.resident = e.resident.checked_sub(1).ok_or(PoolError::NotCharged)?;
        Ok(())
    }

    /// Decides how process `faulting` gets a frame. `free_frames` is the allocator's free
    /// count (the kernel may pass 0 below its low watermark, to make faults replace rather
    /// than drain the last frames). `owner(page)` maps a tracked page to its process
    /// (`None`: not evictable, e.g. a kernel page); `accessed` is the policy's
    /// test-and-clear-A callback. On [`Choice::Evict`] the page has been removed from
    /// `policy`; if the kernel cannot evict it after all, it re-inserts it.
    pub fn choose(
        &self,
        faulting: u32,
        free_frames: u64,
        policy: &mut dyn Policy,
        owner: &mut dyn FnMut(PageId) -> Option<u32>,
        accessed: &mut dyn FnMut(PageId) -> bool,
    ) -> Result<Choice, PoolError> {
        let me = self.entries[self.find(faulting)?];
        let per_process = self.mode == Mode::PerProcess;
        let mut pick = |eligible: &mut dyn FnMut(u32) -> bool| {
            // Each per-process pick filters by other owners than the last call did.
            if per_process {
                policy.eligibility_changed();
            }
            let page = policy.select_victim_where(accessed, &mut |p| owner(p).is_some_and(&mut *eligible))?;
            // `owner` answered `Some` for this page just above.
            owner(page).map(|pid| Choice::Evict { pid, page })
        };
        match self.mode {
            Mode::Global => {
                if free_frames > 0 {
                    return Ok(Choice::UseFreeFrame);
                }
                pick(&mut |_| true).ok_or(PoolError::NoVictim)
            }
            Mode::PerProcess => {
                if me.resident >= me.max {
                    return pick(&mut |pid| pid == faulting).ok_or(PoolError::NoVictim);
                }
                if free_frames > 0 {
                    return Ok(Choice::UseFreeFrame);
                }
                // Memory is full and we are below our maximum: take from another process
                // over its maximum (its limit was lowered), else above its minimum;
                // failing that, from ourselves if above our minimum.
                let other = |pid: u32, over: fn(&Entry) -> bool| {
                    pid != faulting && self.entries.iter().any(|e| e.live && e.pid == pid && over(e))
                };
                if let Some(c) = pick(&mut |pid| other(pid, |e| e.resident > e.max)) {
                    return Ok(c);
                }
                if let Some(c) = pick(&mut |pid| other(pid, |e| e.resident > e.min)) {
                    return Ok(c);
                }
                if me.resident > me.min {
                    return pick(&mut |pid| pid == faulting).ok_or(PoolError::NoVictim);
                }
                Err(PoolError::NoVictim)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vmcore::replace::Fifo;

    /// A little machine: frames 0..16, `owners[f]` = pid of the page in frame f.
    struct World {
        pool: Pool<8>,
        fifo: Fifo<16>,
        owners: [Option<u32>; 16],
    }

    impl World {
        fn new(mode: Mode) -> Self {
            Self { pool: Pool::new(mode, 2, 4).unwrap(), fifo: Fifo::new(), owners: [None; 16] }
        }
        /// Gives frame `f` to `pid` (charged, tracked by the policy).
        fn load(&mut self, pid: u32, f: u32) {
            self.owners[f as usize] = Some(pid);
            self.pool.charge(pid).unwrap();
            self.fifo.insert(PageId(f)).unwrap();
        }
        fn choose(&mut self, pid: u32, free: u64) -> Result<Choice, PoolError> {
            let owners = self.owners;
            self.pool.choose(pid, free, &mut self.fifo, &mut |p| owners[p.0 as usize], &mut |_| false)
        }
    }

    #[test]
    fn global_takes_the_oldest_page_of_anyone() {
        let mut w = World::new(Mode::Global);
        for pid in [1, 2] {
            w.pool.add_process(pid).unwrap();
        }
        w.load(2, 0);
        w.load(1, 1);
        w.load(1, 2);
        assert_eq!(w.choose(1, 3), Ok(Choice::UseFreeFrame));
        assert_eq!(w.choose(1, 0), Ok(Choice::Evict { pid: 2, page: PageId(0) }));
        assert_eq!(w.choose(1, 0), Ok(Choice::Evict { pid: 1, page: PageId(1) }));
    }

    #[test]
    fn per_process_replaces_within_own_set_at_max() {
        let mut w = World::new(Mode::PerProcess);
        for pid in [1, 2] {
            w.pool.add_process(pid).unwrap();
        }
        w.load(2, 0);
        for f in 1..5 {
            w.load(1, f);
        }
        assert_eq!(w.pool.resident(1), Ok(4));
        // At max (4): its own oldest page, even though frames are free and pid 2's page is older.
        assert_eq!(w.choose(1, 100), Ok(Choice::Evict { pid: 1, page: PageId(1) }));
        // Pid 2 is below max with free frames: takes a free frame.
        assert_eq!(w.choose(2, 100), Ok(Choice::UseFreeFrame));
    }

    #[test]
    fn per_process_never_pushes_others_below_min() {
        let mut w = World::new(Mode::PerProcess);
        for pid in [1, 2, 3] {
            w.pool.add_process(pid).unwrap();
        }
        w.load(2, 0); // pid 2: 2 pages = its min
        w.load(2, 1);
        w.load(3, 2); // pid 3: 3 pages > min 2
        w.load(3, 3);
        w.load(3, 4);
        w.load(1, 5); // pid 1: 1 page
                      // Memory full, pid 1 below its max: pid 2 is at min, so pid 3 gives.
        assert_eq!(w.choose(1, 0), Ok(Choice::Evict { pid: 3, page: PageId(2) }));
        w.pool.uncharge(3).unwrap();
        // Now pid 3 is at its min as well: nobody else may give and pid 1 is below min.
        assert_eq!(w.choose(1, 0), Err(PoolError::NoVictim));
        // With pid 1 above its min, it replaces its own page.
        w.load(1, 6);
        w.load(1, 7);
        assert_eq!(w.choose(1, 0), Ok(Choice::Evict { pid: 1, page: PageId(5) }));
    }

    #[test]
    fn per_process_takes_from_a_process_over_its_max_first() {
        let mut w = World::new(Mode::PerProcess);
        for pid in [1, 2, 3] {
            w.pool.add_process(pid).unwrap();
        }
        for f in 0..3 {
            w.load(2, f); // pid 2: 3 pages, above min 2 (oldest pages)
        }
        for f in 3..6 {
            w.load(3, f); // pid 3: 3 pages
        }
        w.load(1, 6);
        w.pool.set_limits(3, 1, 2).unwrap(); // pid 3 now over its max
        assert_eq!(w.pool.excess(3), Ok(1));
        assert_eq!(w.choose(1, 0), Ok(Choice::Evict { pid: 3, page: PageId(3) }));
    }

    #[test]
    fn mode_switch_at_run_time() {
        let mut w = World::new(Mode::PerProcess);
        for pid in [1, 2] {
            w.pool.add_process(pid).unwrap();
        }
        w.load(2, 0);
        w.load(2, 1);
        w.load(1, 2);
        assert_eq!(w.choose(1, 0), Err(PoolError::NoVictim), "pid 2 at min, pid 1 at min");
        w.pool.set_mode(Mode::Global);
        assert_eq!(w.pool.mode(), Mode::Global);
        assert_eq!(w.choose(1, 0), Ok(Choice::Evict { pid: 2, page: PageId(0) }));
    }

    #[test]
    fn limits_and_table_errors() {
        assert!(Pool::<1>::new(Mode::Global, 3, 2).is_err());
        assert!(Pool::<1>::new(Mode::Global, 0, 0).is_err());
        let mut p = Pool::<2>::new(Mode::PerProcess, 1, 8).unwrap();
        p.add_process(10).unwrap();
        assert_eq!(p.add_process(10), Err(PoolError::DuplicatePid));
        p.add_process(11).unwrap();
        assert_eq!(p.add_process(12), Err(PoolError::TableFull));
        assert_eq!(p.set_limits(10, 5, 4), Err(PoolError::BadLimits));
        assert_eq!(p.set_limits(10, 0, 0), Err(PoolError::BadLimits));
        assert_eq!(p.set_limits(99, 1, 2), Err(PoolError::UnknownPid));
        p.set_limits(10, 1, 2).unwrap();
        assert_eq!(p.limits(10), Ok((1, 2)));
        assert_eq!(p.uncharge(10), Err(PoolError::NotCharged));
        for _ in 0..5 {
            p.charge(10).unwrap();
        }
        assert_eq!(p.excess(10), Ok(3));
        assert_eq!(p.remove_process(10), Ok(5));
        assert_eq!(p.resident(10), Err(PoolError::UnknownPid));
        p.add_process(12).unwrap();
        let mut f = Fifo::<4>::new();
        assert_eq!(p.choose(99, 1, &mut f, &mut |_| None, &mut |_| false), Err(PoolError::UnknownPid));
    }

    #[test]
    fn unowned_pages_are_never_chosen() {
        let mut w = World::new(Mode::Global);
        w.pool.add_process(1).unwrap();
        w.fifo.insert(PageId(9)).unwrap(); // a kernel page: no owner
        w.load(1, 3);
        assert_eq!(w.choose(1, 0), Ok(Choice::Evict { pid: 1, page: PageId(3) }));
        assert_eq!(w.choose(1, 0), Err(PoolError::NoVictim));
        assert!(w.fifo.contains(PageId(9)));
    }
}
