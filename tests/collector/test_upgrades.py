"""Upgrading from every earlier schema version to the latest keeps every report, counts it
in the rollups, and (on PostgreSQL) moves it into day partitions; SQLite and PostgreSQL."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from agentprobe.collector.samples import sample_report
from agentprobe.collector.store import partitions, rollups, scaling
from agentprobe.collector.store.fleet import fleet_summary
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.schema import (
    LATEST,
    MIGRATIONS,
    agents,
    current_version,
    open_engine,
    report_checks,
    reports,
    schema_version,
)
from agentprobe.collector.validation import IncomingReport, parse, validate

DAY = 86400.0


def _report(agent_id: str, seed: int, created_ts: float, quality: float = 1.0) -> IncomingReport:
    raw = sample_report(agent_id, random.Random(seed), quality=quality).to_json().encode()
    return replace(validate(*parse(raw)), created_ts=created_ts)


def _at_version(url: str, version: int) -> sa.Engine:
    """A database built by the first `version` steps, as that release left it."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for step in MIGRATIONS[:version]:
            step(connection)
        if version:
            connection.execute(sa.insert(schema_version).values(version=version))
    return engine


def _store_raw(engine: sa.Engine, items: list[IncomingReport], version: int) -> None:
    """Rows as an earlier version wrote them: with rollups once they exist."""
    with engine.begin() as connection:
        if version > MIGRATIONS.index(scaling.create_rollups):
            rollups.add(connection, [replace(item, team="blue") for item in items])
        for item in items:
            connection.execute(
                sa.insert(reports).values(
                    report_id=item.report_id,
                    agent_id=item.agent_id,
                    created_ts=item.created_ts,
                    received_ts=item.created_ts,
                    status=item.status,
                    trigger=item.trigger,
                    team="blue",
                    site=item.site,
                    location=item.location,
                    body=item.body,
                )
            )
            for name, status in item.checks:
                connection.execute(
                    sa.insert(report_checks).values(
                        report_id=item.report_id,
                        created_ts=item.created_ts,
                        agent_id=item.agent_id,
                        name=name,
                        status=status,
                    )
                )
        connection.execute(sa.insert(agents).values(agent_id="a1", enrolled_ts=time.time()))


@pytest.mark.parametrize("start", range(LATEST))
def test_upgrade_from_every_earlier_version(tmp_path: Path, db_url: str | None, start: int) -> None:
    url = db_url or f"sqlite:///{tmp_path / 'c.db'}"
    now = time.time()
    old = [_report("a1", 1, now - 3 * 3600), _report("a1", 2, now - 40 * DAY, quality=0.05)]
    engine = _at_version(url, start)
    if start:
        _store_raw(engine, old, start)
    engine.dispose()

    engine = open_engine(url)

    with engine.connect() as connection:
        assert current_version(connection) == LATEST
        if connection.dialect.name == "postgresql":
            assert partitions.is_partitioned(connection, "reports")
            assert partitions.is_partitioned(connection, "report_checks")
    kept = old if start else []
    summary = fleet_summary(engine, now - 60 * DAY, now)
    assert summary["reports"]["total"] == len(kept)
    assert sum(c["pass"] + c["warn"] + c["fail"] + c["error"] for c in summary["checks"]) == sum(
        len(item.checks) for item in kept
    )
    assert [g["reports"] for g in summary["groups"]["team"]] == ([2] if kept else [])
    store = ReportStore(engine)
    fresh = _report("a1", 3, now)
    assert store.save_batch([*old[:1], fresh]) == [not kept, True]
    assert fleet_summary(engine, now - DAY, now)["reports"]["total"] == 2
    engine.dispose()


def test_per_agent_rollups_catch_up_and_readers_see_what_they_have_not_counted(
    tmp_path: Path, db_url: str | None
) -> None:
    engine = open_engine(db_url or f"sqlite:///{tmp_path / 'c.db'}")
    now = time.time()
    store = ReportStore(engine)
    bad = [_report("a2", n, now - 120 - n, quality=0.05) for n in range(3)]
    assert store.save_batch([_report("a1", 9, now - 100), *bad]) == [True] * 4
    first = fleet_summary(engine, now - DAY, now)
    assert first["worst_agents"][0]["agent_id"] == "a2"
    assert rollups.catch_up(engine, now + 10 * rollups.SETTLE_S)
    with engine.connect() as connection:
        assert rollups.mark(connection) == now + 9 * rollups.SETTLE_S
        rows = connection.execute(
            sa.select(sa.func.sum(rollups.rollup_daily.c.reports)).where(
                rollups.rollup_daily.c.check_name == ""
            )
        ).scalar_one()
    assert rows == 4
    assert fleet_summary(engine, now - DAY, now)["worst_agents"] == first["worst_agents"]
    assert rollups.catch_up(engine, now + 10 * rollups.SETTLE_S)  # nothing new: no change
    assert fleet_summary(engine, now - DAY, now)["worst_agents"] == first["worst_agents"]
    engine.dispose()
