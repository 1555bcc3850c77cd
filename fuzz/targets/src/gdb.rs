//! Target `gdb`: bytes from a (hostile) gdb, fed to the stub one at a time: the packet
//! parser, every command the target implements (registers, memory, breakpoints,
//! watchpoints, steps, continues, Ctrl-C), over a machine running a small loop.

use crate::elf_image::{elf, Segment};
use gdbstub::conn::Connection;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::GdbStub;
use rvsim::gdb::session::{interrupt_reason, run_round};
use rvsim::gdb::target::DebugTarget;
use rvsim::machine::{Machine, MachineConfig};

/// Cycles the debugged machine may run per input.
pub const MAX_CYCLES: u64 = 20_000;

/// The stub's replies: kept up to [`REPLY_KEEP`] bytes, counted beyond.
#[derive(Default)]
pub struct Replies {
    pub bytes: Vec<u8>,
    pub total: usize,
}

/// Reply bytes [`session`] keeps.
pub const REPLY_KEEP: usize = 1 << 16;

impl Connection for Replies {
    type Error = std::convert::Infallible;
    fn write(&mut self, byte: u8) -> Result<(), Self::Error> {
        if self.bytes.len() < REPLY_KEEP {
            self.bytes.push(byte);
        }
        self.total += 1;
        Ok(())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A 2-hart machine running `auipc t0,0; addi a0,a0,1; sd a0,256(t0); j -8`.
fn machine() -> Machine {
    let code: Vec<u8> =
        [0x0000_0297u32, 0x0015_0513, 0x10a2_b023, 0xff9f_f06f].iter().flat_map(|w| w.to_le_bytes()).collect();
    let img = elf(0x8000_0000, &[Segment { paddr: 0x8000_0000, data: &code, memsz: 0x1000 }], &[("loop", 0x8000_0004)]);
    let mut m = Machine::new(MachineConfig { ram_size: 1 << 20, harts: 2, quantum: 500, ..Default::default() });
    m.bus.dev.uart.echo = false;
    // The image is the harness's own: it loads.
    m.load_elf(&img).expect("harness ELF loads");
    m
}

/// Feeds `data` to a stub attached to a fresh machine.
pub fn run(data: &[u8]) {
    session(data);
}

/// [`run`], returning what the stub answered.
pub fn session(data: &[u8]) -> Replies {
    let mut target = DebugTarget::new(machine(), Default::default(), Some(MAX_CYCLES));
    let mut replies = Replies::default();
    feed(&mut target, &mut replies, data);
    replies
}

fn feed(target: &mut DebugTarget, replies: &mut Replies, data: &[u8]) {
    let conn: &mut dyn Connection<Error = std::convert::Infallible> = replies;
    let Ok(mut gdb) = GdbStub::new(conn).run_state_machine(target) else { return };
    let mut bytes = data.iter().copied();
    // Each step either consumes a byte or ends the session; running states also run
    // rounds, which the cycle limit bounds.
    loop {
        let next = match gdb {
            GdbStubStateMachine::Idle(g) => match bytes.next() {
                Some(b) => g.incoming_data(target, b),
                None => return,
            },
            GdbStubStateMachine::Running(g) => {
                if let Some(stop) = run_round(target) {
                    g.report_stop(target, stop)
                } else if target.outcome.is_some() {
                    return; // the run ended and was reported
                } else {
                    match bytes.next() {
                        Some(b) => g.incoming_data(target, b),
                        // gdb is silent: let the run go on to its limit.
                        None => {
                            let mut stop = run_round(target);
                            while stop.is_none() && target.outcome.is_none() {
                                stop = run_round(target);
                            }
                            match stop {
                                Some(s) => g.report_stop(target, s),
                                None => return,
                            }
                        }
                    }
                }
            }
            GdbStubStateMachine::CtrlCInterrupt(g) => {
                let reason = interrupt_reason(target);
                g.interrupt_handled(target, Some(reason))
            }
            GdbStubStateMachine::Disconnected(_) => return,
        };
        match next {
            Ok(g) => gdb = g,
            Err(_) => return, // a protocol error ends the connection, as over TCP
        }
    }
}
