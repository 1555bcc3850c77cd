//! The rvsim virtual-memory introspection calls (`RVSIM_VMSTAT`, `RVSIM_VMMAP`,
//! `RVSIM_MINCORE`, numbers in `abi::sys`): counters, VMAs and per-page residency of
//! the caller (pid 0) or of another process whose task is not busy in a system call.

use crate::mm::mmap;
use crate::mm::vm::AddressSpace;
use crate::proc::{self, Task};
use abi::errno::*;
use abi::{sys, VmCounters};
use alloc::vec::Vec;

fn push_counters(w: &mut Vec<u64>, c: &VmCounters) {
    w.extend_from_slice(&[
        c.minor_faults,
        c.major_faults,
        c.zero_fills,
        c.cow_copies,
        c.cow_reuses,
        c.stack_growth,
        c.bad_faults,
        c.fork_shared,
    ]);
}

fn words_to_bytes(w: &[u64]) -> Result<Vec<u8>, isize> {
    let mut b = Vec::new();
    b.try_reserve(w.len() * 8).map_err(|_| ENOMEM)?;
    for x in w {
        b.extend_from_slice(&x.to_le_bytes());
    }
    Ok(b)
}

/// Collects the answer from `a` (the target's address space) as bytes for the caller.
fn answer(n: usize, args: [u64; 6], a: &mut AddressSpace) -> Result<(Vec<u8>, usize), isize> {
    match n {
        sys::RVSIM_VMSTAT => {
            let s = mmap::vmstat(a);
            let mut w = Vec::new();
            w.try_reserve(48).map_err(|_| ENOMEM)?;
            w.extend_from_slice(&[s.free_frames, s.total_frames, s.zero_page_refs, s.cache_pages]);
            push_counters(&mut w, &s.global);
            push_counters(&mut w, &s.proc);
            w.extend_from_slice(&[s.resident, s.shared, s.zero_mapped, s.virt_bytes]);
            w.extend_from_slice(&crate::mm::evict::vmstat_words(a));
            w.extend_from_slice(&crate::mm::swapcache::vmstat_words());
            Ok((words_to_bytes(&w)?, 0))
        }
        sys::RVSIM_VMMAP => {
            let v = mmap::vmmap(a);
            let cap = (args[2] as usize).min(v.len());
            let mut b = Vec::new();
            b.try_reserve(cap * 56).map_err(|_| ENOMEM)?;
            for r in &v[..cap] {
                b.extend_from_slice(&r.start.to_le_bytes());
                b.extend_from_slice(&r.end.to_le_bytes());
                for x in [r.prot, r.flags, r.kind, r.inum] {
                    b.extend_from_slice(&x.to_le_bytes());
                }
                for x in [r.offset, r.resident, r.shared] {
                    b.extend_from_slice(&x.to_le_bytes());
                }
            }
            Ok((b, v.len()))
        }
        _ => {
            let (start, len) = (args[1], args[2]);
            if !start.is_multiple_of(crate::mm::PAGE_SIZE) || start.checked_add(len).is_none() {
                return Err(EINVAL);
            }
            let pages = (crate::mm::page_up(len) / crate::mm::PAGE_SIZE) as usize;
            if pages > 1 << 20 {
                return Err(EINVAL);
            }
            let mut b = Vec::new();
            b.try_reserve(pages).map_err(|_| ENOMEM)?;
            for i in 0..pages as u64 {
                b.push(mmap::page_state(a, start + i * crate::mm::PAGE_SIZE));
            }
            Ok((b, 0))
        }
    }
}

/// Runs one of the calls for the caller's task `t`. a0 = pid (0 = caller); ESRCH for
/// no such process, EAGAIN if it is inside a system call.
pub fn dispatch(n: usize, args: [u64; 6], t: &mut Task) -> Result<usize, isize> {
    let pid = args[0] as i64 as i32;
    let (bytes, ret) = if pid == 0 || pid == proc::current_pid() {
        answer(n, args, &mut t.aspace)?
    } else {
        let task = proc::task_of(pid).ok_or(ESRCH)?;
        let mut g = task.try_lock().ok_or(EAGAIN)?;
        answer(n, args, &mut g.aspace)?
    };
    let dst = if n == sys::RVSIM_MINCORE { args[3] } else { args[1] };
    t.aspace.copy_out(dst, &bytes)?;
    Ok(ret)
}
