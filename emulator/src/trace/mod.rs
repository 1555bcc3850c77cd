//! Observing execution: the Spike-format commit log, the disassembly trace, the
//! structured event trace, and the end-of-run statistics.
//!
//! Traces are [`Tracer`](crate::hart::Tracer) implementations: the run loop is generic
//! over the tracer, so a run without tracing ([`NoTrace`](crate::hart::NoTrace)) compiles
//! to the same code as before. Two tracers run together as a pair `(A, B)`.

pub mod commit;
pub mod disasm_trace;
pub mod events;
pub mod events_filter;
pub mod events_summary;
pub mod spike_disasm;
pub mod spike_order;
pub mod stats;

pub use commit::CommitLog;
pub use disasm_trace::DisasmTrace;
pub use events::EventTrace;

use crate::hart::{Hart, Privilege, Tracer, TrapEvent};
use crate::isa::Instr;
use std::io::{self, Write};

/// Both tracers see every event, `A` first.
impl<A: Tracer, B: Tracer> Tracer for (A, B) {
    const ACTIVE: bool = A::ACTIVE || B::ACTIVE;

    fn commit(&mut self, hart: &Hart, pc: u64, prv: Privilege, ins: &Instr) {
        self.0.commit(hart, pc, prv, ins);
        self.1.commit(hart, pc, prv, ins);
    }

    fn trapped(&mut self, hart: &Hart, pc: u64, ins: &Instr) {
        self.0.trapped(hart, pc, ins);
        self.1.trapped(hart, pc, ins);
    }

    fn trap(&mut self, hart: &Hart, ev: &TrapEvent) {
        self.0.trap(hart, ev);
        self.1.trap(hart, ev);
    }

    fn stop_before(&mut self, hart: &Hart, pc: u64) -> bool {
        self.0.stop_before(hart, pc) | self.1.stop_before(hart, pc)
    }

    fn stop_after(&mut self, hart: &Hart) -> bool {
        self.0.stop_after(hart) | self.1.stop_after(hart)
    }
}

/// A borrowed tracer traces (so a pair can hold two borrowed tracers).
impl<T: Tracer> Tracer for &mut T {
    const ACTIVE: bool = T::ACTIVE;

    fn commit(&mut self, hart: &Hart, pc: u64, prv: Privilege, ins: &Instr) {
        (**self).commit(hart, pc, prv, ins);
    }

    fn trapped(&mut self, hart: &Hart, pc: u64, ins: &Instr) {
        (**self).trapped(hart, pc, ins);
    }

    fn trap(&mut self, hart: &Hart, ev: &TrapEvent) {
        (**self).trap(hart, ev);
    }

    fn stop_before(&mut self, hart: &Hart, pc: u64) -> bool {
        (**self).stop_before(hart, pc)
    }

    fn stop_after(&mut self, hart: &Hart) -> bool {
        (**self).stop_after(hart)
    }
}

/// An optional tracer traces when present (so the front end can combine the tracers it
/// was asked for into one type; the untraced run still uses `NoTrace`).
impl<T: Tracer> Tracer for Option<T> {
    const ACTIVE: bool = T::ACTIVE;

    fn commit(&mut self, hart: &Hart, pc: u64, prv: Privilege, ins: &Instr) {
        if let Some(t) = self {
            t.commit(hart, pc, prv, ins);
        }
    }

    fn trapped(&mut self, hart: &Hart, pc: u64, ins: &Instr) {
        if let Some(t) = self {
            t.trapped(hart, pc, ins);
        }
    }

    fn trap(&mut self, hart: &Hart, ev: &TrapEvent) {
        if let Some(t) = self {
            t.trap(hart, ev);
        }
    }

    fn stop_before(&mut self, hart: &Hart, pc: u64) -> bool {
        self.as_mut().is_some_and(|t| t.stop_before(hart, pc))
    }

    fn stop_after(&mut self, hart: &Hart) -> bool {
        self.as_mut().is_some_and(|t| t.stop_after(hart))
    }
}

/// A trace output: buffered, remembering the first write error so the run is not
/// interrupted and the error can be reported once at the end.
pub struct TraceOut {
    w: io::BufWriter<Box<dyn Write>>,
    error: Option<io::Error>,
}

impl TraceOut {
    /// Wraps any writer (a file, stderr, or a `Vec<u8>` in tests).
    pub fn new(w: Box<dyn Write>) -> TraceOut {
        TraceOut { w: io::BufWriter::with_capacity(1 << 16, w), error: None }
    }

    /// Opens `path` for writing; `-` means standard error.
    pub fn create(path: &std::path::Path) -> io::Result<TraceOut> {
        if path.as_os_str() == "-" {
            return Ok(TraceOut::new(Box::new(io::stderr())));
        }
        Ok(TraceOut::new(Box::new(std::fs::File::create(path)?)))
    }

    /// Writes one line (the newline is added).
    pub fn line(&mut self, s: &str) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.w.write_all(s.as_bytes()).and_then(|_| self.w.write_all(b"\n")) {
            self.error = Some(e);
        }
    }

    /// Flushes and returns the first error met while writing, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.w.flush()
    }
}

/// Spike's name for an exception or interrupt (its `trap_t::name()`), used in trap lines.
pub fn spike_trap_name(ev: &TrapEvent) -> String {
    if ev.interrupt {
        return format!("interrupt #{}", ev.cause);
    }
    let name = match ev.cause {
        0 => "trap_instruction_address_misaligned",
        1 => "trap_instruction_access_fault",
        2 => "trap_illegal_instruction",
        3 => "trap_breakpoint",
        4 => "trap_load_address_misaligned",
        5 => "trap_load_access_fault",
        6 => "trap_store_address_misaligned",
        7 => "trap_store_access_fault",
        8 => "trap_user_ecall",
        9 => "trap_supervisor_ecall",
        11 => "trap_machine_ecall",
        12 => "trap_instruction_page_fault",
        13 => "trap_load_page_fault",
        15 => "trap_store_page_fault",
        16 => "trap_double_trap",
        18 => "trap_software_check",
        c => return format!("trap #{c}"),
    };
    name.to_string()
}

/// The trap lines Spike prints when it takes a trap:
/// `core   0: exception trap_illegal_instruction, epc 0x...` (interrupts read
/// `exception interrupt #7`, as in Spike) and, for exceptions that carry a value (not
/// ECALL, double trap or an unnamed cause, not interrupts), `core   0:           tval 0x...`.
pub fn trap_lines(out: &mut TraceOut, hartid: u64, ev: &TrapEvent) {
    out.line(&format!("core {hartid:3}: exception {}, epc 0x{:016x}", spike_trap_name(ev), ev.epc));
    // Spike's insn_trap_t and mem_trap_t carry a tval (riscv/trap.h); the ECALLs, the
    // double trap, unnamed causes and interrupts (plain trap_t) do not.
    if !ev.interrupt && matches!(ev.cause, 0..=7 | 12 | 13 | 15 | 18) {
        out.line(&format!("core {hartid:3}:           tval 0x{:016x}", ev.tval));
    }
}
