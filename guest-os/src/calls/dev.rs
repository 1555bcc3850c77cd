//! Device files: a `T_DEV` inode (mkfs puts them in /dev) opens as the device its
//! `rdev` names. /dev/null reads end of file and swallows writes; /dev/zero reads
//! zeros; /dev/urandom reads the kernel's seeded generator (`random.rs`: deterministic
//! like the rest of the machine, not secret); /dev/tty and /dev/console are the console.

use crate::file::Kind;
use abi::errno::*;
use abi::fs::*;

/// The open-file kind of device number `rdev` (ENXIO for one that does not exist).
pub fn kind_of(rdev: u32) -> Result<Kind, isize> {
    match rdev {
        DEV_NULL => Ok(Kind::Null),
        DEV_ZERO => Ok(Kind::Zero),
        DEV_URANDOM => Ok(Kind::Random),
        DEV_TTY | DEV_CONSOLE => Ok(Kind::Console),
        _ => Err(ENXIO),
    }
}

/// Fills `out` as a read of device `kind` would; returns the count (0 = end of file).
/// Only for Null, Zero and Random.
pub fn read(kind: &Kind, out: &mut [u8]) -> usize {
    match kind {
        Kind::Zero => {
            out.fill(0);
            out.len()
        }
        Kind::Random => {
            for chunk in out.chunks_mut(8) {
                let v = crate::random::next_u64().to_le_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
            out.len()
        }
        _ => 0,
    }
}

/// `st_rdev` and `st_mode` type bits for a device kind (fstat on an open device).
pub fn rdev_of(kind: &Kind) -> u32 {
    match kind {
        Kind::Null => DEV_NULL,
        Kind::Zero => DEV_ZERO,
        Kind::Random => DEV_URANDOM,
        _ => DEV_CONSOLE,
    }
}
