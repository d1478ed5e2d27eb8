"""Writing reports: one transaction per batch, idempotent on report_id; and retention.

`save_batch` is called only by the group-commit writer (`writer.py`), one batch at a time,
so duplicate detection by a select inside the batch's transaction is race-free; the
unique index on (agent_id, report_id) stays as the last line of defence. Report ids are
an agent's idempotency keys, so they are unique per agent, not across the collector.

Each table gets one multi-row INSERT per batch, written as driver SQL (`statements.py`
says why). The duplicate check is driver SQL for the same reason: the Core select with an
expanding IN cost more per batch than running it.

On PostgreSQL several collectors write at once, and the reports table is partitioned by
created_ts, so a unique index must include it: there the report row is inserted with
`ON CONFLICT (report_id, agent_id, created_ts) DO NOTHING RETURNING`, which finds duplicates
race-free across collectors (a retry carries the same report, so the same created_at).
Locks are taken in one global order (agents, then hourly and daily rollups, each sorted
by key), so two collectors' batches never deadlock. Every batch also adds to the hourly
and daily rollups (`rollups.py`) in the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentprobe.collector.derived import derived_rows
from agentprobe.collector.store import rollups
from agentprobe.collector.store.operations import REPORT_TABLES, ops_metadata
from agentprobe.collector.store.public_network import record_networks
from agentprobe.collector.store.schema import agents, report_checks, reports
from agentprobe.collector.store.statements import ROWS_PER_STATEMENT, insert_rows, placeholder
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
            if connection.dialect.name == "postgresql":
                outcome, fresh = _insert_new(connection, items, received)
            else:
                outcome, fresh = _split_duplicates(connection, items)
                insert_rows(connection, reports, [_report_row(item, received) for item in fresh])
            if fresh:
                checks = [_check_rows(item) for item in fresh]
                insert_rows(connection, report_checks, [row for rows in checks for row in rows])
                _touch_agents(connection, fresh, received)
                _insert_derived(connection, fresh)
                rollups.add(connection, fresh)
        return outcome

    def purge(self, before_ts: float, max_chunks: int = 1000, chunk: int = PURGE_CHUNK) -> int:
        """Delete reports made before `before_ts` (seconds since the epoch); returns the count.

        Works in chunks of the oldest `chunk` reports, each its own short transaction,
        so ingest is never blocked long. Check rows carry their report's created_ts, so
        both tables are cut at the same time bound, each through its time index.
        """
        total = 0
        for _ in range(max_chunks):
            with self.engine.begin() as connection:
                older = _chunk_bound(connection, before_ts, chunk)
                connection.execute(sa.delete(report_checks).where(older(report_checks)))
                for table in REPORT_TABLES:
                    connection.execute(sa.delete(table).where(older(table)))
                deleted = connection.execute(sa.delete(reports).where(older(reports))).rowcount
            if not deleted:
                break
            total += deleted
        rollups.prune(self.engine, before_ts)
        return total


def _insert_derived(connection: Connection, fresh: list[IncomingReport]) -> None:
    """Change events, key figures and causes of the new reports, in the same transaction."""
    described = [_described(item) for item in fresh if isinstance(item.data, dict)]
    for name, rows in derived_rows(described).items():
        insert_rows(connection, ops_metadata.tables[name], rows)
    networks = record_networks(connection, fresh)
    insert_rows(connection, ops_metadata.tables["change_events"], networks)


def _described(item: IncomingReport) -> dict[str, Any]:
    columns = ("report_id", "agent_id", "created_ts", "status", "trigger", "team", "site")
    return {**{c: getattr(item, c) for c in columns}, "location": item.location, "data": item.data}


def _chunk_bound(
    connection: Connection, before_ts: float, chunk: int
) -> Callable[[sa.Table], sa.ColumnElement[bool]]:
    """A condition on created_ts covering the oldest `chunk` reports (more on a tie)."""
    last = connection.execute(
        sa.select(reports.c.created_ts)
        .where(reports.c.created_ts < before_ts)
        .order_by(reports.c.created_ts)
        .limit(1)
        .offset(chunk - 1)
    ).scalar()
    if last is None:  # fewer than a chunk left: take them all
        return lambda table: table.c.created_ts < before_ts
    return lambda table: table.c.created_ts <= last


def _split_duplicates(
    connection: Connection, items: Sequence[IncomingReport]
) -> tuple[list[bool], list[IncomingReport]]:
    """Report ids are unique per agent: another agent's report with the same id is new."""
    wanted = list({item.report_id for item in items})
    known: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), ROWS_PER_STATEMENT):
        chunk = tuple(wanted[start : start + ROWS_PER_STATEMENT])
        marks = ", ".join([placeholder(connection)] * len(chunk))
        sql = f"SELECT agent_id, report_id FROM reports WHERE report_id IN ({marks})"
        known.update((row[0], row[1]) for row in connection.exec_driver_sql(sql, chunk))
    outcome, fresh = [], []
    for item in items:
        key = (item.agent_id, item.report_id)
        is_new = key not in known
        known.add(key)
        outcome.append(is_new)
        if is_new:
            fresh.append(item)
    return outcome, fresh


