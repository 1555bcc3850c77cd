//! ELF loading with goblin: checks that the file is a 64-bit little-endian RISC-V ELF,
//! copies each PT_LOAD segment to its physical address, and keeps the symbols.

use crate::bus::{Bus, RAM_BASE};
use goblin::elf::{header, program_header, Elf};
use std::collections::BTreeMap;

/// Why an ELF file could not be loaded. Each message is one line for the user.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not an ELF file: {0}")]
    NotElf(String),
    #[error("ELF is 32-bit; this machine is RV64")]
    Not64Bit,
    #[error("ELF is big-endian; RISC-V is little-endian")]
    BigEndian,
    #[error("ELF machine is {0} (expected RISC-V, EM_RISCV = 243)")]
    NotRiscv(u16),
    #[error("segment {index} ({paddr:#x}..{end:#x}) lies outside RAM ({ram_start:#x}..{ram_end:#x})")]
    OutsideRam { index: usize, paddr: u64, end: u64, ram_start: u64, ram_end: u64 },
    #[error("segment {index} data lies past the end of the file (truncated ELF?)")]
    Truncated { index: usize },
    #[error("segment {index} has more file bytes ({filesz:#x}) than memory bytes ({memsz:#x})")]
    FileLargerThanMemory { index: usize, filesz: u64, memsz: u64 },
    #[error("no loadable (PT_LOAD) segment: nothing to run")]
    NothingToLoad,
}

/// What the loader learned about an ELF.
#[derive(Clone, Debug, Default)]
pub struct ElfInfo {
    pub entry: u64,
    /// Symbol name to value, for HTIF (`tohost`), signatures and traces.
    pub symbols: BTreeMap<String, u64>,
    /// Lowest and highest physical address loaded.
    pub lowest: u64,
    pub highest: u64,
}

impl ElfInfo {
    pub fn symbol(&self, name: &str) -> Option<u64> {
        self.symbols.get(name).copied()
    }

    /// The symbol containing `addr` (greatest symbol value not above it), for traces.
    pub fn symbolize(&self, addr: u64) -> Option<(&str, u64)> {
        self.symbols.iter().filter(|(_, &v)| v <= addr).max_by_key(|(_, &v)| v).map(|(n, &v)| (n.as_str(), addr - v))
    }
}

/// Parses and checks an ELF without loading it.
pub fn parse(bytes: &[u8]) -> Result<Elf<'_>, LoadError> {
    // Check the identification bytes first so the message names the real problem.
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return Err(LoadError::NotElf("missing ELF magic".into()));
    }
    if bytes[header::EI_CLASS] != header::ELFCLASS64 {
        return Err(LoadError::Not64Bit);
    }
    if bytes[header::EI_DATA] != header::ELFDATA2LSB {
        return Err(LoadError::BigEndian);
    }
    let machine = u16::from_le_bytes([bytes[18], bytes[19]]);
    if machine != header::EM_RISCV {
        return Err(LoadError::NotRiscv(machine));
    }
    Elf::parse(bytes).map_err(|e| LoadError::NotElf(e.to_string()))
}

/// Loads every PT_LOAD segment of `bytes` into RAM at its physical address.
pub fn load(bytes: &[u8], bus: &mut Bus) -> Result<ElfInfo, LoadError> {
    let elf = parse(bytes)?;
    let ram_end = RAM_BASE + bus.ram.size();
    let mut info = ElfInfo { entry: elf.entry, lowest: u64::MAX, ..Default::default() };
    for (index, ph) in elf.program_headers.iter().enumerate() {
        if ph.p_type != program_header::PT_LOAD || ph.p_memsz == 0 {
            continue;
        }
        let paddr = ph.p_paddr;
        let end = paddr.saturating_add(ph.p_memsz);
        if ph.p_filesz > ph.p_memsz {
            return Err(LoadError::FileLargerThanMemory { index, filesz: ph.p_filesz, memsz: ph.p_memsz });
        }
        if paddr < RAM_BASE || end > ram_end {
            return Err(LoadError::OutsideRam { index, paddr, end, ram_start: RAM_BASE, ram_end });
        }
        let file = usize::try_from(ph.p_offset)
            .ok()
            .zip(usize::try_from(ph.p_filesz).ok())
            .and_then(|(o, n)| bytes.get(o..o.checked_add(n)?))
            .ok_or(LoadError::Truncated { index })?;
        let off = paddr - RAM_BASE;
        bus.ram.write_bytes(off, file);
        // The rest of the segment (bss) is zero.
        let zeros = vec![0u8; (ph.p_memsz - ph.p_filesz) as usize];
        bus.ram.write_bytes(off + ph.p_filesz, &zeros);
        info.lowest = info.lowest.min(paddr);
        info.highest = info.highest.max(end);
    }
    if info.lowest == u64::MAX {
        return Err(LoadError::NothingToLoad);
    }
    for sym in elf.syms.iter() {
        if let Some(name) = elf.strtab.get_at(sym.st_name) {
            if !name.is_empty() {
                info.symbols.entry(name.to_string()).or_insert(sym.st_value);
            }
        }
    }
    bus.invalidate_code();
    Ok(info)
}
