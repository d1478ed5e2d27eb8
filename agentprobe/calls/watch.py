"""The capture engine loop: datagrams from a source into the call tracker, records out.

`watch` reads what the source captured in short waits, feeds it to the tracker in time
order, expires calls that fell silent on a regular tick and, when the run ends (its
time is up, the input ended, or `stop` was set by SIGTERM/SIGINT), finishes the calls
still open. Each finished call goes to `emit` as soon as it is known. Which addresses
are this host's comes from the interfaces (refreshed on the tick, as DHCP and VPNs
change them); remotes are only ever seen by the tracker through `hash_remote`.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Protocol

from agentprobe.calls.capture.source import PacketSource
from agentprobe.calls.record import CallRecord
from agentprobe.calls.tracker import Datagram

TICK_S = 0.25  # the longest wait for packets, so a stop or a deadline is noticed quickly
REFRESH_S = 10.0  # how often the host's own addresses are read again


class Tracker(Protocol):
    """What the loop needs of `agentprobe.calls.tracker.CallTracker`."""

    def feed(self, datagram: Datagram) -> None: ...
    def expire(self, now: float) -> list[CallRecord]: ...
    def finish(self) -> list[CallRecord]: ...


@dataclass
class WatchSummary:
    """What one run saw: datagrams captured, calls finished, packets the kernel dropped."""

    datagrams: int = 0
    calls: int = 0
    kernel_drops: int = 0


@dataclass
class Clocks:
    """Elapsed time for the run's length, and epoch time (the kernel's timestamps)."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time


def watch(
    source: PacketSource,
    tracker: Tracker,
    emit: Callable[[CallRecord], None],
    seconds: float | None = None,
    stop: threading.Event | None = None,
    clocks: Clocks | None = None,
    tick: Callable[[], None] = lambda: None,
) -> WatchSummary:
    """Run until `seconds` pass (None: until stopped or the input ends); see the module."""
    stop, clocks = stop or threading.Event(), clocks or Clocks()
    summary = WatchSummary()
    deadline = None if seconds is None else clocks.monotonic() + seconds
    try:
        while not stop.is_set():
            left = TICK_S if deadline is None else min(TICK_S, deadline - clocks.monotonic())
            batch = source.read(max(0.0, left))
            if batch is None:
                break
            for datagram in batch:
                tracker.feed(datagram)
            summary.datagrams += len(batch)
            summary.calls += _emit_all(tracker.expire(clocks.wall()), emit)
            tick()
            if deadline is not None and clocks.monotonic() >= deadline:
                break
    finally:  # even when the source fails, the calls measured so far are reported
        summary.calls += _emit_all(tracker.finish(), emit)
    summary.kernel_drops = source.drops()
    return summary


def _emit_all(records: list[CallRecord], emit: Callable[[CallRecord], None]) -> int:
    for record in records:
        emit(record)
    return len(records)


class LocalAddresses:
    """This host's IP addresses, read from the interfaces at most every REFRESH_S."""

    def __init__(
        self, read: Callable[[], set[str]], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.read, self.clock = read, clock
        self.addresses, self.read_at = read(), clock()

    def __call__(self, address: str) -> bool:
        return address in self.addresses

    def refresh(self) -> None:
        if self.clock() - self.read_at >= REFRESH_S:
            self.addresses, self.read_at = self.read(), self.clock()


def interface_addresses() -> set[str]:
    """Every IPv4 and IPv6 address on this host's interfaces (scope suffixes removed)."""
    import socket

    import psutil

    families = (socket.AF_INET, socket.AF_INET6)
    return {
        entry.address.split("%")[0]
        for entries in psutil.net_if_addrs().values()
        for entry in entries
        if entry.family in families
    }


def remote_hasher(data_dir: Path) -> Callable[[str], str]:
    """Salted hashes of remote addresses with this install's salt (one salt read per run)."""
    from agentprobe.privacy import hash_locator

    @functools.lru_cache(maxsize=4096)
    def hashed(address: str) -> str:
        return hash_locator(address, data_dir)

    return hashed


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT while the block runs; the old handlers return after."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
