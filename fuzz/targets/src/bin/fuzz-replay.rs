//! `fuzz-replay TARGET FILE...`: runs each file through a target's entry point once (to
//! reproduce a crash the fuzzer found, with a backtrace), printing the time each took.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(t) = args.first().and_then(|n| fuzz_targets::target(n)) else {
        let names: Vec<&str> = fuzz_targets::TARGETS.iter().map(|t| t.name).collect();
        eprintln!("usage: fuzz-replay TARGET FILE... (targets: {})", names.join(", "));
        return std::process::ExitCode::from(2);
    };
    for f in &args[1..] {
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("fuzz-replay: {f}: {e}");
                return std::process::ExitCode::from(2);
            }
        };
        let start = std::time::Instant::now();
        (t.run)(&bytes);
        println!("{f}: ok in {:?}", start.elapsed());
    }
    std::process::ExitCode::SUCCESS
}
