//! The structured event trace (`rvsim run --events`, docs/events.md): bare-metal paging
//! programs and the guest OS run through the command line with `--events`; every line
//! must be a JSON object with `type`, `insn` and `hart`, and specific events must be
//! there: Sv39 walks whose levels chain PTE to PTE, a TLB fill later evicted, each
//! SFENCE.VMA kind, page faults with their cause and tval, the kernel's COW breaks after
//! a fork and a write. Filters and windows, `--events-from`, `events-summary`, and that
//! tracing changes neither the instruction count nor `--stats`.

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `TEST_VA` of the isa-tests' MMU library (guest-programs/isa-tests/src/bin/mmu_lib).
const TEST_VA: u64 = 0x20_0000_0000;

/// The `rvsim` binary: `$RVSIM_BIN`, else the one `make test` builds.
fn rvsim() -> PathBuf {
    if let Some(p) = std::env::var_os("RVSIM_BIN") {
        return PathBuf::from(p);
    }
    let p = common::root().join("target/release/rvsim");
    assert!(p.exists(), "{} is missing: run `make emulator`", p.display());
    p
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rvsim-events-{}-{name}", std::process::id()))
}

/// Runs `rvsim run ARGS` and returns its output (the exit status is the caller's to check).
fn run(args: &[&str]) -> Output {
    Command::new(rvsim()).arg("run").args(args).output().expect("run rvsim")
}

/// Parses a trace: every line a JSON object with a string `type` and numbers `insn` and
/// `hart`.
fn parse(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("read trace");
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}: {l}", i + 1));
            assert!(v["type"].is_string(), "line {}: no type: {l}", i + 1);
            assert!(v["insn"].is_u64() && v["hart"].is_u64(), "line {}: no insn/hart: {l}", i + 1);
            v
        })
        .collect()
}

