//! Target `boot`: the boot files a user hands over: `--dtb` (validated, `/chosen`
//! patched, written back), `--initrd` (placed after the kernel, checked against RAM,
//! kernel and DTB), `--append`, with an ELF or raw kernel and an optional raw firmware,
//! over RAM sizes from 256 KiB to 32 MiB.
//!
//! Layout of the input (missing bytes read as zero):
//! ```text
//!   flags u8     bits 0-1: -kernel ELF | -bios RAW -kernel RAW | -bios RAW -kernel ELF |
//!                -bios RAW; bit 2 --append, bit 3 --initrd, bit 4 --dtb, bit 5 Linux
//!                image header on the raw kernel
//!   ram u8       RAM = (b + 1) * 256 KiB
//!   at u32       the kernel's address: RAM_BASE + (at as i32) (so also below RAM)
//!   klen u32     kernel memory size (ELF memsz, raw length; at most 16 MiB of bytes)
//!   ilen u32     initrd length (at most 16 MiB)
//!   isize u64    `image_size` of the raw kernel's Linux image header (with bit 5)
//!   alen u8      then alen bytes of bootargs
//!   dtb          the rest
//! ```

use crate::elf_image::{elf, Segment};
use crate::input::Input;
use rvsim::bus::RAM_BASE;
use rvsim::devices::fdt::edit;
use rvsim::machine::{Machine, MachineConfig, KERNEL_BASE};

/// Largest kernel or initrd the harness materialises (bigger ones are cut to this).
const MAX_FILE: u32 = 16 << 20;

/// Boots (sets up, does not run) the machine `data` describes.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let flags = inp.u8();
    let ram_size = (inp.u8() as u64 + 1) << 18;
    let at = RAM_BASE.wrapping_add(inp.u32() as i32 as i64 as u64);
    let klen = inp.u32().min(MAX_FILE);
    let ilen = inp.u32().min(MAX_FILE);
    let image_size = inp.u64();
    let alen = inp.u8() as usize;
    let bootargs = inp.bytes(alen);
    let dtb = inp.rest();

    let mut m = Machine::new(MachineConfig { ram_size, ..Default::default() });
    if flags & 4 != 0 {
        m.boot.bootargs = Some(String::from_utf8_lossy(bootargs).into_owned());
    }
    if flags & 8 != 0 {
        m.boot.initrd = Some(vec![0x5a; ilen as usize]);
    }
    if flags & 16 != 0 {
        m.boot.dtb = Some(dtb.to_vec());
    }
    let code = [0x13u8, 0, 0, 0];
    let elf_kernel = || elf(at, &[Segment { paddr: at, data: &code, memsz: klen as u64 }], &[]);
    let raw_kernel = || {
        let mut k = vec![0u8; (klen as usize).max(64)];
        if flags & 32 != 0 {
            // RISC-V Linux image header: image_size at 16, magic "RSC\x05" at 56.
            k[16..24].copy_from_slice(&image_size.to_le_bytes());
            k[56..60].copy_from_slice(b"RSC\x05");
        }
        k
    };
    let firmware = [0x73u8, 0, 0x50, 0x10]; // wfi
    let result = match flags & 3 {
        0 => m.load_kernel(&elf_kernel()),
        1 => m.load_firmware(&firmware, Some(&raw_kernel())),
        2 => m.load_firmware(&firmware, Some(&elf_kernel())),
        _ => m.load_firmware(&firmware, None),
    };
    if result.is_err() {
        return;
    }
    // What was set up is consistent: the DTB and the initrd lie in RAM, apart.
    let ram_end = RAM_BASE + ram_size;
    assert!(m.dtb_addr >= RAM_BASE && m.dtb_addr + m.dtb.len() as u64 <= ram_end, "DTB outside RAM");
    if let Some((start, end)) = m.initrd {
        assert!(start >= RAM_BASE && start <= end && end <= m.dtb_addr, "initrd {start:#x}..{end:#x} misplaced");
        // Nor over the kernel: a raw one spans its file or its header's image_size,
        // whichever is larger (an ELF one is checked by its segments the same way).
        if flags & 3 == 1 {
            let len = (klen as u64).max(64);
            let extent = if flags & 32 != 0 { len.max(image_size) } else { len };
            let (low, high) = (KERNEL_BASE, KERNEL_BASE.saturating_add(extent));
            assert!(end <= low || start >= high, "initrd {start:#x}..{end:#x} over the kernel {low:#x}..{high:#x}");
        }
    }
    // The DTB handed to the guest reads back, with what was patched into /chosen.
    let tree = edit::parse(&m.dtb).unwrap_or_else(|e| panic!("the DTB rvsim wrote does not parse: {e}"));
    if let (Some(args), Some(chosen)) = (&m.boot.bootargs, tree.root.child("chosen")) {
        assert_eq!(chosen.prop("bootargs"), Some(&[args.as_bytes(), &[0]].concat()[..]));
    }
    if m.boot.dtb.is_some() {
        // A given tree survives the round trip (parse, write, parse) unchanged.
        let given = edit::parse(m.boot.dtb.as_deref().unwrap_or_default()).expect("it was accepted");
        let again = edit::parse(&given.to_blob().expect("it was written once")).expect("written blobs parse");
        assert_eq!(again.root, given.root, "round trip changed the tree");
    }
}
