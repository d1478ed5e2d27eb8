"""The check framework: declared metrics, graded bands, and a `run()` that never raises.

A check subclasses `Check`, declares its metrics (name, unit, description) and the
bands that grade them, and implements `collect()`. `run()` wraps `collect()` with a
time limit and turns any exception into an `error` result, so one broken check never
stops the others. A check that overruns is stopped, not abandoned: its `stop()` is
asked to interrupt what it is waiting on, and `CheckStopped` is raised inside its
thread (CPython delivers it at the next bytecode, so a Python loop or a socket with a
timeout ends within a moment; a call blocked in C for longer is reported as such).
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from agentprobe.config.sections import StreamsSection
from agentprobe.config.spec import CheckConfig
from agentprobe.report import CheckResult, MetricValue, Status, worst
from agentprobe.thresholds import Band
from agentprobe.uplink.access import CollectorAccess

C = TypeVar("C", bound=CheckConfig)
STOP_GRACE_S = 2.0  # how long a stopped check has to unwind (close sockets, streams)


class CheckStopped(BaseException):
    """Raised inside an overrunning check's thread. A BaseException, so the check's own
    `except Exception` handlers let it through while its `finally` blocks still run."""


@dataclass(frozen=True)
class Metric:
    """A metric's declaration: its unit (as in the name suffix) and what it means."""

    unit: str
    description: str


class Skipped(Exception):
    """Raised by `collect()` when the check cannot run here; the reason becomes the summary."""

    def __init__(self, summary: str, advice: list[str] | None = None) -> None:
        super().__init__(summary)
        self.summary, self.advice = summary, advice or []


@dataclass
class Environment:
    """What a check may reach besides its own section: shared seams and run options.

    A check never sees the whole config. What several checks share is named here:
    the collector (address, trust, token), the call budget (`[streams]`), and the
    reflector override (`[voice] reflector`, which the bandwidth test's latency pinger
    aims at too). Checks build their own hardware seams (audio backend, psutil) in
    `create()` from these, so tests construct checks directly with fakes instead.
    """

    data_dir: Path
    collector: CollectorAccess = field(default_factory=CollectorAccess)
    streams: StreamsSection = field(default_factory=StreamsSection)
    reflector: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str, float], None] = lambda label, fraction: None


class Check(ABC, Generic[C]):
    """Base class of every check. Subclasses set the ClassVars and implement `collect()`."""

    name: ClassVar[str]
    description: ClassVar[str]
    config_class: ClassVar[type[CheckConfig]] = CheckConfig
    metrics: ClassVar[Mapping[str, Metric]] = {}
    bands: ClassVar[Mapping[str, Band]] = {}
    headline: ClassVar[tuple[str, ...]] = ()  # the key figures shown in the human table
    heavy: ClassVar[bool] = False  # heavy checks load the network and are postponed during calls
    scheduled: ClassVar[bool] = True  # False: graded from events (a finished call), not run

    def __init__(self, config: C) -> None:
        self.config = config
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Interrupt whatever `collect()` is blocked on; checks that wait in I/O override it."""

    @classmethod
    def create(cls, config: C, env: Environment) -> Check[C]:
        """Build the check with its real seams. Override when the check needs more than config."""
        return cls(config)

    @abstractmethod
    def collect(self) -> CheckResult:
        """Measure and grade. May raise; `run()` turns exceptions into an error result."""

    def run(self) -> CheckResult:
        """Run `collect()` under the config's time limit. Never raises."""
        started = time.monotonic()
        result = self._run_limited()
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    def _run_limited(self) -> CheckResult:
        box: list[CheckResult] = []
        worker = threading.Thread(target=self._work, args=(box,), daemon=True)
        worker.start()
        worker.join(self.config.timeout)
        if box:
            return box[0]
        ended = self._stop_worker(worker)
        how = "was stopped" if ended else f"could not be stopped within {STOP_GRACE_S:g} s"
        return self.error(
            f"did not finish within {self.config.timeout:g} s and {how}",
            f"raise [{self.name}] timeout if this machine is known to be slow",
        )

    def _stop_worker(self, worker: threading.Thread) -> bool:
        """Stop an overrunning `collect()`; whether its thread has ended."""
        self.stopping.set()
        with contextlib.suppress(Exception):  # a failing hook must not hide the timeout
            self.stop()
        if worker.ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(worker.ident), ctypes.py_object(CheckStopped)
            )
        worker.join(STOP_GRACE_S)
        return not worker.is_alive()

    def _work(self, box: list[CheckResult]) -> None:
        # CheckStopped arriving after collect() had returned: the result is late anyway.
        with contextlib.suppress(CheckStopped):
            box.append(self._guarded())

    def _guarded(self) -> CheckResult:
        try:
            return self._declared(self.collect())
        except Skipped as skipped:
            return CheckResult(self.name, Status.SKIP, skipped.summary, advice=skipped.advice)
        except CheckStopped:
            return self.error("stopped: it overran its time limit")
        except Exception as exc:  # the contract: any failure becomes a readable error
            return self.error(f"could not run: {type(exc).__name__}: {exc}")

    def _declared(self, result: CheckResult) -> CheckResult:
        """The result, or an error naming the metrics it carries that were never declared.

        Every emitted metric is declared once (docs/architecture.md), so the README catalogue, the
        schema's consumers and dashboards never meet a name they cannot explain.
        """
        undeclared = sorted(set(result.metrics) - set(self.metrics))
        if not undeclared:
            return result
        return self.error(
            f"emitted undeclared metrics: {', '.join(undeclared)}",
            "this is a bug in agentprobe: declare the metric in the check's `metrics`",
        )

    def error(self, summary: str, *advice: str) -> CheckResult:
        return CheckResult(self.name, Status.ERROR, summary, advice=list(advice))

    def band(self, metric: str) -> Band:
        """The band for `metric`, with any `[<check>.thresholds]` override applied."""
        default = self.bands[metric]
        override = self.config.thresholds.get(metric)
        return default.with_limits(*override) if override else default

    def grade(self, metric: str, value: float | None) -> Status:
        """Status of one graded metric; a missing value grades as pass (nothing to hold against)."""
        return Status.PASS if value is None else self.band(metric).grade(value)

    def grade_all(self, metrics: Mapping[str, MetricValue]) -> dict[str, Status]:
        """Grade every metric that has a band and a numeric value."""
        graded = {}
        for name in self.bands:
            value = metrics.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                graded[name] = self.grade(name, float(value))
        return graded

    def result(
        self,
        summary: str,
        metrics: Mapping[str, MetricValue],
        advice: Mapping[str, str] | None = None,
        extra: list[Status] | None = None,
    ) -> CheckResult:
        """A graded result: status is the worst of the graded metrics and `extra` statuses.

        `advice` maps a metric name to the advice shown when that metric is not passing;
        a tip shared by several failing metrics is given once.
        """
        graded = self.grade_all(metrics)
        status = worst([*graded.values(), *(extra or [])])
        tips = {
            tip: None
            for name, tip in (advice or {}).items()
            if graded.get(name, Status.PASS) in (Status.WARN, Status.FAIL)
        }
        return CheckResult(self.name, status, summary, dict(metrics), list(tips))
