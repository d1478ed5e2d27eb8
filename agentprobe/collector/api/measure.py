"""What agents measure against: reflector sessions and Speedtest-Mini-compatible endpoints.

The bandwidth endpoints follow the Speedtest Mini layout that speedtest-cli's engine
drives (`latency.txt`, `random{N}x{N}.jpg`, `upload.php`), on the collector's HTTPS port
and for enrolled agents only. Download bodies are random bytes (so no compression on the
path can flatter the figure), streamed from one cached block; upload bodies are counted
and dropped.

Each agent has a request budget and a byte budget (`MeasureBudget`), far above what its
bandwidth and voice tests use (a few MB and a few hundred requests per test) and far
below what one token could pull to load the collector: beyond them the answer is 429
with Retry-After, a download under way is cut short, and `/metrics` counts both.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from agentprobe.collector.auth import require_agent
from agentprobe.collector.buckets import KeyedBuckets
from agentprobe.collector.errors import ApiError
from agentprobe.collector.metrics import CollectorMetrics
from agentprobe.collector.reflector import session_expiry
from agentprobe.collector.store import reflector_sessions

router = APIRouter()

MAX_SIDE = 4000  # speedtest-cli's largest image, random4000x4000.jpg (about 32 MB)
MAX_UPLOAD_BYTES = 64 * 2**20
_CHUNK = 64 * 1024
_BLOCK = os.urandom(1 * 2**20)
_SIZE = re.compile(r"^random(\d{1,4})x(\d{1,4})\.jpg$")
BYTES_BURST = 512 * 2**20  # per agent; a bandwidth test on a fast link uses a few MB
REQUESTS_BURST = 1000.0  # a test's downloads, uploads and 10/s latency pings
REQUESTS_PER_S = 10.0


def byte_budget(burst: float = BYTES_BURST) -> KeyedBuckets:
    """Per-agent byte buckets: `burst` bytes, the whole of it back within an hour."""
    return KeyedBuckets(burst / 3600, burst)


@dataclass
class MeasureBudget:
    """Per-agent request and byte budgets of the measurement endpoints."""

    metrics: CollectorMetrics
    requests: KeyedBuckets = field(
        default_factory=lambda: KeyedBuckets(REQUESTS_PER_S, REQUESTS_BURST)
    )
    volume: KeyedBuckets = field(default_factory=byte_budget)

    def admit(self, agent_id: str) -> None:
        """Spend one request, or raise the 429 (none is spent while under a chunk is left)."""
        if not self.volume.allowed(agent_id, _CHUNK):
            self._refuse("measure_bytes", self.volume.wait_s(agent_id, _CHUNK))
        if not self.requests.take(agent_id):
            self._refuse("measure_requests", self.requests.wait_s(agent_id))

    def spend(self, agent_id: str, direction: str, size: int) -> bool:
        """Charge `size` bytes; False once the agent's byte budget is spent."""
        self.metrics.measure_bytes.labels(direction).inc(size)
        return self.volume.take(agent_id, size)

    def _refuse(self, limit: str, wait_s: int) -> None:
        self.metrics.limited.labels(limit).inc()
        raise ApiError(
            429,
            "too_many_requests",
            f"this agent's {limit.replace('_', ' ')} budget is spent; retry in {wait_s} s",
            {"Retry-After": str(wait_s)},
        )


def _budget(request: Request) -> MeasureBudget:
    budget: MeasureBudget = request.app.state.measure_budget
    return budget


async def budgeted_agent(request: Request, agent_id: str = Depends(require_agent)) -> str:
    """FastAPI dependency: the agent behind the token, within its measurement budget."""
    _budget(request).admit(agent_id)
    return agent_id


def download_bytes(side: int) -> int:
    """Body size of random{side}x{side}.jpg: about the size of speedtest.net's images."""
    return 2 * side * side


@router.post("/api/v1/reflector/sessions", status_code=201, tags=["measure"])
async def open_reflector_session(
    request: Request, agent_id: str = Depends(budgeted_agent)
) -> dict[str, Any]:
    """Open a voice-probe session: session id, key, UDP port and expiry."""
    reflector = getattr(request.app.state, "reflector", None)
    if reflector is None or not reflector.running:
        raise ApiError(503, "unavailable", "the voice reflector is not running on this collector")
    session: dict[str, Any] = reflector.open_session(agent_id)
    session_id = bytes.fromhex(session["session_id"])
    expires = float(session_expiry(session_id))
    try:  # every collector must be able to end it: no record, no session
        await run_in_threadpool(
            reflector_sessions.record, request.app.state.engine, session_id, agent_id,
            reflector.clock(), expires,
        )  # fmt: skip
    except Exception as error:
        reflector.close([(session_id, expires)])
        raise ApiError(503, "unavailable", "the session could not be recorded") from error
    return session


@router.get("/speedtest/latency.txt", response_class=PlainTextResponse, tags=["measure"])
async def latency(agent_id: str = Depends(budgeted_agent)) -> str:
    return "test=test"


@router.get("/speedtest/{name}", tags=["measure"])
async def download(
    request: Request, name: str, agent_id: str = Depends(budgeted_agent)
) -> StreamingResponse:
    """random{N}x{N}.jpg: 2·N² random bytes, N up to 4000."""
    match = _SIZE.match(name)
    if not match or match[1] != match[2] or not 0 < int(match[1]) <= MAX_SIDE:
        raise ApiError(404, "not_found", f"no such file: {name} (random{{N}}x{{N}}.jpg, N<=4000)")
    total = download_bytes(int(match[1]))
    headers = {"Content-Length": str(total), "Cache-Control": "no-store"}
    stream = _stream(total, lambda size: _budget(request).spend(agent_id, "download", size))
    return StreamingResponse(stream, media_type="image/jpeg", headers=headers)


async def _stream(total: int, spend: Callable[[int], bool]) -> AsyncIterator[bytes]:
    """The body in chunks while the budget lasts; cut short (a broken body) once spent."""
    sent = 0
    while sent < total:
        offset = sent % (len(_BLOCK) - _CHUNK)
        piece = _BLOCK[offset : offset + min(_CHUNK, total - sent)]
        if not spend(len(piece)):
            return
        sent += len(piece)
        yield piece


@router.post("/speedtest/upload.php", response_class=PlainTextResponse, tags=["measure"])
async def upload(request: Request, agent_id: str = Depends(budgeted_agent)) -> str:
    """Read and drop the body; answer `size=<bytes>` as Speedtest Mini does."""
    size, budget = 0, _budget(request)
    async for chunk in request.stream():
        size += len(chunk)
        if not budget.spend(agent_id, "upload", len(chunk)):
            budget.admit(agent_id)  # raises the 429
        if size > MAX_UPLOAD_BYTES:
            raise ApiError(413, "too_large", f"upload bodies are limited to {MAX_UPLOAD_BYTES}")
    return f"size={size}"
