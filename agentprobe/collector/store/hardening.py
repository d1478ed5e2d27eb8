"""Schema steps of the collector's hardening: agent release, per-agent report ids, audit log.

Each step is a no-op on a database that step 1 has just created from the current table
declarations (which already have the new shape), so it first looks at what is there.

- `add_released_ts`: an agent id can be enrolled again only after an operator releases
  it; `agents.released_ts` records when.
- `report_id_per_agent`: report ids were unique across the whole collector, so one agent
  reusing another's id was silently dropped as a duplicate and learned that the id
  existed. They are now unique per agent: UNIQUE (report_id, agent_id). SQLite cannot drop
  a table constraint, so there the table is rebuilt from its own stored definition (the
  documented twelve-step procedure, https://www.sqlite.org/lang_altertable.html#otheralter).
- `create_audit_log`: the `audit_log` table, declared here as this step creates it (a
  shipped step must not change when the current declarations do).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_TABLE_NAME = re.compile(r'^CREATE TABLE\s+"?reports"?')  # SQLite keeps the quotes given
OLD_UNIQUE = "UNIQUE (report_id)"
NEW_UNIQUE = "UNIQUE (report_id, agent_id)"  # leads with report_id: the duplicate lookup


def add_released_ts(connection: Connection) -> None:
    columns = {column["name"] for column in sa.inspect(connection).get_columns("agents")}
    if "released_ts" not in columns:
        connection.exec_driver_sql("ALTER TABLE agents ADD COLUMN released_ts FLOAT")


def report_id_per_agent(connection: Connection) -> None:
    uniques = sa.inspect(connection).get_unique_constraints("reports")
    old = [u for u in uniques if list(u["column_names"]) == ["report_id"]]
    if not old:
        return
    if connection.dialect.name == "sqlite":
        _rebuild_sqlite_reports(connection)
        return
    for constraint in old:
        connection.exec_driver_sql(f'ALTER TABLE reports DROP CONSTRAINT "{constraint["name"]}"')
    connection.exec_driver_sql(
        "ALTER TABLE reports ADD CONSTRAINT reports_report_id_agent_id_key "
        "UNIQUE (report_id, agent_id)"
    )


def _rebuild_sqlite_reports(connection: Connection) -> None:
    table_sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'reports'"
    ).scalar_one()
    index_sql = [
        row[0]
        for row in connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reports' "
            "AND sql IS NOT NULL"
        )
    ]
    if OLD_UNIQUE not in table_sql:
        raise RuntimeError("reports table has an unexpected definition; cannot migrate")
    new_sql = _TABLE_NAME.sub(
        "CREATE TABLE reports_rebuilt", table_sql.replace(OLD_UNIQUE, NEW_UNIQUE), 1
    )
    connection.exec_driver_sql(new_sql)
    connection.exec_driver_sql("INSERT INTO reports_rebuilt SELECT * FROM reports")
    connection.exec_driver_sql("DROP TABLE reports")
    connection.exec_driver_sql("ALTER TABLE reports_rebuilt RENAME TO reports")
    for sql in index_sql:
        connection.exec_driver_sql(sql)


def _audit_log_v3() -> sa.Table:
    return sa.Table(
        "audit_log",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False, server_default=""),
        sa.Column("subject", sa.String(128), nullable=False, server_default=""),
        sa.Column("source", sa.String(32), nullable=False, server_default=""),
        sa.Index("ix_audit_log_ts", "ts"),
    )


def create_audit_log(connection: Connection) -> None:
    _audit_log_v3().create(connection, checkfirst=True)


STEPS = [add_released_ts, report_id_per_agent, create_audit_log]
