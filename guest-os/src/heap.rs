//! The kernel heap (`alloc`'s global allocator): a first-fit list allocator over a static
//! 4 MiB region. It holds only kernel bookkeeping (VMA lists, open files, the block
//! cache); user memory comes from the frame allocator. Paths that a user can make large
//! use fallible allocation (`try_reserve`) and return ENOMEM.

use linked_list_allocator::LockedHeap;

#[global_allocator]
static ALLOCATOR: LockedHeap = LockedHeap::empty();

/// Hands the static heap region to the allocator (once, at boot).
pub fn init() {
    let r = crate::arch::heap_region();
    let len = r.len();
    ALLOCATOR.lock().init_from_slice(crate::arch::uninit_view(r, len));
}

/// Free bytes left in the heap.
pub fn free_bytes() -> usize {
    ALLOCATOR.lock().free()
}

/// Heap bytes kept free for the kernel's own small, infallible allocations (`Arc::new`
/// of an open file, a pipe, a task).
const RESERVE: usize = 64 * 1024;

/// ENOMEM when the heap is nearly exhausted: checked before system calls that allocate
/// kernel objects, so a process cannot drive the kernel into an allocation failure.
pub fn check_reserve() -> Result<(), isize> {
    if free_bytes() < RESERVE {
        Err(abi::errno::ENOMEM)
    } else {
        Ok(())
    }
}
