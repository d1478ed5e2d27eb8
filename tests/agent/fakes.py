"""Small fakes for the agent's unit tests: a clock and a scripted uploader."""

from __future__ import annotations

from collections.abc import Iterable

from agentprobe.agent.delivery.uploader import Outcome


class Clock:
    """Wall-clock seconds that move only when told."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ScriptedSend:
    """Answers uploads with the given outcomes in order, then `sent`; records the bodies."""

    def __init__(self, outcomes: Iterable[Outcome] = ()) -> None:
        self.outcomes = list(outcomes)
        self.bodies: list[str] = []

    def __call__(self, body: str) -> Outcome:
        self.bodies.append(body)
        return self.outcomes.pop(0) if self.outcomes else Outcome("sent", "HTTP 201")
