"""The RTP header reader on real packets (aiortc, libsrtp, Pion) and on edge cases."""

from __future__ import annotations

import hypothesis
from hypothesis import strategies as st

from agentprobe.calls.rtp import RtpHeader, parse_rtp
from tests.calls.packets import one_byte_extension, packet, packets, rtp


def test_real_pcmu_packet_reads_as_aiortc_reads_it() -> None:
    header = parse_rtp(packet("aiortc_rtp"))
    assert header == RtpHeader(
        marker=False,
        payload_type=0,
        sequence=15743,
        timestamp=3937035252,
        ssrc=4028317929,
        csrc_count=0,
        padding=False,
        extension=False,
        header_length=12,
    )


def test_csrcs_are_counted_and_stepped_over() -> None:
    data = packet("aiortc_rtp_with_csrc")
    header = parse_rtp(data)
    assert header is not None
    assert (header.sequence, header.timestamp, header.csrc_count) == (16082, 144, 2)
    assert header.header_length == 20 and len(data) - header.header_length == 160


def test_one_byte_extension_is_skipped_by_its_length() -> None:
    data = packet("aiortc_rtp_with_sdes_mid")
    header = parse_rtp(data)
    assert header is not None
    assert (header.marker, header.payload_type, header.sequence) == (True, 111, 14156)
    assert header.timestamp == 1327210925 and header.extension
    assert len(data) - header.header_length == 54  # aiortc's payload length


def test_padding_only_packet_with_extension() -> None:
    header = parse_rtp(packet("aiortc_rtp_only_padding_with_header_extensions"))
    assert header is not None
    assert (header.padding, header.payload_type, header.sequence) == (True, 98, 22138)
    assert header.timestamp == 3171065731 and header.header_length == 20


def test_two_byte_extension_block_from_pion_is_skipped_by_its_length() -> None:
    block = packet("pion_rtp_two_byte_extension")
    data = rtp(7, 960, pt=111, payload=b"opus", extension=block)
    header = parse_rtp(data)
    assert header is not None and header.extension
    assert header.header_length == 12 + 4 + 7 * 4
    assert data[header.header_length :] == b"opus"


def test_srtp_header_is_the_rtp_header() -> None:
    """libsrtp's plaintext and its SRTP protection: the header cannot tell them apart."""
    plain, protected, _ = packets("libsrtp_validate")
    a, b = parse_rtp(plain), parse_rtp(protected)
    assert a is not None and a == b
    assert (a.payload_type, a.sequence, a.timestamp, a.ssrc) == (15, 0x1234, 0xDECAFBAD, 0xCAFEBABE)


def test_truncated_headers_are_none() -> None:
    data = packet("aiortc_rtp_with_csrc")
    assert all(parse_rtp(data[:n]) is None for n in range(20))
    mid = packet("aiortc_rtp_with_sdes_mid")
    assert all(parse_rtp(mid[:n]) is None for n in range(20))


def test_capture_cut_after_the_header_still_reads() -> None:
    """A short snap length keeps the header; the wire length says the packet was whole."""
    data = packet("aiortc_rtp_with_sdes_mid")
    header = parse_rtp(data[:20], length=len(data))
    assert header is not None and header.sequence == 14156


def test_extension_longer_than_the_packet_is_rejected() -> None:
    data = rtp(1, 2, payload=b"", extension=b"\xbe\xde\x00\x09" + b"\x00" * 4)
    assert parse_rtp(data) is None


def test_other_versions_are_rejected() -> None:
    data = bytearray(packet("aiortc_rtp"))
    for version in (0, 1, 3):
        data[0] = (data[0] & 0x3F) | version << 6
        assert parse_rtp(bytes(data)) is None


def test_audio_level_value_does_not_change_the_header() -> None:
    """RFC 6464 audio level is content: two levels, the same header fields."""
    low = rtp(5, 800, extension=one_byte_extension([(1, b"\x7f")]))
    high = rtp(5, 800, extension=one_byte_extension([(1, b"\x81")]))
    assert parse_rtp(low) == parse_rtp(high)


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(st.binary(max_size=80), st.integers(min_value=0, max_value=2000))
def test_no_bytes_raise(data: bytes, length: int) -> None:
    header = parse_rtp(data, length)
    assert header is None or header.header_length <= min(length, len(data) + 4 * 65535 + 4)
