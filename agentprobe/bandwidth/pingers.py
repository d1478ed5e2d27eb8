"""Latency pingers for the bandwidth test: round trips in the background while the link is full.

Against the collector the pinger is the reflector (small UDP probes, like the voice
packets that would queue behind a saturating download); against speedtest.net it is
HTTP `latency.txt` on a kept-alive connection.
"""

from __future__ import annotations

import http.client
import threading
import time
from typing import Protocol
from urllib.parse import urlsplit

from agentprobe.bandwidth.metering import tls_context
from agentprobe.voice.probe import ProbeStream

PING_INTERVAL_S = 0.1
PING_BYTES = 64


class Pinger(Protocol):
    """Round trips measured in the background, looked up by when they were sent."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def rtts_ms(self, start: float, end: float) -> list[float]:
        """RTTs of pings sent between perf_counter() times `start` and `end`."""
        ...


class _ThreadPinger:
    """Runs `_run` in a daemon thread between start() and stop(); `_stop` ends it."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class UdpPinger(_ThreadPinger):
    """Reflector probes every PING_INTERVAL_S in a thread."""

    def __init__(self, stream: ProbeStream) -> None:
        super().__init__()
        self.stream = stream

    def _run(self) -> None:
        self.stream.run(stop=self._stop)

    def rtts_ms(self, start: float, end: float) -> list[float]:
        lo, hi = int(start * 1e9), int(end * 1e9)
        return [s.rtt_ms for s in list(self.stream.run_result.arrivals) if lo <= s.t1 < hi]


class HttpPinger(_ThreadPinger):
    """GET latency.txt over one kept-alive HTTPS connection, every PING_INTERVAL_S."""

    def __init__(self, url: str, headers: dict[str, str], ca_file: str = "") -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "", parts.port, parts.path
        self.secure = parts.scheme == "https"
        self.headers, self.ca_file = headers, ca_file
        self.samples: list[tuple[float, float]] = []
        super().__init__()

    def _run(self) -> None:
        connection = (
            http.client.HTTPSConnection(
                self.host, self.port, timeout=5, context=tls_context(self.ca_file)
            )
            if self.secure
            else http.client.HTTPConnection(self.host, self.port, timeout=5)
        )
        try:
            while not self._stop.wait(PING_INTERVAL_S):
                sent = time.perf_counter()
                try:
                    connection.request("GET", self.path, headers=self.headers)
                    connection.getresponse().read()
                except (OSError, http.client.HTTPException):
                    connection.close()  # reconnects on the next request
                    continue
                self.samples.append((sent, (time.perf_counter() - sent) * 1000))
        finally:
            connection.close()

    def rtts_ms(self, start: float, end: float) -> list[float]:
        return [rtt for sent, rtt in list(self.samples) if start <= sent < end]
