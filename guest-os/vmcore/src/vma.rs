//! Virtual memory areas: the kernel's record of which parts of a process's address space
//! exist, independent of which pages are currently in RAM.
//!
//! A page table says where a *resident* page is. It cannot describe a heap page that was
//! never touched (demand zero), a file page not read yet, or a page on swap with its
//! rights. So the kernel keeps, per process, a sorted list of **VMAs**: `[start, end)`
//! ranges (page aligned, non-overlapping) each with
//!
//! * protection `prot` (R/W/X) and the most it may ever be raised to, `max_prot`
//!   (a read-only file cannot become writable through `mprotect`: `EACCES`);
//! * sharing: `Private` (writes are private copies: copy-on-write) or `Shared` (writes
//!   are seen by every process mapping it and go back to the file);
//! * backing: anonymous (zero-filled on first touch), a file (inode + offset), the stack
//!   (grows down on faults), or the heap (moved by `brk`).
//!
//! On a page fault the kernel calls [`VmaSet::find`]: no VMA means `SIGSEGV`; a VMA
//! whose `prot` forbids the access means `SIGSEGV` too; otherwise the VMA says how to make
//! the page (zero it, read the file at [`Vma::file_offset_at`], copy for COW, read swap).
//!
//! The system calls map onto operations here, with Linux's rules and error numbers:
//!
//! | call | operation | notes |
//! |---|---|---|
//! | `mmap` | [`VmaSet::map`] | `len` rounded up to pages; no address: top-down search below `mmap_base` ([`VmaSet::find_gap`]); `MAP_FIXED` replaces what was there; `MAP_FIXED_NOREPLACE` fails with `EEXIST` |
//! | `munmap` | [`VmaSet::unmap`] | may split an area in two (unmap the middle) |
//! | `mprotect` | [`VmaSet::protect`] | may split an area in three; `ENOMEM` if the range has a hole |
//! | `brk` | [`VmaSet::brk`] | byte-granular break, the heap VMA ends at the break rounded up |
//!
//! After each change, neighbouring areas that are *compatible* (adjacent, same rights,
//! same sharing, same backing, and for files consecutive offsets) are merged, as Linux's
//! `vma_merge` does, so that a program that `mmap`s many small anonymous regions does not
//! use up the table.
//!
//! Storage: `VmaSet<N>` holds at most `N` areas in a sorted array (binary search for
//! `find`, shifting for insert and remove: O(N) with N in the tens, and no heap; Linux
//! uses a maple tree). An operation that would need more than `N` areas fails with
//! `ENOMEM` (as Linux does past `vm.max_map_count`) and changes nothing: every operation
//! checks capacity before it modifies anything.

use crate::{is_page_aligned, page_round_down, page_round_up, Errno, PAGE_SIZE};
use alloc::vec::Vec;

/// Page protection bits, with Linux's `PROT_*` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct Prot(u8);

impl Prot {
    /// No access (`PROT_NONE`).
    pub const NONE: Prot = Prot(abi::mman::PROT_NONE as u8);
    /// `PROT_READ`.
    pub const READ: Prot = Prot(abi::mman::PROT_READ as u8);
    /// `PROT_WRITE`.
    pub const WRITE: Prot = Prot(abi::mman::PROT_WRITE as u8);
    /// `PROT_EXEC`.
    pub const EXEC: Prot = Prot(abi::mman::PROT_EXEC as u8);
    /// Read and write.
    pub const RW: Prot = Prot(3);
    /// Everything.
    pub const RWX: Prot = Prot(7);

    /// From the `prot` argument of `mmap`/`mprotect`; unknown bits are `EINVAL`.
    pub const fn from_linux(prot: u64) -> Result<Prot, Errno> {
        if prot & !7 != 0 {
            Err(Errno::EINVAL)
        } else {
            Ok(Prot(prot as u8))
        }
    }

    /// The bits as Linux numbers them.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Union.
    pub const fn union(self, o: Prot) -> Prot {
        Prot(self.0 | o.0)
    }

    /// True when every bit of `o` is in `self`.
    pub const fn contains(self, o: Prot) -> bool {
        self.0 & o.0 == o.0
    }

    /// Readable.
    pub const fn read(self) -> bool {
        self.contains(Prot::READ)
    }

    /// Writable.
    pub const fn write(self) -> bool {
        self.contains(Prot::WRITE)
    }

    /// Executable.
    pub const fn exec(self) -> bool {
        self.contains(Prot::EXEC)
    }
}

/// Whether writes are private (copy-on-write) or shared with other mappers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Share {
    /// `MAP_PRIVATE`.
    Private,
    /// `MAP_SHARED`.
    Shared,
}

/// Linux `mmap` flag values (include/uapi/linux/mman.h, asm-generic/mman-common.h), from
/// the `abi` crate, where every number shared with the kernel and user space lives.
pub mod map_flags {
    use abi::mman;
    /// Writes are shared.
    pub const MAP_SHARED: u64 = mman::MAP_SHARED as u64;
    /// Writes are private (copy-on-write).
    pub const MAP_PRIVATE: u64 = mman::MAP_PRIVATE as u64;
    /// `MAP_SHARED` with flag validation.
    pub const MAP_SHARED_VALIDATE: u64 = mman::MAP_SHARED_VALIDATE as u64;
    /// Place exactly at `addr`, replacing existing mappings.
    pub const MAP_FIXED: u64 = mman::MAP_FIXED as u64;
    /// Not backed by a file.
    pub const MAP_ANONYMOUS: u64 = mman::MAP_ANONYMOUS as u64;
    /// Stack-like segment that grows down.
    pub const MAP_GROWSDOWN: u64 = mman::MAP_GROWSDOWN as u64;
    /// Hint: the mapping is a stack (no effect in Linux).
    pub const MAP_STACK: u64 = mman::MAP_STACK as u64;
    /// Place exactly at `addr`, fail with `EEXIST` if anything is there.
    pub const MAP_FIXED_NOREPLACE: u64 = mman::MAP_FIXED_NOREPLACE as u64;
}

/// What an area keeps about where its pages come from: the kernel's own type (open file,
/// file size rule, kind of area) or this crate's [`Backing`]. The set only needs to know
/// how a payload follows an area through a split and a merge, which area may grow down
/// on a fault, and what the heap's payload is.
///
/// Contract: [`Payload::continues`] must be true only when the two areas, joined, are
/// described by the first payload alone (the joined area keeps `self`); a split calls
/// [`Payload::tail`] for the upper piece and keeps `self` for the lower one.
pub trait Payload: Clone {
    /// The payload of the piece from `at` on of an area that starts at `start`
    /// (`start < at`): e.g. a file offset advanced by `at - start`.
    fn tail(&self, start: u64, at: u64) -> Self;
    /// True when an area `[start, end)` with `self`, followed by an area starting at `end`
    /// with `next`, is the same as one area `[start, next's end)` with `self`.
    fn continues(&self, start: u64, end: u64, next: &Self) -> bool;
    /// True for the stack, which [`VmaSet::grow_stack`] may extend down.
    fn is_stack(&self) -> bool;
    /// The payload of the heap area [`VmaSet::brk`] creates.
    fn heap() -> Self;
    /// Checks the payload of a new `len`-byte mapping (`mmap`): e.g. a file offset must be
    /// page aligned (`EINVAL`) and `offset + len` must not overflow (`EOVERFLOW`).
    fn check_map(&self, _len: u64) -> Result<(), Errno> {
        Ok(())
    }
}

