//! `vmcore-sim`: page-replacement curves (faults vs. frames) from the host simulator.
fn main() {}
