//! Which events the event trace writes (`--events-filter`, `--events-insns`,
//! `--events-priv`, `--events-addr`, `--events-from`), and the parsers of those options.

use crate::hart::Privilege;
use std::ops::Range;

/// A group of event types, as `--events-filter` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `walk`.
    Walk,
    /// `tlb_fill`, `tlb_evict`, `tlb_flush`, `tlb_fault`.
    Tlb,
    /// `sfence`.
    Sfence,
    /// `satp`.
    Satp,
    /// `trap` and `return`.
    Trap,
    /// `interrupt`.
    Interrupt,
    /// `virtio`.
    Virtio,
    /// `kernel` (the guest kernel's hints).
    Kernel,
}

/// Every kind with its `--events-filter` name.
pub const KINDS: [(&str, Kind); 8] = [
    ("walk", Kind::Walk),
    ("tlb", Kind::Tlb),
    ("sfence", Kind::Sfence),
    ("satp", Kind::Satp),
    ("trap", Kind::Trap),
    ("interrupt", Kind::Interrupt),
    ("virtio", Kind::Virtio),
    ("kernel", Kind::Kernel),
];

/// The events to write. [`EventFilter::default`] lets everything through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFilter {
    /// Bit `k as u32` set: kind `k` wanted.
    pub kinds: u32,
    /// Instruction counts (`insn` fields) to write.
    pub insns: Range<u64>,
    /// Bit `p` set: events at privilege `p` (0 U, 1 S, 3 M) wanted.
    pub privs: u8,
    /// Virtual addresses `[lo, hi)`: events about an address outside are dropped
    /// (events about none, such as `satp` or a full SFENCE, are kept).
    pub addr: Option<(u64, u64)>,
    /// Nothing is written before the pc first reaches this address.
    pub from: Option<u64>,
}

impl Default for EventFilter {
    fn default() -> Self {
        EventFilter { kinds: u32::MAX, insns: 0..u64::MAX, privs: 0b1011, addr: None, from: None }
    }
}

impl EventFilter {
    /// Whether events of kind `k` are wanted.
    pub fn wants(&self, k: Kind) -> bool {
        self.kinds & (1 << k as u32) != 0
    }

    /// Whether an event about address `a` passes the address window.
    pub fn addr_in(&self, a: u64) -> bool {
        self.addr.is_none_or(|(lo, hi)| lo <= a && a < hi)
    }

    /// Whether an event about `[base, base + len)` (a page) overlaps the address window.
    pub fn range_in(&self, base: u64, len: u64) -> bool {
        self.addr.is_none_or(|(lo, hi)| base < hi && lo < base.saturating_add(len))
    }
}

/// Parses `--events-filter`: comma-separated kind names (see [`KINDS`]), or `all`.
pub fn parse_kinds(s: &str) -> Result<u32, String> {
    let mut bits = 0;
    for name in s.split(',').map(str::trim) {
        if name == "all" {
            bits = u32::MAX;
            continue;
        }
        let Some((_, k)) = KINDS.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
            return Err(format!("unknown event kind '{name}' (known: {}, all)", names.join(", ")));
        };
        bits |= 1 << *k as u32;
    }
    Ok(bits)
}

/// Parses `--events-priv`: comma-separated `U`, `S`, `M` (either case).
pub fn parse_privs(s: &str) -> Result<u8, String> {
    let mut bits = 0;
    for p in s.split(',').map(str::trim) {
        let prv = match p.to_ascii_uppercase().as_str() {
            "U" => Privilege::User,
            "S" => Privilege::Supervisor,
            "M" => Privilege::Machine,
            _ => return Err(format!("unknown privilege '{p}' (use U, S, M)")),
        };
        bits |= 1 << prv as u8;
    }
    Ok(bits)
}

/// A number in decimal or `0x` hexadecimal.
pub fn parse_num(s: &str) -> Result<u64, String> {
    let s = s.trim().replace('_', "");
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("'{s}' is not a number"))
}

/// Parses `START..END` (either side may be empty: from 0, to the end) into `[start, end)`.
pub fn parse_range(s: &str) -> Result<Range<u64>, String> {
    let Some((a, b)) = s.split_once("..") else { return Err(format!("'{s}' is not a range START..END")) };
    let start = if a.trim().is_empty() { 0 } else { parse_num(a)? };
    let end = if b.trim().is_empty() { u64::MAX } else { parse_num(b)? };
    if start > end {
        return Err(format!("range '{s}' ends before it starts"));
    }
    Ok(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_options() {
        assert_eq!(parse_kinds("walk,tlb").unwrap(), 0b11);
        assert_eq!(parse_kinds("all").unwrap(), u32::MAX);
        assert!(parse_kinds("walk,bogus").unwrap_err().contains("bogus"));
        assert_eq!(parse_privs("u,S").unwrap(), 0b11);
        assert!(parse_privs("H").is_err());
        assert_eq!(parse_range("10..0x20").unwrap(), 10..32);
        assert_eq!(parse_range("..5").unwrap(), 0..5);
        assert_eq!(parse_range("7..").unwrap(), 7..u64::MAX);
        assert!(parse_range("9..3").is_err());
        assert!(parse_range("12").is_err());
    }

    #[test]
    fn windows() {
        let f = EventFilter { addr: Some((0x1000, 0x3000)), ..Default::default() };
        assert!(f.addr_in(0x1000) && f.addr_in(0x2fff) && !f.addr_in(0x3000));
        assert!(f.range_in(0, 0x2000) && !f.range_in(0x3000, 0x1000) && f.range_in(0, u64::MAX));
        assert!(EventFilter::default().wants(Kind::Kernel));
    }
}
