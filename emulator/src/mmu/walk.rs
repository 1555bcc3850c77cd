//! The page-table walker: the translation algorithm of Privileged spec 4.3.2 ("Virtual
//! Address Translation Process") with LEVELS = 3, 4, 5 and PTESIZE = 8 for Sv39, Sv48 and
//! Sv57 (4.4-4.6). Errors are the walker's own [`Fault`] values; the MMU maps them to
//! the architectural exception of the access type in one place.

use super::pmp::Pmp;
use super::pte::{bits, Pte, PteError, Satp, SatpMode, PAGE_SIZE, PTE_SIZE};
use super::tlb::page_shift;
use super::{Access, AdMode, TranslateCtx};
use crate::bus::{Bus, RAM_BASE};
use crate::hart::Privilege;
use crate::ram::Ram;

/// Physical memory as the walker sees it: implicit page-table reads and A/D writes.
pub trait PtMemory {
    /// Reads the 8-byte PTE at `pa`; `None` when the physical memory attributes do not
    /// allow page-table accesses there (an access fault).
    fn read_pte(&self, pa: u64) -> Option<u64>;
    /// Writes the PTE at `pa`; false when not allowed (an access fault).
    fn write_pte(&mut self, pa: u64, v: u64) -> bool;
}

/// Page tables must live in main memory: the only region with the PMAs the spec requires
/// of page tables ("hardware page-table write access and RsrvEventual", 4.3.1). A PTE
/// address in a device, the boot ROM or unmapped space is an access fault.
impl PtMemory for Bus {
    #[inline]
    fn read_pte(&self, pa: u64) -> Option<u64> {
        self.ram.read::<8>(pa.wrapping_sub(RAM_BASE))
    }

    fn write_pte(&mut self, pa: u64, v: u64) -> bool {
        // The A/D update is a store: it breaks LR reservations on the PTE (an SC that
        // raced with the walker must fail rather than drop the A/D bits).
        self.store_clears_reservations(usize::MAX, pa);
        match self.ram.write::<8>(pa.wrapping_sub(RAM_BASE), v) {
            Some(code) => {
                if code {
                    self.invalidate_code();
                }
                true
            }
            None => false,
        }
    }
}

/// Why a translation failed. Every variant but [`Fault::PteAccess`] is a page fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Bits above the virtual-address width are not a sign extension (4.4.1).
    NonCanonical,
    /// A PTE with V = 0 (step 3).
    Invalid,
    /// W = 1 with R = 0, a reserved encoding (step 3).
    WriteWithoutRead,
    /// One of the reserved bits 60:54 set (step 3).
    ReservedBits,
    /// PBMT = 3 (reserved), or PBMT != 0 with `menvcfg.PBMTE` = 0 (step 3, Svpbmt).
    PbmtReserved,
    /// N = 1 with a reserved encoding: ppn[3:0] != 1000, or at a superpage level
    /// (step 3, Svnapot).
    NapotReserved,
    /// A non-leaf PTE with D, A, U, N or PBMT set (reserved for non-leaf PTEs, 4.3.1,
    /// Svpbmt).
    NonLeafReserved,
    /// A pointer PTE at level 0 (step 4: i < 0).
    NoLeaf,
    /// A superpage whose PPN is not aligned to its size (step 5).
    MisalignedSuperpage,
    /// U-mode access to a page without U (step 6).
    UserNoU,
    /// S-mode load/store to a U page with SUM clear (step 6).
    SupervisorUserPage,
    /// S-mode fetch from a U page, never allowed (step 6).
    SupervisorFetchUserPage,
    /// Load from a page neither readable nor (with MXR) executable (step 8).
    NotReadable,
    /// Store or AMO to a page without W (step 8).
    NotWritable,
    /// Fetch from a page without X (step 8).
    NotExecutable,
    /// A = 0 and the A/D mode is `trap` (step 9, Svade).
    AccessedClear,
    /// Store with D = 0 and the A/D mode is `trap` (step 9, Svade).
    DirtyClear,
    /// The PTE read or A/D write violates a PMA: an access fault (steps 2 and 9).
    PteAccess,
}

