//! virtio block device (virtio 1.2 section 5.2) backed by a host image file.
//!
//! A request is a device-readable header `{ type u32, reserved u32, sector u64 }`, data
//! buffers, and a final device-writable status byte (5.2.6). Framing is not assumed
//! (2.6.4): the header and data may be split over descriptors in any way.
//!
//! Errors the status byte can report do so: an unknown type is `VIRTIO_BLK_S_UNSUPP`, a
//! sector range past the end, a write to a read-only disk, a data length that is not a
//! multiple of 512 or a host I/O error is `VIRTIO_BLK_S_IOERR`. A request without room for
//! the header or the status is a [`QueueError`]: the transport sets DEVICE_NEEDS_RESET.
//! Every access to the image is bounds-checked against its capacity first, so nothing the
//! guest does writes outside the image. Chosen well-formed reads and writes can be failed
//! on purpose with `VIRTIO_BLK_S_IOERR` ([`super::faults`], `--drive FILE,errors=...`).

use super::faults::{FaultPlan, Injector};
use super::queue::{Chain, QueueError};
use super::{feature, BlkRequest, Completion, IoStats, RequestSink, VirtioDevice};
use crate::ram::Ram;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, FileTypeExt};
use std::path::Path;

/// Device ID of a block device (5).
pub const DEVICE_ID: u32 = 2;
/// virtio-blk sectors are always 512 bytes (5.2.6).
pub const SECTOR_SIZE: u64 = 512;

/// Feature bits (5.2.3).
pub const VIRTIO_BLK_F_SIZE_MAX: u64 = 1 << 1;
pub const VIRTIO_BLK_F_SEG_MAX: u64 = 1 << 2;
pub const VIRTIO_BLK_F_RO: u64 = 1 << 5;
pub const VIRTIO_BLK_F_BLK_SIZE: u64 = 1 << 6;
pub const VIRTIO_BLK_F_FLUSH: u64 = 1 << 9;

/// Request types (5.2.6).
pub const VIRTIO_BLK_T_IN: u32 = 0;
pub const VIRTIO_BLK_T_OUT: u32 = 1;
pub const VIRTIO_BLK_T_FLUSH: u32 = 4;
pub const VIRTIO_BLK_T_GET_ID: u32 = 8;

/// Status values (5.2.6).
pub const VIRTIO_BLK_S_OK: u8 = 0;
pub const VIRTIO_BLK_S_IOERR: u8 = 1;
pub const VIRTIO_BLK_S_UNSUPP: u8 = 2;

const HEADER_LEN: u64 = 16;
/// Length of the GET_ID string (5.2.6: 20 bytes, zero-padded).
const ID_LEN: usize = 20;
/// Largest segment and segment count offered (size_max / seg_max), and so the largest
/// request the host buffers.
const SIZE_MAX: u32 = 1 << 20;
const SEG_MAX: u32 = 126;
const REQUEST_MAX: u64 = SIZE_MAX as u64 * SEG_MAX as u64;

/// Why an image could not be attached.
#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    #[error("cannot open {path}: {err}")]
    Open { path: String, err: std::io::Error },
    #[error("{path} is not a disk image (a regular file or block device)")]
    NotAnImage { path: String },
}

/// A block device over an image file.
pub struct Blk {
    file: File,
    readonly: bool,
    /// Size in 512-byte sectors (a partial last sector is not visible).
    capacity: u64,
    id: [u8; ID_LEN],
    /// Requests served, bytes read and written (for `--stats`).
    pub reads: u64,
    pub writes: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
    /// Requests to fail on purpose (`--drive FILE,errors=...`).
    faults: Injector,
    /// Where served requests are reported, and this device's slot (event traces).
    sink: Option<(usize, RequestSink)>,
}

impl Blk {
    /// Opens `path` (read-write unless `readonly`).
    pub fn open(path: &Path, readonly: bool) -> Result<Blk, DriveError> {
        let err = |err| DriveError::Open { path: path.display().to_string(), err };
        // A directory opens read-only on Linux but every read fails: refuse it here.
        let meta = std::fs::metadata(path).map_err(err)?;
        if !meta.is_file() && !meta.file_type().is_block_device() {
            return Err(DriveError::NotAnImage { path: path.display().to_string() });
        }
        let file = OpenOptions::new().read(true).write(!readonly).open(path).map_err(err)?;
        let len = file.metadata().map_err(err)?.len();
        let mut id = [0u8; ID_LEN];
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let n = name.len().min(ID_LEN);
        id[..n].copy_from_slice(&name.as_bytes()[..n]);
        Ok(Blk {
            file,
            readonly,
            capacity: len / SECTOR_SIZE,
            id,
            reads: 0,
            writes: 0,
            bytes_read: 0,
            bytes_written: 0,
            faults: Injector::default(),
            sink: None,
        })
    }

    /// From now on, fails the requests `plan` chooses with `VIRTIO_BLK_S_IOERR`.
    pub fn set_faults(&mut self, plan: FaultPlan) {
        self.faults = Injector::new(plan);
    }

    /// Capacity in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Byte range of `sector` + `len` bytes if it lies inside the image.
    fn range(&self, sector: u64, len: u64) -> Option<u64> {
        let start = sector.checked_mul(SECTOR_SIZE)?;
        let end = start.checked_add(len)?;
        (end <= self.capacity * SECTOR_SIZE && len.is_multiple_of(SECTOR_SIZE)).then_some(start)
    }

