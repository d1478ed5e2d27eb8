"""Schema steps for running many collectors on one database, and for months of data.

Three steps, appended to `schema.MIGRATIONS`, each a no-op where it has nothing to do:

- `create_rollups`: the hourly and daily rollup tables (report and check counts by
  status per agent, check, team, site and location), filled from the reports already
  stored, so fleet summaries read rollups instead of raw rows.
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

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from agentprobe.collector.store import partitions

metadata = sa.MetaData()
HOUR, DAY = 3600, 86400
ROLLUP_KEY = ("bucket_ts", "agent_id", "check_name", "team", "site", "location")
COUNTS = ("reports", "pass", "warn", "fail", "error", "skip")
WHOLE_REPORT = ""  # check_name of the rows that count whole reports


def _rollup(name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("bucket_ts", sa.BigInteger, nullable=False),
        sa.Column("agent_id", sa.String(128), nullable=False),
        sa.Column("check_name", sa.String(64), nullable=False),
        sa.Column("team", sa.String(128), nullable=False),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("location", sa.String(16), nullable=False),
        *(sa.Column(count, sa.Integer, nullable=False, server_default="0") for count in COUNTS),
        sa.PrimaryKeyConstraint(*ROLLUP_KEY, name=f"pk_{name}"),
        sa.Index(f"ix_{name}_agent", "agent_id", "bucket_ts"),
    )


rollup_hourly = _rollup("rollup_hourly")
rollup_daily = _rollup("rollup_daily")

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


def _backfill(connection: Connection, table: sa.Table, width: int) -> None:
    columns = ", ".join((*ROLLUP_KEY, *COUNTS))
    whole = _bucket(connection, "created_ts", width)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({columns}) SELECT {whole}, agent_id, '', team, site, "
        f"location, COUNT(*), {_sums('status')} FROM reports GROUP BY 1, 2, 3, 4, 5, 6"
    )
    per_check = _bucket(connection, "c.created_ts", width)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({columns}) SELECT {per_check}, c.agent_id, c.name, r.team, "
        f"r.site, r.location, COUNT(*), {_sums('c.status')} FROM report_checks c "
        "JOIN reports r ON r.report_id = c.report_id GROUP BY 1, 2, 3, 4, 5, 6"
    )


def create_rollups(connection: Connection) -> None:
    """The rollup tables, counted from every report stored so far."""
    inspector = sa.inspect(connection)
    for table, width in ((rollup_hourly, HOUR), (rollup_daily, DAY)):
        if inspector.has_table(table.name):
            continue
        table.create(connection)
        _backfill(connection, table, width)


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
    for index in ("ix_reports_agent_time", "ix_reports_time", "ix_report_checks_time"):
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
    sequence = connection.exec_driver_sql("SELECT pg_get_serial_sequence('reports', 'id')").scalar()
    partitions.partition_table(connection, "reports", sorted(days), sequence)
    partitions.partition_table(connection, "report_checks", sorted(days), None)
    for statement in (
        "ALTER TABLE reports ADD PRIMARY KEY (id, created_ts)",
        "CREATE UNIQUE INDEX ux_reports_report_id ON reports (report_id, created_ts)",
        "CREATE INDEX ix_reports_agent_time ON reports (agent_id, created_ts, id)",
        "CREATE INDEX ix_reports_time ON reports (created_ts)",
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
