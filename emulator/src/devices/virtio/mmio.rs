//! The virtio-mmio transport, version 2 (virtio 1.2 section 4.2.2). A slot without a
//! device answers with DeviceID 0, as QEMU's empty slots do.
//!
//! Requests are served synchronously when the driver writes QueueNotify: the store ends
//! the hart's block, the used ring is updated and the interrupt raised before the next
//! instruction. A driver error in the rings sets DEVICE_NEEDS_RESET and raises a
//! configuration-change interrupt (2.1.2); the device then ignores the queue until reset.

use super::queue::{QueueError, Virtqueue, QUEUE_SIZE_MAX};
use super::VirtioDevice;
use crate::bus::BusError;
use crate::ram::Ram;

/// Register offsets (4.2.2, table "MMIO Device Register Layout").
mod reg {
    pub const MAGIC_VALUE: u64 = 0x000;
    pub const VERSION: u64 = 0x004;
    pub const DEVICE_ID: u64 = 0x008;
    pub const VENDOR_ID: u64 = 0x00c;
    pub const DEVICE_FEATURES: u64 = 0x010;
    pub const DEVICE_FEATURES_SEL: u64 = 0x014;
    pub const DRIVER_FEATURES: u64 = 0x020;
    pub const DRIVER_FEATURES_SEL: u64 = 0x024;
    pub const QUEUE_SEL: u64 = 0x030;
    pub const QUEUE_SIZE_MAX: u64 = 0x034;
    pub const QUEUE_SIZE: u64 = 0x038;
    pub const QUEUE_READY: u64 = 0x044;
    pub const QUEUE_NOTIFY: u64 = 0x050;
    pub const INTERRUPT_STATUS: u64 = 0x060;
    pub const INTERRUPT_ACK: u64 = 0x064;
    pub const STATUS: u64 = 0x070;
    pub const QUEUE_DESC_LOW: u64 = 0x080;
    pub const QUEUE_DESC_HIGH: u64 = 0x084;
    pub const QUEUE_DRIVER_LOW: u64 = 0x090;
    pub const QUEUE_DRIVER_HIGH: u64 = 0x094;
    pub const QUEUE_DEVICE_LOW: u64 = 0x0a0;
    pub const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
    pub const CONFIG_GENERATION: u64 = 0x0fc;
    pub const CONFIG: u64 = 0x100;
}

/// "virt" in little-endian.
const MAGIC: u32 = 0x7472_6976;
const VERSION: u32 = 2;
/// QEMU's vendor ID ("QEMU").
const VENDOR: u32 = 0x554d_4551;

/// Device status bits (2.1).
pub mod status {
    pub const ACKNOWLEDGE: u32 = 1;
    pub const DRIVER: u32 = 2;
    pub const DRIVER_OK: u32 = 4;
    pub const FEATURES_OK: u32 = 8;
    pub const DEVICE_NEEDS_RESET: u32 = 64;
    pub const FAILED: u32 = 128;
}

/// InterruptStatus bits (4.2.2).
const INT_USED_BUFFER: u32 = 1;
const INT_CONFIG_CHANGE: u32 = 2;

/// Request bytes a device serves per hart time slice, on average: a notify serves
/// requests until this many bytes were moved (at least one request); the rest wait for
/// later slices, where each slice pays this much of the debt. (One guest store could
/// otherwise make the host copy gigabytes: a 256-entry ring of 64 MiB requests.)
pub const SLICE_BYTES: u64 = 8 << 20;

/// One virtio-mmio slot.
pub struct VirtioMmio {
    dev: Option<Box<dyn VirtioDevice>>,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    status: u32,
    interrupt_status: u32,
    /// Set when the transport signals its interrupt line (see `take_irq_signal`).
    irq_signal: bool,
    /// Request bytes served and not yet paid for with guest time (see [`SLICE_BYTES`]).
    debt: u64,
    /// Requests may be waiting in the avail ring that the budget held back.
    backlog: bool,
    queue_sel: u32,
    queue: Virtqueue,
    /// The last ring error, for diagnostics.
    pub last_error: Option<QueueError>,
}

impl VirtioMmio {
    /// A slot holding `dev`, or an empty slot (DeviceID 0).
    pub fn new(dev: Option<Box<dyn VirtioDevice>>) -> VirtioMmio {
        VirtioMmio {
            dev,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            status: 0,
            interrupt_status: 0,
            irq_signal: false,
            debt: 0,
            backlog: false,
            queue_sel: 0,
            queue: Virtqueue::default(),
            last_error: None,
        }
    }

    /// Whether a device sits in this slot.
    pub fn present(&self) -> bool {
        self.dev.is_some()
    }

