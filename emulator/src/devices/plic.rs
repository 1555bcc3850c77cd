//! Platform-level interrupt controller, laid out as in the RISC-V PLIC specification and
//! QEMU's `virt` board (`sifive,plic-1.0.0`):
//!
//! ```text
//!   0x000000 + 4*src        priority of source `src` (1..NSRC; source 0 does not exist)
//!   0x001000 + 4*(src/32)   pending bits (read-only)
//!   0x002000 + 0x80*ctx     enable bits of context `ctx`
//!   0x200000 + 0x1000*ctx   priority threshold of context `ctx`
//!   0x200004 + 0x1000*ctx   claim (read) / complete (write) of context `ctx`
//! ```
//!
//! Contexts: hart `h` M-mode is context `2h` (drives MEIP), S-mode is `2h + 1` (SEIP).
//!
//! Gateways as QEMU 7.2's `hw/intc/sifive_plic.c` models them, which software written
//! against QEMU's virt board relies on: a device *signals* its interrupt line at the
//! points where QEMU calls `qemu_set_irq` (its register accesses and events that change
//! its interrupt state, see [`crate::devices::Devices::update_irqs`]), and each signal
//! sets the source's pending bit to the line's level, claimed or not. A claimed source
//! is held off until completed; claiming clears the pending bit; completing only
//! releases the source. So a line that stays high after a claim pends again only when
//! the device signals again. The PLIC spec's level-triggered gateway ("Interrupt
//! Gateways": after completion, a still-asserted level forwards a new request) would
//! re-pend at completion; a driver that returns from a THR-empty interrupt without
//! reading IIR (xv6) livelocks under it (docs/decisions.md).

use crate::bus::BusError;
use crate::hart::trap::irq;

/// The PLIC window on QEMU's virt board.
pub const BASE: u64 = abi::mmio::PLIC;
/// QEMU 7.2's virt board maps (and its device tree declares) 6 MiB of PLIC.
pub const END: u64 = BASE + 0x5f_ffff;

/// Number of interrupt sources including the non-existent source 0: QEMU virt declares
/// `riscv,ndev = 96`, so sources 1..=96.
pub const NSRC: usize = 97;
/// Priorities are 3 bits wide on QEMU's virt PLIC.
const PRIORITY_MASK: u32 = 7;

const PRIORITY_BASE: u64 = 0x0;
const PENDING_BASE: u64 = 0x1000;
const ENABLE_BASE: u64 = 0x2000;
const ENABLE_STRIDE: u64 = 0x80;
const CONTEXT_BASE: u64 = 0x20_0000;
const CONTEXT_STRIDE: u64 = 0x1000;
const CONTEXT_THRESHOLD: u64 = 0x0;
const CONTEXT_CLAIM: u64 = 0x4;

const WORDS: usize = NSRC.div_ceil(32);

/// The PLIC state.
pub struct Plic {
    priority: [u32; NSRC],
    pending: [u32; WORDS],
    /// Sources claimed and not yet completed (the gateway holds them off).
    claimed: [u32; WORDS],
    enable: Vec<[u32; WORDS]>,
    threshold: Vec<u32>,
    /// MEIP/SEIP bits per hart, recomputed after every change.
    lines: Vec<u64>,
}

impl Plic {
    /// A PLIC for `harts` harts (two contexts each).
    pub fn new(harts: usize) -> Plic {
        let contexts = harts * 2;
        Plic {
            priority: [0; NSRC],
            pending: [0; WORDS],
            claimed: [0; WORDS],
            enable: vec![[0; WORDS]; contexts],
            threshold: vec![0; contexts],
            lines: vec![0; harts],
        }
    }

    /// MEIP / SEIP for `hart`.
    #[inline]
    pub fn irq_lines(&self, hart: usize) -> u64 {
        self.lines.get(hart).copied().unwrap_or(0)
    }

    /// A signal from the device on source `src` (1..NSRC) with its line at `high`: the
    /// pending bit follows the level (QEMU's `sifive_plic_irq_request`), also while the
    /// source is claimed (it is then held off until completed).
    pub fn signal(&mut self, src: usize, high: bool) {
        if src == 0 || src >= NSRC {
            return;
        }
        let (w, b) = (src / 32, 1u32 << (src % 32));
        let old = self.pending[w];
        if high {
            self.pending[w] |= b;
        } else {
            self.pending[w] &= !b;
        }
        if self.pending[w] != old {
            self.update();
        }
    }

