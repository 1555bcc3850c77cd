//! mallocdemo: a tiny malloc built on mmap. Small blocks come from 64 KiB arenas
//! (bump allocation with per-size free lists); big blocks get their own mapping, which
//! free() gives back with munmap. Pages are only resident once touched.
#![no_std]
#![no_main]
use ulib::*;

const ARENA: usize = 64 * 1024;
const BIG: usize = 16 * 1024;
const CLASSES: usize = 8; // 16, 32, ..., 2048 bytes... up to BIG

struct Malloc {
    arena: usize,
    used: usize,
    free: [usize; CLASSES],
    arenas: usize,
}

fn class(n: usize) -> usize {
    let mut c = 0;
    while (16usize << c) < n && c < CLASSES - 1 {
        c += 1;
    }
    c
}

impl Malloc {
    fn malloc(&mut self, n: usize) -> usize {
        if n > BIG {
            let p = mmap_anon(n);
            return if p < 0 { 0 } else { p as usize };
        }
        let c = class(n);
        let size = 16usize << c;
        if self.free[c] != 0 {
            let p = self.free[c];
            // SAFETY: a freed block holds the next free block's address.
            self.free[c] = unsafe { core::ptr::read(p as *const usize) };
            return p;
        }
        if self.arena == 0 || self.used + size > ARENA {
            let p = mmap_anon(ARENA);
            if p < 0 {
                return 0;
            }
            self.arena = p as usize;
            self.used = 0;
            self.arenas += 1;
        }
        let p = self.arena + self.used;
        self.used += size;
        p
    }
    fn free(&mut self, p: usize, n: usize) {
        if n > BIG {
            munmap(p, n);
            return;
        }
        let c = class(n);
        // SAFETY: p is a block of class c we handed out; it becomes a free-list node.
        unsafe { core::ptr::write(p as *mut usize, self.free[c]) };
        self.free[c] = p;
    }
}

fn report(what: &str) {
    let s = vmstat(0).unwrap_or_default();
    let mut v = [abi::VmaInfo::default(); 64];
    let n = vmmap(0, &mut v);
    println!("{what}: {n} VMAs, {} KiB virtual, {} pages resident", s.virt_bytes / 1024, s.resident);
}

fn main(_args: &[&str]) -> i32 {
    println!(
        "mallocdemo: malloc on mmap: small blocks from 64 KiB arenas, big blocks one mapping each, freed with munmap"
    );
    let mut m = Malloc { arena: 0, used: 0, free: [0; CLASSES], arenas: 0 };
    report("start");
    let mut small = [0usize; 200];
    for (i, s) in small.iter_mut().enumerate() {
        *s = m.malloc(24 + i % 100);
        // SAFETY: a fresh block of at least 24 bytes.
        unsafe { core::ptr::write_volatile(*s as *mut u64, i as u64) };
    }
    let big: [usize; 3] = [m.malloc(1 << 20), m.malloc(1 << 20), m.malloc(1 << 20)];
    for &b in &big {
        // SAFETY: a fresh 1 MiB block: touch its first page only.
        unsafe { core::ptr::write_volatile(b as *mut u64, 7) };
    }
    println!("allocated 200 small blocks in {} arena(s) and 3 x 1 MiB blocks (one page of each touched)", m.arenas);
    report("after malloc");
    for &b in &big {
        m.free(b, 1 << 20);
    }
    for (i, &s) in small.iter().enumerate() {
        m.free(s, 24 + i % 100);
    }
    report("after free");
    let again = m.malloc(40);
    println!("malloc(40) after free reuses a freed block: {}", small.contains(&again));
    0
}
entry!(main);
