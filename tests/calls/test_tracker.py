"""CallTracker end to end on datagrams: grouping, TURN, RTT, RTCP, transport, MOS, privacy."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import hypothesis
from hypothesis import strategies as st

from agentprobe.calls.record import CallRecord
from agentprobe.calls.spool import CallSpool
from agentprobe.calls.tracker import MAX_PATHS, CallTracker, Datagram
from agentprobe.voice import emodel
from tests.calls.packets import (
    LOCAL,
    REMOTE,
    channel_bind,
    channel_data,
    data_indication,
    one_byte_extension,
    packets,
    receiver_report,
    rtp,
    send_indication,
    sender_report,
    stun_message,
    xor_address,
)

T0 = 1_764_620_000.0  # 2025-12-01T20:13:20Z
RELAY, PEER = ("198.51.100.10", 3478), ("192.0.2.44", 61000)


def is_local(ip: str) -> bool:
    return ip.startswith("10.")


def hashed(value: str) -> str:
    return f"h({value})"


Endpoint = tuple[str, int]


class Wire:
    """Datagrams between this host (10.x) and remotes, fed to one tracker."""

    def __init__(
        self, idle_s: float = 5.0, ignore: Callable[[Endpoint], bool] = lambda a: False
    ) -> None:
        self.tracker = CallTracker(is_local, hashed, idle_s=idle_s, ignore=ignore)

    def out(
        self,
        payload: bytes,
        at: float,
        local: Endpoint = LOCAL,
        remote: Endpoint = REMOTE,
        length: int | None = None,
    ) -> None:
        self.tracker.feed(Datagram(at, local, remote, payload, length or len(payload)))

    def back(
        self,
        payload: bytes,
        at: float,
        local: Endpoint = LOCAL,
        remote: Endpoint = REMOTE,
        length: int | None = None,
    ) -> None:
        self.tracker.feed(Datagram(at, remote, local, payload, length or len(payload)))

    def one(self) -> CallRecord:
        [record] = self.tracker.finish()
        return record


def g711_call(
    wire: Wire,
    n: int = 250,
    skip: frozenset[int] = frozenset(),
    local: Endpoint = LOCAL,
    remote: Endpoint = REMOTE,
) -> None:
    for i in range(n):
        at = T0 + 0.02 * i
        wire.out(rtp(1000 + i, 160 * i, ssrc=0xAAAA), at, local, remote)
        if i not in skip:
            wire.back(rtp(60000 + i, 8000 + 160 * i, ssrc=0xBBBB), at + 0.03, local, remote)


def test_a_g711_call_becomes_one_record_of_the_contract_shape() -> None:
    wire = Wire()
    g711_call(wire, skip=frozenset({40, 41, 42, 100}))
    record = wire.one().to_json()
    assert set(record) == {
        "call_id",
        "started_at",
        "ended_at",
        "duration_s",
        "transport",
        "codec",
        "remote",
        "metrics",
        "source",
    }
    assert record["started_at"] == "2025-12-01T20:13:20.000Z"
    assert record["ended_at"] == "2025-12-01T20:13:25.010Z"
    assert (record["duration_s"], record["transport"], record["codec"]) == (5.01, "rtp", "g711")
    assert (record["remote"], record["source"]) == ("h(203.0.113.7)", "capture")
    metrics = record["metrics"]
    assert {
        k: metrics[k]
        for k in (
            "rx_packets",
            "rx_loss_pct",
            "rx_max_burst_loss",
            "rx_reordered",
            "rx_duplicates",
            "tx_packets",
        )
    } == {
        "rx_packets": 246,
        "rx_loss_pct": 1.6,
        "rx_max_burst_loss": 3,
        "rx_reordered": 0,
        "rx_duplicates": 0,
        "tx_packets": 250,
    }
    assert metrics["rx_jitter_ms"] == 0.0 and metrics["rtt_source"] == "none"
    assert "rtt_ms" not in metrics and metrics["encrypted"] is False
    json.dumps(record, allow_nan=False)


def test_mos_is_the_emodel_of_the_received_direction() -> None:
    wire = Wire()
    rng = random.Random(3)
    for i in range(500):
        at = T0 + 0.02 * i
        wire.out(rtp(i, 160 * i, ssrc=1), at)
        if i % 17 != 3:
            wire.back(rtp(i, 160 * i, ssrc=2), at + 0.03 + rng.uniform(0, 0.012))
    wire.out(stun_message(0x0001, b"q" * 12, []), T0 + 1)
    wire.back(stun_message(0x0101, b"q" * 12, []), T0 + 1.084)
    metrics = wire.one().metrics
    assert metrics["rtt_ms"] == 84.0 and metrics["rtt_source"] == "stun"
    r, mos = emodel.call_quality(
        84.0,
        float(metrics["rx_jitter_ms"]),
        float(metrics["rx_loss_pct"]),
        float(metrics["rx_burst_ratio"]),
        emodel.CODECS["g711"],
    )
    assert (metrics["r_factor"], metrics["mos"]) == (round(r, 2), round(mos, 2))
    assert 3.0 < float(metrics["mos"]) < 4.4 and float(metrics["rx_jitter_ms"]) > 1.0


def test_every_flow_to_one_remote_is_one_call_and_remotes_are_apart() -> None:
    wire = Wire()
    g711_call(wire)
    g711_call(wire, local=("10.1.0.2", 40002), remote=("203.0.113.7", 50002))
    g711_call(wire, remote=("203.0.113.99", 50000))
    records = sorted(wire.tracker.finish(), key=lambda r: r.remote)
    assert [(r.remote, r.metrics["rx_packets"]) for r in records] == [
        ("h(203.0.113.7)", 500),
        ("h(203.0.113.99)", 250),
    ]


def test_a_call_ends_after_idle_seconds_without_media() -> None:
    wire = Wire(idle_s=5.0)
    g711_call(wire, n=50)
    last = T0 + 0.02 * 49 + 0.03
    assert wire.tracker.live_calls() == 1
    assert wire.tracker.expire(last + 4.9) == []
    [record] = wire.tracker.expire(last + 5.0)
    assert record.ended_at == last
    assert wire.tracker.live_calls() == 0 and wire.tracker.finish() == []


def test_rtcp_and_stun_alone_do_not_keep_a_call_alive() -> None:
    wire = Wire(idle_s=5.0)
    g711_call(wire, n=50)
    wire.back(receiver_report(2, 0xAAAA, 0, 0, 1049, 10), T0 + 4)
    wire.out(stun_message(0x0001, b"k" * 12, []), T0 + 5)
    assert len(wire.tracker.expire(T0 + 7)) == 1


def test_the_collectors_reflector_is_never_a_call() -> None:
    reflector = ("203.0.113.7", 50000)
    wire = Wire(ignore=lambda address: address == reflector)
    g711_call(wire)
    assert wire.tracker.finish() == []


def test_traffic_that_only_looks_like_rtp_is_not_a_call() -> None:
    """DNS answers, game packets: first byte 0x80-0xBF but no two in sequence on one SSRC."""
    wire = Wire()
    rng = random.Random(11)
    for i in range(2000):
        junk = bytes([rng.randrange(128, 192)]) + rng.randbytes(rng.randrange(11, 300))
        wire.back(junk, T0 + i * 0.01, remote=("203.0.113.53", 53))
    assert wire.tracker.finish() == []


def test_rtt_only_from_our_requests_not_from_our_answers() -> None:
    wire = Wire()
    g711_call(wire)
    wire.back(
        stun_message(0x0001, b"r" * 12, []), T0 + 1
    )  # their check, our answer: our turnaround
    wire.out(stun_message(0x0101, b"r" * 12, []), T0 + 1.0002)
    assert "rtt_ms" not in wire.one().metrics


def test_rtcp_receiver_reports_about_our_stream() -> None:
    """Our SR leaves at +1 s; their RR echoes it 60 ms later after holding it 1/64 s (RFC
    3550 §6.4.1): RTT 44.375 ms. Fraction lost 64/256 = 25 %; jitter 80 units at 8 kHz = 10 ms."""
    wire = Wire()
    g711_call(wire)
    ntp = 0x1234_5678_9ABC_DEF0
    wire.out(sender_report(0xAAAA, ntp, 8000, 50, 8000), T0 + 1)
    middle = (ntp >> 16) & 0xFFFFFFFF
    rr = receiver_report(0xBBBB, 0xAAAA, 64, 12, 1100, 80, lsr=middle, dlsr=65536 // 64)
    wire.back(rr, T0 + 1.060)
    wire.back(receiver_report(0xBBBB, 0x0C0C, 255, 9, 9, 9), T0 + 1.1)  # not about us
    metrics = wire.one().metrics
    assert metrics["rtt_source"] == "rtcp" and metrics["rtt_ms"] == 44.375
    assert (metrics["tx_loss_pct"], metrics["tx_jitter_ms"]) == (25.0, 10.0)


def test_turn_send_and_data_indications() -> None:
    wire = Wire()
    for i in range(100):
        at = T0 + 0.02 * i
        wire.out(send_indication(PEER, rtp(i, 960 * i, pt=111, ssrc=1)), at, remote=RELAY)
        wire.back(data_indication(PEER, rtp(i, 960 * i, pt=111, ssrc=2)), at + 0.05, remote=RELAY)
    record = wire.one()
    assert (record.transport, record.codec, record.remote) == (
        "turn-send",
        "opus",
        "h(198.51.100.10 192.0.2.44)",
    )
    assert record.metrics["rx_packets"] == 100 and record.metrics["tx_packets"] == 100


def test_two_peers_through_one_relay_are_two_calls() -> None:
    wire = Wire()
    other = ("192.0.2.45", 61000)
    for i in range(50):
        for peer in (PEER, other):
            wire.back(
                data_indication(peer, rtp(i, 160 * i, ssrc=hash(peer) & 0xFFFF)),
                T0 + 0.02 * i,
                remote=RELAY,
            )
    assert sorted(r.remote for r in wire.tracker.finish()) == [
        "h(198.51.100.10 192.0.2.44)",
        "h(198.51.100.10 192.0.2.45)",
    ]


def test_turn_channel_data_with_the_rtt_through_the_relay() -> None:
    """Chrome's own ChannelData-wrapped Binding request (Pion capture); the answer back
    through the channel 70 ms later is the round trip to the peer."""
    wire = Wire()
    wire.out(channel_bind(0x4000, PEER), T0 - 1, remote=RELAY)
    chrome_check = packets("pion_turn_chrome_chandata")[0]
    wire.out(chrome_check, T0, remote=RELAY)
    transaction = chrome_check[4 + 8 : 4 + 20]
    wire.back(channel_data(0x4000, stun_message(0x0101, transaction, [])), T0 + 0.070, remote=RELAY)
    wire.out(stun_message(0x0001, b"z" * 12, []), T0 + 0.5, remote=RELAY)  # to the relay itself
    wire.back(stun_message(0x0101, b"z" * 12, []), T0 + 0.510, remote=RELAY)
    for i in range(100):
        at = T0 + 1 + 0.02 * i
        wire.out(channel_data(0x4000, rtp(i, 160 * i, pt=8, ssrc=1)), at, remote=RELAY)
        wire.back(channel_data(0x4000, rtp(i, 160 * i, pt=8, ssrc=2), pad=False), at, remote=RELAY)
    record = wire.one()
    assert (record.transport, record.codec, record.remote) == (
        "turn-channel",
        "g711",
        "h(198.51.100.10 192.0.2.44)",
    )
    assert record.metrics["rtt_ms"] == 70.0


def test_dtls_before_media_means_srtp() -> None:
    """Chrome's DTLS handshake flight (from the Pion capture) on the 5-tuple, then media."""
    dtls = packets("pion_turn_chrome_chandata")[1][4:]
    wire = Wire()
    wire.out(dtls, T0 - 0.5)
    g711_call(wire)
    record = wire.one()
    assert record.transport == "srtp" and record.metrics["encrypted"] is True