impl Fault {
    /// Every fault, in the order of the statistics table.
    pub const ALL: [Fault; 18] = [
        Fault::NonCanonical,
        Fault::Invalid,
        Fault::WriteWithoutRead,
        Fault::ReservedBits,
        Fault::PbmtReserved,
        Fault::NapotReserved,
        Fault::NonLeafReserved,
        Fault::NoLeaf,
        Fault::MisalignedSuperpage,
        Fault::UserNoU,
        Fault::SupervisorUserPage,
        Fault::SupervisorFetchUserPage,
        Fault::NotReadable,
        Fault::NotWritable,
        Fault::NotExecutable,
        Fault::AccessedClear,
        Fault::DirtyClear,
        Fault::PteAccess,
    ];

    /// Index into [`Fault::ALL`].
    pub fn index(self) -> usize {
        Fault::ALL.iter().position(|&f| f == self).unwrap_or(0)
    }

    /// A short identifier for statistics and traces.
    pub fn name(self) -> &'static str {
        match self {
            Fault::NonCanonical => "non_canonical",
            Fault::Invalid => "invalid",
            Fault::WriteWithoutRead => "w_without_r",
            Fault::ReservedBits => "reserved_bits",
            Fault::PbmtReserved => "pbmt_reserved",
            Fault::NapotReserved => "napot_reserved",
            Fault::NonLeafReserved => "nonleaf_dau",
            Fault::NoLeaf => "no_leaf",
            Fault::MisalignedSuperpage => "misaligned_superpage",
            Fault::UserNoU => "user_no_u",
            Fault::SupervisorUserPage => "s_user_page",
            Fault::SupervisorFetchUserPage => "s_fetch_user_page",
            Fault::NotReadable => "not_readable",
            Fault::NotWritable => "not_writable",
            Fault::NotExecutable => "not_executable",
            Fault::AccessedClear => "a_clear",
            Fault::DirtyClear => "d_clear",
            Fault::PteAccess => "pte_access",
        }
    }

    /// True for the one access-fault cause.
    pub fn is_access_fault(self) -> bool {
        self == Fault::PteAccess
    }
}

impl From<PteError> for Fault {
    fn from(e: PteError) -> Fault {
        match e {
            PteError::Invalid => Fault::Invalid,
            PteError::WriteWithoutRead => Fault::WriteWithoutRead,
            PteError::ReservedBits => Fault::ReservedBits,
            PteError::NonLeafReserved => Fault::NonLeafReserved,
            PteError::PbmtReserved => Fault::PbmtReserved,
        }
    }
}

/// Whether `va` is canonical for `mode`: bits 63..VA_BITS-1 all equal (4.4.1, 4.5.1, 4.6.1).
#[inline]
pub fn is_canonical(va: u64, mode: SatpMode) -> bool {
    let shift = 64 - mode.va_bits();
    shift == 0 || (((va << shift) as i64) >> shift) as u64 == va
}

/// Steps 6 and 8: may an access of this kind, at `ctx`'s privilege with its SUM and MXR,
/// use a leaf with these flags? Used by the walker and on every TLB hit.
#[inline]
pub fn check_permissions(flags: u8, access: Access, ctx: &TranslateCtx) -> Result<(), Fault> {
    let f = flags as u64;
    let user_page = f & bits::U != 0;
    match ctx.prv {
        Privilege::User if !user_page => return Err(Fault::UserNoU),
        // The effective privilege is never M while translating; treat it as S if it were.
        Privilege::Supervisor | Privilege::Machine if user_page => {
            if access == Access::Fetch {
                return Err(Fault::SupervisorFetchUserPage);
            }
            if !ctx.sum {
                return Err(Fault::SupervisorUserPage);
            }
        }
        _ => {}
    }
    let ok = match access {
        Access::Fetch => f & bits::X != 0,
        Access::Load => f & bits::R != 0 || (ctx.mxr && f & bits::X != 0),
        Access::Store => f & bits::W != 0,
    };
    if ok {
        Ok(())
    } else {
        Err(match access {
            Access::Fetch => Fault::NotExecutable,
            Access::Load => Fault::NotReadable,
            Access::Store => Fault::NotWritable,
        })
    }
}

/// The A/D bits an access needs set (step 9): A always, D for stores.
#[inline]
pub fn missing_ad(flags: u8, access: Access) -> u64 {
    let f = flags as u64;
    let mut need = 0;
    if f & bits::A == 0 {
        need |= bits::A;
    }
    if access == Access::Store && f & bits::D == 0 {
        need |= bits::D;
    }
    need
}

