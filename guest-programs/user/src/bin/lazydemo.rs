//! lazydemo: demand paging. Reserves 1 GiB (more than the machine's RAM) with brk and
//! touches one page: only that page gets a frame. Then maps 1 GiB with mmap
//! (MAP_NORESERVE) and touches a page every 256 KiB: 4096 frames for the pages plus the
//! page tables that map them. Without MAP_NORESERVE the same mmap is refused (the
//! kernel's overcommit heuristic: no single mapping larger than RAM + swap).
#![no_std]
#![no_main]
use ulib::*;

fn main(_args: &[&str]) -> i32 {
    println!("lazydemo: a 1 GiB allocation costs nothing until touched; each touched page costs one frame");
    let b0 = brk(0);
    let a = vmstat(0).unwrap_or_default();
    let want = b0 + (1 << 30);
    if brk(want) != want {
        eprintln!("lazydemo: brk of 1 GiB failed");
        return 1;
    }
    let b = vmstat(0).unwrap_or_default();
    println!(
        "brk +1 GiB: RAM is {} MiB; resident {} -> {} pages, free frames {} -> {}",
        a.total_frames * 4 / 1024,
        a.resident,
        b.resident,
        a.free_frames,
        b.free_frames
    );
    let page = (b0 + 4095) & !4095;
    // SAFETY: inside the heap just grown by brk.
    let r = unsafe { core::ptr::read_volatile((page + (512 << 20)) as *const u64) };
    let c = vmstat(0).unwrap_or_default();
    println!(
        "read 1 page (value {r}): zero-fill faults +{}, zero-frame mappings +{}",
        c.proc.zero_fills - b.proc.zero_fills,
        c.zero_mapped - b.zero_mapped
    );
    // SAFETY: as above.
    unsafe { core::ptr::write_volatile((page + (768 << 20)) as *mut u64, 42) };
    let d = vmstat(0).unwrap_or_default();
    println!(
        "wrote 1 page: zero-fill faults +{}, resident +{}, free frames -{}",
        d.proc.zero_fills - c.proc.zero_fills,
        d.resident - c.resident,
        c.free_frames.saturating_sub(d.free_frames)
    );
    brk(b0);
    mmap_gib()
}

/// The mmap half of the demo.
fn mmap_gib() -> i32 {
    use abi::mman::*;
    const GIB: usize = 1 << 30;
    let rw = PROT_READ | PROT_WRITE;
    let plain = mmap(0, GIB, rw, MAP_PRIVATE | MAP_ANONYMOUS, usize::MAX, 0);
    println!(
        "mmap 1 GiB without MAP_NORESERVE: {}",
        if plain < 0 { "refused (ENOMEM), more than RAM + swap" } else { "granted" }
    );
    if plain > 0 {
        munmap(plain as usize, GIB);
    }
    let a = vmstat(0).unwrap_or_default();
    let p = mmap(0, GIB, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, usize::MAX, 0);
    if p < 0 {
        eprintln!("lazydemo: mmap of 1 GiB with MAP_NORESERVE failed ({p})");
        return 1;
    }
    let p = p as usize;
    let b = vmstat(0).unwrap_or_default();
    println!("mmap 1 GiB with MAP_NORESERVE at {p:#x}: resident {} -> {} pages", a.resident, b.resident);
    let mut n = 0u64;
    let mut at = p;
    while at < p + GIB {
        // SAFETY: inside the mapping just made, read/write.
        unsafe { core::ptr::write_volatile(at as *mut u64, n) };
        n += 1;
        at += 256 << 10;
    }
    let c = vmstat(0).unwrap_or_default();
    let frames = b.free_frames.saturating_sub(c.free_frames);
    println!(
        "touched {n} pages (one every 256 KiB): resident +{}, free frames -{frames} = {n} pages + {} page-table pages",
        c.resident - b.resident,
        frames.saturating_sub(n)
    );
    munmap(p, GIB);
    0
}
entry!(main);
