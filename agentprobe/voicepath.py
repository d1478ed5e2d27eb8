"""The voice check's real path: a reflector session over HTTPS, then the UDP probe."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agentprobe.checks.base import Environment, Skipped
from agentprobe.emodel import PACKET_MS
from agentprobe.voiceprobe import ProbeRun, ProbeStream, open_target

if TYPE_CHECKING:
    from agentprobe.checks.voice import Prober, VoiceConfig


def prober(config: VoiceConfig, env: Environment) -> Prober:
    """A prober for the configured collector; skips when there is no collector or token."""

    def probe(seconds: float, size: int, progress: Callable[[float], None]) -> tuple[str, ProbeRun]:
        collector = env.config.collector
        if not collector.url:
            raise Skipped(
                "no collector configured (local-only mode): no reflector to probe",
                ["set [collector] url to measure the voice path"],
            )
        if not env.token:
            raise Skipped(
                "this agent is not enrolled with the collector",
                ["run `agentprobe enroll` (or set [collector] enroll_secret)"],
            )
        from agentprobe.agent.http import make_session

        http = make_session(env.config)
        http.headers["Authorization"] = f"Bearer {env.token}"
        with http:
            target = open_target(http, collector.url, config.reflector)
        count = max(1, round(seconds * 1000 / PACKET_MS))
        run = ProbeStream(target, PACKET_MS / 1000, size).run(count=count, progress=progress)
        return target.address, run

    return probe