/// Runs `elf` with `--events` and `extra` options; returns the events.
fn trace(tag: &str, elf: &Path, extra: &[&str]) -> Vec<Value> {
    let out = tmp(&format!("{tag}.jsonl"));
    let o = run(&[&["--events", out.to_str().unwrap()], extra, &[elf.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{tag}: {:?}\n{}", o.status, String::from_utf8_lossy(&o.stderr));
    let evs = parse(&out);
    let _ = std::fs::remove_file(&out);
    assert!(!evs.is_empty(), "{tag}: no events");
    evs
}

/// The `--stats` lines of a run, with the wall time and MIPS cut off the first one.
fn stats_text(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> =
        err.lines().map(|l| l.find(" in ").filter(|_| l.ends_with("MIPS")).map_or(l, |i| &l[..i])).collect();
    lines.join("\n")
}

/// A `"0x..."` field.
fn hex(v: &Value, key: &str) -> u64 {
    let s = v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"));
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|_| panic!("bad {key} in {v}"))
}

fn of<'a>(evs: &'a [Value], ty: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    evs.iter().filter(move |e| e["type"] == ty)
}

/// Sv39 (Privileged 4.4): each walk of a 4 KiB page reads levels 2, 1, 0, each PTE at
/// the table the previous one points to, indexed by the VPN field of its level; the
/// first at the root `satp` named.
#[test]
fn sv39_walks_chain_levels_from_the_root() {
    let evs = trace("walks", &common::guest("mmu_faults"), &[]);
    let mut root = None;
    let mut three = 0;
    for e in &evs {
        if e["type"] == "satp" {
            root = (e["mode"] == "sv39").then(|| hex(e, "root"));
            continue;
        }
        if e["type"] != "walk" {
            continue;
        }
        let root = root.expect("a walk with Sv39 on");
        let va = hex(e, "va");
        let levels = e["levels"].as_array().expect("levels");
        let vpn = |level: u64| (va >> (12 + 9 * level)) & 0x1ff;
        let mut table = root;
        for (i, l) in levels.iter().enumerate() {
            let level = l["level"].as_u64().unwrap();
            assert_eq!(level, 2 - i as u64, "{e}");
            assert_eq!(hex(l, "pte_addr"), table + vpn(level) * 8, "level {level} of {e}");
            table = (hex(l, "pte") >> 10 & ((1 << 44) - 1)) << 12;
            let want = if i + 1 < levels.len() {
                "pointer"
            } else if e["result"] == "ok" {
                "leaf"
            } else {
                "fault"
            };
            assert_eq!(l["result"], want, "{e}");
        }
        if levels.len() == 3 && e["result"] == "ok" {
            three += 1;
            // The leaf's PPN and the page offset make the physical address.
            assert_eq!(hex(e, "pa"), table | (va & 0xfff), "{e}");
        }
    }
    assert!(three > 0, "no 3-level Sv39 walk");
    // The code runs from the identity-mapped gigapage: one PTE, a leaf at level 2.
    let giga = of(&evs, "walk").find(|e| e["access"] == "fetch" && e["levels"].as_array().unwrap().len() == 1);
    let giga = giga.expect("a gigapage fetch walk");
    assert_eq!((giga["levels"][0]["level"].as_u64(), hex(giga, "pa")), (Some(2), hex(giga, "va")), "{giga}");
    // "load from V=0" (mmu_faults): the level-0 PTE of page 2 is invalid; the walk
    // faults there and the trap reports the address.
    let va = TEST_VA + 0x2008;
    let i = evs
        .iter()
        .position(|e| e["type"] == "walk" && hex(e, "va") == va && e["access"] == "load")
        .expect("the V=0 walk");
    let w = &evs[i];
    assert_eq!((w["result"].as_str(), w["fault"].as_str()), (Some("fault"), Some("invalid")), "{w}");
    assert_eq!(w["levels"].as_array().unwrap().len(), 3, "{w}");
    let t = &evs[i + 1];
    assert_eq!((t["type"].as_str(), t["cause"].as_u64(), hex(t, "tval")), (Some("trap"), Some(13), va), "{t}");
    assert_eq!((t["from"].as_str(), t["to"].as_str(), t["insn"].as_u64()), (Some("S"), Some("M"), w["insn"].as_u64()));
    assert_eq!(t["name"], "load_page_fault");
    assert!(t["sym"].as_str().is_some_and(|s| s.starts_with("mmu_probe_load")), "{t}");
}

/// A store to a read-only page that is in the dTLB faults on the TLB's cached
/// permissions (no walk): a `tlb_fault` then the trap, cause 15 with tval = the address.
#[test]
fn tlb_permission_fault_then_store_page_fault() {
    let evs = trace("tlbfault", &common::guest("mmu_faults"), &["--events-filter", "tlb,trap"]);
    let va = TEST_VA + 0x1010;
    let i = evs.iter().position(|e| e["type"] == "tlb_fault" && hex(e, "va") == va).expect("tlb_fault");
    assert_eq!((evs[i]["fault"].as_str(), evs[i]["access"].as_str()), (Some("not_writable"), Some("store")));
    let t = &evs[i + 1];
    assert_eq!((t["type"].as_str(), t["cause"].as_u64(), hex(t, "tval")), (Some("trap"), Some(15), va), "{t}");
    assert!(of(&evs, "walk").next().is_none(), "walks are filtered out");
    // Every trap goes with a return (the test's M-mode handler mrets back).
    assert!(of(&evs, "return").count() >= of(&evs, "trap").count() - 1);
}

/// mmu_stale_tlb: every SFENCE.VMA kind appears, with its operands; a TLB entry filled
/// is later evicted (same TLB, page and ASID); a fence by ASID drops only that ASID.
#[test]
fn fills_evictions_and_sfence_kinds() {
    let evs = trace("stale", &common::guest("mmu_stale_tlb"), &[]);
    let kinds: BTreeSet<&str> = of(&evs, "sfence").map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["all", "asid", "va", "va_asid"].into_iter().collect());
    // `sfence_asid(4)` then `sfence_asid(3)` (mmu_stale_tlb.rs).
    let asids: Vec<u64> =
        of(&evs, "sfence").filter(|e| e["kind"] == "asid").map(|e| e["asid"].as_u64().unwrap()).collect();
    assert!(asids.windows(2).any(|w| w == [4, 3]), "{asids:?}");
    for f in of(&evs, "sfence") {
        let n = |t: &str| of(&evs, "tlb_flush").filter(|x| x["insn"] == f["insn"] && x["tlb"] == t).count();
        assert_eq!((n("itlb"), n("dtlb")), (1, 1), "one tlb_flush per TLB for {f}");
    }
    let mut filled = BTreeMap::new();
    let mut fill_then_evict = 0;
    for e in evs.iter().filter(|e| e["type"] == "tlb_fill" || e["type"] == "tlb_evict") {
        let key = (e["tlb"].as_str().unwrap().to_string(), hex(e, "va"), e["asid"].as_u64().unwrap());
        assert_eq!(hex(e, "vpn"), hex(e, "va") >> 12, "{e}");
        assert!([4096, 2 << 20, 1 << 30].contains(&e["page_size"].as_u64().unwrap()), "{e}");
        if e["type"] == "tlb_fill" {
            filled.insert(key, e["insn"].as_u64().unwrap());
        } else {
            let at = filled.remove(&key).unwrap_or_else(|| panic!("evicted but never filled: {e}"));
            assert!(at <= e["insn"].as_u64().unwrap());
            fill_then_evict += 1;
        }
    }
    assert!(fill_then_evict > 0, "no eviction");
}

