"""Schema steps 3-5 (released_ts, report ids unique per agent, audit_log) from every
earlier version, on SQLite and PostgreSQL, keeping the data already stored."""

from __future__ import annotations

import random
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from agentprobe.collector.samples import sample_report
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.schema import LATEST, current_version, open_engine
from agentprobe.collector.validation import IncomingReport, parse, validate

REPORT_ID = "8d2f8a0e-2a3b-4c5d-9e6f-0a1b2c3d4e5f"


def _report(agent_id: str, seed: int) -> IncomingReport:
    raw = sample_report(agent_id, random.Random(seed)).to_json().encode()
    return replace(validate(*parse(raw)), report_id=REPORT_ID, created_ts=time.time())


def _as_shipped(url: str, version: int) -> None:
    """Turn a fresh database back into what version 1 or 2 of the schema left."""
    engine = open_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE audit_log")
        connection.exec_driver_sql("ALTER TABLE agents DROP COLUMN released_ts")
        if connection.dialect.name == "sqlite":
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'reports'"
            ).scalar_one()
            indexes = [
                row[0]
                for row in connection.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = 'reports' AND sql IS NOT NULL"
                )
            ]
            old = re.sub(
                r'^CREATE TABLE\s+"?reports"?',
                "CREATE TABLE reports_old",
                re.sub(
                    r"(CONSTRAINT \w+ )?UNIQUE \(report_id, agent_id\)", "UNIQUE (report_id)", sql
                ),
            )
            connection.exec_driver_sql(old)
            connection.exec_driver_sql("DROP TABLE reports")
            connection.exec_driver_sql("ALTER TABLE reports_old RENAME TO reports")
            for index in indexes:
                connection.exec_driver_sql(index)
        else:
            connection.exec_driver_sql(
                "ALTER TABLE reports DROP CONSTRAINT reports_report_id_agent_id_key"
            )
            connection.exec_driver_sql(
                "ALTER TABLE reports ADD CONSTRAINT reports_report_id_key UNIQUE (report_id)"
            )
        if version == 1:
            connection.exec_driver_sql(
                "CREATE INDEX ix_report_checks_report_id ON report_checks (report_id)"
            )
        connection.exec_driver_sql(f"UPDATE schema_version SET version = {version}")
    engine.dispose()


def _uniques(engine: sa.Engine) -> list[list[str]]:
    return [list(u["column_names"]) for u in sa.inspect(engine).get_unique_constraints("reports")]


@pytest.mark.parametrize("version", [1, 2])
def test_upgrade_makes_report_ids_per_agent_and_keeps_data(
    tmp_path: Path, db_url: str | None, version: int
) -> None:
    if db_url is not None:
        pytest.skip(
            "on PostgreSQL the reports table is partitioned by a later step, so it cannot be "
            "unwound to version 1 or 2 here: test_upgrades builds each shipped schema instead, "
            "and test_report_ids_are_per_agent_on_partitioned_postgres checks the result"
        )
    url = f"sqlite:///{tmp_path / 'c.db'}"
    _as_shipped(url, version)
    old = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    assert _uniques(old) == [["report_id"]]
    with old.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO agents (agent_id, host, enrolled_ts) VALUES ('a1', 'h', 1.0)"
        )
    old.dispose()

    engine = open_engine(url)  # migrates
    with engine.connect() as connection:
        assert current_version(connection) == LATEST
    assert _uniques(engine) == [["report_id", "agent_id"]]
    assert {"released_ts"} <= {c["name"] for c in sa.inspect(engine).get_columns("agents")}
    assert sa.inspect(engine).has_table("audit_log")
    store = ReportStore(engine)
    assert store.save_batch([_report("a1", 1), _report("b2", 2)]) == [True, True]
    assert store.save_batch([_report("b2", 3)]) == [False]
    credentials = Credentials(engine)
    assert credentials.release_agent("a1")
    assert credentials.enroll(credentials.create_secret(), "a1", "h").startswith("apa_")
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM reports").scalar_one()
    assert count == 2
    engine.dispose()


def test_the_steps_are_no_ops_on_a_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = open_engine(url)
    before = engine.connect().exec_driver_sql("SELECT sql FROM sqlite_master").all()
    engine.dispose()
    engine = open_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT sql FROM sqlite_master").all() == before
    engine.dispose()


def test_report_ids_are_per_agent_on_partitioned_postgres(db_url: str | None) -> None:
    if db_url is None:
        pytest.skip("the partitioned schema is PostgreSQL's")
    engine = open_engine(db_url)
    store = ReportStore(engine)
    at = time.time()
    first, other = (replace(_report(a, n), created_ts=at) for a, n in (("a1", 1), ("b2", 2)))
    assert store.save_batch([first, other]) == [True, True]  # one id, two agents: both new
    assert store.save_batch([replace(_report("b2", 3), created_ts=at)]) == [False]  # a retry
    engine.dispose()
