"""RTCP sender and receiver reports (RFC 3550 §6.4) out of a compound packet.

`parse_compound` walks the packets of one datagram by their length words and keeps
SR and RR: the sender info (NTP and RTP timestamps, packet and octet counts) and the
report blocks (fraction and cumulative lost, extended highest sequence, jitter, LSR,
DLSR). SDES, BYE, APP, XR and feedback packets are stepped over, never read.

Only plain RTCP is read. SRTCP (RFC 3711 §3.4) keeps the first 8 bytes in clear,
encrypts the rest, and appends the E-flag and index word and an authentication tag, so
its packet lengths no longer add up to the datagram: the validity check of RFC 3550
§A.2 (every header version 2, padding only in the last packet, lengths summing exactly
to the datagram) rejects it, and `looks_like_srtcp` tells the tracker it saw one. The
first packet may be of any RTCP type, since reduced-size RTCP (RFC 5506) need not
start with an SR or RR.
"""

from __future__ import annotations

from dataclasses import dataclass

SR, RR = 200, 201
RTCP_TYPES = range(192, 224)  # RFC 5761 §4: RTCP packet types that a PT mask can mistake
_HEADER = 4
_SENDER_INFO = 20
_BLOCK = 24
_SRTCP_MINIMUM = 8 + 4 + 4  # header and SSRC, E-flag and index, a 32-bit tag


@dataclass(frozen=True, slots=True)
class SenderInfo:
    """RFC 3550 §6.4.1 sender info: NTP timestamp as one 64-bit integer."""

    ntp: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int

    @property
    def ntp_middle(self) -> int:
        """The middle 32 bits, what a receiver echoes as LSR."""
        return (self.ntp >> 16) & 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class ReportBlock:
    """One reception report about the source `ssrc`."""

    ssrc: int
    fraction_lost: int  # 0..255, lost/expected since the previous report, times 256
    cumulative_lost: int  # signed 24 bits (duplicates can make it negative)
    highest_seq: int  # extended highest sequence number received
    jitter: int  # RTP timestamp units
    lsr: int  # middle 32 bits of the last SR's NTP timestamp, 0 if none
    dlsr: int  # delay since that SR, 1/65536 s


@dataclass(frozen=True, slots=True)
class Report:
    """An SR (with `sender`) or RR (without) from the source `ssrc`."""

    ssrc: int
    sender: SenderInfo | None
    blocks: tuple[ReportBlock, ...]


def parse_compound(data: bytes) -> list[Report] | None:
    """The SR and RR of a compound RTCP datagram, or None if it is not valid plain RTCP."""
    reports: list[Report] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < _HEADER or data[offset] >> 6 != 2:
            return None
        if data[offset + 1] not in RTCP_TYPES:
            return None
        size = 4 * (int.from_bytes(data[offset + 2 : offset + 4]) + 1)
        end = offset + size
        if end > len(data) or (data[offset] & 0x20 and end != len(data)):
            return None
        if data[offset + 1] in (SR, RR):
            report = _report(data[offset:end])
            if report is None:
                return None
            reports.append(report)
        offset = end
    return reports if offset == len(data) and offset > 0 else None


def looks_like_srtcp(data: bytes) -> bool:
    """An SR/RR-headed datagram that fails plain-RTCP validation: SRTCP's encrypted body and
    trailing E-flag, index and tag (RFC 3711 §3.4) break the lengths of RFC 3550 §A.2."""
    if len(data) < _SRTCP_MINIMUM or data[0] >> 6 != 2 or data[1] not in (SR, RR):
        return False
    return parse_compound(data) is None


def _report(packet: bytes) -> Report | None:
    count, kind = packet[0] & 0x1F, packet[1]
    if len(packet) < 8:
        return None
    ssrc = int.from_bytes(packet[4:8])
    offset, sender = 8, None
    if kind == SR:
        if len(packet) < offset + _SENDER_INFO:
            return None
        sender = _sender_info(packet[offset : offset + _SENDER_INFO])
        offset += _SENDER_INFO
    if len(packet) < offset + count * _BLOCK:
        return None
    blocks = tuple(_block(packet[offset + i * _BLOCK :]) for i in range(count))
    return Report(ssrc=ssrc, sender=sender, blocks=blocks)


def _sender_info(raw: bytes) -> SenderInfo:
    return SenderInfo(
        ntp=int.from_bytes(raw[0:8]),
        rtp_timestamp=int.from_bytes(raw[8:12]),
        packet_count=int.from_bytes(raw[12:16]),
        octet_count=int.from_bytes(raw[16:20]),
    )


def _block(raw: bytes) -> ReportBlock:
    return ReportBlock(
        ssrc=int.from_bytes(raw[0:4]),
        fraction_lost=raw[4],
        cumulative_lost=int.from_bytes(raw[5:8], signed=True),
        highest_seq=int.from_bytes(raw[8:12]),
        jitter=int.from_bytes(raw[12:16]),
        lsr=int.from_bytes(raw[16:20]),
        dlsr=int.from_bytes(raw[20:24]),
    )
