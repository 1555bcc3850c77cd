//! Target `exec`: random instruction words run by the whole machine (decoder, executor,
//! CSRs, traps, MMU and devices) in M, S or U mode, with Sv39/Sv48/Sv57 paging on over
//! page tables partly made of fuzz bytes, for a bounded number of cycles.
//!
//! Layout of the input (missing bytes read as zero):
//! ```text
//!   mode u8      bits 0-1 privilege (0 M, 1 S, 2/3 U), 2-3 satp mode (Bare, Sv39, Sv48,
//!                Sv57), 4 MPRV, 5 SUM, 6 MXR, 7 FP off
//!   trap u8      bit 0 delegate exceptions to S, 1 TVM, 2 TW, 3 TSR, 4 no PMP entry,
//!                5 software A/D (Svade), 6 MIE+timer soon, 7 PBMT enabled
//!   tlb u8       iTLB/dTLB entries 2^(b&7)-ish, ways 2^(b>>4 & 3)
//!   pte u8       low flags of the code/data megapage (V R W X U G A D); 0 = default
//!   n_ptes u8    then n_ptes & 7 pairs (slot u16, pte u64) written into the page tables
//!   regs         31 u16: bits 14-15 choose data/page-table/device/small, 0-13 an offset
//!   code         the rest: instruction words at 0x8000_0000 (the reset pc)
//! ```
//! Virtual = physical for RAM (0x8000_0000, 2 MiB megapages) and for the devices
//! (gigapage 0). The M-mode trap handler (at 0x8020_0000) and the S one (0x8020_0100)
//! step over the trapping word with `mepc/sepc += 4`, so random code keeps running.

use crate::input::Input;
use rvsim::bus::RAM_BASE;
use rvsim::hart::csr::{addr, mstatus};
use rvsim::hart::{NoTrace, Privilege};
use rvsim::machine::{Machine, MachineConfig};
use rvsim::mmu::{AdMode, MmuConfig, TlbConfig};

/// RAM: code and data, handlers, page tables (all under 4 MiB).
pub const RAM_SIZE: u64 = 4 << 20;
/// Cycles per input (instructions, traps and WFI idle cycles).
pub const MAX_CYCLES: u64 = 20_000;
const CODE: u64 = RAM_BASE;
const HANDLERS: u64 = RAM_BASE + 0x20_0000;
const S_HANDLER: u64 = HANDLERS + 0x100;
/// Page tables: one 4 KiB table per level (Sv57 root, Sv48 root, Sv39 root, level 1,
/// level 0), chained so every mode maps the same megapages.
const TABLES: u64 = RAM_BASE + 0x30_0000;
const T57: u64 = TABLES;
const T48: u64 = TABLES + 0x1000;
const T39: u64 = TABLES + 0x2000;
const L1: u64 = TABLES + 0x3000;
const L0: u64 = TABLES + 0x4000;

/// PTE bits (Privileged 4.3.1 / 4.4.1).
const V: u64 = 1;
const R: u64 = 2;
const W: u64 = 4;
const X: u64 = 8;
const U: u64 = 16;
const A: u64 = 64;
const D: u64 = 128;

/// csrr t0,mepc; addi t0,t0,4; csrw mepc,t0; mret.
const M_HANDLER_CODE: [u32; 4] = [0x3410_22f3, 0x0042_8293, 0x3412_9073, 0x3020_0073];
/// csrr t0,sepc; addi t0,t0,4; csrw sepc,t0; sret.
const S_HANDLER_CODE: [u32; 4] = [0x1410_22f3, 0x0042_8293, 0x1412_9073, 0x1020_0073];

/// Device bases registers may point at (CLINT, PLIC, UART, virtio slot 0, finisher).
const DEVICES: [u64; 5] = [0x0200_0000, 0x0c00_0000, 0x1000_0000, 0x1000_1000, 0x10_0000];

fn pte_table(pa: u64) -> u64 {
    ((pa >> 12) << 10) | V
}

fn pte_leaf(pa: u64, flags: u64) -> u64 {
    ((pa >> 12) << 10) | flags
}

fn put(m: &mut Machine, pa: u64, bytes: &[u8]) {
    // Every address written here lies inside RAM_SIZE: a failure is a harness bug.
    m.bus.ram.write_bytes(pa - RAM_BASE, bytes).expect("harness address in RAM");
}

fn put_words(m: &mut Machine, pa: u64, words: &[u32]) {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    put(m, pa, &bytes);
}

/// Runs the program described by `data` (see the module comment).
pub fn run(data: &[u8]) {
    machine_after(data);
}

