//! The file system on virtio disk 0, in the xv6-like format of `abi::fs` (superblock,
//! log, inode table, free bitmap, data blocks; directories are files of 32-byte
//! entries).
//!
//! A small block cache sits under it. Every call through [`with`] is one transaction
//! of the write-ahead log (`log.rs`, docs/fs.md): the blocks it changes stay pinned in
//! the cache until the call ends, then they are committed to the log and installed,
//! so a power cut leaves the image as it was before or after each call, never half
//! way (a large write: after each of its parts of `log::WRITE_CHUNK_BLOCKS` blocks),
//! and a clean shutdown is still not needed (every call is durable when it returns). Mounting replays a committed log and frees orphaned inodes.
//!
//! All operations run under one lock ([`with`]); the disk is polled, so nothing here
//! sleeps. Errors are positive errno values.

use crate::virtio::{self, Blk};
use abi::errno::*;
use abi::fs::*;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use spin::Mutex;

mod log;
mod ops;
pub use log::vmstat_words as log_vmstat_words;
pub use ops::Times;

/// Errors are positive errno values.
pub type Result<T> = core::result::Result<T, isize>;

type Block = [u8; BLOCK_SIZE];
const CACHE_BLOCKS: usize = 64;

struct CacheEntry {
    block: u32,
    data: Box<Block>,
    stamp: u64,
    /// Changed by the open transaction: pinned (never evicted) until it commits.
    dirty: bool,
}

/// A mounted file system.
pub struct Fs {
    dev: Blk,
    sb: Superblock,
    cache: Vec<CacheEntry>,
    clock: u64,
    /// Open-file references per inode (an unlinked inode is freed at its last close).
    open: BTreeMap<u32, u32>,
    /// The open transaction.
    log: log::Log,
}

static FS: Mutex<Option<Fs>> = Mutex::new(None);

/// Why mounting failed (printed at boot).
#[derive(Debug)]
pub enum MountError {
    Disk(virtio::Error),
    /// Block 1 does not hold a valid superblock (not made by mkfs, or corrupt).
    BadSuperblock,
    /// An image of the first format (64-byte inodes, no modes or times): rebuild it
    /// with the current `mkfs`.
    OldFormat,
    /// An image of the second format (no log): rebuild it with the current `mkfs`.
    NoLog,
    /// The log header cannot be replayed (corrupt): what is wrong.
    BadLog(&'static str),
    /// The superblock says the image is larger than the disk.
    TooSmall {
        image: u64,
        disk: u64,
    },
}

/// Probes the disk and mounts the file system on it.
pub fn mount() -> core::result::Result<(), MountError> {
    let dev = Blk::probe().map_err(MountError::Disk)?;
    let mut fs = Fs {
        dev,
        sb: Superblock::default(),
        cache: Vec::new(),
        clock: 0,
        open: BTreeMap::new(),
        log: log::Log::default(),
    };
    let mut b = [0u8; BLOCK_SIZE];
    fs.dev_read(SUPERBLOCK, &mut b).map_err(|_| MountError::Disk(virtio::Error::Io))?;
    let sb = Superblock::decode(&b);
    if sb.magic == MAGIC_V1 {
        return Err(MountError::OldFormat);
    }
    if sb.magic == MAGIC_V2 {
        return Err(MountError::NoLog);
    }
    if !sb.is_valid() {
        return Err(MountError::BadSuperblock);
    }
    let disk = fs.dev.capacity * virtio::SECTOR as u64;
    if sb.nblocks as u64 * BLOCK_SIZE as u64 > disk {
        return Err(MountError::TooSmall { image: sb.nblocks as u64 * BLOCK_SIZE as u64, disk });
    }
    fs.sb = sb;
    // Recovery: a committed transaction is installed before anything reads the image.
    let replayed = fs.recover().map_err(MountError::BadLog)?;
    if replayed > 0 {
        crate::kprintln!("fs: log: replayed a committed transaction of {replayed} blocks");
    }
    let root = fs.iget(ROOT_INO).map_err(|_| MountError::BadSuperblock)?;
    if root.typ != T_DIR {
        return Err(MountError::BadSuperblock);
    }
    match fs.free_orphans() {
        Ok(0) => {}
        Ok(n) => crate::kprintln!("fs: freed {n} orphaned inodes (unlinked while open)"),
        Err(_) => return Err(MountError::Disk(virtio::Error::Io)),
    }
    *FS.lock() = Some(fs);
    Ok(())
}

/// Runs `f` on the mounted file system (EIO if none) as one transaction: what it
/// changed is committed before this returns (also when `f` failed part way: its
/// changes so far are already visible in the cache). A failed commit is EIO.
pub fn with<R>(f: impl FnOnce(&mut Fs) -> Result<R>) -> Result<R> {
    let mut g = FS.lock();
    match g.as_mut() {
        Some(fs) => {
            let r = f(fs);
            fs.commit()?;
            r
        }
        None => Err(EIO),
    }
}

impl Fs {
    /// Reads block `b` from the disk; a failed request is EIO (counted, with a message).
    fn dev_read(&mut self, b: u32, out: &mut Block) -> Result<()> {
        self.dev.rw(b as u64 * (BLOCK_SIZE / virtio::SECTOR) as u64, out, false).map_err(|_| {
            crate::ioerrors::count(&crate::ioerrors::FS_READ);
            crate::kprintln!("fs: reading block {b} failed (EIO)");
            EIO
        })
    }

