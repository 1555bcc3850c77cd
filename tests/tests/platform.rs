//! The `virt`-compatible platform: PLIC, UART receive, timers, virtio-blk, multiple harts
//! (guest programs `plat_*`), robustness of the virtio device against malformed rings
//! (host test), and booting Debian's OpenSBI with our S-mode payload.
mod common;
use common::RunOpts;
use rvsim::bus::RAM_BASE;
use rvsim::hart::NoTrace;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use std::path::PathBuf;

const LIMIT: u64 = 20_000_000;

fn check(name: &str, opts: &RunOpts) -> common::Run {
    let r = common::run_guest_opts(name, LIMIT, opts);
    assert_eq!(r.outcome, Outcome::Exit(0), "{name}: console:\n{}", r.console);
    r
}

/// A temporary disk image of `sectors` sectors where byte i of sector s is `s ^ i`.
fn image(tag: &str, sectors: usize) -> (PathBuf, Vec<u8>) {
    let p = std::env::temp_dir().join(format!("rvsim-plat-{tag}-{}.img", std::process::id()));
    let data: Vec<u8> = (0..sectors).flat_map(|s| (0..512).map(move |i| (s ^ i) as u8)).collect();
    std::fs::write(&p, &data).expect("write image");
    (p, data)
}

#[test]
fn plic_claim_complete_and_masking() {
    check("plat_plic", &RunOpts::default());
}

/// xv6's UART pattern (THR-empty interrupt enabled, handler returns without reading IIR)
/// must not livelock: the disk request after it completes (docs/decisions.md).
#[test]
fn unread_thr_empty_interrupt_does_not_livelock() {
    let (p, _) = image("thre", 8);
    let r = check("plat_thre_unread", &RunOpts { drives: vec![(p.clone(), false)], ..Default::default() });
    let _ = std::fs::remove_file(&p);
    assert!(r.console.contains("1 UART interrupts, 1 disk interrupts"), "{}", r.console);
}

/// A source that pends again while claimed is delivered when completed, as QEMU 7.2 does
/// (xv6's `uartwrite` on one hart while another hart's `uartintr` holds the claim; the
/// program passes on QEMU 7.2 too).
#[test]
fn completion_delivers_a_source_that_pended_while_claimed() {
    let r = check("plat_plic_repend", &RunOpts::default());
    assert!(r.console.contains("plat_plic_repend: ok"), "{}", r.console);
}

#[test]
fn timers_from_clint_and_sstc() {
    check("plat_timer", &RunOpts::default());
}

#[test]
fn uart_receive_interrupts() {
    let r = check("plat_uart_rx", &RunOpts { input: b"ping\n".to_vec(), ..Default::default() });
    assert!(r.console.contains("got \"ping\\n\""), "{}", r.console);
}

#[test]
fn uart_without_input_never_interrupts() {
    // No input: the program waits forever, so the run must end at the limit.
    let r = common::run_guest_opts("plat_uart_rx", 2_000_000, &RunOpts::default());
    assert_eq!(r.outcome, Outcome::InstructionLimit, "{}", r.console);
}

#[test]
fn virtio_blk_reads_and_writes_reach_the_image() {
    let (p, before) = image("rw", 64);
    let r = check("plat_virtio_blk", &RunOpts { drives: vec![(p.clone(), false)], ..Default::default() });
    assert!(r.console.contains("capacity 64 sectors"), "{}", r.console);
    let after = std::fs::read(&p).expect("read image");
    let _ = std::fs::remove_file(&p);
    assert_eq!(after.len(), before.len());
    for (i, (&a, &b)) in after.iter().zip(&before).enumerate() {
        let want = if (512..1024).contains(&i) { 0xa5 ^ (i - 512) as u8 } else { b };
        assert_eq!(a, want, "image byte {i}");
    }
}

#[test]
fn virtio_blk_readonly_rejects_writes() {
    let (p, before) = image("ro", 64);
    let r = common::run_guest_opts(
        "plat_virtio_blk",
        LIMIT,
        &RunOpts { drives: vec![(p.clone(), true)], ..Default::default() },
    );
    // The write (check 6) fails with IOERR, and the image is untouched.
    assert_eq!(r.outcome, Outcome::Exit(6), "{}", r.console);
    assert!(r.console.contains("write failed: status 1"), "{}", r.console);
    assert_eq!(std::fs::read(&p).expect("read image"), before);
    let _ = std::fs::remove_file(&p);
}

#[test]
fn empty_slot_has_device_id_zero() {
    let r = common::run_guest_opts("plat_virtio_blk", LIMIT, &RunOpts::default());
    assert_eq!(r.outcome, Outcome::Exit(1), "{}", r.console);
}

