//! Starting inputs for each target, built from the layouts the targets read: a fuzzer
//! starts from these (with `make fuzz-cov`), and the regression test runs them too.

use crate::elf_image::{elf, Segment};
use rvsim::machine::{Machine, MachineConfig};

/// Named seed inputs of target `name` (empty for an unknown name).
pub fn seeds(name: &str) -> Vec<(String, Vec<u8>)> {
    match name {
        "elf" => elf_seeds(),
        "boot" => boot_seeds(),
        "exec" => exec_seeds(),
        "virtio" => virtio_seeds(),
        "gdb" => gdb_seeds(),
        _ => Vec::new(),
    }
}

fn elf_seeds() -> Vec<(String, Vec<u8>)> {
    let code = [0x13u8, 0, 0, 0, 0x73, 0, 0x10, 0];
    let data = [1u8; 32];
    let one = elf(0x8000_0000, &[Segment { paddr: 0x8000_0000, data: &code, memsz: 8 }], &[("_start", 0x8000_0000)]);
    let two = elf(
        0x8000_0000,
        &[
            Segment { paddr: 0x8000_0000, data: &code, memsz: 0x100 },
            Segment { paddr: 0x8000_2000, data: &data, memsz: 0x1000 },
        ],
        &[
            ("tohost", 0x8000_2000),
            ("fromhost", 0x8000_2008),
            ("begin_signature", 0x8000_2010),
            ("end_signature", 0x8000_2020),
        ],
    );
    vec![("one-segment".into(), one), ("two-segments-htif".into(), two)]
}

/// The device tree rvsim generates for a 1 MiB machine, as a `--dtb` to patch.
fn generated_dtb() -> Vec<u8> {
    let code = [0x13u8, 0, 0, 0];
    let img = elf(0x8000_0000, &[Segment { paddr: 0x8000_0000, data: &code, memsz: 4 }], &[]);
    let mut m = Machine::new(MachineConfig { ram_size: 1 << 20, ..Default::default() });
    m.load_elf(&img).map(|_| m.dtb).unwrap_or_default()
}

fn boot_seeds() -> Vec<(String, Vec<u8>)> {
    let dtb = generated_dtb();
    let header = |flags: u8, ram: u8, at: u32, klen: u32, ilen: u32, args: &[u8]| {
        let mut v = vec![flags, ram];
        v.extend_from_slice(&at.to_le_bytes());
        v.extend_from_slice(&klen.to_le_bytes());
        v.extend_from_slice(&ilen.to_le_bytes());
        v.extend_from_slice(&(2 * klen as u64).to_le_bytes()); // image_size: bss as large as the file
        v.push(args.len() as u8);
        v.extend_from_slice(args);
        v
    };
    let with_dtb = |mut v: Vec<u8>| {
        v.extend_from_slice(&dtb);
        v
    };
    vec![
        ("kernel-initrd-dtb".into(), with_dtb(header(0x1c, 63, 0x20_0000, 0x1000, 0x2000, b"console=ttyS0"))),
        ("firmware-raw-kernel-header".into(), with_dtb(header(0x3d, 127, 0, 0x4000, 0x100, b"root=/dev/vda"))),
        ("firmware-elf-kernel".into(), header(0x0e, 31, 0x20_0000, 0x100, 0x100, b"quiet")),
        ("firmware-only-dtb".into(), with_dtb(header(0x13, 15, 0, 0, 0, b""))),
    ]
}

