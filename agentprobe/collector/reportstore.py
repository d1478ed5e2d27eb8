"""Writing reports: one transaction per batch, idempotent on report_id; and retention.

`save_batch` is called only by the group-commit writer (`writer.py`), one batch at a time,
so duplicate detection by a select inside the batch's transaction is race-free; the
unique index on report_id stays as the last line of defence.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentprobe.collector.schema import agents, report_checks, reports
from agentprobe.collector.validation import IncomingReport

PURGE_CHUNK = 5000


class ReportStore:
    """The reports tables of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save_batch(self, items: Sequence[IncomingReport]) -> list[bool]:
        """Store the batch in one transaction; per item True if stored, False if a duplicate.

        Returns only after the commit, so a True is durable.
        """
        received = time.time()
        with self.engine.begin() as connection:
            outcome, fresh = _split_duplicates(connection, items)
            if fresh:
                _insert(connection, fresh, received)
                _touch_agents(connection, fresh, received)
        return outcome

    def purge(self, before_ts: float, max_chunks: int = 1000) -> int:
        """Delete reports made before `before_ts` (seconds since the epoch); returns the count.

        Works in chunks, each its own short transaction, so ingest is never blocked long.
        """
        total = 0
        for _ in range(max_chunks):
            with self.engine.begin() as connection:
                ids = list(
                    connection.execute(
                        sa.select(reports.c.id)
                        .where(reports.c.created_ts < before_ts)
                        .limit(PURGE_CHUNK)
                    ).scalars()
                )
                if not ids:
                    break
                connection.execute(
                    sa.delete(report_checks).where(report_checks.c.report_pk.in_(ids))
                )
                connection.execute(sa.delete(reports).where(reports.c.id.in_(ids)))
            total += len(ids)
        return total


def _split_duplicates(
    connection: Connection, items: Sequence[IncomingReport]
) -> tuple[list[bool], list[IncomingReport]]:
    wanted = list({item.report_id for item in items})
    known = set(
        connection.execute(
            sa.select(reports.c.report_id).where(reports.c.report_id.in_(wanted))
        ).scalars()
    )
    outcome, fresh = [], []
    for item in items:
        is_new = item.report_id not in known
        known.add(item.report_id)
        outcome.append(is_new)
        if is_new:
            fresh.append(item)
    return outcome, fresh


def _insert(connection: Connection, fresh: list[IncomingReport], received: float) -> None:
    rows = [
        {
            "report_id": item.report_id,
            "agent_id": item.agent_id,
            "created_ts": item.created_ts,
            "received_ts": received,
            "status": item.status,
            "trigger": item.trigger,
            "team": item.team,
            "site": item.site,
            "location": item.location,
            "body": item.body,
        }
        for item in fresh
    ]
    statement = sa.insert(reports).returning(reports.c.id, sort_by_parameter_order=True)
    keys = connection.execute(statement, rows).scalars().all()
    check_rows = [
        {
            "report_pk": key,
            "created_ts": item.created_ts,
            "agent_id": item.agent_id,
            "name": name,
            "status": status,
        }
        for key, item in zip(keys, fresh, strict=True)
        for name, status in item.checks
    ]
    if check_rows:
        connection.execute(sa.insert(report_checks), check_rows)


def _touch_agents(connection: Connection, fresh: list[IncomingReport], received: float) -> None:
    latest: dict[str, IncomingReport] = {}
    for item in fresh:
        current = latest.get(item.agent_id)
        if current is None or item.created_ts >= current.created_ts:
            latest[item.agent_id] = item
    seen = sa.update(agents).where(agents.c.agent_id == sa.bindparam("key"))
    connection.execute(
        seen.values(last_seen_ts=received), [{"key": agent_id} for agent_id in latest]
    )
    newer = seen.where(
        sa.or_(
            agents.c.last_report_ts.is_(None),
            agents.c.last_report_ts <= sa.bindparam("ts"),
        )
    )
    connection.execute(newer.values(_status_values()), [_status_row(i) for i in latest.values()])


def _status_values() -> dict[str, Any]:
    names = ("last_status", "last_report_ts", "last_report_id", "team", "site", "location")
    values: dict[str, Any] = {name: sa.bindparam(f"v_{name}") for name in names}
    values["agent_version"] = sa.bindparam("v_agent_version")
    return values


def _status_row(item: IncomingReport) -> dict[str, Any]:
    return {
        "key": item.agent_id,
        "ts": item.created_ts,
        "v_last_status": item.status,
        "v_last_report_ts": item.created_ts,
        "v_last_report_id": item.report_id,
        "v_team": item.team,
        "v_site": item.site,
        "v_location": item.location,
        "v_agent_version": item.agent_version,
    }