    /// Writes block `b` to the disk; a failed request is EIO (counted, with a message).
    fn dev_write(&mut self, b: u32, data: &Block) -> Result<()> {
        let mut tmp = *data;
        self.dev.rw(b as u64 * (BLOCK_SIZE / virtio::SECTOR) as u64, &mut tmp, true).map_err(|_| {
            crate::ioerrors::count(&crate::ioerrors::FS_WRITE);
            crate::kprintln!("fs: writing block {b} failed (EIO)");
            EIO
        })
    }

    /// Reads block `b` (through the cache).
    fn read_block(&mut self, b: u32, out: &mut Block) -> Result<()> {
        if b == 0 || b >= self.sb.nblocks.max(2) {
            return Err(EIO);
        }
        self.clock += 1;
        if let Some(e) = self.cache.iter_mut().find(|e| e.block == b) {
            e.stamp = self.clock;
            out.copy_from_slice(&e.data[..]);
            return Ok(());
        }
        self.dev_read(b, out)?;
        let _ = self.cache_fill(b, out, false);
        Ok(())
    }

    /// Puts `data` in the cache as block `b`, marking it dirty (pinned) if `dirty`. A
    /// new entry replaces the least recently used clean one once the cache is full;
    /// with every entry pinned the cache grows (by at most the log's size). Fails
    /// (ENOMEM) only if memory for a new entry runs out: then a clean block is simply
    /// not cached, but a dirty one must be, so the caller sees the error.
    fn cache_fill(&mut self, b: u32, data: &Block, dirty: bool) -> Result<()> {
        if let Some(e) = self.cache.iter_mut().find(|e| e.block == b) {
            e.data.copy_from_slice(data);
            e.stamp = self.clock;
            e.dirty |= dirty;
            return Ok(());
        }
        if self.cache.len() >= CACHE_BLOCKS {
            if let Some(e) = self.cache.iter_mut().filter(|e| !e.dirty).min_by_key(|e| e.stamp) {
                e.block = b;
                e.data.copy_from_slice(data);
                e.stamp = self.clock;
                e.dirty = dirty;
                return Ok(());
            }
        }
        self.cache.try_reserve(1).map_err(|_| ENOMEM)?;
        let data = try_box_block(data).ok_or(ENOMEM)?;
        self.cache.push(CacheEntry { block: b, data, stamp: self.clock, dirty });
        Ok(())
    }

    /// The cached copy of block `b` (a pinned block of the open transaction).
    fn cached(&self, b: u32, out: &mut Block) -> Result<()> {
        let e = self.cache.iter().find(|e| e.block == b).ok_or(EIO)?;
        out.copy_from_slice(&e.data[..]);
        Ok(())
    }

    /// Drops the cached copies of `blocks` (an aborted transaction's: the disk holds
    /// their last committed contents, which the next read fetches).
    fn uncache(&mut self, blocks: &[u32]) {
        self.cache.retain(|e| !blocks.contains(&e.block));
    }

