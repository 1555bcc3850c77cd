//! The fixed runtime every batch ELF carries: the start-up code, the M-mode trap handler
//! (records mcause/mtval/mepc into a hash and skips the trapping instruction), the UART hex
//! printer, the scratch filler and the signature dump, plus each program's prologue and
//! epilogue. Addresses are physical; everything runs in M-mode with `-bios none`.

use super::enc::*;

/// Where the ELF's code starts (QEMU virt's RAM base; `-bios none` jumps here).
pub const CODE: u64 = 0x8000_0000;
/// The per-hart save area; `mscratch` holds its address.
pub const AREA: u64 = 0x8100_0000;
/// The scratch memory the random bodies load from and store to (x2 points at its middle).
pub const SCRATCH: u64 = 0x8100_1000;
/// Size of the scratch area in bytes.
pub const SCRATCH_LEN: u64 = 4096;
/// The per-program initial-state tables, one per slot.
pub const DATA: u64 = 0x8200_0000;
/// Program slots: program `i` of a run lives in slot `i % SLOTS`, at a fixed address.
pub const SLOTS: u64 = 256;
/// Bytes of code per slot (prologue, body, epilogue).
pub const SLOT_LEN: u64 = 4096;
const SLOT_BASE: u64 = 0x8001_0000;
const TABLE_LEN: u64 = 8 * (1 + 32 + 1 + 31);

/// Where the code of slot `k` starts.
pub fn slot_code(k: u64) -> u64 {
    SLOT_BASE + k * SLOT_LEN
}

/// Where the initial-state table of slot `k` is.
pub fn slot_table(k: u64) -> u64 {
    DATA + k * TABLE_LEN
}
/// Two Sv39 root page tables (Privileged, "Sv39"), for S-mode and for U-mode bodies.
pub const PT: u64 = 0x81ff_e000;
/// Gigapages of the paged programs: VA 0x8000_0000 maps RAM with RWX, VA 0xc000_0000 maps
/// the same RAM read-only, VA 0x1_0000_0000 (gigapage 4) is not mapped.
pub const VA_RO: u64 = 0xc000_0000;
/// See [`VA_RO`].
pub const VA_UNMAPPED: u64 = 0x1_0000_0000;

/// The page tables' bytes (at [`PT`]): root S, then root U (its leaves have U set). Leaves
/// have A and D set, so no hardware A/D update happens (an implementation choice, Privileged
/// "Virtual Address Translation Process").
pub fn page_tables() -> Vec<u8> {
    let mut pt = vec![0u8; 0x2000];
    for (root, user) in [(0usize, 0u64), (0x1000, 0x10)] {
        let ppn = (CODE >> 12) << 10;
        let v_r_w_x_a_d = 0xcf;
        let v_r_a = 0x43;
        for (vpn2, flags) in [(2usize, v_r_w_x_a_d), (3, v_r_a)] {
            pt[root + 8 * vpn2..][..8].copy_from_slice(&(ppn | flags | user).to_le_bytes());
        }
    }
    pt
}

/// An address with nothing behind it (just past 128 MiB of RAM): loads and stores there
/// raise access faults (Privileged 3.7.1 PMA: no memory there).
pub const HOLE: u64 = 0x8800_0000;
const UART: u32 = 0x1000_0000;
const FINISHER: u32 = 0x10_0000;

// Save-area layout (byte offsets): x1..x31 at 8*i, f0..f31 at 256 + 8*i.
/// Where the epilogue saves fcsr.
pub const A_FCSR: i32 = 512;
/// The trap count of the running program.
pub const A_TRAPS: i32 = 520;
/// The trap hash of the running program.
pub const A_HASH: i32 = 528;
const A_TMP: i32 = 536;
/// The address of the running program's gate (see the trap handler).
const A_GATE: i32 = 568;
/// Hash multiplier (the 32-bit FNV prime).
const FNV: u32 = 0x0100_0193;

/// Lines of hex every program prints: its index, x1..x31, f0..f31, fcsr, trap count,
/// trap hash, and eight checksums of 512-byte blocks of the scratch area.
pub const LINES: usize = 1 + 31 + 32 + 1 + 2 + 8;

/// Names of the lines, for reports.
pub fn line_name(i: usize) -> String {
    match i {
        0 => "index".into(),
        1..=31 => format!("x{i}"),
        32..=63 => format!("f{}", i - 32),
        64 => "fcsr".into(),
        65 => "traps".into(),
        66 => "traphash".into(),
        _ => format!("scratch[{}..{}]", (i - 67) * 512, (i - 66) * 512),
    }
}

