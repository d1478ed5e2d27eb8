"""Pure statistics of a probe stream on hand-made inputs with known answers."""

from __future__ import annotations

import math

import pytest

from agentprobe.voice import statistics
from agentprobe.voice.statistics import Echo


def test_jitter_of_constant_transit_is_zero() -> None:
    assert statistics.rfc3550_jitter([5.0] * 50) == 0.0


def test_jitter_follows_rfc3550_recursion() -> None:
    # |D| is 4 every step: J_n = 4 (1 - (15/16)^n)
    n = 40
    transits = [10.0 + (4.0 if i % 2 else 0.0) for i in range(n + 1)]
    assert statistics.rfc3550_jitter(transits) == pytest.approx(4 * (1 - (15 / 16) ** n))


def test_percentile() -> None:
    assert statistics.percentile([1, 2, 3, 4, 5], 50) == 3
    assert statistics.percentile([1, 2, 3, 4, 5], 95) == pytest.approx(4.8)
    assert math.isnan(statistics.percentile([], 50))


def test_loss_runs_and_burst() -> None:
    lost = statistics.lost_flags(10, [0, 1, 4, 5, 6, 9])
    assert lost == [False, False, True, True, False, False, False, True, True, False]
    assert statistics.loss_runs(lost) == [2, 2]
    assert statistics.loss_runs([True, True, True]) == [3]


def test_burst_ratio_random_and_bursty() -> None:
    spread = [i % 10 == 0 for i in range(1000)]  # isolated losses: no burstiness
    assert statistics.burst_ratio(spread) == 1.0
    bursty = [i % 100 < 10 for i in range(1000)]  # 10 % loss in runs of 10
    # p = 10/900 per received packet, q = 1/10 per lost packet: 1/(p+q) = 9
    assert statistics.burst_ratio(bursty) == pytest.approx(1 / (9 / 891 + 10 / 100), rel=0.05)
    assert statistics.burst_ratio([False] * 10) == 1.0


def test_reordering_and_duplicates() -> None:
    assert statistics.reordered([0, 1, 3, 2, 4, 6, 5]) == 2
    assert statistics.duplicates([0, 1, 1, 2, 2, 2]) == 3


def _sample(seq: int, up_ms: float, down_ms: float, offset_ns: int = 10**12) -> Echo:
    t1 = seq * 20_000_000
    t2 = t1 + int(up_ms * 1e6) + offset_ns  # reflector clock far off: must cancel
    t3 = t2 + 50_000
    t4 = t3 - offset_ns + int(down_ms * 1e6)
    return Echo(seq, t1, t2, t3, t4)


def test_stream_stats_per_direction() -> None:
    sent, reflected = 100, 95  # 5 lost on the way up
    arrivals = [_sample(s, 10 + (s % 2), 20) for s in range(92)]  # 3 more lost coming back
    stats = statistics.stream_stats(sent, reflected, arrivals)
    assert stats.loss_up_pct == pytest.approx(5.0)
    assert stats.loss_down_pct == pytest.approx(100 * 3 / 95)
    assert stats.loss_pct == pytest.approx(8.0)
    assert stats.max_burst_loss == 8
    assert stats.rtt_ms == pytest.approx(30.5, abs=0.51)
    assert stats.jitter_down_ms == pytest.approx(0.0, abs=1e-6)
    assert stats.jitter_up_ms == pytest.approx(1 - (15 / 16) ** 91, abs=1e-3)
    assert stats.pdv_up_ms == pytest.approx(1.0)


def test_a_loss_run_at_the_end_of_the_trace_is_not_endless() -> None:
    # 497 answered, then 3 lost: one run of 3 among 500, not a BurstR of 497.
    lost = [False] * 497 + [True] * 3
    assert statistics.burst_ratio(lost) == pytest.approx(1 / (1 / 497 + 1 / 3), rel=1e-9)


def test_a_duplicate_is_not_reordering_and_keeps_the_first_copy() -> None:
    assert statistics.reordered([0, 1, 2, 1, 3]) == 0
    first = [_sample(seq, 10.0, 10.0) for seq in range(50)]
    late_copy = _sample(10, 10.0, 90.0)  # the same packet again, 80 ms later
    stats = statistics.stream_stats(50, 50, [*first[:11], late_copy, *first[11:]])
    clean = statistics.stream_stats(50, 50, first)
    assert (stats.duplicates, stats.reordered) == (1, 0)
    assert stats.jitter_down_ms == clean.jitter_down_ms == 0.0