/// The windows and filters: kinds, instruction range, privilege, address range and
/// `--events-from SYMBOL` each keep exactly the events of the full trace they select.
#[test]
fn filters_and_windows_select_from_the_full_trace() {
    let elf = common::guest("mmu_faults");
    let all = trace("all", &elf, &[]);
    let check = |tag: &str, extra: &[&str], keep: &dyn Fn(&Value) -> bool| {
        let got = trace(tag, &elf, extra);
        let want: Vec<&Value> = all.iter().filter(|e| keep(e)).collect();
        assert!(want.len() < all.len(), "{tag}: the filter keeps everything, it tests nothing");
        assert_eq!(got.iter().collect::<Vec<_>>(), want, "{tag}");
    };
    check("kinds", &["--events-filter", "walk,satp"], &|e| e["type"] == "walk" || e["type"] == "satp");
    let (a, b) = (all[all.len() / 3]["insn"].as_u64().unwrap(), all[all.len() / 2]["insn"].as_u64().unwrap());
    let range = format!("{a}..{b}");
    check("insns", &["--events-insns", &range], &|e| (a..b).contains(&e["insn"].as_u64().unwrap()));
    check("priv", &["--events-priv", "S"], &|e| e["prv"] == "S");
    let lo = TEST_VA + 0x1000;
    let hi = TEST_VA + 0x3000;
    let addr = format!("{lo:#x}..{hi:#x}");
    let in_range = |e: &Value| -> bool {
        let a = |k| hex(e, k);
        let page = |k| a(k) < hi && lo < a(k) + e["page_size"].as_u64().unwrap();
        match e["type"].as_str().unwrap() {
            "walk" | "tlb_fault" | "kernel" => (lo..hi).contains(&a("va")),
            "tlb_fill" | "tlb_evict" => page("va"),
            "sfence" | "tlb_flush" => e.get("va").is_none() || (lo..hi).contains(&a("va")),
            "trap" => {
                let c = e["cause"].as_u64().unwrap();
                (lo..hi).contains(&if matches!(c, 0..=7 | 12 | 13 | 15) { a("tval") } else { a("epc") })
            }
            "interrupt" | "return" => (lo..hi).contains(&a("epc")),
            _ => true,
        }
    };
    check("addr", &["--events-addr", &addr], &in_range);
    // --events-from: from the first instruction at the symbol (the first return to it).
    let start = all
        .iter()
        .find(|e| e["type"] == "return" && e["sym"] == "mmu_probe_store")
        .map(|e| e["insn"].as_u64().unwrap())
        .expect("a return to mmu_probe_store");
    check("from", &["--events-from", "mmu_probe_store"], &|e| e["insn"].as_u64().unwrap() > start);
}

/// `--stats` and the instruction count are the same with and without `--events`.
#[test]
fn tracing_changes_no_statistics() {
    let elf = common::guest("mmu_stale_tlb");
    let out = tmp("stats.jsonl");
    let plain = stats_text(&run(&["--stats", elf.to_str().unwrap()]));
    let traced = stats_text(&run(&["--stats", "--events", out.to_str().unwrap(), elf.to_str().unwrap()]));
    let _ = std::fs::remove_file(&out);
    assert!(plain.contains("walks:") && plain.lines().next().is_some_and(|l| l.ends_with("instructions")), "{plain}");
    assert_eq!(plain, traced);
}

/// `rvsim events-summary`: per-page counts equal the events of each page; a line that is
/// not JSON is exit status 2 with the line number.
#[test]
fn summary_counts_per_page() {
    let elf = common::guest("mmu_stale_tlb");
    let path = tmp("summary.jsonl");
    let o = run(&["--events", path.to_str().unwrap(), elf.to_str().unwrap()]);
    assert!(o.status.success());
    let evs = parse(&path);
    let o = Command::new(rvsim()).args(["events-summary", path.to_str().unwrap()]).output().expect("summary");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut want: BTreeMap<u64, [u64; 2]> = BTreeMap::new();
    for e in &evs {
        match e["type"].as_str().unwrap() {
            "walk" => want.entry(hex(e, "va") >> 12 << 12).or_default()[0] += 1,
            "trap" if matches!(e["cause"].as_u64(), Some(12 | 13 | 15)) => {
                want.entry(hex(e, "tval") >> 12 << 12).or_default()[1] += 1
            }
            _ => {}
        }
    }
    let mut got: BTreeMap<u64, [u64; 2]> = BTreeMap::new();
    for l in table.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(f.len(), 7, "{l}");
        let n = |i: usize| f[i].parse::<u64>().unwrap();
        let page = u64::from_str_radix(f[0].trim_start_matches("0x"), 16).unwrap();
        if n(1) + n(5) > 0 {
            got.insert(page, [n(1), n(5)]);
        }
    }
    assert!(!want.is_empty());
    assert_eq!(got, want, "walks and page faults per page");
    assert!(table.starts_with(&format!("# rvsim events-summary: {} events", evs.len())), "{table}");

    std::fs::write(&path, "{\"type\":\"walk\",\"insn\":1,\"hart\":0,\"va\":\"0x1000\"}\nnot json\n").unwrap();
    let o = Command::new(rvsim()).args(["events-summary", path.to_str().unwrap()]).output().expect("summary");
    let _ = std::fs::remove_file(&path);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 2: not JSON"), "{o:?}");
    let o = Command::new(rvsim()).args(["events-summary", "/dev/zero"]).output().expect("summary");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a regular file"), "{o:?}");
}

