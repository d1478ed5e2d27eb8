"""Hourly and daily rollups: report and check counts by status.

Every batch of new reports adds its counts, in the batch's own transaction (so they never
disagree with the reports), to one row per hour and per day of each (check, team, site,
location) of the whole fleet in `fleet_hourly`/`fleet_daily`. The per-agent rollups
(`rollup_hourly`/`rollup_daily`, one row per agent too) would be five times as many rows
per batch and cost half of each commit, so a job counts them instead (`catch_up`, every
`CATCH_UP_S` on one collector at a time): it adds the reports received since its mark,
up to `SETTLE_S` ago (so no batch still committing is missed), and moves the mark in the
same transaction. Readers add the reports received after the mark from `reports`
(`not_passing`), so per-agent figures are never stale. A row whose check_name is empty
counts whole reports by their overall status. A window reads the hourly rows of its
partial days and the daily rows of its whole days (`window`): a 30-day fleet summary of
10,000 agents reads a few thousand fleet rows, and ranks agents from about 30 rows each.

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
    AT_INGEST,
    COUNTS,
    DAY,
    HOUR,
    NOT_PASSING,
    PER_AGENT,
    ROLLUPS,
    WHOLE_REPORT,
    count_into,
    fleet_daily,
    fleet_hourly,
    rollup_daily,
    rollup_hourly,
    rollup_marks,
)
from agentprobe.collector.store.schema import reports
from agentprobe.collector.store.statements import insert_rows
from agentprobe.collector.validation import IncomingReport

HOURLY_KEEP_DAYS = 14
CATCH_UP_S = 30.0
SETTLE_S = 30.0  # longer than any batch takes to commit, and than collectors' clock skew
LATE_S = 86400.0  # how far back of the mark readers look for reports not counted yet
LOCK_KEY = 724553  # pg_try_advisory_xact_lock key of the per-agent rollup job
Key = tuple[str | int, ...]  # in the table's key order (scaling.ROLLUP_KEY, FLEET_KEY)
_STATUS_COLUMN = {status: 1 + n for n, status in enumerate(("pass", "warn", "fail", "error"))}
_STATUS_COLUMN["skip"] = 5


def _key(table: sa.Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _suffix(table: sa.Table) -> str:
    added = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in COUNTS)
    return f" ON CONFLICT ({', '.join(_key(table))}) DO UPDATE SET {added}"


_SUFFIXES = {table.name: _suffix(table) for table, _ in ROLLUPS}


def counts(
    items: Sequence[IncomingReport], width: int, per_agent: bool = True
) -> dict[Key, list[int]]:
    """Rollup rows of these reports for buckets `width` seconds wide: key -> COUNTS.
    The key is (check, bucket, agent, team, site, location), without agent for the fleet."""
    rows: dict[Key, list[int]] = {}
    for item in items:
        bucket = int(item.created_ts // width * width)
        who = (item.agent_id,) if per_agent else ()
        where = (*who, item.team, item.site, item.location)
        _count(rows, (WHOLE_REPORT, bucket, *where), item.status)
        for name, status in item.checks:
            _count(rows, (name, bucket, *where), status)
    return rows


def _count(rows: dict[Key, list[int]], key: Key, status: str) -> None:
    row = rows.get(key)
    if row is None:
        row = rows[key] = [0] * len(COUNTS)
    row[0] += 1
    row[_STATUS_COLUMN[status]] += 1


def add(connection: Connection, items: Sequence[IncomingReport]) -> None:
    """Add the reports' counts to the fleet rollups (tables in ROLLUPS order, rows in key
    order, so two collectors' batches take row locks in one order and never deadlock)."""
    for table, width in AT_INGEST:
        columns = (*_key(table), *COUNTS)
        rows = [
            dict(zip(columns, (*key, *values), strict=True))
            for key, values in sorted(counts(items, width, "agent_id" in columns).items())
        ]
        insert_rows(connection, table, rows, _SUFFIXES[table.name])