    /// The interrupt output (to the slot's PLIC source).
    pub fn irq(&self) -> bool {
        self.interrupt_status != 0
    }

    /// Whether the transport signalled its interrupt line since the last call: on a used
    /// buffer or configuration change, InterruptACK and reset (QEMU's
    /// `virtio_mmio_update_irq` calls in `hw/virtio/virtio-mmio.c`).
    pub fn take_irq_signal(&mut self) -> bool {
        std::mem::take(&mut self.irq_signal)
    }

    /// The device status register.
    pub fn status(&self) -> u32 {
        self.status
    }

    /// The device's request counters (zero for an empty slot).
    pub fn io_stats(&self) -> super::IoStats {
        self.dev.as_ref().map(|d| d.io_stats()).unwrap_or_default()
    }

    /// Reports the requests this slot's device serves to `sink` (event traces).
    pub fn set_request_sink(&mut self, slot: usize, sink: super::RequestSink) {
        if let Some(d) = self.dev.as_mut() {
            d.set_request_sink(slot, sink);
        }
    }

    /// Makes written data durable (called at exit).
    pub fn flush(&mut self) {
        if let Some(d) = &mut self.dev {
            d.flush();
        }
    }

    /// Device reset (writing 0 to Status, 4.2.3.1): back to the initial state.
    fn reset(&mut self) {
        let dev = self.dev.take();
        *self = VirtioMmio::new(dev);
        self.irq_signal = true;
    }

    fn device_features(&self) -> u64 {
        self.dev.as_ref().map_or(0, |d| d.features())
    }

    /// The selected queue, if it exists (one queue per device).
    fn selected(&mut self) -> Option<&mut Virtqueue> {
        (self.dev.is_some() && self.queue_sel == 0).then_some(&mut self.queue)
    }

    /// Register or configuration-space read at offset `off` within the slot.
    pub fn read(&mut self, off: u64, size: u8) -> Result<u64, BusError> {
        if off >= reg::CONFIG {
            // Device configuration space: any naturally aligned size (4.2.2.2).
            let cfg = self.dev.as_ref().map(|d| d.config()).unwrap_or_default();
            let start = (off - reg::CONFIG) as usize;
            let mut v = 0u64;
            for k in 0..size as usize {
                v |= (cfg.get(start + k).copied().unwrap_or(0) as u64) << (8 * k);
            }
            return Ok(v);
        }
        if size != 4 || off & 3 != 0 {
            return Err(BusError::Unsupported);
        }
        let present = self.dev.is_some();
        let v = match off {
            reg::MAGIC_VALUE => MAGIC,
            reg::VERSION => VERSION,
            reg::DEVICE_ID => self.dev.as_ref().map_or(0, |d| d.device_id()),
            reg::VENDOR_ID => VENDOR,
            reg::DEVICE_FEATURES => match self.device_features_sel {
                0 => self.device_features() as u32,
                1 => (self.device_features() >> 32) as u32,
                _ => 0,
            },
            reg::QUEUE_SIZE_MAX if present && self.queue_sel == 0 => QUEUE_SIZE_MAX as u32,
            reg::QUEUE_SIZE => self.selected().map_or(0, |q| q.num),
            reg::QUEUE_READY => self.selected().map_or(0, |q| q.ready as u32),
            reg::INTERRUPT_STATUS => self.interrupt_status,
            reg::STATUS => self.status,
            reg::QUEUE_DESC_LOW => self.selected().map_or(0, |q| q.desc as u32),
            reg::QUEUE_DESC_HIGH => self.selected().map_or(0, |q| (q.desc >> 32) as u32),
            reg::QUEUE_DRIVER_LOW => self.selected().map_or(0, |q| q.driver as u32),
            reg::QUEUE_DRIVER_HIGH => self.selected().map_or(0, |q| (q.driver >> 32) as u32),
            reg::QUEUE_DEVICE_LOW => self.selected().map_or(0, |q| q.device as u32),
            reg::QUEUE_DEVICE_HIGH => self.selected().map_or(0, |q| (q.device >> 32) as u32),
            reg::CONFIG_GENERATION => 0,
            _ => 0,
        };
        Ok(v as u64)
    }

