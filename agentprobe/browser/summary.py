"""A call record from one RTCPeerConnection's getStats() reports, in the spool's shape.

Pure arithmetic over W3C webrtc-stats dictionaries (cumulative counters since the
connection started, so the last snapshot summarises the whole call):

- received direction from `inbound-rtp`: packets, loss, RFC 3550 jitter, concealment
  (concealedSamples / totalSamplesReceived) and the mean jitter-buffer delay
  (jitterBufferDelay / jitterBufferEmittedCount);
- sent direction from `outbound-rtp` and the far end's RTCP receiver reports as
  `remote-inbound-rtp` (RFC 3550 §6.4.2: cumulative loss, jitter, round-trip time);
- the route from the selected ICE candidate pair and its local candidate.

Each direction gets its own ITU-T G.107 rating through `agentprobe.voice.emodel`. WebRTC media
is always SRTP (RFC 8827 §6.5), so the transport is `srtp`, or `turn-channel` when the
local candidate is a TURN relay (libwebrtc's TURN client sends media as RFC 8656 §12
ChannelData once the channel is bound).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from agentprobe.browser.messages import CallMessage
from agentprobe.voice import emodel

_CODECS = {"opus": "opus", "pcmu": "g711", "pcma": "g711", "g722": "g722", "g729": "g729"}
# G.113 gives no narrowband Ie for G.722; its packet-loss concealment is rated like G.711's.
_EMODEL = {"g722": "g711", "unknown": "opus"}


def record(message: CallMessage, remote: str) -> dict[str, Any]:
    """The spool record of one call; `remote` is the salted hash of its origin."""
    stats = _Index(message.reports)
    route = _route(stats)
    codec = _codec(stats)
    metrics: dict[str, Any] = {"duration_s": _duration_s(message), "transport": route["transport"]}
    metrics["codec"] = codec
    metrics.update(_received(stats.audio("inbound-rtp")))
    metrics.update(_sent(stats.audio("outbound-rtp"), stats.audio("remote-inbound-rtp")))
    metrics["rtt_ms"] = metrics.pop("rtcp_rtt_ms", None)
    metrics["ice_rtt_ms"] = route["ice_rtt_ms"]
    if metrics["rtt_ms"] is None:
        metrics["rtt_ms"] = route["ice_rtt_ms"]
    metrics.update(_quality(metrics, codec))
    metrics.update(
        relay_protocol=route["relay_protocol"],
        candidate_type=route["candidate_type"],
        ice_protocol=route["ice_protocol"],
        origin=message.origin,
        call_state=message.state,
    )
    return {
        "call_id": f"browser-{message.call_id}",
        "started_at": _rfc3339(message.started_at_ms),
        "ended_at": _rfc3339(message.at_ms),
        "duration_s": metrics["duration_s"],
        "transport": route["transport"],
        "codec": codec,
        "remote": remote,
        "source": "browser",
        "metrics": metrics,
    }


class _Index:
    """The reports by id and by type."""

    def __init__(self, reports: Iterable[dict[str, Any]]) -> None:
        self.reports = list(reports)
        self.by_id = {r["id"]: r for r in self.reports}

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.reports if r["type"] == kind]

    def audio(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.of(kind) if r.get("kind", "audio") == "audio"]


def _total(reports: list[dict[str, Any]], key: str) -> int | float | None:
    values = [r[key] for r in reports if key in r]
    return sum(values) if values else None


def _largest(reports: list[dict[str, Any]], key: str) -> float | None:
    values = [float(r[key]) for r in reports if key in r]
    return max(values) if values else None


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 3)


def _pct(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * min(max(part, 0.0), whole) / whole, 3)


def _received(inbound: list[dict[str, Any]]) -> dict[str, Any]:
    received, lost = _total(inbound, "packetsReceived"), _total(inbound, "packetsLost")
    samples = _total(inbound, "totalSamplesReceived")
    stretched = (_total(inbound, "insertedSamplesForDeceleration") or 0) + (
        _total(inbound, "removedSamplesForAcceleration") or 0
    )
    delay = _total(inbound, "jitterBufferDelay")
    emitted = _total(inbound, "jitterBufferEmittedCount")
    expected = None if received is None else received + max(lost or 0, 0)
    return {
        "rx_packets": received,
        "rx_packets_lost": lost,
        "rx_loss_pct": _pct(lost or 0, expected) if expected is not None else None,
        "rx_jitter_ms": _ms(_largest(inbound, "jitter")),
        # getStats exposes no loss pattern, order or duplicates (W3C webrtc-stats §5.4)
        "rx_max_burst_loss": None,
        "rx_reordered": None,
        "rx_duplicates": None,
        "concealment_pct": _pct(_total(inbound, "concealedSamples"), samples),
        "playout_adjust_pct": _pct(stretched, samples) if samples else None,
        "jitter_buffer_ms": _ms(delay / emitted) if delay is not None and emitted else None,
    }


def _sent(outbound: list[dict[str, Any]], remote: list[dict[str, Any]]) -> dict[str, Any]:
    sent, lost = _total(outbound, "packetsSent"), _total(remote, "packetsLost")
    return {
        "tx_packets": sent,
        "tx_packets_lost": lost,
        # RR loss is counted against what was sent up to the report (RFC 3550 §6.4.1)
        "tx_loss_pct": _pct(lost, sent) if lost is not None else None,
        "tx_jitter_ms": _ms(_largest(remote, "jitter")),
        "rtcp_rtt_ms": _ms(_largest(remote, "roundTripTime")),
    }


def _route(stats: _Index) -> dict[str, Any]:
    pair = _selected_pair(stats)
    local = stats.by_id.get(pair.get("localCandidateId", "")) if pair else None
    local = local if local and local["type"] == "local-candidate" else {}
    relay = local.get("candidateType") == "relay"
    return {
        "transport": "turn-channel" if relay else "srtp",
        "relay_protocol": local.get("relayProtocol") if relay else None,
        "candidate_type": local.get("candidateType"),
        "ice_protocol": local.get("protocol"),
        "ice_rtt_ms": _ms(pair.get("currentRoundTripTime")) if pair else None,
    }


def _selected_pair(stats: _Index) -> dict[str, Any] | None:
    """The transport's selected pair (W3C webrtc-stats §5.9), else a nominated success."""
    for transport in stats.of("transport"):
        pair = stats.by_id.get(transport.get("selectedCandidatePairId", ""))
        if pair and pair["type"] == "candidate-pair":
            return pair
    pairs = [p for p in stats.of("candidate-pair") if p.get("state") == "succeeded"]
    nominated = [p for p in pairs if p.get("nominated")]
    chosen = nominated or pairs
    return chosen[0] if chosen else None


