//! A reader over fuzz bytes that never fails: past the end it yields zeros, so every
//! byte string is a valid input and a mutation anywhere changes only what it touches.

/// Consumes fuzz bytes front to back.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    /// The next byte, 0 past the end.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next little-endian u16 (missing bytes are 0).
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// The next little-endian u32 (missing bytes are 0).
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// The next little-endian u64 (missing bytes are 0).
    pub fn u64(&mut self) -> u64 {
        (self.u32() as u64) | (self.u32() as u64) << 32
    }

    /// Up to `n` next bytes.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// Everything not yet consumed.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::Input;

    #[test]
    fn reads_little_endian_then_zeros() {
        let mut i = Input::new(&[1, 2, 3, 4, 5]);
        assert_eq!(i.u16(), 0x0201);
        assert_eq!(i.bytes(2), &[3, 4]);
        assert_eq!(i.u32(), 5);
        assert_eq!(i.u64(), 0);
        assert!(i.rest().is_empty());
    }
}