/// What the pages of an area contain before they are first written: the payload of the
/// host simulator and of the tests (the kernel has its own, `guest-os/src/mm/vm.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backing {
    /// Zero-filled on demand (`MAP_ANONYMOUS`).
    Anon,
    /// Read from a file: `inode` identifies it, `offset` is the file offset of `start`.
    File {
        /// The file's identity (inode number, or any id the kernel's file system uses).
        inode: u64,
        /// Byte offset in the file of the area's first page (page aligned).
        offset: u64,
    },
    /// Zero-filled, grows down on faults just below it ([`VmaSet::grow_stack`]).
    Stack,
    /// Zero-filled, moved by [`VmaSet::brk`].
    Heap,
}

impl Payload for Backing {
    fn tail(&self, start: u64, at: u64) -> Self {
        match *self {
            Backing::File { inode, offset } => Backing::File { inode, offset: offset + (at - start) },
            b => b,
        }
    }

    fn continues(&self, start: u64, end: u64, next: &Self) -> bool {
        match (*self, *next) {
            (Backing::File { inode: a, offset: oa }, Backing::File { inode: b, offset: ob }) => {
                a == b && oa.checked_add(end - start) == Some(ob)
            }
            (x, y) => x == y,
        }
    }

    fn is_stack(&self) -> bool {
        *self == Backing::Stack
    }

    fn heap() -> Self {
        Backing::Heap
    }

    fn check_map(&self, len: u64) -> Result<(), Errno> {
        if let Backing::File { offset, .. } = *self {
            if !is_page_aligned(offset) {
                return Err(Errno::EINVAL);
            }
            if offset.checked_add(len).is_none() {
                return Err(Errno::EOVERFLOW);
            }
        }
        Ok(())
    }
}

/// One virtual memory area `[start, end)` with payload `B`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Vma<B = Backing> {
    /// First address (page aligned).
    pub start: u64,
    /// One past the last address (page aligned, `> start`).
    pub end: u64,
    /// Current rights.
    pub prot: Prot,
    /// The most `mprotect` may grant.
    pub max_prot: Prot,
    /// Private or shared.
    pub share: Share,
    /// Contents source.
    pub backing: B,
}

impl<B: Payload> Vma<B> {
    /// Size in bytes.
    pub const fn len(&self) -> u64 {
        self.end - self.start
    }

    /// True for an empty range (never stored in a [`VmaSet`]).
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// True when `addr` is inside the area.
    pub const fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// True for `MAP_SHARED`.
    pub fn is_shared(&self) -> bool {
        self.share == Share::Shared
    }

    /// The part of this area from `addr` on (payload advanced accordingly).
    fn tail_from(&self, addr: u64) -> Vma<B> {
        Vma { start: addr, backing: self.backing.tail(self.start, addr), ..self.clone() }
    }

    /// The part of this area below `addr`.
    fn head_to(&self, addr: u64) -> Vma<B> {
        Vma { end: addr, ..self.clone() }
    }

    /// True when `next` starts where `self` ends and the two can be one area.
    pub fn can_merge(&self, next: &Vma<B>) -> bool {
        self.end == next.start
            && self.prot == next.prot
            && self.max_prot == next.max_prot
            && self.share == next.share
            && self.backing.continues(self.start, self.end, &next.backing)
    }
}

impl Vma<Backing> {
    /// For a file area, the file offset of the page containing `addr`.
    pub const fn file_offset_at(&self, addr: u64) -> Option<u64> {
        match self.backing {
            Backing::File { offset, .. } if self.contains(addr) => Some(offset + (page_round_down(addr) - self.start)),
            _ => None,
        }
    }
}

/// How `mmap` chooses the address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// `addr` is a hint (0 = none): used if free and in range, else the kernel chooses.
    Hint,
    /// `MAP_FIXED`: exactly `addr`, unmapping whatever overlaps.
    Fixed,
    /// `MAP_FIXED_NOREPLACE`: exactly `addr`, `EEXIST` if anything overlaps.
    FixedNoReplace,
}

impl Placement {
    /// From Linux `mmap` flags (`MAP_FIXED_NOREPLACE` wins over `MAP_FIXED`, as in Linux).
    pub const fn from_linux(flags: u64) -> Placement {
        if flags & map_flags::MAP_FIXED_NOREPLACE != 0 {
            Placement::FixedNoReplace
        } else if flags & map_flags::MAP_FIXED != 0 {
            Placement::Fixed
        } else {
            Placement::Hint
        }
    }
}

impl Share {
    /// From Linux `mmap` flags: exactly one of `MAP_SHARED`, `MAP_PRIVATE` (or
    /// `MAP_SHARED_VALIDATE`), else `EINVAL`.
    pub const fn from_linux(flags: u64) -> Result<Share, Errno> {
        match flags & 3 {
            map_flags::MAP_SHARED | map_flags::MAP_SHARED_VALIDATE => Ok(Share::Shared),
            map_flags::MAP_PRIVATE => Ok(Share::Private),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// Where `mmap` without a fixed address looks for room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// Linux's default: the highest gap below [`Layout::mmap_base`].
    TopDown,
    /// The lowest gap at or above [`Layout::mmap_base`] that ends at or below `limit`
    /// (Linux's legacy layout; this project's kernel).
    BottomUp {
        /// One past the highest address such a mapping may use.
        limit: u64,
    },
}

/// The shape of a user address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Lowest address a mapping may use (Linux `vm.mmap_min_addr`, 64 KiB by default, so
    /// that a NULL-pointer dereference always faults).
    pub min_addr: u64,
    /// Where the search for mappings without a fixed address starts ([`Search`]).
    pub mmap_base: u64,
    /// Which way that search goes.
    pub search: Search,
    /// One past the highest user address (Linux `TASK_SIZE`).
    pub task_size: u64,
    /// Largest size the stack may grow to (`RLIMIT_STACK`).
    pub stack_limit: u64,
    /// Free bytes a growing stack keeps above the area below it (Linux's
    /// `stack_guard_gap`; this project's kernel keeps none).
    pub stack_guard: u64,
}

impl Layout {
    /// Sv39: user addresses are the lower half of the 39-bit space, `[0, 2^38)` (256 GiB,
    /// Privileged spec 4.4: bits 63:39 equal bit 38), as Linux's riscv `TASK_SIZE` for Sv39.
    /// `mmap_base` leaves 1 GiB for the stack at the top; the stack may grow to 8 MiB and
    /// keeps one guard page.
    pub const SV39: Layout = Layout {
        min_addr: 0x1_0000,
        mmap_base: 0x3f_c000_0000,
        search: Search::TopDown,
        task_size: 0x40_0000_0000,
        stack_limit: 8 << 20,
        stack_guard: PAGE_SIZE,
    };

    /// This project's guest OS (`guest-os/src/mm/vm.rs`, `docs/os.md`): user space is the
    /// Sv39 lower half, `[0x1000, 0x40_0000_0000)` (the kernel lives in the upper half,
    /// root entries 256..512, in every address space). Mappings without a fixed address go
    /// bottom-up from `abi::layout::MMAP_BASE` to the stack's 8 MiB reserve at the top;
    /// the stack grows down to its reserve's bottom with no guard page.
    pub const GUEST_OS: Layout = Layout {
        min_addr: 0x1000,
        mmap_base: abi::layout::MMAP_BASE,
        search: Search::BottomUp { limit: abi::layout::USER_TOP - (8 << 20) },
        task_size: abi::layout::USER_TOP,
        stack_limit: 8 << 20,
        stack_guard: 0,
    };

