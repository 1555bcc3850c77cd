//! AFL++ harness of fuzz target `exec` (fuzz_targets::exec).

fn main() {
    afl::fuzz!(|data: &[u8]| fuzz_targets::exec::run(data));
}