#[test]
fn four_harts_share_counters_and_ipis() {
    let r = check("plat_smp", &RunOpts { harts: 4, ..Default::default() });
    assert!(r.console.contains("amo counter 4000, lr/sc counter 4000"), "{}", r.console);
    // Tiny quanta interleave the harts inside LR/SC sequences and AMO loops.
    for q in [1, 7, 100] {
        let r = check("plat_smp", &RunOpts { harts: 4, quantum: q, ..Default::default() });
        assert!(r.console.contains("amo counter 4000, lr/sc counter 4000"), "quantum {q}: {}", r.console);
    }
}

// ---- virtio robustness: a host-side driver feeding malformed rings ----

const SLOT0: u64 = 0x1000_1000;
const DESC: u64 = RAM_BASE + 0x10_0000;
const AVAIL: u64 = RAM_BASE + 0x10_1000;
const USED: u64 = RAM_BASE + 0x10_2000;
const HDR: u64 = RAM_BASE + 0x10_3000;
const STAT: u64 = RAM_BASE + 0x10_3100;
const BUF: u64 = RAM_BASE + 0x10_4000;

struct Driver {
    m: Machine,
    avail: u16,
}

impl Driver {
    fn new(img: &std::path::Path, ro: bool) -> Driver {
        let mut m = Machine::new(MachineConfig::default());
        m.attach_drive(img, ro).expect("attach");
        let mut d = Driver { m, avail: 0 };
        d.init();
        d
    }
    fn mmio_w(&mut self, off: u64, v: u32) {
        self.m.bus.write(SLOT0 + off, 4, v as u64, 0).expect("mmio write");
    }
    fn mmio_r(&mut self, off: u64) -> u32 {
        self.m.bus.read(SLOT0 + off, 4, 0).expect("mmio read") as u32
    }
    fn w(&mut self, pa: u64, size: u8, v: u64) {
        self.m.bus.write(pa, size, v, 0).expect("ram write");
    }
    fn r(&mut self, pa: u64, size: u8) -> u64 {
        self.m.bus.read(pa, size, 0).expect("ram read")
    }
    fn init(&mut self) {
        self.mmio_w(0x70, 0);
        self.mmio_w(0x70, 3);
        self.mmio_w(0x24, 1);
        self.mmio_w(0x20, 1);
        self.mmio_w(0x70, 3 | 8);
        assert_eq!(self.mmio_r(0x70) & 8, 8);
        self.mmio_w(0x38, 8);
        self.mmio_w(0x80, DESC as u32);
        self.mmio_w(0x90, AVAIL as u32);
        self.mmio_w(0xa0, USED as u32);
        self.mmio_w(0x44, 1);
        self.mmio_w(0x70, 3 | 8 | 4);
        self.avail = 0;
    }
    fn desc(&mut self, i: u64, addr: u64, len: u32, flags: u16, next: u16) {
        self.w(DESC + 16 * i, 8, addr);
        self.w(DESC + 16 * i + 8, 4, len as u64);
        self.w(DESC + 16 * i + 12, 2, flags as u64);
        self.w(DESC + 16 * i + 14, 2, next as u64);
    }
    fn header(&mut self, ty: u32, sector: u64) {
        self.w(HDR, 4, ty as u64);
        self.w(HDR + 8, 8, sector);
        self.w(STAT, 1, 0xff);
    }
    /// Makes chain `head` available and notifies; returns the device status register.
    fn submit(&mut self, head: u16) -> u32 {
        let slot = (self.avail % 8) as u64;
        self.w(AVAIL + 4 + 2 * slot, 2, head as u64);
        self.avail = self.avail.wrapping_add(1);
        self.w(AVAIL + 2, 2, self.avail as u64);
        self.mmio_w(0x50, 0);
        self.mmio_r(0x70)
    }
}

const NEXT: u16 = 1;
const WRITE: u16 = 2;
const NEEDS_RESET: u32 = 64;