def test_srtcp_means_srtp() -> None:
    wire = Wire()
    g711_call(wire)
    wire.back(packets("libsrtp_validate")[2], T0 + 2)
    assert wire.one().transport == "srtp"


def test_ssrc_change_is_counted_and_not_loss() -> None:
    wire = Wire()
    for i in range(200):
        ssrc, seq = (0x1, 500 + i) if i < 100 else (0x2, 9000 + i)
        wire.back(rtp(seq, 160 * i, ssrc=ssrc), T0 + 0.02 * i)
    metrics = wire.one().metrics
    assert (metrics["ssrc_changes"], metrics["rx_packets"], metrics["rx_loss_pct"]) == (1, 200, 0.0)


def test_video_does_not_decide_codec_or_audio_figures() -> None:
    wire = Wire()
    for i in range(150):
        at = T0 + 0.02 * i
        wire.back(rtp(i, 960 * i, pt=111, ssrc=7), at)
        for part in (0, 1):  # 25 frames/s at 90 kHz, two packets each
            video = rtp(2 * i + part, 3600 * (i // 2), pt=96, ssrc=8, payload=b"v" * 1000)
            wire.back(video, at + 0.001 * (part + 1))
    record = wire.one()
    assert record.codec == "opus" and record.metrics["video"] is True
    assert record.metrics["rx_packets"] == 150 and float(record.metrics["rx_kbps"]) > 400


def test_a_loopback_call_is_one_call() -> None:
    wire = Wire()
    a, b = ("10.9.9.9", 5000), ("10.9.9.9", 6000)
    for i in range(50):
        wire.out(rtp(i, 160 * i, ssrc=1), T0 + 0.02 * i, local=a, remote=b)
        wire.out(rtp(i, 160 * i, ssrc=2), T0 + 0.02 * i, local=b, remote=a)
    record = wire.one()
    assert (record.metrics["rx_packets"], record.metrics["tx_packets"]) == (50, 50)


def test_truncated_capture_counts_wire_bytes() -> None:
    wire = Wire()
    for i in range(51):
        full = rtp(i, 160 * i, ssrc=2)
        wire.back(full[:40], T0 + 0.02 * i, length=len(full))
    metrics = wire.one().metrics
    assert metrics["rx_packets"] == 51 and metrics["rx_kbps"] == 70.176  # 51 x 172 bytes in 1 s


def test_payload_and_audio_level_never_reach_the_record() -> None:
    """The same call twice, with different payload bytes and RFC 6464 audio levels: the
    records agree on everything but the call id, and neither contains the marker."""
    marker = b"SECRET-AUDIO-7f3a9c"

    def run(level: int, payload: bytes) -> dict[str, object]:
        wire = Wire()
        for i in range(120):
            ext = one_byte_extension([(1, bytes([0x80 | level])), (3, b"\x12\x34\x56")])
            data = rtp(i, 960 * i, pt=111, ssrc=5, payload=payload, extension=ext)
            wire.back(data, T0 + 0.02 * i)
            wire.out(send_indication(PEER, data), T0 + 0.02 * i, remote=RELAY)
        records = [r.to_json() for r in wire.tracker.finish()]
        for record in records:
            record.pop("call_id")
        text = json.dumps(records)
        assert marker.decode() not in text and marker.hex() not in text
        return {"records": sorted(records, key=lambda r: str(r["remote"]))}

    assert run(0x05, marker * 4) == run(0x7A, (marker * 4)[::-1])


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    st.lists(st.tuples(st.binary(max_size=64), st.booleans(), st.integers(0, 3)), max_size=30)
)
def test_no_datagram_raises(datagrams: list[tuple[bytes, bool, int]]) -> None:
    wire = Wire()
    for n, (data, outbound, prefix) in enumerate(datagrams):
        body = [data, b"\x80" + data, b"\x40\x00" + data, b"\x00\x17" + data][prefix]
        (wire.out if outbound else wire.back)(body, T0 + n * 0.01, remote=RELAY)
    wire.tracker.expire(T0 + 100)
    wire.tracker.finish()


def test_one_way_call_is_rated_from_the_remotes_reports_or_not_at_all() -> None:
    wire = Wire()
    for i in range(100):
        wire.out(rtp(i, 160 * i, ssrc=0xAAAA), T0 + 0.02 * i)
    silent = wire.one().metrics
    assert silent["rx_packets"] == 0 and "mos" not in silent and "r_factor" not in silent
    for i in range(100):
        wire.out(rtp(i, 160 * i, ssrc=0xAAAA), T0 + 0.02 * i)
    wire.back(receiver_report(0xBBBB, 0xAAAA, 0, 0, 99, 16), T0 + 1.5)
    reported = wire.one().metrics
    _, mos = emodel.call_quality(0.0, 2.0, 0.0, 1.0, emodel.CODECS["g711"])
    assert reported["mos_direction"] == "tx" and reported["mos"] == round(mos, 2)


def test_a_stream_without_a_clock_is_not_audio() -> None:
    """Sparse retransmission packets (dynamic PT, in sequence, irregular times) beside audio."""
    wire = Wire()
    for i in range(150):
        wire.back(rtp(i, 160 * i, ssrc=1), T0 + 0.02 * i)
    for n, at in enumerate((0.3, 0.31, 0.9, 1.7, 1.71, 2.5)):
        wire.back(rtp(n, 555 * n * n, pt=97, ssrc=9, payload=b""), T0 + at)
    metrics = wire.one().metrics
    assert (metrics["rx_packets"], metrics["ssrc_changes"], metrics["video"]) == (150, 0, False)


def test_records_go_into_the_call_spool(tmp_path: Path) -> None:
    wire = Wire()
    g711_call(wire)
    record = wire.one().to_json()
    spool = CallSpool(tmp_path / "spool")
    spool.put(record)
    [(_, stored)] = list(spool.pending())
    assert stored == record


def test_many_flows_of_junk_keep_the_path_table_bounded() -> None:
    wire = Wire()
    for port in range(MAX_PATHS + 500):
        wire.back(
            b"\x80\x00" + port.to_bytes(2, "big") + b"\x00" * 8, T0, remote=("203.0.113.9", port)
        )
    assert len(wire.tracker._paths) == MAX_PATHS
    assert wire.tracker.expire(T0 + 10) == [] and not wire.tracker._paths


def data_after_peer(peer: Endpoint, inner: bytes) -> bytes:
    """A Data indication as coturn writes it: DATA first, then XOR-PEER-ADDRESS."""
    return stun_message(0x0017, b"o" * 12, [(0x0013, inner), (0x0012, xor_address(*peer))])


def test_data_indication_whose_peer_the_capture_cut_off() -> None:
    """Headers-only capture of coturn's Data indications: the bytes stop after the inner
    RTP header, before XOR-PEER-ADDRESS. The media goes to the peer our Send indications
    named, so the call stays one call through the relay."""
    wire = Wire()
    for i in range(100):
        at = T0 + 0.02 * i
        wire.out(send_indication(PEER, rtp(i, 160 * i, ssrc=1)), at, remote=RELAY)
        whole = data_after_peer(PEER, rtp(i, 160 * i, ssrc=2))
        wire.back(whole[: 20 + 4 + 12], at + 0.03, remote=RELAY, length=len(whole))
    record = wire.one()
    assert (record.transport, record.remote) == ("turn-send", "h(198.51.100.10 192.0.2.44)")
    assert (record.metrics["rx_packets"], record.metrics["tx_packets"]) == (100, 100)


def test_peerless_data_indications_without_any_peer_shown_still_make_a_call() -> None:
    wire = Wire()
    for i in range(60):
        whole = data_after_peer(PEER, rtp(i, 160 * i, ssrc=2))
        wire.back(whole[:36], T0 + 0.02 * i, remote=RELAY, length=len(whole))
    record = wire.one()
    assert (record.transport, record.remote) == ("turn-send", "h(198.51.100.10 peer unseen)")
    assert record.metrics["rx_packets"] == 60


def test_reordering_and_loss_in_the_first_packets_cost_nothing() -> None:
    wire = Wire()
    order = [1, 0, 3, *range(4, 100)]  # 0 after 1, and 2 lost
    for n, seq in enumerate(order):
        wire.back(rtp(seq, 160 * seq, ssrc=4), T0 + 0.02 * n)
    metrics = wire.one().metrics
    assert (metrics["rx_packets"], metrics["rx_reordered"], metrics["rx_loss_pct"]) == (99, 1, 1.0)


def test_dns_answers_shaped_like_rtp_are_not_a_call() -> None:
    """A DNS response read as RTP: the flags (0x8180) sit where the sequence number is,
    the record counts where the SSRC is, so every 'packet' repeats one number."""
    wire = Wire()
    rng = random.Random(2)
    for n in range(500):
        answer = bytes([rng.randrange(128, 192), rng.randrange(256)]) + bytes.fromhex(
            "818000010001000000000000"
        )
        wire.back(answer + rng.randbytes(40), T0 + n * 0.05, remote=("203.0.113.53", 53))
    assert wire.tracker.finish() == []
