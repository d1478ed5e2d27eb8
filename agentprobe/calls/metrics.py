"""A finished call's counters as the `call` check's metrics, and its record.

Received-direction figures add up the call's audio streams; video SSRCs (a 90 kHz clock
or several packets per timestamp) and streams whose clock could not be inferred (RTX,
padding probes) count only in `rx_kbps`. `rx_loss_pct` is lost over expected across
them (RFC 3550 §6.4.1 counting, duplicates excluded), `rx_jitter_ms` the RFC 3550
estimate averaged over the call's packets (the final value of a running estimate says
only how the call ended), `rx_burst_ratio` the G.113 BurstR of the pooled loss
transitions. MOS is the G.107 E-model (`emodel.call_quality`) of the received
direction (`mos_direction` = `rx`) or, when no audio came in, of the sent direction as
the remote's receiver reports describe it (`tx`); with neither there is no MOS rather
than a perfect one. Without a round trip seen, the delay impairment is that of 0 ms
RTT, which `rtt_source` = `none` makes plain. `ssrc_changes` counts received audio
sources that replaced an earlier one with the same payload type (a transfer, a
re-INVITE, a media server re-anchoring the call).
"""

from __future__ import annotations

from collections.abc import Iterable

from agentprobe.calls.call import LiveCall
from agentprobe.calls.record import CallRecord, Metric
from agentprobe.calls.stream import RtpStream, markov_burst_ratio
from agentprobe.voice import emodel

# G.113 Appendix I has no narrowband Ie/Bpl for G.722 or an unknown codec: rate them as
# G.711 with concealment, the heuristic `emodel` already applies to Opus.
EMODEL_CODEC = {"g711": "g711", "g729": "g729", "opus": "opus", "g722": "g711", "unknown": "g711"}

Metrics = dict[str, Metric]


def finish(call: LiveCall, transport: str) -> CallRecord:
    """The record of a call that has ended; settles its streams (call once)."""
    for stream in (*call.rx.values(), *call.tx.values()):
        stream.close()
    codec = _codec(call)
    duration_s = round(max(0.0, call.last_at - call.first_at), 3)
    metrics_all: Metrics = {"duration_s": duration_s, "transport": transport, "codec": codec}
    metrics_all |= received(call)
    metrics_all |= sent(call)
    metrics_all |= _quality(call, metrics_all, codec)
    return CallRecord(
        call_id=call.call_id,
        started_at=call.first_at,
        ended_at=call.last_at,
        transport=transport,
        codec=codec,
        remote=call.remote,
        metrics=metrics_all,
    )


def _audio(streams: dict[int, RtpStream]) -> list[RtpStream]:
    return sorted((s for s in streams.values() if s.is_audio), key=lambda s: s.first_at)


def _codec(call: LiveCall) -> str:
    for streams in (call.rx, call.tx):
        audio = _audio(streams)
        if audio:
            return max(audio, key=lambda s: s.packets).codec.codec
    return "unknown"


def received(call: LiveCall) -> Metrics:
    """rx_* figures of the received audio streams."""
    audio = _audio(call.rx)
    expected = sum(s.window.expected for s in audio)
    lost = sum(s.window.lost for s in audio)
    timed = [s for s in audio if s.clock.updates]
    weight = sum(s.clock.updates for s in timed)
    jitter = (
        sum(s.clock.mean_jitter_ms * s.clock.updates for s in timed) / weight if weight else 0.0
    )
    return {
        "rx_packets": sum(s.packets for s in audio),
        "rx_loss_pct": round(100.0 * lost / expected, 3) if expected > 0 else 0.0,
        "rx_jitter_ms": round(jitter, 3),
        "rx_jitter_max_ms": round(
            max((s.clock.ms(s.clock.max_jitter) for s in timed), default=0.0), 3
        ),
        "rx_max_burst_loss": max((s.window.max_run for s in audio), default=0),
        "rx_burst_ratio": round(_burst_ratio(audio), 3),
        "rx_reordered": sum(s.window.reordered + s.window.late for s in audio),
        "rx_duplicates": sum(s.window.duplicates for s in audio),
        "rx_kbps": _kbps(call.rx.values(), call),
        "ssrc_changes": _changes(audio),
        "video": any(s.clock.is_video for s in (*call.rx.values(), *call.tx.values())),
    }


def sent(call: LiveCall) -> Metrics:
    """tx_* figures: what we sent, and what the remote's receiver reports said of it."""
    reports = call.reports
    metrics: Metrics = {
        "tx_packets": sum(s.packets for s in _audio(call.tx)),
        "tx_kbps": _kbps(call.tx.values(), call),
    }
    if reports.count:
        metrics["tx_loss_pct"] = round(100.0 * reports.fraction_sum / 256 / reports.count, 3)
    if reports.jitter_count:
        metrics["tx_jitter_ms"] = round(reports.jitter_ms_sum / reports.jitter_count, 3)
    return metrics


def _quality(call: LiveCall, metrics: Metrics, codec: str) -> Metrics:
    rtt_ms, source = call.rtt()
    extra: Metrics = {"rtt_source": source, "encrypted": call.encrypted}
    if rtt_ms is not None:
        extra["rtt_ms"] = round(rtt_ms, 3)
    figures = _rated_direction(metrics)
    if figures is not None:
        direction, loss, jitter, burst = figures
        model = emodel.CODECS[EMODEL_CODEC.get(codec, "g711")]
        r, mos = emodel.call_quality(rtt_ms or 0.0, jitter, loss, burst, model)
        extra |= {"r_factor": round(r, 2), "mos": round(mos, 2), "mos_direction": direction}
    return extra


def _rated_direction(metrics: Metrics) -> tuple[str, float, float, float] | None:
    """What the E-model rates: what we heard (rx) when any audio came in; else what the
    remote reported hearing from us (tx, RTCP RR); else nothing, rather than a perfect
    score for a call that carried no audio this way."""
    if metrics["rx_packets"]:
        burst = float(metrics["rx_burst_ratio"])
        return "rx", float(metrics["rx_loss_pct"]), float(metrics["rx_jitter_ms"]), burst
    if "tx_loss_pct" in metrics:
        jitter = float(metrics.get("tx_jitter_ms", 0.0))
        return "tx", float(metrics["tx_loss_pct"]), jitter, 1.0
    return None


def _burst_ratio(streams: list[RtpStream]) -> float:
    pooled = [[sum(s.window.transitions[a][b] for s in streams) for b in (0, 1)] for a in (0, 1)]
    return markov_burst_ratio(pooled)


def _kbps(streams: Iterable[RtpStream], call: LiveCall) -> float:
    seconds = call.last_at - call.first_at
    octets = sum(s.octets for s in streams)
    return round(8 * octets / seconds / 1000, 3) if seconds > 0 else 0.0


def _changes(audio: list[RtpStream]) -> int:
    seen: set[int] = set()
    changes = 0
    for stream in audio:  # in order of first arrival
        changes += stream.payload_type in seen
        seen.add(stream.payload_type)
    return changes