    /// Unpins `blocks` once they are installed.
    fn unpin(&mut self, blocks: &[u32]) {
        for e in self.cache.iter_mut().filter(|e| blocks.contains(&e.block)) {
            e.dirty = false;
        }
    }

    /// Changes block `b` in the open transaction: in the cache, pinned, and logged
    /// (written to the disk by the commit).
    fn write_block(&mut self, b: u32, data: &Block) -> Result<()> {
        if b < self.sb.inode_start || b >= self.sb.nblocks || self.log.stuck {
            return Err(EIO);
        }
        self.clock += 1;
        self.cache_fill(b, data, true)?;
        self.log_write(b)
    }

    /// Reads inode `inum`.
    pub fn iget(&mut self, inum: u32) -> Result<DiskInode> {
        if inum == 0 || inum >= self.sb.ninodes {
            return Err(EIO);
        }
        let blk = self.sb.inode_start + inum / INODES_PER_BLOCK as u32;
        let off = (inum as usize % INODES_PER_BLOCK) * INODE_SIZE;
        let mut b = [0u8; BLOCK_SIZE];
        self.read_block(blk, &mut b)?;
        Ok(DiskInode::decode(&b[off..off + INODE_SIZE]))
    }

    pub(crate) fn iput(&mut self, inum: u32, ino: &DiskInode) -> Result<()> {
        let blk = self.sb.inode_start + inum / INODES_PER_BLOCK as u32;
        let off = (inum as usize % INODES_PER_BLOCK) * INODE_SIZE;
        let mut b = [0u8; BLOCK_SIZE];
        self.read_block(blk, &mut b)?;
        ino.encode(&mut b[off..off + INODE_SIZE]);
        self.write_block(blk, &b)
    }

    fn ialloc(&mut self, typ: u16, mode: u16) -> Result<u32> {
        for inum in ROOT_INO..self.sb.ninodes {
            let ino = self.iget(inum)?;
            if ino.typ == T_FREE && !self.open.contains_key(&inum) {
                let ino = DiskInode::new(typ, mode, now());
                self.iput(inum, &ino)?;
                return Ok(inum);
            }
        }
        Err(ENOSPC)
    }

    fn balloc(&mut self) -> Result<u32> {
        let bits = BLOCK_SIZE as u32 * 8;
        let mut b = [0u8; BLOCK_SIZE];
        for bm in 0..(self.sb.data_start - self.sb.bmap_start) {
            self.read_block(self.sb.bmap_start + bm, &mut b)?;
            for i in 0..bits {
                let blk = bm * bits + i;
                if blk >= self.sb.nblocks {
                    return Err(ENOSPC);
                }
                if blk < self.sb.data_start {
                    continue;
                }
                if b[(i / 8) as usize] & (1 << (i % 8)) == 0 {
                    b[(i / 8) as usize] |= 1 << (i % 8);
                    self.write_block(self.sb.bmap_start + bm, &b)?;
                    self.write_block(blk, &[0; BLOCK_SIZE])?;
                    return Ok(blk);
                }
            }
        }
        Err(ENOSPC)
    }

    fn bfree(&mut self, blk: u32) -> Result<()> {
        if blk < self.sb.data_start || blk >= self.sb.nblocks {
            return Err(EIO);
        }
        let bits = BLOCK_SIZE as u32 * 8;
        let bm = self.sb.bmap_start + blk / bits;
        let i = blk % bits;
        let mut b = [0u8; BLOCK_SIZE];
        self.read_block(bm, &mut b)?;
        b[(i / 8) as usize] &= !(1 << (i % 8));
        self.write_block(bm, &b)
    }

    /// Reads entry `i` of indirect block `blk`, allocating a block there if `alloc`.
    fn indirect(&mut self, blk: u32, i: usize, alloc: bool) -> Result<u32> {
        let mut b = [0u8; BLOCK_SIZE];
        self.read_block(blk, &mut b)?;
        let v = u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
        if v != 0 || !alloc {
            return Ok(v);
        }
        let n = self.balloc()?;
        b[i * 4..i * 4 + 4].copy_from_slice(&n.to_le_bytes());
        self.write_block(blk, &b)?;
        Ok(n)
    }

