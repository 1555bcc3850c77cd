//! usertests for signals (docs/os.md "Signals"): handler delivery and return with every
//! register restored, masks, pending sets, sigsuspend and sigtimedwait, SA_RESTART
//! against EINTR, SA_NODEFER/SA_RESETHAND, SIGCHLD, SIGPIPE, kills and wait status,
//! stop and continue, SIGSEGV handlers with si_addr/si_code, a frame that cannot be
//! written, the alternate stack, process groups, and the error paths (EINVAL, EFAULT).

use super::in_child;
use abi::errno::*;
use abi::signal::*;
use abi::sys as nr;
use core::sync::atomic::{AtomicI32, AtomicU64, Ordering::SeqCst};
use ulib::sig::*;
use ulib::*;

const UNMAPPED: usize = 0x3000_0000;

static HITS: AtomicU64 = AtomicU64::new(0);
static LAST_SIG: AtomicI32 = AtomicI32::new(0);
static LAST_CODE: AtomicI32 = AtomicI32::new(0);
static LAST_PID: AtomicI32 = AtomicI32::new(0);
static LAST_STATUS: AtomicI32 = AtomicI32::new(0);
static LAST_ADDR: AtomicU64 = AtomicU64::new(0);
static MASK_IN: AtomicU64 = AtomicU64::new(0);
static SAVED_A1: AtomicU64 = AtomicU64::new(0);

fn reset() {
    HITS.store(0, SeqCst);
    LAST_SIG.store(0, SeqCst);
    LAST_CODE.store(0, SeqCst);
    LAST_ADDR.store(0, SeqCst);
}

/// Records the signal, its siginfo and the mask while it runs.
extern "C" fn record(sig: i32, info: *mut u8, _uc: *mut u8) {
    HITS.fetch_add(1, SeqCst);
    LAST_SIG.store(sig, SeqCst);
    // SAFETY: `info` is the kernel's siginfo for this signal.
    unsafe {
        LAST_CODE.store(si_code(info), SeqCst);
        LAST_PID.store(si_pid(info), SeqCst);
        LAST_STATUS.store(si_status(info), SeqCst);
    }
    MASK_IN.store(sigprocmask(SIG_BLOCK, None).unwrap_or(0), SeqCst);
}

/// Trashes the caller-saved registers and ft0, and records the saved a1.
extern "C" fn clobber(_sig: i32, _info: *mut u8, uc: *mut u8) {
    HITS.fetch_add(1, SeqCst);
    // SAFETY: uc_reg points into the kernel-provided ucontext.
    SAVED_A1.store(unsafe { *uc_reg(uc, 11) }, SeqCst);
    // SAFETY: only scratch registers, declared as clobbered.
    unsafe {
        core::arch::asm!(
            "li t0, -1", "li t1, -2", "li t2, -3", "li t3, -4", "li t4, -5", "li t5, -6", "li t6, -7",
            "li a3, -8", "li a4, -9", "li a5, -10", "li a6, -11", "fmv.d.x ft0, zero",
            out("t0") _, out("t1") _, out("t2") _, out("t3") _, out("t4") _, out("t5") _, out("t6") _,
            out("a3") _, out("a4") _, out("a5") _, out("a6") _, out("ft0") _,
        );
    }
}

/// Skips the faulting (4-byte) instruction and records si_addr/si_code.
extern "C" fn skip_fault(sig: i32, info: *mut u8, uc: *mut u8) {
    HITS.fetch_add(1, SeqCst);
    LAST_SIG.store(sig, SeqCst);
    // SAFETY: `info` is the kernel's siginfo for this signal.
    unsafe {
        LAST_CODE.store(si_code(info), SeqCst);
        LAST_ADDR.store(si_addr(info), SeqCst);
    }
    // SAFETY: uc_reg(uc, 0) is the saved pc in the kernel-provided ucontext.
    unsafe { *uc_reg(uc, 0) += 4 }
}

