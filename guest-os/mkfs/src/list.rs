//! `mkfs --check --list IMG`: prints every file of a checked image with its size and an
//! FNV-1a hash of its contents (`file PATH SIZE HASH`), every directory (`dir PATH`) and
//! symbolic link (`symlink PATH TARGET`), so a test can compare an image with what a
//! workload claims it wrote without parsing the format itself.

use crate::check::Img;
use abi::fs::*;
use std::collections::BTreeSet;

/// FNV-1a (64-bit) of `data`: the hash the crash workload (guest `crashload`) prints.
pub fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The listing lines of the tree in `img`, depth first, in directory order. Entries
/// that point outside the inode table or at a free inode are skipped (the checker
/// reports them), and a directory is entered once.
pub(crate) fn list(img: &Img) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    walk(img, ROOT_INO, "", &mut seen, &mut out);
    out
}

fn walk(img: &Img, dir: u32, path: &str, seen: &mut BTreeSet<u32>, out: &mut Vec<String>) {
    if !seen.insert(dir) {
        return;
    }
    let d = img.inode(dir);
    let c = img.contents(&d);
    for e in c.chunks(DIRENT_SIZE) {
        if e.len() < DIRENT_SIZE {
            break;
        }
        let child = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
        let n = &e[4..];
        let len = n.iter().position(|&x| x == 0).unwrap_or(n.len());
        let name = String::from_utf8_lossy(&n[..len]).into_owned();
        if child == 0 || child >= img.sb.ninodes || name == "." || name == ".." {
            continue;
        }
        let ino = img.inode(child);
        let p = format!("{path}/{name}");
        match ino.typ {
            T_FILE => {
                let data = img.contents(&ino);
                out.push(format!("file {p} {} {:016x}", data.len(), fnv1a(&data)));
            }
            T_DIR => {
                out.push(format!("dir {p}"));
                walk(img, child, &p, seen, out);
            }
            T_SYMLINK => {
                out.push(format!("symlink {p} {}", String::from_utf8_lossy(&img.contents(&ino))));
            }
            _ => {}
        }
    }
}
