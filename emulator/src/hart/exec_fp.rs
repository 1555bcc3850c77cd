//! The F and D extensions on the hart (Unprivileged ch. 11-12): the `mstatus.FS` gate,
//! rounding-mode resolution, register access with NaN-boxing, FP loads and stores, and
//! `fflags` accrual. The arithmetic itself is [`crate::fp::compute`].

use super::csr::mstatus;
use super::exec::Flow;
use super::trap::Exception;
use super::Hart;
use crate::bus::Bus;
use crate::fp;
use crate::isa::{Instr, Op};

impl Hart {
    /// Executes an F or D instruction (including C.FLD/C.FSD/C.FLDSP/C.FSDSP, which decode
    /// to FLD/FSD). Illegal when `mstatus.FS` is Off (Privileged 3.1.6.6), for the reserved
    /// `rm` values, and for DYN with an invalid `frm` (Unprivileged 11.2).
    pub(crate) fn exec_fp(&mut self, i: &Instr, bus: &mut Bus) -> Result<Flow, Exception> {
        let illegal = Exception::IllegalInstruction(i.raw as u64);
        if !i.op.is_fp() || self.csr.mstatus & mstatus::FS == 0 {
            return Err(illegal);
        }
        let addr = self.xr(i.rs1).wrapping_add(i.imm as i64 as u64);
        match i.op {
            // FLW NaN-boxes; FLW/FSW/FLD/FSD move bits unchanged (11.5, 12.3).
            Op::Flw => {
                let v = self.load::<4>(addr, bus)?;
                self.fw(i.rd, fp::box_s(v as u32));
                return Ok(Flow::Next);
            }
            Op::Fld => {
                let v = self.load::<8>(addr, bus)?;
                self.fw(i.rd, v);
                return Ok(Flow::Next);
            }
            Op::Fsw | Op::Fsd => {
                let v = self.f[i.rs2 as usize & 31];
                let end = if i.op == Op::Fsw { self.store::<4>(addr, v, bus)? } else { self.store::<8>(addr, v, bus)? };
                return Ok(if end { Flow::End } else { Flow::Next });
            }
            _ => {}
        }
        let rm = if fp::uses_rm(i.op) { fp::resolve_rm(i.rm, self.csr.frm).ok_or(illegal)? } else { fp::rm::RNE };
        let a = if fp::reads_x(i.op) { self.xr(i.rs1) } else { self.f[i.rs1 as usize & 31] };
        let b = self.f[i.rs2 as usize & 31];
        let c = self.f[i.rs3 as usize & 31];
        let (v, flags) = fp::compute(i.op, rm, a, b, c).ok_or(illegal)?;
        if fp::writes_x(i.op) {
            self.xw(i.rd, v);
        } else {
            self.fw(i.rd, v);
        }
        self.fp_raised = flags;
        if flags != 0 {
            // Accrued flags are FP state: raising any makes FS Dirty (Privileged 3.1.6.6
            // allows setting Dirty conservatively; Spike's `set_fp_exceptions` writes
            // fflags, and so dirties FS, whenever flags were raised, even if already set).
            self.csr.fflags |= flags as u64;
            self.csr.mstatus |= mstatus::FS_DIRTY;
        }
        Ok(Flow::Next)
    }

    /// Writes FP register `r` and marks the FP state Dirty (Privileged 3.1.6.6).
    #[inline]
    fn fw(&mut self, r: u8, v: u64) {
        self.f[r as usize & 31] = v;
        self.csr.mstatus |= mstatus::FS_DIRTY;
    }
}
