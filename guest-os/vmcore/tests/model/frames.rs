//! Physical frames: who may use a frame, and how many users it has: the host model's
//! frame table (`tests/kernel_model.rs`). The kernel's own allocator is
//! `guest-os/src/mm/frame.rs` (a free stack and a count per frame, sized from the device
//! tree at boot).
//!
//! A *frame* is one 4 KiB page of physical RAM, named by its physical page number
//! (PPN = physical address >> 12). The kernel needs two separate facts about frames:
//!
//! * **Is it free?** [`FrameAllocator`] keeps one bit per frame of a PPN range (a bitmap:
//!   8 KiB of bits describe 256 MiB of RAM). `alloc` hands out a free frame, `free` gives
//!   it back. It also answers the questions the page-replacement daemon asks: how many
//!   frames are free, is that below the *low watermark* (start evicting pages now) or
//!   above the *high watermark* (enough, stop evicting). Two thresholds instead of one give
//!   hysteresis: the daemon does not wake up and go back to sleep on every single
//!   allocation.
//! * **How many mappings share it?** [`RefCounts`] keeps a counter per frame. After
//!   `fork` with copy-on-write, a frame is mapped by the parent and the child (count 2); a
//!   `MAP_SHARED` page by every process that maps it; a page-cache page by the cache too.
//!   The frame may return to the allocator only when the last user lets go, which is
//!   exactly when [`RefCounts::dec`] reports [`DecResult::Freed`]. A COW write fault on a
//!   frame whose count is 1 can simply make the page writable again, with no copy.
//!
//! Both structures have a fixed capacity set by a const generic (bitmap words / counters),
//! so the kernel can put them in `static`s; the PPN range they manage is chosen at boot
//! and must fit in that capacity. Neither locks: the kernel holds its frame lock around
//! each call (see `docs/vm-policies.md`).

/// Errors of the frame allocator and the reference-count table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The PPN is outside the range this table manages.
    OutOfRange,
    /// The managed range does not fit in the table's fixed capacity.
    TooLarge,
    /// `free` of a frame that is already free (a double free).
    AlreadyFree,
    /// `reserve` of a frame that is already allocated.
    AlreadyUsed,
    /// `dec` of a frame whose count is already zero.
    Underflow,
    /// `inc` past the largest count the table can hold.
    Overflow,
    /// Watermarks must satisfy `low <= high <= frame count`.
    BadWatermarks,
}

/// A bitmap frame allocator over the PPN range `[base, base + count)`, with room for
/// `WORDS * 64` frames. Bit set = frame in use.
#[derive(Clone, Debug)]
pub struct FrameAllocator<const WORDS: usize> {
    bits: [u64; WORDS],
    base: u64,
    count: u64,
    free: u64,
    /// Next-fit cursor: the word where the next search starts, so successive allocations do
    /// not rescan the full words at the bottom.
    cursor: usize,
    low: u64,
    high: u64,
}

impl<const WORDS: usize> FrameAllocator<WORDS> {
    /// The number of frames this type can manage at most.
    pub const CAPACITY: u64 = WORDS as u64 * 64;

    /// An allocator for the `count` frames starting at PPN `base`, all free, with both
    /// watermarks at 0. Fails with [`FrameError::TooLarge`] if `count` exceeds
    /// [`Self::CAPACITY`] or `base + count` overflows.
    pub const fn new(base: u64, count: u64) -> Result<Self, FrameError> {
        if count > Self::CAPACITY || base.checked_add(count).is_none() {
            return Err(FrameError::TooLarge);
        }
        let mut bits = [0u64; WORDS];
        // Frames past `count` are permanently "in use" so the search never returns them.
        let mut i = 0;
        while i < WORDS {
            let first = i as u64 * 64;
            if first >= count {
                bits[i] = u64::MAX;
            } else if count - first < 64 {
                bits[i] = u64::MAX << (count - first);
            }
            i += 1;
        }
        Ok(Self { bits, base, count, free: count, cursor: 0, low: 0, high: 0 })
    }

    /// First PPN managed.
    pub const fn base(&self) -> u64 {
        self.base
    }

    /// Number of frames managed.
    pub const fn count(&self) -> u64 {
        self.count
    }

    /// Number of free frames.
    pub const fn free_count(&self) -> u64 {
        self.free
    }

    fn index(&self, ppn: u64) -> Result<(usize, u64), FrameError> {
        match ppn.checked_sub(self.base) {
            Some(i) if i < self.count => Ok(((i / 64) as usize, 1u64 << (i % 64))),
            _ => Err(FrameError::OutOfRange),
        }
    }