_NEW_ONLY = (
    " ON CONFLICT (report_id, agent_id, created_ts) DO NOTHING"
    " RETURNING report_id, agent_id, created_ts"
)


def _insert_new(
    connection: Connection, items: Sequence[IncomingReport], received: float
) -> tuple[list[bool], list[IncomingReport]]:
    """Insert the reports not stored yet (by report_id and created_ts); which were new."""
    first: dict[tuple[str, str, float], IncomingReport] = {}
    for item in items:
        first.setdefault((item.report_id, item.agent_id, item.created_ts), item)
    rows = [_report_row(item, received) for item in first.values()]
    inserted = insert_rows(connection, reports, rows, _NEW_ONLY)
    stored = {(str(r[0]), str(r[1]), float(r[2])) for r in inserted}
    outcome, fresh = [], []
    for item in items:
        key = (item.report_id, item.agent_id, item.created_ts)
        is_new = key in stored and first.get(key) is item
        outcome.append(is_new)
        if is_new:
            fresh.append(item)
    return outcome, fresh


def _report_row(item: IncomingReport, received: float) -> dict[str, Any]:
    return {
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


def _check_rows(item: IncomingReport) -> list[dict[str, Any]]:
    return [
        {
            "report_id": item.report_id,
            "created_ts": item.created_ts,
            "agent_id": item.agent_id,
            "name": name,
            "status": status,
        }
        for name, status in item.checks
    ]


_LATEST = ("last_status", "last_report_ts", "last_report_id", "team", "site", "location")


def _touch_agents(connection: Connection, fresh: list[IncomingReport], received: float) -> None:
    """One upsert: last_seen always; the last-report columns only from a newer report."""
    latest: dict[str, IncomingReport] = {}
    for item in fresh:
        current = latest.get(item.agent_id)
        if current is None or item.created_ts >= current.created_ts:
            latest[item.agent_id] = item
    rows = [_agent_row(latest[agent_id], received) for agent_id in sorted(latest)]
    insert_rows(connection, agents, rows, _UPSERT)


def _upsert_suffix() -> str:
    newer = "agents.last_report_ts IS NULL OR excluded.last_report_ts >= agents.last_report_ts"
    changes = [
        f"{name} = CASE WHEN {newer} THEN excluded.{name} ELSE agents.{name} END"
        for name in (*_LATEST, "agent_version")
    ]
    changes.append("last_seen_ts = excluded.last_seen_ts")
    return " ON CONFLICT (agent_id) DO UPDATE SET " + ", ".join(changes)


_UPSERT = _upsert_suffix()


def _agent_row(item: IncomingReport, received: float) -> dict[str, Any]:
    return {
        "agent_id": item.agent_id,
        "enrolled_ts": received,  # only used if the row were missing; agents enrol first
        "last_seen_ts": received,
        "last_status": item.status,
        "last_report_ts": item.created_ts,
        "last_report_id": item.report_id,
        "team": item.team,
        "site": item.site,
        "location": item.location,
        "agent_version": item.agent_version,
    }
