"""When an alert is raised and when it clears: a small state machine, pure.

A rule's condition already looks at several reports (N of the last M), so one bad
report does not raise it. Raising happens the first time the condition holds; while it
keeps holding, or holds again before `clear_after` has passed, nothing is sent again.
It clears only after the condition has not held for `clear_after` without a break, so a
metric that wobbles around its threshold raises once and clears once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

RAISED, CLEARED = "raised", "cleared"


@dataclass(frozen=True)
class AlertState:
    state: str  # raised | cleared
    since_ts: float  # when it was last raised
    good_since_ts: float | None  # since when the condition has not held (None: it holds)
    changed_ts: float


def step(
    current: AlertState | None, holds: bool, now: float, clear_after: float
) -> tuple[AlertState | None, str | None]:
    """(next state, transition "raised"/"cleared" or None) after one evaluation."""
    raised = current is not None and current.state == RAISED
    if holds:
        if raised:
            assert current is not None
            return replace(current, good_since_ts=None), None
        return AlertState(RAISED, now, None, now), RAISED
    if not raised:
        return current, None
    assert current is not None
    good_since = current.good_since_ts if current.good_since_ts is not None else now
    if now - good_since >= clear_after:
        return AlertState(CLEARED, current.since_ts, good_since, now), CLEARED
    return replace(current, good_since_ts=good_since), None