    /// Allocates one free frame and returns its PPN; `None` when all frames are in use.
    pub fn alloc(&mut self) -> Option<u64> {
        if self.free == 0 {
            return None;
        }
        for k in 0..WORDS {
            let w = (self.cursor + k) % WORDS;
            let word = self.bits[w];
            if word != u64::MAX {
                let bit = (!word).trailing_zeros() as u64;
                self.bits[w] |= 1 << bit;
                self.free -= 1;
                self.cursor = w;
                return Some(self.base + w as u64 * 64 + bit);
            }
        }
        None
    }

    /// Returns frame `ppn` to the free pool. Errors on a frame outside the range or one that
    /// is already free (a double free is a kernel bug the caller should report).
    pub fn free(&mut self, ppn: u64) -> Result<(), FrameError> {
        let (w, m) = self.index(ppn)?;
        if self.bits[w] & m == 0 {
            return Err(FrameError::AlreadyFree);
        }
        self.bits[w] &= !m;
        self.free += 1;
        Ok(())
    }

    /// Marks a specific frame as in use (the kernel image, the initial page tables, a
    /// device's DMA buffer) so `alloc` never returns it.
    pub fn reserve(&mut self, ppn: u64) -> Result<(), FrameError> {
        let (w, m) = self.index(ppn)?;
        if self.bits[w] & m != 0 {
            return Err(FrameError::AlreadyUsed);
        }
        self.bits[w] |= m;
        self.free -= 1;
        Ok(())
    }

    /// True when frame `ppn` is allocated (or reserved); `false` when free or out of range.
    pub fn is_used(&self, ppn: u64) -> bool {
        matches!(self.index(ppn), Ok((w, m)) if self.bits[w] & m != 0)
    }

    /// Sets the low and high watermarks, in frames; requires `low <= high <= count`.
    pub fn set_watermarks(&mut self, low: u64, high: u64) -> Result<(), FrameError> {
        if low > high || high > self.count {
            return Err(FrameError::BadWatermarks);
        }
        self.low = low;
        self.high = high;
        Ok(())
    }

    /// The `(low, high)` watermarks.
    pub const fn watermarks(&self) -> (u64, u64) {
        (self.low, self.high)
    }

    /// True when fewer than `low` frames are free: time to reclaim pages.
    pub const fn below_low(&self) -> bool {
        self.free < self.low
    }

    /// True when at least `high` frames are free: reclaim may stop.
    pub const fn above_high(&self) -> bool {
        self.free >= self.high
    }
}

/// A count type for [`RefCounts`]: `u16` (2 bytes per frame, up to 65535 sharers) or `u32`.
pub trait Count: Copy + Eq + core::fmt::Debug {
    /// Zero.
    const ZERO: Self;
    /// `self + 1`, or `None` on overflow.
    fn checked_inc(self) -> Option<Self>;
    /// `self - 1`, or `None` at zero.
    fn checked_dec(self) -> Option<Self>;
    /// Widened to `u32`.
    fn to_u32(self) -> u32;
}

impl Count for u16 {
    const ZERO: Self = 0;
    fn checked_inc(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn checked_dec(self) -> Option<Self> {
        self.checked_sub(1)
    }
    fn to_u32(self) -> u32 {
        self as u32
    }
}

impl Count for u32 {
    const ZERO: Self = 0;
    fn checked_inc(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn checked_dec(self) -> Option<Self> {
        self.checked_sub(1)
    }
    fn to_u32(self) -> u32 {
        self
    }
}

/// What [`RefCounts::dec`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecResult {
    /// The count reached zero: the caller must now free the frame.
    Freed,
    /// Other users remain; the new count.
    Shared(u32),
}

/// A reference count per frame of the PPN range `[base, base + N)`; `C` is `u16` or `u32`.
#[derive(Clone, Debug)]
pub struct RefCounts<C: Count, const N: usize> {
    counts: [C; N],
    base: u64,
}

impl<C: Count, const N: usize> RefCounts<C, N> {
    /// A table for the `N` frames starting at PPN `base`, all counts zero.
    pub const fn new(base: u64) -> Self {
        Self { counts: [C::ZERO; N], base }
    }

    fn slot(&self, ppn: u64) -> Result<usize, FrameError> {
        match ppn.checked_sub(self.base) {
            Some(i) if i < N as u64 => Ok(i as usize),
            _ => Err(FrameError::OutOfRange),
        }
    }

    /// The current count of `ppn`.
    pub fn get(&self, ppn: u64) -> Result<u32, FrameError> {
        Ok(self.counts[self.slot(ppn)?].to_u32())
    }

    /// Adds a user of `ppn` (a new mapping, COW share, page-cache reference); returns the
    /// new count. [`FrameError::Overflow`] leaves the count unchanged: the kernel must
    /// then copy the page instead of sharing it once more.
    pub fn inc(&mut self, ppn: u64) -> Result<u32, FrameError> {
        let i = self.slot(ppn)?;
        let c = self.counts[i].checked_inc().ok_or(FrameError::Overflow)?;
        self.counts[i] = c;
        Ok(c.to_u32())
    }

