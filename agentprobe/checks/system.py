"""The `system` check: CPU, memory, disk, battery and uptime against softphone minimums.

Minimums follow what contact-center platforms publish for agent workstations
(Amazon Connect: 2 GB RAM, 2 GHz CPU). CPU load is sampled over a window of at least
one second, so a momentary spike does not fail a machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from agentprobe.checks.base import Check, Environment, Metric
from agentprobe.config.spec import CheckConfig, every, setting
from agentprobe.report import CheckResult, MetricValue, Status
from agentprobe.thresholds import Band


class PsutilLike(Protocol):
    """The slice of psutil this check reads; tests pass a small fake."""

    def cpu_percent(self, interval: float | None = ...) -> float: ...
    def cpu_count(self, logical: bool = ...) -> int | None: ...
    def cpu_freq(self) -> Any: ...
    def virtual_memory(self) -> Any: ...
    def disk_usage(self, path: str) -> Any: ...
    def sensors_battery(self) -> Any: ...
    def boot_time(self) -> float: ...


@dataclass(frozen=True)
class SystemConfig(CheckConfig):
    interval: float = every(300.0)
    cpu_sample: float = setting(
        2.0, "seconds over which CPU load is averaged", duration=True, minimum=1, maximum=60
    )


class SystemCheck(Check[SystemConfig]):
    """Is this PC strong enough, and idle enough, to run a softphone well?"""

    name = "system"
    description = "CPU load, memory, disk space, battery and uptime against softphone minimums"
    config_class = SystemConfig
    metrics: ClassVar[dict[str, Metric]] = {
        "cpu_pct": Metric("%", "CPU load averaged over the sample window, all cores"),
        "cpu_count": Metric("count", "logical CPUs"),
        "cpu_freq_mhz": Metric("MHz", "maximum (or current) CPU clock, when the OS exposes it"),
        "memory_total_mb": Metric("MB", "installed memory"),
        "memory_available_pct": Metric("%", "memory available to new programs"),
        "disk_free_pct": Metric("%", "free space on the disk holding the data dir"),
        "disk_free_mb": Metric("MB", "free space on the disk holding the data dir"),
        "on_battery": Metric("bool", "running on battery power (false on desktops)"),
        "battery_pct": Metric("%", "battery charge, when there is a battery"),
        "uptime_s": Metric("s", "time since the OS booted"),
    }
    headline = ("cpu_pct", "memory_available_pct", "disk_free_pct", "on_battery")
    bands: ClassVar[dict[str, Band]] = {
        "cpu_pct": Band(80, 90),
        "memory_available_pct": Band(20, 10, higher_is_better=True),
        "memory_total_mb": Band(4096, 2048, higher_is_better=True),
        "cpu_freq_mhz": Band(2000, 1500, higher_is_better=True),
        "disk_free_pct": Band(10, 5, higher_is_better=True),
        "disk_free_mb": Band(2048, 500, higher_is_better=True),
    }
    ADVICE: ClassVar[dict[str, str]] = {
        "cpu_pct": "Close heavy programs (video, games, large downloads) before taking calls.",
        "memory_available_pct": "Close unused browser tabs and programs: memory is nearly full.",
        "memory_total_mb": "This PC has less memory than softphones need (2 GB minimum).",
        "cpu_freq_mhz": "This CPU is slower than softphones need (2 GHz minimum).",
        "disk_free_pct": "Free up disk space: updates and logs need room.",
        "disk_free_mb": "Free up disk space: updates and logs need room.",
    }

    def __init__(
        self, config: SystemConfig, source: PsutilLike, data_dir: Path, clock: Any = time.time
    ) -> None:
        super().__init__(config)
        self.source, self.data_dir, self.clock = source, data_dir, clock

    @classmethod
    def create(cls, config: SystemConfig, env: Environment) -> SystemCheck:
        import psutil

        return cls(config, psutil, env.data_dir)

    def collect(self) -> CheckResult:
        metrics = {**self._cpu(), **self._memory(), **self._disk(), **self._battery()}
        metrics["uptime_s"] = round(self.clock() - self.source.boot_time())
        on_battery = bool(metrics["on_battery"])
        extra = [Status.WARN] if on_battery else []
        result = self.result(self._summary(metrics), metrics, self.ADVICE, extra)
        if on_battery:
            result.advice.append("Plug in the charger: power saving slows the CPU and Wi-Fi.")
        return result

    def _cpu(self) -> dict[str, MetricValue]:
        metrics: dict[str, MetricValue] = {
            "cpu_pct": round(self.source.cpu_percent(interval=self.config.cpu_sample), 1),
            "cpu_count": self.source.cpu_count(logical=True),
        }
        freq = self.source.cpu_freq()
        clock = (freq.max or freq.current) if freq else 0
        if clock:
            metrics["cpu_freq_mhz"] = round(float(clock))
        return metrics

    def _memory(self) -> dict[str, MetricValue]:
        memory = self.source.virtual_memory()
        return {
            "memory_total_mb": round(memory.total / 2**20),
            "memory_available_pct": round(100.0 * memory.available / memory.total, 1),
        }

    def _disk(self) -> dict[str, MetricValue]:
        path = self.data_dir
        while not path.exists() and path != path.parent:
            path = path.parent
        usage = self.source.disk_usage(str(path))
        return {
            "disk_free_pct": round(100.0 * usage.free / usage.total, 1),
            "disk_free_mb": round(usage.free / 2**20),
        }

    def _battery(self) -> dict[str, MetricValue]:
        battery = self.source.sensors_battery()
        if battery is None:
            return {"on_battery": False}
        return {"on_battery": not battery.power_plugged, "battery_pct": round(battery.percent)}

    @staticmethod
    def _summary(m: dict[str, MetricValue]) -> str:
        clock = f" at {m['cpu_freq_mhz']} MHz" if "cpu_freq_mhz" in m else " (clock not exposed)"
        power = f", on battery at {m['battery_pct']}%" if m["on_battery"] else ""
        return (
            f"CPU {m['cpu_pct']}% of {m['cpu_count']} cores{clock}; "
            f"{m['memory_available_pct']}% of {m['memory_total_mb']} MB memory free; "
            f"{m['disk_free_pct']}% disk free{power}"
        )
