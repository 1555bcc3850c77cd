#!/usr/bin/env python3
"""Times one Linux boot of the test initramfs on rvsim or QEMU (docs/platform.md, "Linux").

    tests/linux/bootbench.py LINE -- COMMAND...

Runs COMMAND with its console on a pipe, types LINE when /init asks for it
("rvsim-linux: type a line"), and prints the wall and CPU time until COMMAND exits, its exit
status, the rvsim-linux markers and any "rvsim:" statistics lines (rvsim --stats).
Exits 1 unless the markers show the typed line read back and a power-off.
"""
import os
import resource
import subprocess
import sys
import time

ASK = b"rvsim-linux: type a line"


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    line, cmd = sys.argv[1], sys.argv[3:]
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, typed = b"", False
    while True:
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        out += chunk
        if not typed and ASK in out:
            p.stdin.write(line.encode() + b"\n")
            p.stdin.flush()
            typed = True
    code = p.wait()
    wall = time.monotonic() - start
    text = out.decode(errors="replace").replace("\r", "")
    shown = [l for l in text.splitlines() if l.startswith(("rvsim-linux:", "rvsim:")) or "Power down" in l]
    print("\n".join(shown))
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"bootbench: exit {code}, {wall:.1f} s wall, {cpu.ru_utime + cpu.ru_stime:.1f} s CPU")
    ok = f"rvsim-linux: read '{line}'" in text and "rvsim-linux: powering off" in text
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
