"""Seed a collector's database with a synthetic fleet, through the store's own ingest path.

Posting weeks of reports for hundreds of agents over HTTPS would take minutes; the
report store's `save_batch` is what the HTTPS route ends in, so it is used directly
(each report still goes through `parse` and `validate`). Agents are enrolled first,
as the real ones are; `silent` more are enrolled and never report.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.synthetic import FleetPlan, fleet_reports, members
from agentprobe.collector.validation import IncomingReport, parse, validate

BATCH = 500


def _incoming(plan: FleetPlan) -> Iterator[IncomingReport]:
    for report in fleet_reports(plan):
        yield validate(*parse(report.to_json().encode()))


def _unsynced(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def seed_fleet(url: str, plan: FleetPlan, silent: int = 0) -> int:
    """Enrol the plan's agents (and `silent` that never report), store every report.

    On SQLite the seeding connection skips fsync (test data, written before the collector
    under test starts; a crash would only fail this test), which saves a commit's sync
    per enrolment.
    """
    engine = open_engine(url)
    if engine.dialect.name == "sqlite":
        engine.dispose()
        sa.event.listen(engine, "connect", _unsynced)
    try:
        credentials = Credentials(engine)
        secret = credentials.create_secret()
        for member in members(plan):
            credentials.enroll(secret, member.agent_id, "pc-" + member.agent_id)
        for index in range(silent):
            credentials.enroll(secret, f"silent-{index:02d}", "pc-silent")
        store, batch, count = ReportStore(engine), [], 0
        for item in _incoming(plan):
            batch.append(item)
            if len(batch) == BATCH:
                count += sum(store.save_batch(batch))
                batch = []
        count += sum(store.save_batch(batch))
        return count
    finally:
        engine.dispose()
