//! The execute loop: interrupts are checked at block boundaries, a block is fetched from
//! the decoded-instruction cache (decoding it on a miss) and run to its end or to the first
//! trap. Tracing is a type parameter, so with [`NoTrace`] it compiles away; so do the
//! debugger's stops ([`Tracer::stop_before`], [`Tracer::stop_after`]), which end a run
//! with [`StopReason::Debug`] and leave a [`Resume`] point so that the next run continues
//! exactly where this one stopped, inside the same block.

use super::csr::MENVCFG_STCE;
use super::exec::Flow;
use super::icache::{link_key, Block, ICache, MAX_BLOCK};
use super::trap::{Exception, TrapEvent};
use super::{Hart, Privilege};
use crate::bus::{Bus, RAM_BASE};
use crate::devices::ExitRequest;
use crate::isa::{decode, Instr};
use crate::mmu::Access;

/// Observes execution. Every method has an empty default; `ACTIVE = false` lets the
/// compiler remove all calls and the memory-access log.
pub trait Tracer {
    const ACTIVE: bool;
    /// After an instruction retired; `pc` and `prv` are from before it executed.
    fn commit(&mut self, _hart: &Hart, _pc: u64, _prv: Privilege, _ins: &Instr) {}
    /// An instruction raised an exception instead of retiring (before the trap is taken);
    /// `pc` is its address.
    fn trapped(&mut self, _hart: &Hart, _pc: u64, _ins: &Instr) {}
    /// After a trap was taken.
    fn trap(&mut self, _hart: &Hart, _ev: &TrapEvent) {}
    /// Before the instruction at `pc` executes: true stops the run there (a breakpoint).
    fn stop_before(&mut self, _hart: &Hart, _pc: u64) -> bool {
        false
    }
    /// After an instruction retired or a trap (exception or interrupt) was taken: true
    /// stops the run there (a single step, a watchpoint).
    fn stop_after(&mut self, _hart: &Hart) -> bool {
        false
    }
}

/// The tracer that records nothing.
pub struct NoTrace;

impl Tracer for NoTrace {
    const ACTIVE: bool = false;
}

/// Why [`Core::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The cycle budget ran out.
    Budget,
    /// The guest asked to stop (finisher, HTIF, SBI reset).
    Exit(ExitRequest),
    /// The tracer asked to stop ([`Tracer::stop_before`] or [`Tracer::stop_after`]).
    Debug,
}

/// Where a run stopped by the tracer continues: the loop's bookkeeping, and the block and
/// instruction index when it stopped inside a block. Resuming there (rather than looking
/// the pc up again) keeps the run identical to one that never stopped: no extra iTLB
/// lookup, and interrupts are still only sampled at the block boundaries they would be.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resume {
    sync: bool,
    next_check: u64,
    /// (block, index of the next instruction, code generation of the cache then).
    at: Option<(usize, usize, u64)>,
}

/// A hart and its decoded-instruction cache.
pub struct Core {
    pub hart: Hart,
    icache: ICache,
    /// Set when the last run ended with [`StopReason::Debug`]; read by the next traced run.
    resume: Option<Box<Resume>>,
}

impl Core {
    pub fn new(hart: Hart) -> Core {
        Core { hart, icache: ICache::new(), resume: None }
    }

    /// After a debugger changed registers or memory while the run was stopped: the next
    /// run starts with a full look at the machine (code generation, translation mode,
    /// interrupts) at the current pc instead of inside the block it stopped in.
    pub fn state_changed(&mut self) {
        if let Some(r) = self.resume.as_mut() {
            r.sync = true;
            r.at = None;
        }
    }

