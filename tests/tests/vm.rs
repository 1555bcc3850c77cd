//! Virtual memory in the guest OS (docs/vm.md): runs the demo programs on rvsim and
//! checks what they measure: copy-on-write copies exactly the pages written, a 1 GiB
//! allocation costs only the pages touched, two processes share a file mapping, malloc on
//! mmap gives memory back; dirty MAP_SHARED pages reach the disk at exit (checked after a
//! reboot); pmap and vmstat print the expected tables; the kernel's page table is the
//! upper-half direct map only.
//!
//! Needs `make os` (kernel, user programs, target/release/mkfs).
mod common;

use common::os::{boot, built, images, num_after};
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::path::Path;

/// Boots the OS (the one helper, `common::os::boot`) with the default RAM and `fs` as
/// its only disk.
fn boot_disk(fs: &Path) -> (Outcome, String) {
    boot(MachineConfig::default().ram_size, &[fs], None)
}

#[test]
fn demos_show_cow_laziness_sharing_and_malloc() {
    let progs = ["cowdemo", "lazydemo", "sharedemo", "mallocdemo", "vmstat", "pmap"];
    let im = images("vm-demos", &progs, "cowdemo\nlazydemo\nsharedemo\nmallocdemo\nvmstat\npmap\n", 0);
    let (out, c) = boot_disk(&im.fs);
    assert_eq!(out, Outcome::Exit(0), "{c}");
    // Each demo explains itself.
    for d in ["cowdemo: ", "lazydemo: ", "sharedemo: ", "mallocdemo: "] {
        assert!(c.lines().any(|l| l.starts_with(d) && l.len() > d.len() + 20), "{d} printed no explanation");
    }
    // cowdemo: all 64 shared after fork; 8 writes = 8 copies; after the child exits the
    // parent owns its frames alone, so its writes copy nothing.
    assert!(c.contains("child: after fork 64 of 64 pages shared with the parent"), "{c}");
    assert!(c.contains("child: wrote 8 pages -> 8 copies; 56 pages still shared"), "{c}");
    assert!(c.contains("parent: child gone; wrote 8 pages -> 0 copies, 8 write re-enables"), "{c}");
    assert!(c.contains("page 1 = 2001"), "{c}");
    // lazydemo: 1 GiB of brk costs nothing; one read maps the zero frame; one write one
    // frame.
    let before = num_after(&c, "brk +1 GiB", "resident");
    let after = num_after(&c, "brk +1 GiB", "->");
    assert_eq!(before, after, "brk allocated pages eagerly");
    assert!(c.contains("read 1 page (value 0): zero-fill faults +1, zero-frame mappings +1"), "{c}");
    assert!(c.contains("wrote 1 page: zero-fill faults +1, resident +1"), "{c}");
    assert!(num_after(&c, "wrote 1 page", "free frames -") <= 3);
    // lazydemo, mmap half: 1 GiB is refused without MAP_NORESERVE on 128 MiB (overcommit
    // heuristic), granted with it; a page every 256 KiB costs one frame per page plus
    // exactly the page tables (512 leaf tables, one per 2 MiB, and 1 middle table).
    assert!(c.contains("mmap 1 GiB without MAP_NORESERVE: refused (ENOMEM)"), "{c}");
    assert_eq!(num_after(&c, "touched 4096 pages", "resident +"), 4096, "{c}");
    assert_eq!(num_after(&c, "touched 4096 pages", "free frames -"), 4096 + 513, "{c}");
    // sharedemo: the child's writes through its own mapping, seen by the parent and in
    // the file.
    assert!(c.contains("parent: counter 100 and message \"hello from the child\""), "{c}");
    assert!(c.contains("file after msync: counter 100 message \"hello from the child\""), "{c}");
    // mallocdemo: big blocks are their own VMAs, given back by free.
    let virt_malloc = num_after(&c, "after malloc:", "VMAs,");
    let virt_free = num_after(&c, "after free:", "VMAs,");
    assert!(virt_malloc >= virt_free + 3 * 1024, "{virt_malloc} KiB vs {virt_free} KiB");
    assert!(c.contains("reuses a freed block: true"), "{c}");
    // vmstat and pmap print their tables.
    assert!(num_after(&c, "system", "cow-copy") >= 8, "{c}");
    assert!(c.lines().any(|l| l.contains("r-xp elf")), "{c}");
    // The stack is at the top of the 256 GiB user range (docs/os.md, "Memory map").
    assert!(c.lines().any(|l| l.contains("-4000000000 rw-p stack")), "{c}");
}

#[test]
fn shared_mapping_written_back_at_exit_survives_reboot() {
    let script = "sharedemo persist\necho cat /persist.txt > /etc/autorun\n";
    let im = images("vm-persist", &["sharedemo", "cat", "echo"], script, 0);
    let (out1, c1) = boot_disk(&im.fs);
    assert_eq!(out1, Outcome::Exit(0), "{c1}");
    let (out2, c2) = boot_disk(&im.fs);
    assert_eq!(out2, Outcome::Exit(0), "{c2}");
    assert!(c2.contains("written through a shared mapping"), "{c2}");
}

/// The kernel's own page table (current when it powers off without a disk) is the upper
/// half only (docs/os.md, "Memory map"): the direct map at `abi::layout::PAGE_OFFSET` as
/// two gigapages, MMIO (physical 0..1 GiB, RW) and RAM (RWX), global, U = 0; no identity
/// entry left in the user half; and the kernel ran from the high addresses.
#[test]
fn kernel_runs_in_the_upper_half_with_a_direct_map() {
    use abi::layout::{PAGE_OFFSET, USER_TOP};
    use rvsim::mmu::dump::{collect, NodeKind};
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    let k = std::fs::read(built("target/riscv64gc-unknown-none-elf/release/kernel")).expect("read kernel");
    m.load_elf(&k).expect("load kernel");
    let outcome = m.run(Some(200_000_000), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).replace('\r', "");
    assert!(console.contains("no virtio block device found"), "{console}");
    assert_eq!(outcome, Outcome::Exit(2), "{console}");
    let hart = &m.cores[0].hart;
    assert!(hart.pc >= PAGE_OFFSET, "pc {:#x} is not a kernel-half address", hart.pc);
    let (nodes, truncated) = collect(&m.bus, hart.csr.satp).expect("Sv39 is on");
    assert!(!truncated);
    let leaves: Vec<(u32, u64, u64, u64)> = nodes
        .iter()
        .filter_map(|n| match n.kind {
            NodeKind::Leaf { va, pa } => Some((n.level, va, pa, n.pte & 0xff)),
            _ => None,
        })
        .collect();
    // V R W A D G (0xe7), RAM also X (0xef).
    assert_eq!(leaves, vec![(2, PAGE_OFFSET, 0, 0xe7), (2, PAGE_OFFSET + 0x8000_0000, 0x8000_0000, 0xef)], "{nodes:?}");
    assert!(nodes.iter().all(|n| n.depth > 0 || u64::from(n.index) >= USER_TOP >> 30), "{nodes:?}");
}