#[test]
fn virtio_survives_malformed_descriptors_and_keeps_the_image_intact() {
    let (p, before) = image("bad", 16);
    let mut d = Driver::new(&p, false);
    // 1. A descriptor loop: 0 -> 1 -> 0.
    d.header(1, 0);
    d.desc(0, HDR, 16, NEXT, 1);
    d.desc(1, BUF, 512, NEXT, 0);
    assert_ne!(d.submit(0) & NEEDS_RESET, 0, "loop must set DEVICE_NEEDS_RESET");
    assert_eq!(d.mmio_r(0x60) & 2, 2, "config-change interrupt");
    // Further notifications are ignored until reset.
    assert_ne!(d.submit(0) & NEEDS_RESET, 0);
    // 2. After reset: a write whose data lies outside RAM.
    d.init();
    d.header(1, 0);
    d.desc(0, HDR, 16, NEXT, 1);
    d.desc(1, 0x1000_0000, 512, NEXT, 2);
    d.desc(2, STAT, 1, WRITE, 0);
    assert_ne!(d.submit(0) & NEEDS_RESET, 0, "buffer outside RAM");
    // 3. Data running past the end of RAM.
    d.init();
    d.header(0, 0);
    d.desc(0, HDR, 16, NEXT, 1);
    d.desc(1, RAM_BASE + (128 << 20) - 256, 512, NEXT | WRITE, 2);
    d.desc(2, STAT, 1, WRITE, 0);
    assert_ne!(d.submit(0) & NEEDS_RESET, 0, "buffer past the end of RAM");
    // 4. `next` out of the table; indirect descriptor; readable after writable.
    for (flags1, next0) in [(NEXT, 9u16), (4, 1), (0, 1)] {
        d.init();
        d.header(1, 0);
        d.desc(0, HDR, 16, NEXT | if flags1 == 0 { WRITE } else { 0 }, next0);
        d.desc(1, BUF, 512, flags1, 0);
        assert_ne!(d.submit(0) & NEEDS_RESET, 0, "flags {flags1} next {next0}");
    }
    // 5. Header too short / no status byte.
    d.init();
    d.desc(0, HDR, 8, NEXT, 1);
    d.desc(1, STAT, 1, WRITE, 0);
    assert_ne!(d.submit(0) & NEEDS_RESET, 0, "short header");
    d.init();
    d.desc(0, HDR, 16, 0, 0);
    assert_ne!(d.submit(0) & NEEDS_RESET, 0, "no status byte");
    // 6. Well-formed requests with bad contents get a status byte and the device lives on.
    let cases: [(u32, u64, u32, u8); 4] = [
        (1, 16, 512, 1),       // write past the end: IOERR
        (1, u64::MAX, 512, 1), // sector overflow: IOERR
        (1, 0, 100, 1),        // not a multiple of 512: IOERR
        (0x99, 0, 512, 2),     // unknown type: UNSUPP
    ];
    d.init();
    for (k, &(ty, sector, len, want)) in cases.iter().enumerate() {
        d.header(ty, sector);
        d.desc(0, HDR, 16, NEXT, 1);
        d.desc(1, BUF, len, NEXT, 2);
        d.desc(2, STAT, 1, WRITE, 0);
        assert_eq!(d.submit(0) & NEEDS_RESET, 0, "case {k}");
        assert_eq!(d.r(STAT, 1) as u8, want, "case {k} status");
        assert_eq!(d.r(USED + 2, 2), k as u64 + 1, "used idx after case {k}");
    }
    // 7. The avail index running more than the queue size ahead.
    d.init();
    d.w(AVAIL + 2, 2, 100);
    d.mmio_w(0x50, 0);
    assert_ne!(d.mmio_r(0x70) & NEEDS_RESET, 0, "avail overrun");
    // 8. A queue size that is not a power of two.
    d.init();
    d.mmio_w(0x70, 0);
    d.mmio_w(0x70, 3);
    d.mmio_w(0x24, 1);
    d.mmio_w(0x20, 1);
    d.mmio_w(0x70, 3 | 8);
    d.mmio_w(0x38, 5);
    d.mmio_w(0x44, 1);
    d.mmio_w(0x70, 3 | 8 | 4);
    d.w(AVAIL + 2, 2, 1);
    d.mmio_w(0x50, 0);
    assert_ne!(d.mmio_r(0x70) & NEEDS_RESET, 0, "queue size 5");
    // 9. Ring addresses at the top of the address space (arithmetic must not overflow).
    for (reg, name) in [(0x84u64, "descriptor table"), (0x94, "driver area"), (0xa4, "device area")] {
        d.init();
        d.header(0, 0);
        d.desc(0, HDR, 16, NEXT, 1);
        d.desc(1, BUF, 512, NEXT | WRITE, 2);
        d.desc(2, STAT, 1, WRITE, 0);
        d.mmio_w(reg - 4, 0xffff_fffe);
        d.mmio_w(reg, 0xffff_ffff);
        assert_ne!(d.submit(1) & NEEDS_RESET, 0, "{name} at the top of memory");
    }
    drop(d);
    assert_eq!(std::fs::read(&p).expect("read image"), before, "image must be untouched");
    let _ = std::fs::remove_file(&p);
}