/// One PTE read during a walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkStep {
    pub level: u32,
    pub pte_addr: u64,
    pub pte: u64,
}

/// A successful walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// The leaf PTE as it is in memory after any A/D update.
    pub pte: Pte,
    pub level: u32,
    pub pte_addr: u64,
    /// G was set in the leaf or a PTE above it.
    pub global: bool,
    /// Physical address of the start of the (super)page.
    pub pa_base: u64,
    /// The A/D bits this walk set in memory (0 if none).
    pub ad_set: u64,
}

/// Outcome of [`walk`] and how many PTEs it read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk {
    pub result: Result<Leaf, Fault>,
    pub pte_reads: u32,
}

/// Translates `va` by walking the page table `satp` points to (Privileged 4.3.2, steps
/// 1-10), performing the A/D update of step 9 in memory or faulting per `ad_mode`. Each
/// PTE read is appended to `steps` when given. The caller has checked that `satp.MODE`
/// is Sv39/48/57 and `va` is canonical.
#[allow(clippy::too_many_arguments)] // the inputs of the algorithm, named as in the spec
pub fn walk<M: PtMemory>(
    mem: &mut M,
    satp: Satp,
    mode: SatpMode,
    va: u64,
    access: Access,
    ctx: &TranslateCtx,
    ad_mode: AdMode,
    mut steps: Option<&mut Vec<WalkStep>>,
) -> Walk {
    // Step 1: a = satp.ppn x PAGESIZE, i = LEVELS - 1.
    let mut a = satp.ppn * PAGE_SIZE;
    let mut global = false;
    let mut reads = 0;
    let fail = |f: Fault, reads: u32| Walk { result: Err(f), pte_reads: reads };
    for i in (0..mode.levels()).rev() {
        // Step 2: read the PTE at a + va.vpn[i] x PTESIZE; a PMA violation is an access
        // fault of the original access type.
        let vpn_i = (va >> page_shift(i)) & 0x1ff;
        let pte_addr = a + vpn_i * PTE_SIZE;
        reads += 1;
        let Some(raw) = mem.read_pte(pte_addr) else {
            return fail(Fault::PteAccess, reads);
        };
        if let Some(s) = steps.as_deref_mut() {
            s.push(WalkStep { level: i, pte_addr, pte: raw });
        }
        let pte = Pte(raw);
        // Step 3: V = 0, W without R, reserved bits (and D/A/U of a non-leaf).
        if let Some(e) = pte.format_error(ctx.pbmte) {
            return fail(e.into(), reads);
        }
        global |= raw & bits::G != 0;
        // Step 4: a pointer to the next level.
        if !pte.is_leaf() {
            if i == 0 {
                return fail(Fault::NoLeaf, reads);
            }
            a = pte.ppn() * PAGE_SIZE;
            continue;
        }
        // Svnapot: N = 1 must be a 64 KiB range of 4 KiB pages; other encodings are
        // reserved (a page fault, step 3).
        let napot = if raw & bits::N != 0 {
            match pte.napot_bits(i) {
                Some(n) => n,
                None => return fail(Fault::NapotReserved, reads),
            }
        } else {
            0
        };
        // Step 5: a superpage's PPN must be aligned to its size.
        if i > 0 && pte.ppn() & ((1 << (9 * i)) - 1) != 0 {
            return fail(Fault::MisalignedSuperpage, reads);
        }
        // Steps 6 and 8: U bit with SUM, then R/W/X with MXR.
        if let Err(f) = check_permissions(pte.flags(), access, ctx) {
            return fail(f, reads);
        }
        // Step 9: A and D.
        let need = missing_ad(pte.flags(), access);
        let mut pte = pte;
        if need != 0 {
            match ad_mode {
                AdMode::Trap => {
                    return fail(if need & bits::A != 0 { Fault::AccessedClear } else { Fault::DirtyClear }, reads);
                }
                AdMode::Hardware => {
                    // The compare-and-store is atomic here: harts take turns, so nothing
                    // can write the PTE between the read above and this write.
                    let new = raw | need;
                    if !mem.write_pte(pte_addr, new) {
                        return fail(Fault::PteAccess, reads);
                    }
                    pte = Pte(new);
                }
            }
        }
        // Step 10: pa.ppn[i-1:0] = va.vpn[i-1:0] for a superpage, the rest from the PTE.
        let shift = page_shift(i);
        let mut pa_base = (pte.ppn() << 12) & !((1u64 << shift) - 1);
        if napot != 0 {
            // Svnapot: the PTE read returns ppn[0][napot-1:0] replaced by vpn[0][napot-1:0]
            // (the walk ends with a 4 KiB translation; see docs/mmu.md for the TLB).
            let m = (1u64 << napot) - 1;
            pa_base = ((pte.ppn() & !m) | ((va >> 12) & m)) << 12;
        }
        let ad_set = if ad_mode == AdMode::Hardware { need } else { 0 };
        return Walk { result: Ok(Leaf { pte, level: i, pte_addr, global, pa_base, ad_set }), pte_reads: reads };
    }
    // Unreachable for LEVELS >= 1: level 0 either is a leaf or fails with NoLeaf.
    fail(Fault::NoLeaf, reads)
}

