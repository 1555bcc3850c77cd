//! The disassembly trace, in the layout of Spike's `-l` log:
//!
//! ```text
//! core   0: 0x0000000080000000 (0x00000297) auipc   t0, 0x0
//! ```
//!
//! pc, the raw bits (always 8 hex digits, as Spike prints them), and the instruction as
//! Spike's disassembler prints it ([`spike_disasm`]). Traps add Spike's trap lines.
//!
//! By default the trace follows Spike (riscv/processor.cc `processor_t::disasm`, called
//! when an instruction is fetched): an instruction that raises an exception is printed
//! too, before its trap lines, and an instruction executed again at the same pc right
//! after itself (a `j .` loop) is not printed again; the repeats are counted and reported
//! as `core   0: Executed N times` before the next different line. Spike also prints
//! `core   0: >>>>  SYMBOL` when the pc is an ELF symbol; that line is not produced here.
//! [`DisasmTrace::retired_only`] prints exactly the retired instructions instead.

use super::spike_disasm::spike_disasm;
use super::{trap_lines, TraceOut};
use crate::hart::{Hart, Privilege, Tracer, TrapEvent};
use crate::isa::Instr;

/// Writes the Spike `-l` style trace.
pub struct DisasmTrace {
    out: TraceOut,
    /// Spike's behaviour: trapping instructions printed, repeats collapsed.
    spike: bool,
    /// The last line's pc and bits, and how often it ran in a row (Spike's `last_pc`,
    /// `last_bits`, `executions`).
    last: Option<(u64, u32)>,
    executions: u64,
}

impl DisasmTrace {
    /// The trace as Spike's `-l` prints it.
    pub fn new(out: TraceOut) -> DisasmTrace {
        DisasmTrace { out, spike: true, last: None, executions: 1 }
    }

    /// One line per retired instruction, nothing for one that traps.
    pub fn retired_only(out: TraceOut) -> DisasmTrace {
        DisasmTrace { spike: false, ..DisasmTrace::new(out) }
    }

    /// Flushes the trace; returns the first write error, if any.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.out.finish()
    }

    /// Spike's `processor_t::disasm`: a line unless it repeats the previous one.
    fn fetched(&mut self, hartid: u64, pc: u64, ins: &Instr) {
        let bits = if ins.len == 2 { ins.raw & 0xffff } else { ins.raw };
        if self.last == Some((pc, bits)) {
            self.executions += 1;
            return;
        }
        if self.executions != 1 {
            self.out.line(&format!("core {hartid:3}: Executed {} times", self.executions));
        }
        self.out.line(&format_disasm_line(hartid, pc, ins));
        self.last = Some((pc, bits));
        self.executions = 1;
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
        if self.spike {
            self.fetched(hart.hartid, pc, ins);
        } else {
            self.out.line(&format_disasm_line(hart.hartid, pc, ins));
        }
    }

    fn trapped(&mut self, hart: &Hart, pc: u64, ins: &Instr) {
        if self.spike {
            self.fetched(hart.hartid, pc, ins);
        }
    }

    fn trap(&mut self, hart: &Hart, ev: &TrapEvent) {
        trap_lines(&mut self.out, hart.hartid, ev);
    }
}
