"""The collector's UDP reflector: answers voice-probe packets of sessions opened over HTTPS.

An enrolled agent opens a session through `POST /api/v1/reflector/sessions` and gets a
session id and key. The reflector then echoes that session's packets (see
`agentprobe.voice.wire`), stamping T2/T3, and ignores everything else: unknown or
expired sessions, bad MACs, short or malformed packets, and packets beyond the
session's rate limit. A reply is never longer than its request. One asyncio endpoint
serves every agent at once.

Sessions need no shared memory between collectors: a session id is its expiry (4 bytes,
seconds since the epoch) and 4 random bytes, and its key is HMAC-SHA256 (RFC 2104) of the
id under a secret every collector reads from the database (`store/keyring.py`). So a
session opened over HTTPS on one collector is answered by any other: each derives the key,
checks the packet's MAC and the expiry, and keeps its rate-limit buckets and counters for
the session only locally, created on the session's first valid packet. A UDP load balancer
that hashes the 5-tuple (as Linux does across SO_REUSEPORT sockets) keeps one probe's
packets on one collector, so those counters still see the whole probe.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import secrets
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from agentprobe.voice import wire

SESSION_TTL_S = 300.0
MAX_PPS = 120.0  # a G.711 probe sends 50 packets/s, the latency pinger 10
MAX_BYTES_PER_S = 40_000.0  # about 320 kbps: three probes' worth, never a flood
MAX_SESSIONS = 20_000
MAX_SESSIONS_PER_AGENT = 8
RECEIVE_BUFFER_BYTES = 4 * 2**20
CLOCK_SKEW_S = 30.0  # how far another collector's clock may run ahead of ours


@dataclass
class Bucket:
    """A token bucket: `rate` tokens per second, holding at most one second's worth."""

    rate: float
    tokens: float
    stamp: float

    def take(self, amount: float, now: float) -> bool:
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < amount:
            return False
        self.tokens -= amount
        return True


@dataclass
class Session:
    key: bytes
    expires: float
    packets: Bucket
    volume: Bucket
    accepted: int = 0
    limited: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Counters:
    """What the reflector did since it started (for /metrics and the bench)."""

    replied: int = 0
    ignored: int = 0
    limited: int = 0


def session_expiry(session_id: bytes) -> int:
    """When a session ends (seconds since the epoch): its id's first four bytes."""
    return int.from_bytes(session_id[:4], "big")


