"""Finished calls in the spools become call_end reports at a real collector, exactly once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentprobe.agent.call_intake import CallIntake
from agentprobe.calls.spool import CallSpool
from agentprobe.report import Report
from tests.rigs.collector import RunningCollector, start_collector
from tests.rigs.collector_client import agent_reports
from tests.rigs.daemon import start_daemon, wait_for, write_config

AGENT = "call-agent"


def call_record(call_id: str, source: str = "capture", **metrics: Any) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "started_at": "2026-12-01T10:00:00.000Z",
        "ended_at": "2026-12-01T10:03:00.000Z",
        "duration_s": 180.0,
        "transport": "srtp",
        "codec": "opus",
        "remote": "5e1f00d2c3b4a697",
        "source": source,
        "metrics": {"rx_packets": 9000, "rx_loss_pct": 0.2, "rx_jitter_ms": 3.1, **metrics},
    }


class FakeGrader:
    def __init__(self) -> None:
        self.seen: list[list[Path]] = []

    def __call__(self, files: Any) -> list[tuple[list[Path], Report | None]]:
        self.seen.append(list(files))
        return [([path], None) for path in files]


def test_the_intake_looks_at_most_every_interval_and_sets_bad_files_aside(tmp_path: Path) -> None:
    spool = CallSpool(tmp_path / "spool")
    spool.put(call_record("one"))
    grader = FakeGrader()
    intake = CallIntake([tmp_path / "spool", tmp_path / "absent"], grader, interval_s=5)
    graded = intake.take(100.0)
    assert intake.take(102.0) == [] and len(grader.seen) == 1
    for files, report in graded:
        intake.done(files, report)
    assert [p.name for p in (tmp_path / "spool").iterdir()] == ["one.bad"]


@pytest.fixture
def collector(tmp_path: Path) -> Any:
    rig = start_collector(tmp_path)
    yield rig
    rig.stop()


def call_reports(collector: RunningCollector) -> list[dict[str, Any]]:
    return [r for r in agent_reports(collector, AGENT) if r["trigger"] == "call_end"]


@pytest.mark.integration
def test_a_finished_call_reaches_the_collector_once(
    tmp_path: Path, collector: RunningCollector
) -> None:
    data = tmp_path / "agent-data"
    capture = tmp_path / "capture-spool"
    settings = {"url": collector.url, "ca_file": str(collector.ca_file), "timeout": 2,
                "enroll_secret": collector.enroll_secret}  # fmt: skip
    enabled = {
        "system": {"interval": 3600, "cpu_sample": 1},
        "call": {"capture_spool": str(capture)},
    }
    config = write_config(tmp_path / "agent.toml", data, settings, enabled, agent_id=AGENT)
    CallSpool(capture).put(call_record("wire-1", rtt_ms=42.0))
    CallSpool(data / "calls").put(
        {
            **call_record("page-1", source="browser", tx_loss_pct=1.5),
            "metrics": {"tx_loss_pct": 1.5},
        }
    )
    (capture / "garbage.json").write_text("{not json")
    daemon = start_daemon(config, data)
    try:
        reports = wait_for(lambda: call_reports(collector), 60, "the call_end report", daemon.tail)
        wait_for(lambda: not list(capture.glob("*.json")), 20, "the spool to clear", daemon.tail)
    finally:
        assert daemon.stop() == 0
    assert len(reports) == 1  # one call, seen twice, merged
    check = reports[0]["checks"][0]
    assert check["name"] == "call" and check["metrics"]["source"] == "capture+browser"
    assert (check["metrics"]["rtt_ms"], check["metrics"]["tx_loss_pct"]) == (42.0, 1.5)
    assert (capture / "garbage.bad").exists() and not list((data / "calls").glob("*.json"))
    assert json.loads(json.dumps(reports[0]))["created_at"] == "2026-12-01T10:03:00.000Z"