    /// Runs until the hart's cycle count reaches `until` or the guest asks to stop.
    pub fn run<T: Tracer>(&mut self, bus: &mut Bus, until: u64, tracer: &mut T) -> StopReason {
        self.hart.log_mem = T::ACTIVE;
        // `sync` asks for a full look at machine state before the next block: exit
        // requests, the code generation, interrupt lines. It is set whenever a block ended
        // on something that may have changed them (a device or code store, a CSR write, a
        // trap, xRET, WFI); otherwise only the clock is compared against `next_check`.
        let mut sync = true;
        let mut next_check = 0;
        // The block just executed, when it ended by falling through or jumping with
        // translation off (so its link to the next block can be used or set).
        let mut prev: Option<usize> = None;
        // Continuing after a debugger stop: the loop state, and the block to finish.
        let mut resume_at = None;
        if T::ACTIVE {
            if let Some(r) = self.resume.take() {
                sync = r.sync;
                next_check = r.next_check;
                resume_at = r.at.filter(|&(_, _, gen)| gen == bus.code_gen && self.icache.gen == gen);
            }
        }
        loop {
            let h = &mut self.hart;
            if T::ACTIVE && resume_at.is_some() {
                // Finish the block the stop interrupted, without the checks of a boundary.
            } else if sync || h.cycles() >= next_check {
                if let Some(req) = bus.dev.exit_request() {
                    return StopReason::Exit(req);
                }
                if h.cycles() >= until {
                    return StopReason::Budget;
                }
                if self.icache.gen != bus.code_gen || h.flush_icache {
                    self.icache.flush();
                    self.icache.gen = bus.code_gen;
                    h.flush_icache = false;
                }
                // Interrupts (Privileged 3.1.9): sample the lines, take the highest-priority
                // enabled one. A pending one ends WFI even if globally disabled.
                h.mtime_offset = bus.dev.clint.mtime_offset;
                // (Under Sstc, `mip()` derives STIP from stimecmp itself.)
                h.irq_lines = bus.dev.irq_lines(h.hartid as usize, h.cycles());
                if h.mip() & h.csr.mie != 0 {
                    h.waiting = false;
                    if let Some(i) = h.pending_interrupt() {
                        let ev = h.take_interrupt(i);
                        h.traps += 1;
                        h.stats.interrupts[i as usize & 15] += 1;
                        if T::ACTIVE {
                            tracer.trap(h, &ev);
                            if tracer.stop_after(h) {
                                self.resume = Some(Box::new(Resume { sync: true, next_check, at: None }));
                                return StopReason::Debug;
                            }
                        }
                        continue;
                    }
                }
                if h.waiting {
                    h.idle += idle_cycles(h, bus, until);
                    continue;
                }
                next_check = next_timer_event(h, bus, until);
                sync = false;
            }
            let pc = h.pc;
            // The block reached from the previous one through its link (chaining), if
            // any. With fetch translation off, pc is the physical address: the link is
            // used if its block starts there. With translation on, the fetch is
            // translated as on any block entry (the iTLB sees it exactly as without
            // links), and the link saves the lookup when it leads to that address.
            let linked = match prev {
                Some(p) if !sync => self.icache.follow(p, link_key(pc, self.hart.prv)),
                _ => None,
            };
            let mut skip = 0;
            let b = match linked {
                Some(b) if !self.hart.fetch_paging && self.icache.block(b).pa == pc => b,
                _ if T::ACTIVE && resume_at.is_some() => {
                    let (b, i, _) = resume_at.take().unwrap_or_default();
                    skip = i;
                    b
                }
                _ => {
                    let hint = linked.filter(|_| self.hart.fetch_paging);
                    let Some(b) = self.fetch_block(pc, hint, bus, tracer) else {
                        if T::ACTIVE && tracer.stop_after(&self.hart) {
                            self.resume = Some(Box::new(Resume { sync: true, next_check, at: None }));
                            return StopReason::Debug;
                        }
                        sync = true;
                        prev = None;
                        continue;
                    };
                    if let Some(p) = prev.filter(|_| Some(b) != hint) {
                        self.icache.link(p, link_key(pc, self.hart.prv), b);
                    }
                    b
                }
            };
            let h = &mut self.hart;
            let prv = h.prv;
            let start = h.retired;
            if T::ACTIVE {
                let stop = run_block_traced(h, &self.icache.block(b).instrs, skip, bus, tracer, &mut sync);
                h.stats.retired_by_priv[prv as usize] += h.retired - start;
                if let Some(next) = stop {
                    let len = self.icache.block(b).instrs.len();
                    let at = next.filter(|&n| n < len).map(|n| (b, n, self.icache.gen));
                    // A block that ran to its end with Flow::Next falls through: the next
                    // run starts at a boundary, with the state this one had.
                    self.resume = Some(Box::new(Resume { sync, next_check, at }));
                    return StopReason::Debug;
                }
            } else {
                // The untraced loop, kept apart from the traced one so that its code is
                // exactly what it is without any tracing or debugging support: the
                // block's micro-ops, with pc and retired written per block.
                sync |= h.run_block(self.icache.block(b), bus);
                h.stats.retired_by_priv[prv as usize] += h.retired - start;
            }
            // Links skip the PMP fetch check: a link is made only to a block whose page
            // PMP allowed in full at the privilege it is tagged with (any PMP change
            // flushes all blocks), so following it at that privilege, to the same
            // physical address, needs no check.
            prev = if sync { None } else { Some(b) };
        }
    }

