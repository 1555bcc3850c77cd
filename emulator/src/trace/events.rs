//! The structured event trace (`rvsim run --events FILE`): one JSON object per line for
//! each page-table walk, TLB fill, eviction, flush and permission fault, SFENCE.VMA,
//! `satp` write, trap, interrupt, trap return, virtio-blk request and guest-kernel hint.
//! The schema is in `docs/events.md`; field names are stable.
//!
//! The MMU records walks, fills, flushes and TLB faults on its slow path into
//! [`Mmu::events`](crate::mmu::Mmu::events) (fast-path TLB hits are not events); this
//! tracer reads them after each instruction or trap, and the run loop empties the list.
//! Everything else it sees through the [`Tracer`] calls: `satp` writes and trap returns
//! are the instructions that do them, the kernel's hints are HINT instructions
//! (`slti x0, rs1, imm`, see [`abi::hint`]), and virtio requests come from the devices
//! over a channel ([`RequestSink`]).

use super::events_filter::{EventFilter, Kind};
use super::TraceOut;
use crate::devices::virtio::{BlkRequest, RequestSink};
use crate::hart::{Hart, Privilege, Tracer, TrapEvent};
use crate::isa::{Instr, Op};
use crate::loader::ElfInfo;
use crate::mmu::pte::{Satp, SatpMode};
use crate::mmu::tlb::page_shift;
use crate::mmu::{Access, Fault, MmuEvent, TlbEntry};
use std::fmt::Write as _;
use std::sync::mpsc::{channel, Receiver};

/// The `satp` CSR number (Privileged 4.1.11).
const SATP: u16 = 0x180;

/// How far past a symbol an address is still described by it (1 MiB).
pub const SYMBOL_REACH: u64 = 1 << 20;

/// ELF symbols sorted by address, for `sym` fields (the loader's table, indexed).
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    by_addr: Vec<(u64, String)>,
}

impl Symbols {
    /// Indexes the symbols the loader kept (ties at one address: the first name), less
    /// the assembler's mapping (`$x`) and local (`.L`) labels.
    pub fn new(elf: &ElfInfo) -> Symbols {
        let mut by_addr: Vec<(u64, String)> = elf
            .symbols
            .iter()
            .filter(|(n, _)| !n.starts_with('$') && !n.starts_with(".L"))
            .map(|(n, &v)| (v, n.clone()))
            .collect();
        by_addr.sort();
        by_addr.dedup_by_key(|s| s.0);
        Symbols { by_addr }
    }

    /// `name+0xoff` for the symbol at or below `addr` (as `ElfInfo::symbolize`), if there
    /// is one less than [`SYMBOL_REACH`] below (the ELF has no sizes for the last one).
    pub fn describe(&self, addr: u64) -> Option<String> {
        let i = self.by_addr.partition_point(|s| s.0 <= addr).checked_sub(1)?;
        let (v, name) = &self.by_addr[i];
        if addr - v >= SYMBOL_REACH {
            return None;
        }
        Some(if addr == *v { name.clone() } else { format!("{name}+{:#x}", addr - v) })
    }
}

/// The event tracer. Build it with [`EventTrace::new`]; give the devices [`EventTrace::sink`].
pub struct EventTrace {
    out: TraceOut,
    filter: EventFilter,
    symbols: Symbols,
    /// With `--events-from`: whether the pc has reached the symbol yet.
    started: bool,
    requests: Receiver<BlkRequest>,
    sink: RequestSink,
    line: String,
    /// Events written, for the end-of-run message.
    pub written: u64,
}

/// What every event of one instruction or trap shares.
#[derive(Clone, Copy)]
struct At {
    insn: u64,
    hart: u64,
    pc: u64,
    prv: Privilege,
}

impl EventTrace {
    /// A tracer writing the events `filter` lets through to `out`.
    pub fn new(out: TraceOut, filter: EventFilter, symbols: Symbols) -> EventTrace {
        let (sink, requests) = channel();
        let started = filter.from.is_none();
        EventTrace { out, filter, symbols, started, requests, sink, line: String::with_capacity(256), written: 0 }
    }

    /// Whether the MMU must record its events (walks, TLB or SFENCE events wanted).
    pub fn wants_mmu(&self) -> bool {
        self.filter.wants(Kind::Walk) || self.filter.wants(Kind::Tlb) || self.filter.wants(Kind::Sfence)
    }

    /// Whether the devices must report their requests.
    pub fn wants_virtio(&self) -> bool {
        self.filter.wants(Kind::Virtio)
    }

    /// A sender for [`VirtioMmio::set_request_sink`](crate::devices::VirtioMmio::set_request_sink).
    pub fn sink(&self) -> RequestSink {
        self.sink.clone()
    }

