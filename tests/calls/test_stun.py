"""STUN (RFC 5769 vectors), TURN ChannelData captured from Chrome, Send/Data indications."""

from __future__ import annotations

import hypothesis
from hypothesis import strategies as st

from agentprobe.calls import stun
from tests.calls.packets import (
    channel_data,
    data_indication,
    packet,
    packets,
    send_indication,
    stun_message,
)

TRANSACTION = bytes.fromhex("b7e7a701bc34d686fa87dfae")


def test_rfc5769_binding_request_and_responses() -> None:
    request, response_v4, response_v6 = (stun.parse_stun(p) for p in packets("rfc5769_vectors"))
    assert request == stun.StunMessage(stun.BINDING, stun.REQUEST, TRANSACTION)
    assert response_v4 == stun.StunMessage(stun.BINDING, stun.SUCCESS, TRANSACTION)
    assert response_v6 == stun.StunMessage(stun.BINDING, stun.SUCCESS, TRANSACTION)


def test_xor_address_decoding_matches_rfc5769() -> None:
    """XOR-PEER-ADDRESS has XOR-MAPPED-ADDRESS's encoding: use the RFC's values as a peer."""
    v4, v6 = packets("rfc5769_vectors")[1:]
    value_v4, value_v6 = v4[40:48], v6[40:60]
    for value, peer in (
        (value_v4, ("192.0.2.1", 32853)),
        (value_v6, ("2001:db8:1234:5678:11:2233:4455:6677", 32853)),
    ):
        indication = stun_message(0x0017, TRANSACTION, [(0x0012, value), (0x0013, b"\x80\x00")])
        message = stun.parse_stun(indication)
        assert message is not None and message.peer == peer


def test_chrome_allocate_requests_and_coturn_answers() -> None:
    messages = [stun.parse_stun(p) for p in packets("pion_turn_chrome_allocate")]
    assert [(m.method, m.klass) for m in messages if m] == [(3, 0), (3, 3), (3, 0), (3, 2)]


def test_chrome_channel_data_unwraps_to_a_binding_request_and_dtls() -> None:
    binding, dtls = (stun.parse_channel_data(p) for p in packets("pion_turn_chrome_chandata"))
    assert binding is not None and dtls is not None
    assert binding.channel == dtls.channel == 0x4000
    inner = stun.parse_stun(binding.data.payload)
    assert inner is not None and (inner.method, inner.klass) == (stun.BINDING, stun.REQUEST)
    assert dtls.data.payload[:3] == b"\x16\xfe\xfd" and dtls.data.length == 0x223


def test_send_and_data_indications_carry_peer_and_datagram() -> None:
    rtp = packet("aiortc_rtp")
    for build, method in ((send_indication, stun.SEND), (data_indication, stun.DATA)):
        message = stun.parse_stun(build(("198.51.100.4", 61000), rtp))
        assert message is not None and (message.method, message.klass) == (method, stun.INDICATION)
        assert message.peer == ("198.51.100.4", 61000)
        assert message.data == stun.Relayed(rtp, len(rtp))


def test_truncated_data_indication_keeps_the_full_length() -> None:
    rtp = packet("aiortc_rtp")
    whole = data_indication(("198.51.100.4", 61000), rtp)
    message = stun.parse_stun(whole[:80], length=len(whole))
    assert message is not None and message.data is not None
    assert message.data.length == len(rtp) and message.data.payload == rtp[: 80 - 36]


def test_channel_data_padding_is_optional_over_udp() -> None:
    data = b"\x80" + b"\x00" * 12  # 13 bytes: three bytes of padding when padded
    assert stun.parse_channel_data(channel_data(0x4001, data)) == stun.ChannelData(
        0x4001, stun.Relayed(data, 13)
    )
    assert stun.parse_channel_data(channel_data(0x4001, data, pad=False)) is not None
    assert stun.parse_channel_data(channel_data(0x4001, data) + b"\x00" * 4) is None
    assert stun.parse_channel_data(channel_data(0x3FFF, data)) is None
    assert stun.parse_channel_data(channel_data(0x5000, data)) is None


def test_not_stun_when_cookie_or_length_is_wrong() -> None:
    request = packets("rfc5769_vectors")[0]
    assert stun.parse_stun(request[:4] + b"\x00\x00\x00\x00" + request[8:]) is None
    assert stun.parse_stun(request[:-4]) is None
    assert stun.parse_stun(request + b"\x00" * 4) is None
    assert all(stun.parse_stun(request[:n]) is None for n in range(20))


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(st.binary(max_size=120))
def test_no_bytes_raise(data: bytes) -> None:
    stun.parse_stun(data)
    stun.parse_channel_data(data)
    body = len(data) + (-len(data) % 4)
    framed = (0x0017).to_bytes(2, "big") + body.to_bytes(2, "big") + b"\x21\x12\xa4\x42" + b"t" * 12
    stun.parse_stun(framed + data + b"\x00" * (-len(data) % 4))
