//! Robustness: random instruction words never crash the host, and every word the decoder
//! rejects raises an illegal-instruction exception whose `mtval` holds the instruction's
//! bits (Privileged 3.1.16: mtval is written with the faulting instruction on an
//! illegal-instruction trap).
//!
//! Two shapes, both on a `Machine` built in-process, with a deterministic PRNG:
//! - single steps: each word alone at the end of its own page (blocks never cross a page,
//!   so exactly one instruction runs), in M, S and U mode, from random register state;
//!   every compressed halfword and 100k random 32-bit words per mode;
//! - a straight-line program of random words in M-mode, with `mtvec` pointing at a
//!   handler in RAM that skips the trapping instruction and returns with `mret`.

use rvsim::hart::csr::{addr, mstatus};
use rvsim::hart::{Hart, Privilege, Tracer, TrapEvent};
use rvsim::isa::{decode, Instr, Op};
use rvsim::machine::{Machine, MachineConfig, Outcome};

const RAM: u64 = 0x8000_0000;
/// Single-step code pages: 0x8000_0000 .. 0x8400_0000.
const CODE_PAGES: u64 = 0x4000;
/// The trap handler used by single steps: one `nop` at the end of its page.
const NOP_HANDLER: u64 = 0x8600_0ffc;
/// Scratch memory some registers point into.
const SCRATCH: u64 = 0x8700_0000;

/// xorshift64*: small, deterministic, good enough for instruction bits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Records what happened during a run.
#[derive(Default)]
struct Events {
    commits: Vec<(u64, Instr)>,
    traps: Vec<TrapEvent>,
}

impl Tracer for Events {
    const ACTIVE: bool = true;
    fn commit(&mut self, _h: &Hart, pc: u64, _prv: Privilege, ins: &Instr) {
        self.commits.push((pc, *ins));
    }
    fn trap(&mut self, _h: &Hart, ev: &TrapEvent) {
        self.traps.push(*ev);
    }
}

fn machine() -> Machine {
    let mut m = Machine::new(MachineConfig { ram_size: 128 << 20, ..Default::default() });
    m.bus.dev.uart.echo = false;
    m
}

fn write(m: &mut Machine, pa: u64, raw: u32, len: u8) {
    let bytes = raw.to_le_bytes();
    m.bus.ram.write_bytes(pa - RAM, &bytes[..len as usize]).expect("address in RAM");
}

/// Random register state: random bits, small values, and pointers into scratch RAM.
fn randomize(h: &mut Hart, rng: &mut Rng) {
    for r in 1..32 {
        h.x[r] = match rng.next() % 4 {
            0 => rng.next(),
            1 => rng.next() % 64,
            _ => SCRATCH + (rng.next() % 0x10_0000),
        };
    }
    for r in 0..32 {
        h.f[r] = rng.next();
    }
}

/// Runs each `(raw, len)` once from its own page end in `prv`; checks the illegal ones.
/// Returns (illegal words seen, other traps).
fn single_steps(m: &mut Machine, words: &[(u32, u8)], prv: Privilege, rng: &mut Rng) -> (usize, usize) {
    write(m, NOP_HANDLER, 0x0000_0013, 4);
    let (mut illegal, mut other) = (0, 0);
    for chunk in words.chunks(CODE_PAGES as usize) {
        let addrs: Vec<u64> = chunk
            .iter()
            .enumerate()
            .map(|(i, &(raw, len))| {
                let pc = RAM + (i as u64 + 1) * 0x1000 - len as u64;
                write(m, pc, raw, len);
                pc
            })
            .collect();
        m.bus.invalidate_code();
        for (&(raw, len), &pc) in chunk.iter().zip(&addrs) {
            let core = &mut m.cores[0];
            let h = &mut core.hart;
            h.reset(pc);
            // PMP entry 0 over everything, RWX: with no entry S/U fetches fail (3.7.1).
            h.csr_write(addr::PMPADDR0, u64::MAX).expect("pmpaddr0");
            h.csr_write(addr::PMPCFG0, 0x1f).expect("pmpcfg0");
            randomize(h, rng);
            h.csr.mtvec = NOP_HANDLER;
            // FP on (dirty) in most steps, off in some: FP instructions trap when FS = 0.
            h.csr.mstatus = if rng.next().is_multiple_of(8) { 0 } else { mstatus::FS_DIRTY };
            h.set_privilege(prv);
            let mut ev = Events::default();
            let until = h.cycles() + 1;
            core.run(&mut m.bus, until, &mut ev);
            m.bus.dev.finisher.request = None; // a random store may hit the finisher
            let ins = decode(raw);
            assert_eq!(ins.len, len);
            let first = ev.traps.first().filter(|t| t.epc == pc);
            if ins.op == Op::Illegal {
                illegal += 1;
                let t = first.unwrap_or_else(|| panic!("{raw:08x} ({prv:?}) is illegal but did not trap: {ev:?}"));
                assert_eq!((t.cause, t.interrupt), (2, false), "{raw:08x} ({prv:?})");
                assert_eq!(t.tval, raw as u64, "mtval of {raw:08x}");
                assert_eq!(m.cores[0].hart.csr.mtval, raw as u64);
                assert_eq!(m.cores[0].hart.csr.mcause, 2);
            } else if first.is_none() {
                // It retired: exactly this one instruction (it ends its page's block).
                assert_eq!(ev.commits.first().map(|c| c.0), Some(pc), "{raw:08x} ({prv:?}) ran alone");
            } else if let Some(t) = first {
                other += 1;
                if t.cause == 2 {
                    assert_eq!(t.tval, raw as u64, "mtval of legal-but-trapping {raw:08x} ({prv:?})");
                }
            }
        }
    }
    (illegal, other)
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "commits {:x?}, traps {:x?}", self.commits.iter().map(|c| c.0).collect::<Vec<_>>(), self.traps)
    }
}

