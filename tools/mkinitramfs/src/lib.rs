//! A Linux initramfs writer: the "newc" cpio format (Linux
//! Documentation/driver-api/early-userspace/buffer-format.rst), uncompressed.
//!
//! Entries are described, not copied from the host file system, so device nodes
//! (`/dev/console`, character 5:1) and root ownership need no privileges. Every entry is
//! owned by root with mtime 0, so the archive depends only on its inputs.

use std::collections::BTreeSet;

/// What one archive entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file with these contents.
    File(Vec<u8>),
    Dir,
    /// A symbolic link to this target.
    Symlink(String),
    /// A character device node (major, minor).
    CharDev(u32, u32),
}

/// One entry: absolute path in the archive, permission bits, kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub perm: u32,
    pub kind: Kind,
}

/// Why an archive cannot be written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CpioError {
    #[error("{0}: paths must be absolute, without empty, '.' or '..' components")]
    BadPath(String),
    #[error("{0}: appears twice")]
    Duplicate(String),
    #[error("{0}: larger than 4 GiB (newc sizes are 32-bit)")]
    TooBig(String),
}

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;

/// The path without its leading '/', checked.
fn relative(path: &str) -> Result<&str, CpioError> {
    let rel = path.strip_prefix('/').ok_or_else(|| CpioError::BadPath(path.into()))?;
    if rel.is_empty() || rel.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        return Err(CpioError::BadPath(path.into()));
    }
    Ok(rel)
}

/// Writes `entries` as a newc archive. Parent directories that are not listed are added
/// (mode 0755) before their first child; the archive ends with the `TRAILER!!!` entry.
pub fn write(entries: &[Entry]) -> Result<Vec<u8>, CpioError> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut ino = 1u32;
    for e in entries {
        let rel = relative(&e.path)?;
        // Implicit parents.
        let mut at = 0;
        while let Some(i) = rel[at..].find('/') {
            let parent = &rel[..at + i];
            if seen.insert(parent.to_string()) {
                header(&mut out, ino, S_IFDIR | 0o755, 2, 0, (0, 0), parent);
                ino += 1;
            }
            at += i + 1;
        }
        if !seen.insert(rel.to_string()) {
            return Err(CpioError::Duplicate(e.path.clone()));
        }
        let perm = e.perm & 0o7777;
        let (mode, data, rdev): (u32, &[u8], (u32, u32)) = match &e.kind {
            Kind::File(d) => (S_IFREG | perm, d, (0, 0)),
            Kind::Dir => (S_IFDIR | perm, &[], (0, 0)),
            Kind::Symlink(t) => (S_IFLNK | 0o777, t.as_bytes(), (0, 0)),
            Kind::CharDev(maj, min) => (S_IFCHR | perm, &[], (*maj, *min)),
        };
        let size = u32::try_from(data.len()).map_err(|_| CpioError::TooBig(e.path.clone()))?;
        let nlink = if matches!(e.kind, Kind::Dir) { 2 } else { 1 };
        header(&mut out, ino, mode, nlink, size, rdev, rel);
        out.extend_from_slice(data);
        pad4(&mut out);
        ino += 1;
    }
    header(&mut out, 0, 0, 1, 0, (0, 0), "TRAILER!!!");
    Ok(out)
}

/// One newc header ("070701", 13 eight-digit hex fields), the name with its NUL, padding
/// to 4 bytes. The data (and its padding) follow.
fn header(out: &mut Vec<u8>, ino: u32, mode: u32, nlink: u32, size: u32, rdev: (u32, u32), name: &str) {
    out.extend_from_slice(b"070701");
    let namesize = name.len() as u32 + 1;
    // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
    for v in [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev.0, rdev.1, namesize, 0] {
        out.extend_from_slice(format!("{v:08x}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad4(out);
}

fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_a_small_archive() {
        let a = write(&[
            Entry { path: "/dev/console".into(), perm: 0o600, kind: Kind::CharDev(5, 1) },
            Entry { path: "/init".into(), perm: 0o755, kind: Kind::File(b"#!/bin/sh\n".to_vec()) },
        ])
        .unwrap();
        // "dev" (implicit), "dev/console", "init", trailer; every header 4-aligned.
        assert_eq!(&a[..6], b"070701");
        let field = |h: usize, i: usize| {
            u32::from_str_radix(std::str::from_utf8(&a[h + 6 + 8 * i..h + 14 + 8 * i]).unwrap(), 16).unwrap()
        };
        assert_eq!(field(0, 1), S_IFDIR | 0o755);
        assert_eq!(&a[110..114], b"dev\0");
        let h = 116; // 110 + "dev\0", padded to 4
        assert_eq!(field(h, 1), S_IFCHR | 0o600);
        assert_eq!((field(h, 9), field(h, 10)), (5, 1));
        assert!(a.windows(10).any(|w| w == b"#!/bin/sh\n"));
        assert!(a.ends_with(b"TRAILER!!!\0\0\0\0") || a.windows(10).any(|w| w == b"TRAILER!!!"));
        assert_eq!(a.len() % 4, 0);
    }

    #[test]
    fn bad_paths_and_duplicates() {
        let d = |p: &str| Entry { path: p.into(), perm: 0o755, kind: Kind::Dir };
        assert_eq!(write(&[d("bin")]), Err(CpioError::BadPath("bin".into())));
        assert_eq!(write(&[d("/a/../b")]), Err(CpioError::BadPath("/a/../b".into())));
        assert_eq!(write(&[d("/a"), d("/a")]), Err(CpioError::Duplicate("/a".into())));
    }
}
