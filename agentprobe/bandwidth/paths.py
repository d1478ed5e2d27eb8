"""The bandwidth check's two real paths: the collector's endpoints, or speedtest.net.

A path is a speed engine plus a latency pinger aimed at the same server. Against the
collector the pinger is the reflector (small UDP probes, like the voice packets that
would queue behind a saturating download); against speedtest.net it is HTTP
`latency.txt` on a kept-alive connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import requests

from agentprobe.bandwidth.engine import CollectorSpeedtest, OoklaSpeedtest, SpeedEngine
from agentprobe.bandwidth.metering import Meter, StopSignal
from agentprobe.bandwidth.pingers import PING_BYTES, PING_INTERVAL_S, HttpPinger, Pinger, UdpPinger
from agentprobe.bandwidth.sufficiency import StopRule, Transfer
from agentprobe.voice.probe import ProbeStream, open_target


class Measurement(Protocol):
    server: str
    pinger: Pinger

    @property
    def bytes_used(self) -> int: ...
    def download(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer: ...
    def upload(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer: ...
    def cancel(self) -> None:
        """End a transfer in progress now (the check overran its time limit)."""
        ...


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

    def cancel(self) -> None:
        self.engine.stop.set()


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
