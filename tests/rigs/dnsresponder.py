"""A tiny authoritative DNS responder for tests: `python dnsresponder.py ADDR PORT NAME=IP...`.

Answers A queries for the given names, an empty NOERROR for their other types, and
NXDOMAIN for anything else. Prints "ready" once bound; exits after 120 s at most.
"""

from __future__ import annotations

import socket
import struct
import sys
import time


def parse_question(packet: bytes) -> tuple[str, int, int]:
    """(name, qtype, end offset) of the first question."""
    labels, offset = [], 12
    while packet[offset]:
        length = packet[offset]
        labels.append(packet[offset + 1 : offset + 1 + length].decode())
        offset += 1 + length
    qtype = struct.unpack("!H", packet[offset + 1 : offset + 3])[0]
    return ".".join(labels).lower(), qtype, offset + 5


def answer(packet: bytes, table: dict[str, str]) -> bytes:
    name, qtype, end = parse_question(packet)
    ident = packet[:2]
    if name not in table:
        return ident + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + packet[12:end]
    if qtype != 1:
        return ident + struct.pack("!HHHHH", 0x8180, 1, 0, 0, 0) + packet[12:end]
    record = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(table[name])
    return ident + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + packet[12:end] + record


def main() -> None:
    address, port, *pairs = sys.argv[1:]
    table = dict(pair.split("=", 1) for pair in pairs)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((address, int(port)))
        sock.settimeout(1.0)
        print("ready", flush=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                packet, peer = sock.recvfrom(512)
            except TimeoutError:
                continue
            if len(packet) > 12:
                sock.sendto(answer(packet, table), peer)


if __name__ == "__main__":
    main()