    /// Flushes and returns the first write error, if any.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.out.finish()
    }

    /// Whether events at `at` may be written: after `--events-from`, inside the
    /// instruction window and at an allowed privilege. (The address and kind checks
    /// are per event.)
    fn open(&mut self, at: At) -> bool {
        if !self.started {
            if Some(at.pc) != self.filter.from {
                return false;
            }
            self.started = true;
        }
        self.filter.insns.contains(&at.insn) && self.filter.privs & (1 << at.prv as u8) != 0
    }

    /// Starts a line with the fields every event has.
    fn begin(&mut self, ty: &str, at: At) {
        self.line.clear();
        let _ = write!(
            self.line,
            "{{\"type\":\"{ty}\",\"insn\":{},\"hart\":{},\"pc\":\"{:#x}\",\"prv\":\"{}\"",
            at.insn,
            at.hart,
            at.pc,
            prv_name(at.prv)
        );
    }

    fn end(&mut self) {
        self.line.push('}');
        self.out.line(&self.line);
        self.written += 1;
    }

    /// Appends `,"key":"0x..."`.
    fn hex(&mut self, key: &str, v: u64) {
        let _ = write!(self.line, ",\"{key}\":\"{v:#x}\"");
    }

    /// Appends `,"key":N`.
    fn num(&mut self, key: &str, v: u64) {
        let _ = write!(self.line, ",\"{key}\":{v}");
    }

    /// Appends `,"key":"s"` (`s` escaped as a JSON string).
    fn str(&mut self, key: &str, s: &str) {
        let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        let _ = write!(self.line, ",\"{key}\":{quoted}");
    }

    fn sym(&mut self, key: &str, addr: u64) {
        if let Some(s) = self.symbols.describe(addr) {
            self.str(key, &s);
        }
    }

    /// Writes the MMU's events of this instruction or trap, then the devices' requests.
    fn drain(&mut self, hart: &Hart, at: At) {
        let open = self.open(at);
        if let Some(evs) = hart.mmu.events.as_deref() {
            if open {
                for ev in evs {
                    self.mmu_event(ev, at);
                }
            }
        }
        while let Ok(r) = self.requests.try_recv() {
            if open && self.filter.wants(Kind::Virtio) {
                self.virtio(&r, at);
            }
        }
    }

    fn mmu_event(&mut self, ev: &MmuEvent, at: At) {
        match ev {
            MmuEvent::Walk { va, access, steps, result } => {
                if !self.filter.wants(Kind::Walk) || !self.filter.addr_in(*va) {
                    return;
                }
                self.begin("walk", at);
                self.hex("va", *va);
                self.str("access", access_name(*access));
                self.line.push_str(",\"levels\":[");
                for (i, s) in steps.iter().enumerate() {
                    let last = i + 1 == steps.len();
                    let r = match (last, result) {
                        (false, _) => "pointer",
                        (true, Ok(_)) => "leaf",
                        (true, Err(_)) => "fault",
                    };
                    let sep = if i == 0 { "" } else { "," };
                    let _ = write!(
                        self.line,
                        "{sep}{{\"level\":{},\"pte_addr\":\"{:#x}\",\"pte\":\"{:#x}\",\"result\":\"{r}\"}}",
                        s.level, s.pte_addr, s.pte
                    );
                }
                self.line.push(']');
                match result {
                    Ok(pa) => {
                        self.str("result", "ok");
                        self.hex("pa", *pa);
                    }
                    Err(f) => {
                        self.str("result", "fault");
                        self.str("fault", &fault_name(*f));
                    }
                }
                self.end();
            }
            MmuEvent::Fill { access, slot, entry, evicted } => self.fill(at, tlb_name(*access), *slot, entry, evicted),
            MmuEvent::L2Fill { slot, entry, evicted } => self.fill(at, "l2tlb", *slot, entry, evicted),
            MmuEvent::L2Hit { va, access, slot } => {
                if !self.filter.wants(Kind::Tlb) || !self.filter.addr_in(*va) {
                    return;
                }
                self.begin("l2tlb_hit", at);
                self.hex("va", *va);
                self.str("access", access_name(*access));
                self.num("slot", *slot as u64);
                self.end();
            }
            MmuEvent::Flush { vaddr, asid, itlb, dtlb, l2tlb } => {
                if vaddr.is_some_and(|v| !self.filter.addr_in(v)) {
                    return;
                }
                let kind = match (vaddr.is_some(), asid.is_some()) {
                    (false, false) => "all",
                    (true, false) => "va",
                    (false, true) => "asid",
                    (true, true) => "va_asid",
                };
                if self.filter.wants(Kind::Sfence) {
                    self.begin("sfence", at);
                    self.str("kind", kind);
                    self.fence_operands(*vaddr, *asid);
                    self.num("itlb", *itlb);
                    self.num("dtlb", *dtlb);
                    if *l2tlb > 0 {
                        self.num("l2tlb", *l2tlb);
                    }
                    self.end();
                }
                if self.filter.wants(Kind::Tlb) {
                    let l2 = (*l2tlb > 0).then_some(("l2tlb", *l2tlb));
                    for (tlb, n) in [("itlb", *itlb), ("dtlb", *dtlb)].into_iter().chain(l2) {
                        self.begin("tlb_flush", at);
                        self.str("tlb", tlb);
                        self.str("kind", kind);
                        self.fence_operands(*vaddr, *asid);
                        self.num("entries", n);
                        self.end();
                    }
                }
            }
            MmuEvent::TlbFault { va, access, fault } => {
                if !self.filter.wants(Kind::Tlb) || !self.filter.addr_in(*va) {
                    return;
                }
                self.begin("tlb_fault", at);
                self.str("tlb", tlb_name(*access));
                self.hex("va", *va);
                self.str("access", access_name(*access));
                self.str("fault", &fault_name(*fault));
                self.end();
            }
        }
    }

    /// A TLB fill (and the eviction it caused) in TLB `tlb` (`itlb`, `dtlb`, `l2tlb`).
    fn fill(&mut self, at: At, tlb: &str, slot: usize, entry: &TlbEntry, evicted: &Option<TlbEntry>) {
        if !self.filter.wants(Kind::Tlb) {
            return;
        }
        if let Some(old) = evicted {
            if self.filter.range_in(entry_va(old), page_size(old)) {
                self.begin("tlb_evict", at);
                self.str("tlb", tlb);
                self.entry(old);
                self.num("slot", slot as u64);
                self.end();
            }
        }
        if self.filter.range_in(entry_va(entry), page_size(entry)) {
            self.begin("tlb_fill", at);
            self.str("tlb", tlb);
            self.entry(entry);
            self.hex("pa", entry.pa_base);
            self.str("flags", &flags_text(entry.flags));
            self.num("slot", slot as u64);
            self.end();
        }
    }

    /// The fields of a TLB entry: page base `va`, `vpn` (va >> 12), `asid`, `global`,
    /// `page_size`.
    fn entry(&mut self, e: &TlbEntry) {
        self.hex("va", entry_va(e));
        self.hex("vpn", entry_va(e) >> 12);
        self.num("asid", e.asid as u64);
        let _ = write!(self.line, ",\"global\":{}", e.global);
        self.num("page_size", page_size(e));
    }

    fn fence_operands(&mut self, vaddr: Option<u64>, asid: Option<u16>) {
        if let Some(v) = vaddr {
            self.hex("va", v);
            self.hex("vpn", v >> 12);
        }
        if let Some(a) = asid {
            self.num("asid", a as u64);
        }
    }

    fn virtio(&mut self, r: &BlkRequest, at: At) {
        self.begin("virtio", at);
        self.num("slot", r.slot as u64);
        let op = match r.kind {
            0 => "read",
            1 => "write",
            4 => "flush",
            8 => "get_id",
            _ => "other",
        };
        self.str("op", op);
        self.num("sector", r.sector);
        self.num("len", r.len);
        self.num("status", r.status as u64);
        self.end();
    }

    /// The events an instruction is itself: a `satp` write, a trap return, a kernel hint.
    fn instruction(&mut self, hart: &Hart, at: At, ins: &Instr) {
        match ins.op {
            Op::Mret | Op::Sret if self.filter.wants(Kind::Trap) && self.filter.addr_in(hart.pc) => {
                self.begin("return", at);
                self.str("op", if ins.op == Op::Mret { "mret" } else { "sret" });
                self.str("from", prv_name(at.prv));
                self.str("to", prv_name(hart.prv));
                self.hex("epc", hart.pc);
                self.sym("sym", hart.pc);
                self.end();
            }
            Op::Slti if ins.rd == 0 && self.filter.wants(Kind::Kernel) => {
                let Some(outcome) = abi::hint::name(ins.imm - abi::hint::BASE) else { return };
                let va = hart.xr(ins.rs1);
                if !self.filter.addr_in(va) {
                    return;
                }
                self.begin("kernel", at);
                self.str("event", "page_fault");
                self.str("outcome", outcome);
                self.hex("va", va);
                self.end();
            }
            _ if self.filter.wants(Kind::Satp) && super::commit::csr_written(ins) == Some(SATP) => {
                let v = hart.csr.satp;
                let s = Satp::from_bits(v);
                self.begin("satp", at);
                self.hex("value", v);
                let mode = match SatpMode::from_bits(s.mode) {
                    Some(SatpMode::Bare) => "bare",
                    Some(SatpMode::Sv39) => "sv39",
                    Some(SatpMode::Sv48) => "sv48",
                    Some(SatpMode::Sv57) => "sv57",
                    None => "reserved",
                };
                self.str("mode", mode);
                self.num("asid", s.asid as u64);
                self.hex("root", s.ppn << 12);
                self.end();
            }
            _ => {}
        }
    }
}