/// A 4-byte store to `a` (so a handler can skip it).
fn store4(a: usize) {
    // SAFETY: deliberate faults; the handler skips the instruction.
    unsafe {
        core::arch::asm!(".option push", ".option norvc", "sw zero, 0({0})", ".option pop", in(reg) a);
    }
}

/// A 4-byte load from `a` (so a handler can skip it).
fn load4(a: usize) {
    // SAFETY: deliberate faults; the handler skips the instruction.
    unsafe {
        core::arch::asm!(".option push", ".option norvc", "lw {1}, 0({0})", ".option pop", in(reg) a, out(reg) _);
    }
}

/// Handler runs on a signal raised by an ecall, gets (sig, info, uc), and the return
/// restores every register (caller-saved ones and ft0 included) and the pc.
fn t_sig_handler() {
    reset();
    eq!(set_handler(SIGUSR1, clobber, 0, 0), 0);
    let me = getpid();
    let vals: [u64; 11] = core::array::from_fn(|i| 0x1111_0000_0000 + i as u64 * 0x101);
    let mut out = vals;
    let f_in = 2.5f64;
    let f_out: f64;
    let r: isize;
    // SAFETY: tgkill with every caller-saved register holding a known value.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") me => r, in("a1") me, in("a2") SIGUSR1, in("a7") nr::TGKILL,
            inout("t0") out[0], inout("t1") out[1], inout("t2") out[2], inout("t3") out[3],
            inout("t4") out[4], inout("t5") out[5], inout("t6") out[6], inout("a3") out[7],
            inout("a4") out[8], inout("a5") out[9], inout("a6") out[10],
            inout("ft0") f_in => f_out,
        );
    }
    eq!(r, 0);
    eq!(HITS.load(SeqCst), 1);
    eq!(out, vals);
    eq!(f_out.to_bits(), 2.5f64.to_bits());
    eq!(SAVED_A1.load(SeqCst), me as u64);
    // The kernel's siginfo for a kill: SI_USER and the sender; for tgkill SI_TKILL.
    eq!(set_handler(SIGUSR2, record, 0, 0), 0);
    eq!(kill(me, SIGUSR2), 0);
    eq!(LAST_SIG.load(SeqCst), SIGUSR2 as i32);
    eq!(LAST_CODE.load(SeqCst), SI_USER);
    eq!(LAST_PID.load(SeqCst), me as i32);
    eq!(raise(SIGUSR2), 0);
    eq!(LAST_CODE.load(SeqCst), SI_TKILL);
    // The old action comes back from rt_sigaction.
    let mut old = SigAction::default();
    eq!(sigaction(SIGUSR2, None, Some(&mut old)), 0);
    eq!(old.handler, record as *const () as usize as u64);
    check!(old.flags & SA_SIGINFO != 0);
}

