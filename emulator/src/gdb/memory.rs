//! Debugger memory accesses: virtual addresses through the hart's current translation,
//! without touching anything the guest can observe.
//!
//! The translation walks the page table in memory (what gdb expects when debugging a
//! kernel or a process, as QEMU's `riscv_cpu_get_phys_page_debug` does), never the
//! modelled TLBs: no TLB fill, no statistics, no A/D-bit update (the walker's PTE writes
//! go to a sink). Permissions are those of a supervisor with SUM and MXR set, so every
//! valid mapping of the current address space can be read, code included. With
//! translation off for data (M-mode, or satp Bare) the address is physical.
//!
//! Only RAM and the boot ROM are accessible. Device registers are refused (an error
//! reply, "Cannot access memory" in gdb): reading a UART or PLIC register has side
//! effects (popping the receive FIFO, claiming an interrupt) that would change the run.

use crate::bus::{Bus, RAM_BASE};
use crate::devices::ROM_BASE;
use crate::hart::{Hart, Privilege};
use crate::mmu::pte::{Satp, SatpMode};
use crate::mmu::walk::{self, PtMemory};
use crate::mmu::{Access, AdMode, TranslateCtx};

/// Why a debugger access failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemError {
    /// No valid mapping for the address in the current address space.
    #[error("no translation for {0:#x}")]
    Unmapped(u64),
    /// The physical address is not RAM or ROM (a device, or nothing).
    #[error("physical address {0:#x} is not RAM or ROM")]
    NotMemory(u64),
    /// A write to the boot ROM.
    #[error("the boot ROM at {0:#x} is read-only")]
    ReadOnly(u64),
}

/// Page-table memory for the debugger: reads as the walker would, writes go nowhere.
struct Peek<'a>(&'a Bus);

impl PtMemory for Peek<'_> {
    fn read_pte(&self, pa: u64) -> Option<u64> {
        self.0.read_pte(pa)
    }

    fn write_pte(&mut self, _pa: u64, _v: u64) -> bool {
        true
    }
}

/// The physical address of virtual `va` for a data access of `h` as it stands now.
pub fn translate(h: &Hart, bus: &Bus, va: u64) -> Result<u64, MemError> {
    let satp = Satp::from_bits(h.csr.satp);
    let mode = match SatpMode::from_bits(satp.mode) {
        Some(SatpMode::Bare) | None => return Ok(va),
        Some(_) if h.data_privilege() == Privilege::Machine => return Ok(va),
        Some(m) => m,
    };
    if !walk::is_canonical(va, mode) {
        return Err(MemError::Unmapped(va));
    }
    let ctx = TranslateCtx::new(h.csr.satp, Privilege::Supervisor, true, true);
    let w = walk::walk(&mut Peek(bus), satp, mode, va, Access::Load, &ctx, AdMode::Hardware, None);
    let leaf = w.result.map_err(|_| MemError::Unmapped(va))?;
    let size = 1u64 << crate::mmu::tlb::page_shift(leaf.level);
    Ok(leaf.pa_base | (va & (size - 1)))
}

