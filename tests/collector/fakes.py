"""Small fakes for unit tests of collector logic."""

from __future__ import annotations

from collections.abc import Sequence

from agentprobe.collector.validation import IncomingReport


class RecordingStore:
    """A save_batch that remembers report_ids and the batches it was given."""

    def __init__(self, fail_ids: frozenset[str] = frozenset()) -> None:
        self.fail_ids = fail_ids
        self.stored: set[str] = set()
        self.batches: list[list[str]] = []

    def save_batch(self, items: Sequence[IncomingReport]) -> list[bool]:
        ids = [item.report_id for item in items]
        self.batches.append(ids)
        if self.fail_ids.intersection(ids):
            raise RuntimeError("poison row")
        outcome = []
        for report_id in ids:
            outcome.append(report_id not in self.stored)
            self.stored.add(report_id)
        return outcome
