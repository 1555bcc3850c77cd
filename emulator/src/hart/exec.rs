//! Execution of RV64I, M, Zicsr, Zifencei, Zihintpause and the privileged instructions
//! (Unprivileged ch. 2, 4, 7, 8, 13; Privileged 3.3, 4.2.1). Each arm is the instruction's
//! semantics in a line or a few; A, F/D, the bit-manipulation extensions and the CBOs
//! have their own files (`exec_amo.rs`, `exec_fp.rs`, `exec_bitmanip.rs`, `exec_cmo.rs`).

use super::csr::{mstatus, CsrOp};
use super::exec_bitmanip;
use super::trap::Exception;
use super::{Hart, Privilege};
use crate::bus::Bus;
use crate::isa::{Instr, Op};

/// What the block loop does after an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Fall through to the next instruction of the block.
    Next,
    /// `pc` was set to a jump target; end the block.
    Jump,
    /// `pc` was set after a change of privilege or interrupt enables (xRET): the run
    /// loop re-samples interrupts before the next block.
    Sync,
    /// Fall through, but end the block (state changed that the block loop must see).
    End,
    /// WFI: fall through and stall until an interrupt is pending.
    Wait,
}

#[inline(always)]
fn sext32(v: u64) -> u64 {
    v as i32 as i64 as u64
}

/// The integer register-register and register-immediate computations of RV64I and M
/// (Unprivileged ch. 2, 4 and 13; table 13.1 gives division by zero and overflow): the
/// value written to rd from the first operand and the second (rs2, or the sign-extended
/// immediate of the I-type forms, which compute the same function). One definition for
/// [`Hart::execute`] and the micro-op loop (`exec_block.rs`), which calls it with a
/// constant `op`. Any other operation gives 0 (callers pass only these).
#[inline(always)]
pub(crate) fn alu(op: Op, a: u64, b: u64) -> u64 {
    use Op::*;
    match op {
        Add | Addi => a.wrapping_add(b),
        Sub => a.wrapping_sub(b),
        Sll | Slli => a << (b & 63),
        Slt | Slti => ((a as i64) < (b as i64)) as u64,
        Sltu | Sltiu => (a < b) as u64,
        Xor | Xori => a ^ b,
        Srl | Srli => a >> (b & 63),
        Sra | Srai => ((a as i64) >> (b & 63)) as u64,
        Or | Ori => a | b,
        And | Andi => a & b,
        Addw | Addiw => sext32(a.wrapping_add(b)),
        Subw => sext32(a.wrapping_sub(b)),
        Sllw | Slliw => sext32(a << (b & 31)),
        Srlw | Srliw => sext32(((a as u32) >> (b & 31)) as u64),
        Sraw | Sraiw => ((a as i32) >> (b & 31)) as i64 as u64,
        // M (Unprivileged ch. 13; table 13.1 gives division by zero and overflow).
        Mul => a.wrapping_mul(b),
        Mulh => ((a as i64 as i128 * b as i64 as i128) >> 64) as u64,
        Mulhsu => ((a as i64 as i128 * b as i128) >> 64) as u64,
        Mulhu => ((a as u128 * b as u128) >> 64) as u64,
        Div => match b {
            0 => u64::MAX,
            _ => (a as i64).wrapping_div(b as i64) as u64,
        },
        Divu => a.checked_div(b).unwrap_or(u64::MAX),
        Rem => match b {
            0 => a,
            _ => (a as i64).wrapping_rem(b as i64) as u64,
        },
        Remu => a.checked_rem(b).unwrap_or(a),
        Mulw => sext32((a as u32).wrapping_mul(b as u32) as u64),
        Divw => match b as i32 {
            0 => u64::MAX,
            d => (a as i32).wrapping_div(d) as i64 as u64,
        },
        Divuw => match b as u32 {
            0 => u64::MAX,
            d => sext32(((a as u32) / d) as u64),
        },
        Remw => match b as i32 {
            0 => sext32(a),
            d => (a as i32).wrapping_rem(d) as i64 as u64,
        },
        Remuw => match b as u32 {
            0 => sext32(a),
            d => sext32(((a as u32) % d) as u64),
        },
        _ => 0,
    }
}

