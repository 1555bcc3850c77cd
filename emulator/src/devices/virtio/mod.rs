//! virtio devices (virtio 1.2): the MMIO transport ([`mmio`]), split virtqueues
//! ([`queue`]) and the block device ([`blk`]).

pub mod blk;
pub mod faults;
pub mod mmio;
pub mod queue;

pub use blk::Blk;
pub use mmio::VirtioMmio;

use crate::ram::Ram;
use queue::{Chain, QueueError};

/// Device-independent feature bits (virtio 1.2 section 6).
pub mod feature {
    /// Compliance with virtio 1.0 or later: required by this transport.
    pub const VIRTIO_F_VERSION_1: u64 = 1 << 32;
}

/// Base of virtio-mmio slot 0 (QEMU virt).
pub const MMIO_BASE: u64 = abi::mmio::VIRTIO0;
/// Distance between virtio-mmio slots.
pub const MMIO_STRIDE: u64 = abi::mmio::VIRTIO_STRIDE;
/// Number of virtio-mmio slots (QEMU virt has 8).
pub const SLOTS: usize = 8;
/// PLIC source of slot 0; slot N uses `IRQ_BASE + N`.
pub const IRQ_BASE: usize = 1;

/// What a device did with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// Bytes written into the driver's device-writable buffers (the used element's `len`).
    pub written: u32,
    /// RAM holding decoded code was overwritten.
    pub code_dirty: bool,
}

/// A virtio device type behind the transport (one request queue).
pub trait VirtioDevice: Send {
    /// Device ID (virtio 1.2 section 5).
    fn device_id(&self) -> u32;
    /// Feature bits the device offers.
    fn features(&self) -> u64;
    /// The device-specific configuration space.
    fn config(&self) -> Vec<u8>;
    /// Serves one descriptor chain.
    fn process(&mut self, chain: &Chain, ram: &mut Ram) -> Result<Completion, QueueError>;
    /// Makes written data durable (at exit).
    fn flush(&mut self) {}
    /// Request counters, for `--stats`.
    fn io_stats(&self) -> IoStats {
        IoStats::default()
    }
    /// From now on, report each request served to `sink` as slot `slot` (event traces).
    fn set_request_sink(&mut self, _slot: usize, _sink: RequestSink) {}
}

/// One block request a device served, for event traces (`rvsim run --events`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlkRequest {
    /// The virtio-mmio slot.
    pub slot: usize,
    /// The request type (virtio 1.2 5.2.6: 0 IN = read, 1 OUT = write, 4 FLUSH, 8 GET_ID).
    pub kind: u32,
    pub sector: u64,
    /// Data bytes the request asked to move (device-writable for IN, readable for OUT).
    pub len: u64,
    /// The status byte written back (0 OK, 1 IOERR, 2 UNSUPP).
    pub status: u8,
}

/// Where devices send [`BlkRequest`]s; the event tracer holds the receiving end.
pub type RequestSink = std::sync::mpsc::Sender<BlkRequest>;

/// Requests served by a block device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoStats {
    pub reads: u64,
    pub writes: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
    /// Requests failed on purpose (`--drive FILE,errors=...`).
    pub injected_read_errors: u64,
    pub injected_write_errors: u64,
}