/// Feature negotiation: a feature the device does not offer is refused; a driver that
/// leaves VIRTIO_F_VERSION_1 out (xv6-riscv's) is served, as QEMU does (virtio 1.2, 6.1).
#[test]
fn virtio_feature_negotiation() {
    let (p, _) = image("feat", 4);
    let mut d = Driver::new(&p, false);
    // DriverFeaturesSel (0x24) = 1, DriverFeatures (0x20) = bit 33 (not offered).
    d.mmio_w(0x70, 0);
    d.mmio_w(0x70, 3);
    d.mmio_w(0x24, 1);
    d.mmio_w(0x20, 2);
    d.mmio_w(0x70, 3 | 8);
    assert_eq!(d.mmio_r(0x70) & 8, 0, "FEATURES_OK must not stick with an unoffered feature");
    d.mmio_w(0x70, 0);
    d.mmio_w(0x70, 3);
    d.mmio_w(0x24, 1);
    d.mmio_w(0x20, 0);
    d.mmio_w(0x70, 3 | 8);
    assert_ne!(d.mmio_r(0x70) & 8, 0, "no VERSION_1 is tolerated");
    // Read-only drives offer VIRTIO_BLK_F_RO (bit 5).
    let mut ro = Driver::new(&p, true);
    ro.mmio_w(0x14, 0);
    assert_ne!(ro.mmio_r(0x10) & (1 << 5), 0);
    let _ = std::fs::remove_file(&p);
}

// ---- firmware boot ----

const FW_JUMP: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf";

#[test]
fn opensbi_fw_jump_boots_our_payload_and_powers_off() {
    if !std::path::Path::new(FW_JUMP).exists() {
        common::missing(&format!("{FW_JUMP} is missing (apt-get install opensbi)"));
        return;
    }
    let fw = std::fs::read(FW_JUMP).expect("read fw_jump");
    let payload = std::fs::read(common::guest("sbi-payload")).expect("read payload");
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.load_firmware(&fw, Some(&payload)).expect("load");
    let outcome = m.run(Some(100_000_000), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).into_owned();
    assert_eq!(outcome, Outcome::Exit(0), "console:\n{console}");
    boot_checks(&console);
    assert!(console.contains("Platform HART Count       : 1"), "{console}");
    // Four harts: OpenSBI's HSM parks harts 1-3, the payload runs on the boot hart.
    let mut m = Machine::new(MachineConfig { harts: 4, ..Default::default() });
    m.bus.dev.uart.echo = false;
    m.load_firmware(&fw, Some(&payload)).expect("load");
    let outcome = m.run(Some(400_000_000), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).into_owned();
    assert_eq!(outcome, Outcome::Exit(0), "console:\n{console}");
    assert!(console.contains("Platform HART Count       : 4"), "{console}");
    assert!(console.contains("Domain0 HARTs             : 0*,1*,2*,3*"), "{console}");
}

fn boot_checks(console: &str) {
    for s in [
        "OpenSBI v1.",
        "Platform Name             : riscv-virtio,qemu",
        "Boot HART Base ISA        : rv64imafdc",
        "Platform Shutdown Device  : sifive_test",
        "Domain0 Next Address      : 0x0000000080200000",
        "sbi-payload: hello from S-mode on hart 0",
        "magic 0xd00dfeed",
        "shutting down through SRST",
    ] {
        assert!(console.contains(s), "missing {s:?} in console:\n{console}");
    }
}

#[test]
fn raw_firmware_image_runs_from_ram_base_with_the_dtb_in_a1() {
    // lui t0, 0x100; lui t1, 5; addi t1, t1, 0x555; sw t1, 0(t0): finisher pass.
    let code: [u32; 4] = [0x0010_02b7, 0x0000_5337, 0x5553_0313, 0x0062_a023];
    let raw: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut m = Machine::new(MachineConfig::default());
    m.load_firmware(&raw, None).expect("raw image");
    assert_eq!(m.run(Some(10_000), &mut NoTrace), Outcome::Exit(0));
    // a1 at entry pointed at the DTB (QEMU's reset vector convention).
    assert_eq!(m.cores[0].hart.x[11], m.dtb_addr);
    assert_eq!(&m.ram_slice(m.dtb_addr, 4).expect("dtb in RAM"), &[0xd0, 0x0d, 0xfe, 0xed]);
}

