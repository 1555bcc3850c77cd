//! The A extension: LR/SC with a reservation and the AMOs (Unprivileged ch. 8). The
//! reservation is the exact address of the last LR; SC succeeds only on that address and
//! only if no other hart stored to its 8-byte granule since. Every SC clears it.

use super::exec::Flow;
use super::trap::Exception;
use super::{Hart, MemAccess};
use crate::bus::{Bus, RAM_BASE};
use crate::isa::{Instr, Op};

impl Hart {
    pub(crate) fn exec_amo(&mut self, i: &Instr, bus: &mut Bus) -> Result<Flow, Exception> {
        use Op::*;
        let word = i.op.is_amo_word();
        let size: u64 = if word { 4 } else { 8 };
        let va = self.xr(i.rs1);
        let src = self.xr(i.rs2);
        let hart = self.hartid as usize;
        let ext = |v: u64| if word { v as i32 as i64 as u64 } else { v };
        let read = |bus: &Bus, pa: u64| {
            let off = pa.wrapping_sub(RAM_BASE);
            if word { bus.ram.read::<4>(off) } else { bus.ram.read::<8>(off) }.unwrap_or(0)
        };
        match i.op {
            LrW | LrD => {
                let pa = self.amo_address(va, size, true, bus)?;
                let v = read(bus, pa);
                bus.reservations[hart] = Some(pa);
                self.log(va, v, size, false);
                self.xw(i.rd, ext(v));
                Ok(Flow::Next)
            }
            ScW | ScD => {
                let pa = self.amo_address(va, size, false, bus)?;
                let ok = bus.reservations[hart] == Some(pa);
                bus.reservations[hart] = None;
                let mut end = false;
                if ok {
                    self.log(va, src, size, true);
                    end = self.amo_write(pa, src, word, bus);
                }
                self.xw(i.rd, !ok as u64);
                Ok(if end { Flow::End } else { Flow::Next })
            }
            _ => {
                let pa = self.amo_address(va, size, false, bus)?;
                let old = read(bus, pa);
                let (a, b) = (ext(old), ext(src));
                let new = match i.op {
                    AmoswapW | AmoswapD => b,
                    AmoaddW | AmoaddD => a.wrapping_add(b),
                    AmoxorW | AmoxorD => a ^ b,
                    AmoandW | AmoandD => a & b,
                    AmoorW | AmoorD => a | b,
                    AmominW | AmominD => (a as i64).min(b as i64) as u64,
                    AmomaxW | AmomaxD => (a as i64).max(b as i64) as u64,
                    // Unsigned comparisons of words compare the 32-bit values.
                    AmominuW => (a as u32).min(b as u32) as u64,
                    AmomaxuW => (a as u32).max(b as u32) as u64,
                    AmominuD => a.min(b),
                    _ => a.max(b),
                };
                // Spike's mmu_t::amo is a load then a store, and its commit log shows both.
                self.log(va, old, size, false);
                self.log(va, new, size, true);
                let end = self.amo_write(pa, new, word, bus);
                self.xw(i.rd, a);
                Ok(if end { Flow::End } else { Flow::Next })
            }
        }
    }

    /// Writes an AMO/SC result to RAM (the address was checked by `amo_address`).
    fn amo_write(&mut self, pa: u64, v: u64, word: bool, bus: &mut Bus) -> bool {
        bus.store_clears_reservations(self.hartid as usize, pa);
        let off = pa.wrapping_sub(RAM_BASE);
        let hit = if word { bus.ram.write::<4>(off, v) } else { bus.ram.write::<8>(off, v) };
        if hit == Some(true) {
            bus.invalidate_code();
            return true;
        }
        false
    }

    fn log(&mut self, vaddr: u64, value: u64, size: u64, store: bool) {
        if self.log_mem {
            self.mem_log.push(MemAccess { vaddr, value, size: size as u8, store });
        }
    }
}
