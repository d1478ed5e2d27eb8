"""Link, IP and UDP header parsing, and the kernel filter's verdicts, on known bytes."""

from __future__ import annotations

import random
import struct

import pytest

from agentprobe.calls.capture import bpf, windows
from agentprobe.calls.capture.headers import Link, datagram
from agentprobe.calls.capture.macos import records
from agentprobe.calls.capture.source import CaptureUnavailable
from agentprobe.calls.tracker import Datagram
from tests.calls import bpfvm
from tests.calls.frames import ethernet, ipv4, ipv6, null, sll, sll2, udp
from tests.rigs import media, turn

RNG = random.Random(5)
RTP = media.rtp_packet(media.G711, 3, 0xABCD, RNG, srtp=False)  # 12 + 8 extension + 160
PEER = ("203.0.113.5", 5004)


def test_ethernet_ipv4_udp_becomes_a_datagram() -> None:
    frame = ethernet(ipv4(udp(b"abc", 5004, 40000)))
    assert datagram(frame, Link.ETHERNET, 12.5) == Datagram(
        at=12.5, src=("192.0.2.10", 5004), dst=("198.51.100.7", 40000), payload=b"abc", length=3
    )


@pytest.mark.parametrize(
    ("frame", "link"),
    [
        (ethernet(ipv4(udp(b"xy")), vlans=(7,)), Link.ETHERNET),
        (ethernet(ipv4(udp(b"xy")), vlans=(7, 8)), Link.ETHERNET),
        (sll(ipv4(udp(b"xy"))), Link.LINUX_SLL),
        (sll2(ipv4(udp(b"xy"))), Link.LINUX_SLL2),
        (null(ipv4(udp(b"xy"))), Link.NULL),
        (ipv4(udp(b"xy")), Link.RAW),
        (ipv4(udp(b"xy"), options=b"\x01\x01\x01\x00"), Link.RAW),
    ],
    ids=["vlan", "qinq", "sll", "sll2", "bsd-null", "raw", "ipv4-options"],
)
def test_every_framing_yields_the_same_datagram(frame: bytes, link: Link) -> None:
    found = datagram(frame, link, 1.0)
    assert found is not None
    assert (found.src, found.dst, found.payload, found.length) == (
        ("192.0.2.10", 5004), ("198.51.100.7", 40000), b"xy", 2,
    )  # fmt: skip


def test_ipv6_extension_headers_are_skipped_to_udp() -> None:
    packet = ipv6(udp(b"media"), extensions=[(0, b"\x01\x04\0\0\0\0"), (60, b"\x01\x02\0\0")])
    found = datagram(ethernet(packet, 0x86DD), Link.ETHERNET, 2.0)
    assert found == Datagram(2.0, ("2001:db8::10", 5004), ("2001:db8::7", 40000), b"media", 5)
    assert datagram(null(packet, 30), Link.NULL, 2.0) == found


@pytest.mark.parametrize(
    "frame",
    [
        ethernet(ipv4(udp(b"x"), flags_fragment=0x2000)),  # MF: the first fragment
        ethernet(ipv4(udp(b"x"), flags_fragment=0x0010)),  # a later fragment
        ethernet(ipv4(udp(b"x"), protocol=6)),  # TCP
        ethernet(ipv6(udp(b"x"), extensions=[(44, b"\0" * 6)]), 0x86DD),  # IPv6 fragment
        ethernet(b"\x00\x01\x08\x00" + b"\0" * 24, 0x0806),  # ARP
        ethernet(ipv4(udp(b"x"))[:24]),  # cut inside the UDP header
        b"\x02\0\0",
    ],
    ids=["first-fragment", "later-fragment", "tcp", "ipv6-fragment", "arp", "truncated", "runt"],
)
def test_what_is_not_a_whole_udp_datagram_is_skipped(frame: bytes) -> None:
    assert datagram(frame, Link.ETHERNET, 0.0) is None


def test_captured_bytes_may_be_short_but_the_length_is_the_wire_length() -> None:
    frame = ethernet(ipv4(udp(RTP)))[: 14 + 20 + 8 + 16]
    found = datagram(frame, Link.ETHERNET, 0.0)
    assert found is not None and (len(found.payload), found.length) == (16, len(RTP))


def test_ethernet_padding_is_not_payload() -> None:
    found = datagram(ethernet(ipv4(udp(b"ab"))) + b"\0" * 16, Link.ETHERNET, 0.0)
    assert found is not None and found.payload == b"ab"


ETH = bpf.program(bpf.Framing.ETHERNET)
COOKED = bpf.program(bpf.Framing.COOKED)
HEADERS = 14 + 20 + 8


def kept(payload: bytes) -> int:
    """Bytes of the UDP payload the filter keeps, for an Ethernet/IPv4 frame."""
    verdict = bpfvm.run(ETH, ethernet(ipv4(udp(payload))))
    return verdict - HEADERS


def test_rtp_keeps_the_fixed_header_csrcs_and_extension_length_word_only() -> None:
    assert kept(RTP) == 12 + 4  # profile 0xBEDE and length: the audio level is left behind
    with_csrcs = bytes([0x83]) + RTP[1:12] + b"C" * 12 + b"payload"
    assert kept(with_csrcs) == 12 + 12
    plain = bytes([0x80]) + RTP[1:]
    assert kept(plain) == 12


