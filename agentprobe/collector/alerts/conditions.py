"""Whether a rule's condition holds for one agent or team, from figures already read (pure).

Each function gets what the evaluator read from the store (the last reports' statuses or
figures, newest first; a last-seen time; a team's counts) and returns a `Finding` with the
value and threshold a notification reports, and a plain sentence saying what is wrong.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from agentprobe.collector.alerts.rules import Rule
from agentprobe.config.shifts import on_shift, parse_shift


@dataclass(frozen=True)
class Finding:
    subject: str  # the agent id, or "team:NAME"
    holds: bool
    agent_id: str | None
    team: str
    check: str | None
    metric: str | None
    value: float | None
    threshold: float | None
    summary: str


def _who(agent_id: str, team: str) -> str:
    return f"{agent_id} ({team})" if team else agent_id


def status_finding(rule: Rule, agent_id: str, team: str, statuses: Sequence[str]) -> Finding:
    """Holds when `failing` of the last `of_last` statuses (newest first) are fail."""
    window = list(statuses[: rule.of_last])
    bad = sum(1 for status in window if status == "fail")
    what = f"the {rule.check} check" if rule.check else "its checks"
    summary = (
        f"{_who(agent_id, team)} failed {bad} of its last {len(window)} reports ({what}): "
        "this agent may not be able to take calls"
    )
    return Finding(
        agent_id,
        bad >= rule.failing,
        agent_id,
        team,
        rule.check or None,
        None,
        float(bad),
        float(rule.failing),
        summary,
    )


def metric_finding(rule: Rule, agent_id: str, team: str, values: Sequence[float]) -> Finding:
    """Holds when `failing` of the last `of_last` values are beyond the threshold."""
    window = list(values[: rule.of_last])
    below = rule.below == rule.below  # NaN (not given) is the only value unequal to itself
    threshold = rule.below if below else rule.above
    bad = sum(1 for v in window if (v < threshold if below else v > threshold))
    median = round(statistics.median(window), 2) if window else None
    side = "under" if below else "over"
    calls = " on calls" if rule.trigger == "call_end" else ""
    summary = (
        f"{_who(agent_id, team)}: {rule.metric} {side} {threshold:g}{calls} in {bad} of the "
        f"last {len(window)} reports (median {median})"
    )
    return Finding(
        agent_id,
        bad >= rule.failing,
        agent_id,
        team,
        None,
        rule.metric,
        median,
        threshold,
        summary,
    )


def is_on_shift(rule: Rule, now: float) -> bool:
    """Whether `now` falls in the rule's shifts, in its time zone (no shifts: always)."""
    if not rule.shifts:
        return True
    moment = datetime.fromtimestamp(now, ZoneInfo(rule.timezone)).replace(tzinfo=None)
    return on_shift([parse_shift(text) for text in rule.shifts], moment)


def silent_finding(
    rule: Rule, agent_id: str, team: str, last_seen_ts: float, now: float, shift: bool
) -> Finding:
    """Holds when the agent is on shift and has sent nothing for `silent_for`."""
    silent_min = round((now - last_seen_ts) / 60.0, 1)
    summary = (
        f"{_who(agent_id, team)} has sent nothing for {silent_min:g} minutes during its "
        "shift: the PC may be off, asleep or offline"
    )
    holds = shift and now - last_seen_ts >= rule.silent_for
    return Finding(
        agent_id,
        holds,
        agent_id,
        team,
        None,
        "silent_min",
        silent_min,
        round(rule.silent_for / 60.0, 1),
        summary,
    )


def readiness_finding(rule: Rule, team: str, passing: int, reporting: int) -> Finding:
    """Holds when under `below_pct` % of the team's reporting agents pass."""
    pct = round(100.0 * passing / reporting, 1) if reporting else None
    summary = (
        f"team {team or '(none)'}: only {passing} of {reporting} reporting agents are ready "
        f"({pct}%, under {rule.below_pct:g}%)"
    )
    holds = pct is not None and pct < rule.below_pct
    return Finding(
        f"team:{team}", holds, None, team, None, "readiness_pct", pct, rule.below_pct, summary
    )
