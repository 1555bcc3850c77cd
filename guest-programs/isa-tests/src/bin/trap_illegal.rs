//! Illegal-instruction exceptions (Privileged 3.1.15/3.1.16, Unprivileged 1.5 and 16.x):
//! the all-zero and all-ones words, reserved compressed encodings, and reserved 32-bit
//! encodings each raise cause 2 in M-mode with `mepc` at the instruction and `mtval` =
//! the instruction bits (16 bits for a compressed one), without changing registers.
//! (Encodings are chosen outside the Zb*, Zicond and other extensions QEMU 7.2 enables
//! by default, so the program also passes there.)
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{catch, cause, check_eq, entry, finish, Trap};

entry!(main);

/// Executes the raw instruction given as assembler data; returns the trap and the pc.
macro_rules! raw {
    ($dir:expr) => {{
        let mut at = 0u64;
        let t = catch(|| unsafe { asm!("lla {a}, 2f", concat!("2: ", $dir), a = out(reg) at) });
        (t, at)
    }};
}

fn expect_illegal(name: &str, t: Option<Trap>, at: u64, bits: u64) {
    let t = t.unwrap_or(Trap { cause: 99, ..Trap::default() });
    check_eq!(name, t.cause, cause::ILLEGAL);
    check_eq!(name, t.epc, at);
    check_eq!(name, t.tval, bits);
    check_eq!(name, t.from, 3);
}

macro_rules! illegal16 {
    ($bits:literal, $what:literal) => {{
        let (t, at) = raw!(concat!(".2byte ", stringify!($bits)));
        expect_illegal(concat!(".2byte ", stringify!($bits), " (", $what, ")"), t, at, $bits);
    }};
}

macro_rules! illegal32 {
    ($bits:literal, $what:literal) => {{
        let (t, at) = raw!(concat!(".4byte ", stringify!($bits)));
        expect_illegal(concat!(".4byte ", stringify!($bits), " (", $what, ")"), t, at, $bits);
    }};
}

fn main() -> u32 {
    // The all-zero 16-bit parcel is defined illegal (16.x "C.ADDI4SPN ... nzuimm=0" and
    // 1.5: "the all-zero pattern is illegal"); so is the all-ones 32-bit word here.
    illegal16!(0x0000, "all zeros");
    illegal32!(0xffffffff, "all ones");
    // Reserved compressed encodings (Unprivileged 16.x, "RES" entries).
    illegal16!(0x0004, "c.addi4spn nzuimm=0");
    illegal16!(0x6101, "c.addi16sp nzimm=0");
    illegal16!(0x6501, "c.lui nzimm=0");
    illegal16!(0x2001, "c.addiw rd=x0");
    illegal16!(0x4002, "c.lwsp rd=x0");
    illegal16!(0x6002, "c.ldsp rd=x0");
    illegal16!(0x8002, "c.jr rs1=x0");
    illegal16!(0x9c41, "CA funct2=10 with bit12 (reserved on RV64)");
    illegal16!(0x9c61, "CA funct2=11 with bit12 (reserved on RV64)");
    // Reserved / unassigned 32-bit encodings.
    illegal32!(0x00007003, "LOAD funct3=7");
    illegal32!(0x00004023, "STORE funct3=4");
    illegal32!(0x00002063, "BRANCH funct3=2");
    illegal32!(0x00001067, "JALR funct3=1");
    illegal32!(0x04000033, "OP funct7=2");
    illegal32!(0x4000103b, "OP-32 sllw with funct7=0x20");
    illegal32!(0x0200101b, "slliw shamt[5]=1");
    illegal32!(0x0000000b, "custom-0");
    illegal32!(0x2800202f, "AMO funct5=00101");
    illegal32!(0x0000307f, "48-bit-length prefix / unassigned");
    illegal32!(0x04051513, "slli with imm[10] set (funct6 != 0)");
    illegal32!(0x70055513, "OP-IMM funct3=5 with funct6 = 011100");
    illegal32!(0x4205551b, "sraiw shamt[5] = 1");
    illegal32!(0x40001033, "sll with funct7 = 0x20");
    illegal32!(0x42000033, "add with funct7 = 0x21");
    illegal32!(0x0200103b, "OP-32 funct7=1 funct3=1 (no mulhw)");
    illegal32!(0x0200203b, "OP-32 funct7=1 funct3=2");
    illegal32!(0x0000403b, "OP-32 funct3=4 funct7=0");
    illegal32!(0x00004073, "SYSTEM funct3=4");
    illegal32!(0x00200073, "uret (N extension, not implemented)");
    illegal32!(0x7b200073, "dret outside debug mode");
    illegal32!(0x0000601b, "OP-IMM-32 funct3=6");
    // SYSTEM funct3=0 encodings other than the defined ones (reserved fields nonzero).
    illegal32!(0x00000473, "ecall with rd = x8");
    illegal32!(0x00108073, "ebreak with rs1 = x1");
    illegal32!(0x30200473, "mret with rd = x8");
    illegal32!(0x10500473, "wfi with rd = x8");
    illegal32!(0x12000473, "sfence.vma with rd = x8");
    illegal32!(0x10100073, "SYSTEM funct12 = 0x101 (unassigned)");
    // LR with rs2 != 0 (reserved, A chapter).
    illegal32!(0x1015a52f, "lr.w a0, (a1) with rs2 = x1");

    // The faulting instruction has no effect: registers are unchanged.
    let mut r = 0u64;
    let _ = catch(|| unsafe { asm!("li a0, 5", ".4byte 0x04000533", out("a0") r) });
    check_eq!("illegal instruction leaves rd", r, 5);
    finish("trap_illegal")
}