impl Hart {
    /// Executes `i` at `self.pc`. On `Err` nothing architectural has changed and the
    /// caller takes the exception.
    #[inline(always)]
    pub(crate) fn execute(&mut self, i: &Instr, bus: &mut Bus) -> Result<Flow, Exception> {
        use Op::*;
        let pc = self.pc;
        let imm = i.imm as i64 as u64;
        let a = self.xr(i.rs1);
        let b = self.xr(i.rs2);
        let next = pc.wrapping_add(i.len as u64);
        // A taken branch leaves the block; a branch not taken falls through inside it
        // (blocks continue past conditional branches).
        let mut branch = |taken: bool| {
            if taken {
                self.pc = pc.wrapping_add(imm);
                Ok(Flow::Jump)
            } else {
                Ok(Flow::Next)
            }
        };
        let v = match i.op {
            Lui => imm,
            Auipc => pc.wrapping_add(imm),
            Jal => {
                self.xw(i.rd, next);
                self.pc = pc.wrapping_add(imm);
                return Ok(Flow::Jump);
            }
            Jalr => {
                // The target is computed before rd is written (rd may equal rs1).
                let target = a.wrapping_add(imm) & !1;
                self.xw(i.rd, next);
                self.pc = target;
                return Ok(Flow::Jump);
            }
            Beq => return branch(a == b),
            Bne => return branch(a != b),
            Blt => return branch((a as i64) < (b as i64)),
            Bge => return branch((a as i64) >= (b as i64)),
            Bltu => return branch(a < b),
            Bgeu => return branch(a >= b),
            Lb => self.load::<1>(a.wrapping_add(imm), bus)? as i8 as i64 as u64,
            Lh => self.load::<2>(a.wrapping_add(imm), bus)? as i16 as i64 as u64,
            Lw => self.load::<4>(a.wrapping_add(imm), bus)? as i32 as i64 as u64,
            Ld => self.load::<8>(a.wrapping_add(imm), bus)?,
            Lbu => self.load::<1>(a.wrapping_add(imm), bus)?,
            Lhu => self.load::<2>(a.wrapping_add(imm), bus)?,
            Lwu => self.load::<4>(a.wrapping_add(imm), bus)?,
            Sb | Sh | Sw | Sd => {
                let addr = a.wrapping_add(imm);
                let end = match i.op {
                    Sb => self.store::<1>(addr, b, bus)?,
                    Sh => self.store::<2>(addr, b, bus)?,
                    Sw => self.store::<4>(addr, b, bus)?,
                    _ => self.store::<8>(addr, b, bus)?,
                };
                return Ok(if end { Flow::End } else { Flow::Next });
            }
            Addi | Slti | Sltiu | Xori | Ori | Andi | Slli | Srli | Srai | Addiw | Slliw | Srliw | Sraiw => {
                alu(i.op, a, imm)
            }
            Add | Sub | Sll | Slt | Sltu | Xor | Srl | Sra | Or | And | Addw | Subw | Sllw | Srlw | Sraw | Mul
            | Mulh | Mulhsu | Mulhu | Div | Divu | Rem | Remu | Mulw | Divw | Divuw | Remw | Remuw => alu(i.op, a, b),
            // PAUSE (Zihintpause) is a hint: no architectural effect, like FENCE here.
            Fence | Pause => return Ok(Flow::Next),
            FenceI => {
                self.flush_icache = true;
                return Ok(Flow::End);
            }
            Ecall => {
                return Err(match self.prv {
                    Privilege::User => Exception::EnvironmentCallFromU,
                    Privilege::Supervisor => Exception::EnvironmentCallFromS,
                    Privilege::Machine => Exception::EnvironmentCallFromM,
                })
            }
            Ebreak => return Err(Exception::Breakpoint(pc)),
            Csrrw | Csrrs | Csrrc | Csrrwi | Csrrsi | Csrrci => return self.exec_csr(i),
            Mret | Sret | Wfi | SfenceVma | SinvalVma | SfenceWInval | SfenceInvalIr => return self.exec_privileged(i),
            Illegal => return Err(Exception::IllegalInstruction(i.raw as u64)),
            op if op.is_amo() => return self.exec_amo(i, bus),
            op if op.is_bitmanip() => exec_bitmanip::compute(op, a, b, i.imm),
            op if op.is_cbo() => return self.exec_cmo(i, bus),
            _ => return self.exec_fp(i, bus),
        };
        self.xw(i.rd, v);
        Ok(Flow::Next)
    }

