"""A classic BPF interpreter for tests: runs a filter on bytes the way the kernel does.

Out-of-bounds loads end the program with 0 (drop), as in the Linux and BSD kernels.
`protocol` answers the Linux ancillary load of skb->protocol.
"""

from __future__ import annotations

from agentprobe.calls.capture import assembler as bpf


class OutOfBounds(Exception):
    pass


def run(program: list[tuple[int, int, int, int]], packet: bytes, protocol: int = 0) -> int:
    """The filter's verdict: how many bytes of `packet` to keep (0 drops it)."""
    a = x = 0
    memory = [0] * 16
    pc = 0
    for _ in range(4096):
        code, jt, jf, k = program[pc]
        pc += 1
        klass = code & 0x07
        try:
            if klass == bpf.RET:
                return min(len(packet), a if code & bpf.RVAL_A else k)
            if klass == bpf.LD:
                a = _load(code, k, x, memory, packet, protocol)
            elif klass == bpf.LDX:
                x = k if code & 0xE0 == bpf.IMM else 4 * (_byte(packet, k) & 0x0F)
            elif klass == bpf.ST:
                memory[k] = a
            elif klass == bpf.ALU:
                a = _alu(code, a, x if code & bpf.SRC_X else k)
            elif klass == bpf.JMP:
                pc += _jump(code, a, k, jt, jf)
            elif klass == bpf.MISC:
                if code & 0xF8 == bpf.TXA:
                    a = x
                else:
                    x = a
        except OutOfBounds:
            return 0
    raise AssertionError("program ran too long")


def _byte(packet: bytes, at: int) -> int:
    if at >= len(packet):
        raise OutOfBounds
    return packet[at]


def _load(code: int, k: int, x: int, memory: list[int], packet: bytes, protocol: int) -> int:
    mode, size = code & 0xE0, code & 0x18
    if mode == bpf.MEM:
        return memory[k]
    if mode == bpf.ABS and k == bpf.SKF_AD_PROTOCOL:
        return protocol
    at = k + (x if mode == bpf.IND else 0)
    width = {bpf.W: 4, bpf.H: 2, bpf.B: 1}[size]
    if at + width > len(packet):
        raise OutOfBounds
    return int.from_bytes(packet[at : at + width], "big")


def _alu(code: int, a: int, operand: int) -> int:
    op = code & 0xF0
    result = {bpf.ADD: a + operand, bpf.AND: a & operand, bpf.LSH: a << operand}[op]
    return result & 0xFFFFFFFF


def _jump(code: int, a: int, k: int, jt: int, jf: int) -> int:
    op = code & 0xF0
    if op == bpf.JA:
        return k
    taken = {bpf.JEQ: a == k, bpf.JGT: a > k, bpf.JGE: a >= k, bpf.JSET: bool(a & k)}[op]
    return jt if taken else jf
