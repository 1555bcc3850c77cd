//! Reading a device tree blob given on the command line (`--dtb`) into a tree, setting
//! `/chosen` properties in it, and writing it back out, as QEMU patches a `-dtb` blob
//! (hw/riscv/virt.c `create_fdt`, hw/riscv/boot.c `riscv_load_kernel`).
//!
//! The blob layout is the Devicetree Specification v0.4, chapter 5 (header, memory
//! reservation block, structure block of tokens, strings block). Every offset and length
//! is checked: a malformed blob is an error, never a panic.

use vm_fdt::{FdtReserveEntry, FdtWriter};

/// `0xd00dfeed`, big-endian at offset 0 (DT spec 5.2).
pub const MAGIC: u32 = 0xd00d_feed;
/// Size of the version-17 header.
const HEADER_LEN: usize = 40;
/// Deepest node nesting accepted (Linux's unflattening stops at 64 too:
/// drivers/of/fdt.c `FDT_MAX_DEPTH`); it bounds the recursion that writes the tree out.
const MAX_DEPTH: usize = 64;

const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;

/// Why a blob cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DtbError {
    #[error("not a device tree blob: {0} bytes, shorter than the 40-byte header")]
    Short(usize),
    #[error("not a device tree blob: magic {0:#010x}, expected 0xd00dfeed")]
    Magic(u32),
    #[error("device tree header says totalsize {total} bytes but the file has {len}")]
    TotalSize { total: usize, len: usize },
    #[error("device tree version {version} (last compatible {last_comp}) is not 16 or 17")]
    Version { version: u32, last_comp: u32 },
    #[error("device tree {0} block lies outside the blob")]
    Block(&'static str),
    #[error("malformed device tree structure block at offset {0:#x}")]
    Structure(usize),
    #[error("device tree nodes nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("cannot write the device tree: {0}")]
    Write(String),
}

/// One node: its name (unit address included), properties in order, children.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub props: Vec<(String, Vec<u8>)>,
    pub children: Vec<Node>,
}

impl Node {
    /// Sets property `name` (replacing an existing one in place).
    pub fn set(&mut self, name: &str, value: Vec<u8>) {
        match self.props.iter_mut().find(|(n, _)| n == name) {
            Some(p) => p.1 = value,
            None => self.props.push((name.to_string(), value)),
        }
    }

    /// The child named `name`, created empty at the end when missing.
    pub fn child_mut(&mut self, name: &str) -> &mut Node {
        let i = match self.children.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => {
                self.children.push(Node { name: name.to_string(), ..Node::default() });
                self.children.len() - 1
            }
        };
        &mut self.children[i]
    }

    /// The value of property `name`.
    pub fn prop(&self, name: &str) -> Option<&[u8]> {
        self.props.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// The child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// A whole blob: memory reservations, the boot CPU and the root node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dtb {
    pub reservations: Vec<(u64, u64)>,
    pub boot_cpuid: u32,
    pub root: Node,
}

fn be32(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(off..off.checked_add(4)?)?.try_into().ok()?))
}

fn be64(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(off..off.checked_add(8)?)?.try_into().ok()?))
}

