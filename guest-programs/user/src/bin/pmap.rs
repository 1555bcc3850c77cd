//! pmap: prints a process's VMAs and which of their pages are resident
//! (`pmap [PID]`, default: pmap itself). Page map: `.` not resident, `z` the shared zero
//! frame, `s` shared (copy-on-write or MAP_SHARED), `w` private writable, `r` private
//! read-only.
#![no_std]
#![no_main]
use abi::VmaInfo;
use ulib::*;

const MAX_PAGES: usize = 64;

/// The page states of the first `MAX_PAGES` pages of `v` (taken before printing, since
/// printing itself faults pages of pmap in).
fn states(pid: i32, v: &VmaInfo) -> [u8; MAX_PAGES] {
    let pages = (((v.end - v.start) / 4096) as usize).min(MAX_PAGES);
    let mut st = [0u8; MAX_PAGES];
    mincore(pid, v.start as usize, &mut st[..pages]);
    st
}

/// Prints one VMA's table row and its page map (at most `MAX_PAGES` pages shown).
fn show(v: &VmaInfo, states: &[u8; MAX_PAGES]) {
    let kind = ["elf", "heap", "stack", "anon", "file"].get(v.kind as usize).copied().unwrap_or("?");
    let p = |bit: u32, c: char| if v.prot & bit != 0 { c } else { '-' };
    let share = if v.flags & abi::mman::MAP_SHARED as u32 != 0 { 's' } else { 'p' };
    let pages = ((v.end - v.start) / 4096) as usize;
    println!(
        "{:010x}-{:010x} {}{}{}{} {:<5} {:>7}K rss {:>5} shared {:>5}{}",
        v.start,
        v.end,
        p(1, 'r'),
        p(2, 'w'),
        p(4, 'x'),
        share,
        kind,
        (v.end - v.start) / 1024,
        v.resident,
        v.shared,
        if v.inum != 0 { alloc::format!(" inode {} +{:#x}", v.inum, v.offset) } else { alloc::string::String::new() }
    );
    let n = pages.min(MAX_PAGES);
    let mut line = alloc::string::String::from("    ");
    for &b in &states[..n] {
        line.push(if b & VmaInfo::PAGE_RESIDENT == 0 {
            '.'
        } else if b & VmaInfo::PAGE_ZERO != 0 {
            'z'
        } else if b & VmaInfo::PAGE_SHARED != 0 {
            's'
        } else if b & VmaInfo::PAGE_WRITABLE != 0 {
            'w'
        } else {
            'r'
        });
    }
    if pages > n {
        line.push_str(&alloc::format!(" ... ({} more pages)", pages - n));
    }
    println!("{line}");
}

extern crate alloc;

fn main(args: &[&str]) -> i32 {
    let pid = args.get(1).and_then(|a| a.parse::<i32>().ok()).unwrap_or(0);
    let mut v = [VmaInfo::default(); 64];
    let n = vmmap(pid, &mut v);
    if n < 0 {
        eprintln!("pmap: {}", strerror(n));
        return 1;
    }
    let v = &v[..(n as usize).min(v.len())];
    let mut maps = alloc::vec::Vec::new();
    for r in v {
        maps.push(states(pid, r));
    }
    println!("START      END        PERM KIND      SIZE");
    for (r, m) in v.iter().zip(&maps) {
        show(r, m);
    }
    0
}
entry!(main);
