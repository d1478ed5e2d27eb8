"""The bandwidth and voice checks' grading and wording, on scripted measurements."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentprobe.bandwidth.sufficiency import Unreachable
from agentprobe.checks.bandwidth import BandwidthCheck, BandwidthConfig, FullRuns
from agentprobe.checks.voice import VoiceCheck, VoiceConfig
from agentprobe.config.sections import StreamsSection
from agentprobe.report import Status
from agentprobe.voice import emodel
from agentprobe.voice.probe import ProbeError
from tests.checks.contract import REQUIRED_BANDWIDTH, REQUIRED_VOICE
from tests.checks.fakes import FixedPinger, ScriptedPath, ScriptedProbe, probe_run


def bandwidth(path: ScriptedPath, streams: StreamsSection | None = None, full: bool = False):  # type: ignore[no-untyped-def]
    check = BandwidthCheck(
        BandwidthConfig(), streams or StreamsSection(), lambda: path, full, sleep=lambda s: None
    )
    return check.run()


@pytest.mark.parametrize(
    ("down", "up", "status"),
    [(5000, 301, Status.PASS), (5000, 299, Status.WARN), (5000, 199, Status.FAIL),
     (150, 5000, Status.FAIL)],
)  # fmt: skip
def test_rates_graded_against_budget_and_headroom(down: float, up: float, status: Status) -> None:
    result = bandwidth(ScriptedPath(down, up, FixedPinger(10, 20)))
    assert result.status is status, result.summary
    assert set(result.metrics) >= REQUIRED_BANDWIDTH
    assert result.metrics["required_up_kbps"] == 200.0
    if status is not Status.PASS:
        assert "falls short of the 200 kbps" in result.advice[0]


def test_summary_says_how_many_calls_each_way() -> None:
    result = bandwidth(ScriptedPath(2050, 790, FixedPinger(10, 20)))
    # 1 licence takes 100 kbps, each call 100: (2050-100)/100 = 19, (790-100)/100 = 6
    assert (result.metrics["calls_down"], result.metrics["calls_up"]) == (19, 6)
    assert "about 19 simultaneous calls down and 6 up at 100 kbps each" in result.summary
    assert "at least" in result.summary  # stopped early: a lower bound


def test_budget_follows_streams() -> None:
    path = ScriptedPath(5000, 5000, FixedPinger(10, 20))
    streams = StreamsSection(voice=4, video=2, licenses=4)
    result = bandwidth(path, streams, full=True)
    assert result.metrics["required_down_kbps"] == 1000.0
    assert path.rules[0].target_kbps == 1500.0 and path.rules[0].full
    assert result.metrics["full_capacity"] is True


@pytest.mark.parametrize(
    ("loaded", "status", "grade"),
    [(16, Status.PASS, "A"), (120, Status.WARN, "C"), (450, Status.FAIL, "F")],
)
def test_latency_under_load(loaded: float, status: Status, grade: str) -> None:
    result = bandwidth(ScriptedPath(50_000, 50_000, FixedPinger(10, loaded)), full=True)
    assert result.metrics["idle_latency_ms"] == 10
    assert result.metrics["loaded_latency_ms"] == loaded
    assert result.metrics["bufferbloat_grade"] == grade
    assert result.status is status


def test_unreachable_server_is_an_error_with_its_summary() -> None:
    def connect() -> ScriptedPath:
        raise Unreachable("speedtest.net could not be reached (URLError)", "use the collector")

    check = BandwidthCheck(BandwidthConfig(), StreamsSection(), connect)
    result = check.run()
    assert result.status is Status.ERROR
    assert result.summary.startswith("speedtest.net could not be reached")


def test_voice_metrics_and_grading() -> None:
    probe = ScriptedProbe(probe_run(500, lost_up={10, 11}, lost_down={300}, rtt_ms=40))
    result = VoiceCheck(VoiceConfig(seconds=10), probe).run()
    assert probe.calls == [(10.0, 172)]  # G.711: RTP header + 160 bytes
    assert set(result.metrics) >= REQUIRED_VOICE
    m = result.metrics
    assert (m["loss_up_pct"], m["loss_pct"], m["max_burst_loss"]) == (0.4, 0.6, 2)
    assert m["loss_down_pct"] == pytest.approx(100 / 498, abs=0.01)
    assert m["rtt_ms"] == 40.0 and m["jitter_up_ms"] == 0.0
    assert result.status is Status.PASS
    assert 4.0 < float(m["mos"]) <= 4.41  # type: ignore[arg-type]


def test_voice_with_heavy_loss_fails() -> None:
    probe = ScriptedProbe(
        probe_run(100, lost_up=set(range(0, 100, 10)), lost_down=set(), rtt_ms=40)
    )
    result = VoiceCheck(VoiceConfig(codec="g729"), probe).run()
    assert probe.calls[0][1] == 32
    assert result.metrics["loss_pct"] == 10.0
    assert result.status is Status.FAIL
    assert any("cable" in tip for tip in result.advice)


def test_silent_path_fails_with_udp_advice() -> None:
    result = VoiceCheck(VoiceConfig(), ScriptedProbe(probe_run(50, set(range(50)), set(), 1))).run()
    assert result.status is Status.FAIL
    assert result.metrics["loss_pct"] == 100.0 and result.metrics["mos"] == 1.0
    assert "UDP" in result.advice[0]


def test_probe_error_is_a_readable_error() -> None:
    def broken(seconds: float, size: int, progress: object) -> tuple[str, object]:
        raise ProbeError("collector refused a reflector session: HTTP 401")

    result = VoiceCheck(VoiceConfig(), broken).run()  # type: ignore[arg-type]
    assert result.status is Status.ERROR
    assert "HTTP 401" in result.summary


def test_each_speech_direction_is_scored_with_its_own_loss() -> None:
    lost_up = set(range(0, 1000, 33))  # 31 packets: 3.1 % on the way there
    lost_down = set(range(16, 1000, 33))  # 30 of the 969 that arrived: 3.1 % back
    probe = ScriptedProbe(probe_run(1000, lost_up, lost_down, rtt_ms=40))
    m = VoiceCheck(VoiceConfig(), probe).run().metrics
    codec = emodel.CODECS["g711"]
    up = emodel.call_quality(40.0, 0.0, 3.1, 1.0, codec)
    down = emodel.call_quality(40.0, 0.0, 100 * 30 / 969, 1.0, codec)
    assert (m["mos_up"], m["mos_down"]) == (round(up[1], 2), round(down[1], 2))
    assert m["mos"] == min(m["mos_up"], m["mos_down"]) and m["worse_direction"] == "up"
    # Both directions' loss added together (6.3 %) would have read about 3.7: a warn.
    assert 4.0 < float(m["mos"]) < 4.2  # type: ignore[arg-type]


def test_a_burst_on_the_way_back_is_not_blamed_on_the_way_there() -> None:
    probe = ScriptedProbe(probe_run(500, set(range(0, 500, 50)), set(range(200, 210)), 40))
    m = VoiceCheck(VoiceConfig(), probe).run().metrics
    assert m["burst_ratio_up"] == 1.0
    assert float(m["burst_ratio_down"]) > 5  # type: ignore[arg-type]


def test_a_quick_test_does_not_grade_bufferbloat() -> None:
    result = bandwidth(ScriptedPath(50_000, 50_000, FixedPinger(10, 450)))
    m = result.metrics
    assert m["loaded_latency_ms"] == 450 and m["bufferbloat_graded"] is False
    assert (m["latency_increase_ms"], m["bufferbloat_grade"]) == (None, None)
    assert result.status is Status.PASS
    assert "bufferbloat not graded" in result.summary


def test_the_grade_and_the_status_agree_at_the_boundary() -> None:
    result = bandwidth(ScriptedPath(50_000, 50_000, FixedPinger(10, 70)), full=True)
    assert result.metrics["latency_increase_ms"] == 60.0
    assert (result.metrics["bufferbloat_grade"], result.status) == ("B", Status.PASS)


def test_a_summary_leads_with_the_reason_for_its_status() -> None:
    bloated = bandwidth(ScriptedPath(50_000, 50_000, FixedPinger(10, 450)), full=True)
    assert bloated.status is Status.FAIL
    assert bloated.summary.startswith("Bufferbloat F: latency 10 ms idle, 450 ms loaded (+440 ms)")
    slow = bandwidth(ScriptedPath(150, 150, FixedPinger(10, 450)), full=True)
    assert slow.status is Status.FAIL and slow.summary.startswith("Download 150 kbps")


def test_no_ping_answered_reads_as_words_not_none() -> None:
    silent = FixedPinger(None, 20)
    result = bandwidth(ScriptedPath(50_000, 50_000, silent), full=True)
    assert "None" not in result.summary
    assert "no ping answered while idle" in result.summary


def test_the_daemon_measures_full_capacity_at_shift_start_and_every_few_hours(
    tmp_path: Path,
) -> None:
    now = [1_000_000.0]
    runs = FullRuns(tmp_path / "full.json", 4 * 3600, clock=lambda: now[0])
    assert runs.due("schedule") and runs.due("shift_start") and not runs.due("manual")
    runs.record()
    now[0] += 3600
    assert not runs.due("schedule") and runs.due("shift_start")
    now[0] += 3 * 3600
    assert runs.due("schedule")
