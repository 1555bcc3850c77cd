//! C programs compiled with Debian's glibc cross compiler (`riscv64-linux-gnu-gcc -static`,
//! built by `make cprogs`) run unmodified on the guest OS: glibc's static start-up and
//! stdio, malloc, files, fork (clone with CLONE_CHILD_SETTID), pipes and 1 GiB / 100 GiB
//! MAP_NORESERVE mappings on 128 MiB of RAM.
//!
//! Needs `make os` with the cross compiler installed (`make test` installs it); without
//! it the test says so and checks nothing else.
mod common;

use common::RunOpts;
use rvsim::machine::Outcome;
use std::process::Command;

#[test]
fn glibc_programs_run_on_the_guest_os() {
    let root = common::root();
    let (hello, ctest) = (root.join("target/c/hello"), root.join("target/c/ctest"));
    if !hello.exists() || !ctest.exists() {
        common::missing(&format!("{} not built (riscv64-linux-gnu-gcc missing)", ctest.display()));
        return;
    }
    // An image whose init runs both programs and powers off with the last status.
    let dir = std::env::temp_dir().join(format!("rvsim-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let autorun = dir.join("autorun");
    std::fs::write(&autorun, "chello one two\nctest\n").expect("autorun");
    let img = dir.join("fs.img");
    let guest = common::guest_dir();
    let mut args = vec![img.display().to_string()];
    for p in ["init", "sh"] {
        args.push(format!("/bin/{p}={}", guest.join(p).display()));
    }
    args.push(format!("/bin/chello={}", hello.display()));
    args.push(format!("/bin/ctest={}", ctest.display()));
    args.push(format!("/etc/autorun={}", autorun.display()));
    let mkfs = Command::new(root.join("target/release/mkfs")).args(&args).output().expect("run mkfs (make os)");
    assert!(mkfs.status.success(), "mkfs: {}", String::from_utf8_lossy(&mkfs.stderr));

    let opts = RunOpts { drives: vec![(img, false)], ..Default::default() };
    let r = common::run_guest_opts("kernel", 2_000_000_000, &opts);
    let _ = std::fs::remove_dir_all(&dir);
    println!("{}", r.console);
    assert!(r.console.contains("hello from C (glibc), argc=3 argv[0]=chello argv[1]=one argv[2]=two"), "{}", r.console);
    for check in ["malloc", "files", "fork", "pipe", "libc", "bigmap"] {
        assert!(r.console.contains(&format!("ctest {check}: OK")), "ctest {check}:\n{}", r.console);
    }
    assert!(r.console.contains("ctest: ALL OK"), "{}", r.console);
    // Every call glibc's start-up and these programs make is implemented.
    assert!(!r.console.contains("unimplemented syscall"), "{}", r.console);
    assert_eq!(r.outcome, Outcome::Exit(0), "init powers off with ctest's status");
}
