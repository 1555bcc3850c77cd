//! RISC-V instruction encoders: the base formats (Unprivileged 2.2/2.3, R4 in 13.6) and the
//! compressed formats (Unprivileged 16.2) as plain functions returning the instruction word.
#![allow(dead_code)]

/// Major opcodes (Unprivileged, "RV32/64G Instruction Set Listings", opcode map).
pub const LOAD: u32 = 0x03;
pub const LOAD_FP: u32 = 0x07;
pub const OP_IMM: u32 = 0x13;
pub const AUIPC: u32 = 0x17;
pub const OP_IMM_32: u32 = 0x1b;
pub const STORE: u32 = 0x23;
pub const STORE_FP: u32 = 0x27;
pub const AMO: u32 = 0x2f;
pub const OP: u32 = 0x33;
pub const LUI: u32 = 0x37;
pub const OP_32: u32 = 0x3b;
pub const MADD: u32 = 0x43;
pub const OP_FP: u32 = 0x53;
pub const BRANCH: u32 = 0x63;
pub const JALR: u32 = 0x67;
pub const JAL: u32 = 0x6f;
pub const SYSTEM: u32 = 0x73;

/// Fixed instruction words.
pub const ECALL: u32 = 0x0000_0073;
pub const EBREAK: u32 = 0x0010_0073;
pub const MRET: u32 = 0x3020_0073;
pub const C_EBREAK: u16 = 0x9002;

/// R-type: funct7 rs2 rs1 funct3 rd opcode.
pub fn r(op: u32, f3: u32, f7: u32, rd: u8, rs1: u8, rs2: u8) -> u32 {
    (f7 << 25) | ((rs2 as u32) << 20) | ((rs1 as u32) << 15) | (f3 << 12) | ((rd as u32) << 7) | op
}

/// I-type with a 12-bit immediate (only its low 12 bits are used).
pub fn i(op: u32, f3: u32, rd: u8, rs1: u8, imm: i32) -> u32 {
    (((imm as u32) & 0xfff) << 20) | ((rs1 as u32) << 15) | (f3 << 12) | ((rd as u32) << 7) | op
}

/// S-type store.
pub fn s(op: u32, f3: u32, rs1: u8, rs2: u8, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 5) & 0x7f) << 25) | ((rs2 as u32) << 20) | ((rs1 as u32) << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op
}

/// B-type branch; `off` is even and within +-4 KiB.
pub fn b(f3: u32, rs1: u8, rs2: u8, off: i32) -> u32 {
    let o = off as u32;
    (((o >> 12) & 1) << 31)
        | (((o >> 5) & 0x3f) << 25)
        | ((rs2 as u32) << 20)
        | ((rs1 as u32) << 15)
        | (f3 << 12)
        | (((o >> 1) & 0xf) << 8)
        | (((o >> 11) & 1) << 7)
        | BRANCH
}

/// U-type: `imm20` is the upper 20 bits.
pub fn u(op: u32, rd: u8, imm20: u32) -> u32 {
    ((imm20 & 0xf_ffff) << 12) | ((rd as u32) << 7) | op
}

/// J-type `jal rd, off`.
pub fn jal(rd: u8, off: i32) -> u32 {
    let o = off as u32;
    (((o >> 20) & 1) << 31)
        | (((o >> 1) & 0x3ff) << 21)
        | (((o >> 11) & 1) << 20)
        | (((o >> 12) & 0xff) << 12)
        | ((rd as u32) << 7)
        | JAL
}

/// R4-type fused multiply-add (`op` is MADD, MSUB, NMSUB or NMADD; fmt 0 = S, 1 = D).
pub fn r4(op: u32, fmt: u32, rd: u8, rs1: u8, rs2: u8, rs3: u8, rm: u32) -> u32 {
    ((rs3 as u32) << 27)
        | (fmt << 25)
        | ((rs2 as u32) << 20)
        | ((rs1 as u32) << 15)
        | (rm << 12)
        | ((rd as u32) << 7)
        | op
}

/// `csrrX rd, csr, rs1` (f3 1..3) or the immediate forms (f3 5..7, `rs1` is the uimm).
pub fn csr(f3: u32, rd: u8, csr: u32, rs1: u8) -> u32 {
    (csr << 20) | ((rs1 as u32) << 15) | (f3 << 12) | ((rd as u32) << 7) | SYSTEM
}

/// `addi rd, rs1, imm`.
pub fn addi(rd: u8, rs1: u8, imm: i32) -> u32 {
    i(OP_IMM, 0, rd, rs1, imm)
}
/// `ld rd, imm(rs1)`.
pub fn ld(rd: u8, rs1: u8, imm: i32) -> u32 {
    i(LOAD, 3, rd, rs1, imm)
}
/// `sd rs2, imm(rs1)`.
pub fn sd(rs2: u8, rs1: u8, imm: i32) -> u32 {
    s(STORE, 3, rs1, rs2, imm)
}

/// `auipc rd, hi; addi rd, rd, lo` loading `target`, with the auipc at `pc`.
pub fn la(rd: u8, pc: u64, target: u64) -> [u32; 2] {
    let off = target.wrapping_sub(pc) as i64;
    assert!(off.abs() < (1 << 31), "la target out of range");
    let lo = ((off << 52) >> 52) as i32;
    let hi = ((off - lo as i64) >> 12) as u32;
    [u(AUIPC, rd, hi), addi(rd, rd, lo)]
}

