"""RFC 7983 first-byte demultiplexing and the RFC 5761 RTP/RTCP split."""

from __future__ import annotations

import pytest

from agentprobe.calls.demux import Kind, classify, is_dtls_handshake, is_zrtp
from agentprobe.calls.stun import parse_channel_data
from tests.calls.packets import packet, packets


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("aiortc_rtp", Kind.RTP),
        ("aiortc_rtp_with_sdes_mid", Kind.RTP),  # marker set, PT 111: 0xEF, still RTP
        ("aiortc_rtp_dtmf", Kind.RTP),
        ("aiortc_rtcp_sr", Kind.RTCP),
        ("aiortc_rtcp_rr", Kind.RTCP),
        ("aiortc_rtcp_bye", Kind.RTCP),
        ("aiortc_rtcp_psfb_pli", Kind.RTCP),
        ("rfc5769_vectors", Kind.STUN),
        ("pion_turn_chrome_chandata", Kind.CHANNEL_DATA),
    ],
)
def test_real_packets(name: str, kind: Kind) -> None:
    assert classify(packet(name)) is kind


def test_dtls_inside_chrome_channel_data() -> None:
    inner = packets("pion_turn_chrome_chandata")[1][4:]
    assert classify(inner) is Kind.DTLS and is_dtls_handshake(inner)


@pytest.mark.parametrize(
    ("first", "kind"),
    [
        (0, Kind.STUN),
        (3, Kind.STUN),
        (16, Kind.ZRTP),
        (19, Kind.ZRTP),
        (20, Kind.DTLS),
        (63, Kind.DTLS),
        (64, Kind.CHANNEL_DATA),
        (79, Kind.CHANNEL_DATA),
        (128, Kind.RTP),
        (191, Kind.RTP),
    ],
)
def test_first_byte_ranges(first: int, kind: Kind) -> None:
    assert classify(bytes([first, 0])) is kind


@pytest.mark.parametrize("first", [4, 15, 80, 127, 192, 255])
def test_everything_else_is_rejected_on_the_first_byte(first: int) -> None:
    assert classify(bytes([first]) + b"\x00" * 40) is None


def test_rtcp_range_is_64_to_95_after_the_marker_mask() -> None:
    assert [classify(bytes([0x80, second])) for second in (63, 64, 95, 96)] == [
        Kind.RTP,
        Kind.RTCP,
        Kind.RTCP,
        Kind.RTP,
    ]
    assert classify(bytes([0x80, 0x80 | 72])) is Kind.RTCP  # 200 (SR) either way


def test_common_non_call_traffic_is_rejected() -> None:
    quic_initial = bytes.fromhex("c300000001") + b"\x00" * 40
    quic_short = bytes.fromhex("5f") + b"\x00" * 40  # QUIC short header, fixed bit set
    quic_like_channel = bytes.fromhex("4401") + b"\xa7\x3c" + b"\x00" * 40
    ntp_client = bytes.fromhex("23") + b"\x00" * 47
    assert classify(quic_initial) is None
    assert classify(b"") is None and classify(b"\x80") is None
    assert not is_dtls_handshake(ntp_client)
    assert classify(quic_short) is None
    # 0x40-0x4F is ChannelData's range too: the length check turns the QUIC packet away
    assert classify(quic_like_channel) is Kind.CHANNEL_DATA
    assert parse_channel_data(quic_like_channel) is None


def test_zrtp_needs_its_magic_cookie() -> None:
    assert is_zrtp(b"\x10\x00\x00\x01ZRTP" + b"\x00" * 8)
    assert not is_zrtp(b"\x10\x00\x00\x01ZRTX" + b"\x00" * 8)
