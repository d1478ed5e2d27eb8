"""RTCP SR/RR out of real compound packets (aiortc), and SRTCP (libsrtp) left unread."""

from __future__ import annotations

import hypothesis
from hypothesis import strategies as st

from agentprobe.calls.rtcp import ReportBlock, SenderInfo, looks_like_srtcp, parse_compound
from tests.calls.packets import packet, packets, receiver_report


def test_real_sender_report_reads_as_aiortc_reads_it() -> None:
    [report] = parse_compound(packet("aiortc_rtcp_sr")) or []
    assert report.ssrc == 1831097322
    assert report.sender == SenderInfo(16016567581311369308, 1722342718, 269, 13557)
    assert report.blocks == (ReportBlock(2398654957, 0, 0, 246, 127, 0, 0),)


def test_real_receiver_report() -> None:
    [report] = parse_compound(packet("aiortc_rtcp_rr")) or []
    assert report.ssrc == 817267719 and report.sender is None
    assert report.blocks == (ReportBlock(1200895919, 0, 0, 630, 1906, 0, 0),)


def test_compound_steps_over_sdes_bye_and_feedback() -> None:
    names = ["aiortc_rtcp_sr", "aiortc_rtcp_sdes", "aiortc_rtcp_rtpfb", "aiortc_rtcp_psfb_pli"]
    data = b"".join(packet(n) for n in names) + packet("aiortc_rtcp_bye")
    reports = parse_compound(data)
    assert reports is not None and [r.ssrc for r in reports] == [1831097322]


def test_lengths_that_do_not_add_up_are_rejected() -> None:
    data = packet("aiortc_rtcp_sr") + packet("aiortc_rtcp_sdes")
    assert parse_compound(data + b"\x00\x00\x00\x00") is None
    assert parse_compound(data[:-4]) is None
    assert all(parse_compound(data[:n]) is None for n in range(1, 52))


def test_srtcp_is_not_misread() -> None:
    """libsrtp's SRTCP: SR header in clear, body encrypted, E-flag|index and a tag behind."""
    srtcp = packets("libsrtp_validate")[2]
    assert parse_compound(srtcp) is None
    assert looks_like_srtcp(srtcp)


def test_srtcp_of_a_real_compound_is_recognised() -> None:
    """The shape RFC 3711 §3.4 gives a real SR+SDES: the first length stays in clear."""
    plain = packet("aiortc_rtcp_sr") + packet("aiortc_rtcp_sdes")
    scrambled = plain[:8] + bytes(b ^ 0x5A for b in plain[8:])
    srtcp = scrambled + b"\x80\x00\x00\x07" + b"\x11" * 10
    assert parse_compound(srtcp) is None and looks_like_srtcp(srtcp)
    assert not looks_like_srtcp(plain)


def test_padding_only_in_the_last_packet() -> None:
    rr = bytearray(packet("aiortc_rtcp_rr"))
    rr[0] |= 0x20
    assert parse_compound(bytes(rr)) is not None
    assert parse_compound(bytes(rr) + packet("aiortc_rtcp_bye")) is None


def test_negative_cumulative_loss_and_lsr_dlsr() -> None:
    data = receiver_report(1, 2, 12, -3, 70000, 80, lsr=0x12345678, dlsr=0x00018000)
    [report] = parse_compound(data) or []
    assert report.blocks == (ReportBlock(2, 12, -3, 70000, 80, 0x12345678, 0x18000),)


def test_report_count_beyond_the_packet_is_rejected() -> None:
    rr = bytearray(packet("aiortc_rtcp_rr"))
    rr[0] = 0x82  # two blocks announced, one present
    assert parse_compound(bytes(rr)) is None


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(st.binary(max_size=120))
def test_no_bytes_raise(data: bytes) -> None:
    parse_compound(data)
    looks_like_srtcp(data)
    parse_compound(b"\x81\xc9" + data)