    /// The disk block holding file block `fb` of `ino` (0 = hole), allocating if `alloc`
    /// (the caller writes `ino` back).
    fn bmap(&mut self, ino: &mut DiskInode, fb: usize, alloc: bool) -> Result<u32> {
        if fb >= MAX_FILE_BLOCKS {
            return Err(EFBIG);
        }
        let slot = |s: &mut Self, a: &mut u32| -> Result<u32> {
            if *a == 0 && alloc {
                *a = s.balloc()?;
            }
            Ok(*a)
        };
        if fb < NDIRECT {
            return slot(self, &mut ino.addrs[fb]);
        }
        let fb = fb - NDIRECT;
        if fb < NINDIRECT {
            let ind = slot(self, &mut ino.addrs[NDIRECT])?;
            return if ind == 0 { Ok(0) } else { self.indirect(ind, fb, alloc) };
        }
        let fb = fb - NINDIRECT;
        let dind = slot(self, &mut ino.addrs[NDIRECT + 1])?;
        if dind == 0 {
            return Ok(0);
        }
        let ind = self.indirect(dind, fb / NINDIRECT, alloc)?;
        if ind == 0 {
            return Ok(0);
        }
        self.indirect(ind, fb % NINDIRECT, alloc)
    }

    /// Reads from inode `inum` at `off` into `buf`; returns the bytes read (0 at EOF).
    pub fn read(&mut self, inum: u32, off: u64, buf: &mut [u8]) -> Result<usize> {
        let mut ino = self.iget(inum)?;
        if off >= ino.size as u64 {
            return Ok(0);
        }
        let n = buf.len().min((ino.size as u64 - off) as usize);
        let mut done = 0;
        let mut b = [0u8; BLOCK_SIZE];
        while done < n {
            let pos = off as usize + done;
            let blk = self.bmap(&mut ino, pos / BLOCK_SIZE, false)?;
            let o = pos % BLOCK_SIZE;
            let m = (BLOCK_SIZE - o).min(n - done);
            if blk == 0 {
                buf[done..done + m].fill(0);
            } else {
                self.read_block(blk, &mut b)?;
                buf[done..done + m].copy_from_slice(&b[o..o + m]);
            }
            done += m;
        }
        Ok(n)
    }

    /// Writes `data` to inode `inum` at `off`, growing it; returns the bytes written
    /// (short if the disk fills up after some bytes; ENOSPC/EFBIG if none fit).
    pub fn write(&mut self, inum: u32, off: u64, data: &[u8]) -> Result<usize> {
        let mut ino = self.iget(inum)?;
        if off + data.len() as u64 > (MAX_FILE_BLOCKS * BLOCK_SIZE) as u64 {
            return Err(EFBIG);
        }
        let mut done = 0;
        let mut b = [0u8; BLOCK_SIZE];
        let mut err = None;
        let mut in_chunk = 0;
        while done < data.len() {
            let pos = off as usize + done;
            if in_chunk == log::WRITE_CHUNK_BLOCKS {
                // A consistent point (the size covers what is written): end this
                // transaction and go on in the next, as xv6's filewrite does.
                if pos as u32 > ino.size {
                    ino.size = pos as u32;
                }
                self.iput(inum, &ino)?;
                self.commit()?;
                in_chunk = 0;
            }
            in_chunk += 1;
            let blk = match self.bmap(&mut ino, pos / BLOCK_SIZE, true) {
                Ok(b) => b,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            };
            let o = pos % BLOCK_SIZE;
            let m = (BLOCK_SIZE - o).min(data.len() - done);
            if m < BLOCK_SIZE {
                self.read_block(blk, &mut b)?;
            }
            b[o..o + m].copy_from_slice(&data[done..done + m]);
            self.write_block(blk, &b)?;
            done += m;
        }
        if (off as usize + done) as u32 > ino.size {
            ino.size = (off as usize + done) as u32;
        }
        let t = now();
        ino.mtime = t;
        ino.ctime = t;
        self.iput(inum, &ino)?;
        // Mapped pages of this file see the new bytes (mm/pagecache.rs).
        crate::mm::pagecache::update(inum, off, &data[..done]);
        match err {
            Some(e) if done == 0 => Err(e),
            _ => Ok(done),
        }
    }