def _codec(stats: _Index) -> str:
    """The audio codec of the received (else sent) stream: g711, g722, opus, g729, unknown."""
    for kind in ("inbound-rtp", "outbound-rtp"):
        for rtp in stats.audio(kind):
            codec = stats.by_id.get(rtp.get("codecId", ""))
            if codec and codec["type"] == "codec" and "mimeType" in codec:
                subtype = codec["mimeType"].split("/", 1)[1].lower()
                return _CODECS.get(subtype, "unknown")
    return "unknown"


def _quality(metrics: dict[str, Any], codec: str) -> dict[str, Any]:
    """R and MOS per direction: each direction's loss and jitter, the shared RTT."""
    model = emodel.CODECS[_EMODEL.get(codec, codec)]
    rtt = metrics["rtt_ms"] or 0.0  # unknown RTT: the delay term stays at its floor
    result: dict[str, Any] = {"r_factor": None, "mos": None, "tx_r_factor": None, "tx_mos": None}
    for prefix, out in (("rx", ""), ("tx", "tx_")):
        loss, jitter = metrics[f"{prefix}_loss_pct"], metrics[f"{prefix}_jitter_ms"]
        if loss is None and jitter is None:
            continue
        r, mos = emodel.call_quality(rtt, jitter or 0.0, loss or 0.0, 1.0, model)
        result[f"{out}r_factor"], result[f"{out}mos"] = round(r, 2), round(mos, 2)
    return result


def _duration_s(message: CallMessage) -> float:
    return round((message.at_ms - message.started_at_ms) / 1000.0, 3)


def _rfc3339(epoch_ms: float) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000.0, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
