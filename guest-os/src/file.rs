//! Open files and per-process descriptor tables. An open file is shared (`Arc`) by every
//! descriptor that refers to it (dup, fork), so they share the offset, as POSIX says.
//! Kinds: the console, an inode of the file system, the two ends of a pipe, and the
//! character devices of /dev (null, zero, urandom; tty and console are the console).

use crate::fs;
use crate::pipe::Pipe;
use abi::errno::*;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};
use spin::Mutex;

/// Descriptors per process.
pub const NOFILE: usize = 16;

/// What an open file refers to.
pub enum Kind {
    Console,
    /// /dev/null: reads end of file, writes vanish.
    Null,
    /// /dev/zero: reads zeros, writes vanish.
    Zero,
    /// /dev/urandom: reads the kernel's deterministic generator (`random.rs`).
    Random,
    Inode {
        inum: u32,
        dir: bool,
    },
    PipeRead(Arc<Pipe>),
    PipeWrite(Arc<Pipe>),
}

/// An open file description.
pub struct File {
    pub kind: Kind,
    pub readable: bool,
    pub writable: bool,
    /// Status flags F_SETFL may change: `O_APPEND | O_NONBLOCK`.
    status: AtomicU32,
    pub offset: Mutex<u64>,
}

/// The status flags F_SETFL can change.
pub const SETFL_MASK: u32 = abi::fcntl::O_APPEND | abi::fcntl::O_NONBLOCK;

impl File {
    /// A new open file.
    pub fn new(kind: Kind, readable: bool, writable: bool, append: bool) -> File {
        let status = if append { abi::fcntl::O_APPEND } else { 0 };
        File { kind, readable, writable, status: AtomicU32::new(status), offset: Mutex::new(0) }
    }

    /// Writes go to the end of the file (O_APPEND).
    pub fn append(&self) -> bool {
        self.status() & abi::fcntl::O_APPEND != 0
    }

    /// Reads and writes that would block fail with EAGAIN instead (O_NONBLOCK).
    pub fn nonblock(&self) -> bool {
        self.status() & abi::fcntl::O_NONBLOCK != 0
    }

    /// The status flags (`O_APPEND`, `O_NONBLOCK`).
    pub fn status(&self) -> u32 {
        self.status.load(Ordering::Relaxed)
    }

    /// Sets the status flags in [`SETFL_MASK`] (fcntl F_SETFL); others are ignored, as
    /// Linux ignores them.
    pub fn set_status(&self, flags: u32) {
        self.status.store(flags & SETFL_MASK, Ordering::Relaxed);
    }
}

impl Drop for File {
    fn drop(&mut self) {
        match &self.kind {
            Kind::Inode { inum, .. } => {
                let inum = *inum;
                let _ = fs::with(|f| f.close_ref(inum));
            }
            Kind::PipeRead(p) => p.close(false),
            Kind::PipeWrite(p) => p.close(true),
            Kind::Console | Kind::Null | Kind::Zero | Kind::Random => {}
        }
    }
}

/// One descriptor: the open file and its close-on-exec flag.
#[derive(Clone)]
pub struct Fd {
    pub file: Arc<File>,
    pub cloexec: bool,
}

/// A process's descriptor table.
#[derive(Clone, Default)]
pub struct FdTable {
    fds: [Option<Fd>; NOFILE],
}

impl FdTable {
    /// The open file at `fd`, or EBADF.
    pub fn get(&self, fd: usize) -> Result<Arc<File>, isize> {
        self.fds.get(fd).and_then(|f| f.as_ref()).map(|f| f.file.clone()).ok_or(EBADF)
    }

    /// Installs `file` at the lowest free descriptor (EMFILE if none).
    pub fn alloc(&mut self, file: Arc<File>, cloexec: bool) -> Result<usize, isize> {
        let i = self.fds.iter().position(|f| f.is_none()).ok_or(EMFILE)?;
        self.fds[i] = Some(Fd { file, cloexec });
        Ok(i)
    }

    /// Installs `file` at the lowest free descriptor >= `min` (EMFILE if none, EINVAL if
    /// `min` is out of range) (fcntl F_DUPFD).
    pub fn alloc_from(&mut self, min: usize, file: Arc<File>, cloexec: bool) -> Result<usize, isize> {
        if min >= NOFILE {
            return Err(EINVAL);
        }
        let i = (min..NOFILE).find(|&i| self.fds[i].is_none()).ok_or(EMFILE)?;
        self.fds[i] = Some(Fd { file, cloexec });
        Ok(i)
    }

    /// The close-on-exec flag of `fd`.
    pub fn cloexec(&self, fd: usize) -> Result<bool, isize> {
        self.fds.get(fd).and_then(|f| f.as_ref()).map(|f| f.cloexec).ok_or(EBADF)
    }

    /// Sets the close-on-exec flag of `fd`.
    pub fn set_cloexec(&mut self, fd: usize, v: bool) -> Result<(), isize> {
        let f = self.fds.get_mut(fd).and_then(|f| f.as_mut()).ok_or(EBADF)?;
        f.cloexec = v;
        Ok(())
    }

    /// Installs `file` at `fd`, closing what was there.
    pub fn set(&mut self, fd: usize, file: Arc<File>, cloexec: bool) -> Result<(), isize> {
        let slot = self.fds.get_mut(fd).ok_or(EBADF)?;
        *slot = Some(Fd { file, cloexec });
        Ok(())
    }

    /// Closes `fd` (EBADF if not open).
    pub fn close(&mut self, fd: usize) -> Result<(), isize> {
        let slot = self.fds.get_mut(fd).ok_or(EBADF)?;
        slot.take().map(|_| ()).ok_or(EBADF)
    }

    /// Closes the close-on-exec descriptors (execve).
    pub fn close_on_exec(&mut self) {
        for f in self.fds.iter_mut() {
            if f.as_ref().is_some_and(|f| f.cloexec) {
                *f = None;
            }
        }
    }

    /// Closes everything (exit).
    pub fn close_all(&mut self) {
        for f in self.fds.iter_mut() {
            *f = None;
        }
    }
}
