"""When has a speed test seen enough? Rates from byte-counter samples, and the stop rule.

Pure functions over `(seconds, cumulative bytes)` samples taken while a transfer runs.
A healthy link only has to prove it carries the budget with headroom: once every
quarter-second slice of the last second moved at least target × margin, more data
would not change the verdict, so the test stops (unless a full measurement was asked
for). The reported rate skips the start of the transfer, where TCP is still ramping up,
and its end, after the flows were told to stop, where they wind down one by one.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

ByteCount = tuple[float, int]  # (seconds since the transfer started, bytes moved so far)
SLICE_S = 0.25


@dataclass(frozen=True)
class StopRule:
    """Stop once `target_kbps × margin` is sustained for `window_s` (never when `full`)."""

    target_kbps: float
    margin: float = 1.5
    window_s: float = 1.0
    full: bool = False

    @property
    def threshold_kbps(self) -> float:
        return self.target_kbps * self.margin


@dataclass(frozen=True)
class Transfer:
    """One direction's outcome."""

    direction: str  # "download" or "upload"
    kbps: float
    bytes: int
    seconds: float
    stopped_early: bool


def _bytes_at(samples: Sequence[ByteCount], t: float) -> float:
    """Cumulative bytes at time t, linear between samples."""
    if t <= samples[0][0]:
        return float(samples[0][1])
    for (t0, b0), (t1, b1) in itertools.pairwise(samples):
        if t0 <= t <= t1:
            return b0 + (b1 - b0) * ((t - t0) / (t1 - t0) if t1 > t0 else 1.0)
    return float(samples[-1][1])


def kbps(byte_count: float, seconds: float) -> float:
    return byte_count * 8 / 1000 / seconds if seconds > 0 else 0.0


def slice_rates(samples: Sequence[ByteCount], start: float, end: float) -> list[float]:
    """Kbps in consecutive SLICE_S slices of [start, end]."""
    rates, t = [], start
    while t + SLICE_S <= end + 1e-9:
        rates.append(kbps(_bytes_at(samples, t + SLICE_S) - _bytes_at(samples, t), SLICE_S))
        t += SLICE_S
    return rates


def proven(samples: Sequence[ByteCount], rule: StopRule) -> bool:
    """Whether the samples already show the target is met with margin."""
    if rule.full or len(samples) < 2:
        return False
    end = samples[-1][0]
    start = end - rule.window_s
    if start < first_moving(samples):
        return False
    rates = slice_rates(samples, start, end)
    return bool(rates) and min(rates) >= rule.threshold_kbps


def first_moving(samples: Sequence[ByteCount]) -> float:
    """When the first byte moved (the time before is connection set-up, not throughput)."""
    for t, count in samples:
        if count > 0:
            return t
    return samples[-1][0]


def last_moving(samples: Sequence[ByteCount]) -> float:
    """When the count reached its final value (the time after is tear-down, not throughput)."""
    final = samples[-1][1]
    return next(t for t, count in samples if count >= final)


def steady_rate_kbps(
    samples: Sequence[ByteCount], warmup_fraction: float = 0.2, until: float | None = None
) -> float:
    """The rate while every flow was busy: after the ramp-up, before the wind-down.

    The window starts `warmup_fraction` of the way into the moving time (TCP ramp) and
    ends at `until`, the moment the flows were told to stop. Past that point each flow
    stops at its own pace (a write in progress aborts, queued data drains, sockets
    close), so the count slows for up to half a second: in a 4 s test that tail alone
    reads the rate a tenth or more below the link. Before it, time without progress is
    the link's own: a transfer that stalls after 3 s of an 8 s test counts all 8 s.
    Only flows that finished their work before being told to stop (the samples end
    before `until`) end the window at their last byte.
    """
    if len(samples) < 2:
        return 0.0
    begin, end = first_moving(samples), last_moving(samples)
    if until is not None and samples[-1][0] >= until:
        end = until
    start = begin + (end - begin) * warmup_fraction
    if end - start <= 0:
        return 0.0
    return kbps(_bytes_at(samples, end) - _bytes_at(samples, start), end - start)


class Unreachable(Exception):
    """The test server cannot be reached or refuses us: a summary and advice for the report."""

    def __init__(self, summary: str, *advice: str) -> None:
        super().__init__(summary)
        self.summary, self.advice = summary, list(advice)
