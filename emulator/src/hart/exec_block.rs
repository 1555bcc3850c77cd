//! The untraced block loop: runs a block's micro-ops (`uop.rs`) to the block's end, a
//! side exit or the first trap. The per-instruction bookkeeping of the traced loop is
//! done per block here: `pc` and `retired` are written at the block's exits, and before
//! anything inside the block that can observe them (a memory access, which may reach a
//! device that reads the clock, or take a trap; any instruction run through
//! `Hart::execute`, e.g. a CSR read of `instret`), so every observer sees exactly what it
//! sees in the traced loop, which retires one instruction at a time.

use super::exec::{alu, Flow};
use super::icache::Block;
use super::run::trap;
use super::uop::K;
use super::Hart;
use crate::bus::Bus;
use crate::isa::Op;

impl Hart {
    /// Runs block `b`, entered at `self.pc`, from its first instruction. Leaves `pc` and
    /// `retired` as the traced loop would after the same instructions, takes a trap the
    /// block raised, and returns true when the run loop must re-examine the machine
    /// before the next block (see `Flow`).
    #[inline(always)]
    pub(crate) fn run_block(&mut self, b: &Block, bus: &mut Bus) -> bool {
        let base = self.pc;
        let start = self.retired;
        // Integer registers: indices are < 32 by construction and writes to x0 were
        // removed at decode time, so `& 31` is the whole check.
        macro_rules! x {
            ($r:expr) => {
                self.x[$r as usize & 31]
            };
        }
        // Leaves the block after the instruction of micro-op `u` retired, at `pc`.
        macro_rules! exit {
            ($u:expr, $pc:expr, $sync:expr) => {{
                self.pc = $pc;
                self.retired = start + $u.idx as u64 + 1;
                return $sync;
            }};
        }
        // The state an observer inside the instruction of micro-op `u` must see: its pc,
        // the instructions before it retired.
        macro_rules! observe {
            ($u:expr) => {{
                self.pc = base.wrapping_add($u.off as u64);
                self.retired = start + $u.idx as u64;
            }};
        }
        // Takes exception `e` raised by an instruction (state as `observe!` left it).
        macro_rules! fault {
            ($e:expr) => {{
                trap(self, $e, &mut super::NoTrace);
                return true;
            }};
        }
        macro_rules! rr {
            ($u:expr, $op:expr) => {
                x!($u.rd) = alu($op, x!($u.rs1), x!($u.rs2))
            };
        }
        macro_rules! ri {
            ($u:expr, $op:expr) => {
                x!($u.rd) = alu($op, x!($u.rs1), $u.imm)
            };
        }
        macro_rules! load {
            ($u:expr, $n:literal, $ext:expr) => {{
                observe!($u);
                match self.load::<$n>(x!($u.rs1).wrapping_add($u.imm), bus) {
                    Ok(v) => x!($u.rd) = $ext(v),
                    Err(e) => fault!(e),
                }
            }};
        }
        macro_rules! store {
            ($u:expr, $n:literal) => {{
                observe!($u);
                match self.store::<$n>(x!($u.rs1).wrapping_add($u.imm), x!($u.rs2), bus) {
                    Ok(false) => {}
                    // The store reached a device or decoded code: end the block.
                    Ok(true) => exit!($u, base.wrapping_add($u.nxt()), true),
                    Err(e) => fault!(e),
                }
            }};
        }
        macro_rules! branch {
            ($u:expr, $taken:expr) => {
                if $taken {
                    exit!($u, base.wrapping_add($u.imm), false)
                }
            };
        }
        for u in b.uops.iter() {
            match u.k {
                K::Nop => {}
                K::Add => rr!(u, Op::Add),
                K::Sub => rr!(u, Op::Sub),
                K::Sll => rr!(u, Op::Sll),
                K::Slt => rr!(u, Op::Slt),
                K::Sltu => rr!(u, Op::Sltu),
                K::Xor => rr!(u, Op::Xor),
                K::Srl => rr!(u, Op::Srl),
                K::Sra => rr!(u, Op::Sra),
                K::Or => rr!(u, Op::Or),
                K::And => rr!(u, Op::And),
                K::Addw => rr!(u, Op::Addw),
                K::Subw => rr!(u, Op::Subw),
                K::Sllw => rr!(u, Op::Sllw),
                K::Srlw => rr!(u, Op::Srlw),
                K::Sraw => rr!(u, Op::Sraw),
                K::Mul => rr!(u, Op::Mul),
                K::Mulh => rr!(u, Op::Mulh),
                K::Mulhsu => rr!(u, Op::Mulhsu),
                K::Mulhu => rr!(u, Op::Mulhu),
                K::Div => rr!(u, Op::Div),
                K::Divu => rr!(u, Op::Divu),
                K::Rem => rr!(u, Op::Rem),
                K::Remu => rr!(u, Op::Remu),
                K::Mulw => rr!(u, Op::Mulw),
                K::Divw => rr!(u, Op::Divw),
                K::Divuw => rr!(u, Op::Divuw),
                K::Remw => rr!(u, Op::Remw),
                K::Remuw => rr!(u, Op::Remuw),
                K::Addi => ri!(u, Op::Addi),
                K::Slti => ri!(u, Op::Slti),
                K::Sltiu => ri!(u, Op::Sltiu),
                K::Xori => ri!(u, Op::Xori),
                K::Ori => ri!(u, Op::Ori),
                K::Andi => ri!(u, Op::Andi),
                K::Slli => ri!(u, Op::Slli),
                K::Srli => ri!(u, Op::Srli),
                K::Srai => ri!(u, Op::Srai),
                K::Addiw => ri!(u, Op::Addiw),
                K::Slliw => ri!(u, Op::Slliw),
                K::Srliw => ri!(u, Op::Srliw),
                K::Sraiw => ri!(u, Op::Sraiw),
                K::Li => x!(u.rd) = u.imm,
                K::Auipc => x!(u.rd) = base.wrapping_add(u.imm),
                K::Lb => load!(u, 1, |v| v as i8 as i64 as u64),
                K::Lh => load!(u, 2, |v| v as i16 as i64 as u64),
                K::Lw => load!(u, 4, |v| v as i32 as i64 as u64),
                K::Ld => load!(u, 8, |v| v),
                K::Lbu => load!(u, 1, |v| v),
                K::Lhu => load!(u, 2, |v| v),
                K::Lwu => load!(u, 4, |v| v),
                K::Sb => store!(u, 1),
                K::Sh => store!(u, 2),
                K::Sw => store!(u, 4),
                K::Sd => store!(u, 8),
                K::Beq => branch!(u, x!(u.rs1) == x!(u.rs2)),
                K::Bne => branch!(u, x!(u.rs1) != x!(u.rs2)),
                K::Blt => branch!(u, (x!(u.rs1) as i64) < (x!(u.rs2) as i64)),
                K::Bge => branch!(u, (x!(u.rs1) as i64) >= (x!(u.rs2) as i64)),
                K::Bltu => branch!(u, x!(u.rs1) < x!(u.rs2)),
                K::Bgeu => branch!(u, x!(u.rs1) >= x!(u.rs2)),
                K::Jal => {
                    x!(u.rd) = base.wrapping_add(u.nxt());
                    exit!(u, base.wrapping_add(u.imm), false)
                }
                K::J => exit!(u, base.wrapping_add(u.imm), false),
                K::Jalr => {
                    // The target is computed before rd is written (rd may equal rs1).
                    let target = x!(u.rs1).wrapping_add(u.imm) & !1;
                    x!(u.rd) = base.wrapping_add(u.nxt());
                    exit!(u, target, false)
                }
                K::Jr => exit!(u, x!(u.rs1).wrapping_add(u.imm) & !1, false),
                K::Generic => {
                    observe!(u);
                    let ins = &b.instrs[u.idx as usize];
                    match self.execute(ins, bus) {
                        Ok(Flow::Next) => {}
                        Ok(Flow::Jump) => exit!(u, self.pc, false),
                        Ok(Flow::Sync) => exit!(u, self.pc, true),
                        Ok(Flow::End) => exit!(u, base.wrapping_add(u.nxt()), true),
                        Ok(Flow::Wait) => {
                            self.waiting = true;
                            exit!(u, base.wrapping_add(u.nxt()), true)
                        }
                        Err(e) => fault!(e),
                    }
                }
            }
        }
        self.pc = base.wrapping_add(b.bytes as u64);
        self.retired = start + b.uops.len() as u64;
        false
    }
}
