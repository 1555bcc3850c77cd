//! AFL++ harness of fuzz target `boot` (fuzz_targets::boot).

fn main() {
    afl::fuzz!(|data: &[u8]| fuzz_targets::boot::run(data));
}