/// Blocked signals stay pending; unblocking delivers them; the handler runs with its
/// signal and sa_mask blocked and the mask comes back after; SA_NODEFER, SA_RESETHAND;
/// SIG_IGN discards a pending signal; SIGKILL/SIGSTOP cannot be blocked.
fn t_sig_mask() {
    reset();
    eq!(set_handler(SIGUSR1, record, 0, bit(SIGUSR2)), 0);
    eq!(sigprocmask(SIG_BLOCK, Some(bit(SIGUSR1))), Ok(0));
    eq!(raise(SIGUSR1), 0);
    eq!(raise(SIGUSR1), 0);
    eq!(HITS.load(SeqCst), 0);
    eq!(sigpending(), bit(SIGUSR1));
    eq!(sigprocmask(SIG_UNBLOCK, Some(bit(SIGUSR1))), Ok(bit(SIGUSR1)));
    // Standard signals do not queue: two sends, one delivery.
    eq!(HITS.load(SeqCst), 1);
    eq!(sigpending(), 0);
    eq!(MASK_IN.load(SeqCst), bit(SIGUSR1) | bit(SIGUSR2));
    eq!(sigprocmask(SIG_BLOCK, None), Ok(0));
    // SA_NODEFER: the signal is not blocked in its handler.
    eq!(set_handler(SIGUSR1, record, SA_NODEFER, 0), 0);
    eq!(raise(SIGUSR1), 0);
    eq!(MASK_IN.load(SeqCst), 0);
    // SA_RESETHAND: the second one takes the default action (terminate).
    let st = in_child(|| {
        set_handler(SIGUSR1, record, SA_RESETHAND, 0);
        let h0 = HITS.load(SeqCst);
        raise(SIGUSR1);
        if HITS.load(SeqCst) != h0 + 1 {
            exit(3);
        }
        raise(SIGUSR1);
        exit(4);
    });
    eq!(st, SIGUSR1 as i32);
    // SIG_IGN discards a pending blocked signal.
    eq!(sigprocmask(SIG_BLOCK, Some(bit(SIGUSR1))), Ok(0));
    eq!(raise(SIGUSR1), 0);
    eq!(sigpending(), bit(SIGUSR1));
    eq!(set_disposition(SIGUSR1, SIG_IGN), 0);
    eq!(sigpending(), 0);
    // SIGKILL and SIGSTOP are never blocked.
    eq!(sigprocmask(SIG_SETMASK, Some(u64::MAX)), Ok(bit(SIGUSR1)));
    eq!(sigprocmask(SIG_SETMASK, Some(0)), Ok(!(bit(SIGKILL) | bit(SIGSTOP))));
    // A default-ignored signal (SIGCHLD, SIGURG) does nothing.
    eq!(raise(SIGURG), 0);
    eq!(sigpending(), 0);
}

/// rt_sigsuspend waits with a temporary mask, returns EINTR after the handler and puts
/// the mask back; rt_sigtimedwait takes a blocked pending signal or times out.
fn t_sig_suspend() {
    reset();
    eq!(set_handler(SIGUSR1, record, 0, 0), 0);
    eq!(sigprocmask(SIG_BLOCK, Some(bit(SIGUSR1))), Ok(0));
    let parent = getpid();
    let pid = fork();
    if pid == 0 {
        sleep_ms(20);
        kill(parent, SIGUSR1);
        exit(0);
    }
    eq!(sigsuspend(0), -EINTR);
    eq!(HITS.load(SeqCst), 1);
    eq!(MASK_IN.load(SeqCst), bit(SIGUSR1));
    eq!(LAST_PID.load(SeqCst), pid as i32);
    eq!(sigprocmask(SIG_BLOCK, None), Ok(bit(SIGUSR1)));
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    // sigtimedwait: a pending blocked signal is taken without running the handler.
    eq!(raise(SIGUSR1), 0);
    let mut info = [0u8; SIGINFO_SIZE];
    eq!(sigtimedwait(bit(SIGUSR1), Some(&mut info), None), SIGUSR1 as isize);
    // SAFETY: `info` holds the siginfo the kernel wrote.
    eq!(unsafe { si_code(info.as_ptr()) }, SI_TKILL);
    eq!(HITS.load(SeqCst), 1);
    eq!(sigpending(), 0);
    let ts = abi::Timespec { tv_sec: 0, tv_nsec: 10_000_000 };
    let t0 = now_ns();
    eq!(sigtimedwait(bit(SIGUSR1), None, Some(&ts)), -EAGAIN);
    check!(now_ns() - t0 >= 10_000_000);
    // ... and one sent while it waits wakes it.
    let pid = fork();
    if pid == 0 {
        sleep_ms(10);
        kill(parent, SIGUSR1);
        exit(0);
    }
    let ts = abi::Timespec { tv_sec: 5, tv_nsec: 0 };
    eq!(sigtimedwait(bit(SIGUSR1), Some(&mut info), Some(&ts)), SIGUSR1 as isize);
    // SAFETY: as above.
    eq!(unsafe { si_pid(info.as_ptr()) }, pid as i32);
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(HITS.load(SeqCst), 1);
    // A waited-for signal that is not blocked is taken by the call too, not delivered
    // (as Linux's do_sigtimedwait dequeues it).
    eq!(sigprocmask(SIG_SETMASK, Some(0)), Ok(bit(SIGUSR1)));
    let pid = fork();
    if pid == 0 {
        sleep_ms(10);
        kill(parent, SIGUSR1);
        exit(0);
    }
    eq!(sigtimedwait(bit(SIGUSR1), None, Some(&ts)), SIGUSR1 as isize);
    eq!(HITS.load(SeqCst), 1);
    eq!(waitpid(pid, &mut st, 0), pid);
}

