//! Supervisor CSR access (priv spec chapter 10 "Supervisor-Level ISA") and the few
//! privileged instructions the kernel needs.

use core::arch::asm;

/// sstatus bits (priv spec 10.1.1).
pub const SSTATUS_SIE: u64 = 1 << 1;
pub const SSTATUS_SPIE: u64 = 1 << 5;
pub const SSTATUS_SPP: u64 = 1 << 8;
pub const SSTATUS_FS_SHIFT: u64 = 13;
pub const SSTATUS_FS: u64 = 3 << SSTATUS_FS_SHIFT;
/// FS field values: Off, Initial, Clean, Dirty.
pub const FS_OFF: u64 = 0;
pub const FS_CLEAN: u64 = 2;
pub const FS_DIRTY: u64 = 3;
/// sip/sie bits.
pub const SIP_SSIP: u64 = 1 << 1;
pub const SIP_STIP: u64 = 1 << 5;
pub const SIE_SSIE: u64 = 1 << 1;
pub const SIE_STIE: u64 = 1 << 5;

macro_rules! csr_rw {
    ($read:ident, $write:ident, $name:literal) => {
        #[doc = concat!("Reads `", $name, "`.")]
        pub fn $read() -> u64 {
            let v: u64;
            // SAFETY: reading this S-mode CSR has no side effects.
            unsafe { asm!(concat!("csrr {0}, ", $name), out(reg) v) };
            v
        }
        #[doc = concat!("Writes `", $name, "`.")]
        pub fn $write(v: u64) {
            // SAFETY: the kernel owns this S-mode CSR; callers keep its invariants.
            unsafe { asm!(concat!("csrw ", $name, ", {0}"), in(reg) v) };
        }
    };
}

csr_rw!(sstatus, set_sstatus, "sstatus");
csr_rw!(sie, set_sie, "sie");
csr_rw!(sip, set_sip, "sip");
csr_rw!(scause, set_scause, "scause");
csr_rw!(stval, set_stval, "stval");
csr_rw!(sepc, set_sepc, "sepc");
csr_rw!(stvec, set_stvec, "stvec");
csr_rw!(sscratch, set_sscratch, "sscratch");

/// Writes `stimecmp` (Sstc, CSR 0x14D): STIP is pending while `time >= stimecmp`.
pub fn set_stimecmp(v: u64) {
    // SAFETY: only called when M-mode enabled menvcfg.STCE (checked at boot).
    unsafe { asm!("csrw 0x14d, {0}", in(reg) v) };
}

/// Installs `satp` (Sv39 root) and flushes the TLB (priv spec 10.1.11, 10.2.1).
pub fn set_satp_and_flush(v: u64) {
    // SAFETY: the caller installs a page table that maps the kernel at the identity, so
    // the instruction stream continues.
    unsafe { asm!("csrw satp, {0}", "sfence.vma zero, zero", in(reg) v) };
}

/// Reads `satp` (priv spec 10.1.11).
pub fn satp() -> u64 {
    let v: u64;
    // SAFETY: reading satp has no side effects.
    unsafe { asm!("csrr {0}, satp", out(reg) v) };
    v
}

/// Writes `satp` without a fence (a change of ASID takes effect immediately, priv spec
/// 10.2.1 "changes to satp.ASID take effect immediately").
pub fn set_satp(v: u64) {
    // SAFETY: as for `set_satp_and_flush`: every table the kernel installs maps the kernel.
    unsafe { asm!("csrw satp, {0}", in(reg) v) };
}

/// `sfence.vma va, x0`: the TLB entries for `va` in every address space.
pub fn sfence_va(va: u64) {
    // SAFETY: a fence has no memory-safety effect.
    unsafe { asm!("sfence.vma {0}, zero", in(reg) va) };
}

/// `sfence.vma va, asid`: the non-global TLB entries for `va` of ASID `asid`.
pub fn sfence_va_asid(va: u64, asid: u16) {
    // SAFETY: a fence has no memory-safety effect.
    unsafe { asm!("sfence.vma {0}, {1}", in(reg) va, in(reg) asid as u64) };
}

/// `sfence.vma x0, asid`: every non-global TLB entry of ASID `asid`.
pub fn sfence_asid(asid: u16) {
    // SAFETY: a fence has no memory-safety effect.
    unsafe { asm!("sfence.vma zero, {0}", in(reg) asid as u64) };
}

/// Flushes all TLB entries (after changing page tables in place).
pub fn sfence_all() {
    // SAFETY: a fence has no memory-safety effect.
    unsafe { asm!("sfence.vma zero, zero") };
}

/// Waits for an interrupt (returns when one is pending in `sie`, even with SIE = 0).
pub fn wfi() {
    // SAFETY: wfi only stalls the hart.
    unsafe { asm!("wfi") };
}

/// Clears the pending supervisor software interrupt (the forwarded timer tick).
pub fn clear_ssip() {
    // SAFETY: clearing SSIP in sip is the handshake with the M-mode timer trampoline.
    unsafe { asm!("csrc sip, {0}", in(reg) SIP_SSIP) };
}

/// Sets the FS field of sstatus to `fs`.
pub fn set_fs(fs: u64) {
    let s = sstatus();
    set_sstatus((s & !SSTATUS_FS) | (fs << SSTATUS_FS_SHIFT));
}

/// The FS field of sstatus.
pub fn fs() -> u64 {
    (sstatus() & SSTATUS_FS) >> SSTATUS_FS_SHIFT
}
