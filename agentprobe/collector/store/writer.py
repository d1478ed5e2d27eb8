"""Group commit: one writer thread stores pending reports in batches, one transaction each.

A durable commit costs an fsync; paying it per report would cap ingest at a few hundred
reports/s. Requests instead queue their report and wait; the writer takes everything
pending, stores it in one transaction, and then answers every waiter. While one batch
commits, the next one gathers, so batches grow with load and no timer is needed.

The writer is a thread of its own rather than an event-loop task that hands each batch to
a worker: it starts the next batch the moment the previous commit returns, instead of
waiting for the busy event loop to notice the commit and schedule the next one (under load
that wait was longer than the commit itself). It hands the outcome of a batch back to the
loop in one callback, and the waiting requests are answered from there.

Between two batches the writer also runs chores other threads hand it (`between_batches`):
work that must see no write transaction open, such as the last step of a WAL checkpoint.
A chore runs after the previous batch has been answered, so it delays only the next one.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from agentprobe.collector.validation import IncomingReport

log = logging.getLogger("agentprobe.collector")

SaveBatch = Callable[[Sequence[IncomingReport]], list[bool]]
Observe = Callable[[int, float], None]  # (batch size, seconds to commit it)
T = TypeVar("T")


class WriterClosed(RuntimeError):
    """The writer is shutting down and takes no more reports."""


@dataclass
class _Pending:
    item: IncomingReport
    future: asyncio.Future[bool]


Outcome = list[tuple[asyncio.Future[bool], bool | BaseException]]
_Chore = tuple[Callable[[], Any], "concurrent.futures.Future[Any]"]


class GroupCommitWriter:
    """Serialises all report writes; `await submit(report)` -> True stored, False duplicate.

    `start` and `submit` are called on the event loop; `save_batch` and `observe` run in
    the writer thread; `between_batches` may be called from any thread.
    """

    def __init__(
        self, save_batch: SaveBatch, batch_max: int = 512, observe: Observe | None = None
    ) -> None:
        self.save_batch = save_batch
        self.observe = observe
        self.batch_max = batch_max
        self._pending: collections.deque[_Pending] = collections.deque()
        self._chores: collections.deque[_Chore] = collections.deque()
        self._chores_lock = threading.Lock()  # orders a late chore against the writer's exit
        self._chores_closed = False
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False
        self.batches = 0

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="group-commit-writer", daemon=True)
        self._thread.start()

    async def submit(self, item: IncomingReport) -> bool:
        """Queue one report; returns after the batch holding it has committed (or raises)."""
        if self._closing or self._loop is None:
            raise WriterClosed("collector is shutting down")
        future: asyncio.Future[bool] = self._loop.create_future()
        self._pending.append(_Pending(item, future))
        if not self._wake.is_set():  # setting it takes a lock; the writer may be awake anyway
            self._wake.set()
        return await future

    def between_batches(self, chore: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Have the writer thread run `chore` while no batch is being stored."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._chores_lock:
            if self._thread is None or self._chores_closed:
                future.set_exception(WriterClosed("the writer is not running"))
                return future
            self._chores.append((chore, future))
        self._wake.set()
        return future

    async def close(self) -> None:
        """Take no more reports, store everything already queued, then stop."""
        self._closing = True
        self._wake.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)

    def _run(self) -> None:
        try:
            self._serve()
        finally:  # whatever ended the thread, nobody may wait for a chore that never runs
            self._cancel_chores()

    def _serve(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()  # before looking at the queue, so no append goes unnoticed
            while self._pending:
                count = min(len(self._pending), self.batch_max)
                batch = [self._pending.popleft() for _ in range(count)]
                outcome: Outcome = []
                self._commit(batch, outcome)
                self._answer(outcome)
                self._run_chores()
            self._run_chores()
            if self._closing and not self._pending:
                return

    def _run_chores(self) -> None:
        while self._chores:
            chore, future = self._chores.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(chore())
            except Exception as error:  # the caller decides; the writer carries on
                future.set_exception(error)

    def _cancel_chores(self) -> None:
        with self._chores_lock:
            self._chores_closed = True
            while self._chores:
                self._chores.popleft()[1].cancel()

    def _commit(self, batch: list[_Pending], outcome: Outcome) -> None:
        items = [pending.item for pending in batch]
        started = time.perf_counter()
        try:
            stored = self.save_batch(items)
        except Exception as error:
            if len(batch) > 1:
                # One bad row must not fail its neighbours: retry them one by one.
                log.warning("batch of %d failed (%s); retrying singly", len(batch), error)
                for pending in batch:
                    self._commit([pending], outcome)
                return
            log.exception("storing report %s failed", items[0].report_id)
            outcome.append((batch[0].future, error))
            return
        self.batches += 1
        if self.observe is not None:
            self.observe(len(batch), time.perf_counter() - started)
        outcome.extend(zip((pending.future for pending in batch), stored, strict=True))

    def _answer(self, outcome: Outcome) -> None:
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(_settle, outcome)
        except RuntimeError:  # the loop is gone (a hard stop): nobody is left to answer
            log.warning("event loop closed; %d committed reports not acknowledged", len(outcome))


def _settle(outcome: Outcome) -> None:
    for future, result in outcome:
        if future.done():  # the client went away; the report is stored all the same
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
