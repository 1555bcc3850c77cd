//! File-system operations beyond create/read/write/unlink: truncation to a length,
//! rename, hard and symbolic links, and inode attributes (mode, owner, times).
//! Same rules as the parent module: one lock, errors are positive errno values.

use super::{now, Fs, Result};
use abi::errno::*;
use abi::fs::*;

/// Which timestamps [`Fs::set_times`] changes: `None` leaves one as it is.
pub struct Times {
    pub atime: Option<Time>,
    pub mtime: Option<Time>,
}

impl Fs {
    /// Sets the size of `inum` to `len` (truncate/ftruncate): blocks wholly past the
    /// new end are freed, the tail of the last block is zeroed, growth leaves a hole.
    pub fn set_size(&mut self, inum: u32, len: u64) -> Result<()> {
        if len > (MAX_FILE_BLOCKS * BLOCK_SIZE) as u64 {
            return Err(EFBIG);
        }
        let mut ino = self.iget(inum)?;
        if ino.typ != T_FILE {
            return Err(if ino.typ == T_DIR { EISDIR } else { EINVAL });
        }
        if len == 0 {
            self.truncate(inum)?;
            ino = self.iget(inum)?;
        } else if len < ino.size as u64 {
            let keep = (len as usize).div_ceil(BLOCK_SIZE);
            let had = (ino.size as usize).div_ceil(BLOCK_SIZE);
            for fb in keep..had {
                self.bfree_file_block(&mut ino, fb)?;
            }
            // Bytes past the end in the last kept block read as zeros if it grows again.
            let tail = len as usize % BLOCK_SIZE;
            if tail != 0 {
                let blk = self.bmap(&mut ino, keep - 1, false)?;
                if blk != 0 {
                    let mut b = [0u8; BLOCK_SIZE];
                    self.read_block(blk, &mut b)?;
                    b[tail..].fill(0);
                    self.write_block(blk, &b)?;
                }
            }
            crate::mm::pagecache::truncate(inum);
            ino.size = len as u32;
        } else {
            ino.size = len as u32;
        }
        let t = now();
        ino.mtime = t;
        ino.ctime = t;
        self.iput(inum, &ino)
    }

    /// Frees data block `fb` of `ino` and clears its pointer (pointer blocks stay).
    fn bfree_file_block(&mut self, ino: &mut DiskInode, fb: usize) -> Result<()> {
        if fb < NDIRECT {
            if ino.addrs[fb] != 0 {
                self.bfree(ino.addrs[fb])?;
                ino.addrs[fb] = 0;
            }
            return Ok(());
        }
        let (ind, i) = if fb - NDIRECT < NINDIRECT {
            (ino.addrs[NDIRECT], fb - NDIRECT)
        } else {
            let f = fb - NDIRECT - NINDIRECT;
            let d = ino.addrs[NDIRECT + 1];
            if d == 0 {
                return Ok(());
            }
            (self.indirect(d, f / NINDIRECT, false)?, f % NINDIRECT)
        };
        if ind == 0 {
            return Ok(());
        }
        let mut b = [0u8; BLOCK_SIZE];
        self.read_block(ind, &mut b)?;
        let v = u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
        if v != 0 {
            b[i * 4..i * 4 + 4].fill(0);
            self.write_block(ind, &b)?;
            self.bfree(v)?;
        }
        Ok(())
    }

    /// Makes a symbolic link at `path` whose contents are `target`.
    pub fn symlink(&mut self, cwd: u32, target: &[u8], path: &[u8]) -> Result<u32> {
        if target.is_empty() {
            return Err(ENOENT);
        }
        if target.len() > BLOCK_SIZE {
            return Err(ENAMETOOLONG);
        }
        let inum = self.create(cwd, path, T_SYMLINK, true, 0o777)?;
        match self.write(inum, 0, target) {
            Ok(n) if n == target.len() => Ok(inum),
            r => {
                let _ = self.unlink(cwd, path, false);
                Err(r.err().unwrap_or(ENOSPC))
            }
        }
    }

    /// The target of symbolic link `inum` into `out`: its length (EINVAL if `inum` is
    /// not a link). Like readlink(2), the result is cut to `out.len()`.
    pub fn readlink(&mut self, inum: u32, out: &mut [u8]) -> Result<usize> {
        if self.iget(inum)?.typ != T_SYMLINK {
            return Err(EINVAL);
        }
        self.read(inum, 0, out)
    }

    /// A hard link at `new` to the (non-directory) inode `inum`.
    pub fn link(&mut self, inum: u32, cwd: u32, new: &[u8]) -> Result<()> {
        let mut ino = self.iget(inum)?;
        if ino.typ == T_DIR {
            return Err(EPERM);
        }
        let (parent, name) = self.lookup_parent(cwd, new)?;
        if self.dir_lookup(parent, name)?.is_some() || name == b"." || name == b".." {
            return Err(EEXIST);
        }
        if ino.nlink == u16::MAX {
            return Err(EMLINK);
        }
        self.dir_link(parent, name, inum)?;
        ino = self.iget(inum)?;
        ino.nlink += 1;
        ino.ctime = now();
        self.iput(inum, &ino)
    }

