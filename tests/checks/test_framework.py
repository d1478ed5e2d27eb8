"""The check framework: run() never raises, time limits, declared metrics, the registry."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

from agentprobe.checks.bandwidth import BandwidthCheck, BandwidthConfig
from agentprobe.checks.base import Check, Environment, Metric, Skipped
from agentprobe.checks.registry import CHECKS, by_name, config_sections
from agentprobe.checks.runner import UnknownCheck, environment, run_checks, select
from agentprobe.config.sections import Config, StreamsSection
from agentprobe.config.spec import CheckConfig
from agentprobe.report import CheckResult, Status
from agentprobe.thresholds import Band
from tests.checks.fakes import FixedPinger, ScriptedPath

RELEASE = threading.Event()


class Fine(Check[CheckConfig]):
    name = "fine"
    description = "always passes"
    metrics: ClassVar[dict[str, Metric]] = {"latency_ms": Metric("ms", "a figure")}
    bands: ClassVar[dict[str, Band]] = {"latency_ms": Band(10, 20)}

    def collect(self) -> CheckResult:
        return self.result("fine", {"latency_ms": 15.0}, {"latency_ms": "Slow: do a thing."})


class Raising(Fine):
    name = "raising"

    def collect(self) -> CheckResult:
        raise RuntimeError("sensor exploded")


class Hanging(Fine):
    name = "hanging"

    def collect(self) -> CheckResult:
        RELEASE.wait(30)  # released at teardown so the worker thread ends
        return self.result("late", {})


class Undeclared(Fine):
    name = "undeclared"

    def collect(self) -> CheckResult:
        return self.result("sneaky", {"latency_ms": 1.0, "secret_s": 2, "extra_pct": 3})


class NotHere(Fine):
    name = "nothere"

    def collect(self) -> CheckResult:
        raise Skipped("no collector configured", ["Set [collector] url to run it."])


class Unbuildable(Fine):
    name = "unbuildable"

    @classmethod
    def create(cls, config: CheckConfig, env: Environment) -> Check[CheckConfig]:
        raise OSError("no such device")


@pytest.fixture
def release_hanging() -> object:
    RELEASE.clear()
    yield
    RELEASE.set()


def _config(*names: str, **sections: CheckConfig) -> Config:
    checks = {name: CheckConfig(timeout=1.0) for name in names}
    return Config(checks={**checks, **sections})


def test_a_raising_and_a_hanging_check_become_errors_and_the_others_run(
    tmp_path: Path, release_hanging: object
) -> None:
    order = [Raising, Hanging, Fine, NotHere, Unbuildable]
    config = _config(*(c.name for c in order))
    seen: list[str] = []
    report = run_checks(
        config, environment(config, tmp_path), order, on_result=lambda r: seen.append(r.name)
    )
    got = [(r.name, r.status, r.summary) for r in report.checks]
    assert got == [
        ("raising", Status.ERROR, "could not run: RuntimeError: sensor exploded"),
        ("hanging", Status.ERROR, "did not finish within 1 s and could not be stopped within 2 s"),
        ("fine", Status.WARN, "fine"),
        ("nothere", Status.SKIP, "no collector configured"),
        ("unbuildable", Status.ERROR, "could not start: OSError: no such device"),
    ]
    assert seen == [c.name for c in order]
    assert report.checks[1].advice == [
        "raise [hanging] timeout if this machine is known to be slow"
    ]
    assert report.checks[2].advice == ["Slow: do a thing."]
    assert report.checks[3].advice == ["Set [collector] url to run it."]
    assert report.status is Status.ERROR


def test_undeclared_metrics_become_an_error_naming_them(tmp_path: Path) -> None:
    result = Undeclared(CheckConfig()).run()
    assert result.status is Status.ERROR
    assert result.summary == "emitted undeclared metrics: extra_pct, secret_s"
    assert result.metrics == {}


def test_disabled_check_is_skipped_with_the_reason(tmp_path: Path) -> None:
    config = _config(fine=CheckConfig(enabled=False))
    report = run_checks(config, environment(config, tmp_path), [Fine])
    assert [(r.status, r.summary) for r in report.checks] == [
        (Status.SKIP, "disabled in config ([fine] enabled = false)")
    ]
    assert report.status is Status.PASS


def test_threshold_override_regrades(tmp_path: Path) -> None:
    assert Fine(CheckConfig(thresholds={"latency_ms": (20.0, 30.0)})).run().status is Status.PASS
    assert Fine(CheckConfig(thresholds={"latency_ms": (1.0, 5.0)})).run().status is Status.FAIL


def test_select_keeps_registry_order_and_rejects_unknown() -> None:
    names = [c.name for c in CHECKS]
    assert [c.name for c in select(list(reversed(names[:2])))] == names[:2]
    with pytest.raises(UnknownCheck, match="unknown check 'nosuch' \\(known: system"):
        select(["nosuch"])


NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_registered_check_declarations_are_consistent(check: type[Check]) -> None:
    assert NAME.match(check.name) and check.description
    assert by_name()[check.name] is check
    assert all(NAME.match(metric) for metric in check.metrics)
    assert all(m.unit and m.description for m in check.metrics.values())
    undeclared_bands = sorted(set(check.bands) - set(check.metrics))
    assert undeclared_bands == [], f"{check.name} grades undeclared metrics"
    assert set(check.headline) <= set(check.metrics)
    assert config_sections()[check.name] == (check.config_class, check.bands)
    assert issubclass(check.config_class, CheckConfig)


def test_design_section_4_metrics_are_declared() -> None:
    required = {
        "system": {"cpu_pct", "memory_available_pct", "disk_free_pct", "on_battery", "uptime_s"},
        "network": {"interface_type", "wifi_rssi_dbm", "gateway_rtt_ms", "dns_ms", "vpn_active"},
    }
    for name, metrics in required.items():
        assert metrics <= set(by_name()[name].metrics)


class Spinning(Fine):
    """Busy in Python and never looks at `stopping`: a runaway loop."""

    name = "spinning"
    laps = 0

    def collect(self) -> CheckResult:
        while True:
            Spinning.laps += 1
            time.sleep(0.005)


class Waiting(Fine):
    """Blocked on something only its `stop()` can end, like a transfer in progress."""

    name = "waiting"

    def __init__(self, config: CheckConfig) -> None:
        super().__init__(config)
        self.done = threading.Event()
        self.cleaned_up = False

    def collect(self) -> CheckResult:
        try:
            self.done.wait(60)
            return self.result("late", {})
        finally:
            self.cleaned_up = True

    def stop(self) -> None:
        self.done.set()


def test_an_overrunning_check_is_stopped_not_abandoned() -> None:
    result = Spinning(CheckConfig(timeout=0.3)).run()
    assert result.summary == "did not finish within 0.3 s and was stopped"
    laps = Spinning.laps
    time.sleep(0.1)
    assert Spinning.laps == laps  # nothing runs on behind the next check


def test_a_stopped_check_unwinds_through_its_finally_blocks() -> None:
    check = Waiting(CheckConfig(timeout=0.3))
    result = check.run()
    assert result.summary == "did not finish within 0.3 s and was stopped"
    assert check.cleaned_up and check.stopping.is_set()


def test_an_overrunning_bandwidth_test_cancels_its_transfer() -> None:
    path = ScriptedPath(50_000, 50_000, FixedPinger(10, 20))

    def idle_second(seconds: float) -> None:
        for _ in range(500):  # 5 s in short naps: a Python loop, so the stop lands
            time.sleep(0.01)

    check = BandwidthCheck(
        BandwidthConfig(timeout=0.3), StreamsSection(), lambda: path, sleep=idle_second
    )
    assert check.run().summary == "did not finish within 0.3 s and was stopped"
    assert path.cancelled