    /// Frees every data block of `inum` and sets its size to 0.
    pub fn truncate(&mut self, inum: u32) -> Result<()> {
        let mut ino = self.iget(inum)?;
        for i in 0..NDIRECT {
            if ino.addrs[i] != 0 {
                self.bfree(ino.addrs[i])?;
            }
        }
        let mut b = [0u8; BLOCK_SIZE];
        if ino.addrs[NDIRECT] != 0 {
            self.free_indirect(ino.addrs[NDIRECT], &mut b)?;
        }
        if ino.addrs[NDIRECT + 1] != 0 {
            let d = ino.addrs[NDIRECT + 1];
            self.read_block(d, &mut b)?;
            let inds: Vec<u32> =
                b.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).filter(|&x| x != 0).collect();
            for ind in inds {
                self.free_indirect(ind, &mut b)?;
            }
            self.bfree(d)?;
        }
        ino.addrs = [0; NDIRECT + 2];
        ino.size = 0;
        // Cached pages of a mapped file now lie past EOF: they read as zeros.
        crate::mm::pagecache::truncate(inum);
        self.iput(inum, &ino)
    }

    fn free_indirect(&mut self, ind: u32, b: &mut Block) -> Result<()> {
        self.read_block(ind, b)?;
        let blocks = *b;
        for c in blocks.chunks(4) {
            let x = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if x != 0 {
                self.bfree(x)?;
            }
        }
        self.bfree(ind)
    }

    /// Looks `name` up in directory `dir`: (inode, byte offset of the entry).
    fn dir_lookup(&mut self, dir: u32, name: &[u8]) -> Result<Option<(u32, u64)>> {
        let d = self.iget(dir)?;
        if d.typ != T_DIR {
            return Err(ENOTDIR);
        }
        let mut e = [0u8; DIRENT_SIZE];
        let mut off = 0u64;
        while off < d.size as u64 {
            self.read(dir, off, &mut e)?;
            let inum = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
            if inum != 0 && entry_name(&e) == name {
                return Ok(Some((inum, off)));
            }
            off += DIRENT_SIZE as u64;
        }
        Ok(None)
    }

    /// Adds entry `name -> inum` to directory `dir` (reusing a free slot).
    fn dir_link(&mut self, dir: u32, name: &[u8], inum: u32) -> Result<()> {
        if name.len() > NAME_MAX {
            return Err(ENAMETOOLONG);
        }
        let d = self.iget(dir)?;
        let mut e = [0u8; DIRENT_SIZE];
        let mut off = 0u64;
        while off < d.size as u64 {
            self.read(dir, off, &mut e)?;
            if u32::from_le_bytes([e[0], e[1], e[2], e[3]]) == 0 {
                break;
            }
            off += DIRENT_SIZE as u64;
        }
        let mut e = [0u8; DIRENT_SIZE];
        e[0..4].copy_from_slice(&inum.to_le_bytes());
        e[4..4 + name.len()].copy_from_slice(name);
        if self.write(dir, off, &e)? != DIRENT_SIZE {
            return Err(ENOSPC);
        }
        Ok(())
    }

    /// Resolves `path` (absolute, or relative to directory `cwd`) to an inode,
    /// following symbolic links (the last component's too).
    pub fn lookup(&mut self, cwd: u32, path: &[u8]) -> Result<u32> {
        self.resolve(cwd, path, true)
    }

    /// Like [`Fs::lookup`], but a symbolic link as the last component is returned
    /// itself (lstat, readlink, unlink).
    pub fn lookup_nofollow(&mut self, cwd: u32, path: &[u8]) -> Result<u32> {
        self.resolve(cwd, path, false)
    }

