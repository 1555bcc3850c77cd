//! Trace golden tests: the commit log and disassembly trace of a fixed, hand-assembled
//! program ([`PROGRAM`]: a device store, loads and stores, a compressed instruction, CSR
//! reads and writes, an `ecall` trap and `mret`, the finisher) must match
//! `tests/data/program.trace` and `tests/data/program.disasm.trace` line for line. The program
//! is bytes in this file, so the goldens do not move when the guest runtime is rebuilt.
//!
//! The commit-log goldens follow Spike's source (riscv/execute.cc, riscv/csrs.cc,
//! riscv/insns/*.h, and libstdc++'s `unordered_map` order; see docs/emulator.md), not a
//! Spike run (Spike is not installable here): every line was checked by hand against those
//! rules before it was blessed.
//!
//! The golden files change only when someone means them to: rerun with `BLESS=1
//! cargo test -p integration-tests --test trace` and review the diff before committing.
//! Without BLESS a difference fails the test and shows the first differing lines.

use rvsim::hart::Tracer;
use rvsim::machine::{Machine, MachineConfig, Outcome};
use rvsim::trace::{CommitLog, DisasmTrace, TraceOut};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Instructions traced (the program retires about 30 including the boot ROM).
const MAX_INSNS: u64 = 2_000;

/// Loaded at 0x8000_0000. Assembled with binutils 2.40 (`-march=rv64gc`) from:
/// ```text
/// 80000000: lui a0,0x10000        ; li t0,65 ; sb t0,0(a0)     (UART store)
/// 8000000c: auipc t1,0 ; ld t2,68(t1) ; c.addi t2,1 ; sd t2,76(t1) ; lw t6,72(t1)
/// 8000001e: csrr t3,mstatus ; auipc t4,0 ; addi t4,t4,30 ; csrw mtvec,t4 ; ecall
/// 80000032: lui a1,0x100 ; c.lui a2,0x5 ; addi a2,a2,1365 ; c.sw a2,0(a1) (finisher) ; c.j .
/// 80000040: csrr t5,mepc ; c.addi t5,4 ; csrw mepc,t5 ; mret ; c.nop    (trap handler)
/// 80000050: .dword 0x1122334455667788, 0
/// ```
const PROGRAM: [u8; 96] = [
    0x37, 0x05, 0x00, 0x10, 0x93, 0x02, 0x10, 0x04, 0x23, 0x00, 0x55, 0x00, 0x17, 0x03, 0x00, 0x00, 0x83, 0x33, 0x43,
    0x04, 0x85, 0x03, 0x23, 0x36, 0x73, 0x04, 0x83, 0x2f, 0x83, 0x04, 0x73, 0x2e, 0x00, 0x30, 0x97, 0x0e, 0x00, 0x00,
    0x93, 0x8e, 0xee, 0x01, 0x73, 0x90, 0x5e, 0x30, 0x73, 0x00, 0x00, 0x00, 0xb7, 0x05, 0x10, 0x00, 0x15, 0x66, 0x13,
    0x06, 0x56, 0x55, 0x90, 0xc1, 0x01, 0xa0, 0x73, 0x2f, 0x10, 0x34, 0x11, 0x0f, 0x73, 0x10, 0x1f, 0x34, 0x73, 0x00,
    0x20, 0x30, 0x01, 0x00, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00,
];

/// The extension program, loaded at 0x8000_0000 ([`program_ext`] adds its data block at
/// 0x8000_0080). Assembled with binutils 2.40 (`-march=rv64gc_zba_zbb_zbc_zbs_zicbom_zicboz
/// _zicbop_zihintpause`, CZERO.EQZ as `.insn r` since 2.40 predates Zicond) from:
/// ```text
/// 80000000: lui a0,0x12345 ; addi a0,a0,0x678 ; rev8 a1,a0 ; clz a2,a0 ; sh1add a3,a0,a1
/// 80000014: bseti a4,zero,63 ; rori a5,a0,4 ; clmulh a6,a1,a1 ; zext.w a7,a1
/// 80000024: czero.eqz t1,a0,zero ; pause ; prefetch.r 0(a0)
/// 80000030: auipc t0,0 ; addi t0,t0,0x5d ; cbo.zero (t0) ; ld t2,16(t0)   (block 0x80000080)
/// 80000040: lui a1,0x100 ; lui a2,0x5 ; addi a2,a2,1365 ; sw a2,0(a1) (finisher) ; j .
/// ```
const PROGRAM_EXT: [u8; 84] = [
    0x37, 0x55, 0x34, 0x12, 0x13, 0x05, 0x85, 0x67, 0x93, 0x55, 0x85, 0x6b, 0x13, 0x16, 0x05, 0x60, 0xb3, 0x26, 0xb5,
    0x20, 0x13, 0x17, 0xf0, 0x2b, 0x93, 0x57, 0x45, 0x60, 0x33, 0xb8, 0xb5, 0x0a, 0xbb, 0x88, 0x05, 0x08, 0x33, 0x53,
    0x05, 0x0e, 0x0f, 0x00, 0x00, 0x01, 0x13, 0x60, 0x15, 0x00, 0x97, 0x02, 0x00, 0x00, 0x93, 0x82, 0xd2, 0x05, 0x0f,
    0xa0, 0x42, 0x00, 0x83, 0xb3, 0x02, 0x01, 0xb7, 0x05, 0x10, 0x00, 0x37, 0x56, 0x00, 0x00, 0x13, 0x06, 0x56, 0x55,
    0x23, 0xa0, 0xc5, 0x00, 0x6f, 0x00, 0x00, 0x00,
];

