//! Page-table entries and `satp` fields for Sv39, Sv48 and Sv57 (Privileged spec 4.4-4.6,
//! "Sv39/Sv48/Sv57: Page-Based ... Virtual-Memory System", and 4.1.11 "`satp`").
//!
//! ```text
//!  63  62 61  60      54 53                        10 9   8 7 6 5 4 3 2 1 0
//! +---+-----+----------+-------------------------------+-----+-+-+-+-+-+-+-+-+
//! | N | PBMT| reserved |            PPN (44)           | RSW |D|A|G|U|X|W|R|V|
//! +---+-----+----------+-------------------------------+-----+-+-+-+-+-+-+-+-+
//! ```
//! N is Svnapot's (a leaf in a 64 KiB naturally aligned range of 4 KiB translations);
//! PBMT is Svpbmt's page-based memory type (PMA, NC, IO; 3 reserved), usable only with
//! `menvcfg.PBMTE` = 1; bits 60:54 are reserved and a PTE with any of them set causes a
//! page fault.

/// `satp.MODE` values (Privileged 4.1.11, table "encoding of satp MODE field" for SXLEN=64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SatpMode {
    Bare = 0,
    Sv39 = 8,
    Sv48 = 9,
    Sv57 = 10,
}

impl SatpMode {
    /// Decodes `satp.MODE`; `None` for reserved or unimplemented modes (Sv64).
    pub fn from_bits(mode: u64) -> Option<SatpMode> {
        match mode {
            0 => Some(SatpMode::Bare),
            8 => Some(SatpMode::Sv39),
            9 => Some(SatpMode::Sv48),
            10 => Some(SatpMode::Sv57),
            _ => None,
        }
    }

    /// Number of page-table levels (LEVELS in the translation algorithm); 0 for Bare.
    pub fn levels(self) -> u32 {
        match self {
            SatpMode::Bare => 0,
            SatpMode::Sv39 => 3,
            SatpMode::Sv48 => 4,
            SatpMode::Sv57 => 5,
        }
    }

    /// Width of a virtual address in bits (39, 48 or 57); 64 for Bare.
    pub fn va_bits(self) -> u32 {
        match self {
            SatpMode::Bare => 64,
            m => 12 + 9 * m.levels(),
        }
    }

    /// The mode's name as the spec writes it.
    pub fn name(self) -> &'static str {
        match self {
            SatpMode::Bare => "Bare",
            SatpMode::Sv39 => "Sv39",
            SatpMode::Sv48 => "Sv48",
            SatpMode::Sv57 => "Sv57",
        }
    }
}

/// The fields of an RV64 `satp` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Satp {
    /// Raw MODE field (bits 63:60).
    pub mode: u64,
    /// ASID (bits 59:44); all 16 bits are implemented (ASIDLEN = 16).
    pub asid: u16,
    /// Root page table's physical page number (bits 43:0).
    pub ppn: u64,
}

impl Satp {
    pub fn from_bits(v: u64) -> Satp {
        Satp { mode: v >> 60, asid: (v >> 44) as u16, ppn: v & PPN_MASK }
    }
}

/// Number of implemented ASID bits (ASIDLEN): software discovers it by writing ones to
/// `satp.ASID` and reading back (Privileged 4.1.11); here all 16 stick.
pub const ASID_BITS: u32 = 16;
/// `satp.PPN` / PTE PPN width mask (44 bits).
pub const PPN_MASK: u64 = (1 << 44) - 1;
/// Size of a base page and of a page table.
pub const PAGE_SIZE: u64 = 4096;
/// Bytes per PTE (PTESIZE) for Sv39/48/57.
pub const PTE_SIZE: u64 = 8;

/// PTE bits 9:0 (Privileged 4.3.1, "Addressing and Memory Protection", Sv32 PTE format).
pub mod bits {
    pub const V: u64 = 1 << 0;
    pub const R: u64 = 1 << 1;
    pub const W: u64 = 1 << 2;
    pub const X: u64 = 1 << 3;
    pub const U: u64 = 1 << 4;
    pub const G: u64 = 1 << 5;
    pub const A: u64 = 1 << 6;
    pub const D: u64 = 1 << 7;
    /// Bits 60:54, reserved for future standard use (4.4.1).
    pub const RESERVED: u64 = 0x7f << 54;
    /// Bit 63: N, Svnapot.
    pub const N: u64 = 1 << 63;
    /// Bits 62:61: PBMT, Svpbmt.
    pub const PBMT_SHIFT: u32 = 61;
    pub const PBMT: u64 = 3 << PBMT_SHIFT;
}

/// One page-table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pte(pub u64);

impl Pte {
    #[inline]
    pub fn valid(self) -> bool {
        self.0 & bits::V != 0
    }

    /// A leaf has R or X set; otherwise (V=1) the entry points to the next level.
    #[inline]
    pub fn is_leaf(self) -> bool {
        self.0 & (bits::R | bits::X) != 0
    }

    /// Physical page number (bits 53:10).
    #[inline]
    pub fn ppn(self) -> u64 {
        (self.0 >> 10) & PPN_MASK
    }

    /// The low eight flag bits (V R W X U G A D).
    #[inline]
    pub fn flags(self) -> u8 {
        self.0 as u8
    }

    /// The software (RSW) bits 9:8, ignored by the hardware.
    #[inline]
    pub fn rsw(self) -> u8 {
        ((self.0 >> 8) & 3) as u8
    }

    /// The page-based memory type (bits 62:61): 0 PMA, 1 NC, 2 IO, 3 reserved.
    #[inline]
    pub fn pbmt(self) -> u64 {
        (self.0 & bits::PBMT) >> bits::PBMT_SHIFT
    }

