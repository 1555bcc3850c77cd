//! The ISA extensions this hart implements, in one list: the device tree's `riscv,isa`
//! string and its `riscv,isa-extensions` list are both made from it.

/// Every extension rvsim implements, in canonical order (Unprivileged ch. 38, "ISA
/// Extension Naming Conventions"): the single-letter extensions in `IMAFDC` order, then
/// the `Z` extensions ordered by the single-letter category of their second letter (`Zi*`
/// before `Zb*`) and alphabetically within it, then the `S` extensions alphabetically.
/// Add new ones here, in that order.
pub const EXTENSIONS: &[&str] = &[
    "i",
    "m",
    "a",
    "f",
    "d",
    "c",
    "zicbom",
    "zicbop",
    "zicboz",
    "zicntr",
    "zicond",
    "zicsr",
    "zifencei",
    "zihintpause",
    "zba",
    "zbb",
    "zbc",
    "zbs",
    "sstc",
    "svinval",
    "svnapot",
    "svpbmt",
];

/// Cache-block size in bytes of Zicbom, Zicbop and Zicboz (the device tree's
/// `riscv,cbo?-block-size`; QEMU's default `cbom_blocksize`/`cboz_blocksize`).
pub const CACHE_BLOCK: u64 = 64;

/// The `riscv,isa` string of [`EXTENSIONS`], e.g. `rv64imafdc_zicbom_..._sstc`.
pub fn isa_string() -> String {
    let mut s = String::from("rv64");
    for (k, e) in EXTENSIONS.iter().enumerate() {
        if e.len() > 1 && k > 0 {
            s.push('_');
        }
        s.push_str(e);
    }
    s
}

/// Splits a `riscv,isa` string (`rv64imafdc_zicsr_...`) into the base (`rv64i`) and the
/// extension names as `riscv,isa-extensions` lists them (`i`, `m`, ..., `zicsr`, ...);
/// `g` expands to `imafd_zicsr_zifencei`. `None` when the string does not start with
/// `rv32` or `rv64` followed by a base letter.
pub fn split_isa(isa: &str) -> Option<(String, Vec<String>)> {
    let lower = isa.to_ascii_lowercase();
    let xlen = lower.get(..4).filter(|p| *p == "rv64" || *p == "rv32")?;
    let mut parts = lower[4..].split('_');
    let letters = parts.next().filter(|l| l.starts_with('i') || l.starts_with('g') || l.starts_with('e'))?;
    let mut exts = Vec::new();
    for c in letters.chars() {
        if c == 'g' {
            exts.extend(["i", "m", "a", "f", "d", "zicsr", "zifencei"].map(String::from));
        } else {
            exts.push(c.to_string());
        }
    }
    exts.extend(parts.filter(|p| !p.is_empty()).map(String::from));
    let base = format!("{xlen}{}", if letters.starts_with('e') { 'e' } else { 'i' });
    Some((base, exts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isa_string_is_canonical() {
        assert_eq!(
            isa_string(),
            "rv64imafdc_zicbom_zicbop_zicboz_zicntr_zicond_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc_svinval_svnapot_svpbmt"
        );
    }

    #[test]
    fn split_gives_base_and_extension_list() {
        let (base, exts) = split_isa(&isa_string()).expect("valid");
        assert_eq!(base, "rv64i");
        assert_eq!(exts, EXTENSIONS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let (base, exts) = split_isa("rv64gc_sstc").expect("valid");
        assert_eq!(base, "rv64i");
        assert_eq!(exts, ["i", "m", "a", "f", "d", "zicsr", "zifencei", "c", "sstc"]);
        assert_eq!(split_isa("x86"), None);
        assert_eq!(split_isa("rv64"), None);
    }
}
