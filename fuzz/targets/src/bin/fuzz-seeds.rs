//! `fuzz-seeds DIR`: writes the seed inputs of every target to `DIR/TARGET/NAME`.

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: fuzz-seeds DIR");
        return std::process::ExitCode::from(2);
    };
    for t in fuzz_targets::TARGETS {
        let d = dir.join(t.name);
        for (name, bytes) in fuzz_targets::seeds::seeds(t.name) {
            if let Err(e) = std::fs::create_dir_all(&d).and_then(|_| std::fs::write(d.join(&name), bytes)) {
                eprintln!("fuzz-seeds: {}: {e}", d.join(name).display());
                return std::process::ExitCode::from(1);
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