    const fn valid(&self) -> bool {
        let search_ok = match self.search {
            Search::TopDown => true,
            Search::BottomUp { limit } => is_page_aligned(limit) && self.mmap_base <= limit && limit <= self.task_size,
        };
        is_page_aligned(self.min_addr)
            && is_page_aligned(self.mmap_base)
            && is_page_aligned(self.task_size)
            && self.min_addr <= self.mmap_base
            && self.mmap_base <= self.task_size
            && search_ok
    }
}

/// The VMAs of one address space, at most `N`, sorted by address and non-overlapping,
/// plus the program break. Areas live in a `Vec` that never holds more than `N` (grown
/// with `try_reserve`, so a full kernel heap is `ENOMEM`, never an abort); the payload
/// `B` is the kernel's ([`Payload`]).
#[derive(Debug)]
pub struct VmaSet<const N: usize, B = Backing> {
    areas: Vec<Vma<B>>,
    layout: Layout,
    brk_start: u64,
    brk: u64,
}

impl<const N: usize, B: Payload> VmaSet<N, B> {
    /// An empty address space; `EINVAL` if the layout is not page aligned and ordered.
    pub const fn new(layout: Layout) -> Result<Self, Errno> {
        if !layout.valid() {
            return Err(Errno::EINVAL);
        }
        Ok(Self { areas: Vec::new(), layout, brk_start: 0, brk: 0 })
    }

    /// A copy (for `fork`); `ENOMEM` when the heap cannot hold it.
    pub fn try_clone(&self) -> Result<Self, Errno> {
        let mut areas = Vec::new();
        areas.try_reserve_exact(self.areas.len()).map_err(|_| Errno::ENOMEM)?;
        areas.extend(self.areas.iter().cloned());
        Ok(Self { areas, layout: self.layout, brk_start: self.brk_start, brk: self.brk })
    }

    /// Room for the (at most two) areas an operation may add, taken before it changes
    /// anything so that it cannot fail half-way.
    fn reserve(&mut self) -> Result<(), Errno> {
        self.areas.try_reserve(2).map_err(|_| Errno::ENOMEM)
    }

    /// The layout.
    pub const fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Number of areas.
    pub fn len(&self) -> usize {
        self.areas.len()
    }

    /// True when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// The areas in address order.
    pub fn areas(&self) -> &[Vma<B>] {
        &self.areas
    }

    /// Index of the first area that ends after `addr` (the only one that can contain it).
    fn first_ending_after(&self, addr: u64) -> usize {
        self.areas.partition_point(|v| v.end <= addr)
    }

    /// The area containing `addr` (the page-fault handler's question).
    pub fn find(&self, addr: u64) -> Option<&Vma<B>> {
        self.areas.get(self.first_ending_after(addr)).filter(|v| v.start <= addr)
    }

    /// The areas overlapping `[start, end)`.
    pub fn overlapping(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma<B>> {
        let i = self.first_ending_after(start);
        self.areas[i..].iter().take_while(move |v| v.start < end)
    }

    /// True when no area overlaps `[start, end)`.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        self.overlapping(start, end).next().is_none()
    }

    /// True when areas cover every byte of `[start, end)` (no hole).
    pub fn covers(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        for v in self.overlapping(start, end) {
            if v.start > at {
                return false;
            }
            at = v.end;
        }
        at >= end
    }

    /// The highest address `s` such that `[s, s + len)` is free, at or above `min_addr` and
    /// ends at or below `limit`: the top-down search Linux does below `mmap_base`. `len`
    /// must be page aligned and nonzero.
    pub fn find_gap(&self, len: u64, limit: u64) -> Option<u64> {
        if len == 0 || !is_page_aligned(len) {
            return None;
        }
        let min = self.layout.min_addr;
        let mut hi = page_round_down(limit.min(self.layout.task_size));
        for a in self.areas.iter().rev() {
            if a.start >= hi {
                continue;
            }
            let lo = a.end.max(min);
            if hi >= lo && hi - lo >= len {
                return Some(hi - len);
            }
            hi = a.start;
        }
        (hi >= min && hi - min >= len).then(|| hi - len)
    }

    /// The lowest address `s >= from` (page aligned) such that `[s, s + len)` is free and
    /// ends at or below `limit`: the bottom-up search. `len` must be page aligned and
    /// nonzero.
    pub fn find_gap_up(&self, len: u64, from: u64, limit: u64) -> Option<u64> {
        if len == 0 || !is_page_aligned(len) {
            return None;
        }
        let mut lo = page_round_up(from.max(self.layout.min_addr))?;
        let limit = limit.min(self.layout.task_size);
        for a in self.overlapping(lo, limit) {
            if a.start >= lo && a.start - lo >= len {
                break;
            }
            lo = lo.max(a.end);
        }
        (lo <= limit && limit - lo >= len).then_some(lo)
    }

    /// The search the layout asks for.
    fn find_gap_layout(&self, len: u64) -> Option<u64> {
        match self.layout.search {
            Search::TopDown => self.find_gap(len, self.layout.mmap_base),
            Search::BottomUp { limit } => self.find_gap_up(len, self.layout.mmap_base, limit),
        }
    }

    /// How many areas there will be after removing `[s, e)`.
    fn len_after_remove(&self, s: u64, e: u64) -> usize {
        let mut n = self.areas.len();
        for a in self.overlapping(s, e) {
            if a.start < s && a.end > e {
                n += 1; // split in two
            } else if a.start >= s && a.end <= e {
                n -= 1; // removed
            }
        }
        n
    }

    /// Removes `[s, e)` from every area; capacity for a split was checked and reserved by
    /// the caller.
    fn remove_range(&mut self, s: u64, e: u64) {
        let mut i = self.first_ending_after(s);
        if i >= self.areas.len() || self.areas[i].start >= e {
            return;
        }
        if self.areas[i].start < s && self.areas[i].end > e {
            let tail = self.areas[i].tail_from(e);
            self.areas[i].end = s;
            self.areas.insert(i + 1, tail);
            return;
        }
        if self.areas[i].start < s {
            self.areas[i].end = s;
            i += 1;
        }
        let mut j = i;
        while j < self.areas.len() && self.areas[j].end <= e {
            j += 1;
        }
        self.areas.drain(i..j);
        if i < self.areas.len() && self.areas[i].start < e {
            self.areas[i] = self.areas[i].tail_from(e);
        }
    }

    /// Merges compatible neighbours among the areas with index in `[lo, hi]` (clamped).
    fn merge_range(&mut self, lo: usize, hi: usize) {
        let mut i = lo;
        let mut hi = hi.min(self.areas.len().saturating_sub(1));
        while i < hi {
            if self.areas[i].can_merge(&self.areas[i + 1]) {
                self.areas[i].end = self.areas[i + 1].end;
                self.areas.remove(i + 1);
                hi -= 1;
            } else {
                i += 1;
            }
        }
    }

    /// Inserts `v` into free space (checked by the caller, as is capacity for one more
    /// area unless `v` merges with a neighbour) and merges it with its neighbours. Merging
    /// happens in place, so no temporary slot is needed when `v` extends a neighbour.
    fn insert_free(&mut self, v: Vma<B>) {
        let i = self.areas.partition_point(|a| a.start < v.start);
        if i > 0 && self.areas[i - 1].can_merge(&v) {
            self.areas[i - 1].end = v.end;
            self.merge_range(i - 1, i);
        } else if i < self.areas.len() && v.can_merge(&self.areas[i]) {
            let end = self.areas[i].end;
            self.areas[i] = Vma { end, ..v };
        } else {
            self.areas.insert(i, v);
        }
    }