def test_turn_framing_keeps_its_header_and_the_inner_rtp_header() -> None:
    assert kept(turn.channel_data(RTP, 0x4001)) == 4 + 16
    data = turn.indication(RTP, PEER, b"T" * 12, turn.DATA_INDICATION)
    assert kept(data) == 20 + (4 + 8) + 4 + 16  # header, XOR-PEER-ADDRESS, DATA header
    send = turn.indication(RTP, ("2001:db8::5", 5004), b"T" * 12)
    assert kept(send) == 20 + (4 + 20) + 4 + 16


def test_stun_keeps_the_header_and_channel_bind_its_first_two_attributes() -> None:
    binding = turn.stun_message(0x0001, turn.attribute(0x0006, b"user:name"), b"B" * 12)
    assert kept(binding) == 20
    bind = turn.attribute(turn.CHANNEL_NUMBER, b"\x40\x01\0\0")
    bind += turn.attribute(turn.XOR_PEER_ADDRESS, turn.xor_address(*PEER, b""))
    bind += turn.attribute(turn.USERNAME, b"someone")
    assert kept(turn.stun_message(turn.CHANNEL_BIND, bind, b"C" * 12)) == 20 + 8 + 12


def test_keying_headers_rtcp_whole_and_other_udp_headers_only() -> None:
    assert kept(media.dtls_client_hello(RNG)) == 13
    assert kept(b"\x10\0\0\x01ZRTP" + b"\0" * 30) == 12
    report = media.srtcp_report(0xABCD, 1, RNG)
    assert kept(report) == len(report)
    assert kept(b"\x60\x34\x01\x00" + b"\0" * 40) == 0  # a DNS query: no payload at all


def test_the_filter_drops_fragments_tcp_and_non_ip() -> None:
    for frame in (
        ethernet(ipv4(udp(RTP), flags_fragment=0x2000)),
        ethernet(ipv4(udp(RTP), protocol=6)),
        ethernet(b"\0" * 28, 0x0806),
        ethernet(ipv4(udp(b""))),  # nothing to classify
    ):
        assert bpfvm.run(ETH, frame) == 0


def test_the_filter_handles_ip_options_vlan_ipv6_and_cooked_packets() -> None:
    options = ipv4(udp(RTP), options=b"\x01" * 8)
    assert bpfvm.run(ETH, ethernet(options)) == 14 + 28 + 8 + 16
    assert bpfvm.run(ETH, ethernet(ipv4(udp(RTP)), vlans=(9,))) == 18 + 20 + 8 + 16
    v6 = ipv6(udp(RTP), extensions=[(60, b"\x01\x02\0\0")])
    assert bpfvm.run(ETH, ethernet(v6, 0x86DD)) == 14 + 48 + 8 + 16
    assert bpfvm.run(COOKED, ipv4(udp(RTP)), protocol=0x0800) == 20 + 8 + 16
    assert bpfvm.run(COOKED, ipv4(udp(RTP)), protocol=0x0806) == 0


def test_no_marker_or_audio_level_byte_survives_the_filter() -> None:
    for index in range(100):
        packet = media.rtp_packet(media.OPUS, index, 7, RNG, srtp=index % 2 == 0)
        for framing, payload in ((0, packet), (4, turn.channel_data(packet, 0x4002))):
            frame = ethernet(ipv4(udp(payload)))
            captured = frame[: bpfvm.run(ETH, frame)]
            assert captured[HEADERS:] == payload[: framing + 16]  # before the extension values
            assert media.MARKER not in captured


def test_the_program_assembles_within_classic_bpf_limits() -> None:
    for framing in bpf.Framing:
        program = bpf.program(framing)
        assert len(program) < 4096
        assert len(bpf.pack(program)) == 8 * len(program)


def bpf_record(seconds: int, micros: int, frame: bytes, wire: int) -> bytes:
    """One macOS bpf(4) record: struct bpf_hdr (18 bytes) then the frame, word-aligned."""
    header = struct.pack("=iiIIH", seconds, micros, len(frame), wire, 18)
    whole = header + frame
    return whole + b"\0" * (-len(whole) % 4)


def test_macos_bpf_read_buffers_split_into_records() -> None:
    first, second = ethernet(ipv4(udp(RTP[:16]))), null(ipv4(udp(b"\x00\x01")))
    buffer = bpf_record(1700000000, 250000, first, 1500) + bpf_record(1700000001, 5, second, 50)
    assert list(records(buffer)) == [(1700000000.25, first, 1500), (1700000001.000005, second, 50)]
    found = datagram(second, Link.NULL, 1.0)
    assert found is not None and found.payload == b"\x00\x01"


def test_a_damaged_macos_buffer_ends_the_records_instead_of_misreading() -> None:
    good = bpf_record(1, 0, b"abcd", 4)
    damaged = struct.pack("=iiIIH", 2, 0, 4000, 4000, 18) + b"short"
    assert list(records(good + damaged)) == [(1.0, b"abcd", 4)]


def test_without_npcap_the_windows_source_says_to_install_it() -> None:
    with pytest.raises(
        CaptureUnavailable, match=r"^passive capture is unavailable on this PC: install Npcap"
    ):
        windows.load()  # no wpcap.dll here, exactly as on a PC without Npcap
