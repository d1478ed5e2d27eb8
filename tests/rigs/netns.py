"""Real network paths for tests: a namespace behind a tbf-shaped veth pair, and a UDP relay.

`shaped_namespace()` creates a network namespace joined to this one by a veth pair,
shapes each direction with tbf (rate and queue length, so bufferbloat is real), and
removes everything afterwards. Shaping the host end limits traffic *into* the namespace
(the agent's upload when the collector runs inside); shaping the namespace end limits
the download.

netem is not available on these machines, so `UdpRelay` adds delay, jitter and loss in
user space: a seeded RNG decides each packet's fate, and the relay records what it did
so tests can compare the probe's findings with the truth.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import random
import select
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

_counter = itertools.count()


def available() -> str | None:
    """Why shaped namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "needs root for ip netns and tc"
    if not shutil.which("ip") or not shutil.which("tc"):
        return "needs iproute2 (ip, tc)"
    return None


def sh(*args: str, netns: str | None = None) -> None:
    command = ["ip", "netns", "exec", netns, *args] if netns else list(args)
    subprocess.run(command, check=True, capture_output=True, timeout=20)


@dataclass
class ShapedLink:
    """A namespace and the veth pair to it; addresses are a /30 of 10.213.0.0/16."""

    netns: str
    host_if: str
    ns_if: str
    host_ip: str
    ns_ip: str

    def shape(self, down_kbit: int, up_kbit: int, queue_ms: int) -> None:
        """tbf each way: `down` towards this namespace's peer, `up` into the namespace."""
        for device, rate, netns in (
            (self.ns_if, down_kbit, self.netns),
            (self.host_if, up_kbit, None),
        ):
            burst = max(4096, rate * 1000 // 8 // 100)  # about 10 ms at the rate
            sh(
                "tc", "qdisc", "replace", "dev", device, "root", "tbf",
                "rate", f"{rate}kbit", "burst", str(burst), "latency", f"{queue_ms}ms",
                netns=netns,
            )  # fmt: skip

    def unshape(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            sh("tc", "qdisc", "del", "dev", self.ns_if, "root", netns=self.netns)
        with contextlib.suppress(subprocess.CalledProcessError):
            sh("tc", "qdisc", "del", "dev", self.host_if, "root")


@contextlib.contextmanager
def shaped_namespace() -> Iterator[ShapedLink]:
    """A fresh namespace joined by veth; deleted (with its qdiscs) on exit."""
    n = next(_counter)
    tag = f"{os.getpid() % 100000}{n}"
    subnet = 20 + (os.getpid() + n) % 200
    link = ShapedLink(
        netns=f"apnq{tag}",
        host_if=f"apq{tag}h",
        ns_if=f"apq{tag}n",
        host_ip=f"10.213.{subnet}.1",
        ns_ip=f"10.213.{subnet}.2",
    )
    sh("ip", "netns", "add", link.netns)
    try:
        sh("ip", "link", "add", link.host_if, "type", "veth", "peer", "name", link.ns_if)
        sh("ip", "link", "set", link.ns_if, "netns", link.netns)
        sh("ip", "addr", "add", f"{link.host_ip}/30", "dev", link.host_if)
        sh("ip", "link", "set", link.host_if, "up")
        sh("ip", "addr", "add", f"{link.ns_ip}/30", "dev", link.ns_if, netns=link.netns)
        sh("ip", "link", "set", link.ns_if, "up", netns=link.netns)
        sh("ip", "link", "set", "lo", "up", netns=link.netns)
        yield link
    finally:
        link.unshape()
        with contextlib.suppress(subprocess.CalledProcessError):
            sh("ip", "link", "del", link.host_if)  # removes the peer too
        sh("ip", "netns", "del", link.netns)


@contextlib.contextmanager
def empty_namespace() -> Iterator[str]:
    """A namespace with only a loopback: nothing outside it can be reached."""
    name = f"apnqe{os.getpid() % 100000}{next(_counter)}"
    sh("ip", "netns", "add", name)
    try:
        sh("ip", "link", "set", "lo", "up", netns=name)
        yield name
    finally:
        sh("ip", "netns", "del", name)


@dataclass(frozen=True)
class Impairment:
    """One direction's impairment: fixed delay, uniform jitter (±), random loss probability."""

    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    loss: float = 0.0


@dataclass
class Direction:
    """What the relay did to one direction's probe packets (kind byte 1 or 2)."""

    impairment: Impairment
    passed: int = 0
    dropped: int = 0
    added_ms: list[float] = field(default_factory=list)  # per passed packet, in order

    @property
    def loss_pct(self) -> float:
        total = self.passed + self.dropped
        return 100.0 * self.dropped / total if total else 0.0


class UdpRelay:
    """Forwards UDP between one client and `upstream`, impairing each direction."""

    PROBE_KINDS = (1, 2)  # agentprobe.voice.wire probe and reply

    def __init__(
        self, upstream: tuple[str, int], up: Impairment, down: Impairment, seed: int = 1
    ) -> None:
        self.upstream, self.rng = upstream, random.Random(seed)
        self.up, self.down = Direction(up), Direction(down)
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.connect(upstream)
        self.client: tuple[str, int] | None = None
        self._queue: list[tuple[float, int, bool, bytes]] = []
        self._order = itertools.count()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def address(self) -> str:
        host, port = self.front.getsockname()
        return f"{host}:{port}"

    def __enter__(self) -> UdpRelay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.front.close()
        self.back.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.perf_counter()
            while self._queue and self._queue[0][0] <= now:
                _, _, upward, data = heapq.heappop(self._queue)
                if upward:
                    self.back.send(data)
                elif self.client:
                    self.front.sendto(data, self.client)
            wait = min(0.05, self._queue[0][0] - now) if self._queue else 0.05
            ready, _, _ = select.select([self.front, self.back], [], [], max(0.0, wait))
            for sock in ready:
                self._accept(sock)

    def _accept(self, sock: socket.socket) -> None:
        if sock is self.front:
            data, self.client = sock.recvfrom(2048)
            direction, upward = self.up, True
        else:
            data, upward = sock.recv(2048), False
            direction = self.down
        rule, counted = direction.impairment, len(data) > 1 and data[1] in self.PROBE_KINDS
        if self.rng.random() < rule.loss:
            direction.dropped += counted
            return
        added = max(0.0, rule.delay_ms + self.rng.uniform(-rule.jitter_ms, rule.jitter_ms))
        if counted:
            direction.passed += 1
            direction.added_ms.append(added)
        due = time.perf_counter() + added / 1000
        heapq.heappush(self._queue, (due, next(self._order), upward, data))
