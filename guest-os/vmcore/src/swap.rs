//! Swap space: which disk slots hold evicted pages, and how a page table remembers that.
//!
//! When the kernel evicts a dirty anonymous page it writes the 4 KiB to a *slot* of the
//! swap disk (slot `n` = bytes `n * 4096 ..` of the device, i.e. sectors `8n .. 8n + 8`).
//! [`SwapSlots`] is the bitmap that says which slots are taken. When it is full, eviction
//! of anonymous pages is impossible and the OOM killer ([`crate::oom`]) is next.
//!
//! The page itself is gone from RAM, but the process's PTE must still say where the data
//! went, so that the next access can bring it back. The trick (used by Linux and every
//! textbook kernel): a PTE with **V = 0 is ignored by the hardware**. The Privileged spec,
//! 4.3.2 "Virtual Address Translation Process", step 3, says that if `pte.v = 0` the walk stops with a page-fault exception; none
//! of the other 63 bits are looked at. So the kernel may store anything it likes there. A
//! [`SwapEntry`] encodes:
//!
//! ```text
//!  63        54 53                          10 9      5 4     1 0
//! +------------+------------------------------+--------+-------+---+
//! |  0         |  slot (44 bits, PPN field)   | device | tag   | 0 |  V = 0: not valid
//! +------------+------------------------------+--------+-------+---+
//! ```
//!
//! `tag` distinguishes a swap entry from other software uses of a non-valid PTE (and from
//! the all-zero PTE, which means "nothing here, consult the VMA"); `device` selects one of
//! up to 32 swap areas. On the page fault the kernel sees V = 0, decodes the entry, reads
//! the slot back into a fresh frame and writes a valid PTE; the slot's reference count
//! ([`SwapSlots::dup`], [`SwapSlots::free`]) says how many PTEs (and the kernel's swap
//! cache) still hold it.

/// Errors of the swap-slot allocator and of [`SwapEntry`] encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwapError {
    /// More slots requested than this allocator's capacity.
    TooLarge,
    /// The slot number is outside the area, or too large for the PTE field.
    OutOfRange,
    /// `free` of a slot that is not allocated.
    NotAllocated,
    /// The device index does not fit the PTE field (`0..32`).
    BadDevice,
    /// [`SwapSlots::dup`] of a slot already at [`MAX_REFS`] references.
    TooManyRefs,
}

/// Most references one slot can have ([`SwapSlots::dup`]): far more than the kernel's
/// process table (every reference is a PTE of a live process, or the swap cache).
pub const MAX_REFS: u8 = u8::MAX;

/// A bitmap over the `len` slots of one swap device, with room for `WORDS * 64` slots,
/// and a reference count per slot.
///
/// A slot is shared when several PTEs hold its swap entry (a page swapped out of every
/// process that shared it copy-on-write after fork, or of every mapping of a MAP_SHARED
/// area, or a fork copying a swap-entry PTE) and when the kernel's swap cache remembers
/// that a resident frame still equals the slot. [`SwapSlots::alloc`] hands out a slot
/// with one reference, [`SwapSlots::dup`] adds one, [`SwapSlots::free`] drops one and
/// releases the slot with the last.
#[derive(Clone, Debug)]
pub struct SwapSlots<const WORDS: usize> {
    bits: [u64; WORDS],
    /// References per slot (0 for a free slot).
    refs: [[u8; 64]; WORDS],
    len: u64,
    used: u64,
    cursor: usize,
}

impl<const WORDS: usize> SwapSlots<WORDS> {
    /// The most slots this type can manage.
    pub const CAPACITY: u64 = WORDS as u64 * 64;

    /// An allocator for a device of `len` slots (device bytes / 4096), all free.
    pub const fn new(len: u64) -> Result<Self, SwapError> {
        if len > Self::CAPACITY {
            return Err(SwapError::TooLarge);
        }
        Ok(Self { bits: [0; WORDS], refs: [[0; 64]; WORDS], len, used: 0, cursor: 0 })
    }

