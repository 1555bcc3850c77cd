//! Pipes: a 512-byte ring buffer between a read end and a write end. Readers block while
//! it is empty and a writer exists; writers block while it is full and a reader exists;
//! writing with no reader left is EPIPE and SIGPIPE. Blocking is `proc::block_on`: the system call
//! returns, sleeps without its task lock, and runs again.

use crate::proc::{self, Wait};
use abi::errno::*;
use spin::Mutex;

const PIPE_SIZE: usize = 512;

struct Inner {
    buf: [u8; PIPE_SIZE],
    /// Bytes ever read / written (indices mod PIPE_SIZE).
    nread: usize,
    nwrite: usize,
    readers: usize,
    writers: usize,
}

/// A pipe (shared by its two ends' open files).
pub struct Pipe {
    inner: Mutex<Inner>,
}

impl Default for Pipe {
    fn default() -> Self {
        Pipe::new()
    }
}

impl Pipe {
    /// A new pipe with one reader and one writer.
    pub fn new() -> Pipe {
        Pipe { inner: Mutex::new(Inner { buf: [0; PIPE_SIZE], nread: 0, nwrite: 0, readers: 1, writers: 1 }) }
    }

    fn chan(&self) -> usize {
        self as *const Pipe as usize
    }

    /// Closes one end.
    pub fn close(&self, write_end: bool) {
        {
            let mut p = self.inner.lock();
            if write_end {
                p.writers -= 1;
            } else {
                p.readers -= 1;
            }
        }
        proc::wakeup(self.chan());
    }

    /// Reads up to `out.len()` bytes; 0 = end of file. While it is empty and a writer
    /// exists the call blocks: `Err(ERESTART)` registered on this pipe's channel
    /// (`proc::block_on`), and the system call runs again after a wakeup.
    pub fn read(&self, out: &mut [u8]) -> Result<usize, isize> {
        {
            let mut p = self.inner.lock();
            if p.nwrite > p.nread {
                let mut n = 0;
                while n < out.len() && p.nread < p.nwrite {
                    out[n] = p.buf[p.nread % PIPE_SIZE];
                    p.nread += 1;
                    n += 1;
                }
                drop(p);
                proc::wakeup(self.chan());
                return Ok(n);
            }
            if p.writers == 0 {
                return Ok(0);
            }
        }
        if proc::killed() {
            return Err(EINTR);
        }
        Err(proc::block_on(Wait::Chan(self.chan()), 0))
    }

    /// Writes all of `data`; EPIPE when no reader is left (with the count so far if some
    /// bytes went in). While it is full the call blocks: `Err(ERESTART)` with the bytes
    /// written so far recorded in the block (`proc::block_on`), and the system call
    /// continues with the rest after a wakeup.
    pub fn write(&self, data: &[u8]) -> Result<usize, isize> {
        let mut done = 0;
        {
            let mut p = self.inner.lock();
            if p.readers == 0 {
                drop(p);
                // Linux's pipe_write: SIGPIPE to the writer, and EPIPE.
                crate::signal::send_self(abi::signal::SIGPIPE);
                return Err(EPIPE);
            }
            while done < data.len() && p.nwrite - p.nread < PIPE_SIZE {
                let i = p.nwrite % PIPE_SIZE;
                p.buf[i] = data[done];
                p.nwrite += 1;
                done += 1;
            }
        }
        proc::wakeup(self.chan());
        if done == data.len() {
            return Ok(done);
        }
        if proc::killed() {
            return if done > 0 { Ok(done) } else { Err(EINTR) };
        }
        Err(proc::block_on(Wait::Chan(self.chan()), done))
    }
}