    /// Whether source `src` is pending (for tests).
    pub fn is_pending(&self, src: usize) -> bool {
        src < NSRC && self.pending[src / 32] >> (src % 32) & 1 != 0
    }

    /// The highest-priority pending, enabled, unclaimed source above the threshold of
    /// `ctx` (ties go to the lowest source number), or 0.
    fn best(&self, ctx: usize) -> usize {
        let (mut best, mut best_prio) = (0, self.threshold[ctx]);
        for w in 0..WORDS {
            let mut bits = self.pending[w] & !self.claimed[w] & self.enable[ctx][w];
            while bits != 0 {
                let src = w * 32 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if self.priority[src] > best_prio {
                    best = src;
                    best_prio = self.priority[src];
                }
            }
        }
        best
    }

    fn update(&mut self) {
        for h in 0..self.lines.len() {
            let mut l = 0;
            if self.best(2 * h) != 0 {
                l |= irq::MEIP;
            }
            if self.best(2 * h + 1) != 0 {
                l |= irq::SEIP;
            }
            self.lines[h] = l;
        }
    }

    /// 32-bit register read at offset `off`.
    pub fn read(&mut self, off: u64, size: u8) -> Result<u64, BusError> {
        if size != 4 || off & 3 != 0 {
            return Err(BusError::Unsupported);
        }
        let contexts = self.threshold.len() as u64;
        let v = match off {
            o if o < PENDING_BASE => self.priority.get(((o - PRIORITY_BASE) / 4) as usize).copied().unwrap_or(0),
            o if o < ENABLE_BASE => self.pending.get(((o - PENDING_BASE) / 4) as usize).copied().unwrap_or(0),
            o if o < CONTEXT_BASE => {
                let ctx = (o - ENABLE_BASE) / ENABLE_STRIDE;
                let w = ((o - ENABLE_BASE) % ENABLE_STRIDE / 4) as usize;
                if ctx < contexts {
                    self.enable[ctx as usize].get(w).copied().unwrap_or(0)
                } else {
                    0
                }
            }
            o => {
                let ctx = (o - CONTEXT_BASE) / CONTEXT_STRIDE;
                if ctx >= contexts {
                    return Ok(0);
                }
                let ctx = ctx as usize;
                match (o - CONTEXT_BASE) % CONTEXT_STRIDE {
                    CONTEXT_THRESHOLD => self.threshold[ctx],
                    CONTEXT_CLAIM => self.claim(ctx) as u32,
                    _ => 0,
                }
            }
        };
        Ok(v as u64)
    }

    /// Claim (PLIC spec "Interrupt Claim Process"): returns the best source and clears its
    /// pending bit; 0 when nothing qualifies.
    fn claim(&mut self, ctx: usize) -> usize {
        let src = self.best(ctx);
        if src != 0 {
            let (w, b) = (src / 32, 1u32 << (src % 32));
            self.pending[w] &= !b;
            self.claimed[w] |= b;
            self.update();
        }
        src
    }

    /// 32-bit register write at offset `off`.
    pub fn write(&mut self, off: u64, size: u8, v: u64) -> Result<(), BusError> {
        if size != 4 || off & 3 != 0 {
            return Err(BusError::Unsupported);
        }
        let v = v as u32;
        let contexts = self.threshold.len() as u64;
        match off {
            o if o < PENDING_BASE => {
                let src = ((o - PRIORITY_BASE) / 4) as usize;
                if src != 0 && src < NSRC {
                    self.priority[src] = v & PRIORITY_MASK;
                }
            }
            o if o < ENABLE_BASE => {} // pending bits are read-only
            o if o < CONTEXT_BASE => {
                let ctx = (o - ENABLE_BASE) / ENABLE_STRIDE;
                let w = ((o - ENABLE_BASE) % ENABLE_STRIDE / 4) as usize;
                if ctx < contexts && w < WORDS {
                    // Source 0 does not exist: its enable bit is hardwired to 0.
                    let v = if w == 0 { v & !1 } else { v };
                    self.enable[ctx as usize][w] = v;
                }
            }
            o => {
                let ctx = (o - CONTEXT_BASE) / CONTEXT_STRIDE;
                if ctx >= contexts {
                    return Ok(());
                }
                let ctx = ctx as usize;
                match (o - CONTEXT_BASE) % CONTEXT_STRIDE {
                    CONTEXT_THRESHOLD => self.threshold[ctx] = v & PRIORITY_MASK,
                    CONTEXT_CLAIM => self.complete(ctx, v as usize),
                    _ => {}
                }
            }
        }
        self.update();
        Ok(())
    }

