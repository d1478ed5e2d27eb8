"""Small fakes for the network-quality checks: a scripted probe and a scripted speed path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agentprobe.bandwidth.sufficiency import StopRule, Transfer
from agentprobe.voice.probe import ProbeRun
from agentprobe.voice.statistics import Echo


def probe_run(sent: int, lost_up: set[int], lost_down: set[int], rtt_ms: float) -> ProbeRun:
    """A run where `lost_up` never reached the reflector and `lost_down` never came back.

    Each reply carries the reflector's count of packets accepted before it, as the real
    reflector's do.
    """
    run = ProbeRun(sent=sent, reflected=sent - len(lost_up))
    accepted = 0
    for seq in range(sent):
        if seq in lost_up:
            continue
        accepted += 1
        if seq in lost_down:
            continue
        t1 = seq * 20_000_000
        t2 = t1 + int(rtt_ms / 2 * 1e6)
        run.arrivals.append(Echo(seq, t1, t2, t2, t2 + int(rtt_ms / 2 * 1e6), accepted - 1))
    return run


@dataclass
class ScriptedProbe:
    run: ProbeRun
    calls: list[tuple[float, int]] = field(default_factory=list)

    def __call__(
        self, seconds: float, size: int, progress: Callable[[float], None]
    ) -> tuple[str, ProbeRun]:
        self.calls.append((seconds, size))
        return "reflector.example:8443", self.run


@dataclass
class FixedPinger:
    """One RTT while idle and another under load; None: no ping answered then."""

    idle_ms: float | None
    loaded_ms: float | None
    loaded_from: float = 0.0

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def rtts_ms(self, start: float, end: float) -> list[float]:
        loaded = self.loaded_from and start >= self.loaded_from
        value = self.loaded_ms if loaded else self.idle_ms
        return [] if value is None else [value]


@dataclass
class ScriptedPath:
    """Transfers at fixed rates; the pinger reports `loaded_ms` once a transfer ran."""

    down_kbps: float
    up_kbps: float
    pinger: FixedPinger
    server: str = "test"
    rules: list[StopRule] = field(default_factory=list)
    cancelled: bool = False

    @property
    def bytes_used(self) -> int:
        return int((self.down_kbps + self.up_kbps) * 1000 / 8 * 2)

    def _run(self, direction: str, kbps: float, rule: StopRule) -> Transfer:
        self.rules.append(rule)
        self.pinger.loaded_from = -1e18  # from now on every ping is loaded
        return Transfer(direction, kbps, int(kbps * 250), 2.0, not rule.full)

    def download(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer:
        return self._run("download", self.down_kbps, rule)

    def upload(self, rule: StopRule, progress: Callable[[float], None]) -> Transfer:
        return self._run("upload", self.up_kbps, rule)

    def cancel(self) -> None:
        self.cancelled = True


class ScriptedAcks:
    """An acknowledgement probe whose figures the test sets per socket (None: unsupported)."""

    def __init__(self) -> None:
        self.acked: dict[object, int | None] = {}

    def __call__(self, sock: object) -> int | None:
        return self.acked.get(sock)
