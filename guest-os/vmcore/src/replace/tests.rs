//! Unit tests of the policies and of their single dispatch ([`super::PolicySet`]).

use super::*;

/// A fake A-bit array: test-and-clear.
fn abits(bits: &mut [bool]) -> impl FnMut(PageId) -> bool + '_ {
    move |p| core::mem::take(&mut bits[p.0 as usize])
}

#[test]
fn fifo_evicts_in_load_order() {
    let mut f = Fifo::<8>::new();
    for i in [3, 1, 4, 5] {
        f.insert(PageId(i)).unwrap();
    }
    f.remove(PageId(1)).unwrap();
    let mut a = [true; 8]; // FIFO ignores A
    let mut acc = abits(&mut a);
    assert_eq!(f.select_victim(&mut acc), Some(PageId(3)));
    assert_eq!(f.select_victim(&mut acc), Some(PageId(4)));
    assert_eq!(f.select_victim(&mut acc), Some(PageId(5)));
    assert_eq!(f.select_victim(&mut acc), None);
    assert!(f.is_empty());
}

#[test]
fn bookkeeping_errors_for_every_policy() {
    for kind in PolicyKind::ALL {
        let mut p = PolicySet::<4>::new(kind, 1);
        assert_eq!(p.kind(), kind);
        assert_eq!(p.insert(PageId(4)), Err(ReplaceError::OutOfRange), "{kind:?}");
        p.insert(PageId(2)).unwrap();
        assert_eq!(p.insert(PageId(2)), Err(ReplaceError::AlreadyPresent), "{kind:?}");
        assert_eq!(p.remove(PageId(1)), Err(ReplaceError::NotPresent), "{kind:?}");
        assert_eq!(p.remove(PageId(9)), Err(ReplaceError::OutOfRange), "{kind:?}");
        assert!(p.contains(PageId(2)) && !p.contains(PageId(9)));
        p.touch(PageId(9)); // ignored, no panic
        p.remove(PageId(2)).unwrap();
        assert_eq!(p.select_victim(&mut |_| false), None, "{kind:?}");
    }
}

#[test]
fn every_policy_returns_each_page_exactly_once() {
    for kind in PolicyKind::ALL {
        let mut p = PolicySet::<16>::new(kind, 7);
        for i in 0..16 {
            p.insert(PageId(i)).unwrap();
        }
        let mut a = [true; 16];
        let mut seen = [false; 16];
        for _ in 0..16 {
            let v = p.select_victim(&mut abits(&mut a)).unwrap();
            assert!(!seen[v.0 as usize], "{kind:?} returned {v:?} twice");
            seen[v.0 as usize] = true;
            assert!(!p.contains(v));
        }
        assert!(p.is_empty());
        assert_eq!(p.select_victim(&mut |_| true), None);
    }
}

#[test]
fn clock_gives_second_chance_and_clears_bits() {
    let mut c = Clock::<4>::new();
    for i in 0..4 {
        c.insert(PageId(i)).unwrap();
    }
    let mut a = [true, false, true, false];
    assert_eq!(c.select_victim(&mut abits(&mut a)), Some(PageId(1)));
    assert_eq!(a, [false, false, true, false], "page 0's A bit was cleared on the way");
    assert_eq!(c.hand(), Some(PageId(2)));
    // 2 has A set: cleared and skipped, 3 is the victim.
    assert_eq!(c.select_victim(&mut abits(&mut a)), Some(PageId(3)));
    assert_eq!(a, [false; 4]);
    // touch() is a software reference: 0 is skipped once, 2 (cleared above) goes.
    c.touch(PageId(0));
    assert_eq!(c.select_victim(&mut abits(&mut a)), Some(PageId(2)));
}

#[test]
fn clock_terminates_when_bits_are_always_set() {
    let mut c = Clock::<3>::new();
    c.insert(PageId(1)).unwrap();
    c.insert(PageId(2)).unwrap();
    // Another hart keeps re-setting A: still a victim, the first eligible one seen.
    assert_eq!(c.select_victim(&mut |_| true), Some(PageId(1)));
}

