//! Processes and the scheduler: the process table, round-robin scheduling (a timer tick
//! preempts a process running in U-mode), sleep/wakeup on channels (a pending signal
//! ends a sleep: [`interrupted`]), fork, exit (SIGCHLD to the parent), wait4 and kill.
//!
//! Each process is a table slot (which is also its `arch` slot: kernel stack, trap frame,
//! context, FP area) plus a [`Task`]: its address space, descriptors and cwd. The task is
//! locked by the process's own kernel thread while it handles a trap, and by the page
//! evictor (`mm/swap/out.rs`, `mm/reclaim.rs`) when it takes pages of a process that is not running. So a
//! system call never sleeps with the task locked: it returns `Err(block_on(..))`, and
//! `syscall::syscall` sleeps without the lock and runs the call again ([`Wait`]).
//! Everything other processes look at (state, parent, exit status, kill flag) is in the
//! table.
//!
//! Process states: Unused -> Runnable <-> Running -> (Sleeping -> Runnable) -> Zombie ->
//! Unused (reaped by wait4).

use crate::arch::{self, csr, NPROC};
use crate::file::FdTable;
use crate::mm::vm::AddressSpace;
use abi::errno::*;
use abi::signal;
use alloc::sync::Arc;
use spin::Mutex;

/// Scheduling state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Unused,
    Runnable,
    Running,
    Sleeping,
    Zombie,
}

/// What a process owns and only it touches.
pub struct Task {
    pub aspace: AddressSpace,
    pub files: FdTable,
    /// Inode of the current directory.
    pub cwd: u32,
    /// Absolute path of the current directory (for getcwd).
    pub cwd_path: alloc::vec::Vec<u8>,
    /// umask, user and group ids, a poll in progress (`calls/`); inherited by fork.
    pub ext: crate::calls::TaskExt,
}

/// A process-table entry.
pub struct Proc {
    pub pid: i32,
    pub ppid: i32,
    pub state: State,
    /// Sleep channel while Sleeping.
    chan: usize,
    /// Wake-up time (mtime) for timed sleeps, 0 if none.
    wake_at: u64,
    /// Signal that will end this process when it next returns to user space.
    pub killed: Option<i32>,
    /// wait4 status once a Zombie.
    pub xstatus: i32,
    pub name: [u8; 16],
    pub task: Option<Arc<Mutex<Task>>>,
    /// satp of its address space (mode and root; the ASID comes from `asid`).
    pub satp: u64,
    /// Its address space's ASID assignment (mm/asid.rs).
    asid: vmcore::asid::AsidCtx,
    /// Has it used the FP unit (its FP state is saved/restored from then on)?
    pub fp_used: bool,
    /// Resident pages (for ps, the OOM killer and working-set limits of processes
    /// that are not running).
    pub pages: u32,
    /// Working-set limits in pages (`RVSIM_SETWS`, see `mm/wset.rs`): never trimmed
    /// below `ws_min` by other processes; `ws_max` 0 = no explicit maximum.
    pub ws_min: u64,
    pub ws_max: u64,
    /// Swapped out by the thrashing controller (`mm/thrash.rs`): not scheduled until
    /// brought back (or killed).
    pub suspended: bool,
}

const EMPTY: Proc = Proc {
    pid: 0,
    ppid: 0,
    state: State::Unused,
    chan: 0,
    wake_at: 0,
    killed: None,
    xstatus: 0,
    name: [0; 16],
    task: None,
    satp: 0,
    asid: vmcore::asid::AsidCtx::NONE,
    fp_used: false,
    pages: 0,
    ws_min: 0,
    ws_max: 0,
    suspended: false,
};

struct Table {
    procs: [Proc; NPROC],
    current: Option<usize>,
    next_pid: i32,
    /// Slot after the one last scheduled (round robin).
    next: usize,
    /// The kernel-only satp used while idle.
    kernel_satp: u64,
    /// Slot whose FP registers are in the FP register file.
    fp_owner: Option<usize>,
    ticks: u64,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    procs: [EMPTY; NPROC],
    current: None,
    next_pid: 1,
    next: 0,
    kernel_satp: 0,
    fp_owner: None,
    ticks: 0,
});