/// The privilege and FP program, loaded at 0x8000_0000 (its golden is
/// `tests/data/program_priv.trace`). Assembled with binutils 2.40 (`-march=rv64gc`,
/// `.option norvc`) from:
/// ```text
/// 80000000: la t0,mtrap ; csrw mtvec,t0 ; li t0,-1 ; csrw pmpaddr0,t0 ; li t0,31
/// 80000018: csrw pmpcfg0,t0 ; lui t0,2 ; csrs mstatus,t0          (FS = Initial)
/// 80000024: fsrmi a0,1 ; fsflagsi a1,0                            (frm/fflags, rd != 0)
/// 8000002c: li t1,1 ; fcvt.d.l ft1,t1 ; li t1,3 ; fcvt.d.l ft2,t1
/// 8000003c: fdiv.d ft3,ft1,ft2 ; fdiv.d ft4,ft1,ft2 (NX twice) ; feq.d a2,ft3,ft4
/// 80000048: fdiv.d ft5,ft0,ft0 (NV) ; flt.d a4,ft5,ft1 (NV) ; fcvt.s.d ft6,ft3 (NX)
/// 80000054: la t2,data ; fsd ft3,0(t2) ; fld ft7,0(t2) ; fsw ft6,8(t2)
/// 80000068: frflags a5 ; fscsr a6,zero
/// 80000070: li t0,0xb109 ; csrw medeleg,t0 ; csrr a7,medeleg ; li t0,-1 ; csrw mideleg,t0
/// 80000088: csrr s2,mideleg ; csrrw s3,mscratch,t0 ; csrw mhartid,zero (illegal: traps)
/// 80000094: la t0,strap ; csrw stvec,t0 ; csrsi sie,2 ; la t0,smode ; csrw mepc,t0
/// 800000b0: li t0,0x1800 ; csrc mstatus,t0 ; li t0,0x802 ; csrs mstatus,t0 ; mret (to S)
/// 800000cc: smode: csrr a0,sstatus ; csrsi sip,2 (interrupt #1 to S) ; ecall (to M)
/// 800000d8: la t0,umode ; csrw sepc,t0 ; li t0,0x100 ; csrc sstatus,t0 ; sret (to U)
/// 800000f0: umode: ecall (delegated to S)
/// 800000f4: strap: csrr t5,scause ; bltz t5,sirq ; lui a1,0x100 ; lui a2,5
/// 80000104: addi a2,a2,0x555 ; sw a2,0(a1) (finisher) ; j .
/// 80000110: sirq: csrci sip,2 ; sret
/// 80000118: mtrap: csrr t6,mepc ; addi t6,t6,4 ; csrw mepc,t6 ; mret
/// 80000130: data: .dword 0, 0
/// ```
const PROGRAM_PRIV: [u8; 332] = [
    0x97, 0x02, 0x00, 0x00, 0x93, 0x82, 0x82, 0x11, 0x73, 0x90, 0x52, 0x30, 0x93, 0x02, 0xf0, 0xff, 0x73, 0x90, 0x02,
    0x3b, 0x93, 0x02, 0xf0, 0x01, 0x73, 0x90, 0x02, 0x3a, 0xb7, 0x22, 0x00, 0x00, 0x73, 0xa0, 0x02, 0x30, 0x73, 0xd5,
    0x20, 0x00, 0xf3, 0x55, 0x10, 0x00, 0x13, 0x03, 0x10, 0x00, 0xd3, 0x70, 0x23, 0xd2, 0x13, 0x03, 0x30, 0x00, 0x53,
    0x71, 0x23, 0xd2, 0xd3, 0xf1, 0x20, 0x1a, 0x53, 0xf2, 0x20, 0x1a, 0x53, 0xa6, 0x41, 0xa2, 0xd3, 0x72, 0x00, 0x1a,
    0x53, 0x97, 0x12, 0xa2, 0x53, 0xf3, 0x11, 0x40, 0x97, 0x03, 0x00, 0x00, 0x93, 0x83, 0xc3, 0x0d, 0x27, 0xb0, 0x33,
    0x00, 0x87, 0xb3, 0x03, 0x00, 0x27, 0xa4, 0x63, 0x00, 0xf3, 0x27, 0x10, 0x00, 0x73, 0x18, 0x30, 0x00, 0xb7, 0xb2,
    0x00, 0x00, 0x9b, 0x82, 0x92, 0x10, 0x73, 0x90, 0x22, 0x30, 0xf3, 0x28, 0x20, 0x30, 0x93, 0x02, 0xf0, 0xff, 0x73,
    0x90, 0x32, 0x30, 0x73, 0x29, 0x30, 0x30, 0xf3, 0x99, 0x02, 0x34, 0x73, 0x10, 0x40, 0xf1, 0x97, 0x02, 0x00, 0x00,
    0x93, 0x82, 0x02, 0x06, 0x73, 0x90, 0x52, 0x10, 0x73, 0x60, 0x41, 0x10, 0x97, 0x02, 0x00, 0x00, 0x93, 0x82, 0x82,
    0x02, 0x73, 0x90, 0x12, 0x34, 0xb7, 0x22, 0x00, 0x00, 0x9b, 0x82, 0x02, 0x80, 0x73, 0xb0, 0x02, 0x30, 0xb7, 0x12,
    0x00, 0x00, 0x9b, 0x82, 0x22, 0x80, 0x73, 0xa0, 0x02, 0x30, 0x73, 0x00, 0x20, 0x30, 0x73, 0x25, 0x00, 0x10, 0x73,
    0x60, 0x41, 0x14, 0x73, 0x00, 0x00, 0x00, 0x97, 0x02, 0x00, 0x00, 0x93, 0x82, 0x82, 0x01, 0x73, 0x90, 0x12, 0x14,
    0x93, 0x02, 0x00, 0x10, 0x73, 0xb0, 0x02, 0x10, 0x73, 0x00, 0x20, 0x10, 0x73, 0x00, 0x00, 0x00, 0x73, 0x2f, 0x20,
    0x14, 0x63, 0x4c, 0x0f, 0x00, 0xb7, 0x05, 0x10, 0x00, 0x37, 0x56, 0x00, 0x00, 0x13, 0x06, 0x56, 0x55, 0x23, 0xa0,
    0xc5, 0x00, 0x6f, 0x00, 0x00, 0x00, 0x73, 0x70, 0x41, 0x14, 0x73, 0x00, 0x20, 0x10, 0xf3, 0x2f, 0x10, 0x34, 0x93,
    0x8f, 0x4f, 0x00, 0x73, 0x90, 0x1f, 0x34, 0x73, 0x00, 0x20, 0x30, 0x13, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// [`PROGRAM_EXT`] followed, at offset 0x80, by the 64-byte block CBO.ZERO clears.
fn program_ext() -> Vec<u8> {
    let mut p = PROGRAM_EXT.to_vec();
    p.resize(0x80, 0);
    for k in 1..=8u64 {
        p.extend_from_slice(&(0x1111_1111_1111_1111 * k).to_le_bytes());
    }
    p
}

/// A writer whose bytes the test can read back after the tracer is done.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("trace buffer").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn run_traced<T: Tracer>(make: impl FnOnce(TraceOut) -> T, finish: impl FnOnce(&mut T)) -> String {
    run_program_traced(&PROGRAM, make, finish)
}

