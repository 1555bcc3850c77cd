//! The hart's load/store path: translation (when paging is on), then RAM directly or a
//! device through the bus. Misaligned accesses to RAM complete, as on QEMU and Spike;
//! one that crosses a page is split at the page boundary and both halves are translated
//! before any byte is written (Unprivileged 2.6, Privileged 3.6.3.2).

use super::trap::Exception;
use super::{Hart, MemAccess};
use crate::bus::{Bus, RAM_BASE};
use crate::mmu::Access;

impl Hart {
    /// Translates the `size`-byte access at `va` and checks it against PMP, or passes
    /// it through when neither applies. The MMU's fast path (a hit on a resident TLB
    /// entry, or a page PMP allows in full) is inlined here; the rest is out of line.
    #[inline(always)]
    pub(crate) fn translate(&mut self, va: u64, access: Access, size: u64, bus: &mut Bus) -> Result<u64, Exception> {
        let (check, ctx) =
            if access == Access::Fetch { (self.fetch_check, self.fetch_ctx) } else { (self.data_check, self.data_ctx) };
        if !check {
            return Ok(va);
        }
        // With translation off the context's satp is Bare: the MMU's slow path then
        // returns `va` after the PMP check.
        self.mmu.translate(va, access, size, &ctx, bus)
    }

    /// Loads `N` bytes (zero-extended) from virtual address `va`.
    #[inline(always)]
    pub(crate) fn load<const N: usize>(&mut self, va: u64, bus: &mut Bus) -> Result<u64, Exception> {
        if N > 1 && (va & 0xfff) + N as u64 > 0x1000 {
            return self.load_split(va, N, bus);
        }
        let pa = self.translate(va, Access::Load, N as u64, bus)?;
        let v = match bus.ram.read::<N>(pa.wrapping_sub(RAM_BASE)) {
            Some(v) => v,
            None => self.load_device(va, pa, N as u8, bus)?,
        };
        if self.log_mem {
            self.mem_log.push(MemAccess { vaddr: va, value: v, size: N as u8, store: false });
        }
        Ok(v)
    }

    #[inline(never)]
    fn load_device(&mut self, va: u64, pa: u64, size: u8, bus: &mut Bus) -> Result<u64, Exception> {
        if pa & (size as u64 - 1) != 0 {
            return Err(Exception::LoadAccessFault(va));
        }
        let v = bus.read(pa, size, self.cycles()).map_err(|_| Exception::LoadAccessFault(va))?;
        // A device read can change interrupt lines (a PLIC claim, a UART RBR or IIR read):
        // resample them so that a read of mip later in the same block is not stale.
        self.irq_lines = bus.dev.irq_lines(self.hartid as usize, self.cycles());
        Ok(v)
    }

    /// A load crossing a page boundary: translate both pages, then read byte by byte.
    #[inline(never)]
    fn load_split(&mut self, va: u64, n: usize, bus: &mut Bus) -> Result<u64, Exception> {
        let second = (va | 0xfff).wrapping_add(1);
        let pa1 = self.translate(va, Access::Load, second.wrapping_sub(va), bus)?;
        let pa2 = self.translate(second, Access::Load, (n as u64).wrapping_sub(second.wrapping_sub(va)), bus)?;
        let mut v = 0u64;
        for k in 0..n as u64 {
            let a = va.wrapping_add(k);
            let pa = if a < second { pa1.wrapping_add(k) } else { pa2.wrapping_add(a - second) };
            let byte = bus.read(pa, 1, self.cycles()).map_err(|_| Exception::LoadAccessFault(a))?;
            v |= byte << (8 * k);
        }
        if self.log_mem {
            self.mem_log.push(MemAccess { vaddr: va, value: v, size: n as u8, store: false });
        }
        Ok(v)
    }

    /// Stores the low `N` bytes of `v` at virtual address `va`. Returns true when the
    /// block must end (the store reached a device or decoded code).
    #[inline(always)]
    pub(crate) fn store<const N: usize>(&mut self, va: u64, v: u64, bus: &mut Bus) -> Result<bool, Exception> {
        if N > 1 && (va & 0xfff) + N as u64 > 0x1000 {
            return self.store_split(va, v, N, bus);
        }
        let pa = self.translate(va, Access::Store, N as u64, bus)?;
        if self.log_mem {
            self.mem_log.push(MemAccess { vaddr: va, value: v, size: N as u8, store: true });
        }
        if bus.reservations.len() > 1 {
            bus.store_clears_reservations(self.hartid as usize, pa);
        }
        match bus.ram.write::<N>(pa.wrapping_sub(RAM_BASE), v) {
            Some(false) => Ok(false),
            Some(true) => {
                bus.invalidate_code();
                Ok(true)
            }
            None => self.store_device(va, pa, v, N as u8, bus),
        }
    }

    #[inline(never)]
    fn store_device(&mut self, va: u64, pa: u64, v: u64, size: u8, bus: &mut Bus) -> Result<bool, Exception> {
        if pa & (size as u64 - 1) != 0 {
            return Err(Exception::StoreAccessFault(va));
        }
        bus.write(pa, size, v, self.cycles()).map_err(|_| Exception::StoreAccessFault(va))
    }

    #[inline(never)]
    fn store_split(&mut self, va: u64, v: u64, n: usize, bus: &mut Bus) -> Result<bool, Exception> {
        let second = (va | 0xfff).wrapping_add(1);
        let pa1 = self.translate(va, Access::Store, second.wrapping_sub(va), bus)?;
        let pa2 = self.translate(second, Access::Store, (n as u64).wrapping_sub(second.wrapping_sub(va)), bus)?;
        if self.log_mem {
            self.mem_log.push(MemAccess { vaddr: va, value: v, size: n as u8, store: true });
        }
        // Check every byte is writable before changing any (the access is one instruction).
        let pa_of = |k: u64| {
            let a = va.wrapping_add(k);
            if a < second {
                pa1.wrapping_add(k)
            } else {
                pa2.wrapping_add(a - second)
            }
        };
        for k in 0..n as u64 {
            if bus.ram.slice(pa_of(k).wrapping_sub(RAM_BASE), 1).is_none() {
                return Err(Exception::StoreAccessFault(va.wrapping_add(k)));
            }
        }
        let mut end = false;
        for k in 0..n as u64 {
            end |= bus.write(pa_of(k), 1, v >> (8 * k), self.cycles()).map_err(|_| Exception::StoreAccessFault(va))?;
        }
        Ok(end)
    }

    /// Translates the address of an AMO or LR/SC, which must be naturally aligned
    /// (Unprivileged 8.4: misaligned AMOs raise address-misaligned). LR reports load
    /// exceptions, SC and AMOs store/AMO exceptions.
    pub(crate) fn amo_address(&mut self, va: u64, size: u64, is_lr: bool, bus: &mut Bus) -> Result<u64, Exception> {
        if va & (size - 1) != 0 {
            return Err(if is_lr {
                Exception::LoadAddressMisaligned(va)
            } else {
                Exception::StoreAddressMisaligned(va)
            });
        }
        let access = if is_lr { Access::Load } else { Access::Store };
        let pa = self.translate(va, access, size, bus)?;
        // AMOs and LR/SC are supported on RAM only (PMA "AMOArithmetic" for main memory).
        if bus.ram.slice(pa.wrapping_sub(RAM_BASE), size as usize).is_none() {
            return Err(if is_lr { Exception::LoadAccessFault(va) } else { Exception::StoreAccessFault(va) });
        }
        Ok(pa)
    }
}
