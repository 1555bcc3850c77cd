//! ASIDs: which address-space identifier does each page table run with, and when must the
//! TLB be flushed because an identifier is reused?
//!
//! `satp.ASID` (Privileged 4.1.11, Sv39: 16 bits, of which a hart implements ASIDLEN,
//! possibly 0) tags every non-global TLB entry, so switching `satp` between address spaces
//! with different ASIDs needs no `sfence.vma`: each keeps its translations. The price is
//! that an ASID may only be handed to a new page table after its old entries are gone
//! (Privileged 4.2.1 note: "When software recycles an ASID ... execute SFENCE.VMA with
//! rs1=x0 and rs2 set to the recycled ASID").
//!
//! The scheme is Linux's (arch/riscv/mm/context.c): a global *generation* counter; an
//! address space's [`AsidCtx`] remembers (generation, ASID). On a switch, a context of the
//! current generation runs as is; an older (or unassigned) one gets a free ASID of the
//! current generation. When none is free the generation rolls over: every ASID becomes
//! free, every other context is from an old generation (and gets a new ASID when it next
//! runs), and the kernel executes one full `sfence.vma` ([`Activate::Rollover`]).
//!
//! Unlike Linux (which never frees an ASID within a generation), an address space that
//! goes away gives its ASID back ([`AsidAllocator::release`]); the kernel then flushes that
//! one ASID (`sfence.vma x0, asid`) so a later owner starts clean. Rollovers therefore only
//! happen with more live address spaces than ASIDs (or an ASIDLEN of 1 or 2).
//!
//! ASID 0 is never handed out: it belongs to the kernel-only page table (and to every table
//! when ASIDs are off).

/// Widest ASID field of Sv39/Sv48 `satp` (bits 59:44).
pub const MAX_ASID_BITS: u32 = 16;
const WORDS: usize = (1usize << MAX_ASID_BITS) / 64;

/// An address space's ASID assignment: generation and ASID, or none yet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AsidCtx(u64);

impl AsidCtx {
    /// Not assigned (a new address space).
    pub const NONE: AsidCtx = AsidCtx(0);

    /// The ASID, whatever its generation (0 when unassigned).
    pub const fn asid(self) -> u16 {
        self.0 as u16
    }

    const fn generation(self) -> u64 {
        self.0 >> MAX_ASID_BITS
    }

    const fn new(generation: u64, asid: u16) -> AsidCtx {
        AsidCtx(generation << MAX_ASID_BITS | asid as u64)
    }
}

/// What [`AsidAllocator::activate`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activate {
    /// The context's ASID is still valid: its TLB entries may be reused, no flush.
    Same(u16),
    /// A free ASID of this generation: no entries of it are cached (it was never used in
    /// this generation, or was flushed when released), no flush.
    Fresh(u16),
    /// No ASID was free: a new generation began; the caller must flush the whole TLB
    /// (`sfence.vma x0, x0`) before running with this ASID.
    Rollover(u16),
}

impl Activate {
    /// The ASID to put in `satp`.
    pub const fn asid(self) -> u16 {
        match self {
            Activate::Same(a) | Activate::Fresh(a) | Activate::Rollover(a) => a,
        }
    }
}

/// Errors of [`AsidAllocator::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsidError {
    /// ASIDLEN must be 1..=16 (with 0 bits the kernel runs without ASIDs).
    BadBits(u32),
}

/// The generation allocator for ASIDs `1 .. 2^bits`.
pub struct AsidAllocator {
    bits: u32,
    generation: u64,
    /// Bit `a` set: ASID `a` is owned by a context of the current generation.
    used: [u64; WORDS],
    /// Where the next search for a free ASID starts.
    next: u32,
    rollovers: u64,
}

impl AsidAllocator {
    /// An allocator for a hart with `bits` implemented ASID bits (1..=16).
    pub const fn new(bits: u32) -> Result<AsidAllocator, AsidError> {
        if bits == 0 || bits > MAX_ASID_BITS {
            return Err(AsidError::BadBits(bits));
        }
        Ok(AsidAllocator { bits, generation: 1, used: [0; WORDS], next: 1, rollovers: 0 })
    }

    /// Implemented ASID bits.
    pub const fn bits(&self) -> u32 {
        self.bits
    }

    /// Number of generation rollovers so far (each one a full TLB flush).
    pub const fn rollovers(&self) -> u64 {
        self.rollovers
    }

    /// ASIDs handed out: 1 .. 2^bits - 1.
    const fn limit(&self) -> u32 {
        1 << self.bits
    }

    fn is_used(&self, a: u32) -> bool {
        self.used[a as usize / 64] & (1 << (a % 64)) != 0
    }

    fn set_used(&mut self, a: u32, on: bool) {
        let w = &mut self.used[a as usize / 64];
        if on {
            *w |= 1 << (a % 64);
        } else {
            *w &= !(1 << (a % 64));
        }
    }

    /// The ASID `ctx` runs with now, assigning one (and updating `ctx`) if it has none of
    /// the current generation. See [`Activate`] for the flush the caller owes.
    pub fn activate(&mut self, ctx: &mut AsidCtx) -> Activate {
        if *ctx != AsidCtx::NONE && ctx.generation() == self.generation {
            return Activate::Same(ctx.asid());
        }
        let limit = self.limit();
        let start = self.next.clamp(1, limit - 1);
        let mut a = start;
        loop {
            if !self.is_used(a) {
                return Activate::Fresh(self.take(ctx, a));
            }
            a = if a + 1 >= limit { 1 } else { a + 1 };
            if a == start {
                break;
            }
        }
        // Every ASID of this generation is owned: start a new one.
        self.generation += 1;
        self.rollovers += 1;
        self.used = [0; WORDS];
        Activate::Rollover(self.take(ctx, 1))
    }

