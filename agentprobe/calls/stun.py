"""STUN (RFC 8489) and TURN (RFC 8656) framing: Binding transactions and relayed data.

`parse_stun` reads the 20-byte header (type, length, magic cookie 0x2112A442,
transaction id) and, for TURN Send and Data indications and ChannelBind requests, the
XOR-PEER-ADDRESS, CHANNEL-NUMBER and DATA attributes: the peer's address and the
datagram relayed to or from it. Every other attribute is skipped by its length.
`parse_channel_data` unwraps RFC 8656 §12 ChannelData (channel 0x4000-0x4FFF, length,
padding to 4 bytes). Relayed datagrams may be cut short by the capture: they come back
with their captured bytes and their full length.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

MAGIC_COOKIE = 0x2112A442
HEADER = 20
BINDING, SEND, DATA, CHANNEL_BIND = 0x001, 0x006, 0x007, 0x009
REQUEST, INDICATION, SUCCESS, ERROR = 0, 1, 2, 3
_XOR_PEER_ADDRESS, _DATA, _CHANNEL_NUMBER = 0x0012, 0x0013, 0x000C
CHANNELS = range(0x4000, 0x5000)


@dataclass(frozen=True, slots=True)
class Relayed:
    """A datagram inside TURN framing: captured bytes and its full length."""

    payload: bytes
    length: int


@dataclass(frozen=True, slots=True)
class StunMessage:
    """A STUN message's method, class, transaction id and the TURN attributes we use."""

    method: int
    klass: int
    transaction_id: bytes
    peer: tuple[str, int] | None = None  # XOR-PEER-ADDRESS
    channel: int | None = None  # CHANNEL-NUMBER
    data: Relayed | None = None  # DATA


@dataclass(frozen=True, slots=True)
class ChannelData:
    channel: int
    data: Relayed


def parse_stun(data: bytes, length: int | None = None) -> StunMessage | None:
    """A STUN message, or None when `data` is not one (RFC 8489 §5 and §6.3)."""
    wire = len(data) if length is None else length
    if len(data) < HEADER or data[0] & 0xC0 or int.from_bytes(data[4:8]) != MAGIC_COOKIE:
        return None
    size = int.from_bytes(data[2:4])
    if size % 4 or HEADER + size != wire:
        return None
    kind = int.from_bytes(data[0:2])
    method = (kind & 0x000F) | ((kind >> 1) & 0x0070) | ((kind >> 2) & 0x0F80)
    klass = ((kind >> 7) & 0x2) | ((kind >> 4) & 0x1)
    message = StunMessage(method, klass, bytes(data[8:20]))
    if method in (SEND, DATA, CHANNEL_BIND):
        return _with_attributes(message, data, wire)
    return message


def _with_attributes(message: StunMessage, data: bytes, wire: int) -> StunMessage:
    peer, channel, relayed = None, None, None
    offset = HEADER
    while offset + 4 <= min(len(data), wire):
        kind = int.from_bytes(data[offset : offset + 2])
        size = int.from_bytes(data[offset + 2 : offset + 4])
        value = data[offset + 4 : offset + 4 + size]
        if offset + 4 + size > wire:
            break
        if kind == _XOR_PEER_ADDRESS:
            peer = _xor_address(value, message.transaction_id)
        elif kind == _CHANNEL_NUMBER and len(value) >= 2:
            channel = int.from_bytes(value[0:2])
        elif kind == _DATA:
            relayed = Relayed(bytes(value), size)
        offset += 4 + size + (-size % 4)  # RFC 8489 §14: values padded to 4 bytes
    return replace(message, peer=peer, channel=channel, data=relayed)


def _xor_address(value: bytes, transaction_id: bytes) -> tuple[str, int] | None:
    """RFC 8489 §14.2 XOR-MAPPED-ADDRESS encoding (also XOR-PEER-ADDRESS)."""
    if len(value) < 8:
        return None
    port = int.from_bytes(value[2:4]) ^ (MAGIC_COOKIE >> 16)
    key = MAGIC_COOKIE.to_bytes(4) + transaction_id
    if value[1] == 0x01:
        raw = bytes(a ^ b for a, b in zip(value[4:8], key, strict=False))
        return str(ipaddress.IPv4Address(raw)), port
    if value[1] == 0x02 and len(value) >= 20:
        raw = bytes(a ^ b for a, b in zip(value[4:20], key, strict=True))
        return str(ipaddress.IPv6Address(raw)), port
    return None


def parse_channel_data(data: bytes, length: int | None = None) -> ChannelData | None:
    """TURN ChannelData (RFC 8656 §12.4), or None; over UDP the padding is optional."""
    wire = len(data) if length is None else length
    if len(data) < 4:
        return None
    channel, size = int.from_bytes(data[0:2]), int.from_bytes(data[2:4])
    if channel not in CHANNELS or not 0 <= wire - (4 + size) < 4:
        return None
    return ChannelData(channel, Relayed(bytes(data[4 : 4 + size]), size))
