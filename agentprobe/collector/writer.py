"""Group commit: one writer thread stores pending reports in batches, one transaction each.

A durable commit costs an fsync (milliseconds); paying it per report would cap ingest at a
few hundred reports/s. Requests instead queue their report and wait; the writer takes
everything pending, stores it in one transaction, and then answers every waiter. While one
batch commits, the next one gathers, so batches grow with load and no timer is needed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agentprobe.collector.validation import IncomingReport

log = logging.getLogger("agentprobe.collector")

SaveBatch = Callable[[Sequence[IncomingReport]], list[bool]]
Observe = Callable[[int, float], None]  # (batch size, seconds to commit it)


class WriterClosed(RuntimeError):
    """The writer is shutting down and takes no more reports."""


@dataclass
class _Pending:
    item: IncomingReport
    future: asyncio.Future[bool]


class GroupCommitWriter:
    """Serialises all report writes; `await submit(report)` -> True stored, False duplicate."""

    def __init__(
        self, save_batch: SaveBatch, batch_max: int = 512, observe: Observe | None = None
    ) -> None:
        self.save_batch = save_batch
        self.observe = observe
        self.batch_max = batch_max
        self._pending: list[_Pending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.batches = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="group-commit-writer")

    async def submit(self, item: IncomingReport) -> bool:
        """Queue one report; returns after the batch holding it has committed (or raises)."""
        if self._closing:
            raise WriterClosed("collector is shutting down")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(item, future))
        self._wake.set()
        return await future

    async def close(self) -> None:
        """Take no more reports, store everything already queued, then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[: self.batch_max]
                del self._pending[: self.batch_max]
                await self._commit(batch)
            if self._closing:
                return

    async def _commit(self, batch: list[_Pending]) -> None:
        items = [pending.item for pending in batch]
        started = time.perf_counter()
        try:
            outcome = await asyncio.to_thread(self.save_batch, items)
        except Exception as error:
            if len(batch) > 1:
                # One bad row must not fail its neighbours: retry them one by one.
                log.warning("batch of %d failed (%s); retrying singly", len(batch), error)
                for pending in batch:
                    await self._commit([pending])
                return
            log.exception("storing report %s failed", items[0].report_id)
            _settle(batch[0].future, error=error)
            return
        self.batches += 1
        if self.observe is not None:
            self.observe(len(batch), time.perf_counter() - started)
        for pending, stored in zip(batch, outcome, strict=True):
            _settle(pending.future, result=stored)


def _settle(
    future: asyncio.Future[bool], result: bool = False, error: Exception | None = None
) -> None:
    if future.done():  # the client went away; the report is stored all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