/// Sleep channel base for "a child of pid P changed state".
const WAIT_CHAN: usize = 0x1000_0000;
/// Sleep channel for timed sleeps.
const TIMER_CHAN: usize = 2;
/// Sleep channel of poll/select (`calls/poll.rs`): woken by every [`wakeup`] and every
/// tick, after which the call looks at its descriptors (and its deadline) again.
pub const POLL_CHAN: usize = 3;

/// What a blocked system call waits for (see [`block_on`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// A [`wakeup`] of this channel; then the call runs again.
    Chan(usize),
    /// mtime reaching this deadline; then the call has completed (nanosleep).
    Until(u64),
    /// A [`wakeup`] of this channel or mtime reaching the deadline, whichever comes
    /// first; then the call runs again (rt_sigtimedwait).
    ChanUntil(usize, u64),
}

/// A blocked system call: what it waits for and how many bytes it already transferred
/// (a write to a full pipe continues where it stopped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub wait: Wait,
    pub done: usize,
}

/// Kernel-internal "sleep and restart" error (never returned to user space; Linux calls
/// its equivalent ERESTARTSYS).
pub const ERESTART: isize = 512;

/// The block the current system call registered (one hart, non-preemptive kernel: one
/// system call is in progress at a time).
static BLOCKED: Mutex<Option<Blocked>> = Mutex::new(None);

/// Registers that the current system call must wait for `wait` after transferring
/// `done` bytes; returns [`ERESTART`] for it to return as its error.
pub fn block_on(wait: Wait, done: usize) -> isize {
    *BLOCKED.lock() = Some(Blocked { wait, done });
    ERESTART
}

/// Adds `n` bytes transferred before the call reached the block registered by
/// [`block_on`] (a write's earlier chunks); returns [`ERESTART`].
pub fn block_after(n: usize) -> isize {
    if let Some(b) = BLOCKED.lock().as_mut() {
        b.done += n;
    }
    ERESTART
}

/// Takes the block registered by [`block_on`].
pub fn take_block() -> Option<Blocked> {
    BLOCKED.lock().take()
}

/// Records the kernel's satp (installed while no process runs).
pub fn init(kernel_satp: u64) {
    TABLE.lock().kernel_satp = kernel_satp;
}

/// The current process's slot (panics outside a process: a kernel bug).
pub fn current_slot() -> usize {
    TABLE.lock().current.expect("no current process")
}

/// The current process's pid.
pub fn current_pid() -> i32 {
    let t = TABLE.lock();
    t.procs[t.current.expect("no current process")].pid
}

/// The current process's pid, or `None` outside a process (boot, before init runs).
pub fn try_current_pid() -> Option<i32> {
    let t = TABLE.lock();
    t.current.map(|i| t.procs[i].pid)
}

/// The current process's task.
pub fn current_task() -> Arc<Mutex<Task>> {
    let t = TABLE.lock();
    t.procs[t.current.expect("no current process")].task.clone().expect("current process has no task")
}

/// The task of live process `pid` (for the VM introspection calls), if any.
pub fn task_of(pid: i32) -> Option<Arc<Mutex<Task>>> {
    let t = TABLE.lock();
    t.procs.iter().find(|p| p.pid == pid && p.state != State::Unused && p.state != State::Zombie)?.task.clone()
}

/// (pid, satp, task) of every live process (not a zombie), for the page evictor and
/// the OOM killer (`mm/swap/out.rs`, `mm/reclaim.rs`).
pub fn vm_owners() -> alloc::vec::Vec<(i32, u64, Arc<Mutex<Task>>)> {
    let t = TABLE.lock();
    let mut v = alloc::vec::Vec::new();
    for p in t.procs.iter().filter(|p| p.state != State::Unused && p.state != State::Zombie) {
        if let Some(task) = &p.task {
            if v.try_reserve(1).is_ok() {
                v.push((p.pid, p.satp, task.clone()));
            }
        }
    }
    v
}

