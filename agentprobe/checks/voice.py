"""The `voice` check: an RTP-like probe through the reflector, graded by the E-model."""

from __future__ import annotations

from dataclasses import dataclass

from agentprobe.configspec import CheckConfig, every, setting


@dataclass(frozen=True)
class VoiceConfig(CheckConfig):
    interval: float = every(900.0)
    reflector: str = setting("", "host:port; default: the collector's host and port, UDP")
    codec: str = setting(
        "g711", "codec whose packets the probe imitates", choices=("g711", "g729", "opus")
    )
    seconds: float = setting(10.0, "probe length", duration=True, minimum=1, maximum=120)
