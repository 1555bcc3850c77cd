//! lazydemo: demand paging. Reserves 1 GiB (more than the machine's RAM) with brk and
//! touches one page: only that page gets a frame.
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
    0
}
entry!(main);
