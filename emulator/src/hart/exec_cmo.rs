//! The cache-block operations of Zicbom (CBO.CLEAN, CBO.FLUSH, CBO.INVAL) and Zicboz
//! (CBO.ZERO) (Unprivileged "CMO" chapter; enables in Privileged 3.1.18 `menvcfg` and
//! 4.1.10 `senvcfg`). The cache block is [`CACHE_BLOCK`] bytes, as on QEMU's `virt`.
//!
//! rvsim has no caches, so clean, flush and invalidate change nothing; what they keep is
//! their architectural checks: the privilege enables, and the permission check of CMO
//! 2.5.2 ("permitted whenever a load or a store is permitted", otherwise a store page
//! fault or store access fault). CBO.ZERO is a 64-byte store: it translates as a store,
//! clears LR reservations, and ends the block when it overwrites decoded code.

use super::csr::envcfg;
use super::exec::Flow;
use super::trap::Exception;
use super::{Hart, MemAccess, Privilege};
use crate::bus::{Bus, RAM_BASE};
use crate::isa::extensions::CACHE_BLOCK;
use crate::isa::{Instr, Op};
use crate::mmu::Access;

impl Hart {
    /// Executes a CBO instruction on the cache block containing `x[rs1]`.
    pub(crate) fn exec_cmo(&mut self, i: &Instr, bus: &mut Bus) -> Result<Flow, Exception> {
        self.cmo_enabled(i.op).then_some(()).ok_or(Exception::IllegalInstruction(i.raw as u64))?;
        // Faults report the block's base address, as QEMU (target/riscv/op_helper.c) and
        // Spike do.
        let base = self.xr(i.rs1) & !(CACHE_BLOCK - 1);
        if i.op != Op::CboZero {
            if self.translate(base, Access::Load, CACHE_BLOCK, bus).is_err() {
                // Not readable: permitted if writable, else the store fault (CMO 2.5.2).
                self.translate(base, Access::Store, CACHE_BLOCK, bus)?;
            }
            return Ok(Flow::Next);
        }
        let pa = self.translate(base, Access::Store, CACHE_BLOCK, bus)?;
        let off = pa.wrapping_sub(RAM_BASE);
        if bus.ram.slice(off, CACHE_BLOCK as usize).is_none() {
            // Zeroing device registers is not supported: the block must be main memory.
            return Err(Exception::StoreAccessFault(base));
        }
        let hart = self.hartid as usize;
        let mut code = false;
        for k in (0..CACHE_BLOCK).step_by(8) {
            bus.store_clears_reservations(hart, pa + k);
            code |= bus.ram.write::<8>(off + k, 0) == Some(true);
        }
        if self.log_mem {
            // Spike's commit log shows CBO.ZERO as the byte stores it performs.
            for k in 0..CACHE_BLOCK {
                self.mem_log.push(MemAccess { vaddr: base + k, value: 0, size: 1, store: true });
            }
        }
        if code {
            bus.invalidate_code();
            return Ok(Flow::End);
        }
        Ok(Flow::Next)
    }

    /// Whether `op` may execute at the current privilege: always in M-mode; in S-mode when
    /// `menvcfg` enables it; in U-mode when both `menvcfg` and `senvcfg` do
    /// (Privileged 3.1.18 and 4.1.10; without the H extension there are no virtual
    /// modes, so no virtual-instruction cases).
    fn cmo_enabled(&self, op: Op) -> bool {
        let field = match op {
            Op::CboZero => envcfg::CBZE,
            Op::CboInval => envcfg::CBIE,
            _ => envcfg::CBCFE,
        };
        match self.prv {
            Privilege::Machine => true,
            Privilege::Supervisor => self.csr.menvcfg & field != 0,
            Privilege::User => self.csr.menvcfg & field != 0 && self.csr.senvcfg & field != 0,
        }
    }
}
