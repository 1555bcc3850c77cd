//! RV64I integer computational instructions (Unprivileged 2.4, 4.2): register-register
//! and register-immediate forms, LUI/AUIPC, the 32-bit W forms with their sign extension,
//! shift amounts at the edges (63, 31) and their masking, and writes to x0 discarded.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{check_eq, entry, finish, test_ri, test_rr};

entry!(main);

const MIN: i64 = i64::MIN;
const MAX: i64 = i64::MAX;

fn main() -> u32 {
    // ADD/SUB wrap modulo 2^64; no overflow exception (2.4.2).
    test_rr!("add", 1, 2, 3);
    test_rr!("add", MAX, 1, MIN);
    test_rr!("add", -1i64, -1i64, -2i64);
    test_rr!("sub", 0, 1, -1i64);
    test_rr!("sub", MIN, 1, MAX);
    test_rr!("sub", 5, 7, -2i64);
    // SLT/SLTU: signed vs unsigned comparison.
    test_rr!("slt", -1i64, 1, 1);
    test_rr!("slt", 1, -1i64, 0);
    test_rr!("slt", MIN, MAX, 1);
    test_rr!("slt", 5, 5, 0);
    test_rr!("sltu", -1i64, 1, 0);
    test_rr!("sltu", 1, -1i64, 1);
    test_rr!("sltu", 0, 0, 0);
    // SLTU rd, x0, rs2 is SNEZ.
    check_eq!(
        "snez 7",
        {
            let r: u64;
            unsafe { asm!("snez {0}, {1}", out(reg) r, in(reg) 7u64) };
            r
        },
        1
    );
    check_eq!(
        "snez 0",
        {
            let r: u64;
            unsafe { asm!("snez {0}, {1}", out(reg) r, in(reg) 0u64) };
            r
        },
        0
    );
    test_rr!("and", 0xff00_ff00_ff00_ff00u64, 0x0ff0_0ff0_0ff0_0ff0u64, 0x0f00_0f00_0f00_0f00u64);
    test_rr!("or", 0xff00_ff00_ff00_ff00u64, 0x0ff0_0ff0_0ff0_0ff0u64, 0xfff0_fff0_fff0_fff0u64);
    test_rr!("xor", 0xff00_ff00_ff00_ff00u64, 0x0ff0_0ff0_0ff0_0ff0u64, 0xf0f0_f0f0_f0f0_f0f0u64);
    // Shifts use the low 6 bits of rs2 (2.4.2, 4.2.2).
    test_rr!("sll", 1, 63, 1u64 << 63);
    test_rr!("sll", 1, 64, 1);
    test_rr!("sll", 1, 65 + 128, 2);
    test_rr!("sll", 0x8000_0001u64, 32, 0x8000_0001_0000_0000u64);
    test_rr!("srl", MIN, 63, 1);
    test_rr!("srl", MIN, 64, MIN);
    test_rr!("srl", -1i64, 1, MAX);
    test_rr!("sra", MIN, 63, -1i64);
    test_rr!("sra", MIN, 127, -1i64);
    test_rr!("sra", MAX, 63, 0);
    test_rr!("sra", -8i64, 1, -4i64);
    // Immediate forms: the 12-bit immediate is sign-extended.
    test_ri!("addi", 0, -1, -1i64);
    test_ri!("addi", 0, 2047, 2047);
    test_ri!("addi", 0, -2048, -2048i64);
    test_ri!("addi", MAX, 1, MIN);
    test_ri!("slti", -5i64, -4, 1);
    test_ri!("slti", 0, -1, 0);
    test_ri!("sltiu", 0, -1, 1); // -1 sign-extends to 2^64-1
    test_ri!("sltiu", -2i64, -1, 1);
    test_ri!("sltiu", -1i64, -1, 0);
    test_ri!("sltiu", 0, 1, 1); // SEQZ
    test_ri!("xori", 0x1234u64, -1, !0x1234u64);
    test_ri!("xori", 0xff0u64, 0x0ff, 0xf0fu64);
    test_ri!("ori", 0x100u64, -2048, 0xffff_ffff_ffff_f900u64);
    test_ri!("andi", -1i64, -2048, 0xffff_ffff_ffff_f800u64);
    test_ri!("andi", 0x1234_5678u64, 0x7ff, 0x678);
    test_ri!("slli", 1, 63, 1u64 << 63);
    test_ri!("slli", 0xffu64, 60, 0xf000_0000_0000_0000u64);
    test_ri!("srli", MIN, 63, 1);
    test_ri!("srli", -1i64, 0, -1i64);
    test_ri!("srai", MIN, 63, -1i64);
    test_ri!("srai", 0x4000_0000_0000_0000u64, 62, 1);
    // LUI places a 20-bit immediate in bits 31:12, sign-extended to 64 bits.
    check_eq!(
        "lui 0x80000",
        {
            let r: u64;
            unsafe { asm!("lui {0}, 0x80000", out(reg) r) };
            r
        },
        0xffff_ffff_8000_0000u64
    );
    check_eq!(
        "lui 0x7ffff",
        {
            let r: u64;
            unsafe { asm!("lui {0}, 0x7ffff", out(reg) r) };
            r
        },
        0x7fff_f000u64
    );
    // AUIPC adds the (sign-extended) upper immediate to its own pc.
    let (pc, v): (u64, u64);
    unsafe { asm!("1: auipc {v}, 0x80000", "lla {pc}, 1b", v = out(reg) v, pc = out(reg) pc) };
    check_eq!("auipc 0x80000", v, pc.wrapping_add(0xffff_ffff_8000_0000));
    let (pc, v): (u64, u64);
    unsafe { asm!("1: auipc {v}, 1", "lla {pc}, 1b", v = out(reg) v, pc = out(reg) pc) };
    check_eq!("auipc 1", v, pc + 0x1000);

    // W forms operate on the low 32 bits and sign-extend the 32-bit result (4.2.1).
    test_rr!("addw", 0x7fff_ffffu64, 1, 0xffff_ffff_8000_0000u64);
    test_rr!("addw", 0xffff_ffff_0000_0001u64, 0x1_0000_0001u64, 2);
    test_rr!("addw", -1i64, 0, -1i64);
    test_rr!("subw", 0x8000_0000u64, 1, 0x7fff_ffff);
    test_rr!("subw", 0, 1, -1i64);
    test_rr!("subw", 0x1_0000_0000u64, 0, 0);
    test_ri!("addiw", 0x7fff_ffffu64, 1, 0xffff_ffff_8000_0000u64);
    test_ri!("addiw", 0x1_2345_6789u64, 0, 0x2345_6789);
    test_ri!("addiw", 0xffff_ffffu64, 0, -1i64); // sext.w
    test_ri!("addiw", 0, -2048, -2048i64);
    // 32-bit shifts use the low 5 bits of rs2; result sign-extended.
    test_rr!("sllw", 1, 31, 0xffff_ffff_8000_0000u64);
    test_rr!("sllw", 1, 32, 1);
    test_rr!("sllw", 1, 63, 0xffff_ffff_8000_0000u64);
    test_rr!("sllw", 0xffff_ffff_0000_0003u64, 1, 6);
    test_rr!("srlw", 0x8000_0000u64, 31, 1);
    test_rr!("srlw", 0xffff_ffff_8000_0000u64, 0, 0xffff_ffff_8000_0000u64);
    test_rr!("srlw", 0xffff_ffff_8000_0000u64, 32, 0xffff_ffff_8000_0000u64);
    test_rr!("srlw", 0xffff_ffff_0000_0000u64, 4, 0);
    test_rr!("srlw", -1i64, 1, 0x7fff_ffff);
    test_rr!("sraw", 0x8000_0000u64, 31, -1i64);
    test_rr!("sraw", 0x8000_0000u64, 63, -1i64);
    test_rr!("sraw", 0x0000_0001_7fff_ffffu64, 30, 1);
    test_rr!("sraw", 0x8000_0000u64, 4, 0xffff_ffff_f800_0000u64);
    test_ri!("slliw", 1, 31, 0xffff_ffff_8000_0000u64);
    test_ri!("slliw", 0x1_0000_0001u64, 0, 1);
    test_ri!("slliw", 3, 30, 0xffff_ffff_c000_0000u64);
    test_ri!("srliw", 0x8000_0000u64, 31, 1);
    test_ri!("srliw", 0xffff_ffff_8000_0000u64, 0, 0xffff_ffff_8000_0000u64);
    test_ri!("srliw", -1i64, 1, 0x7fff_ffff);
    test_ri!("sraiw", 0x8000_0000u64, 31, -1i64);
    test_ri!("sraiw", 0x1_7fff_ffffu64, 31, 0);
    test_ri!("sraiw", 0x8000_0000u64, 0, 0xffff_ffff_8000_0000u64);

    // Writes to x0 are discarded (2.1): every instruction class with rd = x0.
    let z: u64;
    unsafe {
        asm!(
            "li {t}, 123",
            "add x0, {t}, {t}",
            "addi x0, {t}, 1",
            "lui x0, 0x12345",
            "auipc x0, 1",
            "addw x0, {t}, {t}",
            "ld x0, 0(sp)",
            "jal x0, 1f",
            "1:",
            "mv {z}, x0",
            t = out(reg) _, z = out(reg) z
        )
    };
    check_eq!("x0 stays zero", z, 0);
    let z: u64;
    unsafe { asm!("lui x0, 1", "add {z}, x0, x0", z = out(reg) z) };
    check_eq!("x0 reads zero after lui x0", z, 0);

    finish("rv64i_alu")
}
