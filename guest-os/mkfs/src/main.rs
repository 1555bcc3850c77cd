//! mkfs: builds a guest file-system image (format in `abi::fs`).
//!
//! ```text
//! mkfs OUT.img [--blocks N] [--inodes N] GUEST_PATH=HOST_FILE...
//! ```
//! Each `GUEST_PATH=HOST_FILE` copies a host file into the image, creating parent
//! directories as needed (e.g. `/bin/sh=target/.../sh`), with the host file's
//! permission bits; `--symlink GUEST_PATH=TARGET` adds a symbolic link. Every image
//! has the device files of `abi::fs::DEVICES` in /dev. Inodes are owned by root and
//! stamped with `abi::time::BOOT_EPOCH`, so images are reproducible.
//!
//! `mkfs --check IMG` checks an image instead (see [`check`]), e.g. after the kernel
//! wrote to it; exit status 1 if anything is inconsistent.

mod check;
mod list;

use abi::fs::*;
use std::process::ExitCode;

/// An image under construction.
struct Image {
    data: Vec<u8>,
    sb: Superblock,
    next_block: u32,
    next_inode: u32,
}

impl Image {
    fn new(nblocks: u32, ninodes: u32) -> Result<Image, String> {
        let inode_blocks = (ninodes as usize).div_ceil(INODES_PER_BLOCK) as u32;
        let bmap_blocks = (nblocks as usize).div_ceil(BLOCK_SIZE * 8) as u32;
        // The log: header + 64 blocks, more on large images (a truncate touches every
        // bitmap block), never more than one header can name.
        let nlog = (LOG_DEFAULT_BLOCKS + bmap_blocks).min(LOG_MAX_BLOCKS as u32 + 1);
        let inode_start = LOG_START + nlog;
        let bmap_start = inode_start + inode_blocks;
        let data_start = bmap_start + bmap_blocks;
        if data_start + 16 > nblocks {
            return Err(format!("{nblocks} blocks is too small"));
        }
        let sb = Superblock {
            magic: MAGIC,
            nblocks,
            ninodes,
            inode_start,
            bmap_start,
            data_start,
            log_start: LOG_START,
            nlog,
        };
        let mut img =
            Image { data: vec![0; nblocks as usize * BLOCK_SIZE], sb, next_block: data_start, next_inode: ROOT_INO };
        sb.encode(&mut img.data[SUPERBLOCK as usize * BLOCK_SIZE..]);
        LogHeader::empty().encode(&mut img.data[LOG_START as usize * BLOCK_SIZE..]);
        let root = img.alloc_inode(T_DIR, 0o755)?;
        assert_eq!(root, ROOT_INO);
        img.link(root, ".", root)?;
        img.link(root, "..", root)?;
        img.set_nlink(root, 2);
        let dev = img.mkdir_p(&["dev"])?;
        for (name, rdev) in DEVICES {
            let d = img.alloc_inode(T_DEV, 0o666)?;
            let mut ino = img.inode(d);
            ino.rdev = rdev;
            img.put_inode(d, &ino);
            img.link(dev, name, d)?;
        }
        Ok(img)
    }

    fn block(&mut self, b: u32) -> &mut [u8] {
        &mut self.data[b as usize * BLOCK_SIZE..(b as usize + 1) * BLOCK_SIZE]
    }

    fn inode(&self, inum: u32) -> DiskInode {
        let off = self.sb.inode_start as usize * BLOCK_SIZE + inum as usize * INODE_SIZE;
        DiskInode::decode(&self.data[off..off + INODE_SIZE])
    }

    fn put_inode(&mut self, inum: u32, ino: &DiskInode) {
        let off = self.sb.inode_start as usize * BLOCK_SIZE + inum as usize * INODE_SIZE;
        ino.encode(&mut self.data[off..off + INODE_SIZE]);
    }

    fn set_nlink(&mut self, inum: u32, n: u16) {
        let mut ino = self.inode(inum);
        ino.nlink = n;
        self.put_inode(inum, &ino);
    }

