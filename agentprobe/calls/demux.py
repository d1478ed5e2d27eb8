"""What a UDP datagram carries, from its first byte or two (RFC 7983, RFC 5761 §4).

RFC 7983 splits the first byte: 0-3 STUN, 16-19 ZRTP, 20-63 DTLS, 64-79 TURN
ChannelData, 128-191 RTP or RTCP. RTP and RTCP share the 128-191 range; RFC 5761 §4
tells them apart by the second byte with the marker bit masked: 64-95 (RTCP packet
types 192-223) is RTCP. Everything else (DNS, QUIC, games, NTP) is rejected here,
after one byte, before any parser runs; the parsers then validate lengths and the
tracker waits for two RTP packets close in sequence (RFC 3550 §A.1 probation) before it
believes a flow is media.
"""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    STUN = "stun"
    ZRTP = "zrtp"
    DTLS = "dtls"
    CHANNEL_DATA = "channel-data"
    RTP = "rtp"
    RTCP = "rtcp"


_BY_FIRST_BYTE: list[Kind | None] = [None] * 256
for _byte in range(256):
    if _byte <= 3:
        _BY_FIRST_BYTE[_byte] = Kind.STUN
    elif 16 <= _byte <= 19:
        _BY_FIRST_BYTE[_byte] = Kind.ZRTP
    elif 20 <= _byte <= 63:
        _BY_FIRST_BYTE[_byte] = Kind.DTLS
    elif 64 <= _byte <= 79:
        _BY_FIRST_BYTE[_byte] = Kind.CHANNEL_DATA
    elif 128 <= _byte <= 191:
        _BY_FIRST_BYTE[_byte] = Kind.RTP


def classify(data: bytes) -> Kind | None:
    """The RFC 7983 class of a datagram, or None for anything that is not call traffic."""
    if not data:
        return None
    kind = _BY_FIRST_BYTE[data[0]]
    if kind is Kind.RTP:
        if len(data) < 2:
            return None
        return Kind.RTCP if 64 <= data[1] & 0x7F <= 95 else Kind.RTP
    return kind


def is_dtls_handshake(data: bytes) -> bool:
    """A DTLS handshake record (RFC 6347 §4.1: content type 22, version 0xFEFF/0xFEFD/0xFEFC)."""
    return len(data) >= 13 and data[0] == 22 and data[1] == 0xFE and data[2] in (0xFF, 0xFD, 0xFC)


def is_zrtp(data: bytes) -> bool:
    """A ZRTP packet (RFC 6189 §5: the magic cookie "ZRTP" in bytes 4-7)."""
    return len(data) >= 12 and data[4:8] == b"ZRTP"
