//! Wrappers for the memory-mapping calls (mmap, munmap, mprotect, msync) and the rvsim
//! VM calls (`RVSIM_VMSTAT`, `RVSIM_VMMAP`, `RVSIM_MINCORE`, `RVSIM_VMCTL`,
//! `RVSIM_SETWS`).

use crate::sys::{syscall, syscall6};
use abi::sys;
use abi::{VmStat, VmaInfo};

/// mmap(2); returns the address or `-errno`.
pub fn mmap(addr: usize, len: usize, prot: usize, flags: usize, fd: usize, off: usize) -> isize {
    syscall6(sys::MMAP, addr, len, prot, flags, fd, off)
}
/// mprotect(2).
pub fn mprotect(addr: usize, len: usize, prot: usize) -> isize {
    syscall(sys::MPROTECT, addr, len, prot)
}
/// msync(2).
pub fn msync(addr: usize, len: usize, flags: usize) -> isize {
    syscall(sys::MSYNC, addr, len, flags)
}
/// The VM counters of process `pid` (0 = self) and of the system.
pub fn vmstat(pid: i32) -> Result<VmStat, isize> {
    let mut s = VmStat::default();
    let r = syscall(sys::RVSIM_VMSTAT, pid as usize, &mut s as *mut VmStat as usize, 0);
    if r < 0 {
        Err(r)
    } else {
        Ok(s)
    }
}
/// The VMAs of `pid` (0 = self) into `out`; returns how many exist (may exceed `out`).
pub fn vmmap(pid: i32, out: &mut [VmaInfo]) -> isize {
    syscall(sys::RVSIM_VMMAP, pid as usize, out.as_mut_ptr() as usize, out.len())
}
/// One state byte per page of `[addr, addr + len)` of `pid` (see `VmaInfo::PAGE_*`).
pub fn mincore(pid: i32, addr: usize, out: &mut [u8]) -> isize {
    syscall6(sys::RVSIM_MINCORE, pid as usize, addr, out.len() * 4096, out.as_mut_ptr() as usize, 0, 0)
}
/// Free physical frames now.
pub fn free_frames() -> u64 {
    vmstat(0).map(|s| s.free_frames).unwrap_or(0)
}
/// Reads VM tunable `key` (`abi::vmctl`) and sets it to `value` unless it is
/// `abi::vmctl::QUERY`; returns the value before the call or `-errno`.
pub fn vmctl(key: u64, value: u64) -> Result<u64, isize> {
    let r = syscall(sys::RVSIM_VMCTL, key as usize, value as usize, 0);
    if r < 0 && r > -4096 {
        Err(r)
    } else {
        Ok(r as u64)
    }
}
/// Sets the working-set limits of `pid` (0 = self) in pages (`max` 0 = none).
pub fn setws(pid: i32, min: u64, max: u64) -> isize {
    syscall(sys::RVSIM_SETWS, pid as usize, min as usize, max as usize)
}
