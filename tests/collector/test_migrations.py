"""Schema migrations on an existing database, and retention after them (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa

from agentprobe.collector.samples import sample_report
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.fleet import fleet_summary
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.schema import LATEST, current_version, open_engine
from agentprobe.collector.validation import IncomingReport, parse, validate

DAY = 86400.0


def _report(seed: int, created_ts: float) -> IncomingReport:
    raw = sample_report("a1", random.Random(seed)).to_json().encode()
    return replace(validate(*parse(raw)), created_ts=created_ts)


def _counts(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        reports = connection.exec_driver_sql("SELECT count(*) FROM reports").scalar_one()
        checks = connection.exec_driver_sql("SELECT count(*) FROM report_checks").scalar_one()
    return int(reports), int(checks)


def _index_names(engine: sa.Engine) -> set[str]:
    return {str(index["name"]) for index in sa.inspect(engine).get_indexes("report_checks")}


def _version_1(url: str) -> sa.Engine:
    """A database as schema version 1 left it: report_checks also indexed by report_id."""
    engine = open_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE INDEX ix_report_checks_report_id ON report_checks (report_id)"
        )
        connection.exec_driver_sql("UPDATE schema_version SET version = 1")
    return engine


def test_upgrade_from_version_1_keeps_data(tmp_path: Path, db_url: str | None) -> None:
    url = db_url or f"sqlite:///{tmp_path / 'c.db'}"
    old = _version_1(url)
    credentials = Credentials(old)
    credentials.enroll(credentials.create_secret(), "a1", "host")
    now = time.time()
    assert ReportStore(old).save_batch([_report(1, now), _report(2, now - 100 * DAY)]) == [
        True,
        True,
    ]
    assert "ix_report_checks_report_id" in _index_names(old)
    old.dispose()

    engine = open_engine(url)  # migrates
    with engine.connect() as connection:
        assert current_version(connection) == LATEST
    assert "ix_report_checks_report_id" not in _index_names(engine)
    assert "ix_report_checks_time" in _index_names(engine)
    reports, checks = _counts(engine)
    assert reports == 2 and checks > 2
    assert ReportStore(engine).purge(now - 90 * DAY) == 1
    assert _counts(engine) == (1, checks // 2)
    assert fleet_summary(engine, now - DAY)["reports"]["total"] == 1
    engine.dispose()


def test_purge_in_chunks_removes_check_rows_with_their_reports(
    tmp_path: Path, db_url: str | None
) -> None:
    engine = open_engine(db_url or f"sqlite:///{tmp_path / 'c.db'}")
    credentials = Credentials(engine)
    credentials.enroll(credentials.create_secret(), "a1", "host")
    now = time.time()
    ages = [200, 150, 150, 150, 120, 91, 89, 1]  # days; a tie across a chunk boundary
    store = ReportStore(engine)
    store.save_batch([_report(n, now - age * DAY) for n, age in enumerate(ages)])
    checks_per_report = _counts(engine)[1] // len(ages)
    assert store.purge(now - 90 * DAY, chunk=2) == 6
    assert _counts(engine) == (2, 2 * checks_per_report)
    assert store.purge(now - 90 * DAY, chunk=2) == 0
    with engine.connect() as connection:
        left = connection.exec_driver_sql("SELECT min(created_ts) FROM report_checks").scalar()
    assert left is not None and left > now - 90 * DAY
    engine.dispose()


def _version_2(url: str, reports: list[IncomingReport]) -> None:
    """A database as schema version 2 left it: reports, and none of the operations tables."""
    from agentprobe.collector.store.operations import ops_metadata

    engine = open_engine(url)
    credentials = Credentials(engine)
    credentials.enroll(credentials.create_secret(), "a1", "host")
    ReportStore(engine).save_batch(reports)
    with engine.begin() as connection:
        ops_metadata.drop_all(connection)
        connection.exec_driver_sql("UPDATE schema_version SET version = 2")
    engine.dispose()


def test_upgrade_from_version_2_derives_events_figures_and_causes(
    tmp_path: Path, db_url: str | None
) -> None:
    url = db_url or f"sqlite:///{tmp_path / 'c.db'}"
    now = time.time()
    items = [_report(n, now - n * 3600) for n in range(6)]
    body = json.loads(items[0].body)
    body["events"] = [
        {
            "kind": "change",
            "what": "software.chrome",
            "from": "130",
            "to": "131",
            "at": body["created_at"],
        }
    ]
    items[0] = validate(*parse(json.dumps(body).encode()))
    _version_2(url, items)
    engine = open_engine(url)  # migrates 2 -> 3, filling the new tables from the bodies
    with engine.connect() as connection:
        assert current_version(connection) == LATEST
        figures = connection.exec_driver_sql("SELECT count(*) FROM report_figures").scalar()
        events = connection.exec_driver_sql("SELECT what, old, new FROM change_events").all()
        causes = connection.exec_driver_sql("SELECT count(*) FROM check_causes").scalar()
        failing = connection.exec_driver_sql(
            "SELECT count(*) FROM report_checks WHERE status IN ('warn', 'fail', 'error')"
        ).scalar()
    assert figures == 6 and [tuple(e) for e in events] == [("software.chrome", "130", "131")]
    assert causes == failing
    assert ReportStore(engine).purge(now - 2.5 * 3600) == 3
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM report_figures").scalar() == 3
    engine.dispose()
