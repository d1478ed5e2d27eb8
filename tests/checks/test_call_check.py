"""A finished call record graded into a `call_end` report with the voice check's bands."""

from __future__ import annotations

import jsonschema

from agentprobe.checks.call import CallCheck, CallConfig, call_report
from agentprobe.checks.registry import config_from_dict
from agentprobe.checks.runner import select
from agentprobe.report import Status, json_schema

RECORD = {
    "call_id": "c0ffee",
    "started_at": "2026-12-01T10:00:00.000Z",
    "ended_at": "2026-12-01T10:04:30.000Z",
    "duration_s": 270.0,
    "transport": "turn-channel",
    "codec": "opus",
    "remote": "3f2a9c1d0b7e6a55",
    "source": "capture",
    "metrics": {
        "duration_s": 270.0,
        "transport": "turn-channel",
        "codec": "opus",
        "rx_packets": 13200,
        "rx_loss_pct": 4.2,
        "rx_jitter_ms": 12.5,
        "rx_max_burst_loss": 9,
        "rx_reordered": 3,
        "rx_duplicates": 1,
        "tx_packets": 13500,
        "rtt_ms": 85.0,
        "r_factor": 70.1,
        "mos": 3.6,
        "future_metric_pct": 1.0,
    },
}


def test_a_lossy_call_fails_with_plain_advice() -> None:
    result = CallCheck(CallConfig()).grade_record(RECORD)
    assert result.status is Status.FAIL  # 4.2 % received loss: past the voice check's 3 %
    assert result.summary == (
        "4.5 min opus call over turn-channel: MOS 3.6; 4.2% of the incoming audio lost, "
        "jitter 12.5 ms; round trip 85.0 ms"
    )
    assert result.advice[0].startswith("Audio to the agent was lost on the way")
    assert "future_metric_pct" not in result.metrics  # undeclared: dropped, not an error
    assert result.metrics["source"] == "capture"


def test_the_call_end_report_is_valid_and_keeps_one_id_per_call() -> None:
    config = config_from_dict({"agent": {"id": "agent-7", "team": "blue"}})
    check = CallCheck(CallConfig())
    first, again = call_report(config, RECORD, check), call_report(config, RECORD, check)
    assert first.report_id == again.report_id  # a record handed on twice is one report
    assert (first.trigger, first.created_at) == ("call_end", "2026-12-01T10:04:30.000Z")
    assert first.context.team == "blue" and [c.name for c in first.checks] == ["call"]
    jsonschema.validate(first.to_dict(), json_schema())


def test_the_call_check_is_not_run_by_default_and_says_why_when_asked() -> None:
    assert "call" not in [check.name for check in select()]
    result = CallCheck(CallConfig()).run()
    assert result.status is Status.SKIP and "real calls" in result.summary
