"""The RTP fixed header (RFC 3550 §5.1), read without ever touching payload or extensions.

`parse_rtp` returns the header fields a receiver needs for statistics. CSRCs are
counted, not kept. A header extension (RFC 3550 §5.3.1; RFC 8285 one-byte 0xBEDE and
two-byte 0x100X forms) is skipped by the length word of its 4-byte preamble: its
elements are never parsed, because some carry content (RFC 6464 audio level). The
payload and the padding count in its last octet are never read either: with SRTP both
are encrypted, and they say nothing the counters need.
"""

from __future__ import annotations

from dataclasses import dataclass

FIXED_HEADER = 12
VERSION = 2


@dataclass(frozen=True, slots=True)
class RtpHeader:
    """Header fields of one RTP packet; `header_length` is where the payload starts."""

    marker: bool
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    csrc_count: int
    padding: bool
    extension: bool
    header_length: int  # bytes: fixed header + CSRC list + extension, if any


def parse_rtp(data: bytes, length: int | None = None) -> RtpHeader | None:
    """The header of an RTP packet, or None when `data` is not one or is cut short.

    `length` is the packet's full length on the wire when `data` is a truncated capture;
    the header (CSRCs and the extension preamble included) must lie inside `data` and
    the whole header inside `length`.
    """
    wire = len(data) if length is None else length
    if len(data) < FIXED_HEADER or data[0] >> 6 != VERSION:
        return None
    first, second = data[0], data[1]
    csrc_count = first & 0x0F
    end = FIXED_HEADER + 4 * csrc_count
    extension = bool(first & 0x10)
    if extension:
        if len(data) < end + 4:
            return None
        words = int.from_bytes(data[end + 2 : end + 4])  # RFC 3550 §5.3.1: length in words
        end += 4 + 4 * words
    if end > wire:
        return None
    return RtpHeader(
        marker=bool(second & 0x80),
        payload_type=second & 0x7F,
        sequence=int.from_bytes(data[2:4]),
        timestamp=int.from_bytes(data[4:8]),
        ssrc=int.from_bytes(data[8:12]),
        csrc_count=csrc_count,
        padding=bool(first & 0x20),
        extension=extension,
        header_length=end,
    )