fn run_program_traced<T: Tracer>(
    program: &[u8],
    make: impl FnOnce(TraceOut) -> T,
    finish: impl FnOnce(&mut T),
) -> String {
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.bus.ram.write_bytes(0, program).expect("program fits in RAM");
    m.install_reset_vector(0x8000_0000, 0);
    let buf = Shared::default();
    let mut t = make(TraceOut::new(Box::new(buf.clone())));
    let outcome = m.run(Some(MAX_INSNS), &mut t);
    finish(&mut t);
    assert!(matches!(outcome, Outcome::Exit(0) | Outcome::InstructionLimit), "{outcome:?}");
    let out = buf.0.lock().expect("trace buffer").clone();
    String::from_utf8(out).expect("trace is UTF-8")
}

fn compare_or_bless(name: &str, got: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data").join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, got).expect("write golden file");
        eprintln!("blessed {}", path.display());
        return;
    }
    let want =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (create it with BLESS=1)", path.display()));
    if want != got {
        let (w, g): (Vec<_>, Vec<_>) = (want.lines().collect(), got.lines().collect());
        let first = w.iter().zip(&g).position(|(a, b)| a != b).unwrap_or(w.len().min(g.len()));
        let lo = first.saturating_sub(2);
        panic!(
            "{name} differs from the golden file at line {} ({} vs {} lines)\nwant:\n{}\ngot:\n{}\n\
             (if the change is intended: BLESS=1 cargo test -p integration-tests --test trace)",
            first + 1,
            w.len(),
            g.len(),
            w[lo..(first + 3).min(w.len())].join("\n"),
            g[lo..(first + 3).min(g.len())].join("\n"),
        );
    }
}