    fn exec_csr(&mut self, i: &Instr) -> Result<Flow, Exception> {
        use Op::*;
        let (op, operand) = match i.op {
            Csrrw => (CsrOp::Write, self.xr(i.rs1)),
            Csrrs => (CsrOp::Set, self.xr(i.rs1)),
            Csrrc => (CsrOp::Clear, self.xr(i.rs1)),
            Csrrwi => (CsrOp::Write, i.rs1 as u64),
            Csrrsi => (CsrOp::Set, i.rs1 as u64),
            _ => (CsrOp::Clear, i.rs1 as u64),
        };
        // CSRRS/CSRRC with rs1 = x0 (or uimm = 0) do not write (Unprivileged 7.1).
        let write = op == CsrOp::Write || i.rs1 != 0;
        let read = op != CsrOp::Write || i.rd != 0;
        let old = self.csr_access((i.imm as u32 & 0xfff) as u16, op, operand, read, write, i.raw)?;
        self.xw(i.rd, old);
        Ok(Flow::End)
    }

    fn exec_privileged(&mut self, i: &Instr) -> Result<Flow, Exception> {
        let illegal = Exception::IllegalInstruction(i.raw as u64);
        let ms = self.csr.mstatus;
        match i.op {
            Op::Mret => {
                if self.prv < Privilege::Machine {
                    return Err(illegal);
                }
                self.mret();
                Ok(Flow::Sync)
            }
            Op::Sret => {
                // SRET traps in U-mode, and in S-mode when mstatus.TSR is set (3.1.6.5).
                if self.prv < Privilege::Supervisor || (self.prv == Privilege::Supervisor && ms & mstatus::TSR != 0) {
                    return Err(illegal);
                }
                self.sret();
                Ok(Flow::Sync)
            }
            Op::Wfi => {
                // WFI is illegal in U-mode, and below M when mstatus.TW is set (3.1.6.5);
                // this hart's time limit for the wait is zero.
                if self.prv == Privilege::User || (self.prv < Privilege::Machine && ms & mstatus::TW != 0) {
                    return Err(illegal);
                }
                Ok(Flow::Wait)
            }
            Op::SfenceWInval | Op::SfenceInvalIr => {
                // Svinval: illegal in U-mode, unaffected by TVM. They order invalidations
                // against other accesses; SINVAL.VMA here takes effect at once, so there
                // is nothing left to order.
                if self.prv == Privilege::User {
                    return Err(illegal);
                }
                Ok(Flow::Next)
            }
            _ => {
                // SFENCE.VMA, and Svinval's SINVAL.VMA with the same operands and rules:
                // illegal in U-mode, and in S-mode when mstatus.TVM is set.
                if self.prv == Privilege::User || (self.prv == Privilege::Supervisor && ms & mstatus::TVM != 0) {
                    return Err(illegal);
                }
                let vaddr = (i.rs1 != 0).then(|| self.xr(i.rs1));
                let asid = (i.rs2 != 0).then(|| self.xr(i.rs2));
                self.mmu.sfence_vma(vaddr, asid);
                Ok(Flow::End)
            }
        }
    }
}
