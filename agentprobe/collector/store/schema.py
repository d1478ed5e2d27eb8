"""The collector's tables (SQLAlchemy Core), the engine, and versioned migrations.

SQLAlchemy Core rather than an ORM: the ingest path is a few bulk statements per batch,
and Core gives one dialect-neutral spelling for SQLite and PostgreSQL without per-row
objects. Migrations are a schema-version table plus an ordered list of steps, which is all
a handful of tables needs (Alembic would add a second configuration tree for no gain yet).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from agentprobe.collector.store import hardening, operations, reflector_sessions, scaling
from agentprobe.collector.store.kpi_schema import create_kpi_tables

metadata = sa.MetaData()
CONNECT_TIMEOUT_S = 5  # a collector whose database is gone says so instead of hanging

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

enroll_secrets = sa.Table(
    "enroll_secrets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_ts", sa.Float, nullable=False),
    sa.Column("revoked_ts", sa.Float),
)

admin_tokens = sa.Table(
    "admin_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_ts", sa.Float, nullable=False),
    sa.Column("revoked_ts", sa.Float),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("admin_token_sha256", sa.String(64), nullable=False),
    sa.Column("expires_ts", sa.Float, nullable=False),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("agent_id", sa.String(128), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False, server_default=""),
    sa.Column("token_sha256", sa.String(64), unique=True),
    sa.Column("secret_id", sa.Integer),
    sa.Column("enrolled_ts", sa.Float, nullable=False),
    sa.Column("revoked_ts", sa.Float),
    sa.Column("team", sa.String(128), nullable=False, server_default=""),
    sa.Column("site", sa.String(128), nullable=False, server_default=""),
    sa.Column("location", sa.String(16), nullable=False, server_default="unknown"),
    sa.Column("agent_version", sa.String(64), nullable=False, server_default=""),
    sa.Column("last_status", sa.String(8)),
    sa.Column("last_report_ts", sa.Float),
    sa.Column("last_seen_ts", sa.Float),
    sa.Column("last_report_id", sa.String(36)),
    sa.Column("released_ts", sa.Float),  # set by an operator: the id may enrol again
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report_id", sa.String(36), nullable=False),
    sa.Column("agent_id", sa.String(128), nullable=False),
    sa.Column("created_ts", sa.Float, nullable=False),
    sa.Column("received_ts", sa.Float, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("trigger", sa.String(16), nullable=False),
    sa.Column("team", sa.String(128), nullable=False),
    sa.Column("site", sa.String(128), nullable=False),
    sa.Column("location", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.UniqueConstraint("report_id", "agent_id", name="reports_report_id_agent_id_key"),
    sa.Index("ix_reports_agent_time", "agent_id", "created_ts", "id"),
    sa.Index("ix_reports_time", "created_ts"),
)

report_checks = sa.Table(
    "report_checks",
    metadata,
    sa.Column("report_id", sa.String(36), nullable=False),
    sa.Column("created_ts", sa.Float, nullable=False),
    sa.Column("agent_id", sa.String(128), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Index("ix_report_checks_time", "created_ts"),
)

# Who did what, when: enrolments, revocations, releases, logins and admin reads. `actor`
# is a short hash of the credential used, `source` a salted hash of the client address
# (an address locates a person, so it is never stored in clear).
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False, server_default=""),
    sa.Column("subject", sa.String(128), nullable=False, server_default=""),
    sa.Column("source", sa.String(32), nullable=False, server_default=""),
    sa.Index("ix_audit_log_ts", "ts"),
)


def _create_v1(connection: Connection) -> None:
    metadata.create_all(connection)


def _drop_report_checks_report_id(connection: Connection) -> None:
    """No read looks up check rows by report_id (retention deletes them by created_ts),
    and keeping that index of random UUIDs current cost a fifth of every ingest commit."""
    connection.exec_driver_sql("DROP INDEX IF EXISTS ix_report_checks_report_id")


# Step N brings the schema from version N to N+1. Append; never edit a shipped step.
# Step 1 creates the tables as `metadata` now declares them, so later steps must be no-ops
# on a database step 1 has just created (hence IF EXISTS).
MIGRATIONS: list[Callable[[Connection], None]] = [
    _create_v1,
    _drop_report_checks_report_id,
    *hardening.STEPS,  # versions 3, 4, 5: released ids, per-agent report ids, audit log
    operations.create_tables,  # version 6: change events, figures, causes, alerts
    create_kpi_tables,  # version 7: kpi_values, kpi_settings, token_roles
    # Scale-out: rollups, the cluster's shared secrets, daily partitions (PostgreSQL).
    scaling.create_rollups,  # version 8
    scaling.create_cluster_secrets,  # version 9
    scaling.partition_reports,  # version 10
    reflector_sessions.create_table,  # version 11: whose each reflector session is
]
LATEST = len(MIGRATIONS)


class SchemaError(RuntimeError):
    """The database was written by a newer agentprobe than this one."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the single writer
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged report survives power loss
    cursor.execute("PRAGMA busy_timeout=10000")  # CLI commands may write while serving
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _no_auto_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def open_engine(url: str, auto_checkpoint: bool = True) -> Engine:
    """An engine for a SQLAlchemy URL; `postgresql://` uses psycopg 3. Migrates to LATEST.

    `auto_checkpoint=False` stops SQLite from checkpointing its log inside commits; only
    for an engine whose owner runs a `WalCheckpointer` (PostgreSQL ignores it).
    """
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        if not auto_checkpoint:
            sa.event.listen(engine, "connect", _no_auto_checkpoint)
    else:
        engine = sa.create_engine(
            url,
            pool_pre_ping=True,
            pool_size=8,
            max_overflow=8,
            pool_timeout=10,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
        )
    migrate(engine)
    return engine


def current_version(connection: Connection) -> int:
    if not sa.inspect(connection).has_table("schema_version"):
        return 0
    version = connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(version or 0)


def migrate(engine: Engine) -> int:
    """Apply every missing step in one transaction each; returns the resulting version."""
    with engine.begin() as connection:
        _lock(connection)
        version = current_version(connection)
        if version > LATEST:
            raise SchemaError(
                f"database schema version {version} is newer than this agentprobe "
                f"understands ({LATEST}); upgrade agentprobe"
            )
        for step in MIGRATIONS[version:]:
            step(connection)
        if version < LATEST:
            connection.execute(sa.delete(schema_version))
            connection.execute(sa.insert(schema_version).values(version=LATEST))
    return LATEST


def _lock(connection: Connection) -> None:
    """Serialise concurrent migrators (the server and a CLI command starting together)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(724551)"))
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
