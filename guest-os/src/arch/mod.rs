//! Everything that touches the machine directly lives here: the boot path (M-mode setup and
//! the drop to S-mode), the trap vectors, the context switch, CSR access, MMIO and raw
//! physical-memory access. Every unsafe operation of the kernel is in this module tree,
//! each with a `// SAFETY:` note. The accessors that can reach any physical address (the
//! `mmio_*` registers and [`phys`]) are `unsafe fn`s: their callers outside `arch/` (the
//! device drivers, the page tables, the frame and copy helpers of `mm/`) each say in a
//! `// SAFETY:` note why the address is theirs (`clippy::undocumented_unsafe_blocks` is
//! denied in the kernel). Everything else is safe Rust on top of these functions.
//!
//! Single hart: the kernel runs with `sstatus.SIE = 0` (it is never interrupted; timer
//! ticks arrive while a process is in U-mode or are polled in the idle loop), so the
//! statics below are never accessed concurrently.

pub mod boot;
pub mod csr;
pub mod hint;
pub mod sbi;
pub mod trap;

use core::cell::UnsafeCell;

/// Maximum number of processes (each owns a kernel stack, a trap frame, a context and an
/// FP save area in the static tables of this module).
pub const NPROC: usize = 32;
/// Bytes of kernel stack per process.
pub const KSTACK_SIZE: usize = 32 * 1024;

/// A cell the single-hart kernel shares without locking; see the module doc.
pub(crate) struct Racy<T>(UnsafeCell<T>);
// SAFETY: one hart, and the kernel is never interrupted (SIE = 0), so no two accesses overlap.
unsafe impl<T> Sync for Racy<T> {}
impl<T> Racy<T> {
    pub(crate) const fn new(v: T) -> Self {
        Racy(UnsafeCell::new(v))
    }
    pub(crate) fn get(&self) -> *mut T {
        self.0.get()
    }
}

/// The kernel virtual address of physical address `pa`: its place in the direct map
/// (`abi::layout::PAGE_OFFSET`), which every page table carries (see `mm/kvm.rs`), the
/// boot page table too. The one pa -> va conversion of the kernel.
pub const fn phys_to_virt(pa: u64) -> u64 {
    pa.wrapping_add(abi::layout::PAGE_OFFSET)
}

/// The physical address of kernel virtual address `va` (a kernel static, the heap, a
/// kernel stack: all of the kernel's memory is in the direct map). The one va -> pa
/// conversion of the kernel, for DMA addresses and the frame allocator's bounds.
pub fn virt_to_phys(va: u64) -> u64 {
    debug_assert!(va >= abi::layout::PAGE_OFFSET, "not a kernel address: {va:#x}");
    va.wrapping_sub(abi::layout::PAGE_OFFSET)
}

fn mmio_addr(pa: u64) -> usize {
    phys_to_virt(pa) as usize
}

/// Reads the 32-bit device register at physical address `pa`.
///
/// # Safety
/// `pa` must be a register of a device of the virt machine that the caller drives (the
/// access may have side effects on the device).
pub unsafe fn mmio_read32(pa: u64) -> u32 {
    // SAFETY: `pa` is a device register of the virt machine (the caller's contract),
    // reached through the direct map (boot and kernel page tables); volatile because
    // devices have side effects.
    unsafe { core::ptr::read_volatile(mmio_addr(pa) as *const u32) }
}

/// Writes the 32-bit device register at physical address `pa`.
///
/// # Safety
/// `pa` must be a register of a device of the virt machine that the caller drives (the
/// access may have side effects on the device).
pub unsafe fn mmio_write32(pa: u64, v: u32) {
    // SAFETY: as in `mmio_read32`.
    unsafe { core::ptr::write_volatile(mmio_addr(pa) as *mut u32, v) }
}

/// Reads the 64-bit device register at physical address `pa`.
///
/// # Safety
/// `pa` must be a register of a device of the virt machine that the caller drives (the
/// access may have side effects on the device).
pub unsafe fn mmio_read64(pa: u64) -> u64 {
    // SAFETY: as in `mmio_read32`.
    unsafe { core::ptr::read_volatile(mmio_addr(pa) as *const u64) }
}

/// Writes the 64-bit device register at physical address `pa`.
///
/// # Safety
/// `pa` must be a register of a device of the virt machine that the caller drives (the
/// access may have side effects on the device).
pub unsafe fn mmio_write64(pa: u64, v: u64) {
    // SAFETY: as in `mmio_read32`.
    unsafe { core::ptr::write_volatile(mmio_addr(pa) as *mut u64, v) }
}

