"""Realistic synthetic reports for the ingest benchmark, demos and tests of the fleet view.

Figures are drawn around what a home link and headset really show, and graded with the
checks' own default bands, so a fleet of these looks like a real one (mostly pass, some
warn, a few failing links). Nothing here is used on the ingest path itself.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from agentprobe.checks.bandwidth import BandwidthCheck
from agentprobe.checks.base import Check
from agentprobe.checks.network import NetworkCheck
from agentprobe.checks.noise import NoiseCheck
from agentprobe.checks.system import SystemCheck
from agentprobe.checks.voice import VoiceCheck
from agentprobe.config.sections import StreamsSection
from agentprobe.report import CheckResult, Context, Event, MetricValue, Report, Status, worst

STREAMS = StreamsSection()  # one voice call and one licence at the default 100 kbps each


def _grade(check: type[Check], metric: str, value: float) -> Status:
    return check.bands[metric].grade(value)


def bandwidth(rng: random.Random, quality: float) -> CheckResult:
    down = round(rng.lognormvariate(9.5, 0.8) * quality, 1)
    up = round(rng.lognormvariate(8.0, 0.9) * quality, 1)
    required = STREAMS.budget_kbps
    band = BandwidthCheck.rate_band(required, STREAMS.headroom)
    status = worst([band.grade(down), band.grade(up)])
    metrics: dict[str, MetricValue] = {
        "download_kbps": down,
        "upload_kbps": up,
        "required_down_kbps": required,
        "required_up_kbps": required,
        "idle_latency_ms": round(rng.uniform(8, 40), 1),
        "loaded_latency_ms": round(rng.uniform(20, 250) / quality, 1),
        "bytes_used": rng.randint(2_000_000, 20_000_000),
    }
    return CheckResult("bandwidth", status, f"{down:.0f} kbps down, {up:.0f} kbps up", metrics)


def voice(rng: random.Random, quality: float) -> CheckResult:
    jitter_up = round(rng.expovariate(1 / 6) / quality, 2)
    jitter_down = round(rng.expovariate(1 / 5) / quality, 2)
    loss = round(max(0.0, rng.gauss(0.3, 0.6) / quality), 2)
    rtt = round(rng.uniform(20, 90) / quality, 1)
    mos = round(max(1.0, min(4.41, 4.41 - loss * 0.25 - max(jitter_up, jitter_down) * 0.01)), 2)
    status = worst(
        [
            _grade(VoiceCheck, "mos", mos),
            _grade(VoiceCheck, "jitter_up_ms", jitter_up),
            _grade(VoiceCheck, "jitter_down_ms", jitter_down),
            _grade(VoiceCheck, "loss_pct", loss),
            _grade(VoiceCheck, "rtt_ms", rtt),
        ]
    )
    metrics: dict[str, MetricValue] = {
        "rtt_ms": rtt,
        "rtt_p95_ms": round(rtt * 1.3, 1),
        "jitter_up_ms": jitter_up,
        "jitter_down_ms": jitter_down,
        "loss_up_pct": loss,
        "loss_down_pct": loss,
        "loss_pct": loss,
        "max_burst_loss": int(loss),
        "r_factor": round(93.2 - loss * 5, 1),
        "mos": mos,
        "packets_sent": 500,
    }
    return CheckResult("voice", status, f"MOS {mos}, jitter {jitter_up} ms", metrics)


def noise(rng: random.Random, quality: float, room_dbfs: float = -62.0) -> CheckResult:
    floor = round(rng.gauss(room_dbfs, 6) + (1 - quality) * 10, 1)
    status = _grade(NoiseCheck, "noise_floor_dbfs", floor)
    metrics: dict[str, MetricValue] = {
        "noise_floor_dbfs": floor,
        "speech_level_dbfs": -26.0,
        "snr_db": round(-26.0 - floor, 1),
        "noise_class": "quiet" if status is Status.PASS else "steady",
        "analysed_s": 5.0,
    }
    return CheckResult("noise", status, f"noise floor {floor} dBFS", metrics)


def system(rng: random.Random) -> CheckResult:
    cpu = round(rng.uniform(3, 70), 1)
    metrics: dict[str, MetricValue] = {
        "cpu_pct": cpu,
        "memory_available_pct": round(rng.uniform(20, 70), 1),
        "disk_free_pct": round(rng.uniform(15, 80), 1),
        "on_battery": False,
        "uptime_s": rng.randint(600, 900_000),
    }
    return CheckResult("system", _grade(SystemCheck, "cpu_pct", cpu), f"CPU {cpu}%", metrics)


@dataclass(frozen=True)
class Setup:
    """An agent's home setup, for reports that also carry network, devices and software."""

    wifi: bool = False
    wifi_rssi_dbm: float = -55.0
    headset: bool = True
    browser_version: str = "130.0.6723.91"
    location: str = "home"
    room_dbfs: float = -62.0  # the mean noise floor of the agent's room, dBFS(A)


