"""The daemon's footprint: resident memory and CPU of `agentprobe run` over a schedule.

    python bench/footprint.py [--seconds 600] [--config FILE]

Runs the real daemon with the default schedule (every check enabled at its default
interval, local-only so nothing leaves the machine; or your config) and samples it once a
second with psutil. Checks run in short-lived child processes, so the figures are split:
the resident daemon (goals: idle RSS <= 60 MB, <= 0.5 % of one core on average) and the
children that come and go (their peak RSS and their share of CPU).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

MB = 2**20


def default_config(directory: Path) -> Path:
    path = directory / "footprint.toml"
    path.write_text(f'[agent]\ndata_dir = "{directory / "data"}"\n')
    return path


WARMUP_S = 15.0  # start-up (imports, the first round of checks) is reported separately


def sample(daemon: psutil.Process, seconds: float) -> dict[str, list[float]]:
    """Once a second: daemon RSS (split idle / while checks run) and the children's RSS.

    Also the daemon's own CPU seconds at the end of the warm-up and at the end.
    """
    idle: list[float] = []
    busy: list[float] = []
    children_rss: list[float] = []
    cpu: list[float] = []
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline and daemon.is_running():
        if not cpu and time.monotonic() - started >= WARMUP_S:
            times = daemon.cpu_times()
            cpu = [time.monotonic(), times.user + times.system]
        children = daemon.children(recursive=True)
        rss = daemon.memory_info().rss / MB
        (busy if children else idle).append(rss)
        for child in children:
            try:
                children_rss.append(child.memory_info().rss / MB)
            except psutil.Error:
                continue
        time.sleep(1.0)
    times = daemon.cpu_times()
    if cpu:
        cpu += [time.monotonic(), times.user + times.system]
    return {"idle": idle, "busy": busy, "children": children_rss, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        config = args.config or default_config(Path(scratch))
        command = [sys.executable, "-c", "from agentprobe.cli import main; main()", "run"]
        command += ["--config", str(config)]
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        daemon = psutil.Process(process.pid)
        started = time.monotonic()
        try:
            samples = sample(daemon, args.seconds)
            times = daemon.cpu_times()
        finally:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(60)
        elapsed = time.monotonic() - started
    report(samples, times, elapsed)


def report(samples: dict[str, list[float]], times: Any, elapsed: float) -> None:
    own = times.user + times.system
    children = times.children_user + times.children_system
    idle = samples["idle"][5:] or samples["idle"]  # skip start-up
    print(f"run: {elapsed:.0f} s of the daemon with its schedule")
    if idle:
        print(
            f"daemon RSS idle: median {statistics.median(idle):.1f} MB, "
            f"max {max(idle):.1f} MB (goal <= 60 MB)"
        )
    if samples["busy"]:
        print(f"daemon RSS while checks run: max {max(samples['busy']):.1f} MB")
    print(f"daemon CPU: {100 * own / elapsed:.3f} % of one core on average, start-up included")
    if len(samples["cpu"]) == 4:
        at, seconds, end_at, end_seconds = samples["cpu"]
        steady = 100 * (end_seconds - seconds) / (end_at - at)
        print(f"daemon CPU after the first {WARMUP_S:.0f} s: {steady:.3f} % (goal <= 0.5 %)")
    print(f"check children CPU: {100 * children / elapsed:.3f} % of one core on average")
    if samples["children"]:
        print(f"check children RSS: peak {max(samples['children']):.1f} MB (exit after each run)")


if __name__ == "__main__":
    main()