/// Resident pages of `pid` as last recorded in the table (for the OOM killer).
pub fn pages_of(pid: i32) -> u64 {
    let t = TABLE.lock();
    t.procs.iter().find(|p| p.pid == pid).map(|p| p.pages as u64).unwrap_or(0)
}

/// Runs `f` on the current process's table entry.
pub fn with_current<R>(f: impl FnOnce(&mut Proc) -> R) -> R {
    let mut t = TABLE.lock();
    let i = t.current.expect("no current process");
    f(&mut t.procs[i])
}

/// Has the current process been killed?
pub fn killed() -> bool {
    with_current(|p| p.killed.is_some())
}

/// Timer ticks since boot.
pub fn ticks() -> u64 {
    TABLE.lock().ticks
}

/// Sets a process name from a path's last component.
pub fn name_from(path: &[u8]) -> [u8; 16] {
    let base = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
    let mut n = [0u8; 16];
    let k = base.len().min(15);
    n[..k].copy_from_slice(&base[..k]);
    n
}

/// Creates a process with `task`, `satp` and a trap frame set by `setup`; returns its pid.
/// Errors: EAGAIN when the table is full.
pub fn spawn(
    task: Task,
    name: [u8; 16],
    ppid: i32,
    fp_used: bool,
    setup: impl FnOnce(usize, &mut arch::trap::TrapFrame),
) -> Result<i32, isize> {
    let satp = task.aspace.satp();
    let pages = task.aspace.pages as u32;
    let mut t = TABLE.lock();
    let slot = t.procs.iter().position(|p| p.state == State::Unused).ok_or(EAGAIN)?;
    let pid = t.next_pid;
    t.next_pid += 1;
    arch::trap::init_context(slot);
    arch::trap::with_trapframe(slot, |tf| {
        let ksp = tf.kernel_sp;
        setup(slot, tf);
        tf.kernel_sp = ksp;
    });
    t.procs[slot] = Proc {
        pid,
        ppid,
        state: State::Runnable,
        chan: 0,
        wake_at: 0,
        killed: None,
        xstatus: 0,
        name,
        task: Some(Arc::new(Mutex::new(task))),
        satp,
        asid: vmcore::asid::AsidCtx::NONE,
        fp_used,
        pages,
        ws_min: 0,
        ws_max: 0,
        suspended: false,
    };
    drop(t);
    crate::signal::on_spawn(slot, pid);
    Ok(pid)
}

/// The scheduler loop (on the boot stack): picks runnable processes round robin; when
/// none is runnable, polls the timer and console and waits for an interrupt.
pub fn scheduler() -> ! {
    loop {
        let sip = csr::sip();
        if sip & csr::SIP_SSIP != 0 {
            csr::clear_ssip();
            tick();
        }
        if sip & csr::SIP_STIP != 0 && crate::time::stip_ticks() {
            crate::time::arm_tick();
            tick();
        }
        crate::console::poll();
        let next = {
            let mut t = TABLE.lock();
            let start = t.next;
            // A process the thrashing controller swapped out waits (unless killed: it
            // must run to exit and free its memory).
            let found = (0..NPROC).map(|k| (start + k) % NPROC).find(|&i| {
                let p = &t.procs[i];
                p.state == State::Runnable && (!p.suspended || p.killed.is_some())
            });
            if let Some(i) = found {
                t.procs[i].state = State::Running;
                t.current = Some(i);
                t.next = (i + 1) % NPROC;
                let p = &mut t.procs[i];
                crate::mm::asid::switch_to(&mut p.asid, p.satp);
            }
            found
        };
        match next {
            Some(i) => {
                arch::trap::switch_to_proc(i);
                // The process's table stays in satp: every table maps the kernel, and
                // with ASIDs its TLB entries survive until it runs again.
                TABLE.lock().current = None;
            }
            None => csr::wfi(),
        }
    }
}

/// Gives up the CPU: back to the scheduler, saving FP state if the process dirtied it.
fn sched(slot: usize) {
    arch::trap::fp_save_if_dirty(slot);
    arch::trap::switch_to_scheduler(slot);
}

