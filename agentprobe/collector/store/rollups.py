"""Hourly and daily rollups: report and check counts by status, kept at ingest.

Every batch of new reports adds its counts to one row per (hour or day, agent, check,
team, site, location) of `rollup_hourly` and `rollup_daily` in the batch's own
transaction, so the rollups never disagree with the reports. A row whose check_name is
empty counts whole reports by their overall status. Fleet summaries read a window as the
hourly rows of its partial days and the daily rows of its whole days (`window`), so a
30-day summary reads about 30 rows per agent and check instead of every report.

Windows start on the hour (the start is rounded down), and a window reaching back further
than hourly rollups are kept (`HOURLY_KEEP_DAYS`) starts at midnight UTC of its first day.
Rollups are kept as long as the reports (the collector's retention), so a summary counts
the same reports whether it reads rollups or rows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentprobe.collector.store.scaling import (
    COUNTS,
    DAY,
    HOUR,
    ROLLUP_KEY,
    WHOLE_REPORT,
    rollup_daily,
    rollup_hourly,
)
from agentprobe.collector.store.statements import insert_rows
from agentprobe.collector.validation import IncomingReport

HOURLY_KEEP_DAYS = 14
Key = tuple[int, str, str, str, str, str]
_STATUS_COLUMN = {status: 1 + n for n, status in enumerate(("pass", "warn", "fail", "error"))}
_STATUS_COLUMN["skip"] = 5


def _suffix(table: sa.Table) -> str:
    added = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in COUNTS)
    return f" ON CONFLICT ({', '.join(ROLLUP_KEY)}) DO UPDATE SET {added}"


_SUFFIXES = {table.name: _suffix(table) for table in (rollup_hourly, rollup_daily)}


def counts(items: Sequence[IncomingReport], width: int) -> dict[Key, list[int]]:
    """Rollup rows of these reports for buckets `width` seconds wide: key -> COUNTS."""
    rows: dict[Key, list[int]] = {}
    for item in items:
        bucket = int(item.created_ts // width * width)
        where = (item.team, item.site, item.location)
        _count(rows, (bucket, item.agent_id, WHOLE_REPORT, *where), item.status)
        for name, status in item.checks:
            _count(rows, (bucket, item.agent_id, name, *where), status)
    return rows


def _count(rows: dict[Key, list[int]], key: Key, status: str) -> None:
    row = rows.get(key)
    if row is None:
        row = rows[key] = [0] * len(COUNTS)
    row[0] += 1
    row[_STATUS_COLUMN[status]] += 1


def add(connection: Connection, items: Sequence[IncomingReport]) -> None:
    """Add the reports' counts to both rollups (rows in key order: no deadlocks)."""
    for table, width in ((rollup_hourly, HOUR), (rollup_daily, DAY)):
        rows = [
            dict(zip((*ROLLUP_KEY, *COUNTS), (*key, *values), strict=True))
            for key, values in sorted(counts(items, width).items())
        ]
        insert_rows(connection, table, rows, _SUFFIXES[table.name])


def _part(table: sa.Table, start: int, end: int | None) -> sa.Select[tuple[object, ...]]:
    query = sa.select(*(table.c[c] for c in (*ROLLUP_KEY, *COUNTS))).where(
        table.c.bucket_ts >= start
    )
    return query if end is None else query.where(table.c.bucket_ts < end)


def window(since_ts: float, now: float | None = None) -> sa.Subquery:
    """Rollup rows covering [since_ts, now]: hourly for partial days, daily for whole ones."""
    now = time.time() if now is None else now
    start = int(since_ts // HOUR * HOUR)
    if since_ts < now - HOURLY_KEEP_DAYS * DAY:
        start = int(since_ts // DAY * DAY)
    first_whole = -(-start // DAY) * DAY
    today = int(now // DAY * DAY)
    if first_whole >= today:
        return _part(rollup_hourly, start, None).subquery("rollup")
    parts = [_part(rollup_daily, first_whole, today), _part(rollup_hourly, today, None)]
    if first_whole > start:
        parts.append(_part(rollup_hourly, start, first_whole))
    return sa.union_all(*parts).subquery("rollup")


def prune(engine: Engine, cutoff_ts: float, now: float | None = None) -> int:
    """Delete the buckets that end at or before `cutoff_ts` (the reports' retention) and
    hourly ones older than HOURLY_KEEP_DAYS; returns how many rows went."""
    now = time.time() if now is None else now
    hourly_cutoff = max(cutoff_ts, now - HOURLY_KEEP_DAYS * DAY)
    removed = 0
    with engine.begin() as connection:
        for table, width, cutoff in (
            (rollup_hourly, HOUR, hourly_cutoff),
            (rollup_daily, DAY, cutoff_ts),
        ):
            removed += connection.execute(
                sa.delete(table).where(table.c.bucket_ts + width <= cutoff)
            ).rowcount
    return removed