#[test]
fn htif_console_syscall_exit_and_signature() {
    let bytes = std::fs::read(common::guest("plat_htif")).expect("read guest");
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.load_elf(&bytes).expect("load");
    assert!(m.bus.dev.htif.is_some(), "tohost symbol found");
    let outcome = m.run(Some(LIMIT), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).into_owned();
    assert_eq!(outcome, Outcome::Exit(0), "{console}");
    assert_eq!(console, "htif: bcd putchar\nhtif: syscall write\n");
    assert_eq!(m.signature().as_deref(), Some("deadbeef\n00000001\n12345678\ncafef00d\n"));
}

#[test]
fn device_tree_decompiles_and_describes_the_machine() {
    let mut m = Machine::new(MachineConfig { harts: 2, ..Default::default() });
    m.boot.bootargs = Some("console=ttyS0 root=/dev/vda".into());
    m.load_firmware(&[0x73, 0x00, 0x50, 0x10], None).expect("raw image"); // wfi
    assert_eq!(m.dtb_addr, RAM_BASE + (128 << 20) - (2 << 20));
    let path = std::env::temp_dir().join(format!("rvsim-plat-{}.dtb", std::process::id()));
    std::fs::write(&path, &m.dtb).expect("write dtb");
    let out = std::process::Command::new("dtc").args(["-I", "dtb", "-O", "dts"]).arg(&path).output();
    let _ = std::fs::remove_file(&path);
    let Ok(out) = out else {
        common::missing("dtc is not installed (apt-get install device-tree-compiler)");
        return;
    };
    assert!(out.status.success(), "dtc failed: {}", String::from_utf8_lossy(&out.stderr));
    let dts = String::from_utf8_lossy(&out.stdout);
    for s in [
        "bootargs = \"console=ttyS0 root=/dev/vda\";",
        "stdout-path = \"/soc/serial@10000000\";",
        "reg = <0x00 0x80000000 0x00 0x8000000>;",
        "timebase-frequency = <0x989680>;",
        "cpu@1 {",
        "riscv,isa = \"rv64imafdc_zicbom_zicbop_zicboz_zicntr_zicond_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc_svinval_svnapot_svpbmt\";",
        "riscv,isa-base = \"rv64i\";",
        "riscv,isa-extensions = \"i\\0m\\0a\\0f\\0d\\0c\\0zicbom\\0zicbop\\0zicboz\\0zicntr\\0zicond\\0zicsr\\0zifencei\\0zihintpause\\0zba\\0zbb\\0zbc\\0zbs\\0sstc\\0svinval\\0svnapot\\0svpbmt\";",
        "riscv,cbom-block-size = <0x40>;",
        "riscv,cbop-block-size = <0x40>;",
        "riscv,cboz-block-size = <0x40>;",
        "mmu-type = \"riscv,sv39\";",
        "compatible = \"sifive,plic-1.0.0\\0riscv,plic0\";",
        "riscv,ndev = <0x60>;",
        "compatible = \"sifive,clint0\\0riscv,clint0\";",
        "compatible = \"sifive,test1\\0sifive,test0\\0syscon\";",
        "compatible = \"syscon-poweroff\";",
        "compatible = \"ns16550a\";",
        "virtio_mmio@10001000 {",
        "virtio_mmio@10008000 {",
    ] {
        assert!(dts.contains(s), "missing {s:?} in\n{dts}");
    }
}

#[test]
fn virtio_blk_get_id_returns_the_image_name() {
    let (p, _) = image("id", 4);
    let name = p.file_name().expect("name").to_string_lossy().into_owned();
    let mut d = Driver::new(&p, false);
    d.header(8, 0);
    d.desc(0, HDR, 16, NEXT, 1);
    d.desc(1, BUF, 20, NEXT | WRITE, 2);
    d.desc(2, STAT, 1, WRITE, 0);
    assert_eq!(d.submit(0) & NEEDS_RESET, 0);
    assert_eq!(d.r(STAT, 1), 0, "VIRTIO_BLK_S_OK");
    let id: Vec<u8> = (0..20).map(|i| d.r(BUF + i, 1) as u8).collect();
    let want: Vec<u8> = name.bytes().chain(std::iter::repeat(0)).take(20).collect();
    assert_eq!(id, want);
    // Used length: 20 ID bytes + the status byte.
    assert_eq!(d.r(USED + 4 + 4, 4), 21);
    // The used-buffer interrupt reached the PLIC (source 1).
    assert_eq!(d.mmio_r(0x60) & 1, 1);
    assert_ne!(d.m.bus.read(0x0c00_1000, 4, 0).expect("plic pending") & 2, 0);
    d.mmio_w(0x64, 1);
    assert_eq!(d.m.bus.read(0x0c00_1000, 4, 0).expect("plic pending") & 2, 0);
    let _ = std::fs::remove_file(&p);
}

