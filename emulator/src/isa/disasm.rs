//! Disassembler: renders an [`Instr`] as GNU objdump does (placeholder, filled in by the
//! disassembler work; see `Display`).

use super::instr::Instr;
use std::fmt;

impl fmt::Display for Instr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.op)
    }
}
