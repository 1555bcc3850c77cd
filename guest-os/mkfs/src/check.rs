//! `mkfs --check IMG`: a file-system checker. Walks the tree from the root and verifies
//! that every block is used at most once and is marked in the bitmap, that no block is
//! marked without being used (a leak), that every allocated inode is reachable, and that
//! link counts match the directory entries. Per inode: permission bits within 0o7777,
//! nanoseconds below 10^9, symbolic links with a non-empty target without NUL, device
//! files with a known device number and no data. Before the check, [`recover`] does
//! what the kernel's mount does: it verifies the log header, installs a committed
//! transaction and frees orphaned inodes (on a copy, or with `--recover` in the image).

use abi::fs::*;
use std::collections::{BTreeMap, BTreeSet};

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    pub problems: Vec<String>,
    pub files: usize,
    pub dirs: usize,
    pub symlinks: usize,
    pub devices: usize,
    pub blocks_used: usize,
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

/// An image being read: its bytes and decoded superblock.
pub(crate) struct Img<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) sb: Superblock,
}

impl<'a> Img<'a> {
    /// The image in `data` if its superblock is valid and fits.
    pub(crate) fn new(data: &'a [u8]) -> Option<Img<'a>> {
        if data.len() < 2 * BLOCK_SIZE {
            return None;
        }
        let sb = Superblock::decode(&data[SUPERBLOCK as usize * BLOCK_SIZE..]);
        if !sb.is_valid() || (sb.nblocks as usize) * BLOCK_SIZE > data.len() {
            return None;
        }
        Some(Img { data, sb })
    }

    fn block(&self, b: u32) -> &[u8] {
        &self.data[b as usize * BLOCK_SIZE..(b as usize + 1) * BLOCK_SIZE]
    }
    pub(crate) fn inode(&self, inum: u32) -> DiskInode {
        let off = self.sb.inode_start as usize * BLOCK_SIZE + inum as usize * INODE_SIZE;
        DiskInode::decode(&self.data[off..off + INODE_SIZE])
    }
    fn bitmap(&self, b: u32) -> bool {
        let byte = self.data[self.sb.bmap_start as usize * BLOCK_SIZE + (b / 8) as usize];
        byte & (1 << (b % 8)) != 0
    }
    fn valid_data(&self, b: u32) -> bool {
        b >= self.sb.data_start && b < self.sb.nblocks
    }
    /// Every block of `ino` (pointer blocks too), and the data blocks in file order.
    fn blocks(&self, ino: &DiskInode, problems: &mut Vec<String>, inum: u32) -> (Vec<u32>, usize) {
        let mut all = Vec::new();
        let mut data = 0;
        let take = |b: u32, all: &mut Vec<u32>, problems: &mut Vec<String>| -> bool {
            if b == 0 {
                return false;
            }
            if !self.valid_data(b) {
                problems.push(format!("inode {inum}: block {b} outside the data area"));
                return false;
            }
            all.push(b);
            true
        };
        for &b in &ino.addrs[..NDIRECT] {
            if take(b, &mut all, problems) {
                data += 1;
            }
        }
        if take(ino.addrs[NDIRECT], &mut all, problems) {
            let blk = self.block(ino.addrs[NDIRECT]).to_vec();
            for i in 0..NINDIRECT {
                if take(u32_at(&blk, i * 4), &mut all, problems) {
                    data += 1;
                }
            }
        }
        if take(ino.addrs[NDIRECT + 1], &mut all, problems) {
            let d = self.block(ino.addrs[NDIRECT + 1]).to_vec();
            for i in 0..NINDIRECT {
                let ind = u32_at(&d, i * 4);
                if take(ind, &mut all, problems) {
                    let blk = self.block(ind).to_vec();
                    for j in 0..NINDIRECT {
                        if take(u32_at(&blk, j * 4), &mut all, problems) {
                            data += 1;
                        }
                    }
                }
            }
        }
        (all, data)
    }
    /// Reads file bytes [0, size) of `ino` (holes as zeros).
    pub(crate) fn contents(&self, ino: &DiskInode) -> Vec<u8> {
        let mut out = Vec::new();
        let size = ino.size as usize;
        let mut fb = 0;
        while out.len() < size {
            let b = self.bmap(ino, fb);
            let n = (size - out.len()).min(BLOCK_SIZE);
            if b == 0 || !self.valid_data(b) {
                out.extend(std::iter::repeat_n(0, n));
            } else {
                out.extend_from_slice(&self.block(b)[..n]);
            }
            fb += 1;
        }
        out
    }
    fn bmap(&self, ino: &DiskInode, fb: usize) -> u32 {
        if fb < NDIRECT {
            return ino.addrs[fb];
        }
        let fb = fb - NDIRECT;
        let ptr =
            |blk: u32, i: usize| if blk == 0 || !self.valid_data(blk) { 0 } else { u32_at(self.block(blk), i * 4) };
        if fb < NINDIRECT {
            return ptr(ino.addrs[NDIRECT], fb);
        }
        let fb = fb - NINDIRECT;
        ptr(ptr(ino.addrs[NDIRECT + 1], fb / NINDIRECT), fb % NINDIRECT)
    }
}

/// Checks the image in `data`.
pub fn check(data: &[u8]) -> Report {
    let mut r = Report::default();
    if data.len() < 2 * BLOCK_SIZE {
        r.problems.push("image smaller than two blocks".into());
        return r;
    }
    let sb = Superblock::decode(&data[SUPERBLOCK as usize * BLOCK_SIZE..]);
    if sb.magic == MAGIC_V1 {
        r.problems.push("old format image (64-byte inodes, no modes or times): rebuild it with mkfs".into());
        return r;
    }
    if sb.magic == MAGIC_V2 {
        r.problems.push("format 2 image (no write-ahead log): rebuild it with mkfs".into());
        return r;
    }
    if !sb.is_valid() || (sb.nblocks as usize) * BLOCK_SIZE > data.len() {
        r.problems.push(format!("bad superblock {sb:?}"));
        return r;
    }
    let img = Img { data, sb };
    let mut owner: BTreeMap<u32, u32> = BTreeMap::new();
    let mut links: BTreeMap<u32, u32> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut queue = vec![ROOT_INO];
    while let Some(inum) = queue.pop() {
        if !seen.insert(inum) {
            continue;
        }
        let ino = img.inode(inum);
        let (blocks, nblocks) = img.blocks(&ino, &mut r.problems, inum);
        if (ino.size as usize).div_ceil(BLOCK_SIZE) < nblocks {
            r.problems.push(format!("inode {inum}: {nblocks} data blocks for size {}", ino.size));
        }
        for b in blocks {
            if let Some(o) = owner.insert(b, inum) {
                r.problems.push(format!("block {b} used by inodes {o} and {inum}"));
            }
        }
        if ino.mode & !0o7777 != 0 {
            r.problems.push(format!("inode {inum}: mode {:#o} has bits above 0o7777", ino.mode));
        }
        for (n, t) in [("atime", ino.atime), ("mtime", ino.mtime), ("ctime", ino.ctime)] {
            if t.nsec >= 1_000_000_000 {
                r.problems.push(format!("inode {inum}: {n} nanoseconds {} out of range", t.nsec));
            }
        }
        match ino.typ {
            T_FILE => r.files += 1,
            T_SYMLINK => {
                r.symlinks += 1;
                let target = img.contents(&ino);
                if target.is_empty() {
                    r.problems.push(format!("inode {inum}: empty symbolic link"));
                } else if target.contains(&0) {
                    r.problems.push(format!("inode {inum}: symbolic link target contains NUL"));
                }
            }
            T_DEV => {
                r.devices += 1;
                if !DEVICES.iter().any(|&(_, d)| d == ino.rdev) {
                    r.problems.push(format!("inode {inum}: unknown device number {:#x}", ino.rdev));
                }
                if ino.size != 0 || nblocks != 0 {
                    r.problems.push(format!("inode {inum}: device file with data"));
                }
            }
            T_DIR => {
                r.dirs += 1;
                let c = img.contents(&ino);
                for (k, e) in c.chunks(DIRENT_SIZE).enumerate() {
                    let child = u32_at(e, 0);
                    if child == 0 {
                        continue;
                    }
                    let name = &e[4..];
                    let len = name.iter().position(|&x| x == 0).unwrap_or(name.len());
                    let name = String::from_utf8_lossy(&name[..len]).into_owned();
                    if child >= sb.ninodes {
                        r.problems.push(format!("dir {inum}: entry {name} -> bad inode {child}"));
                        continue;
                    }
                    let ct = img.inode(child).typ;
                    if ct == T_FREE {
                        r.problems.push(format!("dir {inum}: entry {name} -> free inode {child}"));
                        continue;
                    }
                    if k == 0 && (name != "." || child != inum) {
                        r.problems.push(format!("dir {inum}: first entry is not ."));
                    }
                    if name == "." {
                        continue;
                    }
                    if name == ".." {
                        // Counted as the link from the child into its parent.
                        *links.entry(child).or_insert(0) += 1;
                        continue;
                    }
                    *links.entry(child).or_insert(0) += 1;
                    queue.push(child);
                }
            }
            t => r.problems.push(format!("inode {inum}: unexpected type {t}")),
        }
    }
    for inum in 1..sb.ninodes {
        let ino = img.inode(inum);
        if ino.typ == T_FREE {
            continue;
        }
        if !seen.contains(&inum) {
            r.problems.push(format!("inode {inum} (type {}) allocated but unreachable", ino.typ));
            continue;
        }
        // A directory's "." is not counted above; its parent entry and children's ".."
        // are. Files: one link per entry.
        let want = links.get(&inum).copied().unwrap_or(0) + if ino.typ == T_DIR { 1 } else { 0 };
        if ino.nlink as u32 != want {
            r.problems.push(format!("inode {inum}: nlink {} but {want} links found", ino.nlink));
        }
    }
    for b in 0..sb.nblocks {
        let used = b < sb.data_start || owner.contains_key(&b);
        let marked = img.bitmap(b);
        if used && !marked {
            r.problems.push(format!("block {b} in use but free in the bitmap"));
        }
        if !used && marked {
            r.problems.push(format!("block {b} marked but unused (leak)"));
        }
    }
    r.blocks_used = owner.len();
    r
}

/// What [`recover`] did.
#[derive(Debug, Default)]
pub struct Recovery {
    /// Blocks of a committed transaction installed from the log (0: the log was empty).
    pub replayed: u32,
    /// Orphaned inodes (allocated, no links: unlinked while open) freed.
    pub orphans: Vec<u32>,
}

/// Recovers the image in `data` as the kernel does at mount (guest-os/src/fs/log.rs):
/// installs the committed transaction the log header names, clears the header, then
/// frees every allocated inode with no links and the blocks it owns. An error (bad
/// superblock or log header) leaves `data` as it was.
pub fn recover(data: &mut [u8]) -> Result<Recovery, String> {
    let sb = Img::new(data).ok_or("bad superblock")?.sb;
    let h = LogHeader::decode(&data[sb.log_start as usize * BLOCK_SIZE..]);
    if let Some(p) = h.problem(&sb) {
        return Err(format!("log: {p}"));
    }
    let mut rec = Recovery { replayed: h.n, ..Default::default() };
    let at = |b: u32| b as usize * BLOCK_SIZE;
    for i in 0..h.n {
        let (from, to) = (at(sb.log_start + 1 + i), at(h.blocks[i as usize]));
        data.copy_within(from..from + BLOCK_SIZE, to);
    }
    LogHeader::empty().encode(&mut data[at(sb.log_start)..]);
    for inum in ROOT_INO + 1..sb.ninodes {
        let img = Img { data, sb };
        let ino = img.inode(inum);
        if ino.typ == T_FREE || ino.nlink != 0 {
            continue;
        }
        let mut ignored = Vec::new();
        let (blocks, _) = img.blocks(&ino, &mut ignored, inum);
        for b in blocks {
            data[at(sb.bmap_start) + (b / 8) as usize] &= !(1 << (b % 8));
        }
        let off = at(sb.inode_start) + inum as usize * INODE_SIZE;
        DiskInode::default().encode(&mut data[off..off + INODE_SIZE]);
        rec.orphans.push(inum);
    }
    Ok(rec)
}
