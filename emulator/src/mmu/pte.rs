//! Page-table entries and `satp` fields for Sv39, Sv48 and Sv57 (Privileged spec 4.4-4.6,
//! "Sv39/Sv48/Sv57: Page-Based ... Virtual-Memory System", and 4.1.11 "`satp`").
//!
//! ```text
//!  63  62 61  60      54 53                        10 9   8 7 6 5 4 3 2 1 0
//! +---+-----+----------+-------------------------------+-----+-+-+-+-+-+-+-+-+
//! | N | PBMT| reserved |            PPN (44)           | RSW |D|A|G|U|X|W|R|V|
//! +---+-----+----------+-------------------------------+-----+-+-+-+-+-+-+-+-+
//! ```
//! Svnapot (N) and Svpbmt (PBMT) are not implemented, so bits 63:54 are all reserved and a
//! PTE with any of them set causes a page fault.

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
    /// Bits 63:54: N (Svnapot), PBMT (Svpbmt) and reserved bits; none are implemented.
    pub const RESERVED: u64 = 0x3ff << 54;
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

    /// The checks of step 3 of the translation algorithm that do not depend on the level:
    /// V=0, the reserved encoding W=1 with R=0, reserved bits 63:54 set.
    pub fn format_error(self) -> Option<PteError> {
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
        } else {
            None
        }
    }
}

/// Why a PTE is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PteError {
    Invalid,
    WriteWithoutRead,
    ReservedBits,
    NonLeafReserved,
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
        assert_eq!(Pte(0).format_error(), Some(PteError::Invalid));
        assert_eq!(Pte(bits::V | bits::W).format_error(), Some(PteError::WriteWithoutRead));
        assert_eq!(Pte(bits::V | bits::W | bits::X).format_error(), Some(PteError::WriteWithoutRead));
        assert_eq!(Pte(bits::V | bits::R | 1 << 63).format_error(), Some(PteError::ReservedBits));
        assert_eq!(Pte(bits::V | bits::R | 1 << 61).format_error(), Some(PteError::ReservedBits));
        assert_eq!(Pte(bits::V | bits::R | 1 << 54).format_error(), Some(PteError::ReservedBits));
        assert_eq!(Pte(bits::V | bits::A).format_error(), Some(PteError::NonLeafReserved));
        assert_eq!(Pte(bits::V | bits::U).format_error(), Some(PteError::NonLeafReserved));
        assert_eq!(Pte(bits::V | bits::G).format_error(), None);
        assert_eq!(Pte(bits::V | bits::X | bits::U | bits::A | bits::D).format_error(), None);
        // RSW is ignored.
        assert_eq!(Pte(bits::V | bits::R | 3 << 8).format_error(), None);
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
