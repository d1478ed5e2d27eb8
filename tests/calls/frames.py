"""Builders of link, IP and UDP headers around a payload, for the capture tests."""

from __future__ import annotations

import ipaddress
import struct


def udp(payload: bytes, sport: int = 5004, dport: int = 40000) -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def ipv4(
    segment: bytes,
    src: str = "192.0.2.10",
    dst: str = "198.51.100.7",
    options: bytes = b"",
    flags_fragment: int = 0x4000,  # DF, offset 0
    protocol: int = 17,
) -> bytes:
    ihl = 5 + len(options) // 4
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(options) + len(segment), 1, flags_fragment,
        64, protocol, 0, ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed,
    )  # fmt: skip
    return header + options + segment


def ipv6(
    segment: bytes,
    src: str = "2001:db8::10",
    dst: str = "2001:db8::7",
    extensions: list[tuple[int, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """`extensions`: (type, body) pairs; each body is padded to a multiple of 8 with its
    two header bytes; the chain ends in UDP."""
    chain, types = b"", [kind for kind, _ in extensions] + [17]
    for index, (_, body) in enumerate(extensions):
        whole = body + b"\0" * ((-(len(body) + 2)) % 8)
        chain += bytes([types[index + 1], (len(whole) + 2) // 8 - 1]) + whole
    payload = chain + segment
    header = struct.pack("!IHBB", 0x60000000, len(payload), types[0], 64)
    return header + ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + payload


def ethernet(packet: bytes, ethertype: int = 0x0800, vlans: tuple[int, ...] = ()) -> bytes:
    tags = b"".join(struct.pack("!HH", 0x8100, vid) for vid in vlans)
    return b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + tags + struct.pack("!H", ethertype) + packet


def sll(packet: bytes, ethertype: int = 0x0800) -> bytes:
    return struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01\0\0", ethertype) + packet


def sll2(packet: bytes, ethertype: int = 0x0800) -> bytes:
    return struct.pack("!HHIHBB8s", ethertype, 0, 2, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0") + packet


def null(packet: bytes, family: int = 2) -> bytes:
    return family.to_bytes(4, "little") + packet