    /// Drops a user of `ppn`. [`DecResult::Freed`] means the last user is gone and the
    /// frame must be returned to the [`FrameAllocator`]; [`FrameError::Underflow`] means the
    /// count was already zero (a kernel bug: the frame was freed twice).
    pub fn dec(&mut self, ppn: u64) -> Result<DecResult, FrameError> {
        let i = self.slot(ppn)?;
        let c = self.counts[i].checked_dec().ok_or(FrameError::Underflow)?;
        self.counts[i] = c;
        Ok(if c == C::ZERO { DecResult::Freed } else { DecResult::Shared(c.to_u32()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_hands_out_each_frame_once_then_none() {
        let mut a = FrameAllocator::<2>::new(0x80000, 100).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..100 {
            let p = a.alloc().unwrap();
            assert!((0x80000..0x80000 + 100).contains(&p), "{p:#x}");
            assert!(seen.insert(p), "frame {p:#x} handed out twice");
        }
        assert_eq!(a.free_count(), 0);
        assert_eq!(a.alloc(), None);
        a.free(0x80000 + 57).unwrap();
        assert_eq!(a.alloc(), Some(0x80000 + 57));
    }

    #[test]
    fn free_checks_range_and_double_free() {
        let mut a = FrameAllocator::<1>::new(10, 64).unwrap();
        assert_eq!(a.free(9), Err(FrameError::OutOfRange));
        assert_eq!(a.free(74), Err(FrameError::OutOfRange));
        assert_eq!(a.free(10), Err(FrameError::AlreadyFree));
        let p = a.alloc().unwrap();
        a.free(p).unwrap();
        assert_eq!(a.free(p), Err(FrameError::AlreadyFree));
        assert_eq!(a.free_count(), 64);
    }

    #[test]
    fn capacity_is_enforced() {
        assert!(FrameAllocator::<1>::new(0, 64).is_ok());
        assert_eq!(FrameAllocator::<1>::new(0, 65).err(), Some(FrameError::TooLarge));
        assert_eq!(FrameAllocator::<1>::new(u64::MAX, 2).err(), Some(FrameError::TooLarge));
    }

    #[test]
    fn reserve_excludes_frames() {
        let mut a = FrameAllocator::<1>::new(0, 3).unwrap();
        a.reserve(1).unwrap();
        assert_eq!(a.reserve(1), Err(FrameError::AlreadyUsed));
        assert!(a.is_used(1));
        let got = [a.alloc(), a.alloc(), a.alloc()];
        assert_eq!(got, [Some(0), Some(2), None]);
    }

    #[test]
    fn watermarks_follow_free_count() {
        let mut a = FrameAllocator::<1>::new(0, 10).unwrap();
        assert_eq!(a.set_watermarks(5, 4), Err(FrameError::BadWatermarks));
        assert_eq!(a.set_watermarks(2, 11), Err(FrameError::BadWatermarks));
        a.set_watermarks(2, 4).unwrap();
        assert!(!a.below_low() && a.above_high());
        let frames: Vec<u64> = (0..7).map(|_| a.alloc().unwrap()).collect();
        // 3 free: between the watermarks, neither condition.
        assert!(!a.below_low() && !a.above_high());
        a.alloc().unwrap();
        a.alloc().unwrap();
        assert_eq!(a.free_count(), 1);
        assert!(a.below_low());
        for f in &frames[..3] {
            a.free(*f).unwrap();
        }
        assert_eq!(a.free_count(), 4);
        assert!(a.above_high());
    }

    #[test]
    fn refcount_reports_freed_only_at_zero() {
        let mut r = RefCounts::<u16, 8>::new(100);
        assert_eq!(r.inc(103), Ok(1));
        assert_eq!(r.inc(103), Ok(2));
        assert_eq!(r.dec(103), Ok(DecResult::Shared(1)));
        assert_eq!(r.dec(103), Ok(DecResult::Freed));
        assert_eq!(r.dec(103), Err(FrameError::Underflow));
        assert_eq!(r.get(103), Ok(0));
        assert_eq!(r.inc(108), Err(FrameError::OutOfRange));
        assert_eq!(r.inc(99), Err(FrameError::OutOfRange));
    }

    #[test]
    fn refcount_overflow_is_an_error_not_a_wrap() {
        let mut r = RefCounts::<u16, 1>::new(0);
        for _ in 0..u16::MAX {
            r.inc(0).unwrap();
        }
        assert_eq!(r.inc(0), Err(FrameError::Overflow));
        assert_eq!(r.get(0), Ok(u16::MAX as u32));
        let mut r32 = RefCounts::<u32, 1>::new(0);
        assert_eq!(r32.inc(0), Ok(1));
    }
}
