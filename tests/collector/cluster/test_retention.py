"""Day partitions on PostgreSQL: made ahead, filled from DEFAULT, dropped whole by retention."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from agentprobe.collector.samples import sample_report
from agentprobe.collector.store import partitions
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.fleet import fleet_summary
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.retention import run_upkeep
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.validation import IncomingReport, parse, validate
from tests.collector.cluster.conftest import fresh_database
from tests.rigs.postgres import Cluster

pytestmark = pytest.mark.integration
DAY = 86400.0


def _report(seed: int, created_ts: float) -> IncomingReport:
    created = datetime.fromtimestamp(created_ts, UTC)
    raw = sample_report("keeper", random.Random(seed), created=created).to_json().encode()
    return validate(*parse(raw))


def _names(engine: sa.Engine, table: str = "reports") -> list[str]:
    with engine.connect() as connection:
        return partitions.partitions_of(connection, table)


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


def test_retention_drops_old_partitions_and_keeps_recent_data(pg_cluster: Cluster) -> None:
    engine = open_engine(fresh_database(pg_cluster))
    credentials = Credentials(engine)
    credentials.enroll(credentials.create_secret(), "keeper", "h")
    now = time.time()
    run_upkeep(engine, 90, now=now - 100 * DAY)  # as the collector did 100 days ago
    old_days = [now - 99.5 * DAY, now - 95 * DAY]
    store = ReportStore(engine)
    ages = [*old_days, now - 3600, now]
    assert store.save_batch([_report(n, ts) for n, ts in enumerate(ages)]) == [True] * 4
    old_names = {partitions.partition_name("reports", partitions.day_start(ts)) for ts in old_days}
    assert old_names <= set(_names(engine))
    assert _count(engine, "reports_default") == 0
    checks_per_report = _count(engine, "report_checks") // 4

    done = run_upkeep(engine, 90, now=now)

    assert old_names <= set(done.partitions_dropped)
    assert not old_names & set(_names(engine))
    today = partitions.partition_name("reports", partitions.day_start(now))
    assert today in _names(engine) and "reports_default" in _names(engine)
    assert (_count(engine, "reports"), _count(engine, "report_checks")) == (
        2,
        2 * checks_per_report,
    )
    assert fleet_summary(engine, now - 200 * DAY, now)["reports"]["total"] == 2
    assert fleet_summary(engine, now - DAY, now)["reports"]["total"] == 2
    engine.dispose()


def test_a_partition_made_later_takes_its_rows_out_of_default(pg_cluster: Cluster) -> None:
    engine = open_engine(fresh_database(pg_cluster))
    now = time.time()
    later = now + 30 * DAY  # an agent whose clock runs a month ahead
    early = _report(1, later)
    assert ReportStore(engine).save_batch([early]) == [True]
    assert _count(engine, "reports_default") == 1

    run_upkeep(engine, 90, now=later)

    assert partitions.partition_name("reports", partitions.day_start(later)) in _names(engine)
    assert (_count(engine, "reports_default"), _count(engine, "reports")) == (0, 1)
    assert _count(engine, "report_checks_default") == 0
    assert ReportStore(engine).save_batch([early]) == [False]  # still a duplicate
    engine.dispose()