impl Tracer for EventTrace {
    const ACTIVE: bool = true;

    fn commit(&mut self, hart: &Hart, pc: u64, prv: Privilege, ins: &Instr) {
        let at = At { insn: hart.retired.wrapping_sub(1), hart: hart.hartid, pc, prv };
        self.drain(hart, at);
        if self.started && self.open(at) {
            self.instruction(hart, at, ins);
        }
    }

    fn trapped(&mut self, hart: &Hart, pc: u64, _ins: &Instr) {
        let at = At { insn: hart.retired, hart: hart.hartid, pc, prv: hart.prv };
        self.drain(hart, at);
    }

    fn trap(&mut self, hart: &Hart, ev: &TrapEvent) {
        let at = At { insn: hart.retired, hart: hart.hartid, pc: ev.epc, prv: ev.from };
        if !ev.interrupt {
            // A fetch fault's walk is still pending (there was no `trapped`); an
            // interrupt's pending events belong to the next instruction.
            self.drain(hart, at);
        }
        let kind = if ev.interrupt { Kind::Interrupt } else { Kind::Trap };
        // Memory-access exceptions are filtered by their address, the rest by epc.
        let addr = if !ev.interrupt && matches!(ev.cause, 0..=7 | 12 | 13 | 15) { ev.tval } else { ev.epc };
        if !self.filter.wants(kind) || !self.filter.addr_in(addr) || !self.open(at) {
            return;
        }
        self.begin(if ev.interrupt { "interrupt" } else { "trap" }, at);
        self.num("cause", ev.cause);
        let name = super::spike_trap_name(ev);
        self.str("name", name.strip_prefix("trap_").unwrap_or(&name));
        if !ev.interrupt {
            self.hex("tval", ev.tval);
        }
        self.hex("epc", ev.epc);
        self.sym("sym", ev.epc);
        self.str("from", prv_name(ev.from));
        self.str("to", prv_name(ev.to));
        self.hex("handler", hart.pc);
        self.end();
    }
}

