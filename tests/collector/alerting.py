"""Reports with chosen figures for the alert tests, stored through the real store."""

from __future__ import annotations

from datetime import UTC, datetime

from agentprobe.checks.voice import VoiceCheck
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.validation import parse, validate
from agentprobe.report import CheckResult, Context, Report


def mos_report(
    agent_id: str, team: str, mos: float, at: float, trigger: str = "schedule"
) -> Report:
    status = VoiceCheck.bands["mos"].grade(mos)
    check = CheckResult("voice", status, f"MOS {mos}", {"mos": mos, "loss_pct": 0.0})
    created = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    return Report(
        agent_id=agent_id,
        checks=[check],
        trigger=trigger,
        context=Context(team=team, site="lisbon", location="home"),
        created_at=created.replace("+00:00", "Z"),
    )


def store(store: ReportStore, report: Report) -> None:
    assert store.save_batch([validate(*parse(report.to_json().encode()))]) == [True]
