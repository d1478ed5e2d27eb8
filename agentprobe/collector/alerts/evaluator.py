"""One evaluation round: every rule over the store, hysteresis, state and queued notices.

The round runs in one transaction under a lock (a PostgreSQL advisory lock, or SQLite's
write lock), so when several collectors share a database only one evaluates at a time
and a raise is queued exactly once. Subjects with a raised alert but no fresh data are
evaluated as "not holding", so they clear.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentprobe.collector.alerts import conditions, inputs, ledger
from agentprobe.collector.alerts.conditions import Finding
from agentprobe.collector.alerts.hysteresis import CLEARED, RAISED, step
from agentprobe.collector.alerts.rules import AlertConfig, Rule
from agentprobe.collector.store.fleet import iso

LOCK_KEY = 724552


def _lock(connection: Connection) -> bool:
    """True when this collector may evaluate now (it holds the round's lock)."""
    if connection.dialect.name == "postgresql":
        return bool(
            connection.execute(sa.text(f"SELECT pg_try_advisory_xact_lock({LOCK_KEY})")).scalar()
        )
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    return True


def findings(connection: Connection, rule: Rule, now: float, lookback: float) -> list[Finding]:
    """The rule's condition for every subject it has data on."""
    teams = inputs.agent_teams(connection)
    if rule.kind == "readiness":
        counts = inputs.team_readiness(connection, now - rule.window)
        return [
            conditions.readiness_finding(rule, team, passing, reporting)
            for team, (passing, reporting) in sorted(counts.items())
            if not rule.team or team == rule.team
        ]
    found = []
    if rule.kind == "silent":
        shift = conditions.is_on_shift(rule, now)
        for agent_id, (team, seen, _) in sorted(teams.items()):
            if seen is not None and now - seen <= lookback:
                found.append(conditions.silent_finding(rule, agent_id, team, seen, now, shift))
    else:
        make = conditions.status_finding if rule.kind == "status" else conditions.metric_finding
        for agent_id, values in sorted(
            inputs.recent_values(connection, rule, now - lookback).items()
        ):
            team = teams.get(agent_id, ("", None, None))[0]
            found.append(make(rule, agent_id, team, values))
    return [f for f in found if not rule.team or f.team == rule.team]


def _notice(rule: Rule, finding: Finding, state: str, since_ts: float) -> dict[str, Any]:
    detail = asdict(finding)
    detail.pop("holds")
    return {"alert": rule.name, "state": state, **detail, "since": iso(since_ts)}


def _cleared(raised: dict[str, Any], now: float) -> dict[str, Any]:
    agent, team = raised.get("agent_id"), raised.get("team") or ""
    who = (f"{agent} ({team})" if team else agent) if agent else f"team {team or '(none)'}"
    summary = (
        f"{who} is back to normal: {raised.get('alert')}, raised at {raised.get('since')}, "
        f"cleared at {iso(now)}"
    )
    return {**raised, "state": CLEARED, "summary": summary}


def evaluate_rule(
    connection: Connection, rule: Rule, now: float, lookback: float, webhooks: list[str]
) -> list[dict[str, Any]]:
    """Step every subject of one rule; returns the notices queued."""
    states = ledger.load_states(connection, rule.name)
    current = {f.subject: f for f in findings(connection, rule, now, lookback)}
    notices = []
    for subject in sorted(set(current) | set(states)):
        previous, detail = states.get(subject, (None, {}))
        finding = current.get(subject)
        nxt, transition = step(
            previous, finding is not None and finding.holds, now, rule.clear_after
        )
        if nxt is None:
            continue
        if transition == RAISED:
            assert finding is not None
            detail = _notice(rule, finding, RAISED, now)
        notice = {RAISED: detail, CLEARED: _cleared(detail, now)}.get(transition or "")
        if notice is not None:
            ledger.queue(connection, notice, webhooks, now)
            notices.append(notice)
        if nxt != previous or transition:
            ledger.save_state(connection, rule.name, subject, nxt, detail)
    return notices


def evaluate(engine: Engine, config: AlertConfig, now: float) -> list[dict[str, Any]] | None:
    """One round over every rule; None when another collector holds the round's lock."""
    hooks = [hook.name for hook in config.webhooks]
    with engine.begin() as connection:
        if not _lock(connection):
            return None
        notices = []
        for rule in config.rules:
            notices.extend(evaluate_rule(connection, rule, now, config.alerts.lookback, hooks))
        return notices
