//! The random program generator: from a 64-bit seed, an initial state (registers, fcsr,
//! scratch seed) and a body of valid instructions covering RV64IMAFDC, Zicsr reads,
//! Zba/Zbb/Zbc/Zbs, forward branches and jumps, bounded loops and trapping instructions.
//! Every choice comes from the seed, so a seed reproduces its program exactly.
//!
//! Register conventions of the body: x2 points at the middle of the scratch area and x26
//! counts loop iterations; neither is ever a destination. x29..x31 are saved and restored
//! by the trap handler, so they stay random registers too.

use super::enc::*;
use super::rt::{Init, HOLE, SCRATCH, SCRATCH_LEN, VA_RO, VA_UNMAPPED};

/// xorshift64*: small and deterministic.
pub struct Rng(pub u64);

impl Rng {
    /// A generator for program `index` of run `seed` (splitmix64 of both, never zero).
    pub fn for_program(seed: u64, index: u64) -> Rng {
        let mut z = seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// One element of `xs`, uniformly.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    /// True with probability 1 / `one_in`.
    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

/// The loop counter and the scratch pointer: never written by the body.
const LOOP: u8 = 26;
const SP: u8 = 2;

/// The scratch pointer's value: the middle of the area, so 12-bit offsets reach it all.
pub const SP_VALUE: u64 = SCRATCH + SCRATCH_LEN / 2;

/// One piece of a body.
pub enum Item {
    Code(Vec<u8>),
    /// A forward control transfer over the next `skip` items of the same list.
    Fwd(Fwd, usize),
    /// `addi x26, x0, n`, the items, `addi x26, x26, -1; bnez x26, back`.
    Loop(u8, Vec<Item>),
}

/// A forward control transfer: conditional branch, c.beqz/c.bnez, jal, c.j, auipc+jalr.
#[derive(Clone, Copy)]
pub enum Fwd {
    Branch(u32, u8, u8),
    CBz(u16, u8),
    Jal(u8),
    CJ,
    /// `auipc t, 0; jalr rd, off(t)`.
    Jalr(u8, u8),
}

impl Fwd {
    fn len(self) -> usize {
        match self {
            Fwd::Branch(..) | Fwd::Jal(_) => 4,
            Fwd::CBz(..) | Fwd::CJ => 2,
            Fwd::Jalr(..) => 8,
        }
    }
}

fn size(items: &[Item]) -> usize {
    items
        .iter()
        .map(|it| match it {
            Item::Code(c) => c.len(),
            Item::Fwd(f, _) => f.len(),
            Item::Loop(_, body) => 4 + size(body) + 8,
        })
        .sum()
}

/// Lays out `items` as machine code.
pub fn emit(items: &[Item], out: &mut Vec<u8>) {
    for (k, it) in items.iter().enumerate() {
        match it {
            Item::Code(c) => out.extend_from_slice(c),
            Item::Fwd(f, skip) => {
                let over = size(&items[k + 1..(k + 1 + skip).min(items.len())]) as i32;
                let off = over + f.len() as i32;
                match *f {
                    Fwd::Branch(f3, a, bb) => out.extend_from_slice(&b(f3, a, bb, off).to_le_bytes()),
                    Fwd::Jal(rd) => out.extend_from_slice(&jal(rd, off).to_le_bytes()),
                    Fwd::CBz(f3, rs) => out.extend_from_slice(&c_bz(f3, rs, off).to_le_bytes()),
                    Fwd::CJ => out.extend_from_slice(&c_j(off).to_le_bytes()),
                    Fwd::Jalr(rd, t) => {
                        out.extend_from_slice(&u(AUIPC, t, 0).to_le_bytes());
                        out.extend_from_slice(&i(JALR, 0, rd, t, off).to_le_bytes());
                    }
                }
            }
            Item::Loop(n, body) => {
                out.extend_from_slice(&addi(LOOP, 0, *n as i32).to_le_bytes());
                let start = out.len();
                emit(body, out);
                out.extend_from_slice(&addi(LOOP, LOOP, -1).to_le_bytes());
                let back = start as i32 - out.len() as i32;
                out.extend_from_slice(&b(1, LOOP, 0, back).to_le_bytes());
            }
        }
    }
}

/// A whole generated program.
pub struct Program {
    pub init: Init,
    /// The privilege the body runs in: 3 = M (half the programs), 1 = S, 0 = U.
    pub mode: u8,
    /// S and U bodies: half run under Sv39 (identity gigapage plus a read-only and an
    /// unmapped one, `rt::page_tables`).
    pub paged: bool,
    pub body: Vec<Item>,
}

/// Values that exercise edge cases of integer instructions.
fn int_value(r: &mut Rng) -> u64 {
    match r.below(12) {
        0 => 0,
        1 => r.pick(&[1, u64::MAX, 2, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000]),
        2 => r.pick(&[0x7fff_ffff, 0xffff_ffff_8000_0000, 0xffff_ffff, 0x8000_0000, 0xffff_ffff_0000_0000]),
        3 => (r.below(33) as i64 - 16) as u64,
        4 => 1 << r.below(64),
        5 => r.next() as u32 as i32 as i64 as u64,
        6 => r.next() & 0xffff,
        7 => !(1u64 << r.below(64)),
        _ => r.next(),
    }
}

const F32_SPECIAL: [u32; 14] = [
    0,
    0x8000_0000,
    0x3f80_0000,
    0xbf80_0000,
    0x7f80_0000,
    0xff80_0000,
    0x7fc0_0000,
    0x7f80_0001,
    0xffc0_0000,
    1,
    0x8000_0001,
    0x7f7f_ffff,
    0x0080_0000,
    0x4f00_0000,
];
const F64_SPECIAL: [u64; 14] = [
    0,
    0x8000_0000_0000_0000,
    0x3ff0_0000_0000_0000,
    0xbff0_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0000,
    0x7ff0_0000_0000_0001,
    1,
    0x7fef_ffff_ffff_ffff,
    0x0010_0000_0000_0000,
    0x43e0_0000_0000_0000,
    0xc3e0_0000_0000_0000,
    0x41e0_0000_0000_0000,
];

/// A value for an FP register: doubles, NaN-boxed singles (Unprivileged 13.2) and, now and
/// then, an improperly boxed single (read as the canonical NaN by single-precision ops).
fn fp_value(r: &mut Rng) -> u64 {
    let single = |r: &mut Rng| -> u32 {
        match r.below(3) {
            0 => r.pick(&F32_SPECIAL),
            1 => (r.next() as u32 & 0x807f_ffff) | ((r.below(8) as u32 + 123) << 23),
            _ => r.next() as u32,
        }
    };
    match r.below(10) {
        0 => r.pick(&F64_SPECIAL),
        1 | 2 => (r.next() & 0x800f_ffff_ffff_ffff) | ((r.below(16) + 1016) << 52),
        3 => r.next(),
        4 => single(r) as u64 | ((r.below(2) * 0xffff_fffe) << 32),
        _ => 0xffff_ffff_0000_0000 | single(r) as u64,
    }
}

/// Generates program `index` of run `seed`.
pub fn program(seed: u64, index: u64) -> Program {
    let mut r = Rng::for_program(seed, index);
    let mut x = [0u64; 31];
    for (k, v) in x.iter_mut().enumerate() {
        *v = int_value(&mut r);
        if k + 1 == SP as usize {
            *v = SP_VALUE;
        }
    }
    let mut f = [0u64; 32];
    for v in f.iter_mut() {
        *v = fp_value(&mut r);
    }
    // frm: mostly a valid mode, now and then a reserved one (5..7: dynamic-rm FP ops are
    // then illegal, Unprivileged 13.2).
    let frm = if r.chance(16) { 5 + r.below(3) } else { r.below(5) };
    let fcsr = (frm << 5) | r.below(32);
    let init = Init { scratch_seed: r.next() | 1, f, fcsr, x };
    let mode = r.pick(&[3, 3, 1, 0]);
    let paged = mode != 3 && r.chance(2);
    let n = 10 + r.below(50) as usize;
    let body = items(&mut r, n, true, mode | (paged as u8) << 7);
    Program { init, mode, paged, body }
}

fn items(r: &mut Rng, n: usize, top: bool, mode: u8) -> Vec<Item> {
    let mut out = Vec::new();
    while out.len() < n {
        let remaining = n - out.len();
        match r.below(40) {
            0 | 1 if remaining > 1 => {
                let skip = 1 + r.below(remaining.min(4) as u64) as usize;
                out.push(Item::Fwd(fwd(r), skip));
            }
            2 if top && remaining > 2 => {
                let len = 2 + r.below(6) as usize;
                out.push(Item::Loop(1 + r.below(4) as u8, items(r, len, false, mode)));
            }
            _ => out.push(Item::Code(instr(r, mode))),
        }
    }
    out
}

fn fwd(r: &mut Rng) -> Fwd {
    match r.below(8) {
        0 => Fwd::CBz(r.pick(&[6, 7]), 8 + r.below(8) as u8),
        1 => Fwd::Jal(rd(r)),
        2 => Fwd::CJ,
        3 => Fwd::Jalr(rd(r), wr(r)),
        _ => Fwd::Branch(r.pick(&[0, 1, 4, 5, 6, 7]), reg(r), reg(r)),
    }
}

/// A destination: any register except x2 and x26; x0 now and then.
fn rd(r: &mut Rng) -> u8 {
    if r.chance(32) {
        return 0;
    }
    wr(r)
}

/// A writable register other than x0.
fn wr(r: &mut Rng) -> u8 {
    loop {
        let x = 1 + r.below(31) as u8;
        if x != SP && x != LOOP {
            return x;
        }
    }
}

fn reg(r: &mut Rng) -> u8 {
    r.below(32) as u8
}
fn freg(r: &mut Rng) -> u8 {
    r.below(32) as u8
}
/// x8..x15, the registers compressed instructions name in 3 bits.
fn creg(r: &mut Rng) -> u8 {
    8 + r.below(8) as u8
}

fn imm12(r: &mut Rng) -> i32 {
    match r.below(4) {
        0 => r.pick(&[0, 1, -1, 2047, -2048, 31, 32, 63]),
        _ => (r.below(4096) as i32) - 2048,
    }
}

/// A scratch offset from x2 for an access of `width` bytes: aligned most of the time.
fn offset(r: &mut Rng, width: i32) -> i32 {
    let lo = -(SCRATCH_LEN as i32 / 2);
    let hi = SCRATCH_LEN as i32 / 2 - 8;
    let o = lo + r.below((hi - lo) as u64) as i32;
    if r.chance(5) {
        o
    } else {
        o & !(width - 1)
    }
}

fn words(ws: &[u32]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}
fn half(h: u16) -> Vec<u8> {
    h.to_le_bytes().to_vec()
}

/// Register-register integer operations: (opcode, funct3, funct7) of RV64I, M, Zba, Zbb,
/// Zbc, Zbs.
const RR: [(u32, u32, u32); 53] = [
    (OP, 0, 0),
    (OP, 0, 0x20),
    (OP, 1, 0),
    (OP, 2, 0),
    (OP, 3, 0),
    (OP, 4, 0),
    (OP, 5, 0),
    (OP, 5, 0x20),
    (OP, 6, 0),
    (OP, 7, 0),
    (OP_32, 0, 0),
    (OP_32, 0, 0x20),
    (OP_32, 1, 0),
    (OP_32, 5, 0),
    (OP_32, 5, 0x20),
    // M
    (OP, 0, 1),
    (OP, 1, 1),
    (OP, 2, 1),
    (OP, 3, 1),
    (OP, 4, 1),
    (OP, 5, 1),
    (OP, 6, 1),
    (OP, 7, 1),
    (OP_32, 0, 1),
    (OP_32, 4, 1),
    (OP_32, 5, 1),
    (OP_32, 6, 1),
    (OP_32, 7, 1),
    // Zba: sh1add sh2add sh3add, add.uw, sh1add.uw sh2add.uw sh3add.uw
    (OP, 2, 0x10),
    (OP, 4, 0x10),
    (OP, 6, 0x10),
    (OP_32, 0, 0x04),
    (OP_32, 2, 0x10),
    (OP_32, 4, 0x10),
    (OP_32, 6, 0x10),
    // Zbb: andn orn xnor max maxu min minu rol ror rolw rorw
    (OP, 7, 0x20),
    (OP, 6, 0x20),
    (OP, 4, 0x20),
    (OP, 6, 0x05),
    (OP, 7, 0x05),
    (OP, 4, 0x05),
    (OP, 5, 0x05),
    (OP, 1, 0x30),
    (OP, 5, 0x30),
    (OP_32, 1, 0x30),
    (OP_32, 5, 0x30),
    // Zbc: clmul clmulr clmulh
    (OP, 1, 0x05),
    (OP, 2, 0x05),
    (OP, 3, 0x05),
    // Zbs: bclr bext binv bset
    (OP, 1, 0x24),
    (OP, 5, 0x24),
    (OP, 1, 0x34),
    (OP, 1, 0x14),
];

/// One random instruction (or a short sequence that sets up its operands).
fn instr(r: &mut Rng, mode: u8) -> Vec<u8> {
    match r.below(100) {
        0..=17 => {
            let (op, f3, f7) = r.pick(&RR);
            words(&[self::r(op, f3, f7, rd(r), reg(r), reg(r))])
        }
        18..=27 => imm_op(r),
        28 => words(&[u(r.pick(&[LUI, AUIPC]), rd(r), r.next() as u32)]),
        29..=38 => mem(r),
        39..=43 => amo(r),
        44..=55 => compressed(r),
        56..=79 => fp(r),
        80..=84 => csr_op(r),
        85..=88 => trap(r, mode),
        _ => {
            let (op, f3, f7) = r.pick(&RR);
            words(&[self::r(op, f3, f7, rd(r), reg(r), reg(r))])
        }
    }
}

fn imm_op(r: &mut Rng) -> Vec<u8> {
    let (d, s1) = (rd(r), reg(r));
    let sh6 = r.below(64) as i32;
    let sh5 = r.below(32) as i32;
    let w = match r.below(30) {
        0..=5 => i(OP_IMM, r.pick(&[0, 2, 3, 4, 6, 7]), d, s1, imm12(r)),
        6 => i(OP_IMM, 1, d, s1, sh6),
        7 => i(OP_IMM, 5, d, s1, sh6 | r.pick(&[0, 0x400])),
        8 => i(OP_IMM_32, 0, d, s1, imm12(r)),
        9 => i(OP_IMM_32, 1, d, s1, sh5),
        10 => i(OP_IMM_32, 5, d, s1, sh5 | r.pick(&[0, 0x400])),
        // Zbb unary: clz ctz cpop sext.b sext.h, clzw cpopw
        11..=14 => i(OP_IMM, 1, d, s1, r.pick(&[0x600, 0x601, 0x602, 0x604, 0x605])),
        15 => i(OP_IMM_32, 1, d, s1, r.pick(&[0x600, 0x602])),
        // ctzw only on a value with a low bit set: QEMU 7.2 returns 64 instead of 32
        // for ctzw of a value whose bits 31..0 are zero (Zbb spec, ctzw; fixed in QEMU
        // 8.0, target/riscv/translate.c gen_ctzw), so the source gets one of bits 0..10.
        16 => {
            let t = wr(r);
            return words(&[i(OP_IMM, 6, t, s1, 1 << r.below(11)), i(OP_IMM_32, 1, d, t, 0x601)]);
        }
        // orc.b, rev8, zext.h
        17 => i(OP_IMM, 5, d, s1, 0x287),
        18 => i(OP_IMM, 5, d, s1, 0x6b8),
        19 => self::r(OP_32, 4, 0x04, d, s1, 0),
        // rori, roriw, slli.uw
        20 | 21 => i(OP_IMM, 5, d, s1, 0x600 | sh6),
        22 => i(OP_IMM_32, 5, d, s1, 0x600 | sh5),
        23 => i(OP_IMM_32, 1, d, s1, 0x080 | sh6),
        // bclri bexti binvi bseti
        24 | 25 => i(OP_IMM, 1, d, s1, 0x480 | sh6),
        26 => i(OP_IMM, 5, d, s1, 0x480 | sh6),
        27 => i(OP_IMM, 1, d, s1, 0x680 | sh6),
        28 => i(OP_IMM, 1, d, s1, 0x280 | sh6),
        _ => r.pick(&[0x0ff0_000f, 0x0000_100f]), // fence, fence.i
    };
    words(&[w])
}

/// Loads and stores of every width (integer and FP) relative to x2.
fn mem(r: &mut Rng) -> Vec<u8> {
    match r.below(8) {
        0..=2 => {
            let f3 = r.pick(&[0, 1, 2, 3, 4, 5, 6]);
            let o = offset(r, 1 << (f3 & 3));
            words(&[i(LOAD, f3, rd(r), SP, o)])
        }
        3..=5 => {
            let f3 = r.below(4) as u32;
            let o = offset(r, 1 << f3);
            words(&[s(STORE, f3, SP, reg(r), o)])
        }
        6 => {
            let f3 = r.pick(&[2, 3]);
            let o = offset(r, 1 << f3);
            words(&[i(LOAD_FP, f3, freg(r), SP, o)])
        }
        _ => {
            let f3 = r.pick(&[2, 3]);
            let o = offset(r, 1 << f3);
            words(&[s(STORE_FP, f3, SP, freg(r), o)])
        }
    }
}

/// AMOs and LR/SC on aligned scratch addresses (now and then misaligned: a trap,
/// Unprivileged 8.4 / Privileged 3.6.3.3).
fn amo(r: &mut Rng) -> Vec<u8> {
    let t = wr(r);
    let wide = r.chance(2);
    let f3 = if wide { 3 } else { 2 };
    let mut o = offset(r, 8) & !7;
    let aqrl = r.below(4) as u32;
    let funct5 = r.pick(&[0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c, 0x02, 0x03]);
    // Misaligned only for LR/SC: for a misaligned AMO, QEMU 7.2 raises a load
    // address-misaligned exception (cause 4) where the spec asks for a store/AMO one
    // (cause 6 "Store/AMO address misaligned", Privileged mcause exception codes;
    // Unprivileged, Zaamo: "an address-misaligned exception"); rvsim raises cause 6
    // (docs/emulator.md).
    // LRs reserve words of the lower half of the scratch area, a lone SC targets the
    // upper half: it never pairs with an earlier LR of the body. (A same-hart store between
    // an LR and its SC may or may not make the SC fail, Unprivileged, Zalrsc; QEMU 7.2's
    // SC compares the reserved word's value, rvsim's only the address.)
    match funct5 {
        0x02 => o = -o.abs() & !7,
        0x03 => o = o.abs() & !7,
        _ => {}
    }
    let misaligned = funct5 == 0x02 && r.chance(15);
    if misaligned {
        o |= r.pick(&[1, 2, 4]);
    }
    let setup = addi(t, SP, o);
    match funct5 {
        0x02 => {
            // lr; sc to the same address (succeeds), or lr alone, or sc to another.
            // A misaligned lr is never followed by its sc: an sc to a misaligned address
            // must raise an exception (Unprivileged, Zalrsc: "an address-misaligned
            // exception or an access-fault exception will be generated"), but QEMU 7.2
            // first compares the address with the reservation and, with none (the lr
            // trapped), fails the sc (rd = 1) without a trap (docs/emulator.md).
            // The same holds for an lr that overwrites its own address register, which
            // would leave the sc a random (often misaligned) address.
            let lr_dst = rd(r);
            let lr = self::r(AMO, f3, (0x02 << 2) | aqrl, lr_dst, t, 0);
            let dst = rd(r);
            let sc = self::r(AMO, f3, (0x03 << 2) | aqrl, dst, t, reg(r));
            if misaligned || lr_dst == t || r.chance(4) {
                words(&[setup, lr])
            } else {
                words(&[setup, lr, sc])
            }
        }
        _ => words(&[setup, self::r(AMO, f3, (funct5 << 2) | aqrl, rd(r), t, reg(r))]),
    }
}

fn compressed(r: &mut Rng) -> Vec<u8> {
    let nz6 = |r: &mut Rng| loop {
        let v = r.below(64) as u32;
        if v != 0 {
            return v;
        }
    };
    let h = match r.below(24) {
        0 => ci(0, wr(r), nz6(r), 1),             // c.addi
        1 => ci(1, wr(r), r.below(64) as u32, 1), // c.addiw
        2 => ci(2, wr(r), r.below(64) as u32, 1), // c.li
        3 => {
            let d = loop {
                let d = wr(r);
                if d != SP {
                    break d;
                }
            };
            ci(3, d, nz6(r), 1) // c.lui
        }
        4 => cb_alu(0, creg(r), nz6(r)),             // c.srli
        5 => cb_alu(1, creg(r), nz6(r)),             // c.srai
        6 => cb_alu(2, creg(r), r.below(64) as u32), // c.andi
        7 | 8 => ca(0, r.below(4) as u16, creg(r), creg(r)),
        9 => ca(1, r.below(2) as u16, creg(r), creg(r)),
        10 => ci(0, wr(r), nz6(r), 2), // c.slli
        11 => cr(0b1000, wr(r), 1 + r.below(31) as u8),
        12 => cr(0b1001, wr(r), 1 + r.below(31) as u8),
        13 => c_lsp(2, wr(r), 4 * r.below(64) as u32),
        14 => c_lsp(3, wr(r), 8 * r.below(64) as u32),
        15 => c_lsp(1, freg(r), 8 * r.below(64) as u32),
        16 => c_ssp(6, reg(r), 4 * r.below(64) as u32),
        17 => c_ssp(7, reg(r), 8 * r.below(64) as u32),
        18 => c_ssp(5, freg(r), 8 * r.below(64) as u32),
        19 => c_addi4spn(creg(r), 4 * (1 + r.below(255) as u32)),
        20 => 0x0001, // c.nop
        _ => {
            // CL/CS with a base in x8..x15 pointed into scratch first.
            let base = creg(r);
            let o = offset(r, 8) & !7 & !0x100;
            let o = o.min(1700);
            let setup = addi(base, SP, o);
            let f3 = r.pick(&[1, 2, 3, 5, 6, 7]);
            let uimm = if f3 == 2 || f3 == 6 { 4 * r.below(32) } else { 8 * r.below(32) } as u32;
            let mut v = words(&[setup]);
            v.extend(half(c_ls(f3, creg(r), base, uimm)));
            return v;
        }
    };
    half(h)
}

/// A rounding-mode field: the five modes and dynamic, now and then a reserved one
/// (5 or 6: illegal, Unprivileged 13.2).
fn rm(r: &mut Rng) -> u32 {
    if r.chance(40) {
        r.pick(&[5, 6])
    } else {
        r.pick(&[0, 1, 2, 3, 4, 7, 7])
    }
}

fn fp(r: &mut Rng) -> Vec<u8> {
    let fmt = r.below(2) as u32;
    let (d, a, bb, c) = (freg(r), freg(r), freg(r), freg(r));
    let w = match r.below(22) {
        0..=4 => self::r(OP_FP, rm(r), (r.below(4) as u32) << 2 | fmt, d, a, bb), // add sub mul div
        5 => self::r(OP_FP, rm(r), 0x0b << 2 | fmt, d, a, 0),                     // sqrt
        6 => self::r(OP_FP, r.below(3) as u32, 0x04 << 2 | fmt, d, a, bb),        // sgnj
        7 => self::r(OP_FP, r.below(2) as u32, 0x05 << 2 | fmt, d, a, bb),        // min max
        8..=10 => r4(MADD + 4 * r.below(4) as u32, fmt, d, a, bb, c, rm(r)),
        11 | 12 => self::r(OP_FP, rm(r), 0x18 << 2 | fmt, rd(r), a, r.below(4) as u8), // fcvt.int.fp
        13 | 14 => self::r(OP_FP, rm(r), 0x1a << 2 | fmt, d, reg(r), r.below(4) as u8), // fcvt.fp.int
        15 => self::r(OP_FP, rm(r), 0x08 << 2 | fmt, d, a, 1 - fmt as u8),             // fcvt.s.d / d.s
        16 => self::r(OP_FP, 0, 0x1c << 2 | fmt, rd(r), a, 0),                         // fmv.x
        17 => self::r(OP_FP, 1, 0x1c << 2 | fmt, rd(r), a, 0),                         // fclass
        18 => self::r(OP_FP, 0, 0x1e << 2 | fmt, d, reg(r), 0),                        // fmv.w.x / d.x
        _ => self::r(OP_FP, r.below(3) as u32, 0x14 << 2 | fmt, rd(r), a, bb),         // fle flt feq
    };
    words(&[w])
}

/// CSRs whose values are the same on every run (no counters or timers).
const CSR_READ: [u32; 21] = [
    0x001, 0x002, 0x003, 0x300, 0x301, 0x302, 0x303, 0x304, 0x305, 0x340, 0x341, 0x342, 0x343, 0xf11, 0xf14, 0x100,
    0x104, 0x105, 0x140, 0x180, 0x306,
];

fn csr_op(r: &mut Rng) -> Vec<u8> {
    if r.chance(5) {
        // Set mstatus.FS / sstatus.FS (bits 14..13, Privileged "Extension Context Status")
        // to Off or Dirty: with FS = Off every FP instruction and fcsr access is illegal.
        // (The gate sets FS back for the epilogue.) Never to Initial or Clean: from there,
        // an FP instruction with an integer destination (fcvt.w.d, feq.s ...) that raises
        // flags makes FS Dirty on rvsim (as on Spike; the spec requires Dirty when fcsr
        // changes, "If an instruction ... writes ... the fcsr but does not alter its
        // contents ... it is implementation-defined"), while QEMU 7.2 leaves FS as it was
        // (docs/emulator.md).
        let t = wr(r);
        let c = r.pick(&[0x300, 0x100]);
        return words(&[u(LUI, t, 6), csr(r.pick(&[2, 3]), rd(r), c, t)]);
    }
    let w = match r.below(4) {
        0 | 1 => csr(r.pick(&[2, 3]), rd(r), r.pick(&CSR_READ), 0),
        // fflags / frm / fcsr writes, register and immediate forms.
        _ => csr(r.pick(&[1, 2, 3, 5, 6, 7]), rd(r), r.pick(&[1, 2, 3]), reg(r)),
    };
    words(&[w])
}

/// Instructions that trap; the handler records the cause and skips them.
/// `mode` is the body's privilege, with bit 7 set when it runs under Sv39.
fn trap(r: &mut Rng, mode: u8) -> Vec<u8> {
    if mode & 0x80 != 0 && r.chance(2) {
        // Page faults (Privileged, "Sv39"): stores to the read-only gigapage, accesses to
        // the unmapped one and to a non-canonical address (bit 39 set, bit 38 clear);
        // loads from the read-only one succeed. Naturally aligned (see the access faults).
        let t = wr(r);
        let base = r.pick(&[VA_RO, VA_UNMAPPED, 1 << 39]);
        let (funct3, store) =
            if r.chance(2) { (r.pick(&[0, 1, 2, 3, 4, 5, 6]), false) } else { (r.below(4) as u32, true) };
        let size = 1i32 << (funct3 & 3);
        let o = (r.below(2048) as i32) & !(size - 1);
        let access = if store { s(STORE, funct3, t, reg(r), o) } else { i(LOAD, funct3, rd(r), t, o) };
        let shift = base.trailing_zeros() as i32;
        let top = (base >> shift) as i32;
        return words(&[addi(t, 0, top), i(OP_IMM, 1, t, t, shift), access]);
    }
    let mode = mode & 3;
    // Privileged instructions above the body's privilege: illegal (Privileged, "Trap-Return
    // Instructions": xRET above the current privilege; sfence.vma in U-mode).
    if mode != 3 && r.chance(4) {
        const SRET: u32 = 0x1020_0073;
        const SFENCE_VMA: u32 = 0x1200_0073;
        let w = if mode == 0 { r.pick(&[MRET, SRET, SFENCE_VMA]) } else { MRET };
        return words(&[w]);
    }
    match r.below(8) {
        0 => words(&[ECALL]),
        1 => words(&[EBREAK]),
        2 => half(C_EBREAK),
        3 => half(0x0000), // the defined-illegal compressed word (Unprivileged 16.6)
        // csrw to a read-only CSR (mvendorid, mhartid: Privileged 2.1), an absent CSR.
        4 => words(&[csr(1, rd(r), r.pick(&[0xf11, 0xf14, 0xc00]), reg(r))]),
        // 0xffff_ffff: a reserved encoding (bits 6..0 all ones: a >=192-bit length prefix,
        // Unprivileged 1.5), illegal; the handler skips it as a 32-bit one on both.
        5 => words(&[0xffff_ffff]),
        // Loads and stores where nothing is mapped: access faults. Only naturally aligned
        // ones: for a misaligned access that faults, QEMU 7.2 reports the aligned-down
        // address in mtval (0x88000674 for a load at 0x88000675), where the spec asks for
        // "the virtual address of the portion of the access that caused the fault"
        // (Privileged 3.1.16, mtval); rvsim follows the spec (docs/emulator.md).
        _ => {
            let t = wr(r);
            let (funct3, store) =
                if r.chance(2) { (r.pick(&[0, 1, 2, 3, 4, 5, 6]), false) } else { (r.below(4) as u32, true) };
            let size = 1i32 << (funct3 & 3);
            let o = (r.below(2048) as i32) & !(size - 1);
            let access = if store { s(STORE, funct3, t, reg(r), o) } else { i(LOAD, funct3, rd(r), t, o) };
            words(&[u(LUI, t, (HOLE >> 13) as u32), i(OP_IMM, 1, t, t, 1), access])
        }
    }
}
