"""The bandwidth check's two real paths: the collector's endpoints, or speedtest.net.

A path is a speed engine plus a latency pinger aimed at the same server. Against the
collector the pinger is the reflector (small UDP probes, like the voice packets that
would queue behind a saturating download); against speedtest.net it is HTTP
`latency.txt` on a kept-alive connection.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import requests

from agentprobe.collectorsession import collector_session
from agentprobe.meteredhttp import Meter, StopSignal, tls_context
from agentprobe.speedengine import CollectorSpeedtest, OoklaSpeedtest, SpeedEngine
from agentprobe.speedtestcli import speedtest
from agentprobe.sufficiency import StopRule, Transfer, Unreachable
from agentprobe.voiceprobe import ProbeError, ProbeStream, open_target

if TYPE_CHECKING:
    from agentprobe.checks.bandwidth import BandwidthConfig
    from agentprobe.checks.base import Environment

PING_INTERVAL_S = 0.1
PING_BYTES = 64


class Pinger(Protocol):
    """Round trips measured in the background, looked up by when they were sent."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def rtts_ms(self, start: float, end: float) -> list[float]:
        """RTTs of pings sent between perf_counter() times `start` and `end`."""
        ...


class Measurement(Protocol):
    server: str
    pinger: Pinger

    @property
    def bytes_used(self) -> int: ...
    def download(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer: ...
    def upload(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer: ...


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


@dataclass
class SpeedPath:
    """An engine and a pinger against one server (satisfies `Measurement`)."""

    engine: SpeedEngine
    pinger: Pinger
    server: str

    @property
    def bytes_used(self) -> int:
        return self.engine.bytes_used

    def download(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer:
        return self.engine.download(rule, progress)

    def upload(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer:
        return self.engine.upload(rule, progress)


def collector_path(
    http: requests.Session,
    url: str,
    ca_file: str,
    token: str,
    max_seconds: float,
    reflector: str = "",
) -> SpeedPath:
    """The collector's endpoints, and its reflector for latency."""
    meter, stop = Meter(), StopSignal()
    engine = CollectorSpeedtest(
        url, meter, stop, ca_file=ca_file, token=token, max_seconds=max_seconds
    )
    target = open_target(http, url, reflector)
    pinger = UdpPinger(ProbeStream(target, PING_INTERVAL_S, PING_BYTES))
    return SpeedPath(SpeedEngine(engine, meter, stop), pinger, urlsplit(url).netloc)


def ookla_path(max_seconds: float) -> SpeedPath:
    """speedtest.net's nearest server, chosen the stock way (needs the internet)."""
    meter, stop = Meter(), StopSignal()
    engine = OoklaSpeedtest(meter, stop)
    engine.config["length"] = {"download": max_seconds, "upload": max_seconds}
    best = engine.get_best_server()
    latency_url = best["url"].rsplit("/", 1)[0] + "/latency.txt"
    pinger = HttpPinger(latency_url, {"User-Agent": "agentprobe"})
    return SpeedPath(
        SpeedEngine(engine, meter, stop), pinger, f"{best['sponsor']} ({best['name']})"
    )


def connector(config: BandwidthConfig, env: Environment) -> Callable[[], Measurement]:
    """The path the config asks for, built when the check runs (so inside its time limit)."""
    if config.backend == "ookla":
        return lambda: _ookla(config.max_seconds)
    return lambda: _collector(config, env)


def _ookla(max_seconds: float) -> Measurement:
    try:
        return ookla_path(max_seconds)
    except (speedtest.SpeedtestException, OSError) as error:
        raise Unreachable(
            f"speedtest.net could not be reached ({type(error).__name__}: {error})",
            "The ookla backend needs internet access to www.speedtest.net and its servers; "
            'set [bandwidth] backend = "collector" to measure against the collector.',
        ) from None


def _collector(config: BandwidthConfig, env: Environment) -> Measurement:
    http = collector_session(
        env,
        "nothing to measure against",
        ['set [collector] url, or [bandwidth] backend = "ookla" for speedtest.net'],
    )
    settings = env.config.collector
    voice = env.config.checks.get("voice")
    override = str(getattr(voice, "reflector", "") or "")
    try:
        return collector_path(
            http, settings.url, settings.ca_file, env.token or "", config.max_seconds, override
        )
    except ProbeError as error:
        raise Unreachable(
            f"cannot measure against the collector: {error}",
            "check [collector] url and that the collector is running",
        ) from None