fn prv_name(p: Privilege) -> &'static str {
    match p {
        Privilege::User => "U",
        Privilege::Supervisor => "S",
        Privilege::Machine => "M",
    }
}

fn access_name(a: Access) -> &'static str {
    match a {
        Access::Fetch => "fetch",
        Access::Load => "load",
        Access::Store => "store",
    }
}

fn tlb_name(a: Access) -> &'static str {
    match a {
        Access::Fetch => "itlb",
        _ => "dtlb",
    }
}

/// The base virtual address of the page a TLB entry maps.
fn entry_va(e: &TlbEntry) -> u64 {
    e.tag << page_shift(e.level as u32)
}

fn page_size(e: &TlbEntry) -> u64 {
    1u64 << page_shift(e.level as u32)
}

/// A walker fault's name in snake case (`NotWritable` -> `not_writable`).
pub fn fault_name(f: Fault) -> String {
    let mut s = String::new();
    for (i, c) in format!("{f:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                s.push('_');
            }
            s.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            s.push(c);
        }
    }
    s
}

/// PTE flag bits D A G U X W R V (bit 7 down to 0) as letters, `-` for a clear bit.
fn flags_text(f: u8) -> String {
    "daguxwrv".chars().enumerate().map(|(i, c)| if f & (0x80 >> i) != 0 { c } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(fault_name(Fault::NotWritable), "not_writable");
        assert_eq!(fault_name(Fault::NonCanonical), "non_canonical");
        // V R W X U G A D = bits 0..7.
        assert_eq!(flags_text(0b1100_0011), "da----rv");
        assert_eq!(flags_text(0xff), "daguxwrv");
    }

    #[test]
    fn symbols_describe_offsets() {
        let mut elf = ElfInfo::default();
        elf.symbols.insert("start".into(), 0x8000_0000);
        elf.symbols.insert("handler".into(), 0x8000_0100);
        let s = Symbols::new(&elf);
        assert_eq!(s.describe(0x8000_0000).as_deref(), Some("start"));
        assert_eq!(s.describe(0x8000_0104).as_deref(), Some("handler+0x4"));
        assert_eq!(s.describe(0x7fff_ffff), None);
        assert_eq!(s.describe(0x8000_0100 + SYMBOL_REACH), None, "too far past the last symbol");
    }
}
