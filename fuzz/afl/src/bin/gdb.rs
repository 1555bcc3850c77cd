//! AFL++ harness of fuzz target `gdb` (fuzz_targets::gdb).

fn main() {
    afl::fuzz!(|data: &[u8]| fuzz_targets::gdb::run(data));
}