/// A code buffer at a known address.
pub struct Asm {
    pub base: u64,
    pub bytes: Vec<u8>,
}

impl Asm {
    /// An empty buffer whose first byte will sit at `base`.
    pub fn new(base: u64) -> Asm {
        Asm { base, bytes: Vec::new() }
    }
    /// The address of the next byte emitted.
    pub fn pc(&self) -> u64 {
        self.base + self.bytes.len() as u64
    }
    /// Emits one 32-bit instruction word.
    pub fn w(&mut self, word: u32) {
        self.bytes.extend_from_slice(&word.to_le_bytes());
    }
    /// Emits instruction words in order.
    pub fn all(&mut self, words: &[u32]) {
        for &w in words {
            self.w(w);
        }
    }
    /// `la rd, target` (auipc + addi).
    pub fn la(&mut self, rd: u8, target: u64) {
        let pc = self.pc();
        self.all(&la(rd, pc, target));
    }
    /// `li rd, v` for a 32-bit value (lui + addi), sign-extended as lui does.
    pub fn li32(&mut self, rd: u8, v: u32) {
        let lo = ((v << 20) as i32) >> 20;
        let hi = v.wrapping_sub(lo as u32) >> 12;
        self.w(u(LUI, rd, hi));
        self.w(addi(rd, rd, lo));
    }
    /// A branch to an already-emitted `target`.
    pub fn b_to(&mut self, f3: u32, rs1: u8, rs2: u8, target: u64) {
        let off = target.wrapping_sub(self.pc()) as i32;
        self.w(b(f3, rs1, rs2, off));
    }
    /// `jal rd, target`; the target must be within +-1 MiB (Unprivileged 2.5.1).
    pub fn jal_to(&mut self, rd: u8, target: u64) {
        let off = target.wrapping_sub(self.pc()) as i64;
        assert!((-(1 << 20)..(1 << 20)).contains(&off), "jal to {target:#x} out of range");
        self.w(jal(rd, off as i32));
    }
    /// `auipc t, hi; jalr rd, lo(t)`: a jump to any target within +-2 GiB (the slots
    /// reach more than 1 MiB past the runtime, beyond `jal`).
    pub fn call(&mut self, rd: u8, t: u8, target: u64) {
        let [auipc, addi] = la(t, self.pc(), target);
        self.w(auipc);
        self.w(i(JALR, 0, rd, t, (addi >> 20) as i32));
    }
}

/// Entry points of the runtime routines.
pub struct Runtime {
    pub dump: u64,
    pub fill: u64,
}

const BLTU: u32 = 6;
const BNE: u32 = 1;
const BLT: u32 = 4;
const BGE: u32 = 5;