    /// The areas that will be just below `s` and just above `e` once `[s, e)` is removed
    /// (possibly trimmed pieces of areas overlapping the ends).
    fn neighbours_after_remove(&self, s: u64, e: u64) -> (Option<Vma<B>>, Option<Vma<B>>) {
        let k = self.first_ending_after(s);
        let below = match self.areas.get(k) {
            Some(a) if a.start < s => Some(a.head_to(s)),
            _ => k.checked_sub(1).map(|k| self.areas[k].clone()),
        };
        let m = self.first_ending_after(e);
        let above = match self.areas.get(m) {
            Some(a) if a.start < e => Some(a.tail_from(e)),
            other => other.cloned(),
        };
        (below, above)
    }

    /// `mmap`: maps `len` bytes (rounded up to pages) with `prot`, `share` and `backing`,
    /// placed per `placement` at or near `addr`. Returns the start address. `max_prot` is
    /// the most `mprotect` may later grant (the kernel passes what the file's open mode
    /// allows; anonymous memory: [`Prot::RWX`]); `prot` must be within it (`EACCES`).
    ///
    /// Errors as Linux (mm/mmap.c `do_mmap`, `get_unmapped_area`): `EINVAL` for zero length,
    /// a misaligned fixed address or file offset; `ENOMEM` when the rounded length
    /// overflows or exceeds the address space, when no gap is large enough, or when the
    /// table is full; `EOVERFLOW` when `offset + len` overflows; `EPERM` for a fixed
    /// address below `min_addr`; `EEXIST` for `FixedNoReplace` over an existing mapping.
    #[allow(clippy::too_many_arguments)]
    pub fn map(
        &mut self,
        addr: u64,
        len: u64,
        placement: Placement,
        prot: Prot,
        max_prot: Prot,
        share: Share,
        backing: B,
    ) -> Result<u64, Errno> {
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_round_up(len).ok_or(Errno::ENOMEM)?;
        if len > self.layout.task_size {
            return Err(Errno::ENOMEM);
        }
        backing.check_map(len)?;
        if !max_prot.contains(prot) {
            return Err(Errno::EACCES);
        }
        let start = match placement {
            Placement::Fixed | Placement::FixedNoReplace => {
                if !is_page_aligned(addr) {
                    return Err(Errno::EINVAL);
                }
                if addr > self.layout.task_size - len {
                    return Err(Errno::ENOMEM);
                }
                if addr < self.layout.min_addr {
                    return Err(Errno::EPERM);
                }
                if placement == Placement::FixedNoReplace && !self.is_free(addr, addr + len) {
                    return Err(Errno::EEXIST);
                }
                addr
            }
            Placement::Hint => {
                let hint = page_round_up(addr).unwrap_or(0);
                if hint != 0
                    && hint >= self.layout.min_addr
                    && hint <= self.layout.task_size - len
                    && self.is_free(hint, hint + len)
                {
                    hint
                } else {
                    self.find_gap_layout(len).ok_or(Errno::ENOMEM)?
                }
            }
        };
        let end = start + len;
        let v = Vma { start, end, prot, max_prot, share, backing };
        // Capacity: the removal may split an area (peak), the insertion adds one area
        // unless it merges with the piece below and/or above.
        let after = self.len_after_remove(start, end);
        let (below, above) = self.neighbours_after_remove(start, end);
        let merges = below.is_some_and(|b| b.can_merge(&v)) as usize + above.is_some_and(|a| v.can_merge(&a)) as usize;
        if after.max((after + 1).saturating_sub(merges)) > N {
            return Err(Errno::ENOMEM);
        }
        self.reserve()?;
        self.remove_range(start, end);
        self.insert_free(v);
        Ok(start)
    }

    /// `munmap(addr, len)`: removes `[addr, addr + len rounded up)` from the address space,
    /// splitting areas at the ends. Unmapping a range with nothing mapped succeeds.
    /// `EINVAL` for a misaligned address, zero length or a range outside the address space;
    /// `ENOMEM` if a split would exceed the table (nothing changed). The kernel must free the
    /// pages of the range (and write back dirty `Shared` file pages) itself: iterate
    /// [`VmaSet::overlapping`] before calling this.
    pub fn unmap(&mut self, addr: u64, len: u64) -> Result<(), Errno> {
        if !is_page_aligned(addr) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_round_up(len).ok_or(Errno::EINVAL)?;
        if addr > self.layout.task_size || len > self.layout.task_size - addr {
            return Err(Errno::EINVAL);
        }
        if self.len_after_remove(addr, addr + len) > N {
            return Err(Errno::ENOMEM);
        }
        self.reserve()?;
        self.remove_range(addr, addr + len);
        Ok(())
    }

    /// Splits the area containing `addr` at `addr` if `addr` is strictly inside it and
    /// its protection differs from `prot`.
    fn split_at(&mut self, addr: u64, prot: Prot) {
        let i = self.first_ending_after(addr);
        if i < self.areas.len() && self.areas[i].start < addr && self.areas[i].prot != prot {
            let tail = self.areas[i].tail_from(addr);
            self.areas[i].end = addr;
            self.areas.insert(i + 1, tail);
        }
    }

    /// `mprotect(addr, len, prot)`: sets the rights of every page in the range, splitting
    /// areas at the ends and merging afterwards. Atomic: on error nothing changes.
    /// `EINVAL` for a misaligned address; `ENOMEM` if part of the range is not mapped, is
    /// outside the address space, or the splits would exceed the table; `EACCES` if `prot`
    /// exceeds some area's `max_prot`. Zero length succeeds. The kernel must then update the
    /// PTEs of resident pages and flush their TLB entries (fewer rights: before returning
    /// to user mode; Privileged spec 4.2.1).
    pub fn protect(&mut self, addr: u64, len: u64, prot: Prot) -> Result<(), Errno> {
        if !is_page_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        let len = page_round_up(len).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len).filter(|&e| e <= self.layout.task_size).ok_or(Errno::ENOMEM)?;
        let mut cursor = addr;
        let mut extra = 0;
        for a in self.overlapping(addr, end) {
            if a.start > cursor {
                return Err(Errno::ENOMEM);
            }
            if !a.max_prot.contains(prot) {
                return Err(Errno::EACCES);
            }
            if a.prot != prot {
                // Linux leaves an area whose flags do not change alone (no split).
                extra += (a.start < addr) as usize + (a.end > end) as usize;
            }
            cursor = a.end;
        }
        if cursor < end {
            return Err(Errno::ENOMEM);
        }
        if self.areas.len() + extra > N {
            return Err(Errno::ENOMEM);
        }
        self.reserve()?;
        self.split_at(addr, prot);
        self.split_at(end, prot);
        let i = self.first_ending_after(addr);
        let mut j = i;
        while j < self.areas.len() && self.areas[j].start < end {
            self.areas[j].prot = prot;
            j += 1;
        }
        self.merge_range(i.saturating_sub(1), j);
        Ok(())
    }

    /// Sets where the heap begins (at `exec`: the page after the end of the program's
    /// data); the break starts there. `EINVAL` if misaligned or outside the address space.
    pub fn set_brk_base(&mut self, base: u64) -> Result<(), Errno> {
        if !is_page_aligned(base) || base < self.layout.min_addr || base >= self.layout.task_size {
            return Err(Errno::EINVAL);
        }
        self.brk_start = base;
        self.brk = base;
        Ok(())
    }

    /// The current program break.
    pub const fn current_brk(&self) -> u64 {
        self.brk
    }

