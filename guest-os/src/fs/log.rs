//! The write-ahead log (docs/fs.md), as xv6's log.c teaches: every call into the file
//! system ([`super::with`]) is one transaction. A block it changes is only changed in
//! the cache, where it stays pinned (never evicted), and its number is recorded
//! ([`Fs::log_write`], with absorption: a block changed twice is logged once). At the
//! end of the call [`Fs::commit`] writes the changed blocks to the log area, then the
//! header naming them (the commit point: one sector, written atomically), then installs
//! them at their homes and clears the header. A crash before the header is written
//! loses the whole transaction; after it, [`Fs::recover`] at mount installs it again.
//!
//! Transactions are bounded: the log holds `sb.nlog - 1` blocks (at most
//! `LOG_MAX_BLOCKS`); writes are split into transactions of [`WRITE_CHUNK_BLOCKS`]
//! blocks at consistent points (`Fs::write`). An operation that still outgrows the log
//! (a truncate or shrink freeing blocks across very many bitmap or pointer blocks) is
//! committed in parts ([`LogStats::splits`] counts them): each part is durable, the
//! whole is then not atomic.
//!
//! Nothing in the file system sleeps and one lock covers it, so unlike xv6 no two
//! transactions are ever open together and a commit needs no waiting.

use super::{Block, Fs, Result};
use abi::fs::*;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Most blocks a write adds to one transaction: data blocks, plus what allocating them
/// changes (bitmap, up to three pointer blocks, the inode) stays well inside the log.
pub const WRITE_CHUNK_BLOCKS: usize = 16;

/// The log's counters since boot (`vmstat`'s "fs log" line).
pub struct LogStats {
    /// Transactions committed (calls that changed at least one block).
    pub transactions: AtomicU64,
    /// Blocks written to the log area.
    pub blocks_logged: AtomicU64,
    /// Commit records written (transactions, plus the extra parts of split ones).
    pub commits: AtomicU64,
    /// Committed transactions replayed at mount.
    pub recoveries: AtomicU64,
    /// Transactions that outgrew the log and were committed in parts.
    pub splits: AtomicU64,
    /// Unlinked inodes still allocated at mount (open when the machine stopped), freed.
    pub orphans: AtomicU64,
    /// Transactions dropped because a write before the commit point failed.
    pub aborts: AtomicU64,
}

/// The counters.
pub static STATS: LogStats = LogStats {
    transactions: AtomicU64::new(0),
    blocks_logged: AtomicU64::new(0),
    commits: AtomicU64::new(0),
    recoveries: AtomicU64::new(0),
    splits: AtomicU64::new(0),
    orphans: AtomicU64::new(0),
    aborts: AtomicU64::new(0),
};

/// The counters as words for `RVSIM_VMSTAT` (the `fs_*` fields of `abi::VmStat`).
pub fn vmstat_words() -> [u64; 6] {
    let s = &STATS;
    [
        s.transactions.load(Relaxed),
        s.blocks_logged.load(Relaxed),
        s.commits.load(Relaxed),
        s.recoveries.load(Relaxed),
        s.splits.load(Relaxed),
        s.orphans.load(Relaxed),
    ]
}

/// The open transaction: the blocks changed so far, in first-change order.
#[derive(Default)]
pub struct Log {
    pub(super) blocks: Vec<u32>,
    /// The current transaction had to commit a part already (counted once).
    split: bool,
    /// A committed transaction could not be installed and a retry failed: it stays in
    /// the log for recovery at the next mount, its blocks stay pinned in the cache, and
    /// no block may change until then (every change is EIO).
    pub(super) stuck: bool,
}

impl Fs {
    /// Blocks one commit can hold on this image.
    fn log_capacity(&self) -> usize {
        (self.sb.nlog as usize - 1).min(LOG_MAX_BLOCKS)
    }

    /// Records that block `b` (already changed and pinned in the cache) belongs to the
    /// open transaction. A transaction that would outgrow the log commits what it has
    /// first (see the module comment).
    pub(super) fn log_write(&mut self, b: u32) -> Result<()> {
        if self.log.blocks.contains(&b) {
            return Ok(());
        }
        if self.log.blocks.len() >= self.log_capacity() {
            if !self.log.split {
                self.log.split = true;
                STATS.splits.fetch_add(1, Relaxed);
            }
            if let Err(e) = self.write_commit() {
                // `b` was changed in the cache for the part that failed: drop it too.
                self.uncache(&[b]);
                return Err(e);
            }
        }
        self.log.blocks.try_reserve(1).map_err(|_| abi::errno::ENOMEM)?;
        self.log.blocks.push(b);
        Ok(())
    }

    /// Ends the transaction: commits it if it changed anything. EIO on a disk error:
    /// see [`Fs::write_commit`] for what is then on the disk and in the cache.
    pub fn commit(&mut self) -> Result<()> {
        let wrote = !self.log.blocks.is_empty();
        self.write_commit()?;
        if wrote {
            STATS.transactions.fetch_add(1, Relaxed);
        }
        self.log.split = false;
        Ok(())
    }

