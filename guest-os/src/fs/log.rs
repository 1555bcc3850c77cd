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
}

/// The counters.
pub static STATS: LogStats = LogStats {
    transactions: AtomicU64::new(0),
    blocks_logged: AtomicU64::new(0),
    commits: AtomicU64::new(0),
    recoveries: AtomicU64::new(0),
    splits: AtomicU64::new(0),
    orphans: AtomicU64::new(0),
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
            self.write_commit()?;
        }
        self.log.blocks.try_reserve(1).map_err(|_| abi::errno::ENOMEM)?;
        self.log.blocks.push(b);
        Ok(())
    }

    /// Ends the transaction: commits it if it changed anything. On a disk error the
    /// changed blocks stay pinned and logged, so the next commit retries them.
    pub fn commit(&mut self) -> Result<()> {
        let wrote = !self.log.blocks.is_empty();
        self.write_commit()?;
        if wrote {
            STATS.transactions.fetch_add(1, Relaxed);
        }
        self.log.split = false;
        Ok(())
    }

    /// Log blocks, header (the commit point), install, clear the header.
    fn write_commit(&mut self) -> Result<()> {
        if self.log.blocks.is_empty() {
            return Ok(());
        }
        let start = self.sb.log_start;
        let blocks = core::mem::take(&mut self.log.blocks);
        let r = self.write_blocks(start, &blocks);
        match r {
            Ok(()) => {
                self.unpin(&blocks);
                STATS.commits.fetch_add(1, Relaxed);
                STATS.blocks_logged.fetch_add(blocks.len() as u64, Relaxed);
                Ok(())
            }
            Err(e) => {
                self.log.blocks = blocks;
                Err(e)
            }
        }
    }

    fn write_blocks(&mut self, start: u32, blocks: &[u32]) -> Result<()> {
        let mut data: Block = [0; BLOCK_SIZE];
        for (i, &b) in blocks.iter().enumerate() {
            self.cached(b, &mut data)?;
            self.dev_write(start + 1 + i as u32, &data)?;
        }
        let mut h = LogHeader::empty();
        h.n = blocks.len() as u32;
        h.blocks[..blocks.len()].copy_from_slice(blocks);
        self.write_header(&h)?;
        for &b in blocks {
            self.cached(b, &mut data)?;
            self.dev_write(b, &data)?;
        }
        self.write_header(&LogHeader::empty())
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