/// A signal interrupts a blocking read: EINTR without SA_RESTART, the read goes on with
/// it; nanosleep returns EINTR either way.
fn t_sig_restart() {
    let parent = getpid();
    for restart in [false, true] {
        reset();
        eq!(set_handler(SIGUSR1, record, if restart { SA_RESTART } else { 0 }, 0), 0);
        let mut p = [0i32; 2];
        eq!(pipe(&mut p), 0);
        let pid = fork();
        if pid == 0 {
            sleep_ms(10);
            kill(parent, SIGUSR1);
            sleep_ms(10);
            write(p[1] as usize, b"x");
            exit(0);
        }
        let mut b = [0u8; 4];
        let r = read(p[0] as usize, &mut b);
        eq!(HITS.load(SeqCst), 1);
        if restart {
            eq!(r, 1);
        } else {
            eq!(r, -EINTR);
        }
        let mut st = 0;
        eq!(waitpid(pid, &mut st, 0), pid);
        close(p[0] as usize);
        close(p[1] as usize);
    }
    let pid = fork();
    if pid == 0 {
        sleep_ms(10);
        kill(parent, SIGUSR1);
        exit(0);
    }
    let t0 = now_ns();
    eq!(sleep_ms(5000), -EINTR);
    check!(now_ns() - t0 < 2_000_000_000);
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
}

/// SIGCHLD reaches the parent with the child's pid and status (and interrupts wait4,
/// which SA_RESTART restarts); ignoring it explicitly reaps children at once (wait4 then
/// finds none).
fn t_sig_chld() {
    reset();
    eq!(set_handler(SIGCHLD, record, SA_RESTART, 0), 0);
    let pid = fork();
    if pid == 0 {
        exit(7);
    }
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st, 7 << 8);
    eq!(HITS.load(SeqCst), 1);
    eq!(LAST_SIG.load(SeqCst), SIGCHLD as i32);
    eq!(LAST_CODE.load(SeqCst), CLD_EXITED);
    eq!(LAST_PID.load(SeqCst), pid as i32);
    eq!(LAST_STATUS.load(SeqCst), 7);
    let pid = fork();
    if pid == 0 {
        loop {
            sleep_ms(1000);
        }
    }
    eq!(kill(pid, SIGTERM), 0);
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st, SIGTERM as i32);
    eq!(LAST_CODE.load(SeqCst), CLD_KILLED);
    eq!(LAST_STATUS.load(SeqCst), SIGTERM as i32);
    eq!(set_disposition(SIGCHLD, SIG_IGN), 0);
    let pid = fork();
    if pid == 0 {
        exit(1);
    }
    eq!(waitpid(pid, &mut st, 0), -ECHILD);
}

/// Writing to a pipe without readers: SIGPIPE kills by default; ignored or handled,
/// the write returns EPIPE.
fn t_sig_pipe() {
    let mut p = [0i32; 2];
    eq!(pipe(&mut p), 0);
    close(p[0] as usize);
    let w = p[1] as usize;
    let st = in_child(|| {
        write(w, b"x");
        exit(3);
    });
    eq!(st, SIGPIPE as i32);
    reset();
    eq!(set_handler(SIGPIPE, record, 0, 0), 0);
    eq!(write(w, b"x"), -EPIPE);
    eq!(HITS.load(SeqCst), 1);
    eq!(set_disposition(SIGPIPE, SIG_IGN), 0);
    eq!(write(w, b"x"), -EPIPE);
    eq!(HITS.load(SeqCst), 1);
    close(w);
}

