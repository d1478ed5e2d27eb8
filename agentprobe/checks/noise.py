"""The `noise` check: microphone background noise as level metrics, never audio."""

from __future__ import annotations

from dataclasses import dataclass

from agentprobe.configspec import CheckConfig, every, setting


@dataclass(frozen=True)
class NoiseConfig(CheckConfig):
    interval: float = every(600.0)
    device: str = setting("", "substring of the input device name; default: system default input")
    seconds: float = setting(5.0, "capture length", duration=True, minimum=1, maximum=60)
