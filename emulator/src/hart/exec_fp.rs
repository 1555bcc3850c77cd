//! The F and D extensions (Unprivileged ch. 11-12). Placeholder until the FP work lands:
//! every FP instruction raises illegal-instruction, as on a hart without F and D.

use super::exec::Flow;
use super::trap::Exception;
use super::Hart;
use crate::bus::Bus;
use crate::isa::Instr;

impl Hart {
    pub(crate) fn exec_fp(&mut self, i: &Instr, _bus: &mut Bus) -> Result<Flow, Exception> {
        Err(Exception::IllegalInstruction(i.raw as u64))
    }
}