    /// Path resolution: component by component from the root or `cwd`; a symbolic link
    /// met before the last component (or as the last one with `follow`, or before a
    /// trailing `/`) is replaced by its target, relative to the directory holding it.
    /// More than `MAX_SYMLINKS` links in one resolution is ELOOP.
    fn resolve(&mut self, cwd: u32, path: &[u8], follow: bool) -> Result<u32> {
        if path.is_empty() {
            return Err(ENOENT);
        }
        let mut rest: Vec<u8> = Vec::new();
        rest.try_reserve(path.len()).map_err(|_| ENOMEM)?;
        rest.extend_from_slice(path);
        let mut cur = cwd;
        let mut links = 0;
        let mut pos = 0;
        loop {
            if pos == 0 && rest.first() == Some(&b'/') {
                cur = ROOT_INO;
            }
            while rest.get(pos) == Some(&b'/') {
                pos += 1;
            }
            if pos >= rest.len() {
                return Ok(cur);
            }
            let end = rest[pos..].iter().position(|&c| c == b'/').map_or(rest.len(), |e| pos + e);
            let c = &rest[pos..end];
            if c.len() > NAME_MAX {
                return Err(ENAMETOOLONG);
            }
            let (child, _) = self.dir_lookup(cur, c)?.ok_or(ENOENT)?;
            // What follows this component: more components, or only slashes.
            let more = end < rest.len();
            let last = rest[end..].iter().all(|&x| x == b'/');
            let ino = self.iget(child)?;
            if ino.typ == T_SYMLINK && (follow || !last || more) {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(ELOOP);
                }
                // Targets are at most one block (`Fs::symlink`); a longer one is corrupt.
                if ino.size as usize > BLOCK_SIZE {
                    return Err(ENAMETOOLONG);
                }
                let mut target = alloc::vec![0u8; ino.size as usize];
                let n = self.read(child, 0, &mut target)?;
                target.truncate(n);
                if target.is_empty() {
                    return Err(ENOENT);
                }
                let mut next = Vec::new();
                next.try_reserve(target.len() + rest.len() - end).map_err(|_| ENOMEM)?;
                next.extend_from_slice(&target);
                next.extend_from_slice(&rest[end..]);
                rest = next;
                // A relative target resolves from the directory holding the link
                // (`cur` stays); an absolute one restarts at the root.
                pos = 0;
                continue;
            }
            if more && ino.typ != T_DIR {
                return Err(ENOTDIR);
            }
            cur = child;
            pos = end;
        }
    }

    /// Resolves all but the last component: (parent directory, last name).
    fn lookup_parent<'a>(&mut self, cwd: u32, path: &'a [u8]) -> Result<(u32, &'a [u8])> {
        let trimmed = {
            let mut p = path;
            while p.len() > 1 && p.ends_with(b"/") {
                p = &p[..p.len() - 1];
            }
            p
        };
        let (dir, name) = match trimmed.iter().rposition(|&c| c == b'/') {
            Some(0) => (&trimmed[..1], &trimmed[1..]),
            Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
            None => (&b""[..], trimmed),
        };
        if name.is_empty() {
            return Err(if trimmed == b"/" { EEXIST } else { ENOENT });
        }
        if name.len() > NAME_MAX {
            return Err(ENAMETOOLONG);
        }
        let parent = if dir.is_empty() { cwd } else { self.lookup(cwd, dir)? };
        if self.iget(parent)?.typ != T_DIR {
            return Err(ENOTDIR);
        }
        Ok((parent, name))
    }

    /// Creates a file, directory or symbolic link at `path` with permission bits `mode`.
    /// With `excl`, an existing entry is EEXIST; without, an existing file (or what an
    /// existing symbolic link leads to) is returned as is.
    pub fn create(&mut self, cwd: u32, path: &[u8], typ: u16, excl: bool, mode: u16) -> Result<u32> {
        let (parent, name) = self.lookup_parent(cwd, path)?;
        if let Some((inum, _)) = self.dir_lookup(parent, name)? {
            if excl || typ != T_FILE {
                return Err(EEXIST);
            }
            if self.iget(inum)?.typ == T_SYMLINK {
                return self.lookup(cwd, path);
            }
            return Ok(inum);
        }
        if name == b"." || name == b".." {
            return Err(EEXIST);
        }
        let inum = self.ialloc(typ, mode)?;
        let made = (|| -> Result<()> {
            if typ == T_DIR {
                // "." and the parent's entry: a new directory has two links.
                let mut d = self.iget(inum)?;
                d.nlink = 2;
                self.iput(inum, &d)?;
                self.dir_link(inum, b".", inum)?;
                self.dir_link(inum, b"..", parent)?;
                let mut p = self.iget(parent)?;
                p.nlink += 1;
                self.iput(parent, &p)?;
            }
            self.dir_link(parent, name, inum)
        })();
        if let Err(e) = made {
            let _ = self.truncate(inum);
            let _ = self.iput(inum, &DiskInode::default());
            return Err(e);
        }
        Ok(inum)
    }

    /// Removes the entry at `path`: a file (`rmdir == false`, EISDIR for a directory) or
    /// an empty directory (`rmdir == true`, ENOTDIR/ENOTEMPTY otherwise).
    pub fn unlink(&mut self, cwd: u32, path: &[u8], rmdir: bool) -> Result<()> {
        let (parent, name) = self.lookup_parent(cwd, path)?;
        self.unlink_in(parent, name, rmdir)
    }

    /// Removes entry `name` of directory `parent` (see [`Fs::unlink`]).
    fn unlink_in(&mut self, parent: u32, name: &[u8], rmdir: bool) -> Result<()> {
        if name == b"." || name == b".." {
            return Err(EINVAL);
        }
        let (inum, off) = self.dir_lookup(parent, name)?.ok_or(ENOENT)?;
        let mut ino = self.iget(inum)?;
        if ino.typ == T_DIR {
            if !rmdir {
                return Err(EISDIR);
            }
            let mut e = [0u8; DIRENT_SIZE];
            let mut o = 2 * DIRENT_SIZE as u64;
            while o < ino.size as u64 {
                self.read(inum, o, &mut e)?;
                if u32::from_le_bytes([e[0], e[1], e[2], e[3]]) != 0 {
                    return Err(ENOTEMPTY);
                }
                o += DIRENT_SIZE as u64;
            }
        } else if rmdir {
            return Err(ENOTDIR);
        }
        self.write(parent, off, &[0u8; DIRENT_SIZE])?;
        if ino.typ == T_DIR {
            let mut p = self.iget(parent)?;
            p.nlink = p.nlink.saturating_sub(1);
            self.iput(parent, &p)?;
            ino.nlink = 0;
        } else {
            ino.nlink = ino.nlink.saturating_sub(1);
            ino.ctime = now();
        }
        self.iput(inum, &ino)?;
        if ino.nlink == 0 && !self.open.contains_key(&inum) {
            self.free_inode(inum)?;
        }
        Ok(())
    }

    pub(crate) fn free_inode(&mut self, inum: u32) -> Result<()> {
        self.truncate(inum)?;
        self.iput(inum, &DiskInode::default())
    }

    /// Notes an open file on `inum`.
    pub fn open_ref(&mut self, inum: u32) {
        *self.open.entry(inum).or_insert(0) += 1;
    }

    /// Drops an open-file reference; frees an unlinked inode at the last close.
    pub fn close_ref(&mut self, inum: u32) -> Result<()> {
        let last = match self.open.get_mut(&inum) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                self.open.remove(&inum);
                true
            }
            None => false,
        };
        if last && self.iget(inum)?.nlink == 0 {
            self.free_inode(inum)?;
        }
        Ok(())
    }

    /// (free data blocks, total data blocks).
    pub fn block_stats(&mut self) -> Result<(u32, u32)> {
        let bits = BLOCK_SIZE as u32 * 8;
        let mut b = [0u8; BLOCK_SIZE];
        let mut free = 0;
        for blk in self.sb.data_start..self.sb.nblocks {
            if blk % bits == 0 || blk == self.sb.data_start {
                self.read_block(self.sb.bmap_start + blk / bits, &mut b)?;
            }
            let i = blk % bits;
            if b[(i / 8) as usize] & (1 << (i % 8)) == 0 {
                free += 1;
            }
        }
        Ok((free, self.sb.nblocks - self.sb.data_start))
    }
}

/// The time now on the machine's realtime clock (`time::realtime`).
fn now() -> Time {
    let ns = crate::time::realtime_ns();
    Time { sec: ns.div_euclid(1_000_000_000) as i64, nsec: ns.rem_euclid(1_000_000_000) as u32 }
}

/// The name in a raw directory entry.
pub fn entry_name(e: &[u8]) -> &[u8] {
    let n = &e[4..DIRENT_SIZE];
    let len = n.iter().position(|&c| c == 0).unwrap_or(n.len());
    &n[..len]
}

fn try_box_block(data: &Block) -> Option<Box<Block>> {
    let mut v: Vec<u8> = Vec::new();
    v.try_reserve_exact(BLOCK_SIZE).ok()?;
    v.extend_from_slice(data);
    v.into_boxed_slice().try_into().ok()
}
