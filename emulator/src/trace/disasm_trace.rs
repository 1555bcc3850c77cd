//! The disassembly trace, in the layout of Spike's `-l` log:
//!
//! ```text
//! core   0: 0x0000000080000000 (0x00000297) auipc   t0, 0x0
//! ```
//!
//! pc, the raw bits (always 8 hex digits, as Spike prints them), and the instruction as
//! Spike's disassembler prints it ([`spike_disasm`]). Traps add Spike's trap lines.
//!
//! Difference from Spike: Spike prints an instruction when it is fetched, so an
//! instruction that traps appears before its trap line; here only retired instructions
//! are printed, followed by the trap lines of any trap.

use super::spike_disasm::spike_disasm;
use super::{trap_lines, TraceOut};
use crate::hart::{Hart, Privilege, Tracer, TrapEvent};
use crate::isa::Instr;

/// Writes the Spike `-l` style trace.
pub struct DisasmTrace {
    out: TraceOut,
}

impl DisasmTrace {
    pub fn new(out: TraceOut) -> DisasmTrace {
        DisasmTrace { out }
    }

    /// Flushes the trace; returns the first write error, if any.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.out.finish()
    }
}

/// One disassembly-trace line (without the newline).
pub fn format_disasm_line(hartid: u64, pc: u64, ins: &Instr) -> String {
    let bits = if ins.len == 2 { ins.raw & 0xffff } else { ins.raw };
    format!("core {hartid:3}: 0x{pc:016x} (0x{bits:08x}) {}", spike_disasm(ins))
}

impl Tracer for DisasmTrace {
    const ACTIVE: bool = true;

    fn commit(&mut self, hart: &Hart, pc: u64, _prv: Privilege, ins: &Instr) {
        self.out.line(&format_disasm_line(hart.hartid, pc, ins));
    }

    fn trap(&mut self, hart: &Hart, ev: &TrapEvent) {
        trap_lines(&mut self.out, hart.hartid, ev);
    }
}