// ---- the guest OS on this machine's disks ----

/// Runs the guest OS's usertests image on rvsim (virtio-blk disk 0, UART console),
/// directly (`-bios none`) or under OpenSBI. The image comes from `make os`.
fn usertests_on_rvsim(firmware: Option<&str>) {
    let img = common::root().join("target/fs-usertests.img");
    assert!(img.exists(), "{} is missing: run `make os`", img.display());
    let disk =
        std::env::temp_dir().join(format!("rvsim-plat-usertests-{}-{}.img", firmware.is_some(), std::process::id()));
    std::fs::copy(&img, &disk).expect("copy image");
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.attach_drive(&disk, false).expect("attach");
    match firmware {
        Some(fw) => {
            let fw = std::fs::read(fw).expect("read firmware");
            let kernel = std::fs::read(common::guest("kernel-sbi")).expect("read kernel-sbi");
            m.load_firmware(&fw, Some(&kernel)).expect("load");
        }
        None => m.load_elf(&std::fs::read(common::guest("kernel")).expect("read kernel")).expect("load"),
    }
    let outcome = m.run(Some(4_000_000_000), &mut NoTrace);
    let console = String::from_utf8_lossy(&m.bus.dev.uart.output).into_owned();
    let changed = std::fs::read(&disk).expect("read image") != std::fs::read(&img).expect("read image");
    let _ = std::fs::remove_file(&disk);
    let oks = console.lines().filter(|l| l.starts_with("test ") && l.ends_with(": OK")).count();
    assert!(console.contains("ALL TESTS PASSED"), "usertests did not pass:\n{console}");
    assert!(oks >= 24, "only {oks} tests reported OK");
    assert_eq!(outcome, Outcome::Exit(0), "{console}");
    assert!(changed, "usertests write files: the image must have changed");
    let reads = m.bus.dev.virtio[0].io_stats();
    assert!(reads.reads > 0 && reads.writes > 0, "{reads:?}");
}

/// (tests/os.rs runs the same image under OpenSBI and checks the file system afterwards;
/// this test checks the disk side: the image changed and the device served reads and
/// writes.)
#[test]
fn guest_os_usertests_pass_on_rvsim() {
    usertests_on_rvsim(None);
}

/// One QueueNotify serves requests only up to the device's per-slice budget; the rest are
/// served in later time slices, each of which pays one budget of the debt, so the host
/// work a guest store can cause is bounded (issue: 256 requests of 64 MiB per notify).
#[test]
fn virtio_serves_a_full_ring_in_bounded_slices() {
    use rvsim::devices::virtio::mmio::SLICE_BYTES;
    const MIB: u64 = 1 << 20;
    let p = std::env::temp_dir().join(format!("rvsim-plat-slices-{}.img", std::process::id()));
    std::fs::File::create(&p).and_then(|f| f.set_len(64 * MIB)).expect("sparse image");
    let mut m = Machine::new(MachineConfig { ram_size: 64 * MIB, ..Default::default() });
    m.attach_drive(&p, false).expect("attach");
    let mmio = 0x1000_1000u64;
    let w = |m: &mut Machine, off: u64, v: u64| m.bus.write(mmio + off, 4, v, 0).expect("mmio write");
    for v in [0, 1, 3] {
        w(&mut m, 0x70, v);
    }
    w(&mut m, 0x24, 1);
    w(&mut m, 0x20, 1); // VERSION_1
    w(&mut m, 0x70, 0xb);
    w(&mut m, 0x38, 32);
    let (desc, avail, used, hdr, data) =
        (RAM_BASE, RAM_BASE + 0x1000, RAM_BASE + 0x2000, RAM_BASE + 0x3000, RAM_BASE + MIB);
    for (off, a) in [(0x80, desc), (0x90, avail), (0xa0, used)] {
        w(&mut m, off, a);
        w(&mut m, off + 4, 0);
    }
    w(&mut m, 0x44, 1);
    w(&mut m, 0x70, 0xf);
    // Eight reads of 4 MiB, each a chain header -> data -> status, all made available at once.
    let req = 4 * MIB;
    let put = |m: &mut Machine, pa: u64, b: &[u8]| m.bus.ram.write_bytes(pa - RAM_BASE, b).expect("ram");
    for i in 0..8u64 {
        let (h, st, d) = (hdr + 32 * i, hdr + 32 * i + 16, data + req * i);
        put(&mut m, h, &[0u8; 16]);
        put(&mut m, h + 8, &(i * req / 512).to_le_bytes());
        let descs = [(h, 16u32, 1u16, 3 * i as u16 + 1), (d, req as u32, 3, 3 * i as u16 + 2), (st, 1, 2, 0)];
        for (k, (addr, len, flags, next)) in descs.into_iter().enumerate() {
            let mut e = addr.to_le_bytes().to_vec();
            e.extend_from_slice(&len.to_le_bytes());
            e.extend_from_slice(&flags.to_le_bytes());
            e.extend_from_slice(&next.to_le_bytes());
            put(&mut m, desc + 16 * (3 * i + k as u64), &e);
        }
        put(&mut m, avail + 4 + 2 * i, &((3 * i) as u16).to_le_bytes());
    }
    put(&mut m, avail + 2, &8u16.to_le_bytes());
    w(&mut m, 0x50, 0);
    let used_idx =
        |m: &Machine| u16::from_le_bytes(m.bus.ram.slice(used - RAM_BASE + 2, 2).expect("ram").try_into().unwrap());
    let per_slice = (SLICE_BYTES / req) as u16;
    assert_eq!(used_idx(&m), per_slice, "one notify serves one budget of requests");
    let mut slices = 0;
    while used_idx(&m) < 8 {
        m.bus.dev.poll(&mut m.bus.ram);
        slices += 1;
        assert!(used_idx(&m) <= per_slice * (slices + 1), "more than one budget per slice");
        assert!(slices < 100, "the held-back requests are never served");
    }
    assert_eq!(slices, 8 / per_slice - 1);
    let _ = std::fs::remove_file(&p);
}

