"""The `voice` check: an RTP-like probe through the reflector, graded by the E-model.

For `seconds` the probe sends what a call would send (a codec-sized packet every
20 ms) to the collector's reflector, and reads back T1..T4 for every packet: round trip,
per-direction jitter and loss, loss bursts, reordering. The ITU-T G.107 E-model turns
delay, jitter (as jitter-buffer delay), loss and burstiness into R and MOS.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from agentprobe.checks.base import Check, Environment, Metric
from agentprobe.checks.session import collector_session
from agentprobe.config.spec import CheckConfig, every, setting
from agentprobe.report import CheckResult, MetricValue
from agentprobe.thresholds import Band
from agentprobe.voice import emodel
from agentprobe.voice.probe import RTP_HEADER_BYTES, ProbeError, ProbeRun, ProbeStream, open_target
from agentprobe.voice.statistics import StreamStats, stream_stats

PACKET_S = emodel.PACKET_MS / 1000


@dataclass(frozen=True)
class VoiceConfig(CheckConfig):
    interval: float = every(900.0)
    reflector: str = setting("", "host:port; default: the collector's host and port, UDP")
    codec: str = setting(
        "g711", "codec whose packets the probe imitates", choices=("g711", "g729", "opus")
    )
    seconds: float = setting(10.0, "probe length", duration=True, minimum=1, maximum=120)


# Runs the probe: (seconds, UDP payload bytes, progress) -> what came back. Raises ProbeError.
Prober = Callable[[float, int, Callable[[float], None]], tuple[str, ProbeRun]]


class VoiceCheck(Check[VoiceConfig]):
    """Would a call sound good on this path right now?"""

    name = "voice"
    description = "latency, jitter, loss and MOS of a call-like UDP stream to the reflector"
    config_class = VoiceConfig
    heavy = True
    metrics: ClassVar[dict[str, Metric]] = {
        "rtt_ms": Metric("ms", "median round trip, reflector turnaround excluded"),
        "rtt_p95_ms": Metric("ms", "95th percentile round trip"),
        "jitter_up_ms": Metric("ms", "RFC 3550 interarrival jitter, agent to reflector"),
        "jitter_down_ms": Metric("ms", "RFC 3550 interarrival jitter, reflector to agent"),
        "pdv_up_ms": Metric("ms", "95th percentile delay variation above the minimum, up"),
        "pdv_down_ms": Metric("ms", "95th percentile delay variation above the minimum, down"),
        "loss_up_pct": Metric("%", "packets lost on the way to the reflector"),
        "loss_down_pct": Metric("%", "replies lost on the way back"),
        "loss_pct": Metric("%", "packets without a reply, both ways together"),
        "max_burst_loss": Metric("packets", "longest run of consecutive lost packets"),
        "burst_ratio": Metric("ratio", "G.107 BurstR of the worse direction's losses (1 = random)"),
        "burst_ratio_up": Metric("ratio", "G.107 BurstR of the losses on the way there"),
        "burst_ratio_down": Metric("ratio", "G.107 BurstR of the losses on the way back"),
        "reordered": Metric("packets", "replies that arrived after a later one"),
        "duplicates": Metric("packets", "replies received more than once"),
        "r_factor": Metric("R", "ITU-T G.107 transmission rating of the worse direction"),
        "mos": Metric("MOS", "mean opinion score of the worse direction (G.107 Annex B), 1-4.5"),
        "r_factor_up": Metric("R", "G.107 rating of speech from the agent (up loss and jitter)"),
        "r_factor_down": Metric("R", "G.107 rating of speech to the agent (down loss and jitter)"),
        "mos_up": Metric("MOS", "MOS of what the customer hears from the agent"),
        "mos_down": Metric("MOS", "MOS of what the agent hears from the customer"),
        "worse_direction": Metric("name", "up or down: the direction that sets mos"),
        "mouth_to_ear_ms": Metric("ms", "one-way delay the E-model used (with jitter buffer)"),
        "packets_sent": Metric("packets", "probe packets sent"),
        "codec": Metric("name", "codec the probe imitated"),
        "reflector": Metric("host:port", "where the probe went"),
    }
    headline = ("mos", "rtt_ms", "jitter_down_ms", "loss_pct")
    bands: ClassVar[dict[str, Band]] = {
        "rtt_ms": Band(150, 300),
        "jitter_up_ms": Band(30, 60),
        "jitter_down_ms": Band(30, 60),
        "loss_pct": Band(1, 3),
        "mos": Band(4.0, 3.5, higher_is_better=True),
    }
    ADVICE: ClassVar[dict[str, str]] = {
        "rtt_ms": "Delay is high: use a wired connection, close VPNs not needed for calls, "
        "and ask IT whether the collector region is close to this agent.",
        "jitter_up_ms": "Upload jitter: something else on this link is uploading (backups, "
        "cloud sync, video); pause it during calls or enable SQM on the router.",
        "jitter_down_ms": "Download jitter: streaming or downloads share this link; "
        "pause them during calls, or move closer to the Wi-Fi access point.",
        "loss_pct": "Packets are lost: use a cable instead of Wi-Fi, or restart the router; "
        "if it persists, report it to the internet provider.",
        "mos": "Calls on this path would sound poor; fix the delay, jitter or loss above.",
    }

    def __init__(
        self,
        config: VoiceConfig,
        prober: Prober,
        progress: Callable[[str, float], None] = lambda label, fraction: None,
    ) -> None:
        super().__init__(config)
        self.prober, self.progress = prober, progress
        self.codec = emodel.CODECS[config.codec]

    @classmethod
    def create(cls, config: VoiceConfig, env: Environment) -> VoiceCheck:
        return cls(config, _reflector_prober(config, env), env.progress)

    def collect(self) -> CheckResult:
        size = RTP_HEADER_BYTES + self.codec.payload_bytes
        try:
            reflector, run = self.prober(
                self.config.seconds, size, lambda f: self.progress("voice", f)
            )
        except ProbeError as error:
            return self.error(f"cannot probe the voice path: {error}")
        if not run.arrivals:
            return self._silent(reflector, run)
        return self._grade(reflector, stream_stats(run.sent, run.reflected, run.arrivals))

    def _grade(self, reflector: str, s: StreamStats) -> CheckResult:
        # Each speech direction suffers only its own loss and jitter (G.107 rates one
        # direction of a connection); the call is as good as its worse direction.
        up = emodel.call_quality(s.rtt_ms, s.jitter_up_ms, s.loss_up_pct, s.burst_r_up, self.codec)
        down = emodel.call_quality(
            s.rtt_ms, s.jitter_down_ms, s.loss_down_pct, s.burst_r_down, self.codec
        )
        worse = "up" if up[1] < down[1] else "down"
        r, mos = up if worse == "up" else down
        jitter = s.jitter_up_ms if worse == "up" else s.jitter_down_ms
        metrics: dict[str, MetricValue] = {
            "rtt_ms": _ms(s.rtt_ms),
            "rtt_p95_ms": _ms(s.rtt_p95_ms),
            "jitter_up_ms": _ms(s.jitter_up_ms),
            "jitter_down_ms": _ms(s.jitter_down_ms),
            "pdv_up_ms": _ms(s.pdv_up_ms),
            "pdv_down_ms": _ms(s.pdv_down_ms),
            "loss_up_pct": round(s.loss_up_pct, 2),
            "loss_down_pct": round(s.loss_down_pct, 2),
            "loss_pct": round(s.loss_pct, 2),
            "max_burst_loss": s.max_burst_loss,
            "burst_ratio": round(s.burst_r_up if worse == "up" else s.burst_r_down, 2),
            "burst_ratio_up": round(s.burst_r_up, 2),
            "burst_ratio_down": round(s.burst_r_down, 2),
            "reordered": s.reordered,
            "duplicates": s.duplicates,
            "r_factor": round(r, 1),
            "mos": round(mos, 2),
            "r_factor_up": round(up[0], 1),
            "r_factor_down": round(down[0], 1),
            "mos_up": round(up[1], 2),
            "mos_down": round(down[1], 2),
            "worse_direction": worse,
            "mouth_to_ear_ms": _ms(emodel.mouth_to_ear_ms(s.rtt_ms, jitter, self.codec)),
            "packets_sent": s.sent,
            "codec": self.config.codec,
            "reflector": reflector,
        }
        return self.result(self._summary(metrics), metrics, self.ADVICE)

    def _summary(self, m: dict[str, MetricValue]) -> str:
        return (
            f"MOS {m['mos']} (R {m['r_factor']}, {self.codec.name}, {m['worse_direction']} is "
            f"worse: {m['mos_up']} up / {m['mos_down']} down): round trip {m['rtt_ms']} ms "
            f"(p95 {m['rtt_p95_ms']}), jitter {m['jitter_up_ms']} ms up / "
            f"{m['jitter_down_ms']} ms down, loss {m['loss_up_pct']}% up / "
            f"{m['loss_down_pct']}% down over {m['packets_sent']} packets"
        )

    def _silent(self, reflector: str, run: ProbeRun) -> CheckResult:
        """No reply at all: UDP is blocked somewhere, which is a finding, not a crash."""
        metrics: dict[str, MetricValue] = {
            "rtt_ms": None,
            "rtt_p95_ms": None,
            "jitter_up_ms": None,
            "jitter_down_ms": None,
            "loss_up_pct": 100.0 if run.reflected == 0 else 0.0,
            "loss_down_pct": 100.0 if run.reflected else 0.0,
            "loss_pct": 100.0,
            "max_burst_loss": run.sent,
            "r_factor": 0.0,
            "mos": 1.0,
            "packets_sent": run.sent,
            "codec": self.config.codec,
            "reflector": reflector,
        }
        result = self.result(
            f"no probe packet came back from {reflector} over UDP ({run.sent} sent)", metrics
        )
        result.advice = [
            f"UDP to {reflector} seems blocked: softphones need UDP for audio. Check the "
            "firewall/VPN, or set [voice] reflector if the collector's UDP port is mapped."
        ]
        return result


def _ms(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 2)


def _reflector_prober(config: VoiceConfig, env: Environment) -> Prober:
    """The real path: a reflector session over HTTPS, then the UDP probe.

    Skips when there is no collector or no token (raised when the probe runs, so inside
    the check's time limit).
    """

    def probe(seconds: float, size: int, progress: Callable[[float], None]) -> tuple[str, ProbeRun]:
        http = collector_session(
            env.collector,
            "no reflector to probe",
            ["set [collector] url to measure the voice path"],
        )
        with http:
            target = open_target(http, env.collector.url, config.reflector)
        count = max(1, round(seconds * 1000 / emodel.PACKET_MS))
        run = ProbeStream(target, PACKET_S, size).run(count=count, progress=progress)
        return target.address, run

    return probe
