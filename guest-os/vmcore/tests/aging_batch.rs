//! `Aging` against a naive model of the same policy that scans every page id on each
//! selection (what `Aging` did before it kept candidates in batches): they must choose the
//! same victims on random operation sequences, and the batched one must need far fewer
//! callbacks per victim. Run with `--nocapture` to see the measured callback counts.

use vmcore::replace::{sim, Aging, PageId, Policy, Rng, AGING_BATCH};

/// The specification of aging, written as directly as possible: O(N) per selection and
/// per tick.
struct Naive<const N: usize> {
    tracked: Vec<bool>,
    age: Vec<u8>,
    refd: Vec<bool>,
    cursor: usize,
}

impl<const N: usize> Naive<N> {
    fn new() -> Self {
        Self { tracked: vec![false; N], age: vec![0; N], refd: vec![false; N], cursor: 0 }
    }
    fn insert(&mut self, p: usize) {
        assert!(!self.tracked[p]);
        self.tracked[p] = true;
        self.age[p] = 0x80;
        self.refd[p] = false;
    }
    fn remove(&mut self, p: usize) {
        assert!(self.tracked[p]);
        self.tracked[p] = false;
    }
    fn touch(&mut self, p: usize) {
        if self.tracked[p] {
            self.refd[p] = true;
        }
    }
    fn eff(&self, p: usize) -> u8 {
        self.age[p] | (self.refd[p] as u8) << 7
    }
    fn tick(&mut self, accessed: &mut dyn FnMut(usize) -> bool) {
        for p in 0..N {
            if self.tracked[p] {
                let a = accessed(p) | std::mem::take(&mut self.refd[p]);
                self.age[p] = self.age[p] >> 1 | (a as u8) << 7;
            }
        }
    }
    fn select(
        &mut self,
        accessed: &mut dyn FnMut(usize) -> bool,
        eligible: &mut dyn FnMut(usize) -> bool,
    ) -> Option<usize> {
        let mut best: Option<(u8, usize)> = None;
        for k in 0..N {
            let p = (self.cursor + k) % N;
            if !self.tracked[p] || !eligible(p) {
                continue;
            }
            if accessed(p) {
                self.refd[p] = true;
            }
            if best.is_none_or(|(a, _)| self.eff(p) < a) {
                best = Some((self.eff(p), p));
            }
        }
        let (_, p) = best?;
        self.tracked[p] = false;
        self.cursor = (p + 1) % N;
        Some(p)
    }
}

/// A page is "referenced since the tick" iff its A bit is set or the policy saw it set;
/// the two implementations clear A bits at different moments, so each has its own array.
struct Twin<const N: usize> {
    naive: Naive<N>,
    batched: Box<Aging<N>>,
    a_naive: Vec<bool>,
    a_batched: Vec<bool>,
}

impl<const N: usize> Twin<N> {
    fn new() -> Self {
        Self {
            naive: Naive::new(),
            batched: Box::new(Aging::new()),
            a_naive: vec![false; N],
            a_batched: vec![false; N],
        }
    }
    fn access(&mut self, p: usize) {
        self.a_naive[p] = true;
        self.a_batched[p] = true;
    }
}

#[test]
fn batched_aging_chooses_the_same_victims_as_a_full_scan() {
    // Fewer pages than a batch holds, a few batches' worth, many batches' worth.
    differential::<24>(100);
    differential::<200>(300);
    differential::<1000>(40);
}

