"""The `bandwidth` check: download/upload against the per-stream budget, and latency under load."""

from __future__ import annotations

from dataclasses import dataclass

from agentprobe.configspec import CheckConfig, every, setting


@dataclass(frozen=True)
class BandwidthConfig(CheckConfig):
    interval: float = every(1800.0)
    backend: str = setting(
        "collector",
        "collector endpoints, or public speedtest.net servers",
        choices=("collector", "ookla"),
    )
