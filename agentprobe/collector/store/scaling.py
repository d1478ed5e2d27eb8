"""Schema steps for running many collectors on one database, and for months of data.

Three steps, appended to `schema.MIGRATIONS`, each a no-op where it has nothing to do:

- `create_rollups`: hourly and daily rollup tables of report and check counts by status,
  per agent and check (with the report's team, site and location), and for the whole
  fleet per check, team, site and location, filled from the reports already stored, so
  fleet summaries and trends read rollups instead of raw rows.
- `create_cluster_secrets`: secrets every collector of one database shares (the voice
  reflector derives its session keys from one, `keyring.py`).
- `partition_reports`: on PostgreSQL, `reports` and `report_checks` become range
  partitioned by created_ts, one partition per day (`partitions.py`). The unique key of a
  partitioned table must hold the partition key (PostgreSQL manual, §5.11.2.3), so report
  ids are unique per (report_id, created_ts) there, and the primary key is (id, created_ts).

This module defines its own tables and imports nothing from `schema.py`, which imports it.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentprobe.collector.store import partitions

metadata = sa.MetaData()
HOUR, DAY = 3600, 86400
# check_name leads the key: most fleet queries read only the whole-report rows of a window.
ROLLUP_KEY = ("check_name", "bucket_ts", "agent_id", "team", "site", "location")
FLEET_KEY = ("check_name", "bucket_ts", "team", "site", "location")
COUNTS = ("reports", "pass", "warn", "fail", "error", "skip")
WHOLE_REPORT = ""  # check_name of the rows that count whole reports


_KEY_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "check_name": sa.String(64),
    "bucket_ts": sa.BigInteger(),
    "agent_id": sa.String(128),
    "team": sa.String(128),
    "site": sa.String(128),
    "location": sa.String(16),
}


# Rows of reports that did not pass, which ranking the worst agents reads: a partial index
# holding what that query needs (an index-only scan on PostgreSQL, §11.9 of its manual).
NOT_PASSING = "check_name = '' AND (warn > 0 OR fail > 0 OR error > 0)"


def _per_agent_indexes(name: str) -> list[sa.Index]:
    predicate = sa.text(NOT_PASSING)
    return [
        sa.Index(f"ix_{name}_agent", "agent_id", "bucket_ts"),
        sa.Index(
            f"ix_{name}_not_passing",
            "bucket_ts",
            "agent_id",
            "fail",
            "error",
            "warn",
            sqlite_where=predicate,
            postgresql_where=predicate,
        ),
    ]


def _rollup(name: str, key: tuple[str, ...]) -> sa.Table:
    by_agent = _per_agent_indexes(name) if "agent_id" in key else []
    return sa.Table(
        name,
        metadata,
        *(sa.Column(column, _KEY_TYPES[column], nullable=False) for column in key),
        *(sa.Column(count, sa.Integer, nullable=False, server_default="0") for count in COUNTS),
        sa.PrimaryKeyConstraint(*key, name=f"pk_{name}"),
        *by_agent,
    )


rollup_hourly = _rollup("rollup_hourly", ROLLUP_KEY)
rollup_daily = _rollup("rollup_daily", ROLLUP_KEY)
fleet_hourly = _rollup("fleet_hourly", FLEET_KEY)
fleet_daily = _rollup("fleet_daily", FLEET_KEY)
ROLLUPS = (  # (table, bucket width in seconds); locks are taken in this order
    (rollup_hourly, HOUR),
    (rollup_daily, DAY),
    (fleet_hourly, HOUR),
    (fleet_daily, DAY),
)
AT_INGEST = ROLLUPS[2:]  # the fleet's; the per-agent ones are counted by a job

# How far the per-agent rollups have counted: every report received at or before
# `received_ts` is in them (`rollups.catch_up`); later ones are read from `reports`.
PER_AGENT = "per_agent"
rollup_marks = sa.Table(
    "rollup_marks",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("received_ts", sa.Float, nullable=False),
)

cluster_secrets = sa.Table(
    "cluster_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
    sa.Column("created_ts", sa.Float, nullable=False),
)


def _bucket(connection: Connection, column: str, width: int) -> str:
    if connection.dialect.name == "postgresql":
        return f"CAST(floor({column} / {width}) AS BIGINT) * {width}"
    return f"CAST({column} / {width} AS INTEGER) * {width}"


def _sums(status: str) -> str:
    statuses = ("pass", "warn", "fail", "error", "skip")
    return ", ".join(f"SUM(CASE WHEN {status} = '{s}' THEN 1 ELSE 0 END)" for s in statuses)


def count_into(
    connection: Connection, table: sa.Table, width: int, where: str = "", suffix: str = ""
) -> None:
    """INSERT ... SELECT the counts of reports matching `where` (SQL on `r`, the reports)
    into a rollup table, with `suffix` (an ON CONFLICT clause) after each statement."""
    key = [column.name for column in table.primary_key.columns]
    columns = ", ".join((*key, *COUNTS))
    groups = ", ".join(str(n) for n in range(1, len(key) + 1))
    agent = ["r.agent_id"] if "agent_id" in key else []
    where = f"WHERE {where}" if where else "WHERE 1 = 1"  # SQLite's upsert needs a WHERE
    whole = [_bucket(connection, "r.created_ts", width), *agent, "r.team", "r.site"]
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({columns}) SELECT '', {', '.join(whole)}, r.location, "
        f"COUNT(*), {_sums('r.status')} FROM reports r {where} GROUP BY {groups}{suffix}"
    )
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({columns}) SELECT c.name, {', '.join(whole)}, r.location, "
        f"COUNT(*), {_sums('c.status')} FROM reports r JOIN report_checks c "
        f"ON c.report_id = r.report_id AND c.created_ts = r.created_ts {where} "
        f"GROUP BY {groups}{suffix}"
    )


def create_rollups(connection: Connection) -> None:
    """The rollup tables, counted from every report stored so far, and the index the
    per-agent rollup job reads new reports by."""
    inspector = sa.inspect(connection)
    for table, width in ROLLUPS:
        if inspector.has_table(table.name):
            continue
        table.create(connection)
        count_into(connection, table, width)
    if not inspector.has_table(rollup_marks.name):
        rollup_marks.create(connection)
        newest = connection.exec_driver_sql("SELECT max(received_ts) FROM reports").scalar()
        connection.execute(
            sa.insert(rollup_marks).values(name=PER_AGENT, received_ts=float(newest or 0.0))
        )
    connection.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_reports_received ON reports (received_ts)"
    )


def create_cluster_secrets(connection: Connection) -> None:
    cluster_secrets.create(connection, checkfirst=True)


def partition_reports(connection: Connection) -> None:
    """On PostgreSQL: `reports` and `report_checks` partitioned by day of created_ts."""
    if connection.dialect.name != "postgresql" or partitions.is_partitioned(connection, "reports"):
        return
    days = _days_with_data(connection) | {
        partitions.day_start(time.time()) + offset * DAY
        for offset in range(-1, partitions.AHEAD_DAYS + 1)
    }
    indexes = ("ix_reports_agent_time", "ix_reports_time", "ix_reports_received")
    for index in (*indexes, "ix_report_checks_time"):
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
    sequence = connection.exec_driver_sql("SELECT pg_get_serial_sequence('reports', 'id')").scalar()
    partitions.partition_table(connection, "reports", sorted(days), sequence)
    partitions.partition_table(connection, "report_checks", sorted(days), None)
    for statement in (
        "ALTER TABLE reports ADD PRIMARY KEY (id, created_ts)",
        "CREATE UNIQUE INDEX ux_reports_report_id ON reports (report_id, agent_id, created_ts)",
        "CREATE INDEX ix_reports_agent_time ON reports (agent_id, created_ts, id)",
        "CREATE INDEX ix_reports_time ON reports (created_ts)",
        "CREATE INDEX ix_reports_received ON reports (received_ts)",
        "CREATE INDEX ix_report_checks_time ON report_checks (created_ts)",
    ):
        connection.exec_driver_sql(statement)


def _days_with_data(connection: Connection) -> set[int]:
    """The UTC days holding stored reports, up to ten years back (older go to DEFAULT)."""
    oldest = time.time() - 3650 * DAY
    rows = connection.exec_driver_sql(
        f"SELECT DISTINCT {_bucket(connection, 'created_ts', DAY)} FROM reports "
        "WHERE created_ts >= %s",
        (oldest,),
    )
    return {int(row[0]) for row in rows}