#[test]
fn random_device_accesses_never_panic_the_host() {
    let (p, before) = image("fuzz", 8);
    let mut m = Machine::new(MachineConfig { harts: 2, ..Default::default() });
    m.bus.dev.uart.echo = false;
    m.attach_drive(&p, true).expect("attach");
    m.attach_drive(&p, true).expect("attach");
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let regions: [(u64, u64); 5] = [
        (0x0c00_0000, 0x60_0000),
        (0x1000_0000, 0x100),
        (0x1000_1000, 0x8000),
        (0x0200_0000, 0x1_0000),
        (RAM_BASE, 0x1_0000),
    ];
    for k in 0..300_000u64 {
        let r = next();
        let (base, len) = regions[(r % 5) as usize];
        // Bias towards the registers that exist.
        let off = if r & 0x100 != 0 { next() % len.min(0x200) } else { next() % len };
        let size = [1u8, 2, 4, 8][(r >> 9) as usize % 4];
        let pa = base + (off & !(size as u64 - 1));
        let v = if r & 0x800 != 0 { next() & 0xffff } else { next() };
        if r & 0x400 != 0 {
            let _ = m.bus.write(pa, size, v, k);
        } else {
            let _ = m.bus.read(pa, size, k);
        }
        // Keep rings pointed into the fuzzed RAM window now and then.
        if k % 1000 == 0 {
            for slot in 0..2u64 {
                let b = 0x1000_1000 + slot * 0x1000;
                let _ = m.bus.write(b + 0x70, 4, 0, k);
                let _ = m.bus.write(b + 0x24, 4, 1, k);
                let _ = m.bus.write(b + 0x20, 4, 1, k);
                let _ = m.bus.write(b + 0x70, 4, 0xb, k);
                let _ = m.bus.write(b + 0x80, 4, RAM_BASE + (next() % 0x1_0000), k);
                let _ = m.bus.write(b + 0x90, 4, RAM_BASE + (next() % 0x1_0000), k);
                let _ = m.bus.write(b + 0xa0, 4, RAM_BASE + (next() % 0x1_0000), k);
                let _ = m.bus.write(b + 0x38, 4, 1 << (next() % 11), k);
                let _ = m.bus.write(b + 0x70, 4, 0xf, k);
                let _ = m.bus.write(b + 0x44, 4, 1, k);
                let _ = m.bus.write(b + 0x50, 4, 0, k);
            }
        }
        m.bus.dev.poll(&mut m.bus.ram);
    }
    // The fuzzing reached the request path (some rings were rejected, some served).
    let v = &m.bus.dev.virtio;
    let (errors, served) =
        (v.iter().filter(|s| s.last_error.is_some()).count(), v[0].io_stats().reads + v[1].io_stats().reads);
    println!("virtio: {errors} slots saw ring errors, {served} reads served");
    assert!(errors > 0, "no malformed ring was ever processed");
    drop(m);
    assert_eq!(std::fs::read(&p).expect("read image"), before, "read-only image changed");
    let _ = std::fs::remove_file(&p);
}

// ---- the same programs on QEMU ----

