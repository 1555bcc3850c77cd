//! Split virtqueues (virtio 1.2 section 2.7): the descriptor table, the driver ("avail")
//! ring and the device ("used") ring, all in guest RAM.
//!
//! ```text
//!   descriptor (16 bytes): addr u64 | len u32 | flags u16 | next u16
//!   avail ring:            flags u16 | idx u16 | ring[num] u16 | used_event u16
//!   used ring:             flags u16 | idx u16 | ring[num] { id u32, len u32 } | avail_event u16
//! ```
//!
//! Everything read from the rings is guest-controlled: every address is checked against
//! RAM (guest addresses wrap rather than overflow, then fail that check) and a chain longer
//! than the queue (a loop) is an error, never a host panic.

use crate::bus::RAM_BASE;
use crate::ram::Ram;

/// Descriptor flags (2.7.5).
const VIRTQ_DESC_F_NEXT: u16 = 1;
const VIRTQ_DESC_F_WRITE: u16 = 2;
const VIRTQ_DESC_F_INDIRECT: u16 = 4;
const DESC_SIZE: u64 = 16;
/// The largest queue this transport offers (QueueSizeMax).
pub const QUEUE_SIZE_MAX: u16 = 1024;

/// A violation of the virtqueue rules by the driver; the device answers by setting
/// DEVICE_NEEDS_RESET (2.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// A ring, descriptor or buffer lies (partly) outside RAM.
    #[error("virtqueue memory {0:#x} lies outside RAM")]
    OutsideRam(u64),
    /// A descriptor chain is longer than the queue, so it must loop (2.7.5.1).
    #[error("descriptor chain longer than the queue (loop?)")]
    ChainTooLong,
    /// A descriptor's `next` names no descriptor of the table.
    #[error("descriptor index {0} out of range")]
    BadIndex(u16),
    /// An indirect descriptor, though VIRTIO_F_INDIRECT_DESC was not offered.
    #[error("indirect descriptor without VIRTIO_F_INDIRECT_DESC")]
    Indirect,
    /// A device-readable descriptor after a device-writable one (2.7.4.2).
    #[error("device-readable descriptor after a device-writable one")]
    ReadableAfterWritable,
    /// The driver made more buffers available than the queue holds.
    #[error("avail index ran more than the queue size ahead")]
    AvailOverrun,
    /// The queue size is zero, larger than QueueSizeMax or not a power of 2 (2.7).
    #[error("invalid queue size {0}")]
    BadSize(u32),
    /// The request does not have the shape the device type requires.
    #[error("malformed request: {0}")]
    Malformed(&'static str),
}

/// One buffer of a descriptor chain, in guest-physical memory (checked inside RAM).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub addr: u64,
    pub len: u32,
    /// Device-writable (VIRTQ_DESC_F_WRITE).
    pub write: bool,
}

/// A descriptor chain the driver made available.
#[derive(Clone, Debug, Default)]
pub struct Chain {
    pub head: u16,
    pub segs: Vec<Segment>,
}

impl Chain {
    /// Total length of the device-readable and of the device-writable buffers.
    pub fn lens(&self) -> (u64, u64) {
        let r = self.segs.iter().filter(|s| !s.write).map(|s| s.len as u64).sum();
        let w = self.segs.iter().filter(|s| s.write).map(|s| s.len as u64).sum();
        (r, w)
    }

    /// Copies up to `max` bytes of the device-readable buffers, in order.
    pub fn read_all(&self, ram: &Ram, max: u64) -> Result<Vec<u8>, QueueError> {
        let mut out = Vec::new();
        for s in self.segs.iter().filter(|s| !s.write) {
            let left = max.saturating_sub(out.len() as u64);
            if left == 0 {
                break;
            }
            let n = (s.len as u64).min(left) as usize;
            out.extend_from_slice(ram_slice(ram, s.addr, n)?);
        }
        Ok(out)
    }

    /// Scatters `data` into the device-writable buffers from byte `skip` of their
    /// concatenation. Returns true when RAM holding decoded code was written.
    pub fn write_at(&self, ram: &mut Ram, mut skip: u64, mut data: &[u8]) -> Result<bool, QueueError> {
        let mut code = false;
        for s in self.segs.iter().filter(|s| s.write) {
            if data.is_empty() {
                break;
            }
            let len = s.len as u64;
            if skip >= len {
                skip -= len;
                continue;
            }
            let n = ((len - skip) as usize).min(data.len());
            let off = s.addr - RAM_BASE + skip;
            code |= ram.write_bytes(off, &data[..n]).ok_or(QueueError::OutsideRam(s.addr + skip))?;
            data = &data[n..];
            skip = 0;
        }
        Ok(code)
    }
}