def _part(table: sa.Table, start: int, end: int | None) -> sa.Select[tuple[object, ...]]:
    query = sa.select(*(table.c[c] for c in (*_key(table), *COUNTS))).where(
        table.c.bucket_ts >= start
    )
    return query if end is None else query.where(table.c.bucket_ts < end)


def window(since_ts: float, now: float | None = None, fleet: bool = False) -> sa.Subquery:
    """Rollup rows covering [since_ts, now]: hourly for partial days, daily for whole ones;
    per agent, or for the whole fleet (no agent_id column) when `fleet`."""
    now = time.time() if now is None else now
    hourly, daily = (fleet_hourly, fleet_daily) if fleet else (rollup_hourly, rollup_daily)
    start = int(since_ts // HOUR * HOUR)
    if since_ts < now - HOURLY_KEEP_DAYS * DAY:
        start = int(since_ts // DAY * DAY)
    first_whole = -(-start // DAY) * DAY
    today = int(now // DAY * DAY)
    if first_whole >= today:
        return _part(hourly, start, None).subquery("rollup")
    parts = [_part(daily, first_whole, today), _part(hourly, today, None)]
    if first_whole > start:
        parts.append(_part(hourly, start, first_whole))
    return sa.union_all(*parts).subquery("rollup")


def prune(engine: Engine, cutoff_ts: float, now: float | None = None) -> int:
    """Delete the buckets that end at or before `cutoff_ts` (the reports' retention) and
    hourly ones older than HOURLY_KEEP_DAYS; returns how many rows went."""
    now = time.time() if now is None else now
    hourly_cutoff = max(cutoff_ts, now - HOURLY_KEEP_DAYS * DAY)
    removed = 0
    with engine.begin() as connection:
        for table, width in ROLLUPS:
            cutoff = hourly_cutoff if width == HOUR else cutoff_ts
            removed += connection.execute(
                sa.delete(table).where(table.c.bucket_ts + width <= cutoff)
            ).rowcount
    return removed


def mark(connection: Connection) -> float:
    """Every report received at or before this time is in the per-agent rollups."""
    found = connection.execute(
        sa.select(rollup_marks.c.received_ts).where(rollup_marks.c.name == PER_AGENT)
    ).scalar()
    return float(found or 0.0)


def catch_up(engine: Engine, now: float | None = None) -> bool:
    """Count the reports received since the mark (up to SETTLE_S ago) into the per-agent
    rollups and move the mark; False when another collector is doing it right now."""
    upto = (time.time() if now is None else now) - SETTLE_S
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            taken = connection.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({LOCK_KEY})")
            if not taken.scalar():
                return False
        since = mark(connection)
        if upto <= since:
            return True
        where = f"r.received_ts > {since!r} AND r.received_ts <= {upto!r}"
        for table, width in ROLLUPS[:2]:
            count_into(connection, table, width, where, _SUFFIXES[table.name])
        connection.execute(
            sa.update(rollup_marks).where(rollup_marks.c.name == PER_AGENT).values(received_ts=upto)
        )
    return True


def not_passing(connection: Connection, since_ts: float, now: float) -> sa.Subquery:
    """(agent_id, warn, fail, error) rows of the reports in the window that did not pass:
    per-agent rollup rows, plus the reports received after the mark."""
    rolled = window(since_ts, now)
    counted = sa.select(rolled.c.agent_id, rolled.c.warn, rolled.c.fail, rolled.c.error).where(
        sa.text(NOT_PASSING)
    )
    new, counted_up_to = reports, mark(connection)
    fresh = sa.select(
        new.c.agent_id,
        *(sa.case((new.c.status == s, 1), else_=0).label(s) for s in ("warn", "fail", "error")),
    ).where(
        new.c.received_ts > counted_up_to,
        # Only the partitions of the last day or so: planning over every partition of a
        # month costs more than the query. A report made earlier and received after the
        # mark (an outbox emptied late) counts once the job has reached it.
        new.c.created_ts >= max(since_ts, counted_up_to - LATE_S),
        new.c.status != "pass",
    )
    return sa.union_all(counted, fresh).subquery("not_passing")