    fn alloc_inode(&mut self, typ: u16, mode: u16) -> Result<u32, String> {
        if self.next_inode >= self.sb.ninodes {
            return Err("out of inodes".into());
        }
        let i = self.next_inode;
        self.next_inode += 1;
        let t = Time { sec: abi::time::BOOT_EPOCH, nsec: 0 };
        self.put_inode(i, &DiskInode::new(typ, mode, t));
        Ok(i)
    }

    fn alloc_block(&mut self) -> Result<u32, String> {
        if self.next_block >= self.sb.nblocks {
            return Err("image full: use a larger --blocks".into());
        }
        let b = self.next_block;
        self.next_block += 1;
        Ok(b)
    }

    fn ptr(&mut self, blk: u32, i: usize) -> Result<u32, String> {
        let off = i * 4;
        let cur = u32::from_le_bytes(self.block(blk)[off..off + 4].try_into().expect("4 bytes"));
        if cur != 0 {
            return Ok(cur);
        }
        let n = self.alloc_block()?;
        self.block(blk)[off..off + 4].copy_from_slice(&n.to_le_bytes());
        Ok(n)
    }

    /// The block for file block `fb` of `ino`, allocating as needed.
    fn bmap(&mut self, ino: &mut DiskInode, fb: usize) -> Result<u32, String> {
        if fb < NDIRECT {
            if ino.addrs[fb] == 0 {
                ino.addrs[fb] = self.alloc_block()?;
            }
            return Ok(ino.addrs[fb]);
        }
        let fb = fb - NDIRECT;
        if fb < NINDIRECT {
            if ino.addrs[NDIRECT] == 0 {
                ino.addrs[NDIRECT] = self.alloc_block()?;
            }
            return self.ptr(ino.addrs[NDIRECT], fb);
        }
        let fb = fb - NINDIRECT;
        if fb >= NINDIRECT * NINDIRECT {
            return Err("file too large".into());
        }
        if ino.addrs[NDIRECT + 1] == 0 {
            ino.addrs[NDIRECT + 1] = self.alloc_block()?;
        }
        let ind = self.ptr(ino.addrs[NDIRECT + 1], fb / NINDIRECT)?;
        self.ptr(ind, fb % NINDIRECT)
    }

    fn append(&mut self, inum: u32, bytes: &[u8]) -> Result<(), String> {
        let mut ino = self.inode(inum);
        let mut off = ino.size as usize;
        for chunk in bytes.chunks(BLOCK_SIZE) {
            let mut rest = chunk;
            while !rest.is_empty() {
                let b = self.bmap(&mut ino, off / BLOCK_SIZE)?;
                let o = off % BLOCK_SIZE;
                let n = rest.len().min(BLOCK_SIZE - o);
                self.block(b)[o..o + n].copy_from_slice(&rest[..n]);
                off += n;
                rest = &rest[n..];
            }
        }
        ino.size = off as u32;
        self.put_inode(inum, &ino);
        Ok(())
    }

    fn link(&mut self, dir: u32, name: &str, inum: u32) -> Result<(), String> {
        if name.len() > NAME_MAX {
            return Err(format!("name too long: {name}"));
        }
        let mut e = [0u8; DIRENT_SIZE];
        e[..4].copy_from_slice(&inum.to_le_bytes());
        e[4..4 + name.len()].copy_from_slice(name.as_bytes());
        self.append(dir, &e)
    }

    fn lookup(&self, dir: u32, name: &str) -> Option<u32> {
        let ino = self.inode(dir);
        let tmp = ino;
        let mut off = 0;
        while off < ino.size as usize {
            let fb = off / BLOCK_SIZE;
            let blk = if fb < NDIRECT {
                tmp.addrs[fb]
            } else {
                let ind = tmp.addrs[NDIRECT] as usize * BLOCK_SIZE + (fb - NDIRECT) * 4;
                u32::from_le_bytes(self.data[ind..ind + 4].try_into().ok()?)
            };
            let e = &self.data[blk as usize * BLOCK_SIZE + off % BLOCK_SIZE..][..DIRENT_SIZE];
            let i = u32::from_le_bytes(e[..4].try_into().ok()?);
            let n = &e[4..];
            let len = n.iter().position(|&c| c == 0).unwrap_or(n.len());
            if i != 0 && &n[..len] == name.as_bytes() {
                return Some(i);
            }
            off += DIRENT_SIZE;
        }
        None
    }

