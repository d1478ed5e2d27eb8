"""The `call` check: one finished real call, graded like the voice probe, never its content.

Calls are not run on a schedule: the capture service (packet headers) and the browser's
native host (WebRTC statistics) leave a record of each finished call in a spool, and
the daemon turns each record into a report with trigger `call_end` and this one check
(`call_report`). The bands are the voice check's own, applied to what the agent heard
(`rx_*`), so a real call and a probe are judged alike. While the call is live the
daemon also measures the headset (speech level, background, clipping, muted time,
device switches, hands-free time), and those figures are reported, not graded: a
loud room is advice for the noise check, not a bad call. `agentprobe calls watch`
shows calls as they end.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from agentprobe.checks.base import Check, Metric, Skipped
from agentprobe.checks.voice import VoiceCheck
from agentprobe.config.sections import Config
from agentprobe.config.spec import CheckConfig, every, setting
from agentprobe.report import CheckResult, Context, MetricValue, Report
from agentprobe.thresholds import Band

# A stable id per call, so a record handed on twice (a crash between the outbox and
# the spool) is one report at the collector, which deduplicates by report_id.
_REPORT_NAMESPACE = uuid.UUID("5b0c1f7e-3d55-4f0e-9a51-6c1d0f0a7c11")
DEFAULT_CAPTURE_SPOOL = "/var/spool/agentprobe/calls"


@dataclass(frozen=True)
class CallConfig(CheckConfig):
    interval: float = every(60.0)
    capture_spool: str = setting(
        DEFAULT_CAPTURE_SPOOL,
        "where the capture service leaves finished calls; empty = no packet capture",
    )
    headset: bool = setting(True, "measure the microphone during calls (levels only, no audio)")


class CallCheck(Check[CallConfig]):
    """How did the last real call go, as the wire and the headset saw it?"""

    name = "call"
    description = "each finished real call: loss, jitter, RTT and MOS from packet headers"
    config_class = CallConfig
    scheduled = False
    metrics: ClassVar[dict[str, Metric]] = {
        "duration_s": Metric("s", "from the first to the last media packet"),
        "transport": Metric("name", "rtp, srtp, turn-channel or turn-send"),
        "codec": Metric("name", "g711, g722, opus, g729 or unknown (from payload type and clock)"),
        "source": Metric(
            "name", "who saw the call: capture, browser, headset, or several joined by +"
        ),
        "rx_packets": Metric("packets", "audio packets received"),
        "rx_loss_pct": Metric("%", "received audio lost (RFC 3550 expected minus received)"),
        "rx_jitter_ms": Metric("ms", "RFC 3550 interarrival jitter, mean over the call"),
        "rx_jitter_max_ms": Metric("ms", "highest RFC 3550 jitter estimate during the call"),
        "rx_max_burst_loss": Metric("packets", "longest run of consecutive lost packets"),
        "rx_burst_ratio": Metric("ratio", "G.113 BurstR of the received losses (1 = random)"),
        "rx_reordered": Metric("packets", "packets that arrived after a later one (RFC 4737)"),
        "rx_duplicates": Metric("packets", "packets received more than once"),
        "rx_kbps": Metric("kbps", "received media rate, all streams"),
        "ssrc_changes": Metric("count", "times a new audio source replaced the old one"),
        "video": Metric("bool", "the call carried video too"),
        "tx_packets": Metric("packets", "audio packets sent"),
        "tx_kbps": Metric("kbps", "sent media rate, all streams"),
        "tx_loss_pct": Metric("%", "our audio lost on the way, per the far end's reports"),
        "tx_jitter_ms": Metric("ms", "jitter of our audio, per the far end's reports"),
        "rtt_ms": Metric("ms", "round trip from STUN consent checks or RTCP (when seen)"),
        "rtt_source": Metric("name", "stun, rtcp, browser or none"),
        "encrypted": Metric("bool", "SRTP (a DTLS handshake was seen on the flow)"),
        "r_factor": Metric("R", "ITU-T G.107 rating of the direction in mos_direction"),
        "mos": Metric("MOS", "G.107 MOS of the received audio (or the sent, when none came in)"),
        "mos_direction": Metric("name", "rx or tx: which audio mos rates"),
        "tx_mos": Metric("MOS", "G.107 MOS of our audio as the far end received it"),
        "concealment_pct": Metric("%", "received samples the browser had to conceal"),
        "relay_protocol": Metric("name", "udp, tcp or tls when the media went through TURN"),
        "rx_packets_lost": Metric("packets", "received audio lost, as the browser counted it"),
        "tx_packets_lost": Metric("packets", "our audio lost, per the far end's reports"),
        "tx_r_factor": Metric("R", "G.107 rating of our audio as the far end received it"),
        "ice_rtt_ms": Metric("ms", "round trip of the selected ICE candidate pair (STUN)"),
        "jitter_buffer_ms": Metric("ms", "mean delay the browser's jitter buffer added"),
        "playout_adjust_pct": Metric("%", "received samples inserted or removed to keep time"),
        "candidate_type": Metric("name", "host, srflx, prflx or relay: the local candidate"),
        "ice_protocol": Metric("name", "udp or tcp between this browser and its ICE peer"),
        "origin": Metric("origin", "the softphone's web origin (scheme and host, no path)"),
        "call_state": Metric("name", "how the browser call ended: closed, failed or live"),
        "speech_level_dbfs": Metric("dBFS", "P.56 active speech level at the mic during the call"),
        "noise_floor_dbfs": Metric("dBFS", "A-weighted L90 between utterances during the call"),
        "clipping_pct": Metric("%", "mic samples at full scale during the call"),
        "mic_muted_s": Metric("s", "time the mic delivered silence or a constant level"),
        "mic_analysed_s": Metric("s", "microphone audio analysed during the call, muted or not"),
        "device_changes": Metric("count", "times the default microphone changed during the call"),
        "narrowband_s": Metric("s", "time a Bluetooth headset spent in hands-free mode"),
    }
    headline = ("mos", "rx_loss_pct", "rx_jitter_ms", "rtt_ms")
    bands: ClassVar[dict[str, Band]] = {
        "mos": VoiceCheck.bands["mos"],
        "tx_mos": VoiceCheck.bands["mos"],
        "rx_loss_pct": VoiceCheck.bands["loss_pct"],
        "tx_loss_pct": VoiceCheck.bands["loss_pct"],
        "rx_jitter_ms": VoiceCheck.bands["jitter_down_ms"],
        "tx_jitter_ms": VoiceCheck.bands["jitter_up_ms"],
        "rtt_ms": VoiceCheck.bands["rtt_ms"],
    }
    ADVICE: ClassVar[dict[str, str]] = {
        "rx_loss_pct": "Audio to the agent was lost on the way: use a cable instead of Wi-Fi, "
        "and keep large downloads and video off the connection during calls.",
        "tx_loss_pct": "The customer lost some of the agent's audio: the home upload is "
        "overloaded or unstable; pause uploads (cloud backup, video) during calls.",
        "rx_jitter_ms": "Audio arrived unevenly (jitter): other traffic on the home link or "
        "Wi-Fi interference; a cable or router QoS for calls helps.",
        "tx_jitter_ms": "The agent's audio arrived unevenly at the far end: other uploads or "
        "Wi-Fi interference; a cable or router QoS for calls helps.",
        "rtt_ms": "The call's delay was high, so people talk over each other: close VPNs not "
        "needed for calls and prefer a wired connection.",
        "mos": "The call sounded poor to at least one side.",
        "tx_mos": "The customer heard the agent poorly.",
    }

    def collect(self) -> CheckResult:
        raise Skipped(
            "graded from real calls as they end: the daemon reports each finished call, "
            "and `agentprobe calls watch` shows them live"
        )

    def grade_record(self, record: Mapping[str, Any]) -> CheckResult:
        """The check result of one finished call record (the spool's shape)."""
        metrics = _metrics_of(record)
        undeclared = sorted(set(metrics) - set(self.metrics))
        for name in undeclared:
            del metrics[name]  # a newer recorder's extra: keep the report valid, drop it
        return self.result(_summary(metrics), metrics, self.ADVICE)


def _metrics_of(record: Mapping[str, Any]) -> dict[str, MetricValue]:
    raw = record.get("metrics", {})
    metrics: dict[str, MetricValue] = {
        name: value
        for name, value in (raw.items() if isinstance(raw, Mapping) else [])
        if isinstance(name, str) and (value is None or isinstance(value, int | float | str))
    }
    for key in ("duration_s", "transport", "codec", "source"):
        if key in record and key not in metrics:
            metrics[key] = record[key]
    return metrics


def _summary(m: Mapping[str, MetricValue]) -> str:
    minutes = float(m.get("duration_s") or 0) / 60
    if m.get("source") == "headset":  # no media record: what the microphone heard
        return f"{minutes:.1f} min call heard only at the headset; " + _headset_summary(m)
    head = f"{minutes:.1f} min {m.get('codec', 'unknown')} call over {m.get('transport', '?')}"
    parts = [f"MOS {m['mos']}"] if m.get("mos") is not None else []
    loss, jitter = m.get("rx_loss_pct", 0), m.get("rx_jitter_ms", 0)
    parts.append(f"{loss}% of the incoming audio lost, jitter {jitter} ms")
    if m.get("tx_loss_pct") is not None:
        parts.append(f"{m['tx_loss_pct']}% of ours lost on the way out")
    parts.append(f"round trip {m['rtt_ms']} ms" if m.get("rtt_ms") is not None else "no RTT seen")
    summary = f"{head}: " + "; ".join(parts)
    return f"{summary}; {_headset_summary(m)}" if "mic_analysed_s" in m else summary


def _headset_summary(m: Mapping[str, MetricValue]) -> str:
    parts = []
    if m.get("speech_level_dbfs") is not None:
        parts.append(f"speech {m['speech_level_dbfs']} dBFS")
    if m.get("noise_floor_dbfs") is not None:
        parts.append(f"background {m['noise_floor_dbfs']} dBFS(A)")
    parts.append(f"mic muted {m.get('mic_muted_s', 0)} s")
    if m.get("device_changes"):
        parts.append(f"{m['device_changes']} device change(s)")
    if m.get("narrowband_s"):
        parts.append(f"{m['narrowband_s']} s in Bluetooth hands-free mode")
    return ", ".join(parts)


def call_report(config: Config, record: Mapping[str, Any], check: CallCheck) -> Report:
    """The `call_end` report of one finished call record."""
    agent = config.agent
    call_id = str(record.get("call_id", ""))
    ended = str(record.get("ended_at") or "")
    report = Report(
        config.agent_id,
        [check.grade_record(record)],
        trigger="call_end",
        context=Context(agent.team, agent.site, agent.location, in_call=False),
        report_id=str(uuid.uuid5(_REPORT_NAMESPACE, f"{config.agent_id}/{call_id}")),
    )
    if ended:
        report.created_at = ended
    return report
