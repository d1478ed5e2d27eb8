"""The `bandwidth` check: download/upload against the per-stream budget, and latency under load.

The budget per direction is voice × voice_kbps + video × video_kbps + licences ×
licence_kbps ([streams]); the link passes at budget × headroom, warns at the budget and
fails below it. Rates come from speedtest-cli's engine against the collector (or
speedtest.net with backend = "ookla"). Latency is measured idle and while the download
and then the upload saturate the link; the rise is graded and given a
bufferbloat grade. A healthy link stops as soon as it has proven the budget with a
margin; `agentprobe check --only bandwidth --full` measures full capacity.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from agentprobe.bandwidth.bufferbloat import bufferbloat_grade
from agentprobe.bandwidth.sufficiency import StopRule, Transfer, Unreachable
from agentprobe.checks.base import Check, Environment, Metric
from agentprobe.checks.session import collector_session
from agentprobe.config.sections import StreamsSection
from agentprobe.config.spec import CheckConfig, every, setting
from agentprobe.report import CheckResult, MetricValue, Status, worst
from agentprobe.thresholds import Band

if TYPE_CHECKING:
    from agentprobe.bandwidth.paths import Measurement

IDLE_S = 1.0
SETTLE_S = 0.3  # loaded latency counts after the queue has had time to fill
# Bufferbloat is graded only after each direction saturated the link this long: a queue
# needs a full link for a while to fill, which is why RPM and Waveform measure under
# seconds of sustained load. A quick test stops once the budget is proven (~1 s).
SATURATED_S = 2.0
FULL_STATE_FILE = "bandwidth-full.json"


@dataclass(frozen=True)
class BandwidthConfig(CheckConfig):
    interval: float = every(1800.0)
    backend: str = setting(
        "collector",
        "collector endpoints, or public speedtest.net servers",
        choices=("collector", "ookla"),
    )
    max_seconds: float = setting(
        8.0, "longest each direction is measured", duration=True, minimum=2, maximum=60
    )
    margin: float = setting(
        1.5, "an early stop needs budget x headroom x margin for a full second", minimum=1
    )
    full_every: float = setting(
        14400.0,
        "the daemon measures full capacity (and grades bufferbloat) at shift start and "
        "at most this often; other runs stop once the budget is proven",
        duration=True,
        minimum=0,
        maximum=7 * 86400,
    )


class BandwidthCheck(Check[BandwidthConfig]):
    """Can this link carry the agent's calls each way, and does it stay responsive when full?"""

    name = "bandwidth"
    description = "download/upload against the per-stream budget, and latency under load"
    config_class = BandwidthConfig
    heavy = True
    metrics: ClassVar[dict[str, Metric]] = {
        "download_kbps": Metric("kbps", "download rate (at least this much when stopped early)"),
        "upload_kbps": Metric("kbps", "upload rate (at least this much when stopped early)"),
        "required_down_kbps": Metric("kbps", "budget per [streams], download direction"),
        "required_up_kbps": Metric("kbps", "budget per [streams], upload direction"),
        "calls_down": Metric("count", "simultaneous voice calls the download carries"),
        "calls_up": Metric("count", "simultaneous voice calls the upload carries"),
        "idle_latency_ms": Metric("ms", "median RTT to the test server, idle"),
        "loaded_latency_ms": Metric("ms", "median RTT under load, the worse direction"),
        "loaded_down_latency_ms": Metric("ms", "median RTT while downloading"),
        "loaded_up_latency_ms": Metric("ms", "median RTT while uploading"),
        "latency_increase_ms": Metric("ms", "loaded minus idle latency"),
        "bufferbloat_grade": Metric(
            "grade", "A+ <= 5 ms added, A <= 30, B <= 60, C <= 200, D <= 400, F; none if not graded"
        ),
        "full_capacity": Metric("bool", "measured to capacity (false: stopped once enough)"),
        "bufferbloat_graded": Metric(
            "bool", "each direction saturated the link long enough to fill its queue"
        ),
        "bytes_used": Metric("bytes", "bytes moved by the test, both directions"),
        "backend": Metric("name", "collector or ookla"),
    }
    headline = ("download_kbps", "upload_kbps", "loaded_latency_ms", "bufferbloat_grade")
    bands: ClassVar[dict[str, Band]] = {"latency_increase_ms": Band(60, 200)}
    ADVICE: ClassVar[dict[str, str]] = {
        "latency_increase_ms": "The router queues too much when the link is busy (bufferbloat): "
        "enable SQM/Smart Queue in the router, or keep large downloads off during calls.",
    }

    def __init__(
        self,
        config: BandwidthConfig,
        streams: StreamsSection,
        connect: Callable[[], Measurement],
        full: bool = False,
        progress: Callable[[str, float], None] = lambda label, fraction: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(config)
        self.streams, self.connect, self.full = streams, connect, full
        self.progress, self.sleep = progress, sleep
        self.full_runs: FullRuns | None = None
        self._path: Measurement | None = None

    def stop(self) -> None:
        """Overran: end the transfer now, so no upload runs on beside the next check."""
        if self._path is not None:
            self._path.cancel()

    @classmethod
    def create(cls, config: BandwidthConfig, env: Environment) -> BandwidthCheck:
        schedule = FullRuns(env.data_dir / FULL_STATE_FILE, config.full_every)
        full = bool(env.options.get("full")) or schedule.due(str(env.options.get("trigger", "")))
        check = cls(config, env.streams, _connector(config, env), full, env.progress)
        check.full_runs = schedule
        return check

    def collect(self) -> CheckResult:
        budget = self.streams.budget_kbps
        rule = StopRule(budget * self.streams.headroom, self.config.margin, full=self.full)
        try:
            path = self.connect()
        except Unreachable as error:
            return self.error(error.summary, *error.advice)
        self._path = path
        path.pinger.start()
        try:
            started = time.perf_counter()
            self.sleep(IDLE_S)
            idle = path.pinger.rtts_ms(started, time.perf_counter())
            down, down_rtts = self._phase(path, path.download, rule, 0.1)
            up, up_rtts = self._phase(path, path.upload, rule, 0.55)
        finally:
            path.pinger.stop()
        if down.bytes == 0 or up.bytes == 0:
            raise RuntimeError(f"no data moved to or from {path.server}; is it serving?")
        if self.full and self.full_runs is not None:
            self.full_runs.record()
        return self._grade(budget, down, up, idle, down_rtts, up_rtts, path.bytes_used)

    def _phase(
        self, path: Measurement, run: Callable[..., Transfer], rule: StopRule, offset: float
    ) -> tuple[Transfer, list[float]]:
        def report(fraction: float) -> None:
            self.progress("bandwidth", offset + 0.45 * fraction)

        started = time.perf_counter()
        transfer = run(rule, report)
        return transfer, path.pinger.rtts_ms(started + SETTLE_S, time.perf_counter())

    def _grade(
        self,
        budget: float,
        down: Transfer,
        up: Transfer,
        idle: list[float],
        down_rtts: list[float],
        up_rtts: list[float],
        bytes_used: int,
    ) -> CheckResult:
        idle_ms, down_ms, up_ms = _median(idle), _median(down_rtts), _median(up_rtts)
        loaded = max((v for v in (down_ms, up_ms) if v is not None), default=None)
        graded = _saturated(down) and _saturated(up)
        increase = (
            round(max(0.0, loaded - idle_ms), 1)
            if graded and loaded is not None and idle_ms is not None
            else None
        )
        metrics: dict[str, MetricValue] = {
            "download_kbps": round(down.kbps, 1),
            "upload_kbps": round(up.kbps, 1),
            "required_down_kbps": budget,
            "required_up_kbps": budget,
            "calls_down": self._calls(down.kbps),
            "calls_up": self._calls(up.kbps),
            "idle_latency_ms": idle_ms,
            "loaded_latency_ms": loaded,
            "loaded_down_latency_ms": down_ms,
            "loaded_up_latency_ms": up_ms,
            "latency_increase_ms": increase,
            "bufferbloat_grade": bufferbloat_grade(increase) if increase is not None else None,
            "full_capacity": not (down.stopped_early or up.stopped_early),
            "bufferbloat_graded": increase is not None,
            "bytes_used": bytes_used,
            "backend": self.config.backend,
        }
        statuses = [self._rate_status(down.kbps, budget), self._rate_status(up.kbps, budget)]
        latency_status = self.grade("latency_increase_ms", increase)
        rates_first = worst(statuses) == worst([*statuses, latency_status])
        summary = self._summary(metrics, down, up, rates_first)
        result = self.result(summary, metrics, self.ADVICE, statuses)
        if Status.FAIL in statuses or Status.WARN in statuses:
            result.advice.insert(0, self._rate_advice(metrics, budget))
        return result

    def _rate_status(self, kbps: float, budget: float) -> Status:
        return self.rate_band(budget, self.streams.headroom).grade(kbps)

    @staticmethod
    def rate_band(budget_kbps: float, headroom: float) -> Band:
        """Pass at budget x headroom, warn at the budget, fail below it (each direction)."""
        return Band(budget_kbps * headroom, budget_kbps, higher_is_better=True)

    def _calls(self, kbps: float) -> int:
        """Voice calls that fit beside this agent's video streams and licences."""
        s = self.streams
        other = s.video * s.video_kbps + s.licenses * s.license_kbps
        return max(0, math.floor((kbps - other) / s.voice_kbps))

    def _rate_advice(self, m: dict[str, MetricValue], budget: float) -> str:
        return (
            f"The link falls short of the {budget:g} kbps each way this agent needs "
            f"(with {self.streams.headroom:g}x headroom): stop other downloads, uploads and "
            "video on the same connection, use a cable instead of Wi-Fi, or upgrade the plan."
        )

    def _summary(
        self, m: dict[str, MetricValue], down: Transfer, up: Transfer, rates_first: bool
    ) -> str:
        """Two sentences, the one that explains the status first."""

        def rate(t: Transfer) -> str:
            figure = f"{t.kbps / 1000:.1f} Mbit/s" if t.kbps >= 1000 else f"{t.kbps:.0f} kbps"
            return ("at least " if t.stopped_early else "") + figure

        rates = (
            f"Download {rate(down)}, upload {rate(up)} against {m['required_down_kbps']:g} kbps "
            f"needed each way: the link carries about {m['calls_down']} simultaneous calls "
            f"down and {m['calls_up']} up at {self.streams.voice_kbps:g} kbps each"
        )
        latency = _latency_sentence(m)
        return f"{rates}. {latency}." if rates_first else f"{latency}. {rates}."


def _latency_sentence(m: Mapping[str, MetricValue]) -> str:
    idle, loaded = m["idle_latency_ms"], m["loaded_latency_ms"]
    if idle is None and loaded is None:
        return "Latency not measured (no ping answered)"
    if idle is None:
        return f"Latency {loaded} ms under load (no ping answered while idle, so no grade)"
    if loaded is None:
        return f"Latency {idle} ms idle (no ping answered under load, so no grade)"
    if m["bufferbloat_grade"] is None:
        return (
            f"Latency {idle} ms idle, {loaded} ms loaded (bufferbloat not graded: the quick "
            "test stops once the budget is proven; `--full` and the daemon's full runs grade it)"
        )
    return (
        f"Bufferbloat {m['bufferbloat_grade']}: latency {idle} ms idle, {loaded} ms loaded "
        f"(+{m['latency_increase_ms']} ms)"
    )


def _saturated(transfer: Transfer) -> bool:
    return not transfer.stopped_early and transfer.seconds >= SATURATED_S


class FullRuns:
    """When the daemon last measured full capacity, in a small state file in the data dir."""

    def __init__(self, path: Path, every_s: float, clock: Callable[[], float] = time.time) -> None:
        self.path, self.every_s, self.clock = path, every_s, clock

    def due(self, trigger: str) -> bool:
        """Full at shift start and when the last full run is older than `every_s`; only for
        the daemon's runs (a person at `agentprobe check` asks with `--full`)."""
        if trigger not in ("schedule", "shift_start"):
            return False
        return trigger == "shift_start" or self.clock() - self._last() >= self.every_s

    def record(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"at": self.clock()}))

    def _last(self) -> float:
        try:
            return float(json.loads(self.path.read_text())["at"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0.0


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _connector(config: BandwidthConfig, env: Environment) -> Callable[[], Measurement]:
    """The path the config asks for, built when the check runs (so inside its time limit)."""
    if config.backend == "ookla":
        return lambda: _ookla(config.max_seconds)
    return lambda: _collector(config, env)


def _ookla(max_seconds: float) -> Measurement:
    from agentprobe.bandwidth.paths import ookla_path
    from agentprobe.bandwidth.speedtest_cli import speedtest

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
        env.collector,
        "nothing to measure against",
        ['set [collector] url, or [bandwidth] backend = "ookla" for speedtest.net'],
    )
    from agentprobe.bandwidth.paths import collector_path
    from agentprobe.voice.probe import ProbeError

    access = env.collector
    try:
        return collector_path(
            http,
            access.url,
            access.settings.ca_file,
            access.token or "",
            config.max_seconds,
            env.reflector,
        )
    except ProbeError as error:
        raise Unreachable(
            f"cannot measure against the collector: {error}",
            "check [collector] url and that the collector is running",
        ) from None
