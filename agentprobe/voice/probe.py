"""The voice probe: an RTP-like UDP stream to the collector's reflector, timestamped T1..T4.

`open_target()` asks the collector (HTTPS, agent token) for a reflector session;
`ProbeStream` then sends packets at a fixed interval (20 ms and a codec-sized payload
for a call; slower and smaller for the latency pinger) and records every valid reply.
Pacing, sending and receiving happen in one loop around `select`, so each timestamp is
taken right next to its socket call.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from agentprobe.config.addresses import parse_host_port
from agentprobe.voice import wire
from agentprobe.voice.statistics import Echo

RTP_HEADER_BYTES = 12
DRAIN_S = 1.0  # how long to wait for late replies after the last packet
STATS_TRIES = 5


class ProbeError(Exception):
    """The probe could not start (no session, bad address); the message says why."""


@dataclass(frozen=True)
class ProbeTarget:
    """Where to send, and the session credentials the reflector will accept."""

    host: str
    port: int
    session: bytes
    key: bytes

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def split_host_port(text: str) -> tuple[str, int]:
    """'host:port' or '[v6]:port' -> (host, port). Raises ProbeError."""
    try:
        return parse_host_port(text)
    except ValueError as error:
        raise ProbeError(str(error)) from None


def open_target(http: requests.Session, collector_url: str, override: str = "") -> ProbeTarget:
    """Open a reflector session over HTTPS; send to `override` (host:port) when given."""
    url = collector_url.rstrip("/") + "/api/v1/reflector/sessions"
    try:
        response = http.post(url, json={})
    except requests.RequestException as error:
        raise ProbeError(f"collector unreachable: {type(error).__name__}: {error}") from None
    if response.status_code != 201:
        raise ProbeError(f"collector refused a reflector session: HTTP {response.status_code}")
    body = response.json()
    if override:
        host, port = split_host_port(override)
    else:
        parts = urlsplit(collector_url)
        host, port = parts.hostname or "", parts.port or int(body["udp_port"])
    return ProbeTarget(host, port, bytes.fromhex(body["session_id"]), base64.b64decode(body["key"]))


@dataclass
class ProbeRun:
    """What came back: packets sent, the reflector's accepted count, replies in arrival order."""

    sent: int = 0
    reflected: int = 0
    arrivals: list[Echo] = field(default_factory=list)
    sent_at: list[int] = field(default_factory=list)  # T1 of each sequence number


class ProbeStream:
    """Sends `size`-byte probe packets every `interval_s` and records authentic replies."""

    def __init__(
        self,
        target: ProbeTarget,
        interval_s: float,
        size: int,
        clock: Callable[[], int] = time.perf_counter_ns,
    ) -> None:
        self.target, self.size, self.clock = target, size, clock
        self.interval_ns = int(interval_s * 1e9)
        self.run_result = ProbeRun()
        self._highest_count = -1
        self._stats: int | None = None

    def run(
        self,
        count: int | None = None,
        stop: threading.Event | None = None,
        progress: Callable[[float], None] = lambda fraction: None,
    ) -> ProbeRun:
        """Send `count` packets (or until `stop` is set), drain late replies, fetch counts."""
        with self._socket() as sock:
            self._send_all(sock, count, stop, progress)
            self._drain(sock)
            self.run_result.reflected = self._reflected(sock)
        return self.run_result

    def _socket(self) -> socket.socket:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                self.target.host, self.target.port, type=socket.SOCK_DGRAM
            )[0]
        except OSError as error:
            raise ProbeError(f"cannot resolve {self.target.address}: {error}") from None
        sock = socket.socket(family, kind, proto)
        sock.connect(address)
        sock.setblocking(False)
        return sock

    def _send_all(
        self,
        sock: socket.socket,
        count: int | None,
        stop: threading.Event | None,
        progress: Callable[[float], None],
    ) -> None:
        run, start = self.run_result, self.clock()
        while (count is None or run.sent < count) and not (stop and stop.is_set()):
            due = start + run.sent * self.interval_ns
            now = self.clock()
            if now < due:
                self._receive(sock, (due - now) / 1e9)
                continue
            self._send(sock, wire.PROBE, run.sent)
            run.sent += 1
            if count and run.sent % 25 == 0:
                progress(run.sent / count)

    def _send(self, sock: socket.socket, kind: int, seq: int) -> None:
        t1 = self.clock()
        packet = wire.request(self.target.key, self.target.session, seq, t1, self.size, kind=kind)
        if kind == wire.PROBE:
            self.run_result.sent_at.append(t1)
        # An unreachable reflector shows up as loss, which is the finding.
        with contextlib.suppress(OSError):
            sock.send(packet)

    def _receive(self, sock: socket.socket, timeout: float) -> int:
        """Wait up to `timeout` s, then read every queued datagram. Returns replies parsed."""
        ready, _, _ = select.select([sock], [], [], max(0.0, timeout))
        parsed = 0
        while ready:
            try:
                packet = sock.recv(wire.MAX_PACKET_BYTES)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:  # ICMP unreachable surfaces as ECONNREFUSED on the next read
                break
            t4 = self.clock()
            parsed += self._record(packet, t4)
        return parsed

    def _record(self, packet: bytes, t4: int) -> int:
        reply = wire.parse_reply(self.target.key, self.target.session, packet)
        run = self.run_result
        if reply is None or reply.kind != wire.REPLY or reply.seq >= run.sent:
            if reply is not None and reply.kind == wire.STATS_REPLY:
                self._stats = reply.count
            return 0
        if reply.t1_ns != run.sent_at[reply.seq]:
            return 0  # not the packet we sent under that number
        self._highest_count = max(self._highest_count, reply.count)
        run.arrivals.append(Echo(reply.seq, reply.t1_ns, reply.t2_ns, reply.t3_ns, t4, reply.count))
        return 1

    def _drain(self, sock: socket.socket) -> None:
        deadline = self.clock() + int(DRAIN_S * 1e9)
        answered = {s.seq for s in self.run_result.arrivals}
        while len(answered) < self.run_result.sent and self.clock() < deadline:
            if self._receive(sock, (deadline - self.clock()) / 1e9):
                answered = {s.seq for s in self.run_result.arrivals}

    def _reflected(self, sock: socket.socket) -> int:
        """How many packets the reflector accepted: asked at the end, since the last
        replies may be lost; else the highest count seen in a reply."""
        self._stats = None
        for attempt in range(STATS_TRIES):
            self._send(sock, wire.STATS, 0x7FFFFFFF - attempt)
            deadline = self.clock() + 200_000_000
            while self._stats is None and self.clock() < deadline:
                self._receive(sock, (deadline - self.clock()) / 1e9)
            if self._stats is not None:
                return self._stats
        return self._highest_count + 1
