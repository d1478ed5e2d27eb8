"""The `audio_devices` check: inputs, outputs, defaults, and a headset guess."""

from __future__ import annotations

from dataclasses import dataclass

from agentprobe.configspec import CheckConfig, every


@dataclass(frozen=True)
class AudioDevicesConfig(CheckConfig):
    interval: float = every(300.0)