    /// Translates `pc` and finds or decodes its block. `None` when the fetch trapped or
    /// the instruction crossing a page was executed on its own; the trap is taken.
    /// `hint` is the block a link leads to: used without the PMP check and the lookup
    /// when it starts at the translated address.
    fn fetch_block<T: Tracer>(&mut self, pc: u64, hint: Option<usize>, bus: &mut Bus, tracer: &mut T) -> Option<usize> {
        let h = &mut self.hart;
        let pa = match h.translate(pc, Access::Fetch, 2, bus) {
            Ok(pa) => pa,
            Err(e) => {
                trap(h, e, tracer);
                return None;
            }
        };
        if let Some(b) = hint.filter(|&b| self.icache.block(b).pa == pa) {
            return Some(b);
        }
        // A block's later instructions are not checked again: when PMP does not allow
        // fetches from this whole page, run one instruction at a time, each checked.
        if h.fetch_check && !h.mmu.pmp.page_allowed(pa, Access::Fetch, h.prv) {
            step_uncached(h, pa, bus, tracer);
            return None;
        }
        if let Some(b) = self.icache.lookup(pa) {
            return Some(b);
        }
        match build_block(pc, pa, bus) {
            Ok(Some(block)) => {
                if pa.wrapping_sub(RAM_BASE) < bus.ram.size() {
                    let bytes: u64 = block.instrs.iter().map(|i| i.len as u64).sum();
                    bus.ram.mark_code(pa.wrapping_sub(RAM_BASE), bytes);
                }
                Some(self.icache.insert(block))
            }
            Ok(None) => {
                step_uncached(h, pa, bus, tracer);
                None
            }
            Err(e) => {
                trap(h, e, tracer);
                None
            }
        }
    }
}

/// Runs the instructions of a block from index `skip` with the tracer watching: commit
/// and trap events, and its stops. Returns `Some(next)` when the tracer stopped the run:
/// the index of the instruction to resume at when the block goes on, `None` when it ended
/// (a jump, a trap, a CSR write...). `sync` is set as the untraced loop sets it.
fn run_block_traced<T: Tracer>(
    h: &mut Hart,
    instrs: &[Instr],
    skip: usize,
    bus: &mut Bus,
    tracer: &mut T,
    sync: &mut bool,
) -> Option<Option<usize>> {
    let prv = h.prv;
    for (i, ins) in instrs.iter().enumerate().skip(skip) {
        let pc = h.pc;
        if tracer.stop_before(h, pc) {
            return Some(Some(i));
        }
        match h.execute(ins, bus) {
            Ok(flow) => {
                h.retired += 1;
                tracer.commit(h, pc, prv, ins);
                clear_logs(h);
                let stop = tracer.stop_after(h);
                match flow {
                    Flow::Next => {
                        h.pc = pc.wrapping_add(ins.len as u64);
                        if stop {
                            // The next instruction of this block, if the block goes on.
                            return Some(Some(i + 1));
                        }
                        continue;
                    }
                    Flow::Jump => {}
                    Flow::Sync => *sync = true,
                    Flow::End => {
                        h.pc = pc.wrapping_add(ins.len as u64);
                        *sync = true;
                    }
                    Flow::Wait => {
                        h.pc = pc.wrapping_add(ins.len as u64);
                        h.waiting = true;
                        *sync = true;
                    }
                }
                return stop.then_some(None);
            }
            Err(e) => {
                tracer.trapped(h, pc, ins);
                clear_logs(h);
                trap(h, e, tracer);
                *sync = true;
                return tracer.stop_after(h).then_some(None);
            }
        }
    }
    None
}

pub(super) fn trap<T: Tracer>(h: &mut Hart, e: Exception, tracer: &mut T) {
    h.traps += 1;
    h.stats.exceptions[e.code() as usize & 15] += 1;
    let ev = h.take_exception(e);
    if T::ACTIVE {
        tracer.trap(h, &ev);
        clear_logs(h);
    }
}

/// After the tracer saw an instruction or trap: forget its memory accesses and MMU events.
#[inline(always)]
fn clear_logs(h: &mut Hart) {
    h.mem_log.clear();
    if let Some(ev) = h.mmu.events.as_mut() {
        ev.clear();
    }
}

