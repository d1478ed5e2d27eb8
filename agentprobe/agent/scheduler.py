"""When each check runs: its interval plus jitter, once at start, again at each shift start.

Pure bookkeeping over wall-clock seconds (so a laptop that slept catches up when it
wakes). Outside shifts only light checks run; during a call heavy checks are held back
and run, with trigger `call_end`, once the call is over.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from agentprobe.config.shifts import Shift


@dataclass(frozen=True)
class Plan:
    """What the scheduler needs to know about one enabled check."""

    name: str
    interval_s: float
    heavy: bool


@dataclass(frozen=True)
class Pick:
    """The checks to run now and why; `postponed` are heavy checks held back by a call."""

    names: tuple[str, ...]
    trigger: str
    postponed: tuple[str, ...] = ()


class Scheduler:
    """Next due time per check, with jitter so a fleet does not run in lockstep."""

    def __init__(self, plans: Sequence[Plan], jitter_s: float, rng: random.Random) -> None:
        self.plans = {plan.name: plan for plan in plans}
        self.jitter_s, self.rng = jitter_s, rng
        self.next_at: dict[str, float] = {}
        self.reason: str = "schedule"
        self.held: set[str] = set()

    def start(self, now: float) -> None:
        """Everything runs once at start (spread over the jitter window)."""
        self.all_due(now, "schedule")

    def all_due(self, now: float, reason: str, spread: bool = True) -> None:
        """Make every check due now (shift start, a person asking), spread by the jitter."""
        spread_s = self._jitter() if spread else 0.0
        for name in self.plans:
            self.next_at[name] = now + spread_s
        self.reason = reason

    def pick(self, now: float, on_shift: bool, in_call: bool) -> Pick:
        """The checks due at `now` that may run given the shift and call state."""
        due = [name for name, at in self.next_at.items() if at <= now]
        allowed = [n for n in due if on_shift or not self.plans[n].heavy]
        runnable = [n for n in allowed if not (in_call and self.plans[n].heavy)]
        postponed = tuple(n for n in allowed if n not in runnable)
        trigger = self.reason
        if not in_call and self.held & set(runnable):
            trigger = "call_end" if trigger == "schedule" else trigger
        self.held = set(postponed) | (self.held if in_call else set())
        return Pick(tuple(runnable), trigger, postponed)

    def ran(self, names: Sequence[str], started: float) -> None:
        """Schedule the next run of `names`, which started at `started`."""
        for name in names:
            self.next_at[name] = started + self.plans[name].interval_s + self._jitter()
        self.held -= set(names)
        if all(at > started for at in self.next_at.values()):
            self.reason = "schedule"

    def next_due(self, on_shift: bool) -> float | None:
        """The earliest time a check may become runnable (None: nothing scheduled)."""
        times = [at for n, at in self.next_at.items() if on_shift or not self.plans[n].heavy]
        return min(times, default=None)

    def _jitter(self) -> float:
        return self.rng.uniform(0.0, self.jitter_s) if self.jitter_s > 0 else 0.0


def next_shift_start(shifts: Sequence[Shift], moment: datetime) -> datetime | None:
    """The first start of any shift strictly after `moment` (None without shifts)."""
    return min((shift.next_start(moment) for shift in shifts), default=None)