def network(rng: random.Random, setup: Setup) -> CheckResult:
    gateway = round(rng.uniform(1, 4) + (6 if setup.wifi else 0), 1)
    metrics: dict[str, MetricValue] = {
        "interface_type": "wifi" if setup.wifi else "ethernet",
        "gateway_rtt_ms": gateway,
        "dns_ms": round(rng.uniform(8, 40), 1),
        "vpn_active": False,
    }
    grades = [NetworkCheck.bands["gateway_rtt_ms"].grade(gateway)]
    if setup.wifi:
        rssi = round(setup.wifi_rssi_dbm + rng.gauss(0, 2), 0)
        metrics["wifi_rssi_dbm"] = rssi
        grades.append(NetworkCheck.bands["wifi_rssi_dbm"].grade(rssi))
    link = f"Wi-Fi {metrics.get('wifi_rssi_dbm')} dBm" if setup.wifi else "Ethernet"
    return CheckResult("network", worst(grades), link, metrics)


def audio_devices(setup: Setup) -> CheckResult:
    name = "Jabra Evolve2 40" if setup.headset else "Built-in Microphone"
    metrics: dict[str, MetricValue] = {
        "input_count": 2,
        "output_count": 2,
        "default_input": name,
        "default_output": name if setup.headset else "Built-in Speakers",
        "headset_detected": setup.headset,
    }
    status = Status.PASS if setup.headset else Status.WARN
    return CheckResult("audio_devices", status, f"default input {name}", metrics)


def software(setup: Setup) -> CheckResult:
    metrics: dict[str, MetricValue] = {
        "os_name": "Windows 11 Pro",
        "os_version": "10.0.22631.4460",
        "browser_name": "chrome",
        "browser_version": setup.browser_version,
    }
    return CheckResult("software", Status.PASS, f"Chrome {setup.browser_version}", metrics)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sample_report(
    agent_id: str,
    rng: random.Random,
    created: datetime | None = None,
    team: str = "",
    site: str = "",
    quality: float = 1.0,
    setup: Setup | None = None,
    voice_quality: float | None = None,
    events: Sequence[Event] = (),
) -> Report:
    """One report of system, bandwidth, voice and noise; lower `quality` (0..1] degrades it.

    With a `setup`, the report also has network, audio_devices and software checks, and
    `voice_quality` (default `quality`) degrades the voice path alone.
    """
    created = created or datetime.now(UTC)
    voice_q = quality if voice_quality is None else voice_quality
    room = -62.0 if setup is None else setup.room_dbfs
    checks = [system(rng), bandwidth(rng, quality), voice(rng, voice_q), noise(rng, quality, room)]
    if setup is None:
        location = "home" if rng.random() < 0.8 else "office"
    else:
        checks += [network(rng, setup), audio_devices(setup), software(setup)]
        location = setup.location
    return Report(
        agent_id=agent_id,
        checks=checks,
        trigger="schedule",
        context=Context(team=team, site=site, location=location),
        events=list(events),
        created_at=_stamp(created),
    )