/// Runs a bare-metal program on `qemu-system-riscv64 -machine virt -bios none` with
/// `extra` arguments; `None` when QEMU is not installed.
fn qemu(name: &str, extra: &[&str]) -> Option<(Option<i32>, String)> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("qemu-system-riscv64")
        .args(["-machine", "virt", "-bios", "none", "-nographic", "-kernel"])
        .arg(common::guest(name))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let t0 = std::time::Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let out = child.wait_with_output().ok()?;
            return Some((status.code(), String::from_utf8_lossy(&out.stdout).into_owned()));
        }
        if t0.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            return Some((None, "timeout".into()));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn plat_programs_agree_with_qemu() {
    if qemu("hello", &[]).is_none() {
        common::missing("qemu-system-riscv64 is not installed");
        return;
    }
    for (name, extra) in [("plat_timer", vec![]), ("plat_smp", vec!["-smp", "4"])] {
        let (code, out) = qemu(name, &extra).expect("qemu");
        assert_eq!(code, Some(0), "{name} on QEMU: {out}");
        let harts = if name == "plat_smp" { 4 } else { 1 };
        let ours = check(name, &RunOpts { harts, ..Default::default() });
        assert_eq!(ours.console.trim_end(), out.replace("\r\n", "\n").trim_end(), "{name}: console differs");
    }
    // virtio-blk: both machines must leave byte-identical images. QEMU 7.2 defaults to the
    // legacy transport and to the last slot, hence the extra options.
    let (a, _) = image("qemu-a", 64);
    let (b, _) = image("qemu-b", 64);
    let drive = format!("file={},if=none,format=raw,id=d0", b.display());
    let args = [
        "-global",
        "virtio-mmio.force-legacy=false",
        "-drive",
        &drive,
        "-device",
        "virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0",
    ];
    let (code, out) = qemu("plat_virtio_blk", &args).expect("qemu");
    assert_eq!(code, Some(0), "plat_virtio_blk on QEMU: {out}");
    // The unread THR-empty interrupt: QEMU takes it once and reaches the disk, as we do.
    let (c, _) = image("qemu-thre", 8);
    let drive_c = format!("file={},if=none,format=raw,id=d0", c.display());
    let args_c = [args[0], args[1], args[2], &drive_c, args[4], args[5]];
    let (code, out_c) = qemu("plat_thre_unread", &args_c).expect("qemu");
    let _ = std::fs::remove_file(&c);
    assert_eq!(code, Some(0), "plat_thre_unread on QEMU: {out_c}");
    assert!(out_c.contains("1 UART interrupts, 1 disk interrupts"), "plat_thre_unread on QEMU: {out_c}");
    check("plat_virtio_blk", &RunOpts { drives: vec![(a.clone(), false)], ..Default::default() });
    let (ia, ib) = (std::fs::read(&a).expect("read"), std::fs::read(&b).expect("read"));
    let _ = (std::fs::remove_file(&a), std::fs::remove_file(&b));
    assert!(ia == ib, "images differ between rvsim and QEMU");
}

/// The `rvsim` binary `make test` builds (the tests above run the library; this one needs
/// the front end's stdout and signal handling).
fn rvsim_binary() -> Option<PathBuf> {
    let p = common::root().join("target/release/rvsim");
    if p.exists() {
        Some(p)
    } else {
        common::missing(&format!("{} not built (`make emulator`)", p.display()));
        None
    }
}

/// A prompt without a newline (xv6's `$ `) reaches stdout while the guest waits for
/// input, and SIGTERM ends the run at a time slice with --stats printed and status
/// 128 + 15 (docs/platform.md, "xv6"). Before, the prompt stayed in stdout's line buffer
/// and SIGTERM killed rvsim with the buffer and the statistics lost.
#[test]
fn prompt_without_newline_reaches_stdout_and_sigterm_reports_stats() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let Some(bin) = rvsim_binary() else { return };
    let elf = common::guest("plat_uart_prompt");
    let mut child = Command::new(bin)
        .args(["run", "--stats"])
        .arg(&elf)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rvsim");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
            if got.ends_with(b"$ ") {
                let _ = tx.send(());
            }
        }
    });
    let prompt = rx.recv_timeout(std::time::Duration::from_secs(30)).is_ok();
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait for rvsim");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(prompt, "no `$ ` on stdout within 30 s while the guest waits; stderr: {stderr}");
    assert_eq!(out.status.code(), Some(128 + 15), "stderr: {stderr}");
    assert!(stderr.contains("stopped by signal 15"), "{stderr}");
    assert!(stderr.contains("instructions in"), "--stats not printed: {stderr}");
}
