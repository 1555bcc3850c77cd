//! An S-mode payload for SBI firmware (SBI spec v2.0): OpenSBI's fw_jump enters it at
//! 0x8020_0000 with a0 = hartid and a1 = the device tree. It checks the device tree
//! magic, prints a greeting through the SBI console (the Debug Console extension when
//! present, else the legacy putchar), and shuts the machine down through System Reset,
//! so the machine exits with status 0. A failed check prints why and spins instead (the
//! reset driver of OpenSBI 1.1 reports every shutdown as a pass, whatever the reason), so
//! the run ends at the instruction limit and the test fails.
#![no_std]
#![no_main]

use core::fmt::{self, Write};

core::arch::global_asm!(
    r#"
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call payload_main
3:  j 3b
"#
);

/// Extension IDs (SBI spec chapters 5, 4, 10, 12).
const EID_LEGACY_PUTCHAR: usize = 0x01;
const EID_BASE: usize = 0x10;
const EID_SRST: usize = 0x5352_5354;
const EID_DBCN: usize = 0x4442_434e;
/// Base extension functions.
const BASE_GET_SPEC_VERSION: usize = 0;
const BASE_PROBE_EXTENSION: usize = 3;
/// SRST reset types and reasons.
const SRST_SHUTDOWN: usize = 0;
const SRST_REASON_NONE: usize = 0;

/// An SBI call: `a7` = extension, `a6` = function; returns (error, value) from a0/a1.
fn sbi_call(eid: usize, fid: usize, a0: usize, a1: usize, a2: usize) -> (isize, usize) {
    let (err, val);
    // SAFETY: ecall from S-mode traps to the SBI firmware, which preserves all registers
    // but a0/a1 (SBI spec 3, "Binary Encoding").
    unsafe {
        core::arch::asm!("ecall", inlateout("a0") a0 => err, inlateout("a1") a1 => val,
            in("a2") a2, in("a6") fid, in("a7") eid);
    }
    (err, val)
}

fn legacy_putchar(b: u8) {
    // SAFETY: legacy extension 0x01 takes the character in a0 and returns in a0 only.
    unsafe { core::arch::asm!("ecall", inlateout("a0") b as usize => _, in("a7") EID_LEGACY_PUTCHAR) };
}

/// The SBI console: DBCN `write` if the firmware has it, legacy putchar otherwise.
struct Console {
    dbcn: bool,
}

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.dbcn {
            // DBCN write (SBI 12.1): a0 = bytes, a1/a2 = physical address low/high.
            let (err, _) = sbi_call(EID_DBCN, 0, s.len(), s.as_ptr() as usize, 0);
            if err == 0 {
                return Ok(());
            }
        }
        s.bytes().for_each(legacy_putchar);
        Ok(())
    }
}

fn shutdown(reason: usize) -> ! {
    sbi_call(EID_SRST, 0, SRST_SHUTDOWN, reason, 0);
    hang()
}

#[no_mangle]
extern "C" fn payload_main(hartid: usize, dtb: usize) -> ! {
    let (_, dbcn) = sbi_call(EID_BASE, BASE_PROBE_EXTENSION, EID_DBCN, 0, 0);
    let mut con = Console { dbcn: dbcn != 0 };
    let (_, version) = sbi_call(EID_BASE, BASE_GET_SPEC_VERSION, 0, 0, 0);
    // SAFETY: the firmware passes the address of the device tree blob in a1; it lies in RAM.
    let magic = u32::from_be(unsafe { core::ptr::read_volatile(dtb as *const u32) });
    let _ = writeln!(
        con,
        "sbi-payload: hello from S-mode on hart {hartid}, SBI {}.{}, console {}, dtb at {dtb:#x} magic {magic:#x}",
        version >> 24,
        version & 0xff_ffff,
        if con.dbcn { "DBCN" } else { "legacy" }
    );
    if magic != 0xd00d_feed {
        let _ = writeln!(con, "sbi-payload: FAIL: bad device tree magic");
        hang();
    }
    let _ = writeln!(con, "sbi-payload: shutting down through SRST");
    shutdown(SRST_REASON_NONE)
}

/// Stops here: the run ends at the instruction limit, which the tests treat as failure.
fn hang() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    hang()
}
