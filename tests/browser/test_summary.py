"""Call records from recorded Chrome getStats() dumps: exact figures, both directions."""

from __future__ import annotations

import copy

import pytest

from agentprobe.browser import messages, summary
from agentprobe.voice import emodel
from tests.browser.stats import call, dump, reduce


def _record(reports: list[dict], **changes: object) -> dict:  # type: ignore[type-arg]
    parsed = messages.parse(call(reduce(reports), **changes))
    assert isinstance(parsed, messages.CallMessage)
    return summary.record(parsed, "0123456789abcdef")


def test_receive_only_dump_gives_the_received_direction_exactly() -> None:
    record = _record(dump("antmedia-play.json"))
    m = record["metrics"]
    assert record["source"] == "browser" and record["remote"] == "0123456789abcdef"
    assert record["call_id"] == "browser-0f8e2c1a-5b7d-4e3f-9a6b-1c2d3e4f5a6b"
    assert record["started_at"] == "2024-10-19T17:53:10.000Z"
    assert record["ended_at"] == "2024-10-19T17:54:25.698Z"
    assert record["duration_s"] == m["duration_s"] == 75.699
    assert (record["transport"], record["codec"]) == ("srtp", "opus")
    assert (m["rx_packets"], m["rx_packets_lost"], m["rx_loss_pct"]) == (3764, 0, 0.0)
    assert m["rx_jitter_ms"] == 0.0
    assert m["concealment_pct"] == 0.049  # 1774 / 3613920 samples
    assert m["jitter_buffer_ms"] == 31.313  # 113116.8 s / 3612480 samples
    assert m["playout_adjust_pct"] == 0.153  # (2862 + 2670) / 3613920
    assert (m["candidate_type"], m["ice_protocol"], m["relay_protocol"]) == ("host", "udp", None)
    assert m["rtt_ms"] == m["ice_rtt_ms"] == 0.0
    assert m["tx_packets"] is None and m["tx_mos"] is None and m["tx_loss_pct"] is None
    r, mos = emodel.call_quality(0.0, 0.0, 0.0, 1.0, emodel.CODECS["opus"])
    assert (m["r_factor"], m["mos"]) == (round(r, 2), round(mos, 2)) == (91.84, 4.38)
    assert m["rx_max_burst_loss"] is None and m["rx_reordered"] is None


def test_send_only_dump_gives_the_sent_direction_from_receiver_reports() -> None:
    m = _record(dump("exporter-send.json"))["metrics"]
    assert (m["tx_packets"], m["tx_packets_lost"], m["tx_loss_pct"]) == (248, 0, 0.0)
    assert m["tx_jitter_ms"] == 0.187
    assert m["rtt_ms"] == 1.0 and m["ice_rtt_ms"] == 0.0  # RTCP round trip preferred
    assert m["rx_packets"] is None and m["mos"] is None
    r, mos = emodel.call_quality(1.0, 0.187, 0.0, 1.0, emodel.CODECS["opus"])
    assert (m["tx_r_factor"], m["tx_mos"]) == (round(r, 2), round(mos, 2))
    assert m["codec"] == "opus" and m["candidate_type"] == "host"


def test_loss_and_jitter_lower_each_directions_mos_on_its_own() -> None:
    reports = dump("antmedia-play.json") + dump("exporter-send.json")
    for report in reports:
        if report["type"] == "inbound-rtp" and report["kind"] == "audio":
            report.update(packetsLost=236, jitter=0.045)  # 5.9 % of 4000 expected
        if report["type"] == "remote-inbound-rtp" and report["kind"] == "audio":
            report.update(packetsLost=5, roundTripTime=0.180)
    m = _record(reports)["metrics"]
    assert (m["rx_loss_pct"], m["rx_jitter_ms"]) == (5.9, 45.0)
    assert (m["tx_loss_pct"], m["rtt_ms"]) == (2.016, 180.0)  # 5 of 248 sent
    _, mos = emodel.call_quality(180.0, 45.0, 5.9, 1.0, emodel.CODECS["opus"])
    assert m["mos"] == round(mos, 2) < m["tx_mos"] < 4.4


@pytest.mark.parametrize(
    ("relay_protocol", "transport"), [("udp", "turn-channel"), ("tcp", "turn-channel")]
)
def test_a_relay_candidate_makes_the_transport_turn(relay_protocol: str, transport: str) -> None:
    reports = copy.deepcopy(dump("antmedia-play.json"))
    for report in reports:  # the relay fields as Chrome reports them for a TURN allocation
        if report["type"] == "local-candidate":
            report.update(candidateType="relay", relayProtocol=relay_protocol)
    record = _record(reports)
    assert record["transport"] == record["metrics"]["transport"] == transport
    assert record["metrics"]["relay_protocol"] == relay_protocol


@pytest.mark.parametrize(
    ("mime", "codec"),
    [("audio/PCMU", "g711"), ("audio/PCMA", "g711"), ("audio/G722", "g722"),
     ("audio/opus", "opus"), ("audio/telephone-event", "unknown")],
)  # fmt: skip
def test_codec_names_come_from_the_mime_type_only(mime: str, codec: str) -> None:
    reports = copy.deepcopy(dump("antmedia-play.json"))
    for report in reports:
        if report["type"] == "codec" and report["mimeType"].startswith("audio/"):
            report["mimeType"] = mime
    record = _record(reports)
    assert record["codec"] == codec and record["metrics"]["mos"] is not None


def test_a_call_with_no_media_stats_has_no_figures() -> None:
    m = _record([])["metrics"]
    assert m["rx_packets"] is None and m["tx_packets"] is None
    assert m["mos"] is None and m["tx_mos"] is None and m["transport"] == "srtp"


def test_reduction_keeps_no_audio_level_address_or_sdp() -> None:
    text = str(reduce(dump("antmedia-play.json") + dump("exporter-send.json")))
    for secret in ("audioLevel", "totalAudioEnergy", "192.168.", "minptime", "ARDAMS", "KlG/"):
        assert secret not in text
