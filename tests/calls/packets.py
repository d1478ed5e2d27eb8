"""Packet fixtures for the call-telemetry tests: real packets from files, and builders.

Builders follow the RFC layouts: RTP fixed header (RFC 3550 §5.1), RTCP RR/SR (§6.4),
STUN/TURN messages (RFC 8489 §5, RFC 8656 §10 and §12).
"""

from __future__ import annotations

import struct
from pathlib import Path

DATA = Path(__file__).parent / "data"
COOKIE = 0x2112A442
LOCAL, REMOTE = ("10.1.0.2", 40000), ("203.0.113.7", 50000)


def packets(name: str) -> list[bytes]:
    """Every packet (one hex line each) of data/`name`.hex."""
    lines = (DATA / f"{name}.hex").read_text().split()
    return [bytes.fromhex(line) for line in lines]


def packet(name: str) -> bytes:
    return packets(name)[0]


def rtp(
    seq: int,
    ts: int,
    ssrc: int = 0x11223344,
    pt: int = 0,
    payload: bytes = b"\xd5" * 160,
    marker: bool = False,
    csrcs: tuple[int, ...] = (),
    extension: bytes = b"",
) -> bytes:
    """An RTP packet; `extension` is a whole extension block (profile, length, elements)."""
    first = 0x80 | len(csrcs) | (0x10 if extension else 0)
    second = pt | (0x80 if marker else 0)
    header = struct.pack("!BBHII", first, second, seq % 65536, ts % (1 << 32), ssrc)
    return header + b"".join(struct.pack("!I", c) for c in csrcs) + extension + payload


def one_byte_extension(elements: list[tuple[int, bytes]]) -> bytes:
    """An RFC 8285 §4.2 one-byte extension block (profile 0xBEDE), padded to 32 bits."""
    body = b"".join(bytes([(ident << 4) | (len(value) - 1)]) + value for ident, value in elements)
    body += b"\x00" * (-len(body) % 4)
    return struct.pack("!HH", 0xBEDE, len(body) // 4) + body


def receiver_report(
    ssrc: int,
    about: int,
    fraction: int,
    cumulative: int,
    highest: int,
    jitter: int,
    lsr: int = 0,
    dlsr: int = 0,
) -> bytes:
    block = struct.pack("!IB", about, fraction) + cumulative.to_bytes(3, "big", signed=True)
    block += struct.pack("!IIII", highest, jitter, lsr, dlsr)
    return struct.pack("!BBHI", 0x81, 201, 7, ssrc) + block


def sender_report(ssrc: int, ntp: int, rtp_ts: int, packets_sent: int, octets: int) -> bytes:
    return struct.pack("!BBHIQIII", 0x80, 200, 6, ssrc, ntp, rtp_ts, packets_sent, octets)


def stun_message(kind: int, transaction: bytes, attributes: list[tuple[int, bytes]]) -> bytes:
    body = b""
    for attr, value in attributes:
        body += struct.pack("!HH", attr, len(value)) + value + b"\x00" * (-len(value) % 4)
    return struct.pack("!HHI", kind, len(body), COOKIE) + transaction + body


def xor_address(ip: str, port: int) -> bytes:
    """An IPv4 XOR-PEER-ADDRESS value (RFC 8489 §14.2)."""
    raw = bytes(int(part) for part in ip.split("."))
    xored = bytes(a ^ b for a, b in zip(raw, COOKIE.to_bytes(4, "big"), strict=True))
    return struct.pack("!BBH", 0, 1, port ^ (COOKIE >> 16)) + xored


def send_indication(peer: tuple[str, int], data: bytes, transaction: bytes = b"s" * 12) -> bytes:
    return stun_message(0x0016, transaction, [(0x0012, xor_address(*peer)), (0x0013, data)])


def data_indication(peer: tuple[str, int], data: bytes, transaction: bytes = b"d" * 12) -> bytes:
    return stun_message(0x0017, transaction, [(0x0012, xor_address(*peer)), (0x0013, data)])


def channel_bind(channel: int, peer: tuple[str, int], transaction: bytes = b"c" * 12) -> bytes:
    number = struct.pack("!HH", channel, 0)
    return stun_message(0x0009, transaction, [(0x000C, number), (0x0012, xor_address(*peer))])


def channel_data(channel: int, data: bytes, pad: bool = True) -> bytes:
    padding = b"\x00" * (-len(data) % 4) if pad else b""
    return struct.pack("!HH", channel, len(data)) + data + padding
