//! `ulib`: the user runtime of the guest OS. `_start` (reads argc/argv/envp from the
//! initial stack per the ELF psABI), Linux RISC-V system call wrappers (results are
//! `isize`: >= 0 success, `-errno` failure), `print!`/`println!`/`eprintln!`, a global
//! allocator (first-fit heap grown with brk; big blocks straight from mmap), and
//! [`entry!`] to declare `fn main(args: &[&str]) -> i32`.
//!
//! The same binaries run on Linux for the calls they use, since the ABI is Linux's.

#![no_std]

extern crate alloc;

pub mod sig;
pub mod sys;
pub mod vm;

use alloc::vec::Vec;
use core::fmt::{self, Write};
pub use sys::*;
pub use vm::*;

core::arch::global_asm!(
    r#"
    .section .text.start, "ax"
    .globl _start
_start:
    mv a0, sp
    andi sp, sp, -16
    call ulib_start
1:  j 1b
"#
);

/// argc/argv/envp as the kernel left them on the stack.
static mut START_SP: u64 = 0;

fn start_sp() -> u64 {
    // SAFETY: written once in `ulib_start` before `main` runs; single-threaded process.
    unsafe { core::ptr::addr_of!(START_SP).read() }
}

/// Reads the NUL-terminated string at `p` (from the initial stack).
fn c_str(p: u64) -> &'static str {
    let mut n = 0usize;
    // SAFETY: `p` points at a NUL-terminated string the kernel placed on the stack,
    // which stays mapped for the life of the process.
    unsafe {
        while *((p as usize + n) as *const u8) != 0 {
            n += 1;
        }
        core::str::from_utf8(core::slice::from_raw_parts(p as *const u8, n)).unwrap_or("?")
    }
}

fn stack_word(i: usize) -> u64 {
    // SAFETY: the initial stack holds argc, argv[], NULL, envp[], NULL, auxv pairs.
    unsafe { *((start_sp() as usize + 8 * i) as *const u64) }
}

/// The program's arguments.
pub fn args() -> Vec<&'static str> {
    let argc = stack_word(0) as usize;
    (0..argc).map(|i| c_str(stack_word(1 + i))).collect()
}

/// The environment strings (`NAME=value`).
pub fn env() -> Vec<&'static str> {
    let argc = stack_word(0) as usize;
    let mut v = Vec::new();
    let mut i = argc + 2;
    while stack_word(i) != 0 {
        v.push(c_str(stack_word(i)));
        i += 1;
    }
    v
}

/// The value of auxiliary-vector entry `key` (AT_*), if present.
pub fn auxv(key: usize) -> Option<u64> {
    let argc = stack_word(0) as usize;
    let mut i = argc + 2;
    while stack_word(i) != 0 {
        i += 1;
    }
    i += 1;
    loop {
        let k = stack_word(i) as usize;
        if k == abi::auxv::AT_NULL {
            return None;
        }
        if k == key {
            return Some(stack_word(i + 1));
        }
        i += 2;
    }
}

#[no_mangle]
extern "C" fn ulib_start(sp: u64) -> ! {
    // SAFETY: single-threaded, before anything reads it.
    unsafe { core::ptr::addr_of_mut!(START_SP).write(sp) };
    extern "Rust" {
        fn ulib_main() -> i32;
    }
    // SAFETY: `entry!` defines `ulib_main` with this signature.
    let code = unsafe { ulib_main() };
    exit(code)
}

/// Declares the program's `main(args) -> exit code`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        fn ulib_main() -> i32 {
            let args = $crate::args();
            let f: fn(&[&str]) -> i32 = $main;
            f(&args)
        }
    };
}

/// A `fmt::Write` sink writing to a file descriptor through a small buffer.
pub struct FdWriter {
    fd: usize,
    buf: [u8; 256],
    len: usize,
}