/// Bad options and an unwritable path: one clear line, exit status 2, no run.
#[test]
fn bad_event_options_exit_2() {
    let elf = common::guest("mmu_faults");
    let elf = elf.to_str().unwrap();
    for (args, msg) in [
        (vec!["--events", "/nonexistent/dir/ev.jsonl", elf], "cannot create event trace"),
        (vec!["--events", "/dev/null", "--events-filter", "walks", elf], "unknown event kind 'walks'"),
        (vec!["--events", "/dev/null", "--events-insns", "9..3", elf], "ends before it starts"),
        (vec!["--events", "/dev/null", "--events-priv", "H", elf], "unknown privilege"),
        (vec!["--events", "/dev/null", "--events-from", "no_such_symbol", elf], "no symbol 'no_such_symbol'"),
        (vec!["--events-filter", "walk", elf], "--events"),
    ] {
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(msg), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// The guest OS with `cowdemo` (fork, then the child writes 8 shared pages, then the
/// parent writes them again alone): the kernel reports a `cow_break` for each page the
/// child wrote, right after the U-mode store page fault on it, and a `cow_reuse` for the
/// same pages when the parent writes them; virtio reads and the kernel's `satp` writes
/// are there; and the statistics are those of an untraced run.
#[test]
fn guest_os_cow_breaks_after_fork_and_write() {
    let img = common::os::images("events-cow", &["cowdemo"], "cowdemo\n", 1);
    let kernel = common::os::built("target/riscv64gc-unknown-none-elf/release/kernel");
    let path = tmp("os.jsonl");
    let base = ["-m", "128M", "--stats", "--drive", img.fs.to_str().unwrap()];
    let o = run(&[&base[..], &["--events", path.to_str().unwrap(), kernel.to_str().unwrap()]].concat());
    let console = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{console}\n{}", String::from_utf8_lossy(&o.stderr));
    assert!(console.contains("child: wrote 8 pages -> 8 copies"), "{console}");
    let evs = parse(&path);
    let _ = std::fs::remove_file(&path);

    let mut last_fault = None;
    let mut broken: BTreeMap<u64, u64> = BTreeMap::new();
    let mut reused = BTreeSet::new();
    for e in &evs {
        if e["type"] == "trap" && e["cause"] == 15 && e["from"] == "U" {
            last_fault = Some(hex(e, "tval") & !0xfff);
        }
        if e["type"] == "kernel" {
            assert_eq!((e["event"].as_str(), e["prv"].as_str()), (Some("page_fault"), Some("S")), "{e}");
            let va = hex(e, "va");
            match e["outcome"].as_str().unwrap() {
                "cow_break" => {
                    assert_eq!(Some(va), last_fault, "a cow_break follows the store fault on its page: {e}");
                    *broken.entry(va).or_default() += 1;
                }
                "cow_reuse" if broken.contains_key(&va) => {
                    assert_eq!(Some(va), last_fault, "{e}");
                    reused.insert(va);
                }
                "demand_zero" | "file_page" | "cow_reuse" | "minor" | "swap_in" => {}
                o => panic!("unexpected outcome {o} in {e}"),
            }
        }
    }
    // cowdemo's 8 pages are consecutive: broken by the child, then reused by the parent.
    let pages: Vec<u64> = reused.into_iter().collect();
    let run8 = pages.windows(8).any(|w| w.windows(2).all(|p| p[1] == p[0] + 4096));
    assert!(run8, "no 8 consecutive pages broken then reused: {pages:#x?}");
    assert!(of(&evs, "virtio").any(|e| e["op"] == "read" && e["status"] == 0 && e["len"].as_u64() > Some(0)));
    assert!(of(&evs, "satp").any(|e| e["mode"] == "sv39" && e["prv"] == "S"));
    assert!(of(&evs, "interrupt").next().is_some(), "timer interrupts");
    assert!(of(&evs, "return").any(|e| e["op"] == "sret" && e["to"] == "U"));

    let plain = run(&[&base[..], &[kernel.to_str().unwrap()]].concat());
    assert_eq!(stats_text(&plain), stats_text(&o), "--stats with and without --events");
}