    /// Serves one request; returns the status and the number of data bytes written to
    /// the driver's buffers (the status byte excluded).
    fn serve(&mut self, chain: &Chain, ram: &mut Ram, code: &mut bool) -> Result<(u8, u64), QueueError> {
        let (rlen, wlen) = chain.lens();
        let hdr = chain.read_all(ram, HEADER_LEN)?;
        if hdr.len() < HEADER_LEN as usize {
            return Err(QueueError::Malformed("virtio-blk header shorter than 16 bytes"));
        }
        let ty = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        let sector = u64::from_le_bytes(hdr[8..16].try_into().unwrap_or_default());
        let data_out = rlen - HEADER_LEN;
        let data_in = wlen - 1;
        Ok(match ty {
            VIRTIO_BLK_T_IN => {
                if data_out != 0 || data_in > REQUEST_MAX {
                    return Ok((VIRTIO_BLK_S_IOERR, 0));
                }
                let Some(start) = self.range(sector, data_in) else { return Ok((VIRTIO_BLK_S_IOERR, 0)) };
                if self.faults.fails(false, sector, data_in / SECTOR_SIZE) {
                    return Ok((VIRTIO_BLK_S_IOERR, 0));
                }
                let mut buf = vec![0u8; data_in as usize];
                if self.file.read_exact_at(&mut buf, start).is_err() {
                    return Ok((VIRTIO_BLK_S_IOERR, 0));
                }
                *code |= chain.write_at(ram, 0, &buf)?;
                self.reads += 1;
                self.bytes_read += data_in;
                (VIRTIO_BLK_S_OK, data_in)
            }
            VIRTIO_BLK_T_OUT => {
                if self.readonly || data_in != 0 || data_out > REQUEST_MAX {
                    return Ok((VIRTIO_BLK_S_IOERR, 0));
                }
                let Some(start) = self.range(sector, data_out) else { return Ok((VIRTIO_BLK_S_IOERR, 0)) };
                if self.faults.fails(true, sector, data_out / SECTOR_SIZE) {
                    return Ok((VIRTIO_BLK_S_IOERR, 0));
                }
                let all = chain.read_all(ram, rlen)?;
                if self.file.write_all_at(&all[HEADER_LEN as usize..], start).is_err() {
                    return Ok((VIRTIO_BLK_S_IOERR, 0));
                }
                self.writes += 1;
                self.bytes_written += data_out;
                (VIRTIO_BLK_S_OK, 0)
            }
            VIRTIO_BLK_T_FLUSH => {
                let ok = self.readonly || self.file.sync_data().is_ok();
                (if ok { VIRTIO_BLK_S_OK } else { VIRTIO_BLK_S_IOERR }, 0)
            }
            VIRTIO_BLK_T_GET_ID => {
                let n = (data_in as usize).min(ID_LEN);
                *code |= chain.write_at(ram, 0, &self.id[..n])?;
                (VIRTIO_BLK_S_OK, n as u64)
            }
            _ => (VIRTIO_BLK_S_UNSUPP, 0),
        })
    }
}

impl VirtioDevice for Blk {
    fn device_id(&self) -> u32 {
        DEVICE_ID
    }

    fn features(&self) -> u64 {
        let ro = if self.readonly { VIRTIO_BLK_F_RO } else { 0 };
        feature::VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_FLUSH | ro
    }

    /// Configuration layout (5.2.4): capacity u64, size_max u32, seg_max u32, geometry
    /// (cylinders u16, heads u8, sectors u8), blk_size u32.
    fn config(&self) -> Vec<u8> {
        let mut c = Vec::with_capacity(24);
        c.extend_from_slice(&self.capacity.to_le_bytes());
        c.extend_from_slice(&SIZE_MAX.to_le_bytes());
        c.extend_from_slice(&SEG_MAX.to_le_bytes());
        c.extend_from_slice(&[0; 4]);
        c.extend_from_slice(&(SECTOR_SIZE as u32).to_le_bytes());
        c
    }

    fn process(&mut self, chain: &Chain, ram: &mut Ram) -> Result<Completion, QueueError> {
        let (rlen, wlen) = chain.lens();
        if rlen < HEADER_LEN || wlen < 1 {
            return Err(QueueError::Malformed("virtio-blk request without header or status byte"));
        }
        let mut code = false;
        let (status, data) = self.serve(chain, ram, &mut code)?;
        if let Some((slot, sink)) = &self.sink {
            // The header again (serve validated it), only while tracing.
            let hdr = chain.read_all(ram, HEADER_LEN)?;
            let kind = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
            let sector = u64::from_le_bytes(hdr[8..16].try_into().unwrap_or_default());
            let len = if kind == VIRTIO_BLK_T_OUT { rlen - HEADER_LEN } else { wlen - 1 };
            // A closed receiver (the tracer is gone) only means nobody listens.
            let _ = sink.send(BlkRequest { slot: *slot, kind, sector, len, status });
        }
        // The status is the last device-writable byte (5.2.6).
        code |= chain.write_at(ram, wlen - 1, &[status])?;
        Ok(Completion { written: (data + 1) as u32, code_dirty: code })
    }

    fn io_stats(&self) -> IoStats {
        IoStats {
            reads: self.reads,
            writes: self.writes,
            bytes_read: self.bytes_read,
            bytes_written: self.bytes_written,
            injected_read_errors: self.faults.failed_reads,
            injected_write_errors: self.faults.failed_writes,
        }
    }

    fn set_request_sink(&mut self, slot: usize, sink: RequestSink) {
        self.sink = Some((slot, sink));
    }

    fn flush(&mut self) {
        if !self.readonly {
            let _ = self.file.sync_data();
        }
    }
}