/// Emits start-up, handler, printer, filler and dump at [`CODE`]; start-up ends by
/// falling through to whatever the caller emits next (a jump to the first program).
pub fn emit(a: &mut Asm) -> Runtime {
    // Start-up: mtvec = handler (direct), mscratch = AREA, mstatus.FS = Initial and
    // MPP = M, PMP entry 0 = NAPOT over everything with RWX (with PMP implemented and no
    // entry matching, S- and U-mode accesses fail: Privileged, "Physical Memory
    // Protection"), then jump over the routines to the first program.
    let start = a.pc();
    let handler_at = start + 4 * 16;
    a.la(5, handler_at);
    a.w(csr(1, 0, 0x305, 5)); // csrw mtvec
    a.la(5, AREA);
    a.w(csr(1, 0, 0x340, 5)); // csrw mscratch
    a.li32(6, 0x3800);
    a.w(csr(2, 0, 0x300, 6)); // csrs mstatus
    a.w(addi(5, 0, -1));
    a.w(csr(1, 0, 0x3b0, 5)); // csrw pmpaddr0
    a.w(addi(5, 0, 0x1f));
    a.w(csr(1, 0, 0x3a0, 5)); // csrw pmpcfg0: A = NAPOT, X W R
    let jump_at = a.pc();
    a.w(0); // patched: jal x0, past the routines
    a.w(addi(0, 0, 0));
    a.w(addi(0, 0, 0));
    assert_eq!(a.pc(), handler_at);

    // Trap handler: hash = ((hash ^ mcause) * FNV ^ mtval) * FNV ^ mepc) * FNV, count++,
    // mepc += length of the instruction at mepc (Unprivileged 1.5: low bits 11 = 32-bit).
    a.w(csr(1, 31, 0x340, 31)); // csrrw x31, mscratch, x31
    a.w(sd(30, 31, A_TMP));
    a.w(sd(29, 31, A_TMP + 8));
    a.w(sd(28, 31, A_TMP + 16));
    a.w(sd(27, 31, A_TMP + 24));
    // Drop any LR reservation: whether a trap or an xRET clears it is up to the
    // implementation (Privileged, "Trap-Return Instructions": xRET "is allowed to clear
    // any outstanding LR address reservation but is not required to"; trap handlers
    // "should explicitly clear the reservation if required"). QEMU 7.2 clears it on every privilege change, traps and
    // mret included (target/riscv/cpu_helper.c riscv_cpu_set_mode); rvsim keeps it. An
    // sc.d to the save area's unused word 0 (never reserved) fails and drops it on both.
    a.w(clear_reservation(29, 31));
    // The gate: an ecall at the address in A_GATE (the first instruction of the running
    // program's epilogue) only returns to its next instruction in M-mode, not recorded.
    a.w(csr(2, 30, 0x341, 0)); // csrr x30, mepc
    a.w(ld(29, 31, A_GATE));
    let not_gate = a.pc();
    a.w(0); // patched: bne x30, x29, the recording path
    a.li32(29, 0x7800);
    a.w(csr(2, 0, 0x300, 29)); // csrs mstatus: MPP = M, FS = Dirty (the body may clear FS)
    a.w(addi(30, 30, 4));
    a.w(csr(1, 0, 0x341, 30)); // csrw mepc
    let gate_done = a.pc();
    a.w(0); // patched: jal x0, the restore
    let record = a.pc();
    a.bytes[(not_gate - a.base) as usize..][..4]
        .copy_from_slice(&b(BNE, 30, 29, (record - not_gate) as i32).to_le_bytes());
    a.li32(28, FNV);
    a.w(ld(29, 31, A_HASH));
    a.w(csr(2, 27, 0x342, 0)); // x27 = mcause
    for c in [0x342, 0x343, 0x341] {
        a.w(csr(2, 30, c, 0));
        if c == 0x343 {
            // mtval of a breakpoint counts as 0: an [C.]EBREAK may write either 0 or the
            // instruction's address (Privileged 3.1.16, mtval); QEMU 7.2 writes 0
            // (target/riscv/cpu_helper.c), rvsim the address, as Spike does. The handler
            // also clears mtval then, as the body may read it with csrr.
            a.w(addi(27, 27, -3));
            a.w(b(BNE, 27, 0, 12));
            a.w(addi(30, 0, 0));
            a.w(csr(1, 0, 0x343, 0)); // csrw mtval, zero
        }
        a.w(r(OP, 4, 0, 29, 29, 30)); // xor
        a.w(r(OP, 0, 1, 29, 29, 28)); // mul
    }
    a.w(sd(29, 31, A_HASH));
    a.w(ld(29, 31, A_TRAPS));
    a.w(addi(29, 29, 1));
    a.w(sd(29, 31, A_TRAPS));
    a.w(csr(2, 30, 0x341, 0)); // csrr x30, mepc
    a.w(i(LOAD, 5, 29, 30, 0)); // lhu x29, 0(x30)
    a.w(i(OP_IMM, 7, 29, 29, 3)); // andi
    a.w(addi(30, 30, 2));
    a.w(addi(29, 29, -3));
    a.w(b(BNE, 29, 0, 8));
    a.w(addi(30, 30, 2));
    a.w(csr(1, 0, 0x341, 30)); // csrw mepc
    let restore = a.pc();
    a.bytes[(gate_done - a.base) as usize..][..4].copy_from_slice(&jal(0, (restore - gate_done) as i32).to_le_bytes());
    a.w(ld(27, 31, A_TMP + 24));
    a.w(ld(28, 31, A_TMP + 16));
    a.w(ld(29, 31, A_TMP + 8));
    a.w(ld(30, 31, A_TMP));
    a.w(csr(1, 31, 0x340, 31));
    a.w(MRET);

    // puthex: prints a0 (x10) as 16 hex digits and '\n'; link x6; clobbers x11..x14.
    let puthex = a.pc();
    a.w(u(LUI, 14, UART >> 12));
    a.w(addi(12, 0, 60));
    let lp = a.pc();
    a.w(r(OP, 5, 0, 11, 10, 12)); // srl x11, x10, x12
    a.w(i(OP_IMM, 7, 11, 11, 15));
    a.w(addi(13, 11, -10));
    a.w(b(BLT, 13, 0, 8));
    a.w(addi(11, 11, 39));
    a.w(addi(11, 11, 48));
    thr_wait(a);
    a.w(s(STORE, 0, 14, 11, 0));
    a.w(addi(12, 12, -4));
    a.b_to(BGE, 12, 0, lp);
    a.w(addi(11, 0, 10));
    thr_wait(a);
    a.w(s(STORE, 0, 14, 11, 0));
    a.w(i(JALR, 0, 0, 6, 0));

    // fill: scratch = xorshift64 stream from seed a0; link x1; clobbers x10..x13.
    let fill = a.pc();
    a.la(11, SCRATCH);
    a.w(u(LUI, 13, (SCRATCH_LEN >> 12) as u32));
    a.w(r(OP, 0, 0, 12, 11, 13));
    let lp = a.pc();
    for (f3, sh) in [(1, 13), (5, 7), (1, 17)] {
        a.w(i(OP_IMM, f3, 13, 10, sh));
        a.w(r(OP, 4, 0, 10, 10, 13));
    }
    a.w(sd(10, 11, 0));
    a.w(addi(11, 11, 8));
    a.b_to(BLTU, 11, 12, lp);
    a.w(i(JALR, 0, 0, 1, 0));

    // dump: x31 = AREA, a0 = program index; link x1. Prints LINES lines, then clears
    // the trap count and hash for the next program.
    let dump = a.pc();
    a.jal_to(6, puthex);
    a.w(addi(20, 31, 8));
    a.w(addi(21, 31, A_HASH + 8));
    let lp = a.pc();
    a.w(ld(10, 20, 0));
    a.jal_to(6, puthex);
    a.w(addi(20, 20, 8));
    a.b_to(BLTU, 20, 21, lp);
    a.la(20, SCRATCH);
    a.li32(22, FNV);
    a.w(addi(23, 0, 8));
    let blk = a.pc();
    a.w(addi(10, 0, 0));
    a.w(addi(24, 20, 512));
    let wl = a.pc();
    a.w(ld(13, 20, 0));
    a.w(r(OP, 4, 0, 10, 10, 13));
    a.w(r(OP, 0, 1, 10, 10, 22));
    a.w(addi(20, 20, 8));
    a.b_to(BLTU, 20, 24, wl);
    a.jal_to(6, puthex);
    a.w(addi(23, 23, -1));
    a.b_to(BNE, 23, 0, blk);
    a.w(sd(0, 31, A_TRAPS));
    a.w(sd(0, 31, A_HASH));
    a.w(i(JALR, 0, 0, 1, 0));

    let end = a.pc();
    let off = (end - jump_at) as i32;
    a.bytes[(jump_at - a.base) as usize..][..4].copy_from_slice(&jal(0, off).to_le_bytes());
    Runtime { dump, fill }
}

