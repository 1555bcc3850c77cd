//! A minimal flattened-device-tree reader (Devicetree Specification v0.4, chapter 5):
//! finds the RAM size (`/memory@.../reg`) and the timer frequency
//! (`/cpus/timebase-frequency`). The blob is read through a bounds-checked slice, so a
//! missing or corrupt DTB yields `None`, never a fault.

/// What the kernel wants from the device tree.
#[derive(Clone, Copy, Debug)]
pub struct BootInfo {
    pub ram_base: u64,
    pub ram_size: u64,
    pub timebase: u64,
}

const FDT_MAGIC: u32 = 0xd00d_feed;
const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;

fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn cstr(b: &[u8], off: usize) -> Option<&[u8]> {
    let s = b.get(off..)?;
    let n = s.iter().position(|&c| c == 0)?;
    Some(&s[..n])
}

/// Parses the blob in `dtb` (which may be longer than the tree).
pub fn parse(dtb: &[u8]) -> Option<BootInfo> {
    if be32(dtb, 0)? != FDT_MAGIC {
        return None;
    }
    let total = be32(dtb, 4)? as usize;
    let dtb = dtb.get(..total)?;
    let off_struct = be32(dtb, 8)? as usize;
    let off_strings = be32(dtb, 12)? as usize;
    let mut info = BootInfo { ram_base: 0, ram_size: 0, timebase: 10_000_000 };
    let mut depth = 0usize;
    // Name of the node at depth 1 we are in (memory / cpus).
    let mut in_memory = false;
    let mut in_cpus = false;
    let mut p = off_struct;
    loop {
        let tok = be32(dtb, p)?;
        p += 4;
        match tok {
            FDT_BEGIN_NODE => {
                let name = cstr(dtb, p)?;
                p = (p + name.len() + 1 + 3) & !3;
                depth += 1;
                if depth == 2 {
                    in_memory = name.starts_with(b"memory");
                    in_cpus = name == b"cpus";
                }
            }
            FDT_END_NODE => {
                if depth == 2 {
                    in_memory = false;
                    in_cpus = false;
                }
                depth = depth.checked_sub(1)?;
            }
            FDT_PROP => {
                let len = be32(dtb, p)? as usize;
                let nameoff = be32(dtb, p + 4)? as usize;
                let val = dtb.get(p + 8..p + 8 + len)?;
                p = (p + 8 + len + 3) & !3;
                let pname = cstr(dtb, off_strings + nameoff)?;
                if depth == 2 && in_memory && pname == b"reg" && len >= 16 && info.ram_size == 0 {
                    let w = |i| be32(val, i).map(|v| v as u64);
                    info.ram_base = (w(0)? << 32) | w(4)?;
                    info.ram_size = (w(8)? << 32) | w(12)?;
                }
                if depth == 2 && in_cpus && pname == b"timebase-frequency" && len >= 4 {
                    info.timebase = be32(val, 0)? as u64;
                }
            }
            FDT_NOP => {}
            FDT_END => break,
            _ => return None,
        }
    }
    if info.ram_size == 0 {
        return None;
    }
    Some(info)
}
