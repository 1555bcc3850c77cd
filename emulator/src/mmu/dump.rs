//! Page-table dump: every valid PTE reachable from a `satp` value, as a tree (level,
//! index, PTE address and value, flags, and for leaves the virtual range and the physical
//! address it maps to). Used by `rvsim run --dump-pt` and by the debugger.
//!
//! ```text
//! satp 0x8000000000080042: Sv39, ASID 0, root table at 0x80042000
//! L2[002] @0x80042010 = 0x0000000020000001 -------V -> table 0x80000000
//!   L1[000] @0x80000000 = 0x00000000200004cf DA--XWRV 2M va 0x0000000080000000 -> pa 0x80001000
//! ```
//! Malformed entries (reserved bits, W without R, misaligned superpages, pointers at
//! level 0) are shown and marked, since that is what a student debugging a fault needs.

use super::pte::{bits, flags_string, Pte, Satp, SatpMode, PAGE_SIZE, PTE_SIZE};
use super::tlb::page_shift;
use super::walk::PtMemory;
use std::fmt::Write as _;

/// At most this many entries are listed (a guest can build tables that reach the same
/// table many times; the dump stays bounded).
pub const MAX_ENTRIES: usize = 100_000;

/// What a valid PTE is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// Points to the next-level table at this physical address.
    Table(u64),
    /// Maps the virtual range starting at `va` (size by level) to physical `pa`.
    Leaf { va: u64, pa: u64 },
    /// V = 1 but the entry would fault: reserved bits, W without R, D/A/U on a pointer,
    /// a pointer at level 0, or a misaligned superpage.
    Malformed(&'static str),
    /// The table address lies outside RAM (a walk would take an access fault).
    Unreadable,
}

/// One dumped PTE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// Nesting depth from the root (0 = root table).
    pub depth: u32,
    /// Page-table level (LEVELS-1 at the root, 0 for 4 KiB leaves).
    pub level: u32,
    /// Index of the PTE in its table (0..512).
    pub index: u32,
    pub pte_addr: u64,
    pub pte: u64,
    pub kind: NodeKind,
}

/// All valid PTEs reachable from `satp`, depth first, at most [`MAX_ENTRIES`]. Returns
/// `None` for Bare or an unsupported mode; the bool is true when the list was cut short.
pub fn collect<M: PtMemory>(mem: &M, satp: u64) -> Option<(Vec<Node>, bool)> {
    let s = Satp::from_bits(satp);
    let mode = SatpMode::from_bits(s.mode).filter(|m| *m != SatpMode::Bare)?;
    let mut out = Vec::new();
    let mut truncated = false;
    visit(mem, mode, s.ppn * PAGE_SIZE, mode.levels() - 1, 0, 0, &mut out, &mut truncated);
    Some((out, truncated))
}