    /// A register write. Returns true when guest RAM holding decoded code was written.
    pub fn write(&mut self, off: u64, size: u8, v: u64, ram: &mut Ram) -> Result<bool, BusError> {
        if off >= reg::CONFIG {
            // The block device's configuration is read-only (no writeback feature).
            return Ok(false);
        }
        if size != 4 || off & 3 != 0 {
            return Err(BusError::Unsupported);
        }
        let v = v as u32;
        let set_low = |old: u64| (old & !0xffff_ffff) | v as u64;
        let set_high = |old: u64| (old & 0xffff_ffff) | (v as u64) << 32;
        match off {
            reg::DEVICE_FEATURES_SEL => self.device_features_sel = v,
            reg::DRIVER_FEATURES_SEL => self.driver_features_sel = v,
            reg::DRIVER_FEATURES => match self.driver_features_sel {
                0 => self.driver_features = set_low(self.driver_features),
                1 => self.driver_features = set_high(self.driver_features),
                _ => {}
            },
            reg::QUEUE_SEL => self.queue_sel = v,
            reg::QUEUE_SIZE => {
                if let Some(q) = self.selected() {
                    q.num = v;
                }
            }
            reg::QUEUE_READY => {
                if let Some(q) = self.selected() {
                    q.ready = v & 1 != 0;
                }
            }
            reg::QUEUE_DESC_LOW => self.selected().into_iter().for_each(|q| q.desc = set_low(q.desc)),
            reg::QUEUE_DESC_HIGH => self.selected().into_iter().for_each(|q| q.desc = set_high(q.desc)),
            reg::QUEUE_DRIVER_LOW => self.selected().into_iter().for_each(|q| q.driver = set_low(q.driver)),
            reg::QUEUE_DRIVER_HIGH => self.selected().into_iter().for_each(|q| q.driver = set_high(q.driver)),
            reg::QUEUE_DEVICE_LOW => self.selected().into_iter().for_each(|q| q.device = set_low(q.device)),
            reg::QUEUE_DEVICE_HIGH => self.selected().into_iter().for_each(|q| q.device = set_high(q.device)),
            reg::QUEUE_NOTIFY if v == 0 => return Ok(self.notify(ram)),
            reg::INTERRUPT_ACK => {
                self.interrupt_status &= !v;
                self.irq_signal = true;
            }
            reg::STATUS => self.write_status(v),
            _ => {}
        }
        Ok(false)
    }

    /// Status writes (2.1, 3.1.1): 0 resets; FEATURES_OK sticks only if the driver's
    /// features are a subset of the device's. A driver that leaves VIRTIO_F_VERSION_1 out
    /// is served as if it had accepted it (virtio 1.2, 6.1: the device MAY fail to operate
    /// then, and need not): xv6-riscv's driver does exactly that, and QEMU serves it too.
    fn write_status(&mut self, v: u32) {
        if v == 0 {
            self.reset();
            return;
        }
        let mut v = v & !status::DEVICE_NEEDS_RESET;
        v |= self.status & status::DEVICE_NEEDS_RESET;
        if v & status::FEATURES_OK != 0 && self.status & status::FEATURES_OK == 0 {
            let offered = self.device_features();
            let ok = self.driver_features & !offered == 0;
            if !ok {
                v &= !status::FEATURES_OK;
            }
        }
        self.status = v;
    }

    /// Work between hart time slices: pays [`SLICE_BYTES`] of the request debt and serves
    /// requests the budget held back. Returns whether RAM holding code was overwritten.
    pub fn service(&mut self, ram: &mut Ram) -> bool {
        self.debt = self.debt.saturating_sub(SLICE_BYTES);
        if self.backlog && self.debt < SLICE_BYTES {
            self.backlog = false;
            return self.notify(ram);
        }
        false
    }

