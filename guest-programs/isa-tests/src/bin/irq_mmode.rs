//! Machine-mode interrupts (Privileged 3.1.6.1, 3.1.7, 3.1.9; CLINT of QEMU virt):
//! pending-and-enabled interrupts are taken only when mstatus.MIE (and the mie bit) is
//! set (the order among simultaneous ones is checked in irq_priority); mcause has the interrupt bit,
//! mepc the next instruction, mtval 0; the CLINT's msip/mtimecmp drive MSIP/MTIP; in
//! vectored mode interrupts go to BASE + 4 * cause and exceptions to BASE.
#![no_std]
#![no_main]

use core::arch::asm;
use isa_tests::{
    arm, catch, cause, check_eq, csrc, csrr, csrs, csrw, direct_handler, disarm, entry, finish, irq, mstatus, mtime,
    reset_vector_hit, set_msip, set_mtimecmp, trap, trap_count, trap_count_addr, vector_hit, vectored_table,
};

entry!(main);

const INT: u64 = cause::INTERRUPT;

fn nops() {
    unsafe { asm!(".rept 20", "nop", ".endr") };
}

fn main() -> u32 {
    csrw!(mie, 0);
    csrc!(mstatus, mstatus::MIE);
    csrw!(mideleg, 0);
    set_mtimecmp(u64::MAX);
    set_msip(0);

    // CLINT lines show in mip.
    set_msip(1);
    check_eq!("msip=1 sets mip.MSIP", csrr!(mip) & (1 << irq::MSI), 1 << irq::MSI);
    set_msip(0);
    check_eq!("msip=0 clears mip.MSIP", csrr!(mip) & (1 << irq::MSI), 0);
    set_mtimecmp(0);
    check_eq!("mtime >= mtimecmp sets mip.MTIP", csrr!(mip) & (1 << irq::MTI), 1 << irq::MTI);
    set_mtimecmp(u64::MAX);
    check_eq!("mtimecmp = max clears mip.MTIP", csrr!(mip) & (1 << irq::MTI), 0);
    set_mtimecmp(mtime() + 1_000_000_000);
    check_eq!("mtimecmp in the future: MTIP clear", csrr!(mip) & (1 << irq::MTI), 0);
    set_mtimecmp(u64::MAX);

    // Make five interrupts pending: MSI, MTI (CLINT) and SSI, STI, SEI (mip bits).
    set_msip(1);
    set_mtimecmp(0);
    csrs!(mip, (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI));
    let all = (1 << irq::MSI) | (1 << irq::MTI) | (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI);
    check_eq!("all five pending in mip", csrr!(mip) & all, all);
    // Enabled in mie but MIE = 0: none taken.
    csrw!(mie, all);
    arm();
    nops();
    check_eq!("no interrupt taken with mstatus.MIE = 0", disarm(), 0);
    // MIE = 1 but mie = 0: none taken.
    csrw!(mie, 0);
    arm();
    csrs!(mstatus, mstatus::MIE);
    nops();
    csrc!(mstatus, mstatus::MIE);
    check_eq!("no interrupt taken with mie = 0", disarm(), 0);
    // Both enabled: all five taken (the harness disables each in mie after taking it).
    csrw!(mie, all);
    arm();
    let at: u64;
    unsafe { asm!("csrsi mstatus, 8", "2: nop", "lla {a}, 2b", a = out(reg) at) };
    nops();
    csrc!(mstatus, mstatus::MIE);
    let n = disarm();
    check_eq!("five interrupts taken", n, 5);
    let mut seen = 0u64;
    for i in 0..5 {
        let t = trap(i);
        check_eq!("interrupt bit in mcause", t.cause & INT, INT);
        seen |= 1 << (t.cause & 63);
        check_eq!("interrupt mtval = 0", t.tval, 0);
        check_eq!("interrupt taken in M", t.taken_in, 3);
    }
    check_eq!("each pending interrupt taken once", seen, all);
    check_eq!("first interrupt: mepc = next instruction after enabling", trap(0).epc, at);
    check_eq!("interrupt entry: MPIE = 1", trap(0).status & mstatus::MPIE, mstatus::MPIE);
    check_eq!("interrupt entry: MIE = 0", trap(0).status & mstatus::MIE, 0);
    check_eq!("handler cleared msip", csrr!(mip) & (1 << irq::MSI), 0);
    check_eq!("handler cleared MTIP via mtimecmp", csrr!(mip) & (1 << irq::MTI), 0);
    csrc!(mip, (1 << irq::SSI) | (1 << irq::STI) | (1 << irq::SEI));

    // A timer interrupt arrives while the hart spins in a tight loop that makes no CSR
    // access (polling the harness's trap counter, with an iteration bound): it must be
    // taken inside the loop. The deadline is 2 ms on QEMU's 10 MHz timer.
    set_mtimecmp(mtime() + 20_000);
    csrw!(mie, 1 << irq::MTI);
    arm();
    let (start, end, left): (u64, u64, u64);
    unsafe {
        asm!(
            "csrsi mstatus, 8",
            "2: li {n}, 50000000",
            "4: ld {t}, 0({c})",
            "bnez {t}, 3f",
            "addi {n}, {n}, -1",
            "bnez {n}, 4b",
            "3: csrci mstatus, 8",
            "lla {s}, 2b",
            "lla {e}, 3b",
            n = out(reg) left, t = out(reg) _, c = in(reg) trap_count_addr(), s = out(reg) start, e = out(reg) end
        )
    };
    check_eq!("timer interrupt taken during a tight loop", disarm(), 1);
    check_eq!("the loop ended because of it", left != 0, true);
    check_eq!("tight loop: mcause = MTI", trap(0).cause, INT | irq::MTI);
    let epc = trap(0).epc;
    check_eq!("tight loop: mepc inside the loop", (start..end).contains(&epc), true);

    // Vectored mode: interrupt i goes to BASE + 4*i; exceptions to BASE.
    csrw!(mtvec, vectored_table() | 1);
    reset_vector_hit();
    set_msip(1);
    csrw!(mie, 1 << irq::MSI);
    arm();
    csrs!(mstatus, mstatus::MIE);
    nops();
    csrc!(mstatus, mstatus::MIE);
    disarm();
    check_eq!("vectored: MSI entered at BASE + 4*3", vector_hit(), 3);
    check_eq!("vectored: mcause", trap(0).cause, INT | irq::MSI);
    reset_vector_hit();
    set_mtimecmp(0);
    csrw!(mie, 1 << irq::MTI);
    arm();
    csrs!(mstatus, mstatus::MIE);
    nops();
    csrc!(mstatus, mstatus::MIE);
    disarm();
    check_eq!("vectored: MTI entered at BASE + 4*7", vector_hit(), 7);
    reset_vector_hit();
    csrs!(mip, 1 << irq::SSI);
    csrw!(mie, 1 << irq::SSI);
    arm();
    csrs!(mstatus, mstatus::MIE);
    nops();
    csrc!(mstatus, mstatus::MIE);
    disarm();
    check_eq!("vectored: SSI entered at BASE + 4*1", vector_hit(), 1);
    csrc!(mip, 1 << irq::SSI);
    reset_vector_hit();
    let t = catch(|| unsafe { asm!("ebreak") });
    check_eq!("vectored: exception entered at BASE", vector_hit(), 0);
    check_eq!("vectored: exception mcause", t.map_or(99, |t| t.cause), cause::BREAKPOINT);
    csrw!(mtvec, direct_handler());
    check_eq!("trap count sanity", trap_count(), 1);
    finish("irq_mmode")
}
