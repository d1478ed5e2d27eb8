"""`agentprobe calls watch` as a real process in a namespace receiving impaired call media.

The media crosses `MediaRelay` (the netns impairing relay) from this namespace into a
fresh one where the watch runs; the relay's record of what it forwarded, and when, is the
ground truth: loss from the sequence numbers it let through, RFC 3550 jitter from the
times it sent them. dumpcap captures the same interface so tshark, an independent reader,
can be compared as well. Through coturn the media reaches the namespace as real TURN
ChannelData or Data indications.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.calls import capturerig
from tests.rigs import media, netns
from tests.rigs.mediarelay import MediaRelay
from tests.rigs.netns import Impairment

pytestmark = [pytest.mark.integration, pytest.mark.root]

PACKETS = 300  # 6 s of 20 ms packets per flow
SINK_PORT = 40000


@dataclass(frozen=True)
class Flow:
    framing: str
    transport: str
    codec: media.Codec
    impairment: Impairment
    ssrc: int
    seed: int  # the relay's: which packets it drops and how late it sends the rest


FLOWS = (
    Flow("rtp", "rtp", media.G711, Impairment(delay_ms=20, jitter_ms=6, loss=0.02), 0x1111, 1),
    Flow("srtp", "srtp", media.OPUS, Impairment(delay_ms=20, jitter_ms=14, loss=0.05), 0x2222, 2),
    Flow("channel", "turn-channel", media.G711, Impairment(20, 10, 0.03), 0x3333, 3),
    Flow(
        "data", "turn-send", media.OPUS, Impairment(delay_ms=20, jitter_ms=4, loss=0.01), 0x4444, 4
    ),
)


@pytest.fixture
def link() -> Iterator[netns.ShapedLink]:
    reason = netns.available() or capturerig.have("dumpcap", "tshark")
    if reason:
        pytest.skip(reason)
    with netns.shaped_namespace() as made:
        yield made


def remote_addresses(link: netns.ShapedLink, count: int) -> list[str]:
    """Extra addresses of this namespace, routed from the other one, one per remote."""
    subnet = link.host_ip.split(".")[2]
    addresses = [f"10.215.{subnet}.{11 + i}" for i in range(count)]
    for address in addresses:
        netns.sh("ip", "addr", "add", f"{address}/32", "dev", link.host_if)
    netns.sh("ip", "route", "add", f"10.215.{subnet}.0/24", "dev", link.ns_if, netns=link.netns)
    return addresses


def run_flows(relays: list[tuple[MediaRelay, Flow]]) -> None:
    """Every flow at once, each from its own socket on its own schedule."""

    def one(relay: MediaRelay, flow: Flow) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            plan = media.StreamPlan(flow.codec, PACKETS, flow.ssrc, flow.framing, seed=flow.ssrc)
            media.send_stream(sock, relay.front.getsockname(), plan)

    threads = [threading.Thread(target=one, args=pair) for pair in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)


def assert_close(record: dict[str, Any], truth: media.Truth, name: str) -> None:
    metrics = record["metrics"]
    assert abs(metrics["rx_loss_pct"] - truth.loss_pct) <= 0.5, (name, metrics, truth)
    allowed = max(1.0, 0.2 * truth.jitter_ms)
    assert abs(metrics["rx_jitter_ms"] - truth.jitter_ms) <= allowed, (name, metrics, truth)


def test_watch_measures_impaired_rtp_srtp_and_turn_framed_flows(
    link: netns.ShapedLink, tmp_path: Path
) -> None:
    pcap = tmp_path / "capture.pcap"
    with contextlib.ExitStack() as running:
        sink = capturerig.rig(link.netns, "sink", "--bind", f"{link.ns_ip}:{SINK_PORT}",
                              "--seconds", "20")  # fmt: skip
        running.callback(capturerig.stop, sink)
        relays = [
            (running.enter_context(relay_from(source, link, flow)), flow)
            for source, flow in zip(remote_addresses(link, len(FLOWS)), FLOWS, strict=True)
        ]
        watch = running.enter_context(capturerig.watching(link.netns, 10, tmp_path))
        running.enter_context(capturerig.dumpcap(link.netns, link.ns_if, pcap))
        capturerig.capture_ready(watch.pid, sockets=2)
        run_flows(relays)
        found, output = capturerig.records(watch, timeout_s=30)
    by_transport = {record["transport"]: record for record in found}
    assert sorted(by_transport) == sorted(flow.transport for flow in FLOWS), output
    tshark = capturerig.tshark_streams(pcap)
    for relay, flow in relays:
        record = by_transport[flow.transport]
        truth = media.truth(relay.forwarded, flow.codec.clock_hz)
        assert record["codec"] == flow.codec.name
        assert record["metrics"]["rx_packets"] == truth.packets
        assert_close(record, truth, flow.framing)
        if flow.framing in ("rtp", "srtp"):  # tshark finds RTP on any port, not TURN framing
            assert_like_tshark(record, tshark[flow.ssrc], flow.codec)
    assert_private(output)


def relay_from(source: str, link: netns.ShapedLink, flow: Flow) -> MediaRelay:
    """A relay on loopback that impairs `flow` and sends it on from `source`."""
    upstream = (link.ns_ip, SINK_PORT)
    return MediaRelay(("127.0.0.1", 0), source, upstream, flow.impairment, flow.seed)


def assert_like_tshark(
    record: dict[str, Any], theirs: dict[str, float], codec: media.Codec
) -> None:
    """Loss as tshark counts it; jitter too where tshark knows the clock (static PT 0)."""
    ours = record["metrics"]
    assert abs(ours["rx_loss_pct"] - theirs["loss_pct"]) <= 0.5, (ours, theirs)
    if codec.payload_type < 96:  # tshark has no clock rate for a dynamic PT without SDP
        allowed = max(1.0, 0.2 * theirs["mean_jitter_ms"])
        assert abs(ours["rx_jitter_ms"] - theirs["mean_jitter_ms"]) <= allowed, (ours, theirs)


def assert_private(output: str) -> None:
    """Neither the payload marker nor the audio levels (nor their bytes) leave the capture."""
    marker = media.MARKER
    for form in (marker.hex(), marker[1:-1].decode(), marker.hex(" ")):
        assert form.lower() not in output.lower()
    levels = [media.audio_level(i) for i in range(8)]
    level_bytes = bytes(0x80 | level for level in levels)
    assert level_bytes.hex() not in output
    assert json.dumps(levels)[1:-1] not in output
    assert "level" not in output


@pytest.fixture
def turn_link() -> Iterator[netns.ShapedLink]:
    reason = netns.available() or capturerig.have("turnserver")
    if reason:
        pytest.skip(reason)
    with netns.shaped_namespace() as made:
        yield made


@pytest.mark.parametrize(
    ("channel", "transport"),
    [(True, "turn-channel"), (False, "turn-send")],
    ids=["channel", "data"],
)
def test_watch_measures_media_relayed_by_coturn(
    turn_link: netns.ShapedLink, tmp_path: Path, channel: bool, transport: str
) -> None:
    """The agent allocates on coturn; the peer's stream crosses the impairing relay, then
    coturn, and reaches the agent as ChannelData (or Data indications, where coturn puts
    DATA before XOR-PEER-ADDRESS, so the capture never sees the peer); the agent's own
    stream leaves as Send indications. SIGTERM ends the watch, which then reports."""
    impairment = Impairment(delay_ms=10, jitter_ms=8, loss=0.03)
    tag = 1 if channel else 2
    with (
        capturerig.behind(turn_link.netns, tag) as (agent, turn_ip, _),
        capturerig.coturn(turn_link.netns, [turn_link.ns_ip, turn_ip], turn_link.ns_ip, tmp_path),
        capturerig.watching(agent, 60, tmp_path) as watch,
    ):
        capturerig.capture_ready(watch.pid, sockets=1)
        with turn_relay(agent, turn_ip, turn_link.host_ip, impairment, channel) as relay:
            run_flows([(relay, Flow("rtp", transport, media.G711, impairment, 0x5555, 9))])
            time.sleep(0.5)  # the last packets cross coturn
        watch.send_signal(signal.SIGTERM)
        found, output = capturerig.records(watch, timeout_s=30)
    assert [r["transport"] for r in found] == [transport], output
    truth = media.truth(relay.forwarded, media.G711.clock_hz)
    assert found[0]["metrics"]["rx_packets"] == truth.packets
    assert found[0]["metrics"]["tx_packets"] == TURN_CLIENT_PACKETS
    assert_close(found[0], truth, transport)
    assert_private(output)


TURN_CLIENT_PACKETS = 100


@contextlib.contextmanager
def turn_relay(
    agent: str, turn_ip: str, source: str, impairment: Impairment, channel: bool
) -> Iterator[MediaRelay]:
    """The agent's TURN client (allocated, permitted, maybe channel-bound) and a running
    relay aimed at its relayed address from the address its permission names."""
    client = capturerig.rig(agent, "turn", "--server", f"{turn_ip}:3478", "--user", "test",
                            "--password", "secret", "--seconds", "15")  # fmt: skip
    try:
        assert client.stdin is not None and client.stdout is not None
        host, port = json.loads(client.stdout.readline())["relayed"]
        relay = MediaRelay(("127.0.0.1", 0), source, (host, port), impairment, seed=9)
        order = {"peer": relay.recording.sock.getsockname(), "channel": channel,
                 "send": TURN_CLIENT_PACKETS}  # fmt: skip
        client.stdin.write(json.dumps(order) + "\n")
        client.stdin.flush()
        assert json.loads(client.stdout.readline()) == {"ready": True}
        with relay:
            yield relay
    finally:
        capturerig.stop(client)