fn differential<const N: usize>(seeds: u64) {
    for seed in 0..seeds {
        let mut r = Rng::new(seed);
        let mut t = Twin::<N>::new();
        // Eligibility filter: page ids not divisible by `modulus` (1: all pages).
        let mut modulus = 1usize;
        let mut victims = 0;
        for step in 0..4000 {
            let p = r.below(N as u64) as usize;
            match r.below(100) {
                // Fault in a page (the MMU sets A for the faulting access).
                0..=29 => {
                    if !t.naive.tracked[p] {
                        t.naive.insert(p);
                        t.batched.insert(PageId(p as u32)).unwrap();
                        t.access(p);
                    }
                }
                30..=34 => {
                    if t.naive.tracked[p] {
                        t.naive.remove(p);
                        t.batched.remove(PageId(p as u32)).unwrap();
                    }
                }
                // Accesses, skewed to low ids so that histories differ.
                35..=59 => t.access(p * p / N),
                60..=64 => {
                    t.naive.touch(p);
                    t.batched.touch(PageId(p as u32));
                }
                65..=67 => {
                    let Twin { naive, batched, a_naive, a_batched } = &mut t;
                    naive.tick(&mut |q| std::mem::take(&mut a_naive[q]));
                    batched.tick(&mut |q| std::mem::take(&mut a_batched[q.0 as usize]));
                }
                68 => {
                    modulus = [1, 1, 2, 3][r.below(4) as usize];
                    t.batched.eligibility_changed();
                }
                _ => {
                    let m = modulus;
                    let Twin { naive, batched, a_naive, a_batched } = &mut t;
                    let want =
                        naive.select(&mut |q| std::mem::take(&mut a_naive[q]), &mut |q| m == 1 || !q.is_multiple_of(m));
                    let got = batched
                        .select_victim_where(&mut |q| std::mem::take(&mut a_batched[q.0 as usize]), &mut |q| {
                            m == 1 || !(q.0 as usize).is_multiple_of(m)
                        });
                    assert_eq!(got.map(|q| q.0 as usize), want, "N {N} seed {seed} step {step}");
                    victims += want.is_some() as u32;
                }
            }
            assert_eq!(t.batched.len(), t.naive.tracked.iter().filter(|&&x| x).count());
        }
        assert!(victims > 300, "N {N} seed {seed}: only {victims} victims");
    }
}

#[test]
fn batched_aging_is_the_full_scan_in_the_simulator() {
    // The same fault counts as the naive model on the strings of `make plots-sim`.
    struct Adapter(Naive<64>);
    impl Policy for Adapter {
        fn kind(&self) -> vmcore::replace::PolicyKind {
            vmcore::replace::PolicyKind::Aging
        }
        fn insert(&mut self, p: PageId) -> Result<(), vmcore::replace::ReplaceError> {
            self.0.insert(p.0 as usize);
            Ok(())
        }
        fn remove(&mut self, p: PageId) -> Result<(), vmcore::replace::ReplaceError> {
            self.0.remove(p.0 as usize);
            Ok(())
        }
        fn touch(&mut self, p: PageId) {
            self.0.touch(p.0 as usize)
        }
        fn tick(&mut self, accessed: &mut dyn FnMut(PageId) -> bool) {
            self.0.tick(&mut |q| accessed(PageId(q as u32)))
        }
        fn select_victim_where(
            &mut self,
            accessed: &mut dyn FnMut(PageId) -> bool,
            eligible: &mut dyn FnMut(PageId) -> bool,
        ) -> Option<PageId> {
            self.0
                .select(&mut |q| accessed(PageId(q as u32)), &mut |q| eligible(PageId(q as u32)))
                .map(|q| PageId(q as u32))
        }
        fn len(&self) -> usize {
            self.0.tracked.iter().filter(|&&x| x).count()
        }
        fn contains(&self, p: PageId) -> bool {
            self.0.tracked[p.0 as usize]
        }
        fn capacity(&self) -> usize {
            64
        }
        fn for_each(&self, f: &mut dyn FnMut(PageId)) {
            (0..64).filter(|&q| self.0.tracked[q]).for_each(|q| f(PageId(q as u32)))
        }
        fn clear(&mut self) {
            self.0.tracked.fill(false)
        }
    }
    let strings: Vec<Vec<u32>> = vec![
        sim::refs::looping(48, 5000).collect(),
        sim::refs::uniform(48, 5000, 1).collect(),
        sim::refs::hot_cold(48, 5000, 80, 20, 1).collect(),
    ];
    for s in &strings {
        for frames in [4, 8, 16, 32, 47, 48] {
            for tick in [1, 16] {
                let naive = sim::run(&mut Adapter(Naive::new()), frames, s, tick).unwrap();
                let batched = sim::run(&mut Aging::<64>::new(), frames, s, tick).unwrap();
                assert_eq!(batched, naive, "{frames} frames, tick {tick}");
            }
        }
    }
}