    /// Starts over with `len` slots, all free (for an allocator built empty in a
    /// `static` and sized when the device is found).
    pub fn reset(&mut self, len: u64) -> Result<(), SwapError> {
        if len > Self::CAPACITY {
            return Err(SwapError::TooLarge);
        }
        self.bits = [0; WORDS];
        self.refs = [[0; 64]; WORDS];
        self.len = len;
        self.used = 0;
        self.cursor = 0;
        Ok(())
    }

    /// Number of slots on the device.
    pub const fn len(&self) -> u64 {
        self.len
    }

    /// True for a device with no slots.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of slots holding a page.
    pub const fn used(&self) -> u64 {
        self.used
    }

    /// True when no slot is free: anonymous pages can no longer be evicted.
    pub const fn is_full(&self) -> bool {
        self.used == self.len
    }

    /// Takes a free slot; `None` when the device is full.
    pub fn alloc(&mut self) -> Option<u64> {
        if self.is_full() {
            return None;
        }
        let words = self.len.div_ceil(64) as usize;
        for k in 0..words {
            let w = (self.cursor + k) % words;
            let mut word = self.bits[w];
            let last = w as u64 * 64;
            if self.len - last < 64 {
                word |= u64::MAX << (self.len - last); // slots past the end
            }
            if word != u64::MAX {
                let bit = (!word).trailing_zeros() as u64;
                self.bits[w] |= 1 << bit;
                self.refs[w][bit as usize] = 1;
                self.used += 1;
                self.cursor = w;
                return Some(last + bit);
            }
        }
        None
    }

    /// Takes `slot` itself if it is free (so that pages evicted one after the other get
    /// consecutive slots and can be written with one request); `None` otherwise.
    pub fn alloc_at(&mut self, slot: u64) -> Option<u64> {
        if slot >= self.len || self.is_allocated(slot) {
            return None;
        }
        let (w, b) = ((slot / 64) as usize, (slot % 64) as usize);
        self.bits[w] |= 1 << b;
        self.refs[w][b] = 1;
        self.used += 1;
        Some(slot)
    }

    /// Drops one reference to `slot` (a swap-entry PTE unmapped or read back, the swap
    /// cache letting go); the slot is free again when the last one goes. Returns the
    /// references left.
    pub fn free(&mut self, slot: u64) -> Result<u8, SwapError> {
        if slot >= self.len {
            return Err(SwapError::OutOfRange);
        }
        let (w, b) = ((slot / 64) as usize, (slot % 64) as usize);
        if self.bits[w] & (1 << b) == 0 {
            return Err(SwapError::NotAllocated);
        }
        let r = &mut self.refs[w][b];
        *r = r.saturating_sub(1);
        if *r == 0 {
            self.bits[w] &= !(1 << b);
            self.used -= 1;
        }
        Ok(*r)
    }

    /// Adds a reference to an allocated `slot` (another PTE holds its entry, or the swap
    /// cache keeps it); returns the new count.
    pub fn dup(&mut self, slot: u64) -> Result<u8, SwapError> {
        if !self.is_allocated(slot) {
            return Err(if slot >= self.len { SwapError::OutOfRange } else { SwapError::NotAllocated });
        }
        let r = &mut self.refs[(slot / 64) as usize][(slot % 64) as usize];
        if *r == MAX_REFS {
            return Err(SwapError::TooManyRefs);
        }
        *r += 1;
        Ok(*r)
    }

    /// The references to `slot` (0: free or out of range).
    pub fn refs(&self, slot: u64) -> u8 {
        if self.is_allocated(slot) {
            self.refs[(slot / 64) as usize][(slot % 64) as usize]
        } else {
            0
        }
    }

    /// True when `slot` holds a page.
    pub fn is_allocated(&self, slot: u64) -> bool {
        slot < self.len && self.bits[(slot / 64) as usize] & (1 << (slot % 64)) != 0
    }
}

