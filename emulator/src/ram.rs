//! Main memory: a flat byte array, plus the bitmap of pages holding decoded code so that a
//! store to code invalidates the decoded-instruction cache.

/// Guest RAM starting at [`crate::bus::RAM_BASE`].
pub struct Ram {
    data: Vec<u8>,
    /// One bit per 4 KiB page: set when the instruction cache holds code from that page.
    code_pages: Vec<u64>,
    /// True when any bit of `code_pages` is set (skips the bitmap for data-only runs).
    any_code: bool,
}

impl Ram {
    /// Zero-filled RAM of `size` bytes (the host allocates lazily: untouched pages cost nothing).
    pub fn new(size: u64) -> Ram {
        let pages = size.div_ceil(4096) as usize;
        Ram { data: vec![0; size as usize], code_pages: vec![0; pages.div_ceil(64)], any_code: false }
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
        let mut b = [0u8; 8];
        b[..N].copy_from_slice(s);
        Some(u64::from_le_bytes(b))
    }

    /// Writes the low `N` bytes of `v` at offset `off`. Returns `None` outside RAM,
    /// `Some(true)` when the store hit a page holding decoded code.
    #[inline(always)]
    pub fn write<const N: usize>(&mut self, off: u64, v: u64) -> Option<bool> {
        let s = self.slice_mut(off, N)?;
        s.copy_from_slice(&v.to_le_bytes()[..N]);
        Some(self.any_code && self.is_code_page(off) | self.is_code_page(off + N as u64 - 1))
    }

    /// Copies `data` into RAM at `off` (device DMA, loaders). Returns `None` outside RAM,
    /// `Some(true)` when a page holding decoded code was overwritten.
    pub fn write_bytes(&mut self, off: u64, data: &[u8]) -> Option<bool> {
        self.slice_mut(off, data.len())?.copy_from_slice(data);
        let last = off + data.len().max(1) as u64 - 1;
        Some(self.any_code && (off >> 12..=last >> 12).any(|p| self.is_code_page(p << 12)))
    }

    #[inline]
    fn is_code_page(&self, off: u64) -> bool {
        let page = (off >> 12) as usize;
        self.code_pages[page / 64] >> (page % 64) & 1 != 0
    }

    /// Marks the page containing `off` as holding decoded code.
    pub fn mark_code_page(&mut self, off: u64) {
        let page = (off >> 12) as usize;
        if let Some(w) = self.code_pages.get_mut(page / 64) {
            *w |= 1 << (page % 64);
            self.any_code = true;
        }
    }

    /// Forgets all code pages (after the instruction caches were flushed).
    pub fn clear_code_pages(&mut self) {
        self.code_pages.fill(0);
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
