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


class FakeListener:
    """A headset child that runs until stopped (or until `die()`)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.alive, self.stops = pid, True, 0

    def running(self) -> bool:
        return self.alive

    def stop(self) -> None:
        self.stops += 1
        self.alive = False

    def die(self) -> None:
        self.alive = False


class FakeLaunch:
    """Starts FakeListeners with PIDs 1000, 1001, ...; keeps every one it started."""

    def __init__(self) -> None:
        self.started: list[FakeListener] = []

    def __call__(self) -> FakeListener:
        self.started.append(FakeListener(1000 + len(self.started)))
        return self.started[-1]


class FakeKey:
    """An open registry key: a dict whose dict items are subkeys, the rest values."""

    def __init__(self, tree: dict[str, object]) -> None:
        self.tree = tree

    def __enter__(self) -> FakeKey:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class FakeWinreg:
    """The winreg calls the consent-store walk makes (winreg's own names), over a dict."""

    def EnumKey(self, key: FakeKey, index: int) -> str:
        names = [name for name, item in key.tree.items() if isinstance(item, dict)]
        if index >= len(names):
            raise OSError("no more data")
        return names[index]

    def OpenKey(self, key: FakeKey, name: str) -> FakeKey:
        item = key.tree[name]
        assert isinstance(item, dict)
        return FakeKey(item)

    def QueryValueEx(self, key: FakeKey, name: str) -> tuple[object, int]:
        item = key.tree.get(name)
        if item is None or isinstance(item, dict):
            raise OSError("the value does not exist")
        return item, 11