/// `sc.d rd, x0, (base)` with `base` = [`AREA`]: an SC to a word no LR ever reserves,
/// which fails and drops the hart's reservation (Unprivileged, Zalrsc: "A
/// store-conditional instruction to a scratch word of memory should be used to forcibly
/// invalidate any existing load reservation").
fn clear_reservation(rd: u8, base: u8) -> u32 {
    r(AMO, 3, 0x03 << 2, rd, base, 0)
}

/// Waits until the UART (base in x14) can take a byte: LSR (offset 5) bit 5, THR empty
/// (16550 data sheet). QEMU's 16550 (hw/char/serial.c) keeps THRE clear while its host
/// side has not taken the last byte; writing without waiting lost output under load.
/// Clobbers x13.
fn thr_wait(a: &mut Asm) {
    let wait = a.pc();
    a.w(i(LOAD, 4, 13, 14, 5)); // lbu x13, 5(x14)
    a.w(i(OP_IMM, 7, 13, 13, 0x20));
    a.b_to(0, 13, 0, wait); // beq x13, x0, wait
}

/// The initial state of one program, as stored in its table.
pub struct Init {
    pub scratch_seed: u64,
    pub f: [u64; 32],
    pub fcsr: u64,
    /// x1..x31 (index 0 is x1).
    pub x: [u64; 31],
}

impl Init {
    /// The table as the prologue reads it: seed, f0..f31, fcsr, x1..x31.
    pub fn table(&self) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(&self.scratch_seed.to_le_bytes());
        for v in self.f {
            t.extend_from_slice(&v.to_le_bytes());
        }
        t.extend_from_slice(&self.fcsr.to_le_bytes());
        for v in self.x {
            t.extend_from_slice(&v.to_le_bytes());
        }
        t
    }
}

