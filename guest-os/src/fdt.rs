//! A minimal flattened-device-tree reader (Devicetree Specification v0.4, chapter 5):
//! finds the RAM size (`/memory@.../reg`), the timer frequency
//! (`/cpus/timebase-frequency`), whether the first CPU has Sstc (`riscv,isa`) and the
//! kernel command line (`/chosen/bootargs`). The blob is read through a bounds-checked slice, so a
//! missing or corrupt DTB yields `None`, never a fault.

/// What the kernel wants from the device tree.
#[derive(Clone, Copy, Debug)]
pub struct BootInfo {
    pub ram_base: u64,
    pub ram_size: u64,
    pub timebase: u64,
    /// The first CPU's `riscv,isa` names the Sstc extension.
    pub sstc: bool,
    /// `/chosen/bootargs` (truncated to 128 bytes).
    pub bootargs: [u8; 128],
    pub bootargs_len: usize,
}

impl BootInfo {
    /// Defaults when there is no device tree.
    pub const fn fallback() -> BootInfo {
        BootInfo {
            ram_base: abi::mmio::RAM,
            ram_size: 128 << 20,
            timebase: 10_000_000,
            sstc: false,
            bootargs: [0; 128],
            bootargs_len: 0,
        }
    }

    /// The command line.
    pub fn bootargs(&self) -> &[u8] {
        &self.bootargs[..self.bootargs_len]
    }

    /// Does the command line contain the word `w`?
    pub fn has_arg(&self, w: &[u8]) -> bool {
        self.bootargs().split(|&c| c == b' ').any(|a| a == w)
    }
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
    let mut info = BootInfo { ram_base: 0, ram_size: 0, ..BootInfo::fallback() };
    let mut in_cpu0 = false;
    let mut in_chosen = false;
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
                    in_chosen = name == b"chosen";
                }
                if depth == 3 && in_cpus && (name == b"cpu@0" || name == b"cpu") {
                    in_cpu0 = true;
                }
            }
            FDT_END_NODE => {
                if depth == 2 {
                    in_memory = false;
                    in_cpus = false;
                    in_chosen = false;
                }
                if depth == 3 {
                    in_cpu0 = false;
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
                if depth == 3 && in_cpu0 && pname == b"riscv,isa" {
                    let isa = val.split(|&c| c == 0).next().unwrap_or(&[]);
                    info.sstc = isa.split(|&c| c == b'_').any(|e| e == b"sstc");
                }
                if depth == 2 && in_chosen && pname == b"bootargs" {
                    let s = val.split(|&c| c == 0).next().unwrap_or(&[]);
                    let n = s.len().min(info.bootargs.len());
                    info.bootargs[..n].copy_from_slice(&s[..n]);
                    info.bootargs_len = n;
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