/// RAM bytes at guest-physical `pa`, or the error naming the address.
fn ram_slice(ram: &Ram, pa: u64, len: usize) -> Result<&[u8], QueueError> {
    pa.checked_sub(RAM_BASE).and_then(|off| ram.slice(off, len)).ok_or(QueueError::OutsideRam(pa))
}

fn read_u16(ram: &Ram, pa: u64) -> Result<u16, QueueError> {
    let b = ram_slice(ram, pa, 2)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn write_le(ram: &mut Ram, pa: u64, bytes: &[u8]) -> Result<bool, QueueError> {
    pa.checked_sub(RAM_BASE).and_then(|off| ram.write_bytes(off, bytes)).ok_or(QueueError::OutsideRam(pa))
}

/// The transport's view of one virtqueue: its configuration registers and the device's
/// position in the rings.
#[derive(Clone, Debug, Default)]
pub struct Virtqueue {
    /// QueueSize as written by the driver.
    pub num: u32,
    pub ready: bool,
    /// Descriptor table, driver area (avail ring), device area (used ring).
    pub desc: u64,
    pub driver: u64,
    pub device: u64,
    /// Next avail ring entry the device will consume.
    last_avail: u16,
    /// Next used ring index the device will fill.
    next_used: u16,
}

impl Virtqueue {
    fn size(&self) -> Result<u16, QueueError> {
        let n = self.num;
        if n == 0 || n > QUEUE_SIZE_MAX as u32 || !n.is_power_of_two() {
            return Err(QueueError::BadSize(n));
        }
        Ok(n as u16)
    }

    /// Takes the next available descriptor chain, `None` when the driver has made no more
    /// available (2.7.13, device side of 2.7.6).
    pub fn pop(&mut self, ram: &Ram) -> Result<Option<Chain>, QueueError> {
        let num = self.size()?;
        let avail_idx = read_u16(ram, self.driver.wrapping_add(2))?;
        let outstanding = avail_idx.wrapping_sub(self.last_avail);
        if outstanding == 0 {
            return Ok(None);
        }
        if outstanding > num {
            return Err(QueueError::AvailOverrun);
        }
        let slot = (self.last_avail % num) as u64;
        let head = read_u16(ram, self.driver.wrapping_add(4 + 2 * slot))?;
        self.last_avail = self.last_avail.wrapping_add(1);
        let mut chain = Chain { head, segs: Vec::new() };
        let mut i = head;
        let mut seen_write = false;
        loop {
            if i >= num {
                return Err(QueueError::BadIndex(i));
            }
            if chain.segs.len() >= num as usize {
                return Err(QueueError::ChainTooLong);
            }
            let d = ram_slice(ram, self.desc.wrapping_add(DESC_SIZE * i as u64), DESC_SIZE as usize)?;
            let addr = u64::from_le_bytes(d[0..8].try_into().unwrap_or_default());
            let len = u32::from_le_bytes(d[8..12].try_into().unwrap_or_default());
            let flags = u16::from_le_bytes([d[12], d[13]]);
            let next = u16::from_le_bytes([d[14], d[15]]);
            if flags & VIRTQ_DESC_F_INDIRECT != 0 {
                return Err(QueueError::Indirect);
            }
            let write = flags & VIRTQ_DESC_F_WRITE != 0;
            if !write && seen_write {
                return Err(QueueError::ReadableAfterWritable);
            }
            seen_write |= write;
            // The whole buffer must be RAM.
            ram_slice(ram, addr, len as usize)?;
            chain.segs.push(Segment { addr, len, write });
            if flags & VIRTQ_DESC_F_NEXT == 0 {
                return Ok(Some(chain));
            }
            i = next;
        }
    }

    /// Returns a chain to the driver with `len` bytes written (2.7.8), publishing the new
    /// used index after the element. Returns true when RAM holding decoded code was written.
    pub fn push_used(&mut self, ram: &mut Ram, head: u16, len: u32) -> Result<bool, QueueError> {
        let num = self.size()?;
        let slot = (self.next_used % num) as u64;
        let mut elem = [0u8; 8];
        elem[..4].copy_from_slice(&(head as u32).to_le_bytes());
        elem[4..].copy_from_slice(&len.to_le_bytes());
        let mut code = write_le(ram, self.device.wrapping_add(4 + 8 * slot), &elem)?;
        self.next_used = self.next_used.wrapping_add(1);
        code |= write_le(ram, self.device.wrapping_add(2), &self.next_used.to_le_bytes())?;
        Ok(code)
    }

    /// Whether the driver asked not to be interrupted (VIRTQ_AVAIL_F_NO_INTERRUPT, 2.7.7).
    pub fn no_interrupt(&self, ram: &Ram) -> bool {
        read_u16(ram, self.driver).is_ok_and(|f| f & 1 != 0)
    }
}