/// Where an evicted page lives: swap device and slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapEntry {
    /// Swap area index, `0..32`.
    pub device: u8,
    /// Slot within that area.
    pub slot: u64,
}

/// Bit 0 of an Sv39 PTE: Valid (Privileged spec 4.3.1, Figure "Sv39 page table entry").
pub const PTE_V: u64 = 1 << 0;
/// The software tag of a swap entry in bits 4:1 (any nonzero value; chosen so that a swap
/// entry is never zero and never mistaken for another kind of non-valid PTE).
pub const SWAP_TAG: u64 = 0b0101;
const TAG_SHIFT: u32 = 1;
const TAG_MASK: u64 = 0xf;
const DEV_SHIFT: u32 = 5;
const DEV_MASK: u64 = 0x1f;
/// The PPN field of an Sv39 PTE is bits 53:10 (44 bits).
const SLOT_SHIFT: u32 = 10;
/// Largest slot number the PTE can carry.
pub const MAX_SLOT: u64 = (1 << 44) - 1;

impl SwapEntry {
    /// Encodes the entry as a non-valid PTE (V = 0, always).
    pub const fn to_pte(self) -> Result<u64, SwapError> {
        if self.device as u64 > DEV_MASK {
            return Err(SwapError::BadDevice);
        }
        if self.slot > MAX_SLOT {
            return Err(SwapError::OutOfRange);
        }
        Ok((self.slot << SLOT_SHIFT) | ((self.device as u64) << DEV_SHIFT) | (SWAP_TAG << TAG_SHIFT))
    }