/// Lets other processes run (timer preemption, sched_yield).
pub fn yield_now() {
    let slot = {
        let mut t = TABLE.lock();
        let i = t.current.expect("no current process");
        t.procs[i].state = State::Runnable;
        i
    };
    sched(slot);
}

/// Has the current process been killed, or has it a signal to take (which ends a sleep:
/// the system call returns EINTR or restarts, `signal/deliver.rs`)?
pub fn interrupted() -> bool {
    let slot = current_slot();
    killed() || crate::signal::deliverable(slot)
}

/// Sleeps on `chan` until a [`wakeup`] of it (or a kill or signal): false if
/// [`interrupted`].
pub fn sleep(chan: usize) -> bool {
    sleep_timeout(chan, 0)
}

/// Sleeps on `chan` until a [`wakeup`] of it, mtime reaching `deadline` (0 = none), a
/// kill or a signal: false if [`interrupted`].
pub fn sleep_timeout(chan: usize, deadline: u64) -> bool {
    if interrupted() {
        return false;
    }
    let slot = {
        let mut t = TABLE.lock();
        let i = t.current.expect("no current process");
        t.procs[i].state = State::Sleeping;
        t.procs[i].chan = chan;
        t.procs[i].wake_at = deadline;
        i
    };
    sched(slot);
    !interrupted()
}

/// Sleeps on `chan` until a [`wakeup`] of it or a kill, whatever signals are pending (a
/// stopped process waiting for SIGCONT).
pub fn sleep_uninterruptible(chan: usize) {
    let slot = {
        let mut t = TABLE.lock();
        let i = t.current.expect("no current process");
        if t.procs[i].killed.is_some() {
            return;
        }
        t.procs[i].state = State::Sleeping;
        t.procs[i].chan = chan;
        t.procs[i].wake_at = 0;
        i
    };
    sched(slot);
}

/// Makes process `slot` runnable if it sleeps (a signal for it arrived).
pub fn interrupt(slot: usize) {
    let mut t = TABLE.lock();
    if t.procs[slot].state == State::Sleeping {
        t.procs[slot].state = State::Runnable;
        t.procs[slot].wake_at = 0;
    }
}

/// The slot of live process `pid` (not a zombie).
pub fn slot_of(pid: i32) -> Option<usize> {
    let t = TABLE.lock();
    t.procs.iter().position(|p| p.pid == pid && p.state != State::Unused && p.state != State::Zombie)
}

/// (slot, pid, ppid) of every live process (not a zombie).
pub fn live_slots() -> alloc::vec::Vec<(usize, i32, i32)> {
    let t = TABLE.lock();
    let mut v = alloc::vec::Vec::new();
    for (i, p) in t.procs.iter().enumerate() {
        if p.state != State::Unused && p.state != State::Zombie && v.try_reserve(1).is_ok() {
            v.push((i, p.pid, p.ppid));
        }
    }
    v
}

/// Marks process `slot` to die by `sig` and wakes it (SIGKILL and its kin).
pub fn set_killed(slot: usize, sig: i32) {
    {
        let mut t = TABLE.lock();
        t.procs[slot].killed.get_or_insert(sig);
    }
    interrupt(slot);
}

/// Forgets that `slot`'s FP registers are in the register file (sigreturn rewrote its
/// saved state): the return to user mode loads them again.
pub fn fp_invalidate(slot: usize) {
    let mut t = TABLE.lock();
    if t.fp_owner == Some(slot) {
        t.fp_owner = None;
    }
}

/// Sleeps until mtime reaches `deadline` (or a kill or signal): false if [`interrupted`].
pub fn sleep_until(deadline: u64) -> bool {
    loop {
        if crate::time::now() >= deadline {
            return true;
        }
        if !sleep_timeout(TIMER_CHAN, deadline) {
            return false;
        }
    }
}

/// Wakes `ppid` if it waits in wait4 for a child's change of state (a child stopped or
/// continued: `signal/`).
pub fn wake_waiter(ppid: i32) {
    wakeup(WAIT_CHAN + ppid as usize);
}

