"""The voice probe's packet layout, shared by the probe and the collector's reflector.

TWAMP-light style (RFC 5357): the sender stamps T1, the reflector stamps T2 on receipt
and T3 on sending, the sender stamps T4 on receipt of the reply. Every packet ends in a
truncated HMAC-SHA256 under the session key that was handed out over HTTPS, so the
reflector answers only its own sessions, and the sender only trusts real replies.

Layout (network byte order), request and reply alike::

    0  version   u8      = 1
    1  kind      u8      1 probe, 2 reply, 3 stats request, 4 stats reply
    2  session   8 bytes
    10 seq       u32     sender's sequence number (echoed)
    14 t1_ns     i64     sender's clock (echoed)
    22 t2_ns     i64     reflector's clock at receipt       (replies only)
    30 t3_ns     i64     reflector's clock at sending        (replies only)
    38 count     u32     reply: reflector's accepted count before this packet;
                         stats reply: packets accepted in the session
    42 limited   u32     stats reply: packets dropped by the rate limit
    .. padding to the request's size
    -8 mac       8 bytes HMAC-SHA256(key, everything before it)[:8]

A reply is exactly as long as its request, so the reflector never amplifies; requests
shorter than `MIN_PACKET_BYTES` are ignored.
"""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass

VERSION = 1
PROBE, REPLY, STATS, STATS_REPLY = 1, 2, 3, 4
MAC_BYTES = 8
SESSION_BYTES = 8
_HEAD = struct.Struct("!BB8sIq")  # version, kind, session, seq, t1
_REPLY = struct.Struct("!BB8sIqqqII")  # ... t2, t3, count, limited
MIN_PACKET_BYTES = _REPLY.size + MAC_BYTES  # 54: the smallest packet a reply fits in
MAX_PACKET_BYTES = 1400


@dataclass(frozen=True)
class Reply:
    """A decoded reply: the four timestamps and the reflector's counters."""

    kind: int
    seq: int
    t1_ns: int
    t2_ns: int
    t3_ns: int
    count: int
    limited: int


def mac(key: bytes, body: bytes) -> bytes:
    return hmac.digest(key, body, "sha256")[:MAC_BYTES]


def _seal(key: bytes, body: bytes, size: int) -> bytes:
    padded = body + bytes(max(0, size - MAC_BYTES - len(body)))
    return padded + mac(key, padded)


def request(
    key: bytes, session: bytes, seq: int, t1_ns: int, size: int, kind: int = PROBE
) -> bytes:
    """A probe (or stats) request of `size` bytes (at least MIN_PACKET_BYTES)."""
    size = min(max(size, MIN_PACKET_BYTES), MAX_PACKET_BYTES)
    return _seal(key, _HEAD.pack(VERSION, kind, session, seq & 0xFFFFFFFF, t1_ns), size)


def session_of(packet: bytes) -> bytes | None:
    """The session id of a plausibly well-formed packet, before any MAC check."""
    if len(packet) < MIN_PACKET_BYTES or len(packet) > MAX_PACKET_BYTES or packet[0] != VERSION:
        return None
    return packet[2 : 2 + SESSION_BYTES]


def verified(key: bytes, packet: bytes) -> bool:
    return hmac.compare_digest(mac(key, packet[:-MAC_BYTES]), packet[-MAC_BYTES:])


def reply_to(
    key: bytes, packet: bytes, t2_ns: int, t3_ns: int, count: int, limited: int = 0
) -> bytes:
    """The reply to a verified request: same length, stamped and sealed."""
    _, kind, session, seq, t1 = _HEAD.unpack_from(packet)
    answer = REPLY if kind == PROBE else STATS_REPLY
    body = _REPLY.pack(VERSION, answer, session, seq, t1, t2_ns, t3_ns, count, limited)
    return _seal(key, body, len(packet))


def kind_of(packet: bytes) -> int:
    return packet[1]


def parse_reply(key: bytes, session: bytes, packet: bytes) -> Reply | None:
    """Decode a reply of our session with a valid MAC, or None for anything else."""
    if session_of(packet) != session or not verified(key, packet):
        return None
    _, kind, _, seq, t1, t2, t3, count, limited = _REPLY.unpack_from(packet)
    if kind not in (REPLY, STATS_REPLY):
        return None
    return Reply(kind, seq, t1, t2, t3, count, limited)
