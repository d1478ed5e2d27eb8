"""Daily range partitions of the report tables on PostgreSQL, made ahead and dropped whole.

`reports` and `report_checks` are partitioned by `created_ts` (seconds since the epoch,
when the agent made the report) into one partition per UTC day, named `<table>_pYYYYMMDD`,
plus a DEFAULT partition for reports from an agent whose clock is far off. The
maintenance job makes the partitions `AHEAD_DAYS` ahead; retention drops the partitions
that end before the cut-off, which frees their space at once and writes no dead rows for
VACUUM (PostgreSQL manual, §5.11.4 "Partition Maintenance"). A new partition is made
as a plain table, filled with whatever the DEFAULT partition held for its day, and then
attached (§5.11.2.2), because attaching checks the DEFAULT partition holds no row of the
new range. SQLite has no partitions; there retention deletes in chunks (`reports.py`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy.engine import Connection, Engine

TABLES = ("reports", "report_checks")
DAY = 86400
AHEAD_DAYS = 7
LOCK_KEY = 724552  # pg_advisory_xact_lock key of partition maintenance


def day_start(ts: float) -> int:
    """The UTC midnight at or before `ts` (seconds since the epoch)."""
    return int(ts // DAY * DAY)


def partition_name(table: str, day: int) -> str:
    return f"{table}_p{datetime.fromtimestamp(day, UTC):%Y%m%d}"


def is_partitioned(connection: Connection, table: str) -> bool:
    found = connection.exec_driver_sql(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
        (table,),
    ).first()
    return found is not None


def partitions_of(connection: Connection, table: str) -> list[str]:
    """Names of the table's partitions (DEFAULT included), sorted."""
    rows = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent "
        "WHERE p.relname = %s AND p.relnamespace = current_schema()::regnamespace",
        (table,),
    )
    return sorted(str(row[0]) for row in rows)


def ensure_day(connection: Connection, table: str, day: int) -> bool:
    """Make the day's partition if it is missing, moving its rows out of DEFAULT."""
    name = partition_name(table, day)
    if name in partitions_of(connection, table):
        return False
    low, high = float(day), float(day + DAY)
    default = f"{table}_default"
    connection.exec_driver_sql(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)")
    in_range = f"created_ts >= {low!r} AND created_ts < {high!r}"
    connection.exec_driver_sql(f"INSERT INTO {name} SELECT * FROM {default} WHERE {in_range}")
    connection.exec_driver_sql(f"DELETE FROM {default} WHERE {in_range}")
    connection.exec_driver_sql(
        f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ({low!r}) TO ({high!r})"
    )
    return True


def ensure_ahead(engine: Engine, now: float | None = None, ahead: int = AHEAD_DAYS) -> int:
    """Partitions from yesterday to `ahead` days on, for both tables; returns how many made."""
    today = day_start(time.time() if now is None else now)
    made = 0
    with engine.begin() as connection:
        if not _usable(connection):
            return 0
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
        for table in TABLES:
            for offset in range(-1, ahead + 1):
                made += ensure_day(connection, table, today + offset * DAY)
    return made


def drop_before(engine: Engine, cutoff_ts: float) -> list[str]:
    """Drop every day partition that ends at or before `cutoff_ts`; returns their names.

    Rows of those days in the DEFAULT partition are deleted too. The partition holding the
    cut-off stays whole, so rows up to a day older than the cut-off may remain.
    """
    dropped: list[str] = []
    with engine.begin() as connection:
        if not _usable(connection):
            return dropped
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
        for table in TABLES:
            for name in partitions_of(connection, table):
                day = _day_of(table, name)
                if day is not None and day + DAY <= cutoff_ts:
                    connection.exec_driver_sql(f"DROP TABLE {name}")
                    dropped.append(name)
            connection.exec_driver_sql(
                f"DELETE FROM {table}_default WHERE created_ts < %s", (float(cutoff_ts),)
            )
    return dropped


def _day_of(table: str, name: str) -> int | None:
    prefix = f"{table}_p"
    if not name.startswith(prefix):
        return None
    moment = datetime.strptime(name[len(prefix) :], "%Y%m%d").replace(tzinfo=UTC)
    return int(moment.timestamp())


def _usable(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql" and is_partitioned(connection, TABLES[0])


def partition_table(
    connection: Connection, table: str, days: list[int], sequence: str | None
) -> None:
    """Turn a plain table into a partitioned one with the given day partitions (migration).

    The new parent copies the old table's columns and defaults (`LIKE`), so columns added
    by earlier steps are kept; `sequence` (a serial column's) moves to the new table
    before the old one, its owner, is dropped with its rows copied over.
    """
    old = f"{table}_unpartitioned"
    connection.exec_driver_sql(f"ALTER TABLE {table} RENAME TO {old}")
    connection.exec_driver_sql(
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS) PARTITION BY RANGE (created_ts)"
    )
    connection.exec_driver_sql(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    if sequence:
        connection.exec_driver_sql(f"ALTER SEQUENCE {sequence} OWNED BY {table}.id")
    for day in days:
        ensure_day(connection, table, day)
    connection.exec_driver_sql(f"INSERT INTO {table} SELECT * FROM {old}")
    connection.exec_driver_sql(f"DROP TABLE {old} CASCADE")