/// The NUL-terminated string at `off` in `b`.
fn cstr(b: &[u8], off: usize) -> Option<&str> {
    let rest = b.get(off..)?;
    let end = rest.iter().position(|&c| c == 0)?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// Checks the header of `blob` (magic, totalsize within the file, version) and returns
/// the blob's own length (`totalsize`).
pub fn check_header(blob: &[u8]) -> Result<usize, DtbError> {
    if blob.len() < HEADER_LEN {
        return Err(DtbError::Short(blob.len()));
    }
    let word = |i: usize| be32(blob, 4 * i).unwrap_or(0);
    if word(0) != MAGIC {
        return Err(DtbError::Magic(word(0)));
    }
    let total = word(1) as usize;
    if total > blob.len() || total < HEADER_LEN {
        return Err(DtbError::TotalSize { total, len: blob.len() });
    }
    let (version, last_comp) = (word(5), word(6));
    if version < 16 || last_comp > 17 {
        return Err(DtbError::Version { version, last_comp });
    }
    Ok(total)
}

/// Parses a blob (DT spec 5.2-5.5).
pub fn parse(file: &[u8]) -> Result<Dtb, DtbError> {
    let total = check_header(file)?;
    let blob = &file[..total];
    let word = |i: usize| be32(blob, 4 * i).unwrap_or(0) as usize;
    let (off_struct, off_strings, off_rsv) = (word(2), word(3), word(4));
    let size_strings = word(8);
    let strings = off_strings
        .checked_add(size_strings)
        .and_then(|end| blob.get(off_strings..end))
        .ok_or(DtbError::Block("strings"))?;
    // Memory reservation block: (address, size) pairs up to a (0, 0) entry.
    let mut reservations = Vec::new();
    let mut at = off_rsv;
    loop {
        let (a, s) = match (be64(blob, at), be64(blob, at.wrapping_add(8))) {
            (Some(a), Some(s)) if at >= HEADER_LEN && at % 8 == 0 => (a, s),
            _ => return Err(DtbError::Block("memory reservation")),
        };
        if a == 0 && s == 0 {
            break;
        }
        reservations.push((a, s));
        at += 16;
    }
    if off_struct >= blob.len() || off_struct % 4 != 0 {
        return Err(DtbError::Block("structure"));
    }
    let mut p = off_struct;
    let bad = |p: usize| DtbError::Structure(p);
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        let token = be32(blob, p).ok_or(bad(p))?;
        let here = p;
        p += 4;
        match token {
            FDT_BEGIN_NODE => {
                if root.is_some() {
                    return Err(bad(here));
                }
                let name = cstr(blob, p).ok_or(bad(here))?;
                p = (p + name.len() + 1 + 3) & !3;
                if stack.len() >= MAX_DEPTH {
                    return Err(DtbError::TooDeep);
                }
                stack.push(Node { name: name.to_string(), ..Node::default() });
            }
            FDT_END_NODE => {
                let node = stack.pop().ok_or(bad(here))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            FDT_PROP => {
                let len = be32(blob, p).ok_or(bad(here))? as usize;
                let nameoff = be32(blob, p + 4).ok_or(bad(here))? as usize;
                let value = blob.get(p + 8..(p + 8).checked_add(len).ok_or(bad(here))?).ok_or(bad(here))?;
                let name = cstr(strings, nameoff).ok_or(bad(here))?;
                stack.last_mut().ok_or(bad(here))?.props.push((name.to_string(), value.to_vec()));
                p = (p + 8 + len + 3) & !3;
            }
            FDT_NOP => {}
            FDT_END => break,
            _ => return Err(bad(here)),
        }
    }
    if !stack.is_empty() {
        return Err(bad(p));
    }
    let root = root.ok_or(bad(off_struct))?;
    Ok(Dtb { reservations, boot_cpuid: word(7) as u32, root })
}

impl Dtb {
    /// `/chosen`, created when missing.
    pub fn chosen_mut(&mut self) -> &mut Node {
        self.root.child_mut("chosen")
    }

    /// Writes the tree as a version-17 blob.
    pub fn to_blob(&self) -> Result<Vec<u8>, DtbError> {
        let err = |e: vm_fdt::Error| DtbError::Write(e.to_string());
        let rsv: Vec<FdtReserveEntry> = self
            .reservations
            .iter()
            .filter(|r| r.1 != 0)
            .map(|&(a, s)| FdtReserveEntry::new(a, s))
            .collect::<Result<_, _>>()
            .map_err(err)?;
        let mut f = FdtWriter::new_with_mem_reserv(&rsv).map_err(err)?;
        f.set_boot_cpuid_phys(self.boot_cpuid);
        write_node(&mut f, &self.root).map_err(err)?;
        f.finish().map_err(err)
    }
}

fn write_node(f: &mut FdtWriter, n: &Node) -> Result<(), vm_fdt::Error> {
    let h = f.begin_node(&n.name)?;
    for (name, value) in &n.props {
        f.property(name, value)?;
    }
    for c in &n.children {
        write_node(f, c)?;
    }
    f.end_node(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut f = FdtWriter::new_with_mem_reserv(&[FdtReserveEntry::new(0x8000_0000, 0x1000).unwrap()]).unwrap();
        let r = f.begin_node("").unwrap();
        f.property_u32("#address-cells", 2).unwrap();
        let c = f.begin_node("cpus").unwrap();
        f.property_string("compatible", "riscv").unwrap();
        f.end_node(c).unwrap();
        f.end_node(r).unwrap();
        f.finish().unwrap()
    }

    #[test]
    fn round_trip_and_chosen_patch() {
        let blob = sample();
        let mut t = parse(&blob).unwrap();
        assert_eq!(t.reservations, vec![(0x8000_0000, 0x1000)]);
        assert_eq!(t.root.child("cpus").unwrap().prop("compatible"), Some(&b"riscv\0"[..]));
        assert_eq!(parse(&t.to_blob().unwrap()).unwrap(), t);
        t.chosen_mut().set("bootargs", b"console=ttyS0\0".to_vec());
        t.chosen_mut().set("bootargs", b"quiet\0".to_vec());
        let again = parse(&t.to_blob().unwrap()).unwrap();
        assert_eq!(again.root.child("chosen").unwrap().props, vec![("bootargs".to_string(), b"quiet\0".to_vec())]);
    }

    #[test]
    fn malformed_blobs_are_errors() {
        let blob = sample();
        assert_eq!(check_header(&blob[..10]), Err(DtbError::Short(10)));
        let mut m = blob.clone();
        m[0] = 0;
        assert!(matches!(check_header(&m), Err(DtbError::Magic(_))));
        assert!(matches!(check_header(&blob[..blob.len() - 1]), Err(DtbError::TotalSize { .. })));
        // Every truncation of the structure block, and every corrupted byte, is an error
        // or a tree, never a panic.
        for i in 40..blob.len() {
            let mut c = blob.clone();
            c[i] ^= 0xff;
            if let Ok(t) = parse(&c) {
                let _ = t.to_blob();
            }
        }
    }

    /// A blob around `structure` (tokens), with no reservations and no strings.
    fn raw_blob(structure: &[u8]) -> Vec<u8> {
        let total = 56 + structure.len();
        let header = [MAGIC, total as u32, 56, total as u32, 40, 17, 16, 0, 0, structure.len() as u32];
        let mut b: Vec<u8> = header.iter().flat_map(|w| w.to_be_bytes()).collect();
        b.extend_from_slice(&[0; 16]);
        b.extend_from_slice(structure);
        b
    }

    #[test]
    fn deep_nesting_is_refused() {
        let tokens = |depth: usize| -> Vec<u8> {
            let mut t = Vec::new();
            for _ in 0..depth {
                t.extend_from_slice(&FDT_BEGIN_NODE.to_be_bytes());
                t.extend_from_slice(&[0; 4]); // empty name, padded
            }
            for _ in 0..depth {
                t.extend_from_slice(&FDT_END_NODE.to_be_bytes());
            }
            t.extend_from_slice(&FDT_END.to_be_bytes());
            t
        };
        assert!(parse(&raw_blob(&tokens(MAX_DEPTH))).is_ok());
        assert_eq!(parse(&raw_blob(&tokens(MAX_DEPTH + 1))), Err(DtbError::TooDeep));
        assert_eq!(parse(&raw_blob(&tokens(100_000))), Err(DtbError::TooDeep));
    }
}
