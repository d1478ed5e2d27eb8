"""The system check with a fake psutil (exact figures and advice) and once for real."""

from __future__ import annotations

import os
from pathlib import Path

from agentprobe.checks.runner import environment
from agentprobe.checks.system import SystemCheck, SystemConfig
from agentprobe.config.sections import Config
from agentprobe.report import Status
from tests.fakes import FakePsutil


def _run(source: FakePsutil, tmp_path: Path) -> SystemCheck:
    return SystemCheck(SystemConfig(), source, tmp_path / "data" / "deep", lambda: 1_086_400.0)


def test_healthy_desktop(tmp_path: Path) -> None:
    source = FakePsutil()
    result = _run(source, tmp_path).run()
    assert result.status is Status.PASS
    assert result.metrics == {
        "cpu_pct": 12.5,
        "cpu_count": 4,
        "cpu_freq_mhz": 2800,
        "memory_total_mb": 8192,
        "memory_available_pct": 37.5,
        "disk_free_pct": 40.0,
        "disk_free_mb": 204800,
        "on_battery": False,
        "uptime_s": 86400,
    }
    assert result.summary == (
        "CPU 12.5% of 4 cores at 2800 MHz; 37.5% of 8192 MB memory free; 40.0% disk free"
    )
    assert result.advice == []
    assert source.sampled == [2.0]  # CPU averaged over the configured window (>= 1 s)
    assert source.disk_paths == [str(tmp_path)]  # nearest existing parent of the data dir


def test_on_battery_warns_with_advice(tmp_path: Path) -> None:
    result = _run(FakePsutil(battery=(41.0, False)), tmp_path).run()
    assert result.status is Status.WARN
    assert (result.metrics["on_battery"], result.metrics["battery_pct"]) == (True, 41)
    assert result.summary.endswith(", on battery at 41%")
    assert result.advice == ["Plug in the charger: power saving slows the CPU and Wi-Fi."]


def test_plugged_in_laptop_passes(tmp_path: Path) -> None:
    result = _run(FakePsutil(battery=(100.0, True)), tmp_path).run()
    assert result.status is Status.PASS
    assert (result.metrics["on_battery"], result.metrics["battery_pct"]) == (False, 100)


def test_weak_busy_machine_fails_with_advice_for_each_problem(tmp_path: Path) -> None:
    source = FakePsutil(cpu=95.0, freq_max=0, total=1536 * 2**20, available=100 * 2**20,
                        disk_free=3 * 2**30)  # fmt: skip
    result = _run(source, tmp_path).run()
    assert result.status is Status.FAIL
    assert "cpu_freq_mhz" not in result.metrics
    assert result.summary.startswith("CPU 95.0% of 4 cores (clock not exposed); 6.5% of 1536 MB")
    assert result.advice == [
        SystemCheck.ADVICE["cpu_pct"],
        SystemCheck.ADVICE["memory_available_pct"],
        SystemCheck.ADVICE["memory_total_mb"],
        SystemCheck.ADVICE["disk_free_pct"],
    ]


def test_a_nearly_full_disk_gets_its_advice_once(tmp_path: Path) -> None:
    result = _run(FakePsutil(disk_free=100 * 2**20), tmp_path).run()
    assert (result.status, result.metrics["disk_free_mb"]) == (Status.FAIL, 100)
    assert result.advice == [SystemCheck.ADVICE["disk_free_pct"]]


def test_real_run_on_this_machine(tmp_path: Path) -> None:
    env = environment(Config(), tmp_path)
    result = SystemCheck.create(SystemConfig(cpu_sample=1.0), env).run()
    assert result.status in (Status.PASS, Status.WARN, Status.FAIL), result.summary
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert result.metrics["memory_total_mb"] == round(physical / 2**20)
    assert result.metrics["cpu_count"] == os.cpu_count()
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    assert abs(int(result.metrics["uptime_s"] or 0) - uptime) < 5
    assert 0 <= float(result.metrics["cpu_pct"] or 0) <= 100
