//! The guest kernel: boots on QEMU `virt` and rvsim (`-bios none`), sets up Sv39 paging,
//! mounts the file system on virtio disk 0 and runs `/bin/init` in U-mode. Processes
//! use the Linux RISC-V system call ABI.
//!
//! Layout (one file per subsystem, xv6 style): `arch/` (all asm and unsafe operations;
//! its MMIO and physical-memory accessors are `unsafe fn`s),
//! `mm/` (frames, page tables, address spaces), `proc` (processes, scheduler), `trap`,
//! `syscall`, `exec`, `fs` + `virtio` (disk), `file` + `pipe` (open files), `console`.

#![no_std]
// Every `unsafe` block says why it is sound (docs/decisions.md, "Unsafe").
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

pub mod arch;
pub mod calls;
pub mod console;
pub mod exec;
pub mod fdt;
pub mod file;
pub mod fs;
pub mod heap;
pub mod ioerrors;
pub mod mm;
pub mod pipe;
pub mod proc;
pub mod random;
pub mod signal;
pub mod syscall;
pub mod time;
pub mod trap;
pub mod virtio;
pub mod vmsys;

use alloc::sync::Arc;
use alloc::vec;
use file::{File, Kind};

/// The S-mode entry point (from `arch::boot`): a0 = hartid, a1 = device tree.
#[no_mangle]
pub extern "C" fn kmain(_hartid: u64, dtb: u64) -> ! {
    arch::trap::init_hart();
    kprintln!();
    kprintln!("rvsim-os: booting");
    heap::init();
    let info = match arch::dtb_slice(dtb).and_then(fdt::parse) {
        Some(i) => i,
        None => {
            kprintln!("warning: no usable device tree at {dtb:#x}; assuming 128 MiB at 0x80000000");
            fdt::BootInfo::fallback()
        }
    };
    time::set_freq(info.timebase);
    let ram_end = info.ram_base + info.ram_size;
    mm::frame::init(mm::page_up(arch::kernel_end()), ram_end);
    let (free, total) = mm::frame::stats();
    kprintln!("memory: {} MiB RAM, {free}/{total} frames free, timebase {} Hz", info.ram_size >> 20, info.timebase);
    let satp = mm::kvm::init(info.ram_base, info.ram_size);
    proc::init(satp);
    kprintln!("paging: Sv39 on");
    if arch::sbi::active() {
        kprintln!("boot: entered in S-mode by SBI firmware; timer: SBI");
        arch::csr::set_sie(arch::csr::SIE_SSIE | arch::csr::SIE_STIE);
        time::arm_tick();
    } else if info.sstc && arch::boot::stce_enabled() && !info.has_arg(b"timer=clint") {
        // Sstc: S-mode programs stimecmp itself; the M-mode CLINT trampoline is retired.
        time::use_sstc();
        kprintln!("timer: Sstc stimecmp");
        arch::csr::set_sie(arch::csr::SIE_SSIE | arch::csr::SIE_STIE);
        time::arm_tick();
    } else {
        kprintln!("timer: CLINT via M-mode");
        if info.sstc && arch::boot::stce_enabled() {
            // Sstc is on but unused: keep its comparator from raising STIP. (Both checks:
            // QEMU 7.2 lets STCE be set even on a CPU without Sstc.)
            arch::csr::set_stimecmp(u64::MAX);
        }
        arch::csr::set_sie(arch::csr::SIE_SSIE);
    }
    if let Err(e) = fs::mount() {
        kprintln!("fs: cannot mount the root file system: {}", describe_mount_error(&e));
        kprintln!("fs: attach an image made by mkfs as virtio disk 0 (QEMU: -drive file=fs.img,if=none,format=raw,id=d0 -device virtio-blk-device,drive=d0 -global virtio-mmio.force-legacy=false)");
        arch::shutdown(2);
    }
    if let Ok((free, total)) = fs::with(|f| f.block_stats()) {
        kprintln!("fs: mounted, {free}/{total} data blocks free");
    }
    mm::swap::init();
    mm::init(info.bootargs());
    vmsys::apply_bootargs(info.bootargs());
    mm::reclaim::announce();
    mm::asid::init(info.bootargs());
    start_init();
    proc::scheduler()
}

fn describe_mount_error(e: &fs::MountError) -> alloc::string::String {
    use alloc::format;
    match e {
        fs::MountError::Disk(virtio::Error::NotFound) => "no virtio block device found".into(),
        fs::MountError::Disk(virtio::Error::Legacy) => {
            "the virtio block device is legacy (version 1); version 2 is required".into()
        }
        fs::MountError::Disk(virtio::Error::Setup(s)) => format!("virtio setup failed: {s}"),
        fs::MountError::Disk(virtio::Error::Io) => "disk I/O error".into(),
        fs::MountError::BadSuperblock => "no valid superblock (not an mkfs image, or corrupt)".into(),
        fs::MountError::OldFormat => "old file-system format (64-byte inodes): rebuild the image with mkfs".into(),
        fs::MountError::NoLog => "file-system format 2 (no write-ahead log): rebuild the image with mkfs".into(),
        fs::MountError::BadLog(why) => format!("the log cannot be replayed: {why} (check the image with mkfs --check)"),
        fs::MountError::TooSmall { image, disk } => format!("image says {image} bytes but the disk has {disk}"),
    }
}

/// Creates process 1 running `/bin/init` with the console as fds 0, 1, 2.
fn start_init() {
    let path = b"/bin/init";
    let loaded = match exec::load(abi::fs::ROOT_INO, path, &[path.to_vec()], &[]) {
        Ok(l) => l,
        Err(e) => {
            kprintln!("cannot run /bin/init: {}", abi::errno::describe(e));
            arch::shutdown(3);
        }
    };
    let mut files = file::FdTable::default();
    let console = Arc::new(File::new(Kind::Console, true, true, false));
    for fd in 0..3 {
        let _ = files.set(fd, console.clone(), false);
    }
    let task = proc::Task {
        aspace: loaded.aspace,
        files,
        cwd: abi::fs::ROOT_INO,
        cwd_path: vec![b'/'],
        ext: calls::TaskExt::default(),
    };
    let (entry, sp) = (loaded.entry, loaded.sp);
    if let Err(e) = proc::spawn(task, proc::name_from(path), 0, false, |_, tf| {
        *tf = arch::trap::TrapFrame::zeroed();
        tf.sepc = entry;
        tf.regs[arch::trap::reg::SP] = sp;
    }) {
        kprintln!("cannot create init: {}", abi::errno::describe(e));
        arch::shutdown(3);
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    kprintln!("kernel panic: {info}");
    arch::shutdown(0xff)
}