/// Reads into `buf` from virtual `va`; returns how many bytes could be read before the
/// first inaccessible one, or the error when not even the first byte could.
pub fn read(h: &Hart, bus: &Bus, va: u64, buf: &mut [u8]) -> Result<usize, MemError> {
    let mut done = 0;
    while done < buf.len() {
        let a = va.wrapping_add(done as u64);
        let chunk = chunk_len(a, buf.len() - done);
        let got = translate(h, bus, a).and_then(|pa| read_phys(bus, pa, &mut buf[done..done + chunk]));
        match got {
            Ok(()) => done += chunk,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// Writes `data` at virtual `va`: all of it or nothing (every page is translated and
/// checked first). Decoded blocks covering the bytes are invalidated.
pub fn write(h: &Hart, bus: &mut Bus, va: u64, data: &[u8]) -> Result<(), MemError> {
    let mut parts = Vec::new();
    let mut done = 0;
    while done < data.len() {
        let a = va.wrapping_add(done as u64);
        let chunk = chunk_len(a, data.len() - done);
        let pa = translate(h, bus, a)?;
        let off = pa.wrapping_sub(RAM_BASE);
        if bus.ram.slice(off, chunk).is_none() {
            let rom = pa.wrapping_sub(ROM_BASE) < bus.dev.rom.len() as u64;
            return Err(if rom { MemError::ReadOnly(pa) } else { MemError::NotMemory(pa) });
        }
        parts.push((off, done, chunk));
        done += chunk;
    }
    for (off, from, len) in parts {
        if bus.ram.write_bytes(off, &data[from..from + len]) == Some(true) {
            bus.invalidate_code();
        }
    }
    Ok(())
}

/// Bytes from `a` up to the end of its 4 KiB page, at most `left`.
fn chunk_len(a: u64, left: usize) -> usize {
    ((0x1000 - (a & 0xfff)) as usize).min(left)
}

fn read_phys(bus: &Bus, pa: u64, out: &mut [u8]) -> Result<(), MemError> {
    if let Some(s) = bus.ram.slice(pa.wrapping_sub(RAM_BASE), out.len()) {
        out.copy_from_slice(s);
        return Ok(());
    }
    let off = pa.wrapping_sub(ROM_BASE) as usize;
    match bus.dev.rom.get(off..off.saturating_add(out.len())) {
        Some(s) if pa >= ROM_BASE => {
            out.copy_from_slice(s);
            Ok(())
        }
        _ => Err(MemError::NotMemory(pa)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{Machine, MachineConfig};
    use crate::mmu::pte::bits;

    /// A machine whose hart 0 runs in S-mode with Sv39: one 4 KiB page at
    /// 0x4000_0000 maps physical 0x8010_0000 (R W, A clear), nothing else.
    fn paged() -> Machine {
        let mut m = Machine::new(MachineConfig::default());
        let root = 0x8020_0000u64;
        let l1 = root + 0x1000;
        let l0 = root + 0x2000;
        let w = |m: &mut Machine, pa: u64, v: u64| m.bus.ram.write::<8>(pa - RAM_BASE, v);
        // va 0x4000_0000: vpn2 = 1, vpn1 = 0, vpn0 = 0.
        w(&mut m, root + 8, (l1 >> 12) << 10 | bits::V);
        w(&mut m, l1, (l0 >> 12) << 10 | bits::V);
        w(&mut m, l0, (0x8010_0000u64 >> 12) << 10 | bits::V | bits::R | bits::W);
        let h = &mut m.cores[0].hart;
        h.csr.satp = 8 << 60 | root >> 12;
        h.set_privilege(Privilege::Supervisor);
        m
    }

    #[test]
    fn reads_through_the_page_table_without_side_effects() {
        let mut m = paged();
        m.bus.ram.write_bytes(0x10_0000, b"hello").unwrap();
        let stats_before = format!("{:?}", m.cores[0].hart.mmu.stats);
        let pte_before = m.bus.ram.read::<8>(0x20_2000);
        let mut buf = [0u8; 5];
        assert_eq!(read(&m.cores[0].hart, &m.bus, 0x4000_0000, &mut buf), Ok(5));
        assert_eq!(&buf, b"hello");
        // No A bit set, no TLB statistics changed.
        assert_eq!(m.bus.ram.read::<8>(0x20_2000), pte_before);
        assert_eq!(format!("{:?}", m.cores[0].hart.mmu.stats), stats_before);
    }

    #[test]
    fn unmapped_and_partial_reads() {
        let m = paged();
        let h = &m.cores[0].hart;
        let mut buf = [0u8; 8];
        assert_eq!(read(h, &m.bus, 0x5000_0000, &mut buf), Err(MemError::Unmapped(0x5000_0000)));
        // The last 4 bytes of the mapped page, then an unmapped page: a short read.
        assert_eq!(read(h, &m.bus, 0x4000_0ffc, &mut buf), Ok(4));
        // Non-canonical.
        assert!(read(h, &m.bus, 0x8000_0000_0000_0000, &mut buf).is_err());
    }

    #[test]
    fn devices_are_refused_and_rom_is_read_only() {
        let mut m = Machine::new(MachineConfig::default());
        m.install_reset_vector(0x8000_0000, 0);
        let mut buf = [0u8; 4];
        // UART receive register: refused, the FIFO stays as it is.
        assert_eq!(read(&m.cores[0].hart, &m.bus, 0x1000_0000, &mut buf), Err(MemError::NotMemory(0x1000_0000)));
        assert_eq!(read(&m.cores[0].hart, &m.bus, ROM_BASE, &mut buf), Ok(4));
        assert_eq!(u32::from_le_bytes(buf), 0x0000_0297);
        let (h, bus) = (&m.cores[0].hart, &mut m.bus);
        assert_eq!(write(h, bus, ROM_BASE, &[0; 4]), Err(MemError::ReadOnly(ROM_BASE)));
    }

    #[test]
    fn writes_into_code_move_the_code_generation() {
        let mut m = Machine::new(MachineConfig::default());
        m.bus.ram.mark_code(0, 4);
        let gen = m.bus.code_gen;
        let (h, bus) = (&m.cores[0].hart, &mut m.bus);
        assert_eq!(write(h, bus, RAM_BASE, &[0x13, 0, 0, 0]), Ok(()));
        assert_ne!(m.bus.code_gen, gen);
        // A write that runs off the end of RAM changes nothing.
        let end = RAM_BASE + m.bus.ram.size() - 2;
        let (h, bus) = (&m.cores[0].hart, &mut m.bus);
        assert!(write(h, bus, end, &[1, 2, 3, 4]).is_err());
        assert_eq!(m.bus.ram.slice(m.bus.ram.size() - 2, 2), Some(&[0u8, 0][..]));
    }
}