impl FdWriter {
    /// A writer on `fd`.
    pub const fn new(fd: usize) -> FdWriter {
        FdWriter { fd, buf: [0; 256], len: 0 }
    }
    /// Writes out the buffer.
    pub fn flush(&mut self) {
        let mut off = 0;
        while off < self.len {
            let n = write(self.fd, &self.buf[off..self.len]);
            if n <= 0 {
                break;
            }
            off += n as usize;
        }
        self.len = 0;
    }
}

impl Write for FdWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.buf.len() {
                self.flush();
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

impl Drop for FdWriter {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Prints to stdout.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let mut w = $crate::FdWriter::new(1);
        let _ = write!(w, $($arg)*);
    }};
}

/// Prints a line to stdout.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let mut w = $crate::FdWriter::new(1);
        let _ = writeln!(w, $($arg)*);
    }};
}

/// Prints a line to stderr.
#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let mut w = $crate::FdWriter::new(2);
        let _ = writeln!(w, $($arg)*);
    }};
}

/// strerror for a negative syscall result.
pub fn strerror(r: isize) -> &'static str {
    abi::errno::describe(-r)
}

mod malloc {
    //! malloc/free: a first-fit heap that grows with brk; blocks of 64 KiB or more are
    //! mmapped on their own and munmapped when freed.
    use core::alloc::{GlobalAlloc, Layout};
    use core::ptr::NonNull;
    use linked_list_allocator::Heap;

    const BIG: usize = 64 * 1024;
    const GROW: usize = 64 * 1024;

    struct Malloc {
        heap: spin_less::Cell<Heap>,
    }

    mod spin_less {
        //! Single-threaded processes: a plain cell is enough.
        pub struct Cell<T>(core::cell::UnsafeCell<T>);
        // SAFETY: user processes are single-threaded (no clone threads).
        unsafe impl<T> Sync for Cell<T> {}
        impl<T> Cell<T> {
            pub const fn new(v: T) -> Self {
                Cell(core::cell::UnsafeCell::new(v))
            }
            #[allow(clippy::mut_from_ref)]
            pub fn get(&self) -> &mut T {
                // SAFETY: single-threaded and never re-entered (the allocator does not
                // allocate).
                unsafe { &mut *self.0.get() }
            }
        }
    }

    fn grow(heap: &mut Heap, need: usize) -> bool {
        let by = (need + 4096).max(GROW).next_multiple_of(4096);
        if heap.size() == 0 {
            let start = crate::brk(0);
            let end = crate::brk(start + by);
            if end < start + by {
                return false;
            }
            // SAFETY: [start, end) was just obtained from brk and is ours alone.
            unsafe { heap.init(start as *mut u8, by) };
            return true;
        }
        let top = heap.top() as usize;
        let end = crate::brk(top + by);
        if end < top + by {
            return false;
        }
        // SAFETY: the memory right above the heap top was just obtained from brk.
        unsafe { heap.extend(by) };
        true
    }

    unsafe impl GlobalAlloc for Malloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if layout.size() >= BIG && layout.align() <= 4096 {
                let p = crate::mmap_anon(layout.size());
                return if p < 0 { core::ptr::null_mut() } else { p as *mut u8 };
            }
            let heap = self.heap.get();
            if let Ok(p) = heap.allocate_first_fit(layout) {
                return p.as_ptr();
            }
            if !grow(heap, layout.size() + layout.align()) {
                return core::ptr::null_mut();
            }
            heap.allocate_first_fit(layout).map(|p| p.as_ptr()).unwrap_or(core::ptr::null_mut())
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if layout.size() >= BIG && layout.align() <= 4096 {
                crate::munmap(ptr as usize, layout.size());
                return;
            }
            if let Some(p) = NonNull::new(ptr) {
                // SAFETY: `p` came from this heap with this layout.
                unsafe { self.heap.get().deallocate(p, layout) };
            }
        }
    }

    #[global_allocator]
    static MALLOC: Malloc = Malloc { heap: spin_less::Cell::new(Heap::empty()) };
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    eprintln!("panic: {info}");
    exit(101)
}