/// Prologue: clear mcause/mtval (so a program's CSR reads do not depend on its
/// neighbours) and the LR reservation, record the program's gate (the epilogue's first
/// instruction, `body_len` bytes past the body), fill scratch from the table's seed, load
/// f0..f31, fcsr, x1..x31, then `mret` into the body (which follows) in privilege `mode`
/// (0 = U, 1 = S, 3 = M; Privileged, mstatus.MPP).
pub fn prologue(a: &mut Asm, rt: &Runtime, table: u64, body_len: u64, mode: u8, paged: bool) {
    for c in [0x342, 0x343] {
        a.w(csr(1, 0, c, 0));
    }
    // No reservation left by the previous program (see the trap handler).
    a.la(5, AREA);
    a.w(clear_reservation(6, 5));
    let gate_la = a.pc();
    a.all(&[0, 0]); // patched: la x6, gate
    a.w(sd(6, 5, A_GATE));
    let body_la = a.pc();
    a.all(&[0, 0]); // patched: la x6, body
    a.w(csr(1, 0, 0x341, 6)); // csrw mepc
    a.li32(6, 0x1800);
    a.w(csr(3, 0, 0x300, 6)); // csrc mstatus: MPP
    if mode != 0 {
        a.li32(6, (mode as u32) << 11);
        a.w(csr(2, 0, 0x300, 6)); // csrs mstatus
    }
    // satp: Bare, or Sv39 (mode 8) with the S or U root; sfence.vma drops what the
    // previous program's translations left.
    a.w(csr(1, 0, 0x180, 0));
    if paged {
        a.la(6, PT + if mode == 0 { 0x1000 } else { 0 });
        a.w(i(OP_IMM, 5, 6, 6, 12)); // srli x6, x6, 12
        a.w(addi(7, 0, 8));
        a.w(i(OP_IMM, 1, 7, 7, 60)); // slli x7, x7, 60
        a.w(r(OP, 6, 0, 6, 6, 7)); // or
        a.w(csr(1, 0, 0x180, 6)); // csrw satp
    }
    a.w(0x1200_0073); // sfence.vma
    a.la(5, table);
    a.w(ld(10, 5, 0));
    a.call(1, 1, rt.fill);
    for f in 0..32u8 {
        a.w(i(LOAD_FP, 3, f, 5, 8 + 8 * f as i32));
    }
    a.w(ld(6, 5, 8 + 256));
    a.w(csr(1, 0, 0x003, 6)); // fscsr
    for x in (1..32u8).filter(|&x| x != 5) {
        a.w(ld(x, 5, 272 + 8 * (x as i32 - 1)));
    }
    a.w(ld(5, 5, 272 + 8 * 4));
    a.w(MRET);
    let body = a.pc();
    for (at, target) in [(gate_la, body + body_len), (body_la, body)] {
        let words: Vec<u8> = la(6, at, target).iter().flat_map(|w| w.to_le_bytes()).collect();
        a.bytes[(at - a.base) as usize..][..8].copy_from_slice(&words);
    }
}

/// Epilogue: the gate (an ecall the handler answers by returning in M-mode), then save x1..x31, f0..f31, fcsr to the area and print the signature.
pub fn epilogue(a: &mut Asm, rt: &Runtime, index: u32) {
    a.w(ECALL); // the gate: back to M-mode
    a.w(csr(1, 31, 0x340, 31)); // csrrw x31, mscratch, x31
    for x in 1..31u8 {
        a.w(sd(x, 31, 8 * x as i32));
    }
    a.w(csr(2, 1, 0x340, 0));
    a.w(sd(1, 31, 8 * 31));
    for f in 0..32u8 {
        a.w(s(STORE_FP, 3, 31, f, 256 + 8 * f as i32));
    }
    a.w(csr(2, 1, 0x003, 0)); // frcsr
    a.w(sd(1, 31, A_FCSR));
    a.w(csr(1, 0, 0x340, 31)); // mscratch = AREA again
    a.li32(10, index);
    a.call(1, 1, rt.dump);
}

/// The SiFive test finisher: write 0x5555 (pass) to 0x10_0000.
pub fn finish(a: &mut Asm) {
    a.w(u(LUI, 5, FINISHER >> 12));
    a.li32(6, 0x5555);
    a.w(s(STORE, 2, 5, 6, 0));
    let here = a.pc();
    a.jal_to(0, here);
}