    /// rename(2): moves the entry `old` to `new` (both relative to their base
    /// directories). An existing `new` is replaced (EEXIST with `noreplace`): a file by
    /// a non-directory, an empty directory by a directory. A directory cannot move
    /// into itself (EINVAL).
    pub fn rename(&mut self, ocwd: u32, old: &[u8], ncwd: u32, new: &[u8], noreplace: bool) -> Result<()> {
        let (op, oname) = self.lookup_parent(ocwd, old)?;
        let (np, nname) = self.lookup_parent(ncwd, new)?;
        if oname == b"." || oname == b".." || nname == b"." || nname == b".." {
            return Err(EINVAL);
        }
        let (inum, ooff) = self.dir_lookup(op, oname)?.ok_or(ENOENT)?;
        let ino = self.iget(inum)?;
        let is_dir = ino.typ == T_DIR;
        if is_dir && op != np {
            // The new parent must not be inside the directory being moved.
            let mut d = np;
            for _ in 0..self.sb.ninodes {
                if d == inum {
                    return Err(EINVAL);
                }
                if d == ROOT_INO {
                    break;
                }
                d = self.dir_lookup(d, b"..")?.map_or(ROOT_INO, |(p, _)| p);
            }
        }
        if let Some((existing, _)) = self.dir_lookup(np, nname)? {
            if existing == inum {
                return Ok(());
            }
            if noreplace {
                return Err(EEXIST);
            }
            let e = self.iget(existing)?;
            match (is_dir, e.typ == T_DIR) {
                (true, false) => return Err(ENOTDIR),
                (false, true) => return Err(EISDIR),
                _ => {}
            }
            // unlink checks emptiness (ENOTEMPTY) and frees the inode if unused.
            self.unlink_in(np, nname, is_dir)?;
        }
        self.dir_link(np, nname, inum)?;
        // The old entry may have moved if the same directory grew: look it up again.
        let ooff = match self.dir_lookup(op, oname)? {
            Some((i, off)) if i == inum => off,
            _ => ooff,
        };
        self.write(op, ooff, &[0u8; DIRENT_SIZE])?;
        if is_dir && op != np {
            // Its ".." now names the new parent; the link counts move with it.
            if let Some((_, off)) = self.dir_lookup(inum, b"..")? {
                let mut e = [0u8; DIRENT_SIZE];
                e[0..4].copy_from_slice(&np.to_le_bytes());
                e[4..6].copy_from_slice(b"..");
                self.write(inum, off, &e)?;
            }
            let mut o = self.iget(op)?;
            o.nlink = o.nlink.saturating_sub(1);
            self.iput(op, &o)?;
            let mut n = self.iget(np)?;
            n.nlink += 1;
            self.iput(np, &n)?;
        }
        let mut ino = self.iget(inum)?;
        ino.ctime = now();
        self.iput(inum, &ino)
    }

    /// Sets the permission bits of `inum`.
    pub fn set_mode(&mut self, inum: u32, mode: u16) -> Result<()> {
        let mut ino = self.iget(inum)?;
        ino.mode = mode & 0o7777;
        ino.ctime = now();
        self.iput(inum, &ino)
    }

    /// Sets the owner of `inum` (`None` keeps one).
    pub fn set_owner(&mut self, inum: u32, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
        let mut ino = self.iget(inum)?;
        if let Some(u) = uid {
            ino.uid = u;
        }
        if let Some(g) = gid {
            ino.gid = g;
        }
        ino.ctime = now();
        self.iput(inum, &ino)
    }

    /// Sets the access and modification times of `inum` (utimensat); ctime becomes now.
    pub fn set_times(&mut self, inum: u32, t: Times) -> Result<()> {
        let mut ino = self.iget(inum)?;
        if let Some(a) = t.atime {
            ino.atime = a;
        }
        if let Some(m) = t.mtime {
            ino.mtime = m;
        }
        ino.ctime = now();
        self.iput(inum, &ino)
    }

    /// (total inodes, free inodes) for statfs.
    pub fn inode_stats(&mut self) -> Result<(u32, u32)> {
        let mut free = 0;
        for inum in ROOT_INO..self.sb.ninodes {
            if self.iget(inum)?.typ == T_FREE {
                free += 1;
            }
        }
        Ok((self.sb.ninodes - 1, free))
    }
}

impl Fs {
    /// The absolute path of directory `inum`, found by walking ".." to the root and
    /// looking each directory up in its parent (fchdir).
    pub fn path_of(&mut self, inum: u32) -> Result<alloc::vec::Vec<u8>> {
        let mut names: alloc::vec::Vec<alloc::vec::Vec<u8>> = alloc::vec::Vec::new();
        let mut cur = inum;
        for _ in 0..self.sb.ninodes {
            if cur == ROOT_INO {
                break;
            }
            let (parent, _) = self.dir_lookup(cur, b"..")?.ok_or(ENOENT)?;
            let d = self.iget(parent)?;
            let mut e = [0u8; DIRENT_SIZE];
            let mut off = 0u64;
            let mut found = false;
            while off < d.size as u64 {
                self.read(parent, off, &mut e)?;
                let i = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
                let name = super::entry_name(&e);
                if i == cur && name != b"." && name != b".." {
                    names.push(name.to_vec());
                    found = true;
                    break;
                }
                off += DIRENT_SIZE as u64;
            }
            if !found {
                return Err(ENOENT);
            }
            cur = parent;
        }
        let mut p = alloc::vec::Vec::new();
        for n in names.iter().rev() {
            p.push(b'/');
            p.extend_from_slice(n);
        }
        if p.is_empty() {
            p.push(b'/');
        }
        Ok(p)
    }
}