/// The cycle count at which a timer line may next change (or `until`): mtimecmp and,
/// under Sstc, stimecmp, converted from `mtime` to this hart's cycles.
fn next_timer_event(h: &Hart, bus: &Bus, until: u64) -> u64 {
    let now = h.cycles();
    let mut next = until;
    let at = |cmp: u64| cmp.wrapping_sub(h.mtime_offset);
    let m = at(bus.dev.clint.mtimecmp(h.hartid as usize));
    if m > now {
        next = next.min(m);
    }
    if h.csr.menvcfg & MENVCFG_STCE != 0 {
        let s = at(h.csr.stimecmp);
        if s > now {
            next = next.min(s);
        }
    }
    next
}

/// Cycles to stay idle in WFI: up to the next timer event this hart can see, at least 1.
fn idle_cycles(h: &Hart, bus: &Bus, until: u64) -> u64 {
    let now = h.cycles();
    let mut next = until;
    let mtimecmp = bus.dev.clint.mtimecmp(h.hartid as usize);
    next = next.min(mtimecmp.wrapping_sub(h.mtime_offset).max(now));
    if h.csr.menvcfg & MENVCFG_STCE != 0 {
        next = next.min(h.csr.stimecmp.wrapping_sub(h.mtime_offset).max(now));
    }
    next.saturating_sub(now).max(1)
}

/// Fetches 16 bits of instruction at physical `pa`.
fn fetch16(bus: &Bus, pa: u64) -> Option<u16> {
    match bus.ram.read::<2>(pa.wrapping_sub(RAM_BASE)) {
        Some(v) => Some(v as u16),
        None => bus.dev.fetch16(pa),
    }
}

/// Decodes the block starting at virtual `va` / physical `pa`. `Ok(None)` means the first
/// instruction crosses a page boundary and must be fetched through two translations.
fn build_block(va: u64, pa: u64, bus: &Bus) -> Result<Option<Block>, Exception> {
    let mut instrs = Vec::with_capacity(16);
    let mut off = pa;
    loop {
        let at = va.wrapping_add(off - pa);
        let Some(lo) = fetch16(bus, off) else {
            if instrs.is_empty() {
                return Err(Exception::InstructionAccessFault(at));
            }
            break;
        };
        let raw = if lo & 3 == 3 {
            if off & 0xfff == 0xffe {
                if instrs.is_empty() {
                    return Ok(None);
                }
                break;
            }
            match fetch16(bus, off + 2) {
                Some(hi) => lo as u32 | (hi as u32) << 16,
                None if instrs.is_empty() => return Err(Exception::InstructionAccessFault(at + 2)),
                None => break,
            }
        } else {
            lo as u32
        };
        let ins = decode(raw);
        instrs.push(ins);
        off += ins.len as u64;
        if ins.ends_block() || off & 0xfff == 0 || instrs.len() >= MAX_BLOCK {
            break;
        }
    }
    Ok(Some(Block::new(pa, instrs.into_boxed_slice())))
}

/// Executes the instruction at `pc` (physical `pa`, its first parcel already translated
/// and checked) without caching it: one whose halves lie on two pages (the second
/// half's translation may change independently), or one on a page PMP allows only in
/// part. The second parcel of a 32-bit instruction is translated and checked on its own;
/// a fault there reports its address in `xtval` (Privileged 3.1.16).
fn step_uncached<T: Tracer>(h: &mut Hart, pa: u64, bus: &mut Bus, tracer: &mut T) {
    let pc = h.pc;
    let Some(lo) = fetch16(bus, pa) else {
        return trap(h, Exception::InstructionAccessFault(pc), tracer);
    };
    let hi = if lo & 3 != 3 {
        0
    } else {
        let hi_va = pc.wrapping_add(2);
        match h.translate(hi_va, Access::Fetch, 2, bus) {
            Ok(pa2) => match fetch16(bus, pa2) {
                Some(hi) => hi,
                None => return trap(h, Exception::InstructionAccessFault(hi_va), tracer),
            },
            Err(e) => return trap(h, e, tracer),
        }
    };
    let ins = decode(lo as u32 | (hi as u32) << 16);
    let prv = h.prv;
    match h.execute(&ins, bus) {
        Ok(flow) => {
            h.retired += 1;
            h.stats.retired_by_priv[prv as usize] += 1;
            if T::ACTIVE {
                tracer.commit(h, pc, prv, &ins);
                clear_logs(h);
            }
            match flow {
                Flow::Jump | Flow::Sync => {}
                Flow::Wait => {
                    h.waiting = true;
                    h.pc = pc.wrapping_add(ins.len as u64);
                }
                _ => h.pc = pc.wrapping_add(ins.len as u64),
            }
        }
        Err(e) => {
            if T::ACTIVE {
                tracer.trapped(h, pc, &ins);
                clear_logs(h);
            }
            trap(h, e, tracer)
        }
    }
}
