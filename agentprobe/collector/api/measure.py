"""What agents measure against: reflector sessions and Speedtest-Mini-compatible endpoints.

The bandwidth endpoints follow the Speedtest Mini layout that speedtest-cli's engine
drives (`latency.txt`, `random{N}x{N}.jpg`, `upload.php`), on the collector's HTTPS port
and for enrolled agents only. Download bodies are random bytes (so no compression on the
path can flatter the figure), streamed from one cached block; upload bodies are counted
and dropped.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from agentprobe.collector.auth import require_agent
from agentprobe.collector.errors import ApiError

router = APIRouter()

MAX_SIDE = 4000  # speedtest-cli's largest image, random4000x4000.jpg (about 32 MB)
MAX_UPLOAD_BYTES = 64 * 2**20
_CHUNK = 64 * 1024
_BLOCK = os.urandom(1 * 2**20)
_SIZE = re.compile(r"^random(\d{1,4})x(\d{1,4})\.jpg$")


def download_bytes(side: int) -> int:
    """Body size of random{side}x{side}.jpg: about the size of speedtest.net's images."""
    return 2 * side * side


@router.post("/api/v1/reflector/sessions", status_code=201, tags=["measure"])
async def open_reflector_session(
    request: Request, agent_id: str = Depends(require_agent)
) -> dict[str, Any]:
    """Open a voice-probe session: session id, key, UDP port and expiry."""
    reflector = getattr(request.app.state, "reflector", None)
    if reflector is None or not reflector.running:
        raise ApiError(503, "unavailable", "the voice reflector is not running on this collector")
    session: dict[str, Any] = reflector.open_session(agent_id)
    return session


@router.get("/speedtest/latency.txt", response_class=PlainTextResponse, tags=["measure"])
async def latency(agent_id: str = Depends(require_agent)) -> str:
    return "test=test"


@router.get("/speedtest/{name}", tags=["measure"])
async def download(name: str, agent_id: str = Depends(require_agent)) -> StreamingResponse:
    """random{N}x{N}.jpg: 2·N² random bytes, N up to 4000."""
    match = _SIZE.match(name)
    if not match or match[1] != match[2] or not 0 < int(match[1]) <= MAX_SIDE:
        raise ApiError(404, "not_found", f"no such file: {name} (random{{N}}x{{N}}.jpg, N<=4000)")
    total = download_bytes(int(match[1]))
    headers = {"Content-Length": str(total), "Cache-Control": "no-store"}
    return StreamingResponse(_stream(total), media_type="image/jpeg", headers=headers)


async def _stream(total: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        offset = sent % (len(_BLOCK) - _CHUNK)
        piece = _BLOCK[offset : offset + min(_CHUNK, total - sent)]
        sent += len(piece)
        yield piece


@router.post("/speedtest/upload.php", response_class=PlainTextResponse, tags=["measure"])
async def upload(request: Request, agent_id: str = Depends(require_agent)) -> str:
    """Read and drop the body; answer `size=<bytes>` as Speedtest Mini does."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise ApiError(413, "too_large", f"upload bodies are limited to {MAX_UPLOAD_BYTES}")
    return f"size={size}"