/// Makes every process sleeping on `chan` runnable.
pub fn wakeup(chan: usize) {
    let mut t = TABLE.lock();
    for p in t.procs.iter_mut() {
        if p.state == State::Sleeping && (p.chan == chan || p.chan == POLL_CHAN) {
            p.state = State::Runnable;
        }
    }
}

/// A timer tick: wakes timed sleepers that are due, then lets the pager age pages and
/// the thrashing controller decide (`mm/reclaim.rs`, `mm/thrash.rs`).
pub fn tick() {
    let now = crate::time::now();
    let ticks = {
        let mut t = TABLE.lock();
        t.ticks += 1;
        for p in t.procs.iter_mut() {
            if p.state == State::Sleeping && p.wake_at != 0 && p.wake_at <= now {
                p.state = State::Runnable;
                p.wake_at = 0;
            }
            if p.state == State::Sleeping && p.chan == POLL_CHAN {
                p.state = State::Runnable;
            }
        }
        t.ticks
    };
    crate::mm::tick(ticks, now);
}

/// Number of live processes (not zombies).
pub fn live_count() -> usize {
    TABLE.lock().procs.iter().filter(|p| p.state != State::Unused && p.state != State::Zombie).count()
}

fn with_live<R>(pid: i32, f: impl FnOnce(&mut Proc) -> R) -> Option<R> {
    let mut t = TABLE.lock();
    t.procs.iter_mut().find(|p| p.pid == pid && p.state != State::Unused && p.state != State::Zombie).map(f)
}

/// Is `pid` runnable or running (not asleep, not a zombie)?
pub fn is_active(pid: i32) -> bool {
    with_live(pid, |p| matches!(p.state, State::Runnable | State::Running)).unwrap_or(false)
}

/// (ws_min, ws_max, resident pages) of live process `pid`.
pub fn ws_of(pid: i32) -> Option<(u64, u64, u64)> {
    with_live(pid, |p| (p.ws_min, p.ws_max, p.pages as u64))
}

/// Sets the working-set limits of live process `pid`; ESRCH if there is none.
pub fn set_ws(pid: i32, min: u64, max: u64) -> Result<(), isize> {
    with_live(pid, |p| {
        p.ws_min = min;
        p.ws_max = max;
    })
    .ok_or(ESRCH)
}

/// Records the resident page count of `pid` (after the evictor took its pages).
pub fn set_pages(pid: i32, pages: usize) {
    with_live(pid, |p| p.pages = pages as u32);
}

/// Marks `pid` swapped out (not scheduled) or back in; false if it is not alive.
pub fn set_suspended(pid: i32, on: bool) -> bool {
    with_live(pid, |p| p.suspended = on).is_some()
}

/// First schedule of a new process: straight to user mode.
pub fn first_run() -> ! {
    let slot = current_slot();
    if let Some(sig) = with_current(|p| p.killed) {
        exit(signal::signal_status(sig));
    }
    arch::trap::with_trapframe(slot, crate::signal::deliver);
    crate::trap::before_user_return();
    arch::trap::return_to_user(slot)
}

/// Marks that the current process now uses the FP unit.
pub fn set_fp_used(v: bool) {
    let mut t = TABLE.lock();
    let i = t.current.expect("no current process");
    t.procs[i].fp_used = v;
    if !v && t.fp_owner == Some(i) {
        t.fp_owner = None;
    }
}

/// (fp_used, whether this slot's registers are loaded), and marks the slot as owner.
pub fn take_fp_ownership(slot: usize) -> (bool, bool) {
    let mut t = TABLE.lock();
    let used = t.procs[slot].fp_used;
    if !used {
        return (false, false);
    }
    let loaded = t.fp_owner == Some(slot);
    t.fp_owner = Some(slot);
    (true, loaded)
}

/// exec: installs the new address space `satp` for the current process with a new ASID
/// (the old one is released and flushed); the old table must still be allocated.
pub fn replace_aspace(satp: u64) {
    let mut t = TABLE.lock();
    let i = t.current.expect("no current process");
    t.procs[i].satp = satp;
    crate::mm::asid::replace(&mut t.procs[i].asid, satp);
}

