"""The alerting loop inside `collector serve`: evaluate the rules, then send what is due.

Runs in the app's lifespan, one round every `[alerts] interval`, its database work in a
worker thread. A failing round is logged and the next one runs as usual.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import requests
from sqlalchemy.engine import Engine

from agentprobe.collector.alerts import ledger
from agentprobe.collector.alerts.delivery import Poster, deliver_due
from agentprobe.collector.alerts.evaluator import evaluate
from agentprobe.collector.alerts.rules import AlertConfig

log = logging.getLogger("agentprobe.collector.alerts")


class AlertService:
    """Rules and webhooks over one database."""

    def __init__(
        self,
        engine: Engine,
        config: AlertConfig,
        poster: Poster | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine, self.config, self.clock = engine, config, clock
        self.poster: Poster = poster or requests.Session()

    def round(self) -> list[dict[str, Any]]:
        """Evaluate once and send what is due; returns the notices raised or cleared."""
        notices = evaluate(self.engine, self.config, self.clock()) or []
        for notice in notices:
            log.info("alert %s %s: %s", notice["alert"], notice["state"], notice["summary"])
        deliver_due(self.engine, list(self.config.webhooks), self.poster, self.clock)
        return notices

    def active(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return ledger.active(connection)

    def deliveries(self, limit: int = 200) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return ledger.deliveries(connection, limit)

    async def run_forever(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.round)
            except Exception:
                log.exception("alert round failed; the next one runs as usual")
            await asyncio.sleep(self.config.alerts.interval)