/// Reads the byte-wide device register at physical address `pa`.
///
/// # Safety
/// `pa` must be a register of a device of the virt machine that the caller drives (the
/// access may have side effects on the device).
pub unsafe fn mmio_read8(pa: u64) -> u8 {
    // SAFETY: as in `mmio_read32`.
    unsafe { core::ptr::read_volatile(mmio_addr(pa) as *const u8) }
}

/// Writes the byte-wide device register at physical address `pa`.
///
/// # Safety
/// `pa` must be a register of a device of the virt machine that the caller drives (the
/// access may have side effects on the device).
pub unsafe fn mmio_write8(pa: u64, v: u8) {
    // SAFETY: as in `mmio_read32`.
    unsafe { core::ptr::write_volatile(mmio_addr(pa) as *mut u8, v) }
}

/// Raw access to physical RAM through the direct map ([`phys_to_virt`]): `unsafe fn`s,
/// since an address is just a number; callers pass physical addresses of frames they own
/// (from `mm::frame`) and say so in a `// SAFETY:` note.
pub mod phys {
    use super::phys_to_virt;

    /// Size of a frame.
    const PAGE: usize = 4096;

    /// Reads the u64 at physical address `pa` (8-aligned, in RAM).
    ///
    /// # Safety
    /// `pa` must be 8-aligned, in RAM, inside a frame the caller owns or a page-table page of a table it holds.
    pub unsafe fn read_u64(pa: u64) -> u64 {
        debug_assert!(pa.is_multiple_of(8));
        // SAFETY: `pa` is in an allocated frame (a page-table page); RAM is in the direct map.
        unsafe { core::ptr::read_volatile(phys_to_virt(pa) as *const u64) }
    }

    /// Writes the u64 at physical address `pa` (8-aligned, in RAM).
    ///
    /// # Safety
    /// as for [`read_u64`], and nothing may hold a reference into those bytes.
    pub unsafe fn write_u64(pa: u64, v: u64) {
        debug_assert!(pa.is_multiple_of(8));
        // SAFETY: as in `read_u64`.
        unsafe { core::ptr::write_volatile(phys_to_virt(pa) as *mut u64, v) }
    }

    /// Fills the frame at `pa` with zeros.
    ///
    /// # Safety
    /// `pa` must be the start of a whole frame the caller owns (from `mm::frame`) that no one else reads or maps writably meanwhile.
    pub unsafe fn zero_frame(pa: u64) {
        // SAFETY: `pa` is a whole frame owned by the caller.
        unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE) }
    }

    /// Copies the frame at `src` into the frame at `dst`.
    ///
    /// # Safety
    /// `dst` and `src` must start whole frames; the caller owns `dst` (as in [`zero_frame`]) and holds a reference on `src`.
    pub unsafe fn copy_frame(dst: u64, src: u64) {
        if dst == src {
            return;
        }
        // SAFETY: two distinct whole frames owned by the caller.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(src) as *const u8, phys_to_virt(dst) as *mut u8, PAGE) }
    }

    /// Copies `data` to physical address `pa`; the range must lie inside one owned frame.
    ///
    /// # Safety
    /// `pa .. pa + data.len()` must lie inside one frame the caller owns or maps writably (a user page it checked).
    pub unsafe fn write_bytes(pa: u64, data: &[u8]) {
        debug_assert!((pa as usize % PAGE) + data.len() <= PAGE);
        // SAFETY: the range is inside one frame owned by the caller (checked above in
        // debug builds, guaranteed by the page-by-page callers in mm::vm).
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), phys_to_virt(pa) as *mut u8, data.len()) }
    }

    /// Copies from physical address `pa` into `out`; the range must lie inside one frame.
    ///
    /// # Safety
    /// `pa .. pa + out.len()` must lie inside one frame the caller holds a reference on.
    pub unsafe fn read_bytes(pa: u64, out: &mut [u8]) {
        debug_assert!((pa as usize % PAGE) + out.len() <= PAGE);
        // SAFETY: as in `write_bytes`.
        unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(pa) as *const u8, out.as_mut_ptr(), out.len()) }
    }
}

