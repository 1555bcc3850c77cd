//! A minimal ELF64 writer: an executable with one PT_LOAD segment per (address, bytes)
//! pair, the entry at the first segment (ELF-64 Object File Format, RISC-V psABI e_flags:
//! RVC + double-float ABI).

/// Builds the ELF image.
pub fn write(entry: u64, segments: &[(u64, &[u8])]) -> Vec<u8> {
    let phoff = 64u64;
    let mut data_off = phoff + 56 * segments.len() as u64;
    let mut out = Vec::new();
    out.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    out.extend_from_slice(&243u16.to_le_bytes()); // EM_RISCV
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&entry.to_le_bytes());
    out.extend_from_slice(&phoff.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes()); // no section headers
    out.extend_from_slice(&0x5u32.to_le_bytes()); // EF_RISCV_RVC | float ABI double
    out.extend_from_slice(&64u16.to_le_bytes());
    out.extend_from_slice(&56u16.to_le_bytes());
    out.extend_from_slice(&(segments.len() as u16).to_le_bytes());
    out.extend_from_slice(&64u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    for (addr, bytes) in segments {
        out.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        out.extend_from_slice(&7u32.to_le_bytes()); // RWX
        out.extend_from_slice(&data_off.to_le_bytes());
        out.extend_from_slice(&addr.to_le_bytes());
        out.extend_from_slice(&addr.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&8u64.to_le_bytes());
        data_off += bytes.len() as u64;
    }
    for (_, bytes) in segments {
        out.extend_from_slice(bytes);
    }
    out
}
