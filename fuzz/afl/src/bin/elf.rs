//! AFL++ harness of fuzz target `elf` (fuzz_targets::elf).

fn main() {
    afl::fuzz!(|data: &[u8]| fuzz_targets::elf::run(data));
}
