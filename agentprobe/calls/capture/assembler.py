"""Classic BPF (the BSD packet filter, also Linux's socket filter) opcodes and a tiny
assembler: instructions that jump to named labels become the kernel's
`struct sock_filter` / `struct bpf_insn` array (code u16, jt u8, jf u8, k u32)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Opcodes (linux/filter.h, identical in BSD and Npcap bpf.h).
LD, LDX, ST, ALU, JMP, RET, MISC = 0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x07
W, H, B = 0x00, 0x08, 0x10
IMM, ABS, IND, MEM, MSH = 0x00, 0x20, 0x40, 0x60, 0xA0
ADD, AND, LSH = 0x00, 0x50, 0x60
JA, JEQ, JGT, JGE, JSET = 0x00, 0x10, 0x20, 0x30, 0x40
SRC_K, SRC_X, RVAL_A = 0x00, 0x08, 0x10
TAX, TXA = 0x00, 0x80
SKF_AD_PROTOCOL = 0xFFFFF000  # Linux ancillary load: skb->protocol (SKF_AD_OFF + 0)


@dataclass(frozen=True)
class Insn:
    """One instruction; jumps name labels (None: the next instruction)."""

    code: int
    k: int = 0
    jt: str | None = None
    jf: str | None = None


Item = Insn | str  # a string is a label for the instruction after it


def assemble(items: list[Item]) -> list[tuple[int, int, int, int]]:
    """(code, jt, jf, k) tuples with label jumps resolved to forward offsets."""
    labels: dict[str, int] = {}
    code: list[Insn] = []
    for item in items:
        if isinstance(item, str):
            labels[item] = len(code)
        else:
            code.append(item)

    def offset(label: str | None, at: int) -> int:
        if label is None:
            return 0
        distance = labels[label] - at - 1
        if distance < 0:
            raise ValueError(f"classic BPF jumps only forward: {label}")
        return distance

    out = []
    for at, insn in enumerate(code):
        if insn.code == JMP | JA:
            out.append((insn.code, 0, 0, offset(insn.jt, at)))
            continue
        jt, jf = offset(insn.jt, at), offset(insn.jf, at)
        if max(jt, jf) > 255:
            raise ValueError(f"conditional jump too far at {at}")
        out.append((insn.code, jt, jf, insn.k & 0xFFFFFFFF))
    return out


def pack(program: list[tuple[int, int, int, int]]) -> bytes:
    """The program as an array of struct sock_filter / struct bpf_insn."""
    return b"".join(struct.pack("=HBBI", c, jt, jf, k) for c, jt, jf, k in program)