fn word_set(rng: &mut Rng, n32: usize) -> Vec<(u32, u8)> {
    let mut words: Vec<(u32, u8)> = (0..=0xffffu32).filter(|h| h & 3 != 3).map(|h| (h, 2)).collect();
    words.extend((0..n32).map(|_| ((rng.next() >> 16) as u32 | 3, 4)));
    words
}

#[test]
fn random_words_single_step_in_every_mode() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut m = machine();
    let words = word_set(&mut rng, 100_000);
    for prv in [Privilege::Machine, Privilege::Supervisor, Privilege::User] {
        let (illegal, other) = single_steps(&mut m, &words, prv, &mut rng);
        println!(
            "{prv:?}: {} words, {illegal} illegal (all trapped with mtval = bits), {other} other traps",
            words.len()
        );
        assert!(illegal > 10_000, "the word set exercises illegal encodings");
    }
}

/// True for words that transfer control, wait, or touch CSRs/privilege state, and for
/// AUIPC (it would put code addresses in registers for random stores to hit): left out
/// of the straight-line program so it runs start to end with the handler intact.
fn disturbs_flow(ins: &Instr) -> bool {
    use Op::*;
    matches!(ins.op, Auipc | Beq | Bne | Blt | Bge | Bltu | Bgeu)
        || (ins.ends_block() && !matches!(ins.op, Illegal | Ecall | Ebreak | FenceI | SfenceVma))
}

#[test]
fn random_program_with_skipping_handler_in_m_mode() {
    const HANDLER: u64 = 0x8000_0000;
    const CODE: u64 = 0x8000_1000;
    // csrw mscratch,t0; csrw sscratch,t1; csrr t0,mepc; lhu t1,0(t0); andi t1,t1,3;
    // addi t1,t1,-3; bnez t1,+8; addi t0,t0,2; addi t0,t0,2; csrw mepc,t0;
    // csrr t0,mscratch; csrr t1,sscratch; mret. t0 and t1 are restored so no register
    // ever holds a code address (random stores must not rewrite the program).
    let handler: [u32; 13] = [
        0x3402_9073,
        0x1403_1073,
        0x3410_22f3,
        0x0002_d303,
        0x0033_7313,
        0xffd3_0313,
        0x0003_1463,
        0x0022_8293,
        0x0022_8293,
        0x3412_9073,
        0x3400_22f3,
        0x1400_2373,
        0x3020_0073,
    ];
    // lui a0,0x100; lui a1,0x5; addi a1,a1,0x555; sw a1,0(a0) (finisher: pass); j .
    let done: [u32; 5] = [0x0010_0537, 0x0000_55b7, 0x5555_8593, 0x00b5_2023, 0x0000_006f];

    let mut rng = Rng(0xfeed_f00d_dead_beef);
    let mut m = machine();
    for (i, w) in handler.iter().enumerate() {
        write(&mut m, HANDLER + 4 * i as u64, *w, 4);
    }
    let mut pc = CODE;
    let mut placed = Vec::new();
    while placed.len() < 200_000 {
        let r = rng.next();
        let (raw, len) = if r.is_multiple_of(3) { ((r >> 20) as u32 & 0xffff, 2) } else { ((r >> 20) as u32 | 3, 4) };
        if len == 2 && raw & 3 == 3 {
            continue;
        }
        let ins = decode(raw);
        if disturbs_flow(&ins) {
            continue;
        }
        write(&mut m, pc, raw, len);
        placed.push((pc, raw, ins));
        pc += len as u64;
    }
    for (i, w) in done.iter().enumerate() {
        write(&mut m, pc + 4 * i as u64, *w, 4);
    }
    m.bus.invalidate_code();
    let h = &mut m.cores[0].hart;
    h.reset(CODE);
    randomize(h, &mut rng);
    h.csr.mtvec = HANDLER;
    h.csr.mstatus = mstatus::FS_DIRTY;
    let mut ev = Events::default();
    let outcome = m.run(Some(10_000_000), &mut ev);
    if outcome != Outcome::Exit(0) {
        let tail: Vec<_> = ev.commits.iter().rev().take(12).map(|(pc, i)| format!("{pc:x}: {i}")).collect();
        panic!(
            "the program did not reach the finisher store: {outcome:?}; last traps {:x?}; last commits {tail:#?}",
            &ev.traps[ev.traps.len().saturating_sub(3)..]
        );
    }

    let illegal_traps: std::collections::HashMap<u64, u64> =
        ev.traps.iter().filter(|t| !t.interrupt && t.cause == 2).map(|t| (t.epc, t.tval)).collect();
    let mut illegal = 0;
    for (pc, raw, ins) in &placed {
        if ins.op == Op::Illegal {
            illegal += 1;
            assert_eq!(
                illegal_traps.get(pc),
                Some(&(*raw as u64)),
                "illegal {raw:08x} at {pc:#x} trapped with mtval = bits"
            );
        }
    }
    for (epc, tval) in &illegal_traps {
        let Ok(i) = placed.binary_search_by_key(epc, |p| p.0) else {
            panic!("illegal-instruction trap outside the program at {epc:#x}");
        };
        assert_eq!(*tval, placed[i].1 as u64, "mtval at {epc:#x}");
    }
    println!(
        "{} words executed, {} retired, {illegal} illegal, {} traps in all",
        placed.len(),
        m.retired(),
        ev.traps.len()
    );
    assert!(illegal > 1000);
}