/// A few real instructions of each kind the executor has: ALU, M, loads and stores
/// (through registers that point at data, page tables and devices), AMOs, LR/SC, F/D,
/// CSRs, fences, SFENCE.VMA, ecall/ebreak, xRET, WFI, compressed forms.
const PROGRAM: [u32; 24] = [
    0x0015_0513, // addi a0,a0,1
    0x02b5_0533, // mul a0,a0,a1
    0x0002_b503, // ld a0,0(t0)
    0x00a3_3023, // sd a0,0(t1)
    0x0003_a583, // lw a1,0(t2)
    0x00b4_2023, // sw a1,0(s0)
    0x00b4_b02f, // amoadd.d zero,a1,(s1)
    0x1004_b52f, // lr.d a0,(s1)
    0x18b4_b62f, // sc.d a2,a1,(s1)
    0x0002_b007, // fld ft0,0(t0)
    0x0200_7053, // fadd.d ft0,ft0,ft0
    0x1800_2573, // csrr a0,satp
    0x3000_2573, // csrr a0,mstatus
    0x1405_1073, // csrw sscratch,a0
    0x0ff0_000f, // fence
    0x0000_100f, // fence.i
    0x1200_0073, // sfence.vma
    0x0000_0073, // ecall
    0x0010_0073, // ebreak
    0x1020_0073, // sret
    0x3020_0073, // mret
    0x1050_0073, // wfi
    0x4501_0505, // c.addi a0,1; c.li a0,0
    0x0000_0000, // illegal (all zeros)
];

fn exec_seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let words: Vec<u8> = PROGRAM.iter().flat_map(|w| w.to_le_bytes()).collect();
    for (name, mode, trap) in [
        ("m-bare", 0x00u8, 0x00u8),
        ("s-sv39", 0x05, 0x01),
        ("u-sv39-sum", 0x26, 0x01),
        ("u-sv48", 0x0a, 0x00),
        ("s-sv57-svade", 0x0d, 0x21),
        ("m-mprv-sv39", 0x14, 0x40),
    ] {
        let mut v = vec![mode, trap, 0x25, 0, 1];
        // One fuzzed PTE: a second 4 KiB leaf in the level-0 table.
        v.extend_from_slice(&(4u16 * 512 + 1).to_le_bytes());
        v.extend_from_slice(&(((0x8031_0000u64 >> 12) << 10) | 0xcf).to_le_bytes());
        // x1..x31: t0/t1/t2 at data, s0 at a device, s1 at data, the rest mixed.
        for r in 1..32u16 {
            let sel = match r {
                5..=7 | 9 => 0,
                8 => (2 << 14) | 2,
                _ => ((r % 4) << 14) | (r * 8),
            };
            v.extend_from_slice(&sel.to_le_bytes());
        }
        v.extend_from_slice(&words);
        out.push((name.to_string(), v));
    }
    out
}

/// One virtio-blk request in a queue of 8: ring layout as in [`crate::virtio`].
fn virtio_request(ty: u32, sector: u64, data_len: u32, device_writes: bool) -> Vec<u8> {
    const RAM: u64 = rvsim::bus::RAM_BASE;
    let (desc, avail, used, hdr, data, status) = (0x40u64, 0x100u64, 0x140u64, 0x180u64, 0x200u64, 0x400u64);
    let mut v = vec![3u8]; // QueueSize 8
    for off in [desc, avail, used] {
        v.extend_from_slice(&((off / 16) as u16).to_le_bytes());
    }
    v.push(0); // no extra register writes
    let mut ram = vec![0u8; status as usize + 1];
    let put = |ram: &mut Vec<u8>, at: u64, b: &[u8]| ram[at as usize..at as usize + b.len()].copy_from_slice(b);
    let descr = |addr: u64, len: u32, flags: u16, next: u16| {
        let mut d = addr.to_le_bytes().to_vec();
        d.extend_from_slice(&len.to_le_bytes());
        d.extend_from_slice(&flags.to_le_bytes());
        d.extend_from_slice(&next.to_le_bytes());
        d
    };
    let data_flags = if device_writes { 1 | 2 } else { 1 };
    put(&mut ram, desc, &descr(RAM + hdr, 16, 1, 1));
    put(&mut ram, desc + 16, &descr(RAM + data, data_len, data_flags, 2));
    put(&mut ram, desc + 32, &descr(RAM + status, 1, 2, 0));
    put(&mut ram, avail + 2, &1u16.to_le_bytes()); // idx 1, ring[0] = 0
    put(&mut ram, hdr, &ty.to_le_bytes());
    put(&mut ram, hdr + 8, &sector.to_le_bytes());
    v.extend_from_slice(&ram);
    v
}

