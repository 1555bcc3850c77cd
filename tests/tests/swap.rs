//! Swap in the guest OS (docs/swap.md): boots the kernel on rvsim with 32 MiB of RAM, a
//! file system on virtio disk 0 and a 64 MiB swap disk on virtio disk 1, and runs
//! `swaptest` (1.5 times the free memory, written, forked, rewritten and checked page by
//! page) then `memhog` (more than RAM + swap). Asserts zero mismatches, non-zero
//! swap-outs and swap-ins, that the OOM killer ended memhog with its message and that the
//! shell went on (vmstat and a last echo ran). Also: without a second disk the kernel
//! says there is no swap, and `vm.policy=fifo` is honoured and reported.
//!
//! Needs `make os` (kernel, user programs, target/release/mkfs).
mod common;

use common::os::{boot, images, num_after};
use rvsim::machine::Outcome;

#[test]
fn swaptest_has_no_mismatches_and_memhog_is_oom_killed() {
    let im = images("run", &["swaptest", "memhog", "vmstat", "echo"], "swaptest\nmemhog\nvmstat\necho after-oom\n", 64);
    let t = std::time::Instant::now();
    let (out, c) = boot(32 << 20, &[&im.fs, &im.swap], None);
    println!("run time {:?}", t.elapsed());
    assert_eq!(out, Outcome::Exit(0), "{c}");
    assert!(c.contains("swap: 16384 slots (65536 KiB) on virtio disk 1"), "{c}");
    assert!(c.contains("vm: replacement policy clock"), "{c}");
    // Every pass checked every page.
    let passes: Vec<&str> = c.lines().filter(|l| l.starts_with("swaptest: ") && l.contains(" checked ")).collect();
    assert_eq!(passes.len(), 5, "{c}");
    for p in &passes {
        assert!(p.ends_with(": 0 mismatches"), "{p}");
    }
    assert!(c.contains("swaptest: 0 mismatches"), "{c}");
    // The test really swapped: it used more memory than there was.
    let head =
        c.lines().find(|l| l.starts_with("swaptest: ") && l.contains(" free frames and ")).expect("swaptest header");
    let pages = num_after(head, "swaptest: ", "swaptest:");
    let free = num_after(head, "swaptest: ", "with");
    assert!(pages > free, "swaptest used {pages} pages with {free} free");
    let outs = num_after(&c, "swaptest: end", "swap-outs");
    let ins = num_after(&c, "swaptest: end", "swap-ins");
    assert!(outs > pages && ins > free, "swap-outs {outs}, swap-ins {ins}");
    // memhog was the OOM victim, with the kernel's message, and the shell went on.
    assert!(c.contains("oom: out of memory"), "{c}");
    let line = c.lines().find(|l| l.starts_with("oom: ")).expect("oom line");
    let victim = num_after(line, "oom: ", "killing pid");
    let hog = num_after(&c, "memhog: pid", "memhog: pid");
    assert_eq!(victim, hog, "{line}");
    assert!(!c.contains("touched all"), "{c}");
    assert!(c.contains("after-oom"), "{c}");
    assert!(num_after(&c, "swap: ", "oom-kills") >= 1, "{c}");
    // The slots of swaptest and memhog (about 20,000) come back when they are gone
    // (vmstat's line). A few may still hold pages of init and the shell: they slept in
    // wait4 while the others ran, and sleeping processes' pages are evictable.
    let used = num_after(&c, "swap: ", "swap:");
    assert!(used < 64, "slots still used after exit: {used}: {c}");
}

#[test]
fn no_second_disk_means_no_swap_and_policy_is_selectable() {
    let im = images("nos", &["vmstat"], "vmstat\n", 64);
    let (out, c) = boot(64 << 20, &[&im.fs], Some("vm.policy=fifo"));
    assert_eq!(out, Outcome::Exit(0), "{c}");
    assert!(c.contains("swap: no swap device (no virtio disk 1)"), "{c}");
    assert!(c.contains("vm: replacement policy fifo"), "{c}");
    assert!(c.contains("swap: 0 of 0 slots used"), "{c}");
    assert!(c.contains("policy fifo"), "{c}");
}

/// The swap usertests (`guest-programs/user/src/usertests_swap.rs`) on 32 MiB of RAM with
/// a 48 MiB swap disk (enough for the fork tests' two copies of more than RAM, small
/// enough for the swap-full test to fill it quickly): round trip,
/// fork, exit, COW-shared pages swapped out of both processes, a MAP_SHARED region
/// evicted and faulted back by parent and child, swap full (OOM kill, all slots back),
/// a MAP_SHARED file mapping written back to its file under pressure and read back.
/// Then vmstat: the swap cache dropped clean pages, and nothing is left in swap.
#[test]
fn swap_usertests_pass_with_a_small_swap_disk() {
    let tests = "swap_roundtrip swap_fork swap_exit_frees swap_cow_shared swap_shared_anon swap_full swap_file_shared";
    // `free` before (twice: the first warms up the shell, see os.rs) and after.
    let script = format!("free\nfree\nusertests {tests}\nfree\nvmstat\n");
    let im = images("ut", &["usertests", "vmstat", "free"], &script, 48);
    let t = std::time::Instant::now();
    let (out, c) = boot(32 << 20, &[&im.fs, &im.swap], None);
    println!("run time {:?}", t.elapsed());
    assert_eq!(out, Outcome::Exit(0), "{c}");
    assert!(c.contains("swap: 12288 slots (49152 KiB) on virtio disk 1"), "{c}");
    for name in tests.split(' ') {
        assert!(c.contains(&format!("test {name}: OK")), "{name} did not pass: {c}");
    }
    assert!(c.contains("ALL TESTS PASSED"), "{c}");
    assert!(c.contains("oom: out of memory"), "{c}");
    assert!(num_after(&c, "swap cache:", "clean drops") > 0, "{c}");
    assert!(num_after(&c, "swap cache:", "written back") > 0, "{c}");
    // As in the test above, a few slots may hold pages of init and the shell, which
    // slept while the tests ran.
    let used = num_after(&c, "swap: ", "swap:");
    assert!(used < 64, "slots still used after exit: {used}: {c}");
    let cached = num_after(&c, "swap cache:", "swap cache:");
    assert!(cached < 64, "frames still in the swap cache: {cached}: {c}");
    // Every frame came back ("total N KiB, free M KiB, ..."), give or take the pages of
    // init and the shell that went to swap meanwhile.
    let frees: Vec<u64> =
        c.lines().filter(|l| l.starts_with("total ")).map(|l| num_after(l, "total ", "free")).collect();
    assert_eq!(frees.len(), 3, "{c}");
    assert!(frees[2] >= frees[1], "free RAM before and after the swap usertests: {frees:?}: {c}");
    assert!(frees[2] - frees[1] < 64 * 4, "free RAM before and after the swap usertests: {frees:?}: {c}");
}
