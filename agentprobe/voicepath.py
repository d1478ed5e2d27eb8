"""The voice check's real path: a reflector session over HTTPS, then the UDP probe."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agentprobe.checks.base import Environment
from agentprobe.collectorsession import collector_session
from agentprobe.emodel import PACKET_MS
from agentprobe.voiceprobe import ProbeRun, ProbeStream, open_target

if TYPE_CHECKING:
    from agentprobe.checks.voice import Prober, VoiceConfig


def prober(config: VoiceConfig, env: Environment) -> Prober:
    """A prober for the configured collector; skips when there is no collector or token."""

    def probe(seconds: float, size: int, progress: Callable[[float], None]) -> tuple[str, ProbeRun]:
        http = collector_session(
            env, "no reflector to probe", ["set [collector] url to measure the voice path"]
        )
        with http:
            target = open_target(http, env.config.collector.url, config.reflector)
        count = max(1, round(seconds * 1000 / PACKET_MS))
        run = ProbeStream(target, PACKET_MS / 1000, size).run(count=count, progress=progress)
        return target.address, run

    return probe