    /// Serves the available requests of the queue (QueueNotify), in order, while the
    /// bytes served since the device last caught up stay under [`SLICE_BYTES`]: the rest
    /// wait for [`VirtioMmio::service`] in later time slices. So the host work one guest
    /// store can cause is bounded, and device work is paid for with guest time.
    fn notify(&mut self, ram: &mut Ram) -> bool {
        let ready = status::DRIVER_OK | status::FEATURES_OK;
        if self.status & ready != ready || self.status & (status::DEVICE_NEEDS_RESET | status::FAILED) != 0 {
            return false;
        }
        let Some(dev) = self.dev.as_mut() else { return false };
        if !self.queue.ready {
            return false;
        }
        if self.debt >= SLICE_BYTES {
            self.backlog = true;
            return false;
        }
        let mut code = false;
        let mut used = false;
        let (debt, backlog) = (&mut self.debt, &mut self.backlog);
        let result = (|| -> Result<(), QueueError> {
            while let Some(chain) = self.queue.pop(ram)? {
                let done = dev.process(&chain, ram)?;
                code |= done.code_dirty;
                code |= self.queue.push_used(ram, chain.head, done.written)?;
                used = true;
                let (r, w) = chain.lens();
                *debt += r + w;
                if *debt >= SLICE_BYTES {
                    *backlog = true;
                    break;
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            log::warn!("virtio: driver error, device needs reset: {e}");
            self.last_error = Some(e);
            self.status |= status::DEVICE_NEEDS_RESET;
            self.interrupt_status |= INT_CONFIG_CHANGE;
            self.irq_signal = true;
        }
        if used && !self.queue.no_interrupt(ram) {
            self.interrupt_status |= INT_USED_BUFFER;
            self.irq_signal = true;
        }
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_slot_reads_device_id_zero_and_ignores_queues() {
        let mut ram = Ram::new(1 << 20);
        let mut v = VirtioMmio::new(None);
        assert_eq!(v.read(reg::MAGIC_VALUE, 4), Ok(MAGIC as u64));
        assert_eq!(v.read(reg::VERSION, 4), Ok(2));
        assert_eq!(v.read(reg::DEVICE_ID, 4), Ok(0));
        assert_eq!(v.read(reg::QUEUE_SIZE_MAX, 4), Ok(0));
        v.write(reg::QUEUE_SIZE, 4, 8, &mut ram).unwrap();
        assert_eq!(v.read(reg::QUEUE_SIZE, 4), Ok(0));
        assert_eq!(v.read(reg::STATUS, 2), Err(BusError::Unsupported));
        assert!(!v.irq());
    }

    #[test]
    fn status_reset_and_feature_negotiation() {
        let dir = std::env::temp_dir().join(format!("rvsim-mmio-unit-{}.img", std::process::id()));
        std::fs::write(&dir, vec![0u8; 4096]).unwrap();
        let blk = super::super::Blk::open(&dir, true).unwrap();
        let _ = std::fs::remove_file(&dir);
        let mut ram = Ram::new(1 << 20);
        let mut v = VirtioMmio::new(Some(Box::new(blk)));
        assert_eq!(v.read(reg::DEVICE_ID, 4), Ok(2));
        // Capacity (8 sectors) in the config space, readable with any size.
        assert_eq!(v.read(reg::CONFIG, 8), Ok(8));
        assert_eq!(v.read(reg::CONFIG, 1), Ok(8));
        v.write(reg::DEVICE_FEATURES_SEL, 4, 0, &mut ram).unwrap();
        let lo = v.read(reg::DEVICE_FEATURES, 4).unwrap();
        assert_ne!(lo & (1 << 5), 0, "VIRTIO_BLK_F_RO offered for a read-only image");
        v.write(reg::DEVICE_FEATURES_SEL, 4, 1, &mut ram).unwrap();
        assert_eq!(v.read(reg::DEVICE_FEATURES, 4), Ok(1), "VERSION_1");
        // Accepting a feature the device does not offer is refused.
        v.write(reg::DRIVER_FEATURES_SEL, 4, 1, &mut ram).unwrap();
        v.write(reg::DRIVER_FEATURES, 4, 1 | 2, &mut ram).unwrap();
        v.write(reg::STATUS, 4, (status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK) as u64, &mut ram).unwrap();
        assert_eq!(v.status() & status::FEATURES_OK, 0);
        // Leaving VERSION_1 out is tolerated (xv6-riscv's driver does), as on QEMU.
        v.write(reg::DRIVER_FEATURES, 4, 0, &mut ram).unwrap();
        v.write(reg::STATUS, 4, (status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK) as u64, &mut ram).unwrap();
        assert_ne!(v.status() & status::FEATURES_OK, 0);
        v.write(reg::STATUS, 4, 0, &mut ram).unwrap();
        v.write(reg::DRIVER_FEATURES_SEL, 4, 1, &mut ram).unwrap();
        v.write(reg::DRIVER_FEATURES, 4, 1, &mut ram).unwrap();
        v.write(reg::STATUS, 4, (status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK) as u64, &mut ram).unwrap();
        assert_ne!(v.status() & status::FEATURES_OK, 0);
        v.write(reg::QUEUE_SIZE, 4, 16, &mut ram).unwrap();
        v.write(reg::QUEUE_DESC_HIGH, 4, 1, &mut ram).unwrap();
        assert_eq!(v.read(reg::QUEUE_DESC_HIGH, 4), Ok(1));
        // Writing 0 resets everything.
        v.write(reg::STATUS, 4, 0, &mut ram).unwrap();
        assert_eq!(v.status(), 0);
        assert_eq!(v.read(reg::QUEUE_SIZE, 4), Ok(0));
        assert_eq!(v.read(reg::QUEUE_DESC_HIGH, 4), Ok(0));
    }
}
