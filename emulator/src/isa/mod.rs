//! The instruction set: decoded form, decoders for 32- and 16-bit encodings, disassembler,
//! and the list of implemented extensions.

mod decode;
mod decode_c;
pub mod disasm;
pub mod extensions;
mod instr;

pub use decode::decode32;
pub use decode_c::decode16;
pub use instr::{Instr, Op};

/// Length in bytes of the instruction whose first halfword is `lo16`
/// (Unprivileged 1.5, "Base Instruction-Length Encoding"): 4 when the low two bits are
/// `11`, else 2. Longer encodings are not supported and decode as illegal.
#[inline]
pub fn insn_len(lo16: u16) -> u8 {
    if lo16 & 0b11 == 0b11 {
        4
    } else {
        2
    }
}

/// Decodes an instruction whose bits are in `raw` (only the low 16 bits are looked at for
/// a compressed encoding).
#[inline]
pub fn decode(raw: u32) -> Instr {
    if raw & 0b11 == 0b11 {
        decode32(raw)
    } else {
        decode16(raw as u16)
    }
}