/// Default actions and wait status: terminate (WTERMSIG), a handler that exits, stop and
/// continue, SIGKILL of a stopped process; init cannot be killed.
fn t_sig_kill() {
    let st = in_child(|| {
        raise(SIGUSR2);
        exit(3);
    });
    eq!(st, SIGUSR2 as i32);
    // Core-dumping signals end the process the same way (no core files).
    let st = in_child(|| {
        raise(SIGQUIT);
        exit(3);
    });
    eq!(st, SIGQUIT as i32);
    // A shared counter shows whether a child runs.
    let addr = syscall6(
        nr::MMAP,
        0,
        4096,
        abi::mman::PROT_READ | abi::mman::PROT_WRITE,
        abi::mman::MAP_SHARED | abi::mman::MAP_ANONYMOUS,
        usize::MAX,
        0,
    );
    check!(addr > 0);
    let ctr = addr as usize as *mut u64;
    let pid = fork();
    if pid == 0 {
        loop {
            // SAFETY: the shared page mapped above.
            unsafe { core::ptr::write_volatile(ctr, core::ptr::read_volatile(ctr) + 1) };
        }
    }
    sleep_ms(5);
    // wait4 reports the stop (WUNTRACED) and the continue (WCONTINUED), once each.
    let mut st = 0;
    eq!(kill(pid, SIGSTOP), 0);
    eq!(waitpid(pid, &mut st, WUNTRACED), pid);
    eq!(st, stopped_status(SIGSTOP as i32));
    eq!(waitpid(pid, &mut st, WUNTRACED | WNOHANG), 0);
    // SAFETY: as above.
    let a = unsafe { core::ptr::read_volatile(ctr) };
    sleep_ms(20);
    let b = unsafe { core::ptr::read_volatile(ctr) };
    eq!(a, b);
    eq!(kill(pid, SIGCONT), 0);
    eq!(waitpid(pid, &mut st, WCONTINUED), pid);
    eq!(st, CONTINUED_STATUS);
    eq!(waitpid(pid, &mut st, WCONTINUED | WNOHANG), 0);
    sleep_ms(20);
    let c = unsafe { core::ptr::read_volatile(ctr) };
    check!(c > b);
    eq!(kill(pid, SIGSTOP), 0);
    eq!(waitpid(pid, &mut st, WUNTRACED), pid);
    eq!(kill(pid, SIGKILL), 0);
    // pid 0: a child in the caller's process group.
    eq!(waitpid(0, &mut st, 0), pid);
    eq!(st, SIGKILL as i32);
    munmap(addr as usize, 4096);
    eq!(kill(1, SIGKILL), -EPERM);
    eq!(kill(1, SIGSTOP), -EPERM);
    eq!(kill(1, SIGTERM), 0);
    eq!(kill(99999, SIGTERM), -ESRCH);
}