/// Updates the current process's satp, name and page count after exec/brk/mmap.
pub fn update_current(satp: Option<u64>, name: Option<[u8; 16]>, pages: usize) {
    let mut t = TABLE.lock();
    let i = t.current.expect("no current process");
    if let Some(s) = satp {
        t.procs[i].satp = s;
    }
    if let Some(n) = name {
        t.procs[i].name = n;
    }
    t.procs[i].pages = pages as u32;
}

/// fork: a copy of the current process whose trap frame returns 0. Errors: ENOMEM
/// (address space copy), EAGAIN (table full).
/// With `child_tid`, the child's pid is stored there in the child's memory
/// (`CLONE_CHILD_SETTID`).
pub fn fork(task: &mut Task, tf: &arch::trap::TrapFrame, child_tid: Option<u64>) -> Result<i32, isize> {
    let mut aspace = task.aspace.fork()?;
    if let Some(ptr) = child_tid {
        // One hart and a non-preemptive kernel: the pid `spawn` assigns next is this one.
        let pid = TABLE.lock().next_pid;
        aspace.copy_out(ptr, &pid.to_le_bytes())?;
    }
    let mut cwd_path = alloc::vec::Vec::new();
    cwd_path.try_reserve(task.cwd_path.len()).map_err(|_| ENOMEM)?;
    cwd_path.extend_from_slice(&task.cwd_path);
    let child = Task { aspace, files: task.files.clone(), cwd: task.cwd, cwd_path, ext: task.ext.fork() };
    let (ppid, name, fp_used, slot, ws) = {
        let t = TABLE.lock();
        let i = t.current.expect("no current process");
        (t.procs[i].pid, t.procs[i].name, t.procs[i].fp_used, i, (t.procs[i].ws_min, t.procs[i].ws_max))
    };
    // The child starts from the parent's FP registers as they are now.
    arch::trap::fp_save_if_dirty(slot);
    let parent_tf = *tf;
    let pid = spawn(child, name, ppid, fp_used, |cslot, ctf| {
        *ctf = parent_tf;
        ctf.regs[arch::trap::reg::A0] = 0;
        arch::trap::fp_copy(slot, cslot);
    })?;
    // The child inherits the working-set limits, as it inherits resource limits.
    let _ = set_ws(pid, ws.0, ws.1);
    if let Some(cslot) = slot_of(pid) {
        crate::signal::on_fork(slot, cslot);
    }
    Ok(pid)
}

/// Ends the current process with wait status `status`; never returns. The caller must
/// hold no lock and no reference to the task.
pub fn exit(status: i32) -> ! {
    let (slot, task) = {
        let mut t = TABLE.lock();
        let i = t.current.expect("no current process");
        if t.procs[i].pid == 1 {
            drop(t);
            panic!("init exited (status {status:#x})");
        }
        let kernel_satp = t.kernel_satp;
        t.procs[i].satp = kernel_satp;
        crate::mm::asid::leave(&mut t.procs[i].asid, kernel_satp);
        (i, t.procs[i].task.take())
    };
    // Release memory and files (closing pipe ends wakes their peers).
    drop(task);
    let mut t = TABLE.lock();
    let pid = t.procs[slot].pid;
    let ppid = t.procs[slot].ppid;
    let mut orphan_zombie = false;
    for p in t.procs.iter_mut() {
        if p.state != State::Unused && p.ppid == pid {
            p.ppid = 1;
            orphan_zombie |= p.state == State::Zombie;
        }
    }
    if t.fp_owner == Some(slot) {
        t.fp_owner = None;
    }
    t.procs[slot].state = State::Zombie;
    t.procs[slot].xstatus = status;
    t.procs[slot].pages = 0;
    t.procs[slot].suspended = false;
    drop(t);
    crate::mm::thrash::forget(pid);
    // SIGCHLD to the parent; a parent that ignores it explicitly (or SA_NOCLDWAIT) has
    // its children reaped at once (POSIX.1-2001, as Linux does).
    if crate::signal::child_exited(ppid, pid, status) {
        TABLE.lock().procs[slot] = EMPTY;
    }
    wakeup(WAIT_CHAN + ppid as usize);
    if orphan_zombie {
        wakeup(WAIT_CHAN + 1);
    }
    arch::trap::switch_to_scheduler(slot);
    unreachable!("a zombie was scheduled");
}