#[test]
fn commit_log_matches_golden() {
    let got = run_traced(CommitLog::new, |t| t.finish().expect("flush"));
    // Sanity on the format independent of the golden file: the boot ROM's first line.
    let first = got.lines().next().expect("trace has lines");
    assert_eq!(first, "core   0: 3 0x0000000000001000 (0x00000297) x5  0x0000000000001000");
    assert!(got.lines().any(|l| l.ends_with("mem 0x0000000080000058 0x1122334455667789")), "stores are logged");
    assert!(got.lines().any(|l| l.contains("exception trap_machine_ecall")), "the trap is logged");
    compare_or_bless("program.trace", &got);
}

#[test]
fn disasm_trace_matches_golden() {
    let got = run_traced(DisasmTrace::new, |t| t.finish().expect("flush"));
    let first = got.lines().next().expect("trace has lines");
    assert_eq!(first, "core   0: 0x0000000000001000 (0x00000297) auipc   t0, 0x0");
    compare_or_bless("program.disasm.trace", &got);
}

/// Zba/Zbb/Zbc/Zbs, Zicond, PAUSE, a prefetch and CBO.ZERO in both trace formats. The
/// commit log shows CBO.ZERO as the 64 byte stores Spike's `cbo_zero` performs
/// (riscv/mmu.h), from the block base up.
#[test]
fn extension_traces_match_golden() {
    let program = program_ext();
    let got = run_program_traced(&program, CommitLog::new, |t| t.finish().expect("flush"));
    let zero_line = got.lines().find(|l| l.contains("(0x0042a00f)")).expect("cbo.zero retired");
    assert_eq!(zero_line.matches(" mem ").count(), 64, "{zero_line}");
    // 8-bit store data prints as Spike's `0x%01x` (riscv/execute.cc commit_log_print_value).
    assert!(zero_line.contains("mem 0x0000000080000080 0x0 mem 0x0000000080000081 0x0"), "{zero_line}");
    assert!(got.lines().any(|l| l.contains("(0x6b855593) x11 0x7856341200000000")), "rev8 result");
    assert!(got.lines().any(|l| l.contains("(0x0102b383) x7  0x0000000000000000")), "ld after cbo.zero reads 0");
    compare_or_bless("program_ext.trace", &got);
    let got = run_program_traced(&program, DisasmTrace::new, |t| t.finish().expect("flush"));
    assert!(got.contains("rev8    a1, a0") && got.contains("cbo.zero (t0)") && got.contains("pause"), "{got}");
    compare_or_bless("program_ext.disasm.trace", &got);
}

