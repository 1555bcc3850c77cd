# The one driver. `make run` boots the guest; `make test` runs every test.
# Both install what they need (the riscv64 Rust target, Debian's cross tools) first.

CARGO   ?= cargo
TARGET  := riscv64gc-unknown-none-elf
GUEST   := target/$(TARGET)/release
RVSIM   := target/release/rvsim
# Guest crates, built for $(TARGET).
GUEST_CRATES := -p isa-tests -p sbi-payload -p kernel -p user
# Debian packages: cmake for the build (it builds Berkeley SoftFloat, the FP library, via
# softfloat-sys); the tests' references (objdump, QEMU, OpenSBI, gdb-multiarch) for `make test`.
BUILD_DEBS := cmake:cmake
TEST_DEBS  := riscv64-unknown-elf-objdump:binutils-riscv64-unknown-elf qemu-system-riscv64:qemu-system-misc qemu-riscv64:qemu-user \
	/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf:opensbi \
	/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin:u-boot-qemu mkfs.vfat:dosfstools mcopy:mtools \
	riscv64-linux-gnu-gcc:gcc-riscv64-linux-gnu /usr/riscv64-linux-gnu/lib/libc.a:libc6-dev-riscv64-cross \
	dtc:device-tree-compiler gdb-multiarch:gdb-multiarch qemu-riscv64:qemu-user