/// The walk of the common case, for the MMU's miss path: every PTE in RAM inside the
/// range PMP's cache already allows for S-mode reads, well-formed, without N or PBMT,
/// and a leaf that allows the access with A (and for a store D) already set. Returns the
/// leaf and how many PTEs were read, or `None` when anything else happens; then the
/// caller runs [`walk`], which reaches the same result or the fault (this one reads
/// memory only, so running both is the same as running [`walk`] alone).
#[inline]
pub fn walk_fast(
    ram: &Ram,
    pte_ok: (u64, u64),
    satp: Satp,
    mode: SatpMode,
    va: u64,
    access: Access,
    ctx: &TranslateCtx,
) -> Option<(Leaf, u32)> {
    let mut a = satp.ppn * PAGE_SIZE;
    let mut global = 0;
    let levels = mode.levels();
    for i in (0..levels).rev() {
        let pte_addr = a + ((va >> page_shift(i)) & 0x1ff) * PTE_SIZE;
        // Step 2 with PMP (3.7.1) from its cache: inside the allowed range or give up.
        if pte_addr < pte_ok.0 || pte_addr + PTE_SIZE > pte_ok.1 {
            return None;
        }
        let raw = ram.read::<8>(pte_addr.wrapping_sub(RAM_BASE))?;
        // Step 3, without the rarer encodings (N, PBMT) which the full walk decides.
        if raw & bits::V == 0
            || raw & (bits::R | bits::W) == bits::W
            || raw & (bits::RESERVED | bits::N | bits::PBMT) != 0
        {
            return None;
        }
        global |= raw & bits::G;
        let pte = Pte(raw);
        if !pte.is_leaf() {
            // Step 4; D, A, U of a pointer are reserved.
            if i == 0 || raw & (bits::D | bits::A | bits::U) != 0 {
                return None;
            }
            a = pte.ppn() * PAGE_SIZE;
            continue;
        }
        // Steps 5, 6, 8, 9 (nothing to update).
        if i > 0 && pte.ppn() & ((1 << (9 * i)) - 1) != 0 {
            return None;
        }
        if check_permissions(pte.flags(), access, ctx).is_err() || missing_ad(pte.flags(), access) != 0 {
            return None;
        }
        let pa_base = (pte.ppn() << 12) & !((1u64 << page_shift(i)) - 1);
        let leaf = Leaf { pte, level: i, pte_addr, global: global != 0, pa_base, ad_set: 0 };
        return Some((leaf, levels - i));
    }
    None
}

/// Page-table memory behind a PMP check: "PMP checks are also applied to page-table
/// accesses for virtual-address translation, for which the effective privilege mode is
/// S" (Privileged 3.7.1). A denied PTE read or A/D write is an access fault of the
/// original access type, as a PMA violation is.
pub struct PmpChecked<'a> {
    pub bus: &'a mut Bus,
    pub pmp: &'a Pmp,
}

impl PtMemory for PmpChecked<'_> {
    fn read_pte(&self, pa: u64) -> Option<u64> {
        if !self.pmp.check(pa, PTE_SIZE, Access::Load, Privilege::Supervisor) {
            return None;
        }
        self.bus.read_pte(pa)
    }

    fn write_pte(&mut self, pa: u64, v: u64) -> bool {
        self.pmp.check(pa, PTE_SIZE, Access::Store, Privilege::Supervisor) && self.bus.write_pte(pa, v)
    }
}
