#!/usr/bin/env python3
"""Regenerates tests/data/disasm_golden.txt: GNU objdump's disassembly of every 16-bit
compressed halfword and of a large deterministic set of 32-bit words.

Run it explicitly (`make bless-disasm`); tests never run it. Needs
riscv64-unknown-elf-objdump (binutils 2.40 made the committed file).

Input: an ELF object made by riscv64-unknown-elf-as from `.insn` directives, with an
`.attribute arch` naming the extensions rvsim implements (ARCH below), disassembled with
`objdump -d`. objdump 2.40 has no `-M arch=` option and, on a flat binary, decodes RV64GC
only; the ELF attribute is how it learns the extra extensions (Zba, Zbb, Zbc, Zbs,
Zicbom, Zicbop, Zicboz, Zihintpause, Svinval). It predates Zicond (binutils 2.41), so czero.eqz and
czero.nez still show as `.4byte` here (tests/tests/disasm.rs accepts them by name).

Output, one line per instruction: `ADDR<TAB>HEX<TAB>TEXT`, ADDR the address objdump
disassembled it at (pc-relative targets depend on it), HEX the bits as objdump prints them
(4 hex digits for compressed, 8 otherwise), TEXT objdump's text with the tab between
mnemonic and operands kept and any trailing `# 0x...` comment removed (objdump computes
those from earlier instructions' register values, so they are not a property of the word).

Layout: the 49152 compressed halfwords (low bits != 11) in order from address 0, then the
32-bit words from address 0x10_0000. 32-bit words are built from every major opcode
(except the >32-bit length prefixes, bits[4:2] = 111) x funct3 x funct7 with random
other fields, plus sweeps of OP-FP funct7 x rs2 x funct3, AMO funct7 x funct3, SYSTEM funct3 = 0, every
CSR number, and every FENCE fm/pred/succ; then sweeps of the bit-manipulation and CMO
encodings: OP-IMM and OP-IMM-32 funct3 001/101 with every inst[31:20], OP/OP-32 with
every funct7 x funct3 of the B extensions, MISC-MEM funct3 010 and ORI rd = x0 with
every immediate.
"""
import os
import random
import re
import subprocess
import sys
import tempfile

OBJDUMP = os.environ.get("OBJDUMP", "riscv64-unknown-elf-objdump")
AS = os.environ.get("AS", "riscv64-unknown-elf-as")
# The extensions rvsim implements that objdump 2.40 knows (see emulator/src/isa/extensions.rs).
ARCH = ("rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicbom1p0_zicbop1p0_zicboz1p0_zicsr2p0_zifencei2p0"
        "_zihintpause2p0_zba1p0_zbb1p0_zbc1p0_zbs1p0_svinval1p0")
BASE32 = 0x10_0000
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "disasm_golden.txt")
TARGET = re.compile(r"\b([0-9a-f]+) <\.text(?:\+0x[0-9a-f]+)?>")


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
    # Zbb/Zbs immediate and unary forms: every inst[31:20] of OP-IMM(-32) funct3 001/101.
    for opc in (0x13, 0x1B):
        for f3 in (1, 5):
            for imm12 in range(4096):
                out.append((imm12 << 20) | (rnd.getrandbits(5) << 15) | (f3 << 12) | (rnd.getrandbits(5) << 7) | opc)
    # Zba/Zbb/Zbc/Zbs/Zicond register forms, rs2 = 0 (zext.w, zext.h) and random.
    for opc in (0x33, 0x3B):
        for f7 in (0x04, 0x05, 0x07, 0x10, 0x14, 0x20, 0x24, 0x30, 0x34):
            for f3 in range(8):
                for rs2 in (0, rnd.getrandbits(5), rnd.getrandbits(5)):
                    out.append((f7 << 25) | (rs2 << 20) | (rnd.getrandbits(5) << 15) | (f3 << 12) | (rnd.getrandbits(5) << 7) | opc)
    # CBO (MISC-MEM funct3 = 010) and Zicbop (ORI rd = x0) with every immediate.
    for imm12 in range(4096):
        rd = rnd.choice([0, 0, 0, rnd.getrandbits(5)])
        out.append((imm12 << 20) | (rnd.getrandbits(5) << 15) | (2 << 12) | (rd << 7) | 0x0F)
        out.append((imm12 << 20) | (rnd.getrandbits(5) << 15) | (6 << 12) | 0x13)
    return out


def objdump(halves, base32, words):
    """objdump's rows for `halves` (16-bit) from address 0 and `words` (32-bit) from `base32`."""
    src = [f'.attribute arch, "{ARCH}"', ".text"]
    src += [f".insn 2, {h:#06x}" for h in halves]
    src.append(f".skip {base32 - 2 * len(halves)}")
    src += [f".insn 4, {w:#010x}" for w in words]
    with tempfile.TemporaryDirectory() as d:
        asm, obj = os.path.join(d, "w.s"), os.path.join(d, "w.o")
        with open(asm, "w") as f:
            f.write("\n".join(src) + "\n")
        subprocess.run([AS, "-march=rv64gc", asm, "-o", obj], check=True)
        res = subprocess.run([OBJDUMP, "-d", obj], check=True, capture_output=True, text=True)
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
        # Targets as objdump prints them for a flat binary (`0xf028`), not relative to the
        # object's section symbol (`f028 <.text+0xf028>`).
        text = TARGET.sub(lambda m: "0x" + m.group(1), text)
        lines.append((addr, hexw, text.rstrip()))
    return lines


def main():
    halves = [h for h in range(0x10000) if h & 3 != 3]
    w32 = words32()
    got = objdump(halves, BASE32, w32)
    rows = [r for r in got if r[0] < 2 * len(halves) or r[0] >= BASE32]
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
