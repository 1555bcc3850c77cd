//! Running a machine with a gdb stub listening: the run goes on round by round (each hart
//! its quantum, as without a debugger); between rounds the stub looks for a connecting
//! gdb, and while one is attached, for its packets and Ctrl-C. With `-S` it waits for
//! gdb before the first instruction.
//!
//! When gdb detaches (or the connection drops), breakpoints and watchpoints are dropped
//! and the guest runs on to its end; a later gdb may attach again. `kill` ends the run
//! (status 0, as QEMU). The guest's exit is reported to gdb (`W`) and then ends rvsim
//! with the guest's status.

use super::hooks::Hit;
use super::target::DebugTarget;
use super::GdbError;
use crate::hart::NoTrace;
use crate::machine::{Machine, Outcome, Pause, Turn};
use gdbstub::common::Signal;
use gdbstub::conn::ConnectionExt;
use gdbstub::stub::run_blocking::{BlockingEventLoop, Event, WaitForStopReasonError};
use gdbstub::stub::{DisconnectReason, GdbStub, MultiThreadStopReason};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// How often a running machine without a debugger looks for a connecting gdb.
const ACCEPT_EVERY: Duration = Duration::from_millis(20);

/// How a debugged run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The guest ended the run (or the instruction limit did).
    Guest(Outcome),
    /// gdb killed it.
    Killed,
}

/// Runs `m` to its end with a stub on `listener`. With `wait`, no instruction runs before
/// gdb has attached. Returns the machine (for statistics) and how the run ended.
pub fn run(
    m: Machine,
    listener: TcpListener,
    wait: bool,
    max_insns: Option<u64>,
) -> Result<(Machine, Ending), GdbError> {
    listener.set_nonblocking(!wait).map_err(GdbError::Io)?;
    let mut target = DebugTarget::new(m, Turn::default(), max_insns);
    let mut pending = if wait { Some(accept(&listener)?) } else { None };
    loop {
        if let Some(conn) = pending.take() {
            listener.set_nonblocking(true).map_err(GdbError::Io)?;
            match GdbStub::new(conn).run_blocking::<EventLoop>(&mut target) {
                Ok(DisconnectReason::TargetExited(_)) | Ok(DisconnectReason::TargetTerminated(_)) => {}
                Ok(DisconnectReason::Kill) => return Ok((target.m, Ending::Killed)),
                Ok(DisconnectReason::Disconnect) => eprintln!("rvsim: gdb detached; the guest runs on"),
                Err(e) => eprintln!("rvsim: gdb connection ended ({e}); the guest runs on"),
            }
            if let Some(o) = target.outcome {
                return Ok((target.m, Ending::Guest(o)));
            }
            // Without a debugger: finish the round the stop interrupted with the (now
            // empty) hooks, so the scheduler goes on from exactly where it stopped.
            let hooks = &mut target.hooks;
            hooks.breakpoints.clear();
            hooks.watchpoints.clear();
            hooks.step = None;
            hooks.hit = None;
            if target.turn != Turn::default() {
                if let Pause::Done(o) = target.m.run_round(&mut target.turn, max_insns, &mut target.hooks) {
                    return Ok((target.m, Ending::Guest(o)));
                }
            }
        }
        let mut last = Instant::now();
        while pending.is_none() {
            if let Pause::Done(o) = target.m.run_round(&mut target.turn, max_insns, &mut NoTrace) {
                return Ok((target.m, Ending::Guest(o)));
            }
            if last.elapsed() >= ACCEPT_EVERY {
                last = Instant::now();
                match listener.accept() {
                    Ok((s, _)) => pending = Some(setup(s)?),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(GdbError::Io(e)),
                }
            }
        }
    }
}

fn accept(listener: &TcpListener) -> Result<TcpStream, GdbError> {
    let (s, _) = listener.accept().map_err(GdbError::Io)?;
    setup(s)
}

fn setup(s: TcpStream) -> Result<TcpStream, GdbError> {
    s.set_nonblocking(false).map_err(GdbError::Io)?;
    s.set_nodelay(true).map_err(GdbError::Io)?;
    Ok(s)
}

/// The stub's event loop: run rounds until a hook stops a hart, the guest exits, or gdb
/// sends something (a Ctrl-C, most likely).
enum EventLoop {}

impl BlockingEventLoop for EventLoop {
    type Target = DebugTarget;
    type Connection = TcpStream;
    type StopReason = MultiThreadStopReason<u64>;

    fn wait_for_stop_reason(
        target: &mut DebugTarget,
        conn: &mut TcpStream,
    ) -> Result<Event<MultiThreadStopReason<u64>>, WaitForStopReasonError<super::target::Fatal, std::io::Error>> {
        loop {
            if let Some(stop) = run_round(target) {
                return Ok(Event::TargetStopped(stop));
            }
            if conn.peek().map_err(WaitForStopReasonError::Connection)?.is_some() {
                let byte = conn.read().map_err(WaitForStopReasonError::Connection)?;
                return Ok(Event::IncomingData(byte));
            }
        }
    }

    fn on_interrupt(target: &mut DebugTarget) -> Result<Option<MultiThreadStopReason<u64>>, super::target::Fatal> {
        Ok(Some(interrupt_reason(target)))
    }
}

/// Runs one round of a resumed target with its hooks; returns the stop to report to gdb
/// when a hook stopped a hart or the run ended (then `target.outcome` is set). The
/// event loop calls it between looks at the connection (and so does the fuzz harness).
pub fn run_round(target: &mut DebugTarget) -> Option<MultiThreadStopReason<u64>> {
    match target.m.run_round(&mut target.turn, target.max_insns, &mut target.hooks) {
        Pause::Done(o) => {
            target.outcome = Some(o);
            Some(match o {
                Outcome::Exit(code) => MultiThreadStopReason::Exited(code.clamp(0, 255) as u8),
                Outcome::Reset => MultiThreadStopReason::Exited(0),
                Outcome::InstructionLimit => MultiThreadStopReason::Terminated(Signal::SIGXCPU),
                Outcome::Stopped => MultiThreadStopReason::Terminated(Signal::SIGTERM),
            })
        }
        Pause::Stopped(_) => target.hooks.hit.take().map(stop_reason),
        Pause::Round => None,
    }
}

/// The stop a Ctrl-C from gdb reports: SIGINT in the hart whose turn it is.
pub fn interrupt_reason(target: &DebugTarget) -> MultiThreadStopReason<u64> {
    let tid = DebugTarget::tid(target.turn.core.min(target.m.cores.len() - 1));
    MultiThreadStopReason::SignalWithThread { tid, signal: Signal::SIGINT }
}

/// The stop packet for a hook's hit.
fn stop_reason(hit: Hit) -> MultiThreadStopReason<u64> {
    match hit {
        Hit::Break { hart, hw: false } => MultiThreadStopReason::SwBreak(DebugTarget::tid(hart)),
        Hit::Break { hart, hw: true } => MultiThreadStopReason::HwBreak(DebugTarget::tid(hart)),
        Hit::Watch { hart, wp } => {
            MultiThreadStopReason::Watch { tid: DebugTarget::tid(hart), kind: wp.kind, addr: wp.addr }
        }
        Hit::Step { hart } => {
            MultiThreadStopReason::SignalWithThread { tid: DebugTarget::tid(hart), signal: Signal::SIGTRAP }
        }
    }
}
