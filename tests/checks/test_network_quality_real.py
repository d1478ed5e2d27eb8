"""Real paths: the collector in a namespace behind tbf-shaped veth, and an impairing relay.

The link is shaped to 20 Mbit/s down and 2 Mbit/s up with a 250 ms queue, so the
rates, the early stop and the bufferbloat are all real. The voice path goes through a
userspace relay that adds known delay, jitter and loss (netem is not available).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from agentprobe.checks.bandwidth import BandwidthCheck, BandwidthConfig
from agentprobe.checks.voice import VoiceCheck, VoiceConfig
from agentprobe.report import Status
from agentprobe.voice import statistics
from tests.checks.conftest import DOWN_KBIT, UP_KBIT, ShapedCollector
from tests.checks.contract import REQUIRED_BANDWIDTH, REQUIRED_VOICE
from tests.rigs import netns
from tests.rigs.collector import agentprobe_command

pytestmark = [pytest.mark.integration, pytest.mark.root]

# TCP payload over tbf's layer-2 rate: 1448 of every 1514 bytes on the wire.
GOODPUT = 1448 / 1514


def _bandwidth(shaped: ShapedCollector, tmp_path: Path, full: bool, **streams: object):  # type: ignore[no-untyped-def]
    agent, env = shaped.configured(
        tmp_path, full=full, bandwidth={"max_seconds": 4}, streams=streams
    )
    config = agent.check("bandwidth")
    assert isinstance(config, BandwidthConfig)
    return BandwidthCheck.create(config, env).run()


def test_full_measurement_matches_the_shaped_rates(shaped: ShapedCollector, tmp_path: Path) -> None:
    result = _bandwidth(shaped, tmp_path, full=True)
    m = result.metrics
    assert m["download_kbps"] == pytest.approx(DOWN_KBIT * GOODPUT, rel=0.12), result.summary
    assert m["upload_kbps"] == pytest.approx(UP_KBIT * GOODPUT, rel=0.12), result.summary
    assert m["full_capacity"] is True
    # a 250 ms tbf queue fills under load: the rise is real bufferbloat
    assert float(m["idle_latency_ms"]) < 5  # type: ignore[arg-type]
    assert float(m["latency_increase_ms"]) > 60  # type: ignore[arg-type]
    assert m["bufferbloat_grade"] in ("C", "D", "F")
    assert result.status is Status.WARN or result.status is Status.FAIL


def test_healthy_link_stops_early_with_little_data(shaped: ShapedCollector, tmp_path: Path) -> None:
    result = _bandwidth(shaped, tmp_path, full=False)
    m = result.metrics
    assert m["full_capacity"] is False
    assert "at least" in result.summary
    # proving 200 kbps x 1.5 x 1.5 each way needs far less than 4 s at full rate
    full_bytes = (DOWN_KBIT + UP_KBIT) * 1000 / 8 * 4
    assert int(m["bytes_used"]) < full_bytes / 2  # type: ignore[call-overload]
    assert float(m["upload_kbps"]) >= 450  # type: ignore[arg-type]


def test_budget_above_the_upload_fails_and_counts_calls(
    shaped: ShapedCollector, tmp_path: Path
) -> None:
    result = _bandwidth(shaped, tmp_path, full=False, voice=25)  # 2600 kbps > 2 Mbit/s up
    assert result.status is Status.FAIL
    assert result.metrics["required_up_kbps"] == 2600.0
    assert int(result.metrics["calls_up"]) < 25 < int(result.metrics["calls_down"])  # type: ignore[call-overload]
    assert "falls short of the 2600 kbps" in result.advice[0]


def test_voice_probe_recovers_injected_delay_jitter_and_loss(
    shaped: ShapedCollector, tmp_path: Path
) -> None:
    up = netns.Impairment(delay_ms=30, jitter_ms=4, loss=0.05)
    down = netns.Impairment(delay_ms=20, jitter_ms=2, loss=0.02)
    upstream = (shaped.link.ns_ip, shaped.collector.port)
    with netns.UdpRelay(upstream, up, down, seed=7) as relay:
        agent, env = shaped.configured(tmp_path, voice={"reflector": relay.address, "seconds": 6})
        config = agent.check("voice")
        assert isinstance(config, VoiceConfig)
        result = VoiceCheck.create(config, env).run()
    m = result.metrics
    assert m["packets_sent"] == 300
    assert m["loss_up_pct"] == pytest.approx(relay.up.loss_pct, abs=1.0)
    assert m["loss_down_pct"] == pytest.approx(relay.down.loss_pct, abs=1.0)
    assert m["rtt_ms"] == pytest.approx(50, abs=3)
    assert m["jitter_up_ms"] == pytest.approx(statistics.rfc3550_jitter(relay.up.added_ms), abs=1.0)
    assert m["jitter_down_ms"] == pytest.approx(
        statistics.rfc3550_jitter(relay.down.added_ms), abs=1.0
    )
    assert float(m["mos"]) < 4.3  # type: ignore[arg-type]
    assert result.status in (Status.WARN, Status.FAIL)  # ~7 % loss


def test_cli_reports_every_design_metric(shaped: ShapedCollector, tmp_path: Path) -> None:
    config = tmp_path / "agent.toml"
    config.write_text(shaped.config_text(voice={"seconds": 2}, bandwidth={"max_seconds": 3}))
    done = subprocess.run(
        [*agentprobe_command(), "check", "--only", "bandwidth", "--only", "voice", "--json",
         "--config", str(config)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    report = json.loads(done.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert set(checks) == {"bandwidth", "voice"}, done.stderr
    assert set(checks["bandwidth"]["metrics"]) >= REQUIRED_BANDWIDTH, checks["bandwidth"]["summary"]
    assert set(checks["voice"]["metrics"]) >= REQUIRED_VOICE, checks["voice"]["summary"]
    assert checks["voice"]["status"] == "pass", checks["voice"]["summary"]
    assert report["status"] in ("pass", "warn", "fail")  # the 250 ms queue may fail it
    assert done.returncode == {"pass": 0, "warn": 1, "fail": 2}[report["status"]]


def test_ookla_backend_without_internet_errors_clearly(tmp_path: Path) -> None:
    reason = netns.available()
    if reason:
        pytest.skip(reason)
    config = tmp_path / "agent.toml"
    config.write_text(f'[agent]\ndata_dir = "{tmp_path}"\n[bandwidth]\nbackend = "ookla"\n')
    with netns.empty_namespace() as name:  # nothing outside is reachable from in there
        done = subprocess.run(
            ["ip", "netns", "exec", name, *agentprobe_command(), "check", "--only", "bandwidth",
             "--json", "--config", str(config)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    check = json.loads(done.stdout)["checks"][0]
    assert done.returncode == 3
    assert check["status"] == "error"
    assert check["summary"].startswith("speedtest.net could not be reached")
    assert "Traceback" not in done.stderr