/// Faults become signals: a handler sees si_addr and SEGV_MAPERR / SEGV_ACCERR (or
/// SIGBUS/BUS_ADRERR past the end of a file mapping) and can resume past the
/// instruction; illegal instructions give SIGILL, ebreak SIGTRAP.
fn t_sig_segv() {
    reset();
    eq!(set_handler(SIGSEGV, skip_fault, 0, 0), 0);
    store4(UNMAPPED + 8);
    eq!(HITS.load(SeqCst), 1);
    eq!(LAST_SIG.load(SeqCst), SIGSEGV as i32);
    eq!(LAST_CODE.load(SeqCst), SEGV_MAPERR);
    eq!(LAST_ADDR.load(SeqCst), (UNMAPPED + 8) as u64);
    let ro = syscall6(
        nr::MMAP,
        0,
        4096,
        abi::mman::PROT_READ,
        abi::mman::MAP_PRIVATE | abi::mman::MAP_ANONYMOUS,
        usize::MAX,
        0,
    );
    check!(ro > 0);
    store4(ro as usize + 16);
    eq!(HITS.load(SeqCst), 2);
    eq!(LAST_CODE.load(SeqCst), SEGV_ACCERR);
    eq!(LAST_ADDR.load(SeqCst), ro as u64 + 16);
    munmap(ro as usize, 4096);
    // Past the end of a file mapping: SIGBUS, BUS_ADRERR, at the address.
    let fd = open("/t_sigbus", abi::fcntl::O_RDWR | abi::fcntl::O_CREAT | abi::fcntl::O_TRUNC);
    check!(fd >= 0);
    eq!(write(fd as usize, &[7u8; 100]), 100);
    let fm = mmap(0, 2 * 4096, abi::mman::PROT_READ, abi::mman::MAP_PRIVATE, fd as usize, 0);
    check!(fm > 0);
    eq!(set_handler(SIGBUS, skip_fault, 0, 0), 0);
    load4(fm as usize + 4096 + 24);
    eq!(LAST_SIG.load(SeqCst), SIGBUS as i32);
    eq!(LAST_CODE.load(SeqCst), BUS_ADRERR);
    eq!(LAST_ADDR.load(SeqCst), fm as u64 + 4096 + 24);
    munmap(fm as usize, 2 * 4096);
    close(fd as usize);
    eq!(unlink("/t_sigbus"), 0);
    eq!(set_handler(SIGILL, skip_fault, 0, 0), 0);
    // SAFETY: an illegal (all-ones csr write to a read-only CSR) 4-byte instruction,
    // skipped by the handler.
    unsafe { core::arch::asm!(".option push", ".option norvc", "csrw cycle, zero", ".option pop") };
    eq!(LAST_SIG.load(SeqCst), SIGILL as i32);
    eq!(LAST_CODE.load(SeqCst), ILL_ILLOPC);
    eq!(set_handler(SIGTRAP, skip_fault, 0, 0), 0);
    // SAFETY: a 4-byte ebreak, skipped by the handler.
    unsafe { core::arch::asm!(".option push", ".option norvc", "ebreak", ".option pop") };
    eq!(LAST_SIG.load(SeqCst), SIGTRAP as i32);
    eq!(LAST_CODE.load(SeqCst), TRAP_BRKPT);
    // A fault while its signal is blocked kills (Linux force_sig), as does an unhandled one.
    let st = in_child(|| {
        sigprocmask(SIG_BLOCK, Some(bit(SIGSEGV))).ok();
        store4(UNMAPPED);
        exit(3);
    });
    eq!(st, SIGSEGV as i32);
}

/// A frame that cannot be written (sp points at unmapped memory) kills with SIGSEGV.
fn t_sig_badstack() {
    let st = in_child(|| {
        set_handler(SIGUSR1, record, 0, 0);
        let me = getpid();
        // SAFETY: the process dies in the ecall's signal delivery; nothing uses sp after.
        unsafe {
            core::arch::asm!(
                "mv sp, {bad}", "ecall",
                bad = in(reg) UNMAPPED + 0x10000,
                in("a0") me, in("a1") me, in("a2") SIGUSR1, in("a7") nr::TGKILL,
            );
        }
        exit(3);
    });
    eq!(st, SIGSEGV as i32);
}

const ALT_LEN: u64 = 16384;
static ALT_HIT: AtomicU64 = AtomicU64::new(0);
static ALT_FLAGS: AtomicU64 = AtomicU64::new(0);

extern "C" fn on_alt(_sig: i32, _info: *mut u8, _uc: *mut u8) {
    let x = 0u8;
    ALT_HIT.store(&x as *const u8 as u64, SeqCst);
    let mut old = StackT::default();
    sigaltstack(None, Some(&mut old));
    ALT_FLAGS.store(old.flags as u64, SeqCst);
}

/// Turns the alternate stack off through the saved uc_stack.
extern "C" fn alt_off(_sig: i32, _info: *mut u8, uc: *mut u8) {
    // SAFETY: uc_stack points into the kernel-provided ucontext.
    unsafe { (*uc_stack(uc)).flags = SS_DISABLE };
}

