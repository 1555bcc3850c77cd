//! `mkinitramfs OUT SPEC...`: writes a newc cpio initramfs (see the library).
//!
//! SPEC is one of:
//!   /path=HOSTFILE      a regular file (mode 0755 if the host file is executable, else 0644)
//!   /path/              a directory (0755)
//!   /path->TARGET       a symbolic link
//!   /path=c:MAJOR:MINOR a character device node (0600), e.g. /dev/console=c:5:1
//! Parent directories are created as needed.

use mkinitramfs::{write, Entry, Kind};
use std::os::unix::fs::PermissionsExt;
use std::process::ExitCode;

/// Host files larger than this are refused (an initramfs is unpacked into RAM).
const MAX_FILE: u64 = 1 << 30;

fn parse(spec: &str) -> Result<Entry, String> {
    if let Some((path, target)) = spec.split_once("->") {
        return Ok(Entry { path: path.into(), perm: 0o777, kind: Kind::Symlink(target.into()) });
    }
    if let Some(dir) = spec.strip_suffix('/') {
        return Ok(Entry { path: dir.into(), perm: 0o755, kind: Kind::Dir });
    }
    let (path, src) = spec
        .split_once('=')
        .ok_or_else(|| format!("{spec}: expected /path=FILE, /path/, /path->TARGET or /path=c:MAJ:MIN"))?;
    if let Some(dev) = src.strip_prefix("c:") {
        let (maj, min) = dev.split_once(':').ok_or_else(|| format!("{spec}: expected c:MAJOR:MINOR"))?;
        let num = |s: &str| s.parse::<u32>().map_err(|_| format!("{spec}: '{s}' is not a device number"));
        return Ok(Entry { path: path.into(), perm: 0o600, kind: Kind::CharDev(num(maj)?, num(min)?) });
    }
    let meta = std::fs::metadata(src).map_err(|e| format!("{src}: {e}"))?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return Err(format!("{src}: not a regular file of at most 1 GiB"));
    }
    let data = std::fs::read(src).map_err(|e| format!("{src}: {e}"))?;
    let perm = if meta.permissions().mode() & 0o111 != 0 { 0o755 } else { 0o644 };
    Ok(Entry { path: path.into(), perm, kind: Kind::File(data) })
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out, specs)) = args.split_first() else {
        return Err("usage: mkinitramfs OUT /path=FILE | /path/ | /path->TARGET | /path=c:MAJ:MIN ...".into());
    };
    let entries = specs.iter().map(|s| parse(s)).collect::<Result<Vec<_>, _>>()?;
    let archive = write(&entries).map_err(|e| e.to_string())?;
    std::fs::write(out, archive).map_err(|e| format!("{out}: {e}"))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mkinitramfs: {e}");
            ExitCode::from(2)
        }
    }
}
