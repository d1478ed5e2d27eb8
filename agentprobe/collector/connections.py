"""The collector's HTTP/1.1 protocol: uvicorn's httptools protocol with deadlines and caps.

uvicorn arms its keep-alive timer only after a response, and cancels it on any byte
received, so a client that connects and then sends nothing, or sends its headers a byte
at a time, holds a descriptor for as long as it likes. This subclass closes such
connections: the request line and headers must be complete within `header_timeout_s` of
the connection opening (after the TLS handshake) or of the previous response, and at
most `header_bytes` long. It also refuses connections beyond a total and a per-address
cap, so one source cannot take every descriptor (the slowloris attack, CVE-2007-6750).
Body deadlines and sizes are enforced per route by `limits.BodyLimits`.

uvicorn's own `limit_concurrency` is not used: it answers 503 to requests beyond its
count but still accepts and keeps the sockets, which is what exhausts descriptors.
Connections are closed without an answer when a cap is hit (no request has been read
yet); an over-long header block gets uvicorn's plain 400 and a close. A connection being
closed after a refused body stops being read and is aborted at the same deadline, so a
client cannot keep streaming a refused 512 MiB body into it.
"""

from __future__ import annotations

import asyncio
import resource
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT_S = 10.0
HEADER_BYTES = 16 * 1024
PER_ADDRESS = 32
MAX_CONNECTIONS = 1024
RESERVED_DESCRIPTORS = 64  # the database, log files, the reflector, the TLS files


def descriptor_cap(wanted: int = MAX_CONNECTIONS) -> int:
    """`wanted`, lowered to fit under this process's open-file limit with a reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft - RESERVED_DESCRIPTORS))


@dataclass
class ConnectionGuard:
    """Shared by every connection of one server: the caps and who holds how many."""

    header_timeout_s: float = HEADER_TIMEOUT_S
    header_bytes: int = HEADER_BYTES
    per_address: int = PER_ADDRESS
    total: int = field(default_factory=descriptor_cap)
    held: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    timed_out: int = 0

    def admit(self, address: str) -> bool:
        """Count a new connection from `address`, or False when a cap says no."""
        if sum(self.held.values()) >= self.total or self.held[address] >= self.per_address:
            self.refused += 1
            return False
        self.held[address] += 1
        return True

    def figures(self) -> tuple[int, int, int]:
        """(open, refused, timed out) for /metrics."""
        return sum(self.held.values()), self.refused, self.timed_out

    def release(self, address: str) -> None:
        self.held[address] -= 1
        if self.held[address] <= 0:
            del self.held[address]


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol plus the header deadline and the connection caps."""

    guard = ConnectionGuard()  # replaced per server by `protocol_class`

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._address: str | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._header_size = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
        if not self.guard.admit(address):
            transport.abort()
            return
        self._address = address
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._address is None:  # refused in connection_made: uvicorn never saw it
            return
        self._disarm()
        self.guard.release(self._address)
        self._address = None
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        self._header_size = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        refused_body = self.cycle is not None and self.cycle.more_body
        if self.transport.is_closing() and refused_body:
            # Closing with the request body still arriving (answered 413 or 408): stop
            # reading it; the deadline below aborts the connection if the close stalls.
            self.transport.pause_reading()
        self._arm()

    def _count(self, size: int) -> None:
        self._header_size += size
        if self._header_size > self.guard.header_bytes and not self.transport.is_closing():
            self._disarm()
            self.send_400_response("Request header block too large.")

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.guard.header_timeout_s, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        self.guard.timed_out += 1
        if self.transport.is_closing():
            self.transport.abort()  # a TLS close that waits on a peer still sending
        else:
            self.transport.close()


def protocol_class(guard: ConnectionGuard) -> type[GuardedHttpProtocol]:
    """A protocol class bound to one server's guard (uvicorn instantiates it per connection)."""
    return type("CollectorHttpProtocol", (GuardedHttpProtocol,), {"guard": guard})
