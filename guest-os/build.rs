//! Links the kernel: `kernel` with `kernel.ld` (entered at 0x8000_0000 in M-mode, as with
//! `-bios none`), `kernel-sbi` with `kernel-sbi.ld` (entered at 0x8020_0000 in S-mode by
//! an SBI firmware such as OpenSBI).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    println!("cargo:rustc-link-arg-bin=kernel=-T{dir}/kernel.ld");
    println!("cargo:rustc-link-arg-bin=kernel-sbi=-T{dir}/kernel-sbi.ld");
    println!("cargo:rerun-if-changed=kernel.ld");
    println!("cargo:rerun-if-changed=kernel-sbi.ld");
}
