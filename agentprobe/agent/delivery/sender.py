"""Draining the outbox: upload the oldest reports first, one outcome per report.

Backoff state (failures in a row, when the next attempt is allowed, the last success,
and whether the token was revoked) lives in the outbox's meta table, so the daemon and
`agentprobe check --upload` share it and a restart does not forget a Retry-After.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from agentprobe.agent.delivery.backoff import Backoff
from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.agent.delivery.uploader import Outcome

BATCH = 50


@dataclass
class FlushResult:
    """What one flush did: counts, and the last outcome (which explains why it stopped)."""

    sent: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    last: Outcome | None = None


class Sender:
    """Uploads queued reports through `send(body) -> Outcome` and records what happened."""

    def __init__(
        self,
        outbox: Outbox,
        send: Callable[[str], Outcome],
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        on_sent: Callable[[str], None] = lambda body: None,
    ) -> None:
        self.outbox, self.send, self.clock, self.on_sent = outbox, send, clock, on_sent
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()

    def wait_s(self) -> float:
        """Seconds until the next attempt is allowed (0 when it is allowed now)."""
        return max(0.0, self.outbox.get("retry_at") - self.clock())

    def clear_backoff(self) -> None:
        """Forget network backoff (a person asked to send now); a Retry-After still holds."""
        self.outbox.set("retry_at", min(self.outbox.get("retry_at"), self.outbox.get("hold_until")))

    def flush(
        self, budget: int = 500, force: bool = False, stop: Callable[[], bool] = lambda: False
    ) -> FlushResult:
        """Upload up to `budget` reports, oldest first, until done, told to stop or refused."""
        result = FlushResult()
        if not force and self.wait_s() > 0:
            return result
        while budget > 0 and not stop():
            batch = self.outbox.oldest(min(budget, BATCH))
            if not batch:
                break
            for entry in batch:
                budget -= 1
                outcome = self.send(entry.body)
                result.last = outcome
                if not self._record(entry.report_id, entry.body, outcome, result):
                    return result
                if stop():
                    return result
        return result

    def _record(self, report_id: str, body: str, outcome: Outcome, result: FlushResult) -> bool:
        """Apply one outcome; False means stop flushing for now."""
        if outcome.kind == "sent":
            self.outbox.remove(report_id)
            self._succeeded()
            self.on_sent(body)
            result.sent.append(report_id)
            return True
        if outcome.kind == "dead":
            self.outbox.kill(report_id, outcome.detail)
            result.dead.append(report_id)
            return True
        self.outbox.note_attempt(report_id)
        if outcome.kind == "retry":
            self._failed(outcome.retry_after)
        return False

    def _succeeded(self) -> None:
        self.outbox.set("failures", 0)
        self.outbox.set("retry_at", 0)
        self.outbox.set("last_success_at", self.clock())

    def _failed(self, retry_after: float | None) -> None:
        failures = int(self.outbox.get("failures"))
        now = self.clock()
        delay = self.backoff.delay(failures, self.rng, retry_after)
        self.outbox.set("failures", failures + 1)
        self.outbox.set("retry_at", now + delay)
        self.outbox.set("hold_until", now + retry_after if retry_after else 0)
