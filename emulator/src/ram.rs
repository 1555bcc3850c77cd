//! Main memory: a flat byte array, plus a bitmap of the 16-byte granules holding decoded
//! code so that a store to code invalidates the decoded-instruction cache. The granule is
//! small because data often shares a page with code (`.data` right after `.text`), and a
//! store there must not throw away the decoded blocks.

/// Guest RAM starting at [`crate::bus::RAM_BASE`].
pub struct Ram {
    data: Vec<u8>,
    /// One bit per [`CODE_GRANULE`] bytes: set when a decoded block covers that granule.
    code_map: Vec<u64>,
    /// Indices of the `code_map` words that have bits set (so clearing is cheap).
    code_words: Vec<u32>,
    /// True when any bit of `code_map` is set (skips the bitmap for data-only runs).
    any_code: bool,
}

/// log2 of the code-tracking granule.
const GRANULE_SHIFT: u32 = 4;
/// Bytes per code-tracking granule.
pub const CODE_GRANULE: u64 = 1 << GRANULE_SHIFT;

impl Ram {
    /// Zero-filled RAM of `size` bytes (the host allocates lazily: untouched pages cost nothing).
    pub fn new(size: u64) -> Ram {
        let granules = size.div_ceil(CODE_GRANULE) as usize;
        Ram {
            data: vec![0; size as usize],
            code_map: vec![0; granules.div_ceil(64)],
            code_words: Vec::new(),
            any_code: false,
        }
    }

    #[inline]
    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }

    /// Bytes `[off, off + len)` if they lie inside RAM.
    #[inline]
    pub fn slice(&self, off: u64, len: usize) -> Option<&[u8]> {
        let off = usize::try_from(off).ok()?;
        self.data.get(off..off.checked_add(len)?)
    }

    #[inline]
    pub fn slice_mut(&mut self, off: u64, len: usize) -> Option<&mut [u8]> {
        let off = usize::try_from(off).ok()?;
        self.data.get_mut(off..off.checked_add(len)?)
    }

    /// Reads `N` bytes little-endian at offset `off`; `None` outside RAM.
    #[inline(always)]
    pub fn read<const N: usize>(&self, off: u64) -> Option<u64> {
        let s = self.slice(off, N)?;
        // One host load per size (a generic byte copy would call memcpy).
        Some(match N {
            8 => u64::from_le_bytes(*s.first_chunk::<8>()?),
            4 => u32::from_le_bytes(*s.first_chunk::<4>()?) as u64,
            2 => u16::from_le_bytes(*s.first_chunk::<2>()?) as u64,
            _ => *s.first()? as u64,
        })
    }

    /// Writes the low `N` bytes of `v` at offset `off`. Returns `None` outside RAM,
    /// `Some(true)` when the store hit a page holding decoded code.
    #[inline(always)]
    pub fn write<const N: usize>(&mut self, off: u64, v: u64) -> Option<bool> {
        let s = self.slice_mut(off, N)?;
        match N {
            8 => *s.first_chunk_mut::<8>()? = v.to_le_bytes(),
            4 => *s.first_chunk_mut::<4>()? = (v as u32).to_le_bytes(),
            2 => *s.first_chunk_mut::<2>()? = (v as u16).to_le_bytes(),
            _ => *s.first_mut()? = v as u8,
        }
        Some(self.any_code && self.is_code_range::<N>(off))
    }

    /// Copies `data` into RAM at `off` (device DMA, loaders). Returns `None` outside RAM,
    /// `Some(true)` when a page holding decoded code was overwritten.
    pub fn write_bytes(&mut self, off: u64, data: &[u8]) -> Option<bool> {
        self.slice_mut(off, data.len())?.copy_from_slice(data);
        let last = off + data.len().max(1) as u64 - 1;
        Some(self.any_code && (off >> GRANULE_SHIFT..=last >> GRANULE_SHIFT).any(|g| self.is_code(g << GRANULE_SHIFT)))
    }

    /// Whether `[off, off + N)` (N <= 16, inside RAM) touches a granule holding code:
    /// one bitmap word read unless the access crosses into the next word.
    #[inline(always)]
    fn is_code_range<const N: usize>(&self, off: u64) -> bool {
        let g = (off >> GRANULE_SHIFT) as usize;
        let last = ((off + N as u64 - 1) >> GRANULE_SHIFT) as usize;
        let Some(&w) = self.code_map.get(g / 64) else { return false };
        // Bits g and, when the access spans two granules, g + 1 (N <= 16: at most two).
        let mask = if last == g { 1u64 } else { 3u64 };
        if g % 64 != 63 || last == g {
            w >> (g % 64) & mask != 0
        } else {
            w >> 63 != 0 || self.is_code(off + N as u64 - 1)
        }
    }

    #[inline]
    fn is_code(&self, off: u64) -> bool {
        let g = (off >> GRANULE_SHIFT) as usize;
        self.code_map.get(g / 64).is_some_and(|w| w >> (g % 64) & 1 != 0)
    }

    /// Marks `[off, off + len)` as holding decoded code.
    pub fn mark_code(&mut self, off: u64, len: u64) {
        let last = off + len.max(1) - 1;
        for g in (off >> GRANULE_SHIFT) as usize..=(last >> GRANULE_SHIFT) as usize {
            if let Some(w) = self.code_map.get_mut(g / 64) {
                if *w == 0 {
                    self.code_words.push((g / 64) as u32);
                }
                *w |= 1 << (g % 64);
                self.any_code = true;
            }
        }
    }

    /// Forgets all code (after the instruction caches were flushed).
    pub fn clear_code(&mut self) {
        for &w in &self.code_words {
            self.code_map[w as usize] = 0;
        }
        self.code_words.clear();
        self.any_code = false;
    }

    /// The whole of RAM, for loaders and devices doing DMA.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    pub fn bytes(&self) -> &[u8] {
        &self.data
    }
}