    fn take(&mut self, ctx: &mut AsidCtx, a: u32) -> u16 {
        self.set_used(a, true);
        self.next = if a + 1 >= self.limit() { 1 } else { a + 1 };
        *ctx = AsidCtx::new(self.generation, a as u16);
        a as u16
    }

    /// The address space of `ctx` goes away. Returns the ASID the caller must flush
    /// (`sfence.vma x0, asid`, with another ASID in `satp`) when it was of the current
    /// generation and is now free again; `None` when it owned none (entries of an old
    /// generation went with the rollover's full flush). `ctx` becomes unassigned.
    pub fn release(&mut self, ctx: &mut AsidCtx) -> Option<u16> {
        let c = core::mem::take(ctx);
        if c == AsidCtx::NONE || c.generation() != self.generation {
            return None;
        }
        self.set_used(c.asid() as u32, false);
        Some(c.asid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bits_rejected() {
        assert_eq!(AsidAllocator::new(0).err(), Some(AsidError::BadBits(0)));
        assert_eq!(AsidAllocator::new(17).err(), Some(AsidError::BadBits(17)));
        assert!(AsidAllocator::new(16).is_ok());
    }

    #[test]
    fn same_context_keeps_its_asid_without_flush() {
        let mut a = AsidAllocator::new(16).unwrap();
        let (mut p, mut q) = (AsidCtx::NONE, AsidCtx::NONE);
        assert_eq!(a.activate(&mut p), Activate::Fresh(1));
        assert_eq!(a.activate(&mut q), Activate::Fresh(2));
        for _ in 0..100 {
            assert_eq!(a.activate(&mut p), Activate::Same(1));
            assert_eq!(a.activate(&mut q), Activate::Same(2));
        }
        assert_eq!(a.rollovers(), 0);
    }

    #[test]
    fn released_asid_is_flushed_once_and_reused_without_rollover() {
        let mut a = AsidAllocator::new(2).unwrap(); // ASIDs 1..=3
        let mut ctxs = [AsidCtx::NONE; 3];
        for (i, c) in ctxs.iter_mut().enumerate() {
            assert_eq!(a.activate(c), Activate::Fresh(i as u16 + 1));
        }
        assert_eq!(a.release(&mut ctxs[1]), Some(2));
        assert_eq!(ctxs[1], AsidCtx::NONE);
        assert_eq!(a.release(&mut ctxs[1]), None, "a second release owes nothing");
        let mut n = AsidCtx::NONE;
        assert_eq!(a.activate(&mut n), Activate::Fresh(2));
        assert_eq!(a.rollovers(), 0);
    }

    #[test]
    fn exhaustion_rolls_over_and_old_contexts_get_new_asids() {
        let mut a = AsidAllocator::new(2).unwrap();
        let mut ctxs = [AsidCtx::NONE; 3];
        for c in ctxs.iter_mut() {
            a.activate(c);
        }
        let mut d = AsidCtx::NONE;
        assert_eq!(a.activate(&mut d), Activate::Rollover(1));
        assert_eq!(a.rollovers(), 1);
        // The old owner of ASID 1 is from the old generation: a fresh ASID, not 1.
        assert_eq!(a.activate(&mut ctxs[0]), Activate::Fresh(2));
        assert_eq!(a.activate(&mut d), Activate::Same(1));
        // Releasing an old-generation context owes no flush and frees nothing.
        assert_eq!(a.release(&mut ctxs[2]), None);
        assert_eq!(a.activate(&mut ctxs[1]), Activate::Fresh(3));
        let mut e = AsidCtx::NONE;
        assert_eq!(a.activate(&mut e), Activate::Rollover(1));
        assert_eq!(a.rollovers(), 2);
    }

    #[test]
    fn one_bit_alternates_through_rollovers() {
        let mut a = AsidAllocator::new(1).unwrap(); // only ASID 1
        let (mut p, mut q) = (AsidCtx::NONE, AsidCtx::NONE);
        assert_eq!(a.activate(&mut p), Activate::Fresh(1));
        assert_eq!(a.activate(&mut q), Activate::Rollover(1));
        assert_eq!(a.activate(&mut p), Activate::Rollover(1));
        assert_eq!(a.activate(&mut p), Activate::Same(1));
    }

    #[test]
    fn no_two_live_contexts_share_an_asid() {
        // A pseudo-random mix of switches and releases with 3 bits: at any time, the
        // contexts of the current generation hold distinct ASIDs.
        let mut a = AsidAllocator::new(3).unwrap();
        let mut ctxs = [AsidCtx::NONE; 12];
        let mut x: u32 = 12345;
        for _ in 0..5000 {
            x = x.wrapping_mul(1103515245).wrapping_add(12345);
            let i = (x >> 16) as usize % ctxs.len();
            if x & 7 == 0 {
                a.release(&mut ctxs[i]);
            } else {
                a.activate(&mut ctxs[i]);
            }
            let mut seen = [false; 8];
            for c in ctxs.iter().filter(|c| **c != AsidCtx::NONE && c.generation() == a.generation) {
                let s = c.asid() as usize;
                assert!(s != 0 && !seen[s], "ASID {s} owned twice");
                seen[s] = true;
            }
        }
        assert!(a.rollovers() > 0);
    }
}
