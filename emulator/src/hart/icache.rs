//! The decoded-instruction cache: straight-line blocks of decoded instructions keyed by the
//! physical address of their first instruction. A block never crosses a 4 KiB page (so
//! one fetch translation serves the whole block) and ends at any instruction that can
//! change control flow, privilege, CSRs or translation. Blocks are dropped when RAM
//! holding them is written (see `Ram::mark_code_page`) and on FENCE.I.

use crate::isa::Instr;

/// Longest block, in instructions.
pub(crate) const MAX_BLOCK: usize = 64;
const TABLE_BITS: u32 = 16;
/// Flush everything when this many blocks are cached.
const MAX_BLOCKS: usize = 1 << 16;

pub(crate) struct Block {
    pub pa: u64,
    pub instrs: Box<[Instr]>,
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

    pub fn insert(&mut self, block: Block) -> usize {
        if self.blocks.len() >= MAX_BLOCKS {
            self.flush();
        }
        let slot = Self::slot(block.pa);
        self.blocks.push(block);
        self.table[slot] = self.blocks.len() as u32;
        self.blocks.len() - 1
    }

    pub fn flush(&mut self) {
        self.blocks.clear();
        self.table.fill(0);
    }
}
