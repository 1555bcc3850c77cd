//! memhog [MIB]: touches anonymous memory page by page (default: 512 MiB, far more
//! than RAM + swap of the test machines) and reports its progress every 4 MiB. Meant to
//! be ended by the kernel's OOM killer; if it ever reaches the end it says so and exits
//! with status 1.
#![no_std]
#![no_main]
use ulib::*;

fn main(args: &[&str]) -> i32 {
    let mib = args.get(1).and_then(|a| a.parse::<usize>().ok()).unwrap_or(512);
    let len = mib << 20;
    // MAP_NORESERVE: without it the kernel's overcommit heuristic refuses one mapping
    // larger than RAM + swap up front (docs/vm.md, "Overcommit"), and memhog wants the
    // shortage to come at fault time, for the OOM killer.
    use abi::mman::*;
    let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    let base = mmap(0, len, PROT_READ | PROT_WRITE, flags, usize::MAX, 0);
    if base < 0 {
        eprintln!("memhog: mmap: {}", strerror(base));
        return 1;
    }
    println!("memhog: pid {} touching {mib} MiB", getpid());
    let base = base as usize;
    for p in 0..len / 4096 {
        // SAFETY: inside our anonymous mapping.
        unsafe { ((base + p * 4096) as *mut u64).write_volatile(p as u64) };
        if p % 1024 == 1023 {
            println!("memhog: {} MiB", (p + 1) / 256);
        }
    }
    println!("memhog: touched all {mib} MiB without being killed");
    1
}
entry!(main);