/// SA_ONSTACK handlers run on the alternate stack, which reports SS_ONSTACK meanwhile;
/// the return applies the uc_stack the handler leaves.
fn t_sig_altstack() {
    let m = mmap_anon(ALT_LEN as usize);
    check!(m > 0);
    let base = m as u64;
    let ss = StackT { sp: base, flags: 0, pad: 0, size: ALT_LEN };
    let small = StackT { size: 1024, ..ss };
    eq!(sigaltstack(Some(&small), None), -ENOMEM);
    eq!(sigaltstack(Some(&ss), None), 0);
    let mut old = StackT::default();
    eq!(sigaltstack(None, Some(&mut old)), 0);
    eq!(old, ss);
    eq!(set_handler(SIGUSR1, on_alt, SA_ONSTACK, 0), 0);
    eq!(raise(SIGUSR1), 0);
    let x = ALT_HIT.load(SeqCst);
    check!(x >= base && x < base + ALT_LEN);
    eq!(ALT_FLAGS.load(SeqCst), SS_ONSTACK as u64);
    eq!(set_handler(SIGUSR2, alt_off, 0, 0), 0);
    eq!(raise(SIGUSR2), 0);
    eq!(sigaltstack(None, Some(&mut old)), 0);
    eq!(old.flags, SS_DISABLE);
    eq!(sigaltstack(Some(&ss), None), 0);
    let off = StackT { flags: SS_DISABLE, ..StackT::default() };
    eq!(sigaltstack(Some(&off), None), 0);
    eq!(sigaltstack(None, Some(&mut old)), 0);
    eq!(old.flags, SS_DISABLE);
}

/// Process groups and sessions: setpgid/getpgid/getsid/setsid, kill of a group, the
/// console's foreground group.
fn t_sig_pgrp() {
    let me = getpid();
    let pg = getpgid(0);
    check!(pg > 0);
    eq!(getpgid(me), pg);
    check!(getsid(0) > 0);
    eq!(getpgid(99999), -ESRCH);
    let pid = fork();
    if pid == 0 {
        // A new session: its own group and session.
        if setsid() != getpid() || getpgid(0) != getpid() || getsid(0) != getpid() {
            exit(3);
        }
        if setsid() != -EPERM {
            exit(4);
        }
        exit(0);
    }
    let mut st = 0;
    eq!(waitpid(pid, &mut st, 0), pid);
    eq!(st, 0);
    // Two children in a new group die by one kill of the group.
    let a = fork();
    if a == 0 {
        loop {
            sleep_ms(1000);
        }
    }
    eq!(setpgid(a, a), 0);
    let b = fork();
    if b == 0 {
        loop {
            sleep_ms(1000);
        }
    }
    eq!(setpgid(b, a), 0);
    eq!(getpgid(b), a);
    eq!(setpgid(b, 99999), -EPERM);
    eq!(setpgid(1, 1), -ESRCH);
    eq!(setpgid(0, -1), -EINVAL);
    eq!(kill(-a, SIGTERM), 0);
    eq!(waitpid(a, &mut st, 0), a);
    eq!(st, SIGTERM as i32);
    eq!(waitpid(b, &mut st, 0), b);
    eq!(st, SIGTERM as i32);
    eq!(kill(-a, SIGTERM), -ESRCH);
    // The console reports a foreground group; a pipe is not a terminal.
    check!(tcgetpgrp(0) > 0 || tcgetpgrp(0) == -ENOTTY);
    let mut p = [0i32; 2];
    eq!(pipe(&mut p), 0);
    eq!(tcgetpgrp(p[0] as usize), -ENOTTY);
    close(p[0] as usize);
    close(p[1] as usize);
}