# Installs the Debian packages of $(1) (pairs COMMAND-OR-FILE:PACKAGE) that are missing,
# when we may (root with apt-get); otherwise says what is missing.
define apt_install
	@missing=""; for pair in $(1); do what=$${pair%%:*}; pkg=$${pair##*:}; \
	  if [ "$${what#/}" != "$$what" ]; then [ -e "$$what" ] || missing="$$missing $$pkg"; \
	  else command -v "$$what" >/dev/null || missing="$$missing $$pkg"; fi; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "note: not installing$$missing (needs root and apt-get)"; fi; \
	fi
endef

.PHONY: all setup deps deps-build guest emulator run hello test bench fmt clippy clean bless-disasm bless-trace fp-fuzz os cprogs run-os qemu-os plots-sim experiments run-swap swap-long linux-files linux linux-shell qemu-linux fuzz-kernel fuzz-diff fuzz-cov

all: emulator guest

# The Rust target: rust-toolchain.toml names it, but only `rustup target add` installs it
# on an existing toolchain.
setup:
	@rustup target list --installed 2>/dev/null | grep -qx $(TARGET) || rustup target add $(TARGET)

deps-build:
	$(call apt_install,$(BUILD_DEBS))

# Reference tools for the tests; tests that need a missing one say so and skip that part.
deps: deps-build
	$(call apt_install,$(TEST_DEBS))

emulator: deps-build
	$(CARGO) build --release -p rvsim

guest: setup
	$(CARGO) build --release --target $(TARGET) $(GUEST_CRATES)

# Boots the guest OS on rvsim into its shell (target/fs.img is virtio disk 0; files written
# there survive the run). `make hello` runs the bare-metal demo instead.
run: emulator guest os
	$(RVSIM) run --drive target/fs.img $(GUEST)/kernel

hello: emulator guest
	$(RVSIM) run $(GUEST)/hello

test: setup deps emulator guest os
	$(CARGO) test --profile test-fast

# The F/D differential fuzz at full size: 1,000,000 operand sets per operation and
# rounding mode against the host FPU (tests/tests/fp_fuzz.rs; `make test` runs 20,000).
# The long kernel system-call fuzz (tests/tests/syzfuzz.rs, guest syzfuzz): SEEDS boots,
# each 20 children x CALLS calls; fails on a panic, a frame leak or a bad file system.
SEEDS ?= 50
CALLS ?= 500
fuzz-kernel: emulator os
	SYZ_SEEDS=$(SEEDS) SYZ_CALLS=$(CALLS) $(CARGO) test --profile test-fast -p integration-tests --test syzfuzz -- --nocapture syzfuzz_long

# Coverage-guided fuzzing (AFL++) of the ELF loader, boot files, instruction execution,
# virtio and the gdb stub: FUZZ_SECONDS per target, one target at a time (docs/fuzzing.md).
# Not part of `make test`, which replays the saved inputs (tests/tests/fuzz_regress.rs).
FUZZ_SECONDS ?= 600
fuzz-cov: deps-build
	$(call apt_install,afl-fuzz:afl++)
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run-afl $(FUZZ_TARGETS)

fp-fuzz:
	FP_FUZZ_ITERS=1000000 $(CARGO) test --profile test-fast -p integration-tests --test fp_fuzz -- --nocapture --test-threads=1

# Differential testing against QEMU at full size (tests/tests/fuzz_diff.rs; `make test`
# runs 600 programs of a fixed seed): FUZZ_DIFF_PROGRAMS random programs of run
# FUZZ_DIFF_SEED (by default a fresh one from the clock; the test prints it), from program
# FUZZ_DIFF_FIRST on. A difference report names the variables that reproduce it. QEMU is
# required here (CI=true: a missing one fails instead of skipping).
FUZZ_DIFF_SEED ?= $(shell date +%s)
FUZZ_DIFF_PROGRAMS ?= 10000
FUZZ_DIFF_FIRST ?= 0
fuzz-diff: deps
	CI=true FUZZ_DIFF_SEED=$(FUZZ_DIFF_SEED) FUZZ_DIFF_PROGRAMS=$(FUZZ_DIFF_PROGRAMS) FUZZ_DIFF_FIRST=$(FUZZ_DIFF_FIRST) \
	  $(CARGO) test --profile test-fast -p integration-tests --test fuzz_diff -- --nocapture rvsim_agrees_with_qemu

# Issue 14's benchmarks (docs/emulator.md, "Benchmarks"): the bench_* workloads on rvsim,
# QEMU TCG and QEMU -singlestep, a Linux boot on rvsim and QEMU, usertests on rvsim, peak
# RSS; prints the ratios against the issue's targets (a MISS still exits 0; a failed check
# or, under CI=true, a missing tool exits 1). BENCH_ARGS: e.g. --repeat 5, --only linux.
# `make test` runs `rvsim-bench --quick` (emulator/tests/bench_quick.rs).
bench: deps emulator guest os linux-files
	target/release/rvsim-bench $(BENCH_ARGS)

fmt:
	$(CARGO) fmt --all

clippy: setup
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --target $(TARGET) $(GUEST_CRATES) -- -D warnings

clean:
	$(CARGO) clean

# Regenerates the objdump golden table the decoder/disassembler test compares against
# (tests/data/disasm_golden.txt); needs riscv64-unknown-elf-objdump. Never run by tests.
bless-disasm:
	python3 tests/gen_disasm_golden.py

# Rewrites the trace golden files (tests/data/program*.trace) from the current emulator;
# review the diff before committing.
bless-trace:
	BLESS=1 $(CARGO) test -p integration-tests --test trace

# The guest OS: kernel + user programs + file-system images.
# target/fs.img boots to an interactive shell; target/fs-usertests.img runs usertests and
# powers off (init runs /etc/autorun when present).
USER_PROGS := init sh ls cat echo mkdir rm wc kill ps poweroff sleep free usertests vmstat pmap cowdemo lazydemo sharedemo mallocdemo swaptest memhog wswalk thrashdemo beladydemo vmctl sigsegvdemo tlbdemo syzfuzz crashload faultio
FS_FILES = $(foreach p,$(USER_PROGS),/bin/$(p)=$(GUEST)/$(p)) /README=guest-os/README.txt
QEMU_OS = qemu-system-riscv64 -machine virt -bios none -m 128M -nographic \
	-global virtio-mmio.force-legacy=false -kernel $(GUEST)/kernel \
	-drive file=$(1),if=none,format=raw,id=d0 -device virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0

os: setup cprogs
	$(CARGO) build --release --target $(TARGET) -p kernel -p user
	$(CARGO) build --release -p mkfs
	printf 'usertests\n' > target/autorun-usertests
	target/release/mkfs target/fs.img $(FS_FILES) $(C_FILES)
	target/release/mkfs target/fs-usertests.img $(FS_FILES) /etc/autorun=target/autorun-usertests
	printf 'swaptest\nmemhog\nvmstat\n' > target/autorun-swap
	target/release/mkfs target/fs-swap.img $(FS_FILES) /etc/autorun=target/autorun-swap

# Swap demo (docs/swap.md): 32 MiB of RAM, the swap image as virtio disk 1 (a fresh,
# sparse 64 MiB file each time); runs swaptest and memhog, then powers off.
# POLICY=fifo|aging|random picks the replacement policy (default clock).
POLICY ?= clock
run-swap: emulator os
	rm -f target/swap.img && truncate -s 64M target/swap.img
	$(RVSIM) run -m 32M --append "vm.policy=$(POLICY)" --drive target/fs-swap.img --drive target/swap.img $(GUEST)/kernel

# The long swap integrity run (docs/swap.md): 32 MiB of RAM, 64 MiB of swap, swaptest
# with SWAP_PASSES fork/check/rewrite passes over 1.5 x free memory (40 passes: about
# 4 GiB through the swap device). Fails unless swaptest reports 0 mismatches.
SWAP_PASSES ?= 40
swap-long: emulator os
	printf 'swaptest 0 $(SWAP_PASSES)\nvmstat\n' > target/autorun-swap-long
	target/release/mkfs target/fs-swap-long.img $(FS_FILES) /etc/autorun=target/autorun-swap-long
	rm -f target/swap-long.img && truncate -s 64M target/swap-long.img
	$(RVSIM) run -m 32M --drive target/fs-swap-long.img --drive target/swap-long.img $(GUEST)/kernel | tee target/swap-long.log
	grep -q '^swaptest: 0 mismatches' target/swap-long.log

# C programs built with Debian's glibc cross compiler, statically, run unmodified on the
# guest OS (/bin/chello, /bin/ctest). Skipped, with a note, when the compiler is missing.
C_CC    := riscv64-linux-gnu-gcc
C_PROGS := hello ctest sigtest
C_FILES = $(if $(wildcard target/c/ctest),/bin/chello=target/c/hello /bin/ctest=target/c/ctest /bin/sigtest=target/c/sigtest)
cprogs:
	@if command -v $(C_CC) >/dev/null; then mkdir -p target/c && \
	  for p in $(C_PROGS); do $(C_CC) -static -O2 -Wall -o target/c/$$p guest-programs/c/$$p.c || exit 1; done; \
	else echo "note: $(C_CC) not installed: the C programs are left out (make test installs it)"; fi

# Boots the OS on rvsim with target/fs.img as virtio disk 0.
run-os: run

# Boots the OS on QEMU.
qemu-os: os
	$(call QEMU_OS,target/fs.img)

# Textbook page-replacement curves (faults vs. frames for OPT, FIFO, Clock, aging, random)
# from the host simulator in guest-os/vmcore; deterministic, so the committed files only
# change when the policies do.
plots-sim:
	@mkdir -p docs/plots
	$(CARGO) run -q -p vmcore --features std --bin vmcore-sim -- \
	  --csv docs/plots/fault-rate-vs-frames.csv --svg docs/plots/fault-rate-vs-frames.svg

# Page-replacement and thrashing curves measured on the guest OS itself (booted on rvsim
# in-process across RAM sizes, policies and numbers of processes; docs/experiments.md):
# docs/plots/vm-faults-vs-frames.{csv,svg} and docs/plots/thrashing.{csv,svg}.
# EXPERIMENT_ARGS passes options (e.g. EXPERIMENT_ARGS="--pattern seq --ram 12,16,20").
experiments: os
	$(CARGO) run -q --profile test-fast -p vm-experiments --bin rvsim-experiment -- all --out docs/plots $(EXPERIMENT_ARGS)

# Debian's riscv64 Linux (trixie linux-image-riscv64, the PE/EFI-stub Image) with a busybox
# initramfs (docs/platform.md, "Linux"): target/linux/Image, initrd.cpio (newc, written by
# tools/mkinitramfs without root) and initrd.cpio.gz. /init is tests/linux/init.
LINUX_OUT := target/linux
FW_JUMP   := /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
LINUX_RUN  = --bios $(FW_JUMP) --kernel $(LINUX_OUT)/Image --initrd $(LINUX_OUT)/initrd.cpio.gz
linux-files: deps
	@mkdir -p $(LINUX_OUT)
	tests/debian/fetch linux-image-riscv64 busybox-static > $(LINUX_OUT)/packages.txt
	$(CARGO) build --release -p mkinitramfs
	kdir=$$(awk '$$1 ~ /^linux-image-[0-9]/ {print $$3}' $(LINUX_OUT)/packages.txt); \
	bdir=$$(awk '$$1 == "busybox-static" {print $$3}' $(LINUX_OUT)/packages.txt); \
	cp "$$kdir"/boot/vmlinux-* $(LINUX_OUT)/Image && \
	target/release/mkinitramfs $(LINUX_OUT)/initrd.cpio /init=tests/linux/init "/bin/busybox=$$bdir/usr/bin/busybox" \
	  '/bin/sh->busybox' /proc/ /sys/ /dev/ /dev/console=c:5:1 /tmp/
	gzip -9n < $(LINUX_OUT)/initrd.cpio > $(LINUX_OUT)/initrd.cpio.gz

# Boots it under OpenSBI fw_jump as QEMU users do; /init prints its markers, reads a line
# from the console (60 guest seconds) and powers off.
linux: emulator linux-files
	$(RVSIM) run -m 256M --stats $(LINUX_RUN) --append "console=ttyS0"

# The same, into an interactive busybox shell ('poweroff -f' ends it).
linux-shell: emulator linux-files
	$(RVSIM) run -m 256M $(LINUX_RUN) --append "console=ttyS0 rvsim.shell"

# The same boot on QEMU, for comparison.
qemu-linux: linux-files
	qemu-system-riscv64 -machine virt -m 256M -nographic -bios $(FW_JUMP) -kernel $(LINUX_OUT)/Image \
	  -initrd $(LINUX_OUT)/initrd.cpio.gz -append "console=ttyS0"
