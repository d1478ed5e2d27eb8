"""Grading a measured value in half-open pass/warn/fail bands (pass <= limit, no gaps).

A band is two limits. For a lower-is-better metric (latency) the value passes at or
below `pass_limit`, warns at or below `warn_limit`, and fails above it. For a
higher-is-better metric (MOS, bandwidth) it passes at or above `pass_limit`, warns at
or above `warn_limit`, and fails below. Every real number lands in exactly one band.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentprobe.report import Status


@dataclass(frozen=True)
class Band:
    """Limits for one metric. `higher_is_better` fixes which side of a limit is good."""

    pass_limit: float
    warn_limit: float
    higher_is_better: bool = False

    def __post_init__(self) -> None:
        ordered = (
            self.pass_limit >= self.warn_limit
            if self.higher_is_better
            else self.pass_limit <= self.warn_limit
        )
        if not ordered:
            side = "at least" if self.higher_is_better else "at most"
            raise ValueError(
                f"pass limit {self.pass_limit:g} must be {side} the warn limit {self.warn_limit:g}"
            )

    def grade(self, value: float) -> Status:
        if self.higher_is_better:
            if value >= self.pass_limit:
                return Status.PASS
            return Status.WARN if value >= self.warn_limit else Status.FAIL
        if value <= self.pass_limit:
            return Status.PASS
        return Status.WARN if value <= self.warn_limit else Status.FAIL

    def with_limits(self, pass_limit: float, warn_limit: float) -> Band:
        return Band(pass_limit, warn_limit, self.higher_is_better)
