//! The decoded instruction: one flat record per instruction, produced once by the decoder
//! and cached, so the execute loop never looks at instruction bits again.

/// Every operation the hart implements, grouped by extension and format as the
/// Unprivileged spec's opcode map (chapter 37, "RV32/64G Instruction Set Listings") groups them.
/// Compressed instructions decode to the operation they expand to (Unprivileged ch. 27).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Op {
    /// Any reserved, unsupported or malformed encoding: executes as illegal-instruction.
    Illegal,
    // RV64I: U-type and J-type
    Lui,
    Auipc,
    Jal,
    Jalr,
    // RV64I: B-type
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    // RV64I: loads (I-type) and stores (S-type)
    Lb,
    Lh,
    Lw,
    Ld,
    Lbu,
    Lhu,
    Lwu,
    Sb,
    Sh,
    Sw,
    Sd,
    // RV64I: register-immediate
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Addiw,
    Slliw,
    Srliw,
    Sraiw,
    // RV64I: register-register
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Addw,
    Subw,
    Sllw,
    Srlw,
    Sraw,
    // RV64I: memory ordering and environment
    Fence,
    FenceI,
    Ecall,
    Ebreak,
    // M
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    Mulw,
    Divw,
    Divuw,
    Remw,
    Remuw,
    // A (word and doubleword)
    LrW,
    ScW,
    AmoswapW,
    AmoaddW,
    AmoxorW,
    AmoandW,
    AmoorW,
    AmominW,
    AmomaxW,
    AmominuW,
    AmomaxuW,
    LrD,
    ScD,
    AmoswapD,
    AmoaddD,
    AmoxorD,
    AmoandD,
    AmoorD,
    AmominD,
    AmomaxD,
    AmominuD,
    AmomaxuD,
    // Zicsr (the CSR number is in `imm`, the zimm in `rs1`)
    Csrrw,
    Csrrs,
    Csrrc,
    Csrrwi,
    Csrrsi,
    Csrrci,
    // Privileged
    Mret,
    Sret,
    Wfi,
    SfenceVma,
    // Svinval
    SinvalVma,
    SfenceWInval,
    SfenceInvalIr,
    // F
    Flw,
    Fsw,
    FmaddS,
    FmsubS,
    FnmsubS,
    FnmaddS,
    FaddS,
    FsubS,
    FmulS,
    FdivS,
    FsqrtS,
    FsgnjS,
    FsgnjnS,
    FsgnjxS,
    FminS,
    FmaxS,
    FcvtWS,
    FcvtWuS,
    FcvtLS,
    FcvtLuS,
    FmvXW,
    FclassS,
    FeqS,
    FltS,
    FleS,
    FcvtSW,
    FcvtSWu,
    FcvtSL,
    FcvtSLu,
    FmvWX,
    // D
    Fld,
    Fsd,
    FmaddD,
    FmsubD,
    FnmsubD,
    FnmaddD,
    FaddD,
    FsubD,
    FmulD,
    FdivD,
    FsqrtD,
    FsgnjD,
    FsgnjnD,
    FsgnjxD,
    FminD,
    FmaxD,
    FcvtSD,
    FcvtDS,
    FeqD,
    FltD,
    FleD,
    FclassD,
    FcvtWD,
    FcvtWuD,
    FcvtLD,
    FcvtLuD,
    FcvtDW,
    FcvtDWu,
    FcvtDL,
    FcvtDLu,
    FmvXD,
    FmvDX,
    // Zba (Unprivileged "B" chapter; RV64 forms)
    AddUw,
    Sh1add,
    Sh2add,
    Sh3add,
    Sh1addUw,
    Sh2addUw,
    Sh3addUw,
    SlliUw,
    // Zbb
    Andn,
    Orn,
    Xnor,
    Clz,
    Clzw,
    Ctz,
    Ctzw,
    Cpop,
    Cpopw,
    Max,
    Maxu,
    Min,
    Minu,
    SextB,
    SextH,
    ZextH,
    Rol,
    Rolw,
    Ror,
    Rori,
    Rorw,
    Roriw,
    OrcB,
    Rev8,
    // Zbc
    Clmul,
    Clmulh,
    Clmulr,
    // Zbs (the shift amount of the immediate forms is in `imm`)
    Bclr,
    Bclri,
    Bext,
    Bexti,
    Binv,
    Binvi,
    Bset,
    Bseti,
    // Zicond
    CzeroEqz,
    CzeroNez,
    // Zihintpause: the FENCE encoding pred=W, succ=0, fm=0, rd=rs1=x0
    Pause,
    // Zicbom and Zicboz (the base address is `rs1`, no offset)
    CboInval,
    CboClean,
    CboFlush,
    CboZero,
}

/// A decoded instruction.
///
/// Register fields hold register numbers (integer or FP, as the operation says). `imm` is
/// the sign-extended immediate (for CSR instructions, the CSR number; for shifts, the
/// shift amount; for `fence`, the pred/succ/fm bits). `rm` is the rounding-mode field of
/// FP instructions. `raw` keeps the original bits (for `mtval` on illegal instructions and
/// for traces); `len` is 2 for compressed encodings and 4 otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instr {
    pub op: Op,
    pub rd: u8,
    pub rs1: u8,
    pub rs2: u8,
    pub rs3: u8,
    pub rm: u8,
    pub len: u8,
    pub imm: i32,
    pub raw: u32,
}

impl Op {
    /// LR, SC and the AMOs (the A extension).
    #[inline]
    pub fn is_amo(self) -> bool {
        (Op::LrW as u8..=Op::AmomaxuD as u8).contains(&(self as u8))
    }

    /// The word-sized AMOs and LR.W/SC.W.
    #[inline]
    pub fn is_amo_word(self) -> bool {
        (Op::LrW as u8..=Op::AmomaxuW as u8).contains(&(self as u8))
    }

    /// The register-to-register computations of Zba, Zbb, Zbc, Zbs and Zicond: pure
    /// functions of `rs1`, `rs2` and `imm` that write `rd` ([`crate::hart`]'s
    /// `exec_bitmanip`).
    #[inline]
    pub fn is_bitmanip(self) -> bool {
        (Op::AddUw as u8..=Op::CzeroNez as u8).contains(&(self as u8))
    }

    /// The cache-block operations of Zicbom and Zicboz.
    #[inline]
    pub fn is_cbo(self) -> bool {
        (Op::CboInval as u8..=Op::CboZero as u8).contains(&(self as u8))
    }

    /// The F and D extensions.
    #[inline]
    pub fn is_fp(self) -> bool {
        (Op::Flw as u8..=Op::FmvDX as u8).contains(&(self as u8))
    }
}

impl Instr {
    /// An illegal instruction carrying its bits and length.
    pub const fn illegal(raw: u32, len: u8) -> Instr {
        Instr { op: Op::Illegal, rd: 0, rs1: 0, rs2: 0, rs3: 0, rm: 0, len, imm: 0, raw }
    }

    /// True when executing this instruction always changes control flow or may change
    /// privilege, CSR state or translation, so a cached block must end after it.
    /// Conditional branches do not end a block: a taken branch exits it early.
    pub fn ends_block(&self) -> bool {
        use Op::*;
        matches!(
            self.op,
            Illegal
                | Jal
                | Jalr
                | FenceI
                | Ecall
                | Ebreak
                | Csrrw
                | Csrrs
                | Csrrc
                | Csrrwi
                | Csrrsi
                | Csrrci
                | Mret
                | Sret
                | Wfi
                | SfenceVma
                | SinvalVma
                | SfenceWInval
                | SfenceInvalIr
        )
    }
}