    /// `fsync`: commits the open transaction; EIO while a committed transaction waits in
    /// the log for recovery ([`Log::stuck`]: it is durable, but the file system is not
    /// taking changes).
    pub fn sync(&mut self) -> Result<()> {
        self.commit()?;
        if self.log.stuck {
            return Err(abi::errno::EIO);
        }
        Ok(())
    }

    /// Log blocks, header (the commit point), install, clear the header.
    ///
    /// On a disk error (docs/fs.md, "I/O errors"): before the commit point the
    /// transaction is dropped: the header on the disk still says the log is empty, so
    /// the disk holds the state before it, and its changed blocks leave the cache (the
    /// next read fetches the committed contents). After the commit point it is durable:
    /// the install is retried at once from the log on the disk (as recovery at mount
    /// does); if that fails too the log is left for recovery at the next mount and the
    /// file system refuses changes until then ([`Log::stuck`]). Either way EIO.
    fn write_commit(&mut self) -> Result<()> {
        if self.log.blocks.is_empty() {
            return Ok(());
        }
        let blocks = core::mem::take(&mut self.log.blocks);
        match self.write_blocks(&blocks) {
            Ok(()) => {
                self.unpin(&blocks);
                STATS.commits.fetch_add(1, Relaxed);
                STATS.blocks_logged.fetch_add(blocks.len() as u64, Relaxed);
                Ok(())
            }
            Err((false, e)) => {
                crate::kprintln!("fs: log: transaction of {} blocks dropped (not committed)", blocks.len());
                STATS.aborts.fetch_add(1, Relaxed);
                self.uncache(&blocks);
                Err(e)
            }
            Err((true, e)) => {
                STATS.commits.fetch_add(1, Relaxed);
                STATS.blocks_logged.fetch_add(blocks.len() as u64, Relaxed);
                if self.recover().is_ok() {
                    crate::kprintln!("fs: log: install of a committed transaction retried from the log");
                    self.unpin(&blocks);
                } else {
                    crate::kprintln!(
                        "fs: log: committed transaction left in the log for recovery at mount; no more changes"
                    );
                    self.log.stuck = true;
                }
                Err(e)
            }
        }
    }

    /// Writes the log blocks, the header, the homes, and clears the header. On an error,
    /// whether the commit point (the header) was passed.
    fn write_blocks(&mut self, blocks: &[u32]) -> core::result::Result<(), (bool, isize)> {
        let start = self.sb.log_start;
        let mut data: Block = [0; BLOCK_SIZE];
        for (i, &b) in blocks.iter().enumerate() {
            self.cached(b, &mut data).map_err(|e| (false, e))?;
            self.dev_write(start + 1 + i as u32, &data).map_err(|e| (false, e))?;
        }
        let mut h = LogHeader::empty();
        h.n = blocks.len() as u32;
        h.blocks[..blocks.len()].copy_from_slice(blocks);
        self.write_header(&h).map_err(|e| (false, e))?;
        for &b in blocks {
            self.cached(b, &mut data).map_err(|e| (true, e))?;
            self.dev_write(b, &data).map_err(|e| (true, e))?;
        }
        self.write_header(&LogHeader::empty()).map_err(|e| (true, e))
    }

    fn write_header(&mut self, h: &LogHeader) -> Result<()> {
        let mut b: Block = [0; BLOCK_SIZE];
        h.encode(&mut b);
        self.dev_write(self.sb.log_start, &b)
    }

    /// At mount: installs a committed transaction found in the log and clears the
    /// header; an empty log is left as it is. Returns the blocks installed.
    pub(super) fn recover(&mut self) -> core::result::Result<u32, &'static str> {
        let mut b: Block = [0; BLOCK_SIZE];
        self.dev_read(self.sb.log_start, &mut b).map_err(|_| "cannot read the log header")?;
        let h = LogHeader::decode(&b);
        if let Some(p) = h.problem(&self.sb) {
            return Err(p);
        }
        if h.n == 0 {
            return Ok(0);
        }
        for i in 0..h.n {
            self.dev_read(self.sb.log_start + 1 + i, &mut b).map_err(|_| "cannot read the log")?;
            self.dev_write(h.blocks[i as usize], &b).map_err(|_| "cannot install the log")?;
        }
        self.write_header(&LogHeader::empty()).map_err(|_| "cannot clear the log header")?;
        STATS.recoveries.fetch_add(1, Relaxed);
        Ok(h.n)
    }

    /// At mount, after recovery: frees every allocated inode without links (files
    /// unlinked while open when the machine stopped; nothing has them open now), each
    /// in its own transaction. Returns how many.
    pub(super) fn free_orphans(&mut self) -> Result<u32> {
        let mut n = 0;
        for inum in ROOT_INO + 1..self.sb.ninodes {
            let ino = self.iget(inum)?;
            if ino.typ != T_FREE && ino.nlink == 0 {
                self.free_inode(inum)?;
                self.commit()?;
                n += 1;
            }
        }
        STATS.orphans.fetch_add(n as u64, Relaxed);
        Ok(n)
    }
}
