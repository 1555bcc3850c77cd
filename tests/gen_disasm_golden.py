#!/usr/bin/env python3
"""Regenerates tests/data/disasm_golden.txt: GNU objdump's disassembly of every 16-bit
compressed halfword and of a large deterministic set of 32-bit words.

Run it explicitly (`make bless-disasm`); tests never run it. Needs
riscv64-unknown-elf-objdump (binutils 2.40 made the committed file).

Input: the words as the .text of an object assembled with `-march=MARCH` (`.incbin`), so
objdump decodes the extensions its ELF attributes name; others (V, H, ...) show as
`.4byte`. Svinval is named (`sinval.vma`, `sfence.w.inval`, `sfence.inval.ir`).

Output, one line per instruction: `ADDR<TAB>HEX<TAB>TEXT`, ADDR the address objdump
disassembled it at (pc-relative targets depend on it), HEX the bits as objdump prints them
(4 hex digits for compressed, 8 otherwise), TEXT objdump's text with the tab between
mnemonic and operands kept and any trailing `# 0x...` comment removed (objdump computes
those from earlier instructions' register values, so they are not a property of the word).

Layout: the 49152 compressed halfwords (low bits != 11) in order from address 0, then the
32-bit words from address 0x10_0000. 32-bit words are built from every major opcode
(except the >32-bit length prefixes, bits[4:2] = 111) x funct3 x funct7 with random
other fields, plus sweeps of OP-FP funct7 x rs2 x funct3, AMO funct7 x funct3, SYSTEM funct3 = 0, every
CSR number, and every FENCE fm/pred/succ.
"""
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

OBJDUMP = os.environ.get("OBJDUMP", "riscv64-unknown-elf-objdump")
AS = os.environ.get("AS", "riscv64-unknown-elf-as")
# The extensions objdump decodes, through the object's ELF attributes.
MARCH = "rv64gc_svinval"
BASE32 = 0x10_0000
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "disasm_golden.txt")


def words32(seed=0x5EED):
    rnd = random.Random(seed)
    out = []
    for opc5 in range(32):
        if opc5 & 7 == 7:
            continue  # 48-bit, 64-bit and longer length prefixes
        for f3 in range(8):
            for f7 in range(128):
                for _ in range(7):
                    w = (f7 << 25) | (rnd.getrandbits(10) << 15) | (f3 << 12) | (rnd.getrandbits(5) << 7) | (opc5 << 2) | 3
                    out.append(w)
    # OP-FP: every funct7 x rs2 (selects the conversion) x funct3.
    for f7 in range(128):
        for rs2 in range(32):
            for f3 in range(8):
                w = (f7 << 25) | (rs2 << 20) | (rnd.getrandbits(5) << 15) | (f3 << 12) | (rnd.getrandbits(5) << 7) | 0x53
                out.append(w)
    # AMO: every funct5 x aq/rl x funct3, with rs2 = 0 (LR) and random.
    for f7 in range(128):
        for f3 in range(8):
            for rs2 in (0, rnd.getrandbits(5)):
                out.append((f7 << 25) | (rs2 << 20) | (rnd.getrandbits(5) << 15) | (f3 << 12) | (rnd.getrandbits(5) << 7) | 0x2F)
    # SYSTEM funct3 = 0 (ecall, ebreak, xret, wfi, sfence.vma and their neighbours) and
    # CSR instructions on every CSR number.
    for f7 in range(128):
        for rs2 in range(32):
            rs1 = rnd.choice([0, 0, rnd.getrandbits(5)])
            rd = rnd.choice([0, 0, rnd.getrandbits(5)])
            out.append((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x73)
    for csr in range(4096):
        f3 = rnd.choice([1, 2, 3, 5, 6, 7])
        rs1 = rnd.choice([0, rnd.getrandbits(5)])
        rd = rnd.choice([0, rnd.getrandbits(5)])
        out.append((csr << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x73)
    # Loads/stores/addi/jalr with base x0 and fences with every pred/succ.
    for fm_pred_succ in range(4096):
        out.append((fm_pred_succ << 20) | 0x0F)
    return out


def objdump(blob):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "w.bin"), "wb") as f:
            f.write(blob)
        with open(os.path.join(d, "w.s"), "w") as f:
            f.write('.text\n.incbin "w.bin"\n')
        subprocess.run([AS, f"-march={MARCH}", "-o", "w.o", "w.s"], check=True, cwd=d)
        res = subprocess.run([OBJDUMP, "-D", "-j", ".text", os.path.join(d, "w.o")], check=True,
                             capture_output=True, text=True)
    lines = []
    for line in res.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or not parts[0].strip().endswith(":"):
            continue
        addr = int(parts[0].strip()[:-1], 16)
        hexw = parts[1].strip()
        text = "\t".join(parts[2:])
        i = text.find(" # ")
        if i >= 0:
            text = text[:i]
        # In an object, targets print as `f028 <.text+0xf028>`; a flat binary's as `0xf028`.
        text = re.sub(r"\b([0-9a-f]+) <\.text(\+0x[0-9a-f]+)?>", r"0x\1", text)
        lines.append((addr, hexw, text.rstrip()))
    return lines


def main():
    halves = [h for h in range(0x10000) if h & 3 != 3]
    blob16 = b"".join(struct.pack("<H", h) for h in halves)
    w32 = words32()
    blob32 = b"".join(struct.pack("<I", w) for w in w32)
    pad = b"\x00" * (BASE32 - len(blob16))  # c.unimp halfwords, never output
    got = objdump(blob16 + pad + blob32)
    rows = [r for r in got if r[0] < len(blob16) or r[0] >= BASE32]
    assert len(rows) == len(halves) + len(w32), (len(rows), len(halves), len(w32))
    for (addr, hexw, _), want in zip(rows, [(2 * i, h, 2) for i, h in enumerate(halves)] +
                                     [(BASE32 + 4 * i, w, 4) for i, w in enumerate(w32)]):
        assert addr == want[0] and int(hexw, 16) == want[1], (hex(addr), hexw, want)
    with open(OUT, "w") as f:
        ver = subprocess.run([OBJDUMP, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        f.write(f"# Generated by tests/gen_disasm_golden.py from {ver}; do not edit.\n")
        for addr, hexw, text in rows:
            f.write(f"{addr:x}\t{hexw}\t{text}\n")
    print(f"wrote {len(rows)} entries to {OUT}")


if __name__ == "__main__":
    sys.exit(main())
