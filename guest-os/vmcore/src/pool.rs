//! Global versus per-process replacement: *whose* page is evicted on a fault.
//!
//! The replacement policy ([`crate::replace`]) ranks pages by recent use; this module
//! decides which pages it may choose from:
//!
//! * **Global** (traditional UNIX): all resident pages of all processes form one pool. The
//!   victim is simply the policy's choice. Flexible: a process that needs more memory
//!   takes it from idle ones. Risky: a busy process can steal the working set of one that
//!   is about to run, and thrashing spreads.
//! * **Per-process** (Windows' working sets): each process has a minimum and a maximum
//!   resident size (Win32 `SetProcessWorkingSetSize`). A process at its maximum replaces
//!   its own pages only; a process below its maximum takes a free frame, or, when there is
//!   none, a page from some *other* process that is over its maximum (its limit was
//!   lowered), else one above its minimum. A process is never
//!   pushed below its minimum by others. Processes are isolated from each other, at the
//!   cost of memory that one process leaves idle while another faults.
//!
//! The kernel applies these rules to its process table (`guest-os/src/mm/wset.rs`, where
//! each address space counts its resident pages) and switches [`Mode`] at run time
//! (`vm.scope=`, `RVSIM_VMCTL`). A model of the whole table, with the accounting contract
//! spelled out, is host-test code: `vmcore/tests/model/pool.rs`.

/// Which pages a fault may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One shared pool.
    Global,
    /// Working sets with min/max limits.
    PerProcess,
}
