"""ICMP echo packets and `ping` output: pure building and parsing, no sockets."""

from __future__ import annotations

import re
import struct

ECHO_REQUEST, ECHO_REPLY = 8, 0


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data`."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(ident: int, sequence: int, payload: bytes = b"agentprobe") -> bytes:
    header = struct.pack("!BBHHH", ECHO_REQUEST, 0, 0, ident, sequence)
    total = checksum(header + payload)
    return struct.pack("!BBHHH", ECHO_REQUEST, 0, total, ident, sequence) + payload


def reply_sequence(packet: bytes) -> int | None:
    """The sequence number of an echo reply, or None for anything else.

    Linux datagram ICMP sockets deliver the ICMP message alone; macOS prepends the IP
    header, which starts with version 4 (0x4_) where an ICMP type would be 0.
    """
    if packet and packet[0] >> 4 == 4:
        packet = packet[(packet[0] & 0x0F) * 4 :]
    if len(packet) < 8 or packet[0] != ECHO_REPLY:
        return None
    sequence: int = struct.unpack("!H", packet[6:8])[0]
    return sequence


_TIME = re.compile(r"time[=<]\s*(\d+(?:\.\d+)?)\s*ms", re.I)


def parse_ping(text: str) -> list[float]:
    """Round-trip times in ms from Linux, macOS or Windows `ping` output.

    Windows prints "time<1ms" for sub-millisecond replies; that reads as 1 ms, an
    upper bound, since the tool gives nothing finer.
    """
    return [float(value) for value in _TIME.findall(text)]
