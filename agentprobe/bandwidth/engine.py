"""speedtest-cli's transfer machinery, pointed at the collector or at speedtest.net.

`CollectorSpeedtest` is a `speedtest.Speedtest` whose `get_config()` builds a local
configuration instead of downloading speedtest.net's, and whose only server is the
collector's Speedtest-Mini endpoint. `OoklaSpeedtest` is the stock engine (public
servers). Both move their bytes through `meteredhttp`'s opener, so `SpeedEngine` can
watch the rate while speedtest-cli's threads run and stop them once the sufficiency
test is met.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from agentprobe import __version__
from agentprobe.bandwidth.metering import Meter, StopSignal, build_opener
from agentprobe.bandwidth.speedtest_cli import speedtest
from agentprobe.bandwidth.sufficiency import ByteCount, StopRule, Transfer, proven, steady_rate_kbps

SAMPLE_S = 0.1
USER_AGENT = f"agentprobe/{__version__} speedtest-cli/{speedtest.__version__}"
# speedtest.net's image sizes and upload sizes from 128 KiB up (its "ratio 3").
DOWNLOAD_SIDES = [350, 500, 750, 1000, 1500, 2000, 2500, 3000, 3500, 4000]
UPLOAD_SIZES = [131072, 262144, 524288, 1048576, 7340032]


def local_config(max_seconds: float, threads: int = 4, per_size: int = 2) -> dict[str, Any]:
    """The configuration speedtest-cli would otherwise fetch from speedtest.net."""
    return {
        "client": {"ip": "", "isp": "", "lat": "0", "lon": "0", "country": ""},
        "ignore_servers": [],
        "sizes": {"download": list(DOWNLOAD_SIDES), "upload": list(UPLOAD_SIZES)},
        "counts": {"download": per_size, "upload": per_size},
        "threads": {"download": threads, "upload": threads},
        "length": {"download": max_seconds, "upload": max_seconds},
        "upload_max": per_size * len(UPLOAD_SIZES),
    }


class CollectorSpeedtest(speedtest.Speedtest):
    """speedtest-cli against the collector's /speedtest/ endpoints; never calls speedtest.net."""

    def __init__(
        self,
        collector_url: str,
        meter: Meter,
        stop: StopSignal,
        *,
        ca_file: str = "",
        token: str | None = None,
        max_seconds: float = 8.0,
        timeout: float = 10.0,
    ) -> None:
        self._max_seconds = max_seconds
        super().__init__(timeout=timeout, secure=True, shutdown_event=stop)
        self._opener = build_opener(
            meter, stop, ca_file=ca_file, token=token, user_agent=USER_AGENT, timeout=timeout
        )
        server = {
            "url": collector_url.rstrip("/") + "/speedtest/upload.php",
            "name": urlsplit(collector_url).hostname or collector_url,
            "sponsor": "agentprobe collector",
            "country": "",
            "id": "0",
            "d": 0.0,
            "latency": 0.0,
        }
        self.servers = {0.0: [server]}
        self.closest = [server]
        self._best.update(server)
        self.results.server = server

    def get_config(self) -> dict[str, Any]:
        self.config.update(local_config(self._max_seconds))
        self.lat_lon = (0.0, 0.0)
        return dict(self.config)


class OoklaSpeedtest(speedtest.Speedtest):
    """The stock engine and public servers, with its transfers metered and stoppable."""

    def __init__(self, meter: Meter, stop: StopSignal, *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout, secure=True, shutdown_event=stop)
        self._opener = build_opener(meter, stop, user_agent=USER_AGENT, timeout=timeout)


class SpeedEngine:
    """Runs a speedtest-cli engine one direction at a time under a stop rule."""

    def __init__(self, engine: speedtest.Speedtest, meter: Meter, stop: StopSignal) -> None:
        self.engine, self.meter, self.stop = engine, meter, stop

    @property
    def bytes_used(self) -> int:
        sent, received = self.meter.snapshot()
        return sent + received

    def download(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer:
        return self._transfer("download", self.engine.download, 1, rule, progress)

    def upload(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer:
        return self._transfer("upload", self.engine.upload, 0, rule, progress)

    def _transfer(
        self,
        direction: str,
        run: Callable[[], Any],
        counter: int,
        rule: StopRule,
        progress: Callable[[float], None],
    ) -> Transfer:
        self.stop.clear()
        limit = float(self.engine.config["length"][direction])
        watch = _Watch(self.meter, counter, self.stop, rule, limit, progress)
        watch.start()
        try:
            run()
        finally:
            self.meter.release_all()  # aborted requests leave connections unreleased
            watch.finish()
        samples = watch.samples
        moved, seconds = samples[-1][1], samples[-1][0]
        rate = steady_rate_kbps(samples, until=watch.stop_at)
        return Transfer(direction, rate, moved, seconds, watch.stopped)


class _Watch(threading.Thread):
    """Samples the byte counter every SAMPLE_S; sets the stop signal once `rule` is met.

    `stop_at` is when the flows were told to stop: the moment the rule was met, or else
    the engine's own time limit (speedtest-cli starts that clock a little after this one,
    so the steady window ends just before its flows begin to wind down).
    """

    def __init__(
        self,
        meter: Meter,
        counter: int,
        stop: StopSignal,
        rule: StopRule,
        limit_s: float,
        progress: Callable[[float], None],
    ) -> None:
        super().__init__(daemon=True)
        self.meter, self.counter, self.stop, self.rule = meter, counter, stop, rule
        self.limit_s, self.progress = limit_s, progress
        self.samples: list[ByteCount] = [(0.0, 0)]
        self.stopped = False
        self.stop_at = limit_s
        self._done = threading.Event()
        self._start = time.monotonic()
        self._base = meter.snapshot()[counter]

    def run(self) -> None:
        while not self._done.wait(SAMPLE_S):
            self._sample()
            if not self.stopped and proven(self.samples, self.rule):
                self.stopped = True
                self.stop_at = self.samples[-1][0]
                self.stop.set()
            self.progress(1.0 if self.stopped else min(1.0, self.samples[-1][0] / self.limit_s))

    def _sample(self) -> None:
        moved = self.meter.snapshot()[self.counter] - self._base
        self.samples.append((time.monotonic() - self._start, moved))

    def finish(self) -> None:
        self._done.set()
        self.join()
        self._sample()
        self.progress(1.0)
