//! The flattened device tree describing this machine, laid out as QEMU's `virt` board
//! describes itself, so that OpenSBI's generic platform and Linux find every device.
//! Written with `vm-fdt` (rust-vmm).

use super::{clint, finisher, plic, uart16550, virtio};
use crate::bus::RAM_BASE;
use crate::isa::extensions;
use vm_fdt::{Error, FdtWriter};

/// `timebase-frequency`: mtime ticks per second (QEMU virt: 10 MHz).
pub const TIMEBASE_HZ: u32 = 10_000_000;

/// What the device tree must describe.
#[derive(Clone, Debug)]
pub struct FdtConfig {
    pub ram_size: u64,
    pub harts: usize,
    /// `riscv,isa` of every hart.
    pub isa: String,
    /// `mmu-type` of every hart, e.g. "riscv,sv39".
    pub mmu_type: String,
    /// Kernel command line (`/chosen/bootargs`).
    pub bootargs: Option<String>,
    /// Which virtio-mmio slots hold a device (all slots are described, as QEMU does).
    pub slots: usize,
}

const PHANDLE_TEST: u32 = 1;
const PHANDLE_PLIC: u32 = 2;
/// Phandle of hart `h`'s interrupt controller (3 + 2h) and of its cpu node (4 + 2h).
fn intc_phandle(h: usize) -> u32 {
    3 + 2 * h as u32
}
fn cpu_phandle(h: usize) -> u32 {
    4 + 2 * h as u32
}

/// Local interrupt numbers used in `interrupts-extended` (Privileged 3.1.9).
const IRQ_M_SOFT: u32 = 3;
const IRQ_M_TIMER: u32 = 7;
const IRQ_S_EXT: u32 = 9;
const IRQ_M_EXT: u32 = 11;

/// The ISA properties of a cpu node, as QEMU 8+ writes them (hw/riscv/virt.c and
/// target/riscv/cpu.c `riscv_isa_write_fdt`): the `riscv,isa` string, the newer
/// `riscv,isa-base` + `riscv,isa-extensions` pair derived from it, and the cache-block
/// sizes of the CMO extensions it names.
fn isa_properties(f: &mut FdtWriter, isa: &str) -> Result<(), Error> {
    f.property_string("riscv,isa", isa)?;
    if let Some((base, exts)) = extensions::split_isa(isa) {
        f.property_string("riscv,isa-base", &base)?;
        for (ext, prop) in [
            ("zicbom", "riscv,cbom-block-size"),
            ("zicbop", "riscv,cbop-block-size"),
            ("zicboz", "riscv,cboz-block-size"),
        ] {
            if exts.iter().any(|e| e == ext) {
                f.property_u32(prop, extensions::CACHE_BLOCK as u32)?;
            }
        }
        f.property_string_list("riscv,isa-extensions", exts)?;
    }
    Ok(())
}