    /// The `brk` system call: moves the break to `new` and returns the resulting break,
    /// which is the old one when the move is refused (below the heap start, into another
    /// mapping, beyond the address space, table full), exactly like Linux's `brk`, which
    /// never returns an error code. The heap VMA covers `[brk_start, page_round_up(brk))`.
    /// On a shrink the kernel must free the frames of
    /// `[page_round_up(new), page_round_up(old))`.
    pub fn brk(&mut self, new: u64) -> u64 {
        if self.brk_start == 0 || new < self.brk_start {
            return self.brk;
        }
        let (Some(old_top), Some(new_top)) = (page_round_up(self.brk), page_round_up(new)) else {
            return self.brk;
        };
        if new_top > self.layout.task_size || self.reserve().is_err() {
            return self.brk;
        }
        if new_top < old_top {
            if self.len_after_remove(new_top, old_top) > N {
                return self.brk;
            }
            self.remove_range(new_top, old_top);
        } else if new_top > old_top {
            if !self.is_free(old_top, new_top) {
                return self.brk;
            }
            let heap = Vma {
                start: old_top,
                end: new_top,
                prot: Prot::RW,
                max_prot: Prot::RWX,
                share: Share::Private,
                backing: B::heap(),
            };
            let i = self.first_ending_after(old_top - 1);
            let extends = i < self.areas.len() && self.areas[i].can_merge(&heap);
            if !extends && self.areas.len() >= N {
                return self.brk;
            }
            self.insert_free(heap);
        }
        self.brk = new;
        self.brk
    }

