//! Patches one 32-bit word of an ELF file's initialised data, named by its symbol: how
//! `--quick` turns a workload's `BENCH_SIZE` from full to tiny sizes in a copy of the
//! ELF, so that rvsim and QEMU still run the same file.

use goblin::elf::section_header::SHT_NOBITS;
use goblin::elf::Elf;

/// A copy of `elf` with the word at `symbol` changed from `expect` to `new`
/// (little-endian). `Err` when the symbol is missing, not in the file, or holds another
/// value.
pub fn patch_word(elf: &[u8], symbol: &str, expect: u32, new: u32) -> Result<Vec<u8>, String> {
    let parsed = Elf::parse(elf).map_err(|e| format!("not an ELF file: {e}"))?;
    let addr = parsed
        .syms
        .iter()
        .find(|s| parsed.strtab.get_at(s.st_name) == Some(symbol))
        .map(|s| s.st_value)
        .ok_or_else(|| format!("no symbol {symbol}"))?;
    let sh = parsed
        .section_headers
        .iter()
        .find(|h| h.sh_type != SHT_NOBITS && h.sh_addr <= addr && addr + 4 <= h.sh_addr + h.sh_size)
        .ok_or_else(|| format!("{symbol} at {addr:#x} is in no section with file contents"))?;
    let off = (sh.sh_offset + (addr - sh.sh_addr)) as usize;
    let mut out = elf.to_vec();
    let word = out.get_mut(off..off + 4).ok_or_else(|| format!("{symbol} lies beyond the end of the file"))?;
    let old = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
    if old != expect {
        return Err(format!("{symbol} holds {old:#x}, expected {expect:#x}"));
    }
    word.copy_from_slice(&new.to_le_bytes());
    Ok(out)
}