/// Builds the device tree blob.
pub fn build(cfg: &FdtConfig) -> Result<Vec<u8>, Error> {
    let mut f = FdtWriter::new()?;
    let root = f.begin_node("")?;
    f.property_u32("#address-cells", 2)?;
    f.property_u32("#size-cells", 2)?;
    f.property_string("compatible", "riscv-virtio")?;
    f.property_string("model", "riscv-virtio,qemu")?;

    let chosen = f.begin_node("chosen")?;
    f.property_string("stdout-path", &format!("/soc/serial@{:x}", uart16550::BASE))?;
    if let Some(args) = &cfg.bootargs {
        f.property_string("bootargs", args)?;
    }
    f.end_node(chosen)?;

    let mem = f.begin_node(&format!("memory@{RAM_BASE:x}"))?;
    f.property_string("device_type", "memory")?;
    f.property_array_u64("reg", &[RAM_BASE, cfg.ram_size])?;
    f.end_node(mem)?;

    let cpus = f.begin_node("cpus")?;
    f.property_u32("#address-cells", 1)?;
    f.property_u32("#size-cells", 0)?;
    f.property_u32("timebase-frequency", TIMEBASE_HZ)?;
    for h in 0..cfg.harts {
        let cpu = f.begin_node(&format!("cpu@{h}"))?;
        f.property_phandle(cpu_phandle(h))?;
        f.property_string("device_type", "cpu")?;
        f.property_u32("reg", h as u32)?;
        f.property_string("status", "okay")?;
        f.property_string("compatible", "riscv")?;
        isa_properties(&mut f, &cfg.isa)?;
        f.property_string("mmu-type", &cfg.mmu_type)?;
        let intc = f.begin_node("interrupt-controller")?;
        f.property_u32("#interrupt-cells", 1)?;
        f.property_null("interrupt-controller")?;
        f.property_string("compatible", "riscv,cpu-intc")?;
        f.property_phandle(intc_phandle(h))?;
        f.end_node(intc)?;
        f.end_node(cpu)?;
    }
    let map = f.begin_node("cpu-map")?;
    let cluster = f.begin_node("cluster0")?;
    for h in 0..cfg.harts {
        let core = f.begin_node(&format!("core{h}"))?;
        f.property_u32("cpu", cpu_phandle(h))?;
        f.end_node(core)?;
    }
    f.end_node(cluster)?;
    f.end_node(map)?;
    f.end_node(cpus)?;

    // The finisher, and the syscon nodes OpenSBI and Linux use for poweroff and reboot.
    let poweroff = f.begin_node("poweroff")?;
    f.property_u32("value", 0x5555)?;
    f.property_u32("offset", 0)?;
    f.property_u32("regmap", PHANDLE_TEST)?;
    f.property_string("compatible", "syscon-poweroff")?;
    f.end_node(poweroff)?;
    let reboot = f.begin_node("reboot")?;
    f.property_u32("value", 0x7777)?;
    f.property_u32("offset", 0)?;
    f.property_u32("regmap", PHANDLE_TEST)?;
    f.property_string("compatible", "syscon-reboot")?;
    f.end_node(reboot)?;

    let soc = f.begin_node("soc")?;
    f.property_u32("#address-cells", 2)?;
    f.property_u32("#size-cells", 2)?;
    f.property_string("compatible", "simple-bus")?;
    f.property_null("ranges")?;

    let test = f.begin_node(&format!("test@{:x}", finisher::BASE))?;
    f.property_phandle(PHANDLE_TEST)?;
    f.property_array_u64("reg", &[finisher::BASE, 0x1000])?;
    f.property_string_list("compatible", vec!["sifive,test1".into(), "sifive,test0".into(), "syscon".into()])?;
    f.end_node(test)?;

    for slot in (0..cfg.slots).rev() {
        let base = virtio::MMIO_BASE + virtio::MMIO_STRIDE * slot as u64;
        let n = f.begin_node(&format!("virtio_mmio@{base:x}"))?;
        f.property_u32("interrupts", (virtio::IRQ_BASE + slot) as u32)?;
        f.property_u32("interrupt-parent", PHANDLE_PLIC)?;
        f.property_array_u64("reg", &[base, virtio::MMIO_STRIDE])?;
        f.property_string("compatible", "virtio,mmio")?;
        f.end_node(n)?;
    }

    let uart = f.begin_node(&format!("serial@{:x}", uart16550::BASE))?;
    f.property_u32("interrupts", uart16550::IRQ as u32)?;
    f.property_u32("interrupt-parent", PHANDLE_PLIC)?;
    f.property_u32("clock-frequency", uart16550::CLOCK_HZ)?;
    f.property_array_u64("reg", &[uart16550::BASE, 0x100])?;
    f.property_string("compatible", "ns16550a")?;
    f.end_node(uart)?;

    let p = f.begin_node(&format!("plic@{:x}", plic::BASE))?;
    f.property_phandle(PHANDLE_PLIC)?;
    f.property_u32("riscv,ndev", (plic::NSRC - 1) as u32)?;
    f.property_array_u64("reg", &[plic::BASE, plic::END - plic::BASE + 1])?;
    let ext: Vec<u32> = (0..cfg.harts).flat_map(|h| [intc_phandle(h), IRQ_M_EXT, intc_phandle(h), IRQ_S_EXT]).collect();
    f.property_array_u32("interrupts-extended", &ext)?;
    f.property_null("interrupt-controller")?;
    f.property_string_list("compatible", vec!["sifive,plic-1.0.0".into(), "riscv,plic0".into()])?;
    f.property_u32("#address-cells", 0)?;
    f.property_u32("#interrupt-cells", 1)?;
    f.end_node(p)?;

    let c = f.begin_node(&format!("clint@{:x}", clint::BASE))?;
    let ext: Vec<u32> =
        (0..cfg.harts).flat_map(|h| [intc_phandle(h), IRQ_M_SOFT, intc_phandle(h), IRQ_M_TIMER]).collect();
    f.property_array_u32("interrupts-extended", &ext)?;
    f.property_array_u64("reg", &[clint::BASE, clint::END - clint::BASE + 1])?;
    f.property_string_list("compatible", vec!["sifive,clint0".into(), "riscv,clint0".into()])?;
    f.end_node(c)?;

    f.end_node(soc)?;
    f.end_node(root)?;
    f.finish()
}

/// Where the blob goes: at the end of RAM (below 3 GiB), aligned down to 2 MiB, as QEMU's
/// `riscv_compute_fdt_addr` does.
pub fn placement(ram_size: u64, blob_len: usize) -> Option<u64> {
    let end = (RAM_BASE + ram_size).min(RAM_BASE.max(3 << 30));
    let addr = end.checked_sub(blob_len as u64)? & !((2 << 20) - 1);
    (addr >= RAM_BASE).then_some(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_is_valid_and_placed_like_qemu() {
        let cfg = FdtConfig {
            ram_size: 128 << 20,
            harts: 2,
            isa: "rv64imafdc_zicsr_zifencei".into(),
            mmu_type: "riscv,sv39".into(),
            bootargs: Some("console=ttyS0".into()),
            slots: 8,
        };
        let b = build(&cfg).unwrap();
        assert_eq!(&b[..4], &[0xd0, 0x0d, 0xfe, 0xed]);
        let has = |s: &[u8]| b.windows(s.len()).any(|w| w == s);
        assert!(has(b"sifive,plic-1.0.0"));
        assert!(has(b"console=ttyS0"));
        assert!(has(b"virtio_mmio@10008000"));
        assert!(has(b"cpu@1"));
        assert_eq!(placement(128 << 20, b.len()), Some(0x8000_0000 + (128 << 20) - (2 << 20)));
    }
}