/// Callback counts of one workload.
#[derive(Debug, Default)]
struct Cost {
    victims: u64,
    /// Callbacks made by `select_victim_where`.
    accessed: u64,
    eligible: u64,
    ticks: u64,
    /// `accessed` callbacks made by `tick`.
    tick_accessed: u64,
}

impl Cost {
    fn per_victim(&self) -> f64 {
        (self.accessed + self.eligible) as f64 / self.victims as f64
    }
}

/// 30,000 of 32,768 frames tracked, `rounds` reclaim rounds of `burst` evictions each,
/// every round followed by `burst` faults that insert a page into the freed frames, and a
/// tick (after accesses to a 10% hot set) every 256 victims (burst 1: evict on every fault, as in the simulator; burst
/// 64: the kernel's reclaim down to a watermark).
fn workload(naive: bool, rounds: usize, burst: usize) -> Cost {
    const N: usize = 32768;
    const TRACKED: usize = 30_000;
    let mut t = Twin::<N>::new();
    let mut r = Rng::new(7);
    for p in 0..TRACKED {
        t.naive.insert(p);
        t.batched.insert(PageId(p as u32)).unwrap();
    }
    let mut cost = Cost::default();
    for round in 0..rounds {
        if (round * burst).is_multiple_of(256) {
            for _ in 0..TRACKED / 10 {
                let p = r.below(TRACKED as u64 / 10) as usize;
                t.access(p);
            }
            let Twin { naive: n, batched, a_naive, a_batched } = &mut t;
            let ta = &mut cost.tick_accessed;
            if naive {
                n.tick(&mut |q| {
                    *ta += 1;
                    std::mem::take(&mut a_naive[q])
                });
            } else {
                batched.tick(&mut |q| {
                    *ta += 1;
                    std::mem::take(&mut a_batched[q.0 as usize])
                });
            }
            cost.ticks += 1;
        }
        let mut freed = Vec::new();
        for _ in 0..burst {
            let Twin { naive: n, batched, a_naive, a_batched } = &mut t;
            let (acc, eli) = (&mut cost.accessed, &mut cost.eligible);
            let v = if naive {
                n.select(
                    &mut |q| {
                        *acc += 1;
                        std::mem::take(&mut a_naive[q])
                    },
                    &mut |_| {
                        *eli += 1;
                        true
                    },
                )
            } else {
                batched
                    .select_victim_where(
                        &mut |q| {
                            *acc += 1;
                            std::mem::take(&mut a_batched[q.0 as usize])
                        },
                        &mut |_| {
                            *eli += 1;
                            true
                        },
                    )
                    .map(|q| q.0 as usize)
            };
            freed.push(v.expect("a victim"));
            cost.victims += 1;
        }
        for p in freed {
            if naive {
                t.naive.insert(p);
            } else {
                t.batched.insert(PageId(p as u32)).unwrap();
            }
            t.access(p);
        }
    }
    cost
}

#[test]
fn batched_aging_callbacks_per_victim_with_30000_pages() {
    let report = |name: &str, c: &Cost| {
        println!(
            "{name}: {:.1} callbacks per victim ({} accessed + {} eligible for {} victims); \
             tick: {} accessed per tick",
            c.per_victim(),
            c.accessed,
            c.eligible,
            c.victims,
            c.tick_accessed / c.ticks.max(1),
        );
    };
    let before = workload(true, 256, 1);
    report("30,000 tracked pages, full scan", &before);
    assert!(before.per_victim() >= 60_000.0);
    assert_eq!(before.tick_accessed / before.ticks, 30_000);
    for burst in [1, 64] {
        let after = workload(false, 6400 / burst, burst);
        report(&format!("30,000 tracked pages, batched (K = {AGING_BATCH}), {burst} evictions between faults"), &after);
        // At most one pass over the 30,000 pages per AGING_BATCH victims, plus the re-checks.
        assert!(after.per_victim() < 2.0 * 30_000.0 / AGING_BATCH as f64 + 10.0, "{after:?}");
        assert_eq!(after.tick_accessed / after.ticks, 30_000);
    }
}
