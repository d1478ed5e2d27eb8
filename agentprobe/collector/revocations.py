"""Ending here the reflector sessions of agents cut off on any collector.

A revocation, release or new enrolment through this collector closes its own sessions at
once (`Security.cut_off`); through another collector, or through the CLI, it reaches this
one by the database: every `POLL_S` this task asks which live sessions belong to agents
that have lost their token since (`store/reflector_sessions.cut_off`) and stops
answering them, whichever collector opened them. Now and then it also deletes the rows
of sessions long expired.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from agentprobe.collector.reflector import Reflector
from agentprobe.collector.store import reflector_sessions

log = logging.getLogger("agentprobe.collector")
POLL_S = 2.0
FORGET_EVERY = 30  # polls between purges of expired rows: once a minute


async def follow_revocations(
    engine: Engine,
    reflector: Reflector,
    poll_s: float = POLL_S,
    clock: Callable[[], float] = time.time,
) -> None:
    """Run until cancelled; a failing poll is logged and the next one tries again."""
    polls = 0
    while True:
        await asyncio.sleep(poll_s)
        polls += 1
        try:
            now = clock()
            ended = await asyncio.to_thread(reflector_sessions.cut_off, engine, now)
            if closed := reflector.close(ended):
                log.info("closed %d reflector sessions of agents cut off elsewhere", closed)
            if polls % FORGET_EVERY == 0:
                await asyncio.to_thread(reflector_sessions.forget_expired, engine, now)
        except Exception:
            log.exception("reading revoked reflector sessions failed; trying again")