    /// The checks of step 3 of the translation algorithm ("any bits or encodings that
    /// are reserved for future standard use") that do not depend on the level: V=0, the
    /// reserved encoding W=1 with R=0, reserved bits 60:54; for a pointer, D/A/U, N and
    /// PBMT (reserved for non-leaf PTEs: 4.3.1, Svpbmt, and N marks a leaf range); for a
    /// leaf, PBMT = 3, or any PBMT with `pbmte` clear (`menvcfg.PBMTE` = 0: "behaves as
    /// though Svpbmt were not implemented", 3.1.18). The Svnapot encoding depends on the
    /// level and is checked by the walker.
    pub fn format_error(self, pbmte: bool) -> Option<PteError> {
        if !self.valid() {
            Some(PteError::Invalid)
        } else if self.0 & (bits::R | bits::W) == bits::W {
            Some(PteError::WriteWithoutRead)
        } else if self.0 & bits::RESERVED != 0 {
            Some(PteError::ReservedBits)
        } else if !self.is_leaf() && self.0 & (bits::D | bits::A | bits::U) != 0 {
            // "For non-leaf PTEs, the D, A, and U bits are reserved for future standard
            // use" (4.3.1), and a set reserved bit faults (step 3).
            Some(PteError::NonLeafReserved)
        } else if !self.is_leaf() && self.0 & (bits::N | bits::PBMT) != 0 {
            Some(PteError::NonLeafReserved)
        } else if self.pbmt() == 3 || (!pbmte && self.pbmt() != 0) {
            Some(PteError::PbmtReserved)
        } else {
            None
        }
    }

    /// For a leaf with N set at `level`: the number of PPN bits the NAPOT range covers
    /// (4 for 64 KiB, ppn[0] = `x xxxx 1000`), or `None` for a reserved encoding (any
    /// other ppn[0] pattern, or N at a superpage level), Svnapot table "Page table entry
    /// encodings when pte.N=1".
    pub fn napot_bits(self, level: u32) -> Option<u32> {
        (level == 0 && self.ppn() & 0xf == 0b1000).then_some(4)
    }
}

/// Why a PTE is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PteError {
    Invalid,
    WriteWithoutRead,
    ReservedBits,
    NonLeafReserved,
    PbmtReserved,
}

/// Formats flag bits as `DAGUXWRV` with `-` for clear bits, e.g. `DA--XWRV`.
pub fn flags_string(flags: u8) -> String {
    const NAMES: &[u8; 8] = b"VRWXUGAD";
    (0..8).rev().map(|i| if flags >> i & 1 != 0 { NAMES[i] as char } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_checks_follow_step_3() {
        let f = |v: u64| Pte(v).format_error(true);
        assert_eq!(f(0), Some(PteError::Invalid));
        assert_eq!(f(bits::V | bits::W), Some(PteError::WriteWithoutRead));
        assert_eq!(f(bits::V | bits::W | bits::X), Some(PteError::WriteWithoutRead));
        assert_eq!(f(bits::V | bits::R | 1 << 54), Some(PteError::ReservedBits));
        assert_eq!(f(bits::V | bits::R | 1 << 60), Some(PteError::ReservedBits));
        assert_eq!(f(bits::V | bits::A), Some(PteError::NonLeafReserved));
        assert_eq!(f(bits::V | bits::U), Some(PteError::NonLeafReserved));
        assert_eq!(f(bits::V | bits::N), Some(PteError::NonLeafReserved), "N on a pointer");
        assert_eq!(f(bits::V | 1 << 61), Some(PteError::NonLeafReserved), "PBMT on a pointer");
        assert_eq!(f(bits::V | bits::G), None);
        assert_eq!(f(bits::V | bits::X | bits::U | bits::A | bits::D), None);
        // RSW is ignored.
        assert_eq!(f(bits::V | bits::R | 3 << 8), None);
        // Svnapot: N is a leaf bit; the encoding is the walker's.
        assert_eq!(f(bits::V | bits::R | bits::N), None);
        assert_eq!(Pte(bits::V | bits::R | bits::N | 0b1000 << 10).napot_bits(0), Some(4));
        assert_eq!(Pte(bits::V | bits::R | bits::N | 0b0100 << 10).napot_bits(0), None);
        assert_eq!(Pte(bits::V | bits::R | bits::N | 0b11000 << 10).napot_bits(0), Some(4));
        assert_eq!(Pte(bits::V | bits::R | bits::N | 0b1000 << 10).napot_bits(1), None);
        // Svpbmt: NC and IO with PBMTE, never 3; nothing without PBMTE.
        assert_eq!(f(bits::V | bits::R | 1 << 61), None);
        assert_eq!(f(bits::V | bits::R | 2 << 61), None);
        assert_eq!(f(bits::V | bits::R | 3 << 61), Some(PteError::PbmtReserved));
        assert_eq!(Pte(bits::V | bits::R | 1 << 61).format_error(false), Some(PteError::PbmtReserved));
        assert_eq!(Pte(bits::V | bits::R).format_error(false), None);
    }

    #[test]
    fn fields_and_names() {
        let p = Pte(0x2000_0401 | bits::R | bits::X);
        assert_eq!(p.ppn(), 0x80001);
        assert!(p.is_leaf());
        assert_eq!(flags_string(p.flags()), "----X-RV");
        let s = Satp::from_bits(8 << 60 | 0xabcd << 44 | 0x80123);
        assert_eq!((s.mode, s.asid, s.ppn), (8, 0xabcd, 0x80123));
        assert_eq!(SatpMode::Sv57.va_bits(), 57);
        assert_eq!(SatpMode::from_bits(11), None);
    }
}