/// MRET/SRET, FP with and without flags, frm/fflags/fcsr writes, CSR writes with rd != 0,
/// an illegal-instruction trap, an S-mode interrupt, medeleg/mideleg and the three
/// privileges. The golden file follows Spike's source (riscv/execute.cc, riscv/csrs.cc,
/// riscv/insns, libstdc++'s unordered_map order; see docs/emulator.md), not a Spike run:
/// each line was checked by hand against those rules; the lines below pin the ones that
/// show the rules at work.
#[test]
fn privilege_and_fp_trace_matches_golden() {
    let got = run_program_traced(&PROGRAM_PRIV, CommitLog::new, |t| t.finish().expect("flush"));
    let line = |bits: &str| -> &str {
        got.lines().find(|l| l.contains(bits)).unwrap_or_else(|| panic!("no line with {bits}"))
    };
    // fsrmi a0,1 with FS Initial: mstatus (12292 % 13 = 7), frm (36 % 13 = 10, to the
    // front), x10 (160 % 13 = 4, to the front).
    assert!(line("(0x0020d573)")
        .ends_with("x10 0x0000000000000000 c2_frm 0x0000000000000001 c768_mstatus 0x8000000a00006000"));
    // fdiv.d raising NX: f3 (49 % 13 = 10), fflags (20 % 13 = 7, to the front); again when
    // NX is already set.
    assert!(line("(0x1a20f1d3)").ends_with("c1_fflags 0x0000000000000001 f3  0x3fd5555555555555"));
    assert!(line("(0x1a20f253)").ends_with("c1_fflags 0x0000000000000001 f4  0x3fd5555555555555"));
    // fscsr a6,zero: frm (10), fflags (7, front), x16 (256 % 13 = 9, front).
    assert!(
        line("(0x00301873)").ends_with("x16 0x0000000000000031 c1_fflags 0x0000000000000000 c2_frm 0x0000000000000000")
    );
    assert!(line("(0x302028f3)").ends_with("x17 0x000000000000b109"));
    assert!(line("(0x30302973)").ends_with("x18 0x0000000000000222"));
    // csrsi sie,2 logs mie; the interrupt and traps print Spike's take_trap lines.
    assert!(line("(0x10416073)").ends_with("c772_mie 0x0000000000000002"));
    assert!(got.contains(
        "core   0: exception trap_illegal_instruction, epc 0x0000000080000090\n\
                          core   0:           tval 0x00000000f1401073\n"
    ));
    assert!(got.contains("core   0: exception interrupt #1, epc 0x00000000800000d4\n"));
    assert!(got.contains("core   0: exception trap_user_ecall, epc 0x00000000800000f0\n"));
    compare_or_bless("program_priv.trace", &got);
}

#[test]
fn both_tracers_together_see_the_same_run() {
    let mut m = Machine::new(MachineConfig::default());
    m.bus.dev.uart.echo = false;
    m.bus.ram.write_bytes(0, &PROGRAM).expect("program fits in RAM");
    m.install_reset_vector(0x8000_0000, 0);
    let (a, b) = (Shared::default(), Shared::default());
    let mut c = CommitLog::new(TraceOut::new(Box::new(a.clone())));
    let mut d = DisasmTrace::new(TraceOut::new(Box::new(b.clone())));
    m.run(Some(MAX_INSNS), &mut (&mut c, &mut d));
    c.finish().expect("flush");
    d.finish().expect("flush");
    let (a, b) = (a.0.lock().expect("a").clone(), b.0.lock().expect("b").clone());
    let lines = |v: &[u8]| v.iter().filter(|&&c| c == b'\n').count();
    // The commit log: one line per retired instruction plus one per trap (the program
    // takes one ecall). The disassembly trace, as Spike's `-l`, also shows the ecall.
    assert_eq!(lines(&a) as u64, m.retired() + 1);
    assert_eq!(lines(&b), lines(&a) + 1);
}

/// An AMO logs its load and its store (Spike's `mmu_t::amo`: `load` then `store`, each
/// logged; loads print first): `auipc t0,0 ; addi t0,t0,24 ; li t1,5 ;
/// amoadd.d t2,t1,(t0) ; j .` with the dword at 0x8000_0018 zero.
#[test]
fn amo_logs_load_and_store() {
    let program = [
        0x97, 0x02, 0x00, 0x00, 0x93, 0x82, 0x82, 0x01, 0x13, 0x03, 0x50, 0x00, 0xaf, 0xb3, 0x62, 0x00, 0x6f, 0x00,
        0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let got = run_program_traced(&program, CommitLog::new, |t| t.finish().expect("flush"));
    let line = got.lines().find(|l| l.contains("(0x0062b3af)")).expect("amoadd.d retired");
    assert_eq!(
        line,
        "core   0: 3 0x000000008000000c (0x0062b3af) x7  0x0000000000000000 mem 0x0000000080000018 \
         mem 0x0000000080000018 0x0000000000000005"
    );
}

/// Spike's `-l` collapses an instruction repeated at the same pc (`j .`) into one line and
/// a count; `retired_only` prints every retirement and no trapping instruction.
#[test]
fn disasm_trace_collapses_repeats_like_spike() {
    // 80000000: j . (a self loop, run until the instruction limit).
    let program = [0x6f, 0x00, 0x00, 0x00];
    let spike = run_program_traced(&program, DisasmTrace::new, |t| t.finish().expect("flush"));
    let lines: Vec<&str> = spike.lines().filter(|l| l.contains("0x0000000080000000")).collect();
    assert_eq!(lines, ["core   0: 0x0000000080000000 (0x0000006f) j       pc + 0x0"], "{spike}");
    let every = run_program_traced(&program, DisasmTrace::retired_only, |t| t.finish().expect("flush"));
    assert!(every.lines().filter(|l| l.contains("0x0000000080000000")).count() > 100);
}