#[allow(clippy::too_many_arguments)] // a recursive helper; the arguments are the walk state
fn visit<M: PtMemory>(
    mem: &M,
    mode: SatpMode,
    table: u64,
    level: u32,
    depth: u32,
    va_prefix: u64,
    out: &mut Vec<Node>,
    truncated: &mut bool,
) {
    for index in 0..512u64 {
        if out.len() >= MAX_ENTRIES {
            *truncated = true;
            return;
        }
        let pte_addr = table + index * PTE_SIZE;
        let Some(raw) = mem.read_pte(pte_addr) else {
            out.push(Node { depth, level, index: 0, pte_addr: table, pte: 0, kind: NodeKind::Unreadable });
            return;
        };
        let pte = Pte(raw);
        if !pte.valid() {
            continue;
        }
        let va = sign_extend(va_prefix | index << page_shift(level), mode.va_bits());
        // PBMT is judged as with menvcfg.PBMTE = 1 (the dump does not know menvcfg).
        let kind = if let Some(e) = pte.format_error(true) {
            NodeKind::Malformed(match e {
                super::pte::PteError::Invalid => "invalid",
                super::pte::PteError::WriteWithoutRead => "W without R",
                super::pte::PteError::ReservedBits => "reserved bits 60:54 set",
                super::pte::PteError::NonLeafReserved => "D/A/U/N/PBMT set on a pointer",
                super::pte::PteError::PbmtReserved => "PBMT = 3 (reserved)",
            })
        } else if pte.is_leaf() && raw & super::pte::bits::N != 0 && pte.napot_bits(level).is_none() {
            NodeKind::Malformed("reserved Svnapot encoding")
        } else if !pte.is_leaf() {
            if level == 0 {
                NodeKind::Malformed("pointer at level 0")
            } else {
                NodeKind::Table(pte.ppn() * PAGE_SIZE)
            }
        } else if level > 0 && pte.ppn() & ((1 << (9 * level)) - 1) != 0 {
            NodeKind::Malformed("misaligned superpage")
        } else {
            NodeKind::Leaf { va, pa: pte.ppn() * PAGE_SIZE }
        };
        out.push(Node { depth, level, index: index as u32, pte_addr, pte: raw, kind });
        if let NodeKind::Table(next) = kind {
            visit(mem, mode, next, level - 1, depth + 1, va_prefix | index << page_shift(level), out, truncated);
        }
    }
}

fn sign_extend(va: u64, bits: u32) -> u64 {
    let s = 64 - bits;
    (((va << s) as i64) >> s) as u64
}

/// Page size name of a leaf at `level`.
fn size_name(level: u32) -> &'static str {
    ["4K", "2M", "1G", "512G", "256T"][level.min(4) as usize]
}

/// The page table of `satp` as text, one PTE per line, indented by depth.
pub fn dump<M: PtMemory>(mem: &M, satp: u64) -> String {
    let s = Satp::from_bits(satp);
    let mut out = String::new();
    let Some((nodes, truncated)) = collect(mem, satp) else {
        let _ = writeln!(out, "satp {satp:#018x}: translation off (Bare or unsupported mode {})", s.mode);
        return out;
    };
    let mode = SatpMode::from_bits(s.mode).unwrap_or(SatpMode::Bare);
    let _ =
        writeln!(out, "satp {satp:#018x}: {}, ASID {}, root table at {:#x}", mode.name(), s.asid, s.ppn * PAGE_SIZE);
    let (mut leaves, mut tables) = (0u64, 0u64);
    for n in &nodes {
        let indent = "  ".repeat(n.depth as usize);
        let head = format!(
            "{indent}L{}[{:03}] @{:#x} = {:#018x} {}",
            n.level,
            n.index,
            n.pte_addr,
            n.pte,
            flags_string(n.pte as u8)
        );
        let rsw = (n.pte >> 8) & 3;
        let rsw = if rsw != 0 { format!(" rsw={rsw}") } else { String::new() };
        let g = if n.pte & bits::G != 0 { " global" } else { "" };
        let _ = match n.kind {
            NodeKind::Table(t) => {
                tables += 1;
                writeln!(out, "{head} -> table {t:#x}{g}{rsw}")
            }
            NodeKind::Leaf { va, pa } => {
                leaves += 1;
                let end = va.wrapping_add((1u64 << page_shift(n.level)) - 1);
                writeln!(out, "{head} {} va {va:#018x}-{end:#018x} -> pa {pa:#x}{g}{rsw}", size_name(n.level))
            }
            NodeKind::Malformed(why) => writeln!(out, "{head} !! {why} (a walk through here page-faults)"),
            NodeKind::Unreadable => {
                writeln!(out, "{indent}table at {:#x} is outside RAM (a walk through here access-faults)", n.pte_addr)
            }
        };
    }
    let _ = writeln!(
        out,
        "{} valid entries: {tables} pointers, {leaves} leaves{}",
        nodes.len(),
        if truncated { " (truncated)" } else { "" }
    );
    out
}