fn virtio_seeds() -> Vec<(String, Vec<u8>)> {
    vec![
        ("read".into(), virtio_request(0, 1, 512, true)),
        ("write".into(), virtio_request(1, 2, 512, false)),
        ("flush".into(), virtio_request(4, 0, 0, false)),
        ("get-id".into(), virtio_request(8, 0, 20, true)),
        ("read-past-end".into(), virtio_request(0, 15, 1024, true)),
    ]
}

/// `$payload#checksum` (GDB remote protocol, "Overview").
fn packet(payload: &str) -> Vec<u8> {
    let sum = payload.bytes().fold(0u8, |s, b| s.wrapping_add(b));
    format!("${payload}#{sum:02x}").into_bytes()
}

fn gdb_seeds() -> Vec<(String, Vec<u8>)> {
    let session = |payloads: &[&str]| -> Vec<u8> {
        let mut v = b"+".to_vec();
        for p in payloads {
            if *p == "\x03" {
                v.push(3);
            } else {
                v.extend(packet(p));
                v.push(b'+');
            }
        }
        v
    };
    vec![
        (
            "attach-read".into(),
            session(&[
                "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=riscv",
                "qXfer:features:read:target.xml:0,ffb",
                "?",
                "Hg0",
                "g",
                "p20",
                "m80000000,40",
                "qfThreadInfo",
                "qsThreadInfo",
            ]),
        ),
        ("write-regs-mem".into(), session(&["?", "P1=0400008000000000", "M80000100,4:01020304", "X80000200,0:", "g"])),
        ("break-continue".into(), session(&["?", "Z0,80000004,4", "vCont;c", "z0,80000004,4", "vCont;s:1", "c"])),
        ("watch-interrupt".into(), session(&["?", "Z2,80000100,8", "Z3,80000100,8", "c", "\x03", "s", "D"])),
        ("step-kill".into(), session(&["?", "vCont?", "vCont;s:2;c", "T1", "qC", "k"])),
    ]
}

#[cfg(test)]
mod tests {
    use super::seeds;

    fn seed(target: &str, name: &str) -> Vec<u8> {
        seeds(target).into_iter().find(|s| s.0 == name).map(|s| s.1).expect("seed exists")
    }

    #[test]
    fn virtio_seeds_complete_their_request() {
        let used_idx = |ram: &rvsim::ram::Ram| ram.slice(0x142, 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        let status = |ram: &rvsim::ram::Ram| ram.slice(0x400, 1).map(|b| b[0]);
        for (name, want) in [("read", 0), ("write", 0), ("flush", 0), ("get-id", 0), ("read-past-end", 1)] {
            let (ram, v) = crate::virtio::drive(&seed("virtio", name)).expect("temporary directory");
            assert_eq!(used_idx(&ram), Some(1), "{name}: one request used");
            assert_eq!(status(&ram), Some(want), "{name}: status byte");
            assert_eq!(v.last_error, None, "{name}");
        }
    }

    #[test]
    fn gdb_seeds_get_answers_and_stops() {
        let r = crate::gdb::session(&seed("gdb", "break-continue"));
        let text = String::from_utf8_lossy(&r.bytes);
        assert!(text.contains("$T05") || text.contains("$S05"), "a breakpoint stop: {text}");
        let r = crate::gdb::session(&seed("gdb", "attach-read"));
        let text = String::from_utf8_lossy(&r.bytes);
        assert!(text.contains("<target"), "target description sent: {text}");
    }

    #[test]
    fn exec_seeds_run_in_their_mode_with_paging() {
        for name in ["s-sv39", "u-sv39-sum", "u-sv48", "s-sv57-svade"] {
            let m = crate::exec::machine_after(&seed("exec", name));
            let h = &m.cores[0].hart;
            assert!(h.retired > 100, "{name}: {} retired", h.retired);
            assert_ne!(h.csr.satp >> 60, 0, "{name}: paging on");
        }
    }

    #[test]
    fn every_target_has_seeds_and_they_run() {
        for t in crate::TARGETS {
            let seeds = super::seeds(t.name);
            assert!(!seeds.is_empty(), "{}", t.name);
            for (_, s) in seeds {
                (t.run)(&s);
            }
        }
    }
}