class Reflector:
    """UDP echo for authenticated probe sessions. `start()` binds, `stop()` closes."""

    def __init__(
        self,
        ttl_s: float = SESSION_TTL_S,
        max_pps: float = MAX_PPS,
        max_bytes_per_s: float = MAX_BYTES_PER_S,
        clock: Callable[[], float] = time.time,
        stamp: Callable[[], int] = time.time_ns,
        secret: bytes | None = None,
    ) -> None:
        """`clock` is wall-clock seconds (expiries are shared between collectors); `secret`
        is the cluster's reflector secret, random (this process only) when None."""
        self.ttl_s, self.max_pps, self.max_bytes_per_s = ttl_s, max_pps, max_bytes_per_s
        self.clock, self.stamp = clock, stamp
        self.secret = secret if secret is not None else secrets.token_bytes(32)
        self.sessions: OrderedDict[bytes, Session] = OrderedDict()
        self.opened: dict[str, list[tuple[bytes, float]]] = {}  # agent -> (id, expiry), here
        self.closed: dict[bytes, float] = {}  # evicted by the per-agent cap, until expiry
        self.counters = Counters()
        self.host: str | None = None
        self.port: int | None = None
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self, host: str, port: int, reuse_port: bool = False) -> None:
        """Listen on UDP `host:port` (port 0 picks a free one; see `.port`); `reuse_port`
        shares it with this host's other collectors (SO_REUSEPORT)."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(host, port), reuse_port=reuse_port or None
        )
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:  # absorb bursts from many probers (the kernel caps it)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        self.host, self.port = host, transport.get_extra_info("sockname")[1]

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    @property
    def running(self) -> bool:
        return self._transport is not None

    def key_for(self, session_id: bytes) -> bytes:
        """The session's key: HMAC-SHA256(secret, label + id), the same on every collector."""
        return hmac.digest(self.secret, b"agentprobe-reflector-session:" + session_id, "sha256")

    def open_session(self, agent_id: str) -> dict[str, Any]:
        """A new session for `agent_id`: what the agent needs to probe (JSON-ready)."""
        now = self.clock()
        expires = int(now + self.ttl_s)
        session_id = expires.to_bytes(4, "big") + secrets.token_bytes(wire.SESSION_BYTES - 4)
        key = self.key_for(session_id)
        self._cap(now, agent_id)
        self.opened.setdefault(agent_id, []).append((session_id, expires))
        self._track(session_id, key, expires, now)
        expires_at = datetime.fromtimestamp(expires, UTC)
        return {
            "session_id": session_id.hex(),
            "key": base64.b64encode(key).decode(),
            "udp_port": self.port,
            "expires_in_s": self.ttl_s,
            "expires_at": expires_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "max_pps": self.max_pps,
            "max_bytes_per_s": self.max_bytes_per_s,
            "min_packet_bytes": wire.MIN_PACKET_BYTES,
            "max_packet_bytes": wire.MAX_PACKET_BYTES,
        }

    def close_agent(self, agent_id: str) -> int:
        """End at once every session this collector opened for `agent_id` (its token was
        revoked or replaced). Other collectors learn it from the database within seconds
        (`store/reflector_sessions.py`) and call `close`."""
        mine = self.opened.pop(agent_id, [])
        self.close(mine)
        return len(mine)

    def close(self, ended: Iterable[tuple[bytes, float]]) -> int:
        """Stop answering these sessions, (id, expiry) each, seen here or not; how many
        were not closed already."""
        fresh = 0
        for sid, end in ended:
            self.sessions.pop(sid, None)
            fresh += sid not in self.closed
            self.closed[sid] = end
        return fresh

    def _track(self, session_id: bytes, key: bytes, expires: float, now: float) -> Session:
        while len(self.sessions) >= MAX_SESSIONS:
            self.sessions.popitem(last=False)
        session = Session(
            key,
            expires,
            Bucket(self.max_pps, self.max_pps, now),
            Bucket(self.max_bytes_per_s, self.max_bytes_per_s, now),
        )
        self.sessions[session_id] = session
        return session

    def _cap(self, now: float, agent_id: str) -> None:
        """Forget expired sessions; close this agent's oldest beyond the per-agent cap.

        The cap counts the sessions opened on this collector (and closes them here only).
        """
        for sid in [sid for sid, s in self.sessions.items() if s.expires <= now]:
            del self.sessions[sid]
        self.closed = {sid: end for sid, end in self.closed.items() if end > now}
        mine = [(sid, end) for sid, end in self.opened.get(agent_id, []) if end > now]
        for sid, end in mine[: max(0, len(mine) - MAX_SESSIONS_PER_AGENT + 1)]:
            self.sessions.pop(sid, None)
            self.closed[sid] = end
        self.opened[agent_id] = mine[max(0, len(mine) - MAX_SESSIONS_PER_AGENT + 1) :]
        if not self.opened[agent_id]:
            del self.opened[agent_id]

    def _session(self, sid: bytes | None, packet: bytes, now: float) -> Session | None:
        """The session a packet belongs to, if its MAC is good and it has not expired."""
        if sid is None or sid in self.closed:
            return None
        session = self.sessions.get(sid)
        if session is None:
            expires = session_expiry(sid)
            if expires <= now or expires > now + self.ttl_s + CLOCK_SKEW_S:
                return None
            key = self.key_for(sid)
            if not wire.verified(key, packet):
                return None
            return self._track(sid, key, expires, now)
        if session.expires <= now or not wire.verified(session.key, packet):
            return None
        return session

    def answer(self, packet: bytes) -> bytes | None:
        """The reply to one datagram, or None when it must be ignored."""
        t2 = self.stamp()
        now = self.clock()
        session = self._session(wire.session_of(packet), packet, now)
        if session is None:
            self.counters.ignored += 1
            return None
        kind = wire.kind_of(packet)
        if kind not in (wire.PROBE, wire.STATS):
            self.counters.ignored += 1
            return None
        if not (session.packets.take(1, now) and session.volume.take(len(packet), now)):
            session.limited += 1
            self.counters.limited += 1
            return None
        if kind == wire.STATS:
            count, limited = session.accepted, session.limited
        else:
            count, limited = session.accepted, 0
            session.accepted += 1
        self.counters.replied += 1
        return wire.reply_to(session.key, packet, t2, self.stamp(), count, limited)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, reflector: Reflector) -> None:
        self.reflector = reflector
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        reply = self.reflector.answer(data)
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP errors from a departed prober are routine for UDP; nothing to do.
        pass