    fn mkdir_p(&mut self, comps: &[&str]) -> Result<u32, String> {
        let mut cur = ROOT_INO;
        for c in comps {
            cur = match self.lookup(cur, c) {
                Some(i) => i,
                None => {
                    let d = self.alloc_inode(T_DIR, 0o755)?;
                    self.link(d, ".", d)?;
                    self.link(d, "..", cur)?;
                    self.set_nlink(d, 2);
                    self.link(cur, c, d)?;
                    let n = self.inode(cur).nlink;
                    self.set_nlink(cur, n + 1);
                    d
                }
            };
        }
        Ok(cur)
    }

    /// Adds a file with mode 0o755 (the tests' shorthand).
    #[cfg(test)]
    fn add_file(&mut self, guest: &str, bytes: &[u8]) -> Result<(), String> {
        self.add(guest, T_FILE, 0o755, bytes)
    }

    /// Adds an inode of type `typ` with contents `bytes` at `guest`.
    fn add(&mut self, guest: &str, typ: u16, mode: u16, bytes: &[u8]) -> Result<(), String> {
        let comps: Vec<&str> = guest.split('/').filter(|c| !c.is_empty()).collect();
        let (name, dirs) = comps.split_last().ok_or_else(|| format!("bad guest path {guest}"))?;
        let dir = self.mkdir_p(dirs)?;
        if self.lookup(dir, name).is_some() {
            return Err(format!("{guest} given twice"));
        }
        let f = self.alloc_inode(typ, mode)?;
        self.link(dir, name, f)?;
        self.append(f, bytes)
    }

    fn finish(mut self) -> Vec<u8> {
        let used = self.next_block;
        for b in 0..used {
            let byte = self.sb.bmap_start as usize * BLOCK_SIZE + (b / 8) as usize;
            self.data[byte] |= 1 << (b % 8);
        }
        self.data
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let mut out = None;
    let mut blocks = 16384u32;
    let mut inodes = 512u32;
    let mut files = Vec::new();
    let mut links = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--blocks" => blocks = it.next().and_then(|v| v.parse().ok()).ok_or("--blocks N")?,
            "--inodes" => inodes = it.next().and_then(|v| v.parse().ok()).ok_or("--inodes N")?,
            "--symlink" => {
                let (g, t) = it.next().and_then(|v| v.split_once('=')).ok_or("--symlink GUEST=TARGET")?;
                if t.is_empty() {
                    return Err(format!("--symlink {g}: empty target"));
                }
                links.push((g.to_string(), t.to_string()));
            }
            a if a.contains('=') => {
                let (g, h) = a.split_once('=').ok_or("GUEST=HOST")?;
                files.push((g.to_string(), h.to_string()));
            }
            // An unknown option is an error, not the name of the image to write.
            a if a.starts_with('-') => return Err(format!("unknown option {a}\n{USAGE}")),
            a if out.is_none() => out = Some(a.to_string()),
            a => return Err(format!("unexpected argument {a}")),
        }
    }
    let out = out.ok_or(
        "usage: mkfs OUT.img [--blocks N] [--inodes N] [--symlink GUEST_PATH=TARGET]... GUEST_PATH=HOST_FILE...",
    )?;
    let mut img = Image::new(blocks, inodes)?;
    for (g, h) in &files {
        let bytes = std::fs::read(h).map_err(|e| format!("{h}: {e}"))?;
        let mode = host_mode(h);
        img.add(g, T_FILE, mode, &bytes)?;
    }
    for (g, t) in &links {
        img.add(g, T_SYMLINK, 0o777, t.as_bytes())?;
    }
    let used = img.next_block;
    std::fs::write(&out, img.finish()).map_err(|e| format!("{out}: {e}"))?;
    println!("mkfs: {out}: {} files, {used}/{blocks} blocks used", files.len());
    Ok(())
}