/// wait4: waits for a child (`pid` = -1 any, > 0 that one, 0 one in the caller's
/// process group, < -1 one in group -pid) to exit, or with WUNTRACED / WCONTINUED to
/// stop / continue; returns (pid, status), or (0, 0) with WNOHANG when none has changed
/// yet. Errors: ECHILD, EINTR, EINVAL (unknown options); [`ERESTART`] to wait
/// (`syscall` sleeps on the parent's wait channel and calls again).
pub fn wait(pid: i32, options: usize) -> Result<(i32, i32), isize> {
    use signal::{WALL, WCLONE, WCONTINUED, WNOHANG, WNOTHREAD, WUNTRACED};
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 || pid == i32::MIN {
        return Err(EINVAL);
    }
    let me = current_pid();
    let group = match pid {
        0 => Some(crate::signal::with(current_slot(), |s| s.pgid)),
        p if p < -1 => Some(-p),
        _ => None,
    };
    {
        let mut t = TABLE.lock();
        let mut have = false;
        for (slot, p) in t.procs.iter_mut().enumerate() {
            if p.state == State::Unused || p.ppid != me || (pid > 0 && p.pid != pid) {
                continue;
            }
            if let Some(g) = group {
                // A zombie keeps its slot's signal state (reset only on reuse).
                if crate::signal::with(slot, |s| s.pgid) != g {
                    continue;
                }
            }
            have = true;
            if p.state == State::Zombie {
                let r = (p.pid, p.xstatus);
                *p = EMPTY;
                return Ok(r);
            }
            if let Some(st) = crate::signal::take_stop_report(slot, options & WUNTRACED != 0, options & WCONTINUED != 0)
            {
                return Ok((p.pid, st));
            }
        }
        if !have {
            return Err(ECHILD);
        }
    }
    if options & signal::WNOHANG != 0 {
        return Ok((0, 0));
    }
    if killed() {
        return Err(EINTR);
    }
    Err(block_on(Wait::Chan(WAIT_CHAN + me as usize), 0))
}

/// Marks process `pid` to die by `sig` at once, whatever its signal actions (the OOM
/// killer's SIGKILL; the kill system call is `signal::calls::kill`). 0 only checks
/// existence. Errors: ESRCH, EINVAL, EPERM (init).
pub fn kill(pid: i32, sig: i32) -> Result<(), isize> {
    if !(0..64).contains(&sig) {
        return Err(EINVAL);
    }
    let mut t = TABLE.lock();
    let p = t
        .procs
        .iter_mut()
        .find(|p| p.pid == pid && p.state != State::Unused && p.state != State::Zombie)
        .ok_or(ESRCH)?;
    if sig == 0 {
        return Ok(());
    }
    // init cannot be killed (Linux ignores such signals to init; its death would panic).
    if pid == 1 {
        return Err(EPERM);
    }
    if p.killed.is_none() {
        p.killed = Some(sig);
    }
    if p.state == State::Sleeping {
        p.state = State::Runnable;
    }
    Ok(())
}

/// Fills `out` with process records; returns how many.
pub fn list(out: &mut [abi::ProcInfo]) -> usize {
    let t = TABLE.lock();
    let mut n = 0;
    for p in t.procs.iter().filter(|p| p.state != State::Unused) {
        if n == out.len() {
            break;
        }
        out[n] = abi::ProcInfo {
            pid: p.pid,
            ppid: p.ppid,
            state: match p.state {
                _ if p.suspended && p.state != State::Zombie => 4,
                State::Runnable | State::Unused => 0,
                State::Running => 1,
                State::Sleeping => 2,
                State::Zombie => 3,
            },
            pages: p.pages,
            name: p.name,
        };
        n += 1;
    }
    n
}