    /// Completion (PLIC spec "Interrupt Completion"): releases the source, whose pending
    /// bit (set again if the device signalled while it was claimed) may then interrupt.
    /// A completion for a source not enabled for the context is ignored, as the spec says
    /// (QEMU 7.2 accepts it; no driver we know relies on that).
    fn complete(&mut self, ctx: usize, src: usize) {
        if src == 0 || src >= NSRC {
            return;
        }
        let (w, b) = (src / 32, 1u32 << (src % 32));
        if self.enable[ctx][w] & b == 0 {
            return;
        }
        self.claimed[w] &= !b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(p: &mut Plic, off: u64, v: u64) {
        p.write(off, 4, v).unwrap();
    }
    fn r(p: &mut Plic, off: u64) -> u64 {
        p.read(off, 4).unwrap()
    }

    #[test]
    fn claim_complete_and_threshold() {
        let mut p = Plic::new(2);
        let claim1 = CONTEXT_BASE + CONTEXT_STRIDE + CONTEXT_CLAIM;
        w(&mut p, 4 * 10, 3); // priority of source 10
        w(&mut p, 4, 5); // priority of source 1
        w(&mut p, ENABLE_BASE + ENABLE_STRIDE, (1 << 10) | (1 << 1)); // context 1 = hart 0 S
        p.signal(10, true);
        assert_eq!(p.irq_lines(0), irq::SEIP);
        assert_eq!(p.irq_lines(1), 0);
        p.signal(1, true);
        // Source 1 has the higher priority.
        assert_eq!(r(&mut p, claim1), 1);
        assert_eq!(r(&mut p, claim1), 10);
        assert_eq!(p.irq_lines(0), 0, "both claimed");
        assert_eq!(r(&mut p, claim1), 0);
        // Completing source 10 with its line still high does not pend it again: only a
        // new signal from the device does (QEMU 7.2's PLIC).
        w(&mut p, claim1, 10);
        assert!(!p.is_pending(10));
        assert_eq!(p.irq_lines(0), 0);
        p.signal(10, true);
        assert_eq!(p.irq_lines(0), irq::SEIP);
        // Threshold 3 masks priority 3.
        w(&mut p, CONTEXT_BASE + CONTEXT_STRIDE + CONTEXT_THRESHOLD, 3);
        assert_eq!(p.irq_lines(0), 0);
        w(&mut p, CONTEXT_BASE + CONTEXT_STRIDE + CONTEXT_THRESHOLD, 2);
        assert_eq!(p.irq_lines(0), irq::SEIP);
        // A signal with the line low drops the pending bit.
        p.signal(10, false);
        assert_eq!(p.irq_lines(0), 0);
        assert_eq!(r(&mut p, PENDING_BASE), 0);
    }

    #[test]
    fn a_signal_while_claimed_interrupts_after_completion() {
        let mut p = Plic::new(1);
        w(&mut p, 4 * 10, 1);
        w(&mut p, ENABLE_BASE, 1 << 10);
        p.signal(10, true);
        assert_eq!(r(&mut p, CONTEXT_BASE + CONTEXT_CLAIM), 10);
        p.signal(10, true);
        assert!(p.is_pending(10), "pending follows the line while claimed");
        assert_eq!(p.irq_lines(0), 0, "but the claimed source is held off");
        w(&mut p, CONTEXT_BASE + CONTEXT_CLAIM, 10);
        assert_eq!(p.irq_lines(0), irq::MEIP);
    }

    #[test]
    fn priority_zero_never_interrupts_and_bad_accesses_are_errors() {
        let mut p = Plic::new(1);
        w(&mut p, ENABLE_BASE, 1 << 5);
        p.signal(5, true);
        assert_eq!(p.irq_lines(0), 0);
        w(&mut p, 4 * 5, 1);
        assert_eq!(p.irq_lines(0), irq::MEIP);
        assert_eq!(p.read(2, 4), Err(BusError::Unsupported));
        assert_eq!(p.read(0, 8), Err(BusError::Unsupported));
        // Contexts past the last hart read 0 and ignore writes.
        w(&mut p, CONTEXT_BASE + 7 * CONTEXT_STRIDE, 1);
        assert_eq!(r(&mut p, CONTEXT_BASE + 7 * CONTEXT_STRIDE), 0);
    }
}