/// [`run`], returning the machine after its run.
pub fn machine_after(data: &[u8]) -> Machine {
    let mut inp = Input::new(data);
    let mode = inp.u8();
    let trap = inp.u8();
    let tlb = inp.u8();
    let pte = inp.u8();
    let geom = TlbConfig { entries: (1 << (tlb & 7)) >> 1, ways: 1 << ((tlb >> 4) & 3) }.normalized();
    let ad_mode = if trap & 0x20 != 0 { AdMode::Trap } else { AdMode::Hardware };
    // Bit 3 of the TLB byte adds a small L2 TLB (`--l2tlb 64,4`).
    let l2tlb = if tlb & 8 != 0 { TlbConfig { entries: 64, ways: 4 } } else { TlbConfig { entries: 0, ways: 0 } };
    let mmu = MmuConfig { itlb: geom, dtlb: geom, l2tlb, ad_mode };
    let mut m = Machine::new(MachineConfig { ram_size: RAM_SIZE, mmu, ..Default::default() });
    m.bus.dev.uart.echo = false;

    let prv = match mode & 3 {
        0 => Privilege::Machine,
        1 => Privilege::Supervisor,
        _ => Privilege::User,
    };
    // Page tables: Sv57 root[0] -> Sv48 root[0] -> Sv39 root; Sv39 root[0] is a gigapage
    // over the devices, root[2] the level-1 table of 0x8000_0000..0xc000_0000.
    let user = if prv == Privilege::User { U } else { 0 };
    let code_flags = if pte == 0 { V | R | W | X | A | D | user } else { pte as u64 };
    let tables = [
        (T57, 0, pte_table(T48)),
        (T48, 0, pte_table(T39)),
        (T39, 0, pte_leaf(0, V | R | W | A | D | user)),
        (T39, 2, pte_table(L1)),
        (L1, 0, pte_leaf(CODE, code_flags)),
        (L1, 1, pte_leaf(HANDLERS, V | R | W | X | A | D)),
        (L1, 2, pte_table(L0)),
        (L0, 0, pte_leaf(TABLES, V | R | W | A | D | user)),
    ];
    for (table, slot, entry) in tables {
        put(&mut m, table + 8 * slot, &entry.to_le_bytes());
    }
    // Fuzzed entries anywhere in the five tables.
    for _ in 0..(inp.u8() & 7) {
        let slot = (inp.u16() as u64) % (5 * 512);
        let entry = inp.u64();
        put(&mut m, TABLES + 8 * slot, &entry.to_le_bytes());
    }
    put_words(&mut m, HANDLERS, &M_HANDLER_CODE);
    put_words(&mut m, S_HANDLER, &S_HANDLER_CODE);

    let mut regs = [0u64; 32];
    for r in regs.iter_mut().skip(1) {
        let v = inp.u16() as u64;
        let off = v & 0x3fff;
        *r = match v >> 14 {
            0 => CODE + 0x1_0000 + off * 8,
            1 => TABLES + off,
            2 => DEVICES[(off % 5) as usize] + (off >> 3),
            _ => off,
        };
    }
    let code = inp.rest();
    put(&mut m, CODE, &code[..code.len().min(0x1f_0000)]);
    m.bus.invalidate_code();

    let h = &mut m.cores[0].hart;
    h.reset(CODE);
    h.x = regs;
    if trap & 0x10 == 0 {
        // PMP entry 0 over everything, RWX (NAPOT): without one S/U accesses fail (3.7.1).
        let _ = h.csr_write(addr::PMPADDR0, u64::MAX);
        let _ = h.csr_write(addr::PMPCFG0, 0x1f);
    }
    let _ = h.csr_write(addr::MTVEC, HANDLERS);
    let _ = h.csr_write(addr::STVEC, S_HANDLER);
    if trap & 1 != 0 {
        // Every synchronous exception but ecall from S/M to S (as an OS delegates).
        let _ = h.csr_write(addr::MEDELEG, 0xb1ff);
        let _ = h.csr_write(addr::MIDELEG, 0x222);
    }
    if trap & 0x80 != 0 {
        let _ = h.csr_write(addr::MENVCFG, rvsim::hart::csr::MENVCFG_PBMTE);
    }
    let mut ms = if mode & 0x80 != 0 { 0 } else { mstatus::FS_DIRTY };
    for (bit, flag) in [(0x10, mstatus::MPRV), (0x20, mstatus::SUM), (0x40, mstatus::MXR)] {
        if mode & bit != 0 {
            ms |= flag;
        }
    }
    for (bit, flag) in [(0x2, mstatus::TVM), (0x4, mstatus::TW), (0x8, mstatus::TSR)] {
        if trap & bit != 0 {
            ms |= flag;
        }
    }
    // MPP = the chosen mode, so MPRV loads and stores use its translation.
    ms |= (prv as u64) << mstatus::MPP_SHIFT;
    let _ = h.csr_write(addr::MSTATUS, ms);
    if trap & 0x40 != 0 {
        let _ = h.csr_write(addr::MIE, 0xaaa);
        ms |= mstatus::MIE | mstatus::SIE;
        let _ = h.csr_write(addr::MSTATUS, ms);
    }
    let root = match (mode >> 2) & 3 {
        0 => 0,
        1 => (8 << 60) | (T39 >> 12),
        2 => (9 << 60) | (T48 >> 12),
        _ => (10 << 60) | (T57 >> 12),
    };
    let _ = h.csr_write(addr::SATP, root);
    h.set_privilege(prv);
    if trap & 0x40 != 0 {
        // A timer interrupt soon (CLINT mtimecmp, QEMU virt: 0x0200_4000).
        let _ = m.bus.write(0x0200_4000, 8, 100, 0);
    }
    let _ = m.run(Some(MAX_CYCLES), &mut NoTrace);
    // The run is bounded: the cycle limit is the only way it may end besides the guest's
    // own exit (finisher), and it must have been honoured within one trap or block.
    assert!(m.cycles() <= MAX_CYCLES + 4096, "cycle limit overrun: {}", m.cycles());
    m
}