#[test]
fn aging_picks_least_recently_used() {
    let mut g = Aging::<4>::new();
    for i in 0..4 {
        g.insert(PageId(i)).unwrap();
    }
    // Tick 1: pages 0 and 1 used. Tick 2: page 1 used. Tick 3: page 2 used.
    let pattern = [[true, true, false, false], [false, true, false, false], [false, false, true, false]];
    for used in pattern {
        let mut a = used;
        g.tick(&mut abits(&mut a));
    }
    assert_eq!(g.age(PageId(0)), Some(0b0011_0000));
    assert_eq!(g.age(PageId(1)), Some(0b0111_0000));
    assert_eq!(g.age(PageId(2)), Some(0b1001_0000));
    assert_eq!(g.age(PageId(3)), Some(0b0001_0000));
    let mut none = [false; 4];
    let order: Vec<_> = (0..4).map(|_| g.select_victim(&mut abits(&mut none)).unwrap().0).collect();
    assert_eq!(order, [3, 0, 1, 2]);
}

#[test]
fn aging_counts_a_bit_set_since_last_tick() {
    let mut g = Aging::<2>::new();
    g.insert(PageId(0)).unwrap();
    g.insert(PageId(1)).unwrap();
    let mut idle = [false; 2];
    for _ in 0..8 {
        g.tick(&mut abits(&mut idle));
    }
    assert_eq!(g.age(PageId(0)), Some(0));
    // Page 0 was used after the last tick: its A bit is seen at selection.
    let mut a = [true, false];
    assert_eq!(g.select_victim(&mut abits(&mut a)), Some(PageId(1)));
}

/// An aging policy over 64 pages, page i with history `ages[i]` after 8 ticks (no A
/// bits left), batch computed by the last tick.
fn aged(ages: &[u8]) -> Aging<64> {
    let mut g = Aging::<64>::new();
    for i in 0..ages.len() {
        g.insert(PageId(i as u32)).unwrap();
    }
    for t in 0..8 {
        g.tick(&mut |p| ages[p.0 as usize] & (1 << t) != 0);
    }
    for (i, &a) in ages.iter().enumerate() {
        assert_eq!(g.age(PageId(i as u32)), Some(a));
    }
    g
}

#[test]
fn aging_batch_skips_a_candidate_touched_after_it_was_computed() {
    // 40 pages: more than a batch. Pages 0..8 idle (0), the rest warm (0x0f).
    let ages: Vec<u8> = (0..40).map(|i| if i < 8 { 0 } else { 0x0f }).collect();
    let mut g = aged(&ages);
    let mut a = [false; 64];
    a[3] = true; // page 3 was used since the tick
    let mut calls = 0;
    let mut count = |_| {
        calls += 1;
        false
    };
    assert_eq!(g.select_victim(&mut count), Some(PageId(0)));
    assert_eq!(calls, 1, "the tick computed the batch: one re-check");
    g.touch(PageId(1)); // a software reference
    let order: Vec<u32> = (0..6).map(|_| g.select_victim(&mut abits(&mut a)).unwrap().0).collect();
    assert_eq!(order, [2, 4, 5, 6, 7, 8], "1 (touched) and 3 (A set) now come after the warm pages");
    assert_eq!(g.age(PageId(1)), Some(0x80));
    assert_eq!(g.age(PageId(3)), Some(0x80));
}

#[test]
fn aging_batch_candidate_touched_stays_before_hotter_pages() {
    // Page 0 idle, pages 1..40 at 0xc0 (recently used): touching 0 gives it 0x80, still
    // colder than the others.
    let ages: Vec<u8> = (0..40).map(|i| if i == 0 { 0 } else { 0xc0 }).collect();
    let mut g = aged(&ages);
    g.touch(PageId(0));
    assert_eq!(g.select_victim(&mut |_| false), Some(PageId(0)));
}

#[test]
fn aging_batch_forgets_removed_pages_and_admits_colder_new_ones() {
    let ages: Vec<u8> = (0..50).map(|i| 0x40 | i as u8).collect();
    let mut g = aged(&ages);
    g.remove(PageId(0)).unwrap();
    g.remove(PageId(1)).unwrap();
    assert_eq!(g.select_victim(&mut |_| false), Some(PageId(2)));
    // A page inserted now has 0x80: after every tracked page.
    g.insert(PageId(0)).unwrap();
    let order: Vec<u32> = (0..48).map(|_| g.select_victim(&mut |_| false).unwrap().0).collect();
    assert_eq!(order, (3..50).chain([0]).collect::<Vec<_>>());
    // Removing an untracked (just chosen) page is an error, not a stale candidate.
    assert_eq!(g.remove(PageId(2)), Err(ReplaceError::NotPresent));
    assert!(g.is_empty());
}

