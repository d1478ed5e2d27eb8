"""kill -9 of the collector while agents post and the log is being checkpointed: every
acknowledged report survives."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.rigs.collector import RunningCollector
from tests.rigs.collector_client import report_for

pytestmark = pytest.mark.integration
POSTERS = 6
MAX_REPORTS = 400  # per poster: the loop is bounded even if the kill came late
KILL_AFTER_ACKS = 150


def poster(
    rig: RunningCollector, agent_id: str, token: str, acked: list[str], stop: threading.Event
) -> None:
    """Post until the server dies; record report_ids answered 201/200 (acknowledged)."""
    with requests.Session() as http:
        for seed in range(MAX_REPORTS):
            if stop.is_set():
                return
            report = report_for(agent_id, seed)
            try:
                answer = http.post(
                    f"{rig.url}/api/v1/reports",
                    data=report.to_json(),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                    verify=str(rig.ca_file),
                    timeout=10,
                )
            except requests.RequestException:
                return  # the server is gone: this report was never acknowledged
            if answer.status_code in (200, 201):
                acked.append(report.report_id)


def test_kill_9_loses_no_acknowledged_report(sqlite_collector: RunningCollector) -> None:
    rig = sqlite_collector
    tokens = {f"crash-{n}": rig.enroll(f"crash-{n}") for n in range(POSTERS)}
    acked: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=poster, args=(rig, a, t, acked, stop)) for a, t in tokens.items()
    ]
    for thread in threads:
        thread.start()
    database = rig.data_dir / "collector.db"
    deadline = time.monotonic() + 30
    while len(acked) < KILL_AFTER_ACKS and time.monotonic() < deadline:
        time.sleep(0.01)
    # Kill only once the checkpointer has copied acknowledged pages into the database file
    # (it grows only then), so the crash also lands between or inside checkpoints.
    copied = database.stat().st_size
    while database.stat().st_size == copied and time.monotonic() < deadline:
        time.sleep(0.01)
    checkpointed = database.stat().st_size > copied
    rig.kill()  # SIGKILL mid-stream: batches in flight are lost, acknowledged ones must not be
    stop.set()
    for thread in threads:
        thread.join(30)
    assert len(acked) >= KILL_AFTER_ACKS and checkpointed
    stored = _stored_ids(database)
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged reports lost"
    assert _integrity(database) == "ok"
    rig.restart()  # and the database opens cleanly again after the crash
    assert requests.get(f"{rig.url}/healthz", verify=str(rig.ca_file), timeout=10).ok


def _stored_ids(database: Path) -> set[str]:
    return set(_query(database, "SELECT report_id FROM reports"))


def _integrity(database: Path) -> str:
    return str(_query(database, "PRAGMA integrity_check")[0])


def _query(database: Path, sql: str) -> list[object]:
    """The first column of every row `sql` returns, on a connection of its own."""
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(sql)).scalars())
    finally:
        engine.dispose()
