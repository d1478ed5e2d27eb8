"""An agent's change events with quality before and after each; and the fleet's changes.

Reads `change_events` and `report_figures` (filled at ingest), so a timeline costs two
indexed range reads, whatever the size of the reports.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentprobe.collector.changes import Point, by_value, category, compare, is_hashed
from agentprobe.collector.store.fleet import iso
from agentprobe.collector.store.operations import change_events, report_figures

SPAN_S = 24 * 3600.0  # compare the day before a change with the day after it
MAX_EVENTS = 500
TOP_CHANGES = 10


def _points(
    connection: Connection, agent_ids: list[str], start: float, end: float
) -> dict[str, list[Point]]:
    f = report_figures.c
    query = (
        sa.select(f.agent_id, f.created_ts, f.mos, f.loss_pct, f.status)
        .where(f.agent_id.in_(agent_ids), f.created_ts >= start, f.created_ts <= end)
        .order_by(f.created_ts)
    )
    found: dict[str, list[Point]] = defaultdict(list)
    for row in connection.execute(query).all():
        found[row.agent_id].append(Point(row.created_ts, row.mos, row.loss_pct, row.status))
    return found


def _events(connection: Connection, where: Any, limit: int) -> list[Any]:
    c = change_events.c
    query = sa.select(change_events).where(where).order_by(c.at_ts.desc(), c.id.desc())
    return list(connection.execute(query.limit(limit)).all())


def agent_timeline(
    engine: Engine, agent_id: str, since_ts: float, span_s: float = SPAN_S
) -> list[dict[str, Any]]:
    """The agent's change events since `since_ts`, newest first, each with before/after."""
    c = change_events.c
    with engine.connect() as connection:
        rows = _events(connection, sa.and_(c.agent_id == agent_id, c.at_ts >= since_ts), MAX_EVENTS)
        if not rows:
            return []
        start, end = rows[-1].at_ts - span_s, rows[0].at_ts + span_s
        points = _points(connection, [agent_id], start, end).get(agent_id, [])
    return [_described(row, compare(points, row.at_ts, span_s)) for row in rows]


def _described(row: Any, quality: dict[str, Any]) -> dict[str, Any]:
    hashed = is_hashed(row.what)
    return {
        "at": iso(row.at_ts),
        "at_ts": row.at_ts,
        "what": row.what,
        "category": category(row.what),
        "from": None if hashed else row.old,
        "to": None if hashed else row.new,
        "hashed": hashed,
        "report_id": row.report_id,
        **quality,
    }


def fleet_changes(
    engine: Engine, since_ts: float, span_s: float = SPAN_S, top: int = TOP_CHANGES
) -> list[dict[str, Any]]:
    """The changes most agents made in the window: how many, and how their MOS moved."""
    c = change_events.c
    with engine.connect() as connection:
        rows = _events(connection, c.at_ts >= since_ts, 50_000)
        groups: dict[tuple[str, str | None], dict[str, float]] = defaultdict(dict)
        for row in rows:  # newest first: keep each agent's first change of the kind
            key = (row.what, row.new if by_value(row.what) else None)
            groups[key][row.agent_id] = row.at_ts
        chosen = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0][0]))[:top]
        return [_group_summary(connection, key, members, span_s) for key, members in chosen]


def _group_summary(
    connection: Connection, key: tuple[str, str | None], members: dict[str, float], span_s: float
) -> dict[str, Any]:
    what, new = key
    start, end = min(members.values()) - span_s, max(members.values()) + span_s
    points = _points(connection, list(members), start, end)
    compared = [compare(points.get(agent, []), at, span_s) for agent, at in members.items()]
    deltas = [q["mos_delta"] for q in compared if q["mos_delta"] is not None]
    before = [q["before"]["mos"] for q in compared if q["before"]["mos"] is not None]
    after = [q["after"]["mos"] for q in compared if q["after"]["mos"] is not None]
    return {
        "what": what,
        "category": category(what),
        "to": new,
        "agents": len(members),
        "agent_ids": sorted(members),
        "mos_before": _median(before),
        "mos_after": _median(after),
        "mos_delta": _median(deltas),
        "failure_pct_before": _median_of(compared, "before"),
        "failure_pct_after": _median_of(compared, "after"),
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _median_of(compared: list[dict[str, Any]], side: str) -> float | None:
    return _median([q[side]["failure_pct"] for q in compared if q[side]["failure_pct"] is not None])