#[test]
fn aging_batch_admits_a_new_page_colder_than_its_candidates() {
    // Everything hot (0xff) except nothing: a new page (0x80) is the coldest.
    let ages = [0xffu8; 40];
    let mut g = aged(&ages);
    assert_eq!(g.select_victim(&mut |_| false), Some(PageId(0)));
    g.insert(PageId(0)).unwrap();
    assert_eq!(g.select_victim(&mut |_| false), Some(PageId(0)));
    assert_eq!(g.select_victim(&mut |_| false), Some(PageId(1)));
}

#[test]
fn aging_batch_respects_the_filter_and_a_changed_one() {
    let ages: Vec<u8> = (0..40).map(|i| i as u8).collect();
    let mut g = aged(&ages);
    let mut odd = |p: PageId| p.0 % 2 == 1;
    let picks: Vec<u32> = (0..3).map(|_| g.select_victim_where(&mut |_| false, &mut odd).unwrap().0).collect();
    assert_eq!(picks, [1, 3, 5]);
    // Same filter: the batch is reused, the even pages are passed over without a scan.
    let mut calls = 0;
    let mut counting = |p: PageId| {
        calls += 1;
        p.0 % 2 == 1
    };
    assert_eq!(g.select_victim_where(&mut |_| false, &mut counting), Some(PageId(7)));
    assert!(calls < 40, "{calls} eligible calls");
    // A filter that accepts pages the earlier one rejected: after eligibility_changed
    // the coldest page (0) is found.
    g.eligibility_changed();
    assert_eq!(g.select_victim(&mut |_| false), Some(PageId(0)));
    assert_eq!(g.select_victim_where(&mut |_| false, &mut |_| false), None);
    assert_eq!(g.len(), 35);
}

#[test]
fn clock_walks_only_tracked_pages() {
    // Two pages in a huge id space: a victim costs a few callbacks, not a sweep of N.
    let mut c = Clock::<4096>::new();
    c.insert(PageId(4000)).unwrap();
    c.insert(PageId(7)).unwrap();
    let mut a = [true; 4096];
    let mut calls = 0;
    let v = c.select_victim_where(&mut abits(&mut a), &mut |_| {
        calls += 1;
        true
    });
    // Both have A set: one turn clears them, the second finds 4000 (inserted first).
    assert_eq!(v, Some(PageId(4000)));
    assert_eq!(calls, 3);
    assert_eq!(c.hand(), Some(PageId(7)));
}

#[test]
fn for_each_and_drain_move_every_page_between_policies() {
    const M: usize = 1000;
    let mut want: Vec<u32> = (0..M as u32).map(|i| (i * 7919) % 1024).collect();
    let mut from = PolicySet::<1024>::new(PolicyKind::Clock, 1);
    for &i in &want {
        from.insert(PageId(i)).unwrap();
    }
    // Clock enumerates from the hand: the insertion order.
    let mut order = Vec::new();
    from.for_each(&mut |p| order.push(p.0));
    assert_eq!(order, want);
    want.sort_unstable();
    for kind in [PolicyKind::Aging, PolicyKind::Fifo, PolicyKind::Random] {
        let mut to = PolicySet::<1024>::new(kind, 2);
        from.drain(&mut |p| to.insert(p).unwrap());
        assert!(from.is_empty(), "{:?} not empty after drain", from.kind());
        assert_eq!(from.select_victim(&mut |_| false), None);
        let mut got = Vec::new();
        to.for_each(&mut |p| got.push(p.0));
        got.sort_unstable();
        assert_eq!(got, want, "{kind:?}");
        assert_eq!(to.len(), M);
        // The emptied policy can be used again.
        from.insert(PageId(5)).unwrap();
        from.clear();
        assert!(!from.contains(PageId(5)));
        from = to;
    }
    // Every page is still evictable exactly once from the last policy.
    let mut seen = 0;
    while let Some(p) = from.select_victim(&mut |_| false) {
        assert!(want.binary_search(&p.0).is_ok());
        seen += 1;
    }
    assert_eq!(seen, M);
}