    /// Decodes a PTE: `Some` only for a non-valid PTE carrying the swap tag with the
    /// reserved bits 63:54 clear. A valid PTE or a zero PTE is never a swap entry.
    pub const fn from_pte(pte: u64) -> Option<Self> {
        if pte & PTE_V != 0 || (pte >> TAG_SHIFT) & TAG_MASK != SWAP_TAG || pte >> 54 != 0 {
            return None;
        }
        Some(Self { device: ((pte >> DEV_SHIFT) & DEV_MASK) as u8, slot: (pte >> SLOT_SHIFT) & MAX_SLOT })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_fill_up_then_report_full() {
        let mut s = SwapSlots::<2>::new(70).unwrap();
        let mut got = Vec::new();
        while let Some(x) = s.alloc() {
            got.push(x);
        }
        got.sort();
        assert_eq!(got, (0..70).collect::<Vec<_>>());
        assert!(s.is_full());
        s.free(65).unwrap();
        assert!(!s.is_full());
        assert_eq!(s.alloc(), Some(65));
        assert_eq!(s.alloc(), None);
    }

    #[test]
    fn free_validates() {
        let mut s = SwapSlots::<1>::new(10).unwrap();
        assert_eq!(s.free(10), Err(SwapError::OutOfRange));
        assert_eq!(s.free(3), Err(SwapError::NotAllocated));
        let a = s.alloc().unwrap();
        assert!(s.is_allocated(a));
        s.free(a).unwrap();
        assert!(!s.is_allocated(a));
        assert_eq!(s.free(a), Err(SwapError::NotAllocated));
        assert_eq!(SwapSlots::<1>::new(65).err(), Some(SwapError::TooLarge));
        let mut empty = SwapSlots::<1>::new(0).unwrap();
        assert!(empty.is_full() && empty.is_empty());
        assert_eq!(empty.alloc(), None);
    }

    #[test]
    fn shared_slots_are_freed_with_the_last_reference() {
        let mut s = SwapSlots::<1>::new(4).unwrap();
        let a = s.alloc().unwrap();
        assert_eq!(s.refs(a), 1);
        assert_eq!(s.dup(a), Ok(2));
        assert_eq!(s.dup(a), Ok(3));
        assert_eq!(s.free(a), Ok(2));
        assert_eq!(s.free(a), Ok(1));
        assert!(s.is_allocated(a) && s.used() == 1);
        assert_eq!(s.free(a), Ok(0));
        assert!(!s.is_allocated(a));
        assert_eq!((s.used(), s.refs(a)), (0, 0));
        assert_eq!(s.free(a), Err(SwapError::NotAllocated));
        assert_eq!(s.dup(a), Err(SwapError::NotAllocated));
        assert_eq!(s.dup(9), Err(SwapError::OutOfRange));
        // A reallocated slot starts again at one reference.
        let b = s.alloc().unwrap();
        assert_eq!(s.refs(b), 1);
        while s.refs(b) < MAX_REFS {
            s.dup(b).unwrap();
        }
        assert_eq!(s.dup(b), Err(SwapError::TooManyRefs));
        for _ in 0..MAX_REFS {
            s.free(b).unwrap();
        }
        assert_eq!(s.used(), 0);
    }

    #[test]
    fn alloc_at_takes_only_a_free_slot() {
        let mut s = SwapSlots::<1>::new(8).unwrap();
        assert_eq!(s.alloc_at(5), Some(5));
        assert_eq!(s.alloc_at(5), None);
        assert_eq!(s.alloc_at(8), None);
        assert_eq!((s.used(), s.refs(5)), (1, 1));
        let mut got: Vec<u64> = (0..7).map(|_| s.alloc().unwrap()).collect();
        got.sort();
        assert_eq!(got, vec![0, 1, 2, 3, 4, 6, 7]);
        assert!(s.is_full());
        assert_eq!(s.free(5), Ok(0));
        assert_eq!(s.alloc_at(5), Some(5));
    }

    #[test]
    fn reset_empties_and_resizes() {
        let mut s = SwapSlots::<2>::new(0).unwrap();
        assert!(s.is_full());
        s.reset(100).unwrap();
        assert_eq!(s.len(), 100);
        let a = s.alloc().unwrap();
        s.dup(a).unwrap();
        s.reset(70).unwrap();
        assert_eq!((s.len(), s.used(), s.refs(a)), (70, 0, 0));
        assert_eq!(s.reset(129), Err(SwapError::TooLarge));
    }

    #[test]
    fn pte_round_trip_and_never_valid() {
        let slots = [0, 1, 2, 4095, 1 << 20, 0xdead_beef, MAX_SLOT];
        for dev in [0u8, 1, 7, 31] {
            for &slot in &slots {
                let e = SwapEntry { device: dev, slot };
                let pte = e.to_pte().unwrap();
                assert_eq!(pte & PTE_V, 0, "swap PTE {pte:#x} has V set");
                assert_ne!(pte, 0, "swap PTE must differ from an empty PTE");
                assert_eq!(pte >> 54, 0, "reserved bits 63:54 must stay clear");
                assert_eq!(SwapEntry::from_pte(pte), Some(e));
            }
        }
    }

    #[test]
    fn pte_encoding_rejects_out_of_range() {
        assert_eq!(SwapEntry { device: 32, slot: 0 }.to_pte(), Err(SwapError::BadDevice));
        assert_eq!(SwapEntry { device: 0, slot: MAX_SLOT + 1 }.to_pte(), Err(SwapError::OutOfRange));
    }

    #[test]
    fn decode_rejects_other_ptes() {
        assert_eq!(SwapEntry::from_pte(0), None);
        // A valid leaf PTE: V|R|W|A|D with some PPN.
        assert_eq!(SwapEntry::from_pte((0x80123 << 10) | 0xc7), None);
        // A valid PTE whose low bits happen to look like the tag.
        let pte = SwapEntry { device: 0, slot: 5 }.to_pte().unwrap();
        assert_eq!(SwapEntry::from_pte(pte | PTE_V), None);
        // Another software tag.
        assert_eq!(SwapEntry::from_pte(0b0011 << 1), None);
        // Reserved bits set.
        assert_eq!(SwapEntry::from_pte(pte | (1 << 60)), None);
    }
}
