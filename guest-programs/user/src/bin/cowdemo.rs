//! cowdemo: copy-on-write after fork. The parent fills 64 pages; after fork they are
//! shared read-only; the child writes 8 of them and the kernel copies exactly those 8.
#![no_std]
#![no_main]
use abi::VmaInfo;
use ulib::*;

const PAGES: usize = 64;
const WRITES: usize = 8;

fn shared_pages(p: usize) -> usize {
    let mut m = [0u8; PAGES];
    mincore(0, p, &mut m);
    m.iter().filter(|&&b| b & VmaInfo::PAGE_SHARED != 0).count()
}

fn main(_args: &[&str]) -> i32 {
    println!("cowdemo: after fork parent and child share every page read-only; a write copies only the page written");
    let p = mmap_anon(PAGES * 4096);
    if p < 0 {
        eprintln!("cowdemo: mmap: {}", strerror(p));
        return 1;
    }
    let p = p as usize;
    for i in 0..PAGES {
        // SAFETY: inside our 64-page read/write mapping.
        unsafe { core::ptr::write_volatile((p + i * 4096) as *mut u64, i as u64) };
    }
    let before = vmstat(0).unwrap_or_default();
    println!("parent: {} pages written, {} shared", PAGES, shared_pages(p));
    let pid = fork();
    if pid == 0 {
        let a = vmstat(0).unwrap_or_default();
        println!("child: after fork {} of {} pages shared with the parent", shared_pages(p), PAGES);
        for i in 0..WRITES {
            // SAFETY: as above; the page is copy-on-write.
            unsafe { core::ptr::write_volatile((p + i * 4096) as *mut u64, 1000 + i as u64) };
        }
        let b = vmstat(0).unwrap_or_default();
        println!(
            "child: wrote {} pages -> {} copies; {} pages still shared",
            WRITES,
            b.proc.cow_copies - a.proc.cow_copies,
            shared_pages(p)
        );
        exit(0);
    }
    let mut st = 0;
    waitpid(pid, &mut st, 0);
    let a = vmstat(0).unwrap_or_default();
    for i in 0..WRITES {
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile((p + i * 4096) as *mut u64, 2000 + i as u64) };
    }
    let b = vmstat(0).unwrap_or_default();
    // SAFETY: as above.
    let v = unsafe { core::ptr::read_volatile((p + 4096) as *const u64) };
    println!(
        "parent: child gone; wrote {} pages -> {} copies, {} write re-enables (sole owner); page 1 = {}",
        WRITES,
        b.proc.cow_copies - a.proc.cow_copies,
        b.proc.cow_reuses - a.proc.cow_reuses,
        v
    );
    println!("parent: fork shared {} pages in all", b.proc.fork_shared - before.proc.fork_shared);
    0
}
entry!(main);
