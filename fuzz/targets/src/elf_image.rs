//! A minimal ELF64 RISC-V writer (header, program headers, a symbol table) for seeds and
//! for the boot target's kernels: the loader then sees files shaped like real ones.

/// One PT_LOAD segment: physical (= virtual) address, file bytes, memory size.
pub struct Segment<'a> {
    pub paddr: u64,
    pub data: &'a [u8],
    pub memsz: u64,
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A section header (ELF gABI "Section Header").
#[allow(clippy::too_many_arguments)]
fn shdr(out: &mut Vec<u8>, name: u32, ty: u32, off: u64, size: u64, link: u32, info: u32, entsize: u64) {
    put32(out, name);
    put32(out, ty);
    put64(out, 0); // flags
    put64(out, 0); // addr
    put64(out, off);
    put64(out, size);
    put32(out, link);
    put32(out, info);
    put64(out, 1); // addralign
    put64(out, entsize);
}

/// An executable RV64 ELF with `segs` loaded and `syms` (global symbols) in `.symtab`.
pub fn elf(entry: u64, segs: &[Segment], syms: &[(&str, u64)]) -> Vec<u8> {
    const EH: u64 = 64;
    const PH: u64 = 56;
    let mut data_off = EH + PH * segs.len() as u64;
    let mut out = Vec::new();
    out.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    put16(&mut out, 2); // ET_EXEC
    put16(&mut out, 243); // EM_RISCV
    put32(&mut out, 1);
    put64(&mut out, entry);
    put64(&mut out, EH); // e_phoff
    let shoff_at = out.len();
    put64(&mut out, 0); // e_shoff, patched below
    put32(&mut out, 5); // RVC, double-float ABI
    put16(&mut out, EH as u16);
    put16(&mut out, PH as u16);
    put16(&mut out, segs.len() as u16);
    put16(&mut out, 64);
    put16(&mut out, 4); // null, .symtab, .strtab, .shstrtab
    put16(&mut out, 3);
    for s in segs {
        put32(&mut out, 1); // PT_LOAD
        put32(&mut out, 7); // RWX
        put64(&mut out, data_off);
        put64(&mut out, s.paddr);
        put64(&mut out, s.paddr);
        put64(&mut out, s.data.len() as u64);
        put64(&mut out, s.memsz.max(s.data.len() as u64));
        put64(&mut out, 8);
        data_off += s.data.len() as u64;
    }
    for s in segs {
        out.extend_from_slice(s.data);
    }
    // .strtab, .symtab, .shstrtab.
    let mut strtab = vec![0u8];
    let mut symtab = vec![0u8; 24];
    for (name, value) in syms {
        let at = strtab.len() as u32;
        strtab.extend_from_slice(name.as_bytes());
        strtab.push(0);
        put32(&mut symtab, at);
        symtab.push(0x10); // STB_GLOBAL, STT_NOTYPE
        symtab.push(0);
        put16(&mut symtab, 0xfff1); // SHN_ABS
        put64(&mut symtab, *value);
        put64(&mut symtab, 0);
    }
    let shstrtab = b"\0.symtab\0.strtab\0.shstrtab\0";
    let sym_off = out.len() as u64;
    out.extend_from_slice(&symtab);
    let str_off = out.len() as u64;
    out.extend_from_slice(&strtab);
    let shstr_off = out.len() as u64;
    out.extend_from_slice(shstrtab);
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    let shoff = out.len() as u64;
    out[shoff_at..shoff_at + 8].copy_from_slice(&shoff.to_le_bytes());
    let mut sh = Vec::new();
    sh.extend_from_slice(&[0u8; 64]);
    shdr(&mut sh, 1, 2, sym_off, symtab.len() as u64, 2, 1, 24);
    shdr(&mut sh, 9, 3, str_off, strtab.len() as u64, 0, 0, 0);
    shdr(&mut sh, 17, 3, shstr_off, shstrtab.len() as u64, 0, 0, 0);
    out.extend_from_slice(&sh);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loader_accepts_what_this_writes() {
        let code = [0x13, 0, 0, 0];
        let img =
            elf(0x8000_0000, &[Segment { paddr: 0x8000_0000, data: &code, memsz: 64 }], &[("tohost", 0x8000_1000)]);
        let mut m =
            rvsim::machine::Machine::new(rvsim::machine::MachineConfig { ram_size: 1 << 20, ..Default::default() });
        m.load_elf(&img).expect("loads");
        assert_eq!(m.elf.entry, 0x8000_0000);
        assert_eq!(m.elf.symbol("tohost"), Some(0x8000_1000));
        assert_eq!((m.elf.lowest, m.elf.highest), (0x8000_0000, 0x8000_0040));
    }
}