    /// Stack growth on a page fault at `addr` just below a stack area
    /// ([`Payload::is_stack`]): extends that area down to the page of `addr` and returns
    /// by how many bytes it grew (0 when `addr` is already mapped). `ENOMEM` if the area
    /// above `addr` is not a stack, if the stack would exceed `stack_limit`, or if it
    /// would come closer than `stack_guard` to the area below.
    pub fn grow_stack(&mut self, addr: u64) -> Result<u64, Errno> {
        let i = self.first_ending_after(addr);
        let Some(a) = self.areas.get(i) else { return Err(Errno::ENOMEM) };
        if a.start <= addr {
            return Ok(0); // already inside a mapping
        }
        if !a.backing.is_stack() {
            return Err(Errno::ENOMEM);
        }
        let new_start = page_round_down(addr);
        if a.end - new_start > self.layout.stack_limit || new_start < self.layout.min_addr {
            return Err(Errno::ENOMEM);
        }
        if i > 0 && self.areas[i - 1].end.saturating_add(self.layout.stack_guard) > new_start {
            return Err(Errno::ENOMEM);
        }
        let grown = a.start - new_start;
        self.areas[i].start = new_start;
        Ok(grown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replace::Rng;

    const P: u64 = PAGE_SIZE;
    /// A small address space: pages 16..1024, mmap_base at page 960.
    const SMALL: Layout = Layout {
        min_addr: 16 * P,
        mmap_base: 960 * P,
        search: Search::TopDown,
        task_size: 1024 * P,
        stack_limit: 8 * P,
        stack_guard: P,
    };

    fn set<const N: usize>() -> VmaSet<N> {
        VmaSet::new(SMALL).unwrap()
    }

    fn anon<const N: usize>(s: &mut VmaSet<N>, addr: u64, len: u64, pl: Placement, prot: Prot) -> Result<u64, Errno> {
        s.map(addr, len, pl, prot, Prot::RWX, Share::Private, Backing::Anon)
    }

    fn ranges<const N: usize>(s: &VmaSet<N>) -> Vec<(u64, u64)> {
        s.areas().iter().map(|v| (v.start / P, v.end / P)).collect()
    }

    /// Sorted, non-empty, non-overlapping, page aligned, inside the layout, and no two
    /// neighbours that should have been merged.
    fn check_invariants<const N: usize>(s: &VmaSet<N>) {
        let a = s.areas();
        for v in a {
            assert!(v.start < v.end && is_page_aligned(v.start) && is_page_aligned(v.end), "{v:?}");
            assert!(v.start >= SMALL.min_addr && v.end <= SMALL.task_size, "{v:?}");
        }
        for w in a.windows(2) {
            assert!(w[0].end <= w[1].start, "overlap {w:?}");
            assert!(!w[0].can_merge(&w[1]), "unmerged neighbours {w:?}");
        }
    }

    #[test]
    fn layout_is_validated() {
        assert!(VmaSet::<4>::new(Layout::SV39).is_ok());
        let mut g = VmaSet::<4>::new(Layout::GUEST_OS).unwrap();
        let base = abi::layout::MMAP_BASE;
        assert_eq!(anon(&mut g, 0, 1, Placement::Hint, Prot::RW), Ok(base), "bottom-up from MMAP_BASE");
        assert_eq!(anon(&mut g, 0, P, Placement::Hint, Prot::READ), Ok(base + P));
        assert_eq!(anon(&mut g, 0x40_0000_0000, P, Placement::Fixed, Prot::RW), Err(Errno::ENOMEM), "kernel half");
        assert_eq!(anon(&mut g, 0x8000_0000, P, Placement::Fixed, Prot::RW), Ok(0x8000_0000), "RAM's pa is user space");
        assert_eq!(anon(&mut g, 0x1000, P, Placement::Fixed, Prot::RW), Ok(0x1000));
        let bad = Layout { search: Search::BottomUp { limit: SMALL.task_size + P }, ..SMALL };
        assert_eq!(VmaSet::<4>::new(bad).err(), Some(Errno::EINVAL));
        let bad = Layout { min_addr: 1, ..SMALL };
        assert_eq!(VmaSet::<4>::new(bad).err(), Some(Errno::EINVAL));
        let bad = Layout { mmap_base: SMALL.task_size + P, ..SMALL };
        assert_eq!(VmaSet::<4>::new(bad).err(), Some(Errno::EINVAL));
    }

    #[test]
    fn anywhere_maps_top_down_and_merges() {
        let mut s = set::<8>();
        let a = anon(&mut s, 0, 1, Placement::Hint, Prot::RW).unwrap();
        assert_eq!(a, 959 * P, "one page (length rounded up) just below mmap_base");
        let b = anon(&mut s, 0, 2 * P, Placement::Hint, Prot::RW).unwrap();
        assert_eq!(b, 957 * P);
        assert_eq!(ranges(&s), [(957, 960)], "compatible neighbours merged");
        let c = anon(&mut s, 0, P, Placement::Hint, Prot::READ).unwrap();
        assert_eq!(c, 956 * P);
        assert_eq!(ranges(&s), [(956, 957), (957, 960)], "different prot: not merged");
        assert_eq!(s.find(958 * P + 5).map(|v| v.start), Some(957 * P));
        assert_eq!(s.find(960 * P), None);
        assert_eq!(s.find(955 * P + 4095), None);
        check_invariants(&s);
    }

    #[test]
    fn length_and_alignment_errors_follow_linux() {
        let mut s = set::<8>();
        assert_eq!(anon(&mut s, 0, 0, Placement::Hint, Prot::RW), Err(Errno::EINVAL));
        assert_eq!(anon(&mut s, 0, u64::MAX, Placement::Hint, Prot::RW), Err(Errno::ENOMEM));
        assert_eq!(anon(&mut s, 0, 2048 * P, Placement::Hint, Prot::RW), Err(Errno::ENOMEM));
        assert_eq!(anon(&mut s, 100 * P + 1, P, Placement::Fixed, Prot::RW), Err(Errno::EINVAL));
        assert_eq!(anon(&mut s, 100 * P + 1, P, Placement::FixedNoReplace, Prot::RW), Err(Errno::EINVAL));
        assert_eq!(anon(&mut s, 8 * P, P, Placement::Fixed, Prot::RW), Err(Errno::EPERM));
        assert_eq!(anon(&mut s, 1023 * P, 2 * P, Placement::Fixed, Prot::RW), Err(Errno::ENOMEM));
        let file = Backing::File { inode: 3, offset: 100 };
        assert_eq!(s.map(0, P, Placement::Hint, Prot::READ, Prot::READ, Share::Shared, file), Err(Errno::EINVAL));
        let file = Backing::File { inode: 3, offset: u64::MAX - P + 1 };
        assert_eq!(
            s.map(0, 2 * P, Placement::Hint, Prot::READ, Prot::READ, Share::Shared, file),
            Err(Errno::EOVERFLOW)
        );
        let file = Backing::File { inode: 3, offset: 0 };
        assert_eq!(s.map(0, P, Placement::Hint, Prot::RW, Prot::READ, Share::Shared, file), Err(Errno::EACCES));
        assert!(s.is_empty(), "failed calls change nothing");
    }

    #[test]
    fn hint_is_used_when_free() {
        let mut s = set::<8>();
        assert_eq!(anon(&mut s, 100 * P, P, Placement::Hint, Prot::RW), Ok(100 * P));
        // Unaligned hint: rounded up.
        assert_eq!(anon(&mut s, 200 * P + 7, P, Placement::Hint, Prot::RW), Ok(201 * P));
        // Occupied hint: the kernel chooses.
        assert_eq!(anon(&mut s, 100 * P, P, Placement::Hint, Prot::RW), Ok(959 * P));
        // Hint below min_addr: ignored.
        assert_eq!(anon(&mut s, 4 * P, P, Placement::Hint, Prot::RW), Ok(958 * P));
    }

    #[test]
    fn fixed_replaces_and_noreplace_refuses() {
        let mut s = set::<8>();
        anon(&mut s, 100 * P, 10 * P, Placement::Fixed, Prot::RW).unwrap();
        assert_eq!(anon(&mut s, 105 * P, P, Placement::FixedNoReplace, Prot::READ), Err(Errno::EEXIST));
        assert_eq!(anon(&mut s, 95 * P, 6 * P, Placement::FixedNoReplace, Prot::READ), Err(Errno::EEXIST));
        assert_eq!(ranges(&s), [(100, 110)]);
        assert_eq!(anon(&mut s, 110 * P, P, Placement::FixedNoReplace, Prot::READ), Ok(110 * P));
        // MAP_FIXED over the middle: three areas, the middle one new.
        assert_eq!(anon(&mut s, 104 * P, 2 * P, Placement::Fixed, Prot::READ), Ok(104 * P));
        assert_eq!(ranges(&s), [(100, 104), (104, 106), (106, 110), (110, 111)]);
        assert_eq!(s.find(105 * P).unwrap().prot, Prot::READ);
        // MAP_FIXED with the same rights over all of it: back to one area.
        assert_eq!(anon(&mut s, 99 * P, 13 * P, Placement::Fixed, Prot::RW), Ok(99 * P));
        assert_eq!(ranges(&s), [(99, 112)]);
        check_invariants(&s);
    }

    #[test]
    fn unmap_middle_leaves_two_with_file_offsets() {
        let mut s = set::<8>();
        let f = Backing::File { inode: 9, offset: 0x10000 };
        s.map(100 * P, 10 * P, Placement::Fixed, Prot::READ, Prot::RWX, Share::Private, f).unwrap();
        s.unmap(103 * P, 2 * P).unwrap();
        assert_eq!(ranges(&s), [(100, 103), (105, 110)]);
        assert_eq!(s.areas()[1].backing, Backing::File { inode: 9, offset: 0x10000 + 5 * P });
        assert_eq!(s.find(106 * P + 3).unwrap().file_offset_at(106 * P + 3), Some(0x10000 + 6 * P));
        // Remapping the hole with the matching offset merges everything again.
        let f3 = Backing::File { inode: 9, offset: 0x10000 + 3 * P };
        s.map(103 * P, 2 * P, Placement::Fixed, Prot::READ, Prot::RWX, Share::Private, f3).unwrap();
        assert_eq!(ranges(&s), [(100, 110)]);
        // A different inode or offset does not merge.
        s.unmap(103 * P, 2 * P).unwrap();
        let g = Backing::File { inode: 8, offset: 0x10000 + 3 * P };
        s.map(103 * P, 2 * P, Placement::Fixed, Prot::READ, Prot::RWX, Share::Private, g).unwrap();
        assert_eq!(s.len(), 3);
        check_invariants(&s);
    }

    #[test]
    fn unmap_edges_several_areas_and_holes() {
        let mut s = set::<8>();
        anon(&mut s, 100 * P, 10 * P, Placement::Fixed, Prot::RW).unwrap();
        anon(&mut s, 120 * P, 10 * P, Placement::Fixed, Prot::RW).unwrap();
        anon(&mut s, 140 * P, 10 * P, Placement::Fixed, Prot::RW).unwrap();
        s.unmap(105 * P, 40 * P).unwrap();
        assert_eq!(ranges(&s), [(100, 105), (145, 150)]);
        s.unmap(300 * P, 1).unwrap(); // nothing there: fine
        assert_eq!(s.unmap(300 * P + 1, P), Err(Errno::EINVAL));
        assert_eq!(s.unmap(300 * P, 0), Err(Errno::EINVAL));
        assert_eq!(s.unmap(1023 * P, 2 * P), Err(Errno::EINVAL));
        assert_eq!(s.unmap(0, u64::MAX), Err(Errno::EINVAL));
        s.unmap(0, 1024 * P).unwrap();
        assert!(s.is_empty());
    }

    #[test]
    fn protect_splits_merges_and_checks() {
        let mut s = set::<8>();
        anon(&mut s, 100 * P, 10 * P, Placement::Fixed, Prot::RW).unwrap();
        s.protect(103 * P, 2 * P, Prot::READ).unwrap();
        assert_eq!(ranges(&s), [(100, 103), (103, 105), (105, 110)]);
        s.protect(103 * P, 2 * P - 100, Prot::RW).unwrap(); // length rounds up
        assert_eq!(ranges(&s), [(100, 110)]);
        assert_eq!(s.protect(101 * P + 8, P, Prot::READ), Err(Errno::EINVAL));
        assert_eq!(s.protect(100 * P, 0, Prot::READ), Ok(()));
        // A hole in the range: ENOMEM, nothing changed.
        anon(&mut s, 111 * P, P, Placement::Fixed, Prot::RW).unwrap();
        assert_eq!(s.protect(105 * P, 7 * P, Prot::READ), Err(Errno::ENOMEM));
        assert_eq!(s.protect(108 * P, 10 * P, Prot::READ), Err(Errno::ENOMEM));
        assert_eq!(s.protect(90 * P, 11 * P, Prot::READ), Err(Errno::ENOMEM));
        assert!(s.areas().iter().all(|v| v.prot == Prot::RW));
        // Beyond max_prot: EACCES.
        let f = Backing::File { inode: 1, offset: 0 };
        s.map(200 * P, P, Placement::Fixed, Prot::READ, Prot::READ, Share::Shared, f).unwrap();
        assert_eq!(s.protect(200 * P, P, Prot::RW), Err(Errno::EACCES));
        assert_eq!(s.protect(200 * P, P, Prot::NONE), Ok(()));
        check_invariants(&s);
    }

    #[test]
    fn full_table_fails_without_change() {
        let mut s = set::<2>();
        anon(&mut s, 100 * P, 10 * P, Placement::Fixed, Prot::RW).unwrap();
        anon(&mut s, 200 * P, 10 * P, Placement::Fixed, Prot::RW).unwrap();
        let before = ranges(&s);
        assert_eq!(anon(&mut s, 300 * P, P, Placement::Fixed, Prot::READ), Err(Errno::ENOMEM));
        assert_eq!(s.unmap(103 * P, P), Err(Errno::ENOMEM));
        assert_eq!(s.protect(103 * P, P, Prot::READ), Err(Errno::ENOMEM));
        assert_eq!(ranges(&s), before);
        // Operations that do not need another slot still work.
        assert_eq!(anon(&mut s, 110 * P, P, Placement::Fixed, Prot::RW), Ok(110 * P), "merges below");
        assert_eq!(anon(&mut s, 199 * P, P, Placement::Fixed, Prot::RW), Ok(199 * P), "merges above");
        assert_eq!(ranges(&s), [(100, 111), (199, 210)]);
        s.unmap(100 * P, P).unwrap();
        s.protect(209 * P, P, Prot::RW).unwrap(); // unchanged rights: no split needed
                                                  // MAP_FIXED exactly over an area replaces it in place.
        assert_eq!(anon(&mut s, 199 * P, 11 * P, Placement::Fixed, Prot::READ), Ok(199 * P));
        assert_eq!(ranges(&s), [(101, 111), (199, 210)]);
        assert_eq!(s.find(205 * P).unwrap().prot, Prot::READ);
        // Filling the hole between two compatible areas with a full table: one area.
        s.protect(199 * P, 11 * P, Prot::RW).unwrap();
        assert_eq!(anon(&mut s, 111 * P, 88 * P, Placement::Fixed, Prot::RW), Ok(111 * P));
        assert_eq!(ranges(&s), [(101, 210)]);
    }

    #[test]
    fn find_gap_searches_top_down() {
        let mut s = set::<8>();
        anon(&mut s, 950 * P, 10 * P, Placement::Fixed, Prot::RW).unwrap();
        anon(&mut s, 940 * P, 5 * P, Placement::Fixed, Prot::READ).unwrap();
        assert_eq!(s.find_gap(5 * P, 960 * P), Some(945 * P));
        assert_eq!(s.find_gap(6 * P, 960 * P), Some(934 * P));
        assert_eq!(s.find_gap(P, 955 * P), Some(949 * P));
        assert_eq!(s.find_gap(P, 20 * P), Some(19 * P));
        assert_eq!(s.find_gap(5 * P, 20 * P), None, "below min_addr");
        assert_eq!(s.find_gap(0, 960 * P), None);
        assert_eq!(s.find_gap(P + 1, 960 * P), None);
        assert_eq!(s.find_gap(924 * P, 960 * P), Some(16 * P));
        assert_eq!(s.find_gap(925 * P, 960 * P), None);
    }

    #[test]
    fn brk_grows_and_shrinks_the_heap() {
        let mut s = set::<8>();
        assert_eq!(s.brk(12345), 0, "no heap before set_brk_base");
        assert_eq!(s.set_brk_base(100 * P + 1), Err(Errno::EINVAL));
        s.set_brk_base(100 * P).unwrap();
        assert_eq!(s.brk(0), 100 * P, "brk(0) queries");
        assert_eq!(s.brk(100 * P + 10), 100 * P + 10);
        assert_eq!(ranges(&s), [(100, 101)]);
        assert_eq!(s.find(100 * P).unwrap().backing, Backing::Heap);
        assert_eq!(s.brk(103 * P + 1), 103 * P + 1);
        assert_eq!(ranges(&s), [(100, 104)]);
        // A mapping in the way refuses the growth.
        anon(&mut s, 106 * P, P, Placement::Fixed, Prot::RW).unwrap();
        assert_eq!(s.brk(107 * P), 103 * P + 1);
        assert_eq!(s.brk(106 * P), 106 * P);
        assert_eq!(ranges(&s), [(100, 106), (106, 107)], "heap and anon areas stay separate");
        assert_eq!(s.brk(101 * P - 1), 101 * P - 1);
        assert_eq!(ranges(&s), [(100, 101), (106, 107)]);
        assert_eq!(s.brk(99 * P), 101 * P - 1, "below the heap start: refused");
        assert_eq!(s.brk(u64::MAX), 101 * P - 1);
        assert_eq!(s.brk(100 * P), 100 * P);
        assert_eq!(ranges(&s), [(106, 107)]);
        check_invariants(&s);
    }

    #[test]
    fn find_gap_up_searches_bottom_up() {
        let lay = Layout { search: Search::BottomUp { limit: 990 * P }, mmap_base: 100 * P, ..SMALL };
        let mut s = VmaSet::<8>::new(lay).unwrap();
        assert_eq!(anon(&mut s, 0, 3 * P, Placement::Hint, Prot::RW), Ok(100 * P));
        anon(&mut s, 105 * P, P, Placement::Fixed, Prot::RW).unwrap();
        assert_eq!(s.find_gap_up(2 * P, 100 * P, 990 * P), Some(103 * P));
        assert_eq!(s.find_gap_up(3 * P, 100 * P, 990 * P), Some(106 * P));
        assert_eq!(s.find_gap_up(P, 0, 990 * P), Some(16 * P), "not below min_addr");
        assert_eq!(s.find_gap_up(884 * P, 100 * P, 990 * P), Some(106 * P));
        assert_eq!(s.find_gap_up(885 * P, 100 * P, 990 * P), None, "past the limit");
        assert_eq!(s.find_gap_up(0, 100 * P, 990 * P), None);
        // The hint-less map takes the lowest gap that fits and merges with its neighbours.
        assert_eq!(anon(&mut s, 0, 2 * P, Placement::Hint, Prot::RW), Ok(103 * P));
        assert_eq!(ranges(&s), [(100, 106)]);
    }

    #[test]
    fn stack_without_guard_grows_up_to_the_area_below() {
        let lay = Layout { stack_guard: 0, ..SMALL };
        let mut s = VmaSet::<8>::new(lay).unwrap();
        s.map(1000 * P, 2 * P, Placement::Fixed, Prot::RW, Prot::RWX, Share::Private, Backing::Stack).unwrap();
        anon(&mut s, 996 * P, 2 * P, Placement::Fixed, Prot::RW).unwrap();
        assert_eq!(s.grow_stack(998 * P + 5), Ok(2 * P));
        assert_eq!(ranges(&s), [(996, 998), (998, 1002)]);
        assert_eq!(s.grow_stack(999 * P), Ok(0), "already mapped");
    }

    /// mprotect of alternate pages, back and forth: the areas split and merge back, the
    /// count never grows past one per page and ends at one.
    #[test]
    fn protect_back_and_forth_merges_back() {
        let mut s = set::<64>();
        anon(&mut s, 100 * P, 32 * P, Placement::Fixed, Prot::RW).unwrap();
        for _ in 0..100 {
            for k in (0..32).step_by(2) {
                s.protect((100 + k) * P, P, Prot::READ).unwrap();
            }
            assert_eq!(s.len(), 32);
            for k in (0..32).step_by(2) {
                s.protect((100 + k) * P, P, Prot::RW).unwrap();
            }
            assert_eq!(ranges(&s), [(100, 132)]);
        }
    }

    /// A payload like the kernel's: the file mapping is a fixed bias (file offset =
    /// address + bias, wrapping), unchanged by splits; merging needs the same file and bias.
    #[derive(Clone, Debug, PartialEq)]
    struct Biased {
        file: Option<(u32, u64)>,
        stack: bool,
    }

    impl Payload for Biased {
        fn tail(&self, _start: u64, _at: u64) -> Self {
            self.clone()
        }
        fn continues(&self, _start: u64, _end: u64, next: &Self) -> bool {
            self == next
        }
        fn is_stack(&self) -> bool {
            self.stack
        }
        fn heap() -> Self {
            Biased { file: None, stack: false }
        }
    }

    #[test]
    fn kernel_style_payload_splits_and_merges() {
        let mut s = VmaSet::<8, Biased>::new(SMALL).unwrap();
        let f = Biased { file: Some((7, 0u64.wrapping_sub(100 * P))), stack: false };
        s.map(100 * P, 10 * P, Placement::Fixed, Prot::READ, Prot::RWX, Share::Private, f.clone()).unwrap();
        s.protect(104 * P, P, Prot::RW).unwrap();
        assert_eq!(s.len(), 3);
        assert!(s.areas().iter().all(|v| v.backing == f), "splits keep the payload");
        s.protect(104 * P, P, Prot::READ).unwrap();
        assert_eq!(s.len(), 1, "same payload: merged back");
        let g = Biased { file: Some((8, 0)), stack: false };
        s.map(110 * P, P, Placement::Fixed, Prot::READ, Prot::RWX, Share::Private, g).unwrap();
        assert_eq!(s.len(), 2, "another file: not merged");
        s.set_brk_base(200 * P).unwrap();
        assert_eq!(s.brk(202 * P), 202 * P);
        assert_eq!(s.find(201 * P).map(|v| v.backing.clone()), Some(Biased::heap()));
        let t = s.try_clone().unwrap();
        assert_eq!(t.areas(), s.areas());
        assert_eq!(t.current_brk(), 202 * P);
    }

    #[test]
    fn stack_grows_down_with_limit_and_guard() {
        let mut s = set::<8>();
        s.map(1000 * P, 2 * P, Placement::Fixed, Prot::RW, Prot::RWX, Share::Private, Backing::Stack).unwrap();
        s.grow_stack(999 * P + 12).unwrap();
        assert_eq!(ranges(&s), [(999, 1002)]);
        s.grow_stack(1000 * P).unwrap(); // inside: nothing to do
        assert_eq!(s.grow_stack(993 * P), Err(Errno::ENOMEM), "9 pages > 8-page limit");
        s.grow_stack(994 * P).unwrap();
        anon(&mut s, 990 * P, 3 * P, Placement::Fixed, Prot::RW).unwrap();
        s.protect(990 * P, 3 * P, Prot::RW).unwrap();
        assert_eq!(s.grow_stack(980 * P), Err(Errno::ENOMEM), "not just below a stack");
        s.unmap(994 * P, 2 * P).unwrap();
        assert_eq!(s.grow_stack(993 * P), Err(Errno::ENOMEM), "guard page to the area below");
    }

    #[test]
    fn linux_flag_parsing() {
        use map_flags::*;
        assert_eq!(Prot::from_linux(7), Ok(Prot::RWX));
        assert_eq!(Prot::from_linux(8), Err(Errno::EINVAL));
        assert_eq!(Share::from_linux(MAP_PRIVATE | MAP_ANONYMOUS), Ok(Share::Private));
        assert_eq!(Share::from_linux(MAP_SHARED), Ok(Share::Shared));
        assert_eq!(Share::from_linux(MAP_ANONYMOUS), Err(Errno::EINVAL));
        assert_eq!(Placement::from_linux(MAP_FIXED | MAP_FIXED_NOREPLACE), Placement::FixedNoReplace);
        assert_eq!(Placement::from_linux(MAP_FIXED), Placement::Fixed);
        assert_eq!(Placement::from_linux(MAP_STACK), Placement::Hint);
        assert!(Prot::RW.read() && Prot::RW.write() && !Prot::RW.exec());
    }

    /// Random map/unmap/protect against a page-by-page model of the address space.
    #[test]
    fn random_operations_match_a_page_model() {
        random_against_model::<64>(40);
    }

    /// The same with a table too small for the workload: operations that fail for lack of
    /// room return `ENOMEM` and leave the areas exactly as they were.
    #[test]
    fn random_operations_with_a_tiny_table_are_atomic() {
        random_against_model::<5>(40);
    }

    fn random_against_model<const N: usize>(seeds: u64) {
        const PAGES: usize = 64;
        let lay = Layout {
            min_addr: P,
            mmap_base: 60 * P,
            search: Search::TopDown,
            task_size: PAGES as u64 * P,
            stack_limit: P,
            stack_guard: P,
        };
        // Per page: (prot bits, file "inode", file offset of the page).
        type Page = Option<(u8, u64, u64)>;
        let mut refused = 0;
        for seed in 0..seeds {
            let mut rng = Rng::new(seed);
            let mut s = VmaSet::<N>::new(lay).unwrap();
            let mut model: [Page; PAGES] = [None; PAGES];
            for _ in 0..300 {
                let a = 1 + rng.below(PAGES as u64 - 1);
                let n = 1 + rng.below(8).min(PAGES as u64 - a - 1);
                let range = a as usize..(a + n) as usize;
                let prot = Prot(rng.below(8) as u8);
                let before: Vec<Vma> = s.areas().to_vec();
                let full =
                    |r: &Result<(), Errno>, s: &VmaSet<N>| r == &Err(Errno::ENOMEM) && s.areas() == before.as_slice();
                match rng.below(3) {
                    0 => {
                        let inode = rng.below(2);
                        let off = rng.below(4) * P;
                        let backing = Backing::File { inode, offset: off };
                        let r = s.map(a * P, n * P, Placement::Fixed, prot, Prot::RWX, Share::Shared, backing);
                        if full(&r.map(|_| ()), &s) {
                            refused += 1;
                        } else {
                            assert_eq!(r, Ok(a * P));
                            for (k, p) in range.enumerate() {
                                model[p] = Some((prot.0, inode, off + k as u64 * P));
                            }
                        }
                    }
                    1 => {
                        let r = s.unmap(a * P, n * P);
                        if full(&r, &s) {
                            refused += 1;
                        } else {
                            assert_eq!(r, Ok(()));
                            model[range].fill(None);
                        }
                    }
                    _ => {
                        let r = s.protect(a * P, n * P, prot);
                        if model[range.clone()].iter().any(|p| p.is_none()) {
                            assert_eq!(r, Err(Errno::ENOMEM));
                            assert_eq!(s.areas(), before.as_slice());
                        } else if full(&r, &s) {
                            refused += 1;
                        } else {
                            assert_eq!(r, Ok(()));
                            for p in &mut model[range] {
                                p.as_mut().unwrap().0 = prot.0;
                            }
                        }
                    }
                }
                assert!(s.len() <= N);
                check_invariants_for(&s, &lay);
                for (p, m) in model.iter().enumerate() {
                    let got = s.find(p as u64 * P + 17).map(|v| {
                        let Backing::File { inode, .. } = v.backing else { panic!("not a file area") };
                        (v.prot.0, inode, v.file_offset_at(p as u64 * P + 17).unwrap())
                    });
                    assert_eq!(got, *m, "seed {seed} page {p}");
                }
            }
        }
        if N >= PAGES {
            assert_eq!(refused, 0);
        } else {
            assert!(refused > 0, "the tiny table was never full: test does not test capacity");
        }
    }

    fn check_invariants_for<const N: usize>(s: &VmaSet<N>, lay: &Layout) {
        for w in s.areas().windows(2) {
            assert!(w[0].end <= w[1].start && !w[0].can_merge(&w[1]), "{w:?}");
        }
        for v in s.areas() {
            assert!(v.start < v.end && v.start >= lay.min_addr && v.end <= lay.task_size);
        }
    }
}
