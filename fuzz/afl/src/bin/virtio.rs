//! AFL++ harness of fuzz target `virtio` (fuzz_targets::virtio).

fn main() {
    afl::fuzz!(|data: &[u8]| fuzz_targets::virtio::run(data));
}
