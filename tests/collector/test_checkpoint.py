"""The WAL checkpointer: the log is copied, restarted and bounded while writes go on."""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from agentprobe.collector.samples import sample_report
from agentprobe.collector.store.checkpointer import Checkpoint, WalCheckpointer, checkpoint
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.store.writer import GroupCommitWriter, WriterClosed
from agentprobe.collector.validation import IncomingReport, parse, validate

WAIT_S = 30.0  # a bound on polling loops only; nothing asserts how long anything took


def _report(seed: int) -> IncomingReport:
    raw = sample_report(f"agent-{seed % 7}", random.Random(seed)).to_json().encode()
    return validate(*parse(raw))


def _write(store: ReportStore, seeds: range, batch: int = 20) -> None:
    for start in range(seeds.start, seeds.stop, batch):
        store.save_batch([_report(seed) for seed in range(start, min(start + batch, seeds.stop))])


def _run_now(chore: Callable[[], Checkpoint]) -> concurrent.futures.Future[Checkpoint]:
    """`between_batches` when the test itself is the only writer (no batch is ever open)."""
    future: concurrent.futures.Future[Checkpoint] = concurrent.futures.Future()
    future.set_result(chore())
    return future


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'c.db'}", auto_checkpoint=False)
    yield engine
    engine.dispose()


def _wal_bytes(engine: Engine) -> int:
    wal = Path(f"{engine.url.database}-wal")
    return wal.stat().st_size if wal.exists() else 0


def _rows_and_integrity(engine: Engine) -> tuple[int, str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT count(*) FROM reports").scalar_one()
        integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar_one()
    return int(rows), str(integrity)


def test_the_log_restarts_after_a_checkpoint_instead_of_growing(engine: Engine) -> None:
    store = ReportStore(engine)
    checkpointer = WalCheckpointer(engine, _run_now, restart_pages=50)
    _write(store, range(1200))
    connection = engine.raw_connection()
    try:
        grown = checkpoint(connection)
        # SQLite alone would have checkpointed and restarted the log at 1,000 pages.
        assert grown.log_pages > 1000 and grown.copied_pages == grown.log_pages
        size = _wal_bytes(engine)
        assert checkpointer.checkpoint_once(connection).copied_pages == grown.log_pages
        _write(store, range(1200, 1220))
        after = checkpoint(connection)
    finally:
        connection.close()
    assert 0 < after.log_pages < grown.log_pages  # written from the start of the log again
    assert _wal_bytes(engine) == size
    assert _rows_and_integrity(engine) == (1220, "ok")


def test_a_log_past_the_limit_is_truncated(engine: Engine) -> None:
    _write(ReportStore(engine), range(100))
    assert _wal_bytes(engine) > 0
    checkpointer = WalCheckpointer(engine, _run_now, restart_pages=10, wal_limit_pages=20)
    connection = engine.raw_connection()
    try:
        assert checkpointer.checkpoint_once(connection) == Checkpoint(False, 0, 0)
    finally:
        connection.close()
    assert _wal_bytes(engine) == 0
    assert _rows_and_integrity(engine) == (100, "ok")


def test_checkpoints_run_alongside_the_writer_and_stop_cleanly(engine: Engine) -> None:
    database = Path(str(engine.url.database))
    before = database.stat().st_size
    store = ReportStore(engine)
    chore_threads: list[str] = []

    async def run() -> WalCheckpointer:
        writer = GroupCommitWriter(store.save_batch)
        writer.start()

        def between_batches(chore: Callable[[], Any]) -> concurrent.futures.Future[Any]:
            def traced() -> Any:
                chore_threads.append(threading.current_thread().name)
                return chore()

            return writer.between_batches(traced)

        checkpointer = WalCheckpointer(engine, between_batches, interval_s=0.005, restart_pages=20)
        checkpointer.start()
        for wave in range(20):
            stored = await asyncio.gather(
                *(writer.submit(_report(wave * 20 + n)) for n in range(20))
            )
            assert all(stored)
        await _passes_after(checkpointer, checkpointer.passes + 2)
        await asyncio.to_thread(checkpointer.stop)
        await writer.close()
        return checkpointer

    checkpointer = asyncio.run(run())
    assert not checkpointer.running
    assert "wal-checkpointer" not in {thread.name for thread in threading.enumerate()}
    assert chore_threads and set(chore_threads) == {"group-commit-writer"}
    assert database.stat().st_size > before  # pages reached the database file, not only the log
    assert _rows_and_integrity(engine) == (400, "ok")


async def _passes_after(checkpointer: WalCheckpointer, passes: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while checkpointer.passes < passes and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert checkpointer.passes >= passes


def test_writer_runs_chores_between_batches_and_refuses_them_once_closed() -> None:
    saved: list[int] = []

    def save_batch(items: Any) -> list[bool]:
        saved.append(len(items))
        return [True] * len(items)

    def fail() -> None:
        raise ValueError("chore failed")

    async def run() -> tuple[str, GroupCommitWriter]:
        writer = GroupCommitWriter(save_batch)
        writer.start()
        where = await asyncio.wrap_future(
            writer.between_batches(lambda: threading.current_thread().name)
        )
        with pytest.raises(ValueError, match="chore failed"):
            await asyncio.wrap_future(writer.between_batches(fail))
        assert await writer.submit(_report(1))  # a failed chore does not stop the writer
        await writer.close()
        return where, writer

    where, writer = asyncio.run(run())
    assert where == "group-commit-writer" and saved == [1]
    with pytest.raises(WriterClosed):
        writer.between_batches(lambda: None).result()
