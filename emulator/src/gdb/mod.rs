//! A GDB remote stub (`-s`, `-S`, `--gdb tcp::PORT`, as QEMU spells them), on the
//! `gdbstub` crate: harts are threads, registers and CSRs come with a target description,
//! memory is read through the hart's translation without side effects, and breakpoints,
//! watchpoints and single steps are hooks of the run loop's [`Tracer`](crate::hart::Tracer),
//! so a run without a debugger compiles to the loop it always was (docs/gdb.md).

pub mod arch;
pub mod hooks;
pub mod memory;
pub mod session;
pub mod target;

pub use session::{run, Ending};

use std::net::TcpListener;

/// QEMU's default port for `-s`.
pub const DEFAULT_PORT: u16 = 1234;

/// Why the stub could not be set up or kept going.
#[derive(Debug, thiserror::Error)]
pub enum GdbError {
    /// A `--gdb` argument that is not `tcp::PORT` or `tcp:HOST:PORT`.
    #[error("bad --gdb '{0}': expected tcp::PORT or tcp:HOST:PORT")]
    Spec(String),
    /// The port could not be bound (in use, or no permission).
    #[error("cannot listen for gdb on {addr}: {err}")]
    Bind { addr: String, err: std::io::Error },
    #[error("gdb connection: {0}")]
    Io(std::io::Error),
}

/// Parses a QEMU-style device spec: `tcp::PORT` (all interfaces are not opened: the stub
/// listens on localhost, as a debugger of a local program needs), `tcp:HOST:PORT`, or a
/// bare `PORT`. Returns `host:port`.
pub fn parse_spec(spec: &str) -> Result<String, GdbError> {
    let bad = || GdbError::Spec(spec.to_string());
    let rest = spec.strip_prefix("tcp:").unwrap_or(spec);
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p),
        None if !spec.starts_with("tcp:") => ("", rest),
        None => return Err(bad()),
    };
    let port: u16 = port.parse().map_err(|_| bad())?;
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return Err(bad());
    }
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    Ok(format!("{host}:{port}"))
}

/// Binds the stub's listening socket at `addr` (`host:port`).
pub fn listen(addr: &str) -> Result<TcpListener, GdbError> {
    TcpListener::bind(addr).map_err(|err| GdbError::Bind { addr: addr.to_string(), err })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_as_qemu_spells_them() {
        assert_eq!(parse_spec("tcp::1234").unwrap(), "127.0.0.1:1234");
        assert_eq!(parse_spec("tcp:0.0.0.0:4000").unwrap(), "0.0.0.0:4000");
        assert_eq!(parse_spec("tcp:localhost:4000").unwrap(), "localhost:4000");
        assert_eq!(parse_spec("5555").unwrap(), "127.0.0.1:5555");
        for bad in ["tcp::", "tcp::99999", "tcp:1234", "udp::1234", "tcp::12x4", "", "tcp:a:b:1"] {
            assert!(matches!(parse_spec(bad), Err(GdbError::Spec(_))), "{bad} accepted");
        }
    }

    #[test]
    fn a_port_in_use_is_an_error_value() {
        let first = listen("127.0.0.1:0").unwrap();
        let addr = first.local_addr().unwrap().to_string();
        assert!(matches!(listen(&addr), Err(GdbError::Bind { .. })));
    }
}