/// Physical address of the first byte after the kernel image (and its bss): frames are
/// allocated from here.
pub fn kernel_end() -> u64 {
    extern "C" {
        static __kernel_end: u8;
    }
    // Only the address of the linker symbol is taken.
    virt_to_phys(core::ptr::addr_of!(__kernel_end) as u64)
}

/// Ends the machine through the test finisher: 0 passes, anything else fails with `code`.
pub fn shutdown(code: u32) -> ! {
    if sbi::active() {
        sbi::system_reset(code != 0);
    }
    let v = if code == 0 { abi::mmio::FINISHER_PASS } else { (code << 16) | abi::mmio::FINISHER_FAIL };
    // SAFETY: the test finisher of the virt machine (QEMU hw/misc/sifive_test.c).
    unsafe { mmio_write32(abi::mmio::FINISHER, v) };
    loop {
        csr::wfi();
    }
}

/// The device-tree blob at physical address `addr` (a1 at boot), bounded by its header's
/// `totalsize` (at most 1 MiB), or `None` when `addr` is not a plausible RAM address.
pub fn dtb_slice(addr: u64) -> Option<&'static [u8]> {
    let mapped = boot::BOOT_DIRECT_GIB << 30;
    if addr < abi::mmio::RAM || !addr.is_multiple_of(8) || addr.saturating_add(1 << 20) > mapped {
        return None;
    }
    // SAFETY: 8-aligned RAM inside the boot direct map (checked above): the blob the
    // firmware left there.
    let hdr = unsafe { phys::read_u64(addr) };
    let magic = u32::from_be(hdr as u32);
    let total = u32::from_be((hdr >> 32) as u32) as usize;
    if magic != 0xd00d_feed || !(40..=(1 << 20)).contains(&total) {
        return None;
    }
    // SAFETY: the firmware/boot ROM placed a DTB of `total` bytes in RAM at `addr`, which
    // the boot page table's direct map covers; it is only read, and read before the frame
    // allocator can reuse that memory.
    Some(unsafe { core::slice::from_raw_parts(phys_to_virt(addr) as *const u8, total) })
}

/// Bytes of kernel heap.
pub const HEAP_SIZE: usize = 4 << 20;
#[repr(C, align(4096))]
struct Heap([u8; HEAP_SIZE]);
static HEAP: Racy<Heap> = Racy::new(Heap([0; HEAP_SIZE]));

/// The kernel heap's memory, handed out once to the allocator.
pub fn heap_region() -> &'static mut [u8] {
    static TAKEN: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    assert!(!TAKEN.swap(true, core::sync::atomic::Ordering::SeqCst), "heap region taken twice");
    // SAFETY: the static is handed out exactly once (checked above).
    unsafe { &mut (*HEAP.get()).0 }
}

/// Views initialised bytes as `MaybeUninit` (for allocator initialisation).
pub fn uninit_view(r: &'static mut [u8], len: usize) -> &'static mut [core::mem::MaybeUninit<u8>] {
    // SAFETY: MaybeUninit<u8> has the layout of u8; the borrow is moved in.
    unsafe { core::slice::from_raw_parts_mut(r.as_mut_ptr() as *mut core::mem::MaybeUninit<u8>, len) }
}

/// Probe state: 0 idle, 1 a probing load is in flight, 2 it faulted.
static PROBE: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);

/// Reads the 32-bit register at physical `pa` if a device answers there: `None` if the
/// load takes an access fault (no device at that address on this machine).
pub fn mmio_probe32(pa: u64) -> Option<u32> {
    use core::sync::atomic::Ordering;
    PROBE.store(1, Ordering::SeqCst);
    let v: u32;
    // SAFETY: a load from a device address; if nothing is there the access fault is
    // absorbed by `probe_fixup` (the load is a 4-byte instruction, skipped on a fault).
    unsafe {
        core::arch::asm!(
            ".option push",
            ".option norvc",
            "lw {v}, 0({a})",
            ".option pop",
            a = in(reg) mmio_addr(pa),
            v = out(reg) v,
        )
    };
    if PROBE.swap(0, Ordering::SeqCst) == 2 {
        None
    } else {
        Some(v)
    }
}

/// Called for a kernel load access/page fault: if it came from [`mmio_probe32`], marks
/// the probe failed and skips the load. Returns whether it did.
pub fn probe_fixup() -> bool {
    use core::sync::atomic::Ordering;
    if PROBE.compare_exchange(1, 2, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
        csr::set_sepc(csr::sepc() + 4);
        return true;
    }
    false
}