#[test]
fn fifo_order_survives_a_move() {
    let mut a = Fifo::<16>::new();
    for i in [9, 2, 14, 0, 5] {
        a.insert(PageId(i)).unwrap();
    }
    let mut b = Fifo::<16>::new();
    a.drain(&mut |p| b.insert(p).unwrap());
    let order: Vec<u32> = (0..5).map(|_| b.select_victim(&mut |_| false).unwrap().0).collect();
    assert_eq!(order, [9, 2, 14, 0, 5]);
}

#[test]
fn random_is_deterministic_per_seed() {
    let run = |seed| {
        let mut r = RandomPolicy::<32>::new(seed);
        for i in 0..32 {
            r.insert(PageId(i)).unwrap();
        }
        (0..32).map(|_| r.select_victim(&mut |_| false).unwrap().0).collect::<Vec<_>>()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
    assert_ne!(run(1), (0..32).collect::<Vec<_>>());
}

#[test]
fn filtered_selection_only_returns_eligible_pages() {
    for kind in PolicyKind::ALL {
        let mut p = PolicySet::<8>::new(kind, 3);
        for i in 0..8 {
            p.insert(PageId(i)).unwrap();
        }
        let mut a = [false; 8];
        let mut odd = |p: PageId| p.0 % 2 == 1;
        for _ in 0..4 {
            let v = p.select_victim_where(&mut abits(&mut a), &mut odd).unwrap();
            assert_eq!(v.0 % 2, 1, "{kind:?}");
        }
        assert_eq!(p.select_victim_where(&mut abits(&mut a), &mut odd), None, "{kind:?}");
        assert_eq!(p.len(), 4);
    }
}

#[test]
fn clock_filter_leaves_other_pages_bits_alone() {
    let mut c = Clock::<4>::new();
    for i in 0..4 {
        c.insert(PageId(i)).unwrap();
    }
    let mut a = [true; 4];
    let v = c.select_victim_where(&mut abits(&mut a), &mut |p| p.0 >= 2);
    assert_eq!(v, Some(PageId(2)));
    assert_eq!(a, [true, true, false, false]);
}

#[test]
fn names_parse() {
    for k in PolicyKind::ALL {
        assert_eq!(PolicyKind::parse(k.name()), Some(k));
    }
    assert_eq!(PolicyKind::parse("LRU"), Some(PolicyKind::Aging));
    assert_eq!(PolicyKind::parse("opt"), None);
    assert_eq!(PolicyKind::from_cmdline("console=ttyS0 vm.policy=fifo quiet"), Some(Ok(PolicyKind::Fifo)));
    assert_eq!(PolicyKind::from_cmdline("vm.policy=clock vm.policy=aging"), Some(Ok(PolicyKind::Aging)));
    assert_eq!(PolicyKind::from_cmdline("vm.policy=mru"), Some(Err("mru")));
    assert_eq!(PolicyKind::from_cmdline("vm.policyx=fifo"), None);
    assert_eq!(PolicyKind::from_cmdline(""), None);
    assert_eq!(cmdline_value("a=1 b=2", "b"), Some("2"));
}

#[test]
fn rng_below_stays_in_range() {
    let mut r = Rng::new(0);
    assert_eq!(r.below(0), 0);
    for n in [1u64, 2, 3, 10, 1000] {
        for _ in 0..200 {
            assert!(r.below(n) < n);
        }
    }
}

/// The set dispatches to the policy in use and a switch moves every tracked page.
#[test]
fn policy_set_switch_moves_every_page() {
    let mut s = PolicySet::<64>::new(PolicyKind::Fifo, 3);
    for i in 0..10 {
        s.insert(PageId(i)).unwrap();
    }
    assert_eq!((s.kind(), s.len()), (PolicyKind::Fifo, 10));
    assert_eq!(s.switch(PolicyKind::Fifo), 0, "same kind: nothing moves");
    assert_eq!(s.switch(PolicyKind::Clock), 10);
    assert_eq!((s.kind(), Policy::kind(&s), s.len()), (PolicyKind::Clock, PolicyKind::Clock, 10));
    assert!((0..10).all(|i| s.contains(PageId(i))));
    // Clock with every A bit clear takes the oldest; the FIFO instance is empty now.
    assert_eq!(s.select_victim(&mut |_| false), Some(PageId(0)));
    assert_eq!(s.switch(PolicyKind::Aging), 9);
    assert_eq!(s.switch(PolicyKind::Random), 9);
    let mut seen = 0;
    s.for_each(&mut |_| seen += 1);
    assert_eq!(seen, 9);
}