/// Bad signal numbers, sizes and flags are EINVAL; bad pointers EFAULT.
fn t_sig_errors() {
    let a = SigAction { handler: SIG_IGN, flags: 0, mask: 0 };
    let ap = &a as *const SigAction as usize;
    eq!(syscall6(nr::RT_SIGACTION, 0, ap, 0, 8, 0, 0), -EINVAL);
    eq!(syscall6(nr::RT_SIGACTION, 65, ap, 0, 8, 0, 0), -EINVAL);
    eq!(syscall6(nr::RT_SIGACTION, SIGKILL, ap, 0, 8, 0, 0), -EINVAL);
    eq!(syscall6(nr::RT_SIGACTION, SIGSTOP, ap, 0, 8, 0, 0), -EINVAL);
    eq!(syscall6(nr::RT_SIGACTION, SIGKILL, 0, 0, 8, 0, 0), 0);
    eq!(syscall6(nr::RT_SIGACTION, SIGUSR1, ap, 0, 4, 0, 0), -EINVAL);
    eq!(syscall6(nr::RT_SIGACTION, SIGUSR1, UNMAPPED, 0, 8, 0, 0), -EFAULT);
    eq!(syscall6(nr::RT_SIGACTION, SIGUSR1, 0, UNMAPPED, 8, 0, 0), -EFAULT);
    let set = 0u64;
    let sp = &set as *const u64 as usize;
    eq!(syscall6(nr::RT_SIGPROCMASK, 7, sp, 0, 8, 0, 0), -EINVAL);
    eq!(syscall6(nr::RT_SIGPROCMASK, SIG_BLOCK, sp, 0, 16, 0, 0), -EINVAL);
    eq!(syscall6(nr::RT_SIGPROCMASK, SIG_BLOCK, UNMAPPED, 0, 8, 0, 0), -EFAULT);
    eq!(syscall6(nr::RT_SIGPROCMASK, SIG_BLOCK, 0, UNMAPPED, 8, 0, 0), -EFAULT);
    eq!(syscall(nr::RT_SIGPENDING, UNMAPPED, 8, 0), -EFAULT);
    eq!(syscall(nr::RT_SIGSUSPEND, UNMAPPED, 8, 0), -EFAULT);
    eq!(syscall(nr::RT_SIGSUSPEND, sp, 4, 0), -EINVAL);
    eq!(syscall6(nr::RT_SIGTIMEDWAIT, UNMAPPED, 0, 0, 8, 0, 0), -EFAULT);
    let bad = abi::Timespec { tv_sec: 0, tv_nsec: 2_000_000_000 };
    eq!(syscall6(nr::RT_SIGTIMEDWAIT, sp, 0, &bad as *const _ as usize, 8, 0, 0), -EINVAL);
    eq!(syscall(nr::SIGALTSTACK, UNMAPPED, 0, 0), -EFAULT);
    eq!(syscall(nr::SIGALTSTACK, 0, UNMAPPED, 0), -EFAULT);
    let me = getpid();
    eq!(kill(me, 65), -EINVAL);
    eq!(kill(me, usize::MAX), -EINVAL);
    eq!(tgkill(me, me, 65), -EINVAL);
    eq!(tgkill(0, me, SIGUSR1), -EINVAL);
    eq!(tgkill(me, me + 1000, SIGUSR1), -ESRCH);
    eq!(tgkill(me, me, 0), 0);
    eq!(syscall(nr::TKILL, me as usize, 0, 0), 0);
    eq!(syscall(nr::TKILL, 0, SIGUSR1, 0), -EINVAL);
}

pub const TESTS: &[(&str, fn())] = &[
    ("sig_handler", t_sig_handler),
    ("sig_mask", t_sig_mask),
    ("sig_suspend", t_sig_suspend),
    ("sig_restart", t_sig_restart),
    ("sig_chld", t_sig_chld),
    ("sig_pipe", t_sig_pipe),
    ("sig_kill", t_sig_kill),
    ("sig_segv", t_sig_segv),
    ("sig_badstack", t_sig_badstack),
    ("sig_altstack", t_sig_altstack),
    ("sig_pgrp", t_sig_pgrp),
    ("sig_errors", t_sig_errors),
];