/// A compressed register x8..x15 as its 3-bit field.
fn c3(r: u8) -> u16 {
    debug_assert!((8..16).contains(&r));
    (r - 8) as u16
}

/// CI format: funct3 imm[5] rd imm[4:0] op.
pub fn ci(f3: u16, rd: u8, imm6: u32, op: u16) -> u16 {
    (f3 << 13) | ((((imm6 >> 5) & 1) as u16) << 12) | ((rd as u16) << 7) | (((imm6 & 0x1f) as u16) << 2) | op
}

/// CB-format ALU (c.srli/c.srai/c.andi): funct2 selects.
pub fn cb_alu(f2: u16, rd: u8, imm6: u32) -> u16 {
    (0b100 << 13) | ((((imm6 >> 5) & 1) as u16) << 12) | (f2 << 10) | (c3(rd) << 7) | (((imm6 & 0x1f) as u16) << 2) | 1
}

/// CA format: c.sub/xor/or/and (w=0) and c.subw/addw (w=1).
pub fn ca(w: u16, f2: u16, rd: u8, rs2: u8) -> u16 {
    (0b100 << 13) | (w << 12) | (0b11 << 10) | (c3(rd) << 7) | (f2 << 5) | (c3(rs2) << 2) | 1
}

/// CR format: c.mv (f4 = 0b1000) and c.add (0b1001).
pub fn cr(f4: u16, rd: u8, rs2: u8) -> u16 {
    (f4 << 12) | ((rd as u16) << 7) | ((rs2 as u16) << 2) | 2
}

/// c.lwsp (f3 2, word) / c.ldsp (3) / c.fldsp (1): offset `uimm` from sp.
pub fn c_lsp(f3: u16, rd: u8, uimm: u32) -> u16 {
    let f = if f3 == 2 {
        (((uimm >> 5) & 1) << 12) | (((uimm >> 2) & 7) << 4) | (((uimm >> 6) & 3) << 2)
    } else {
        (((uimm >> 5) & 1) << 12) | (((uimm >> 3) & 3) << 5) | (((uimm >> 6) & 7) << 2)
    };
    (f3 << 13) | f as u16 | ((rd as u16) << 7) | 2
}

/// c.swsp (f3 6) / c.sdsp (7) / c.fsdsp (5).
pub fn c_ssp(f3: u16, rs2: u8, uimm: u32) -> u16 {
    let f = if f3 == 6 {
        (((uimm >> 2) & 0xf) << 9) | (((uimm >> 6) & 3) << 7)
    } else {
        (((uimm >> 3) & 7) << 10) | (((uimm >> 6) & 7) << 7)
    };
    (f3 << 13) | f as u16 | ((rs2 as u16) << 2) | 2
}

/// CL/CS: c.lw (f3 2) c.ld (3) c.fld (1) c.sw (6) c.sd (7) c.fsd (5); `r` is rd' or rs2'.
pub fn c_ls(f3: u16, r: u8, rs1: u8, uimm: u32) -> u16 {
    let f = if f3 == 2 || f3 == 6 {
        (((uimm >> 3) & 7) << 10) | (((uimm >> 2) & 1) << 6) | (((uimm >> 6) & 1) << 5)
    } else {
        (((uimm >> 3) & 7) << 10) | (((uimm >> 6) & 3) << 5)
    };
    (f3 << 13) | f as u16 | (c3(rs1) << 7) | (c3(r) << 2)
}

/// c.addi4spn rd', sp, nzuimm (multiple of 4, nonzero, < 1024).
pub fn c_addi4spn(rd: u8, nzuimm: u32) -> u16 {
    let f = (((nzuimm >> 4) & 3) << 11)
        | (((nzuimm >> 6) & 0xf) << 7)
        | (((nzuimm >> 2) & 1) << 6)
        | (((nzuimm >> 3) & 1) << 5);
    f as u16 | (c3(rd) << 2)
}

/// c.j with an even offset within +-2 KiB.
pub fn c_j(off: i32) -> u16 {
    let o = off as u32;
    let f = (((o >> 11) & 1) << 12)
        | (((o >> 4) & 1) << 11)
        | (((o >> 8) & 3) << 9)
        | (((o >> 10) & 1) << 8)
        | (((o >> 6) & 1) << 7)
        | (((o >> 7) & 1) << 6)
        | (((o >> 1) & 7) << 3)
        | (((o >> 5) & 1) << 2);
    (0b101 << 13) | f as u16 | 1
}

/// c.beqz (f3 6) / c.bnez (7) with an even offset within +-256 bytes.
pub fn c_bz(f3: u16, rs1: u8, off: i32) -> u16 {
    let o = off as u32;
    let f = (((o >> 8) & 1) << 12)
        | (((o >> 3) & 3) << 10)
        | (((o >> 6) & 3) << 5)
        | (((o >> 1) & 3) << 3)
        | (((o >> 5) & 1) << 2);
    (f3 << 13) | f as u16 | (c3(rs1) << 7) | 1
}