/// The permission bits of host file `path` (0o644 where the host has none).
fn host_mode(path: &str) -> u16 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path) {
            return (m.permissions().mode() & 0o7777) as u16;
        }
    }
    let _ = path;
    0o644
}

const USAGE: &str = "usage: mkfs OUT.img [--blocks N] [--inodes N] [--symlink GUEST=TARGET]... GUEST_PATH=HOST_FILE...
       mkfs --check [--recover] [--list] IMG";

/// `mkfs --check [--recover] [--list] IMG`: recovers the image as the kernel's mount
/// would (in memory, or in the file with `--recover`), checks it, prints the problems
/// (and with `--list` the tree); exit status 1 if anything is inconsistent, 2 for bad
/// usage.
fn check_cmd(args: &[String]) -> ExitCode {
    let mut list = false;
    let mut write_back = false;
    let mut path = None;
    for a in args {
        match a.as_str() {
            "--list" => list = true,
            "--recover" => write_back = true,
            a if a.starts_with('-') || path.is_some() => {
                eprintln!("mkfs: --check: unexpected argument {a}\n{USAGE}");
                return ExitCode::from(2);
            }
            a => path = Some(a.to_string()),
        }
    }
    let Some(path) = path else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let mut data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("mkfs: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut log_problems = Vec::new();
    // Recovery needs a valid superblock; the check below reports a bad or old one.
    if check::Img::new(&data).is_some() {
        let whr = if write_back { "" } else { " (in memory: --recover writes it to the image)" };
        match check::recover(&mut data) {
            Err(e) => log_problems.push(e),
            Ok(rec) => {
                if rec.replayed == 0 {
                    println!("fsck: log: empty");
                } else {
                    println!("fsck: log: replayed a committed transaction of {} blocks{whr}", rec.replayed);
                }
                for i in &rec.orphans {
                    println!("fsck: freed orphaned inode {i} (allocated, no links){whr}");
                }
                if write_back && (rec.replayed > 0 || !rec.orphans.is_empty()) {
                    if let Err(e) = std::fs::write(&path, &data) {
                        eprintln!("mkfs: {path}: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
    }
    let mut r = check::check(&data);
    r.problems.splice(0..0, log_problems);
    for p in &r.problems {
        println!("fsck: {p}");
    }
    println!(
        "fsck: {path}: {} files, {} directories, {} data blocks, {} problems",
        r.files,
        r.dirs,
        r.blocks_used,
        r.problems.len()
    );
    if list {
        if let Some(img) = check::Img::new(&data) {
            for l in list::list(&img) {
                println!("{l}");
            }
        }
    }
    if r.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--help" | "-h") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
        _ => {}
    }
    if args.first().map(String::as_str) == Some("--check") {
        return check_cmd(&args[1..]);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mkfs: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_devices_and_old_images_are_checked() {
        let mut img = Image::new(2048, 64).expect("image");
        img.add_file("/bin/busybox", b"x").expect("add");
        img.add("/bin/ls", T_SYMLINK, 0o777, b"busybox").expect("link");
        let ls = img.lookup(img.lookup(ROOT_INO, "bin").expect("bin"), "ls").expect("ls");
        let dev = img.lookup(ROOT_INO, "dev").expect("/dev");
        let null = img.lookup(dev, "null").expect("/dev/null");
        assert_eq!(img.inode(null).rdev, DEV_NULL);
        let mut data = img.finish();
        let r = check::check(&data);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!((r.files, r.symlinks, r.devices), (1, 1, DEVICES.len()));
        // An empty link target and an unknown device number are problems.
        let sb = Superblock::decode(&data[BLOCK_SIZE..]);
        let off = |i: u32| sb.inode_start as usize * BLOCK_SIZE + i as usize * INODE_SIZE;
        let mut l = DiskInode::decode(&data[off(ls)..]);
        l.size = 0;
        l.encode(&mut data[off(ls)..off(ls) + INODE_SIZE]);
        let mut n = DiskInode::decode(&data[off(null)..]);
        n.rdev = 0xffff;
        n.encode(&mut data[off(null)..off(null) + INODE_SIZE]);
        let r = check::check(&data);
        assert!(r.problems.iter().any(|p| p.contains("empty symbolic link")), "{:?}", r.problems);
        assert!(r.problems.iter().any(|p| p.contains("unknown device")), "{:?}", r.problems);
        // An image of the first format is named as such.
        data[BLOCK_SIZE..BLOCK_SIZE + 4].copy_from_slice(&MAGIC_V1.to_le_bytes());
        let r = check::check(&data);
        assert!(r.problems.iter().any(|p| p.contains("old format")), "{:?}", r.problems);
    }

    #[test]
    fn image_has_valid_superblock_and_files() {
        let mut img = Image::new(2048, 64).expect("image");
        img.add_file("/bin/x", &vec![7u8; 20_000]).expect("add");
        img.add_file("/etc/a", b"hello").expect("add");
        let bin = img.lookup(ROOT_INO, "bin").expect("bin dir");
        let x = img.lookup(bin, "x").expect("x");
        assert_eq!(img.inode(x).size, 20_000);
        assert_ne!(img.inode(x).addrs[NDIRECT], 0, "20 KB needs the indirect block");
        let data = img.finish();
        let sb = Superblock::decode(&data[BLOCK_SIZE..]);
        assert!(sb.is_valid());
        // Root, dev and its devices, bin, x, etc, a are allocated.
        let root = DiskInode::decode(&data[sb.inode_start as usize * BLOCK_SIZE + INODE_SIZE..]);
        assert_eq!(root.typ, T_DIR);
        assert_eq!(root.nlink, 5);
        assert_eq!(root.mode, 0o755);
        assert_eq!(root.mtime.sec, abi::time::BOOT_EPOCH);
        let r = check::check(&data);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!((r.files, r.dirs, r.devices), (2, 4, DEVICES.len()));
    }

    #[test]
    fn check_finds_leaks_and_double_use() {
        let mut img = Image::new(2048, 64).expect("image");
        img.add_file("/a", &[1u8; 3000]).expect("add");
        img.add_file("/b", &[2u8; 10]).expect("add");
        let (ia, ib) = (img.lookup(ROOT_INO, "a").expect("a") as usize, img.lookup(ROOT_INO, "b").expect("b") as usize);
        let mut data = img.finish();
        let sb = Superblock::decode(&data[BLOCK_SIZE..]);
        // Mark an unused block: a leak.
        let leak = sb.nblocks - 1;
        data[sb.bmap_start as usize * BLOCK_SIZE + (leak / 8) as usize] |= 1 << (leak % 8);
        // Point /b's first block at one of /a's.
        let off = |i: usize| sb.inode_start as usize * BLOCK_SIZE + i * INODE_SIZE;
        let a = DiskInode::decode(&data[off(ia)..]);
        let mut b = DiskInode::decode(&data[off(ib)..]);
        b.addrs[0] = a.addrs[0];
        b.encode(&mut data[off(ib)..off(ib) + INODE_SIZE]);
        let r = check::check(&data);
        assert!(r.problems.iter().any(|p| p.contains("leak")), "{:?}", r.problems);
        assert!(r.problems.iter().any(|p| p.contains("used by inodes")), "{:?}", r.problems);
    }

    #[test]
    fn recovery_replays_a_committed_log_frees_orphans_and_rejects_bad_headers() {
        let mut img = Image::new(2048, 64).expect("image");
        img.add_file("/a", &[1u8; 3000]).expect("add");
        let ia = img.lookup(ROOT_INO, "a").expect("a");
        let mut data = img.finish();
        let sb = Superblock::decode(&data[BLOCK_SIZE..]);
        assert_eq!((sb.log_start, sb.nlog), (LOG_START, LOG_DEFAULT_BLOCKS + 1));
        let clean = data.clone();
        let r = check::recover(&mut data).expect("recover");
        assert_eq!((r.replayed, r.orphans.len()), (0, 0));
        assert_eq!(data, clean, "an empty log and no orphans change nothing");
        // A committed transaction that unlinks /a: root's entry cleared and a's inode
        // freed with its blocks, all in the log only.
        let at = |b: u32| b as usize * BLOCK_SIZE;
        let root = DiskInode::decode(&data[at(sb.inode_start) + INODE_SIZE..]);
        let mut dirblk = data[at(root.addrs[0])..at(root.addrs[0] + 1)].to_vec();
        let slot = dirblk.chunks(DIRENT_SIZE).position(|e| u32::from_le_bytes([e[0], e[1], e[2], e[3]]) == ia);
        let slot = slot.expect("a's entry");
        dirblk[slot * DIRENT_SIZE..(slot + 1) * DIRENT_SIZE].fill(0);
        let iblk = sb.inode_start + ia / INODES_PER_BLOCK as u32;
        let mut inodes = data[at(iblk)..at(iblk + 1)].to_vec();
        let o = (ia as usize % INODES_PER_BLOCK) * INODE_SIZE;
        let a = DiskInode::decode(&inodes[o..]);
        DiskInode::default().encode(&mut inodes[o..o + INODE_SIZE]);
        let mut bmap = data[at(sb.bmap_start)..at(sb.bmap_start + 1)].to_vec();
        for &b in a.addrs.iter().filter(|&&b| b != 0) {
            bmap[(b / 8) as usize] &= !(1 << (b % 8));
        }
        let mut h = LogHeader::empty();
        for (i, (home, blk)) in [(root.addrs[0], &dirblk), (iblk, &inodes), (sb.bmap_start, &bmap)].iter().enumerate() {
            data[at(sb.log_start + 1 + i as u32)..at(sb.log_start + 2 + i as u32)].copy_from_slice(blk);
            h.blocks[i] = *home;
        }
        h.n = 3;
        h.encode(&mut data[at(sb.log_start)..]);
        let mut uncommitted = data.clone();
        LogHeader::empty().encode(&mut uncommitted[at(sb.log_start)..]);
        assert_eq!(check::recover(&mut uncommitted).expect("recover").replayed, 0, "no header, no transaction");
        let r = check::recover(&mut data).expect("recover");
        assert_eq!(r.replayed, 3);
        assert_eq!(LogHeader::decode(&data[at(sb.log_start)..]), LogHeader::empty(), "the header is cleared");
        let r = check::check(&data);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.files, 0);
        // An orphan: /a without its directory entry but still allocated, nlink 0.
        let mut data = clean.clone();
        data[at(root.addrs[0]) + slot * DIRENT_SIZE..at(root.addrs[0]) + (slot + 1) * DIRENT_SIZE].fill(0);
        let off = at(sb.inode_start) + ia as usize * INODE_SIZE;
        let mut ino = DiskInode::decode(&data[off..]);
        ino.nlink = 0;
        ino.encode(&mut data[off..off + INODE_SIZE]);
        assert!(!check::check(&data).problems.is_empty(), "an orphan is a problem until recovery");
        let r = check::recover(&mut data).expect("recover");
        assert_eq!(r.orphans, vec![ia]);
        let r = check::check(&data);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        // A header naming a block over the superblock is refused, the image untouched.
        let mut data = clean.clone();
        let mut h = LogHeader::empty();
        h.n = 1;
        h.blocks[0] = SUPERBLOCK;
        h.encode(&mut data[at(sb.log_start)..]);
        let before = data.clone();
        assert!(check::recover(&mut data).unwrap_err().contains("outside"));
        assert_eq!(data, before);
        // A format-2 image is named as such.
        let mut data = clean;
        data[BLOCK_SIZE..BLOCK_SIZE + 4].copy_from_slice(&MAGIC_V2.to_le_bytes());
        assert!(check::check(&data).problems.iter().any(|p| p.contains("format 2")));
    }

    #[test]
    fn an_option_is_never_taken_for_the_image_name() {
        let e = run(&["--bogus".to_string(), "/a=/dev/null".to_string()]).unwrap_err();
        assert!(e.contains("unknown option --bogus"), "{e}");
        assert!(!std::path::Path::new("--bogus").exists());
    }
}
