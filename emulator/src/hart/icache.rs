//! The decoded-instruction cache: straight-line blocks of decoded instructions keyed by the
//! physical address of their first instruction. A block never crosses a 4 KiB page (so
//! one fetch translation serves the whole block) and ends at any instruction that can
//! change control flow, privilege, CSRs or translation. Blocks are dropped when RAM
//! holding them is written (see `Ram::mark_code`) and on FENCE.I.

use super::uop::{lower_block, Uop};
use super::Privilege;
use crate::isa::Instr;
use std::cell::Cell;

/// Longest block, in instructions.
pub(crate) const MAX_BLOCK: usize = 64;
const TABLE_BITS: u32 = 16;
/// Flush everything when this many blocks are cached.
const MAX_BLOCKS: usize = 1 << 16;

pub(crate) struct Block {
    pub pa: u64,
    pub instrs: Box<[Instr]>,
    /// The same instructions lowered for the untraced loop, one micro-op each.
    pub uops: Box<[Uop]>,
    /// Length of the block in bytes.
    pub bytes: u16,
    /// Up to two successors (link key, block index + 1; 0 = none). The key is the next
    /// pc tagged with the privilege the link was made at ([`link_key`]): under PMP the
    /// target's fetch check held for that privilege only. A link is a hint: the run
    /// loop follows it only to a block starting at the physical address the pc
    /// translates to (the pc itself while fetches are untranslated), so a link made
    /// under another translation, or left by a block index reused after a flush (which
    /// drops all blocks, also on every PMP change), is never followed wrongly.
    links: [Cell<(u64, u32)>; 2],
}

impl Block {
    pub fn new(pa: u64, instrs: Box<[Instr]>) -> Block {
        let uops = lower_block(&instrs);
        let bytes = instrs.iter().map(|i| i.len as u16).sum();
        Block { pa, instrs, uops, bytes, links: [Cell::new((0, 0)), Cell::new((0, 0))] }
    }
}

/// The key a link is made and followed with: the next pc with the privilege in bits
/// 63:62 (keys may collide for pcs that differ there; the target is checked anyway).
#[inline(always)]
pub(crate) fn link_key(pc: u64, prv: Privilege) -> u64 {
    pc ^ (prv as u64) << 62
}

pub(crate) struct ICache {
    /// Direct-mapped: slot -> index + 1 into `blocks` (0 = empty).
    table: Box<[u32]>,
    blocks: Vec<Block>,
    /// The `Bus::code_gen` this cache is valid for.
    pub gen: u64,
}

impl ICache {
    pub fn new() -> ICache {
        ICache { table: vec![0; 1 << TABLE_BITS].into_boxed_slice(), blocks: Vec::new(), gen: 0 }
    }

    #[inline(always)]
    fn slot(pa: u64) -> usize {
        ((pa >> 1) ^ (pa >> (1 + TABLE_BITS))) as usize & ((1 << TABLE_BITS) - 1)
    }

    #[inline(always)]
    pub fn lookup(&self, pa: u64) -> Option<usize> {
        let i = self.table[Self::slot(pa)] as usize;
        if i != 0 && self.blocks[i - 1].pa == pa {
            Some(i - 1)
        } else {
            None
        }
    }

    #[inline(always)]
    pub fn block(&self, i: usize) -> &Block {
        &self.blocks[i]
    }

    /// The block linked from block `from` for `key` ([`link_key`]), if any: an index
    /// into this cache, whose block the caller must still check (see `Block::links`).
    #[inline(always)]
    pub fn follow(&self, from: usize, key: u64) -> Option<usize> {
        let links = &self.blocks.get(from)?.links;
        for l in links {
            let (to_key, to) = l.get();
            if to as usize > 0 && to as usize <= self.blocks.len() && to_key == key {
                return Some(to as usize - 1);
            }
        }
        None
    }

    /// Links block `from` to block `to` for `key` ([`link_key`]): the slot already
    /// holding `key`, else the first free one, else the second. Nothing when `from` is
    /// not a cached block (it was flushed).
    pub fn link(&self, from: usize, key: u64, to: usize) {
        let Some(b) = self.blocks.get(from) else { return };
        let links = &b.links;
        let slot = if links[0].get().1 == 0 || links[0].get().0 == key { 0 } else { 1 };
        links[slot].set((key, to as u32 + 1));
    }

    pub fn insert(&mut self, block: Block) -> usize {
        if self.blocks.len() >= MAX_BLOCKS {
            self.flush();
        }
        let slot = Self::slot(block.pa);
        self.blocks.push(block);
        self.table[slot] = self.blocks.len() as u32;
        self.blocks.len() - 1
    }

    /// Drops every block; costs what is cached, not the size of the table.
    pub fn flush(&mut self) {
        for b in &self.blocks {
            self.table[Self::slot(b.pa)] = 0;
        }
        self.blocks.clear();
    }
}
