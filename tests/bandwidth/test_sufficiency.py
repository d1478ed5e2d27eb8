"""The early-stop rule and the steady-rate estimate on hand-made byte-counter samples."""

from __future__ import annotations

import pytest

from agentprobe.bandwidth.sufficiency import StopRule, proven, steady_rate_kbps


def ramp(kbps: float, seconds: float, start: float = 0.2) -> list[tuple[float, int]]:
    """Nothing for `start` s (connecting), then `kbps` steadily, sampled every 0.1 s."""
    samples = []
    for i in range(int(seconds * 10) + 1):
        t = i / 10
        samples.append((t, int(max(0.0, t - start) * kbps * 1000 / 8)))
    return samples


def test_not_proven_before_a_full_window_of_data() -> None:
    assert not proven(ramp(1000, 1.0), StopRule(300))  # only 0.8 s of flow


def test_proven_once_a_second_is_above_target_times_margin() -> None:
    assert proven(ramp(1000, 1.3), StopRule(300, margin=1.5))


def test_not_proven_when_the_rate_is_short_of_the_margin() -> None:
    assert not proven(ramp(400, 5.0), StopRule(300, margin=1.5))


def test_full_never_stops_early() -> None:
    assert not proven(ramp(100_000, 5.0), StopRule(300, full=True))


def test_steady_rate_skips_connection_setup() -> None:
    assert steady_rate_kbps(ramp(2000, 5.0, start=1.0)) == pytest.approx(2000, rel=0.01)


def test_a_stall_in_the_window_blocks_the_stop() -> None:
    samples = ramp(1000, 2.0)
    stalled = [(t, b if t < 1.5 else samples[15][1]) for t, b in samples]
    assert not proven(stalled, StopRule(300))


def test_steady_rate_ignores_the_tail_after_the_last_byte() -> None:
    moving = ramp(2000, 4.0, start=0.0)
    idle_tail = [(4.0 + i / 10, moving[-1][1]) for i in range(1, 6)]
    assert steady_rate_kbps(moving + idle_tail) == pytest.approx(2000, rel=0.01)


def test_steady_rate_ends_where_the_flows_were_told_to_stop() -> None:
    # 2 Mbit/s until the 4 s limit, then four flows finish one by one over 0.4 s
    moving = ramp(2000, 4.0, start=0.0)
    total, wind_down = moving[-1][1], []
    for i, busy_flows in enumerate((3, 2, 1, 0), start=1):
        total += 25_000 * busy_flows // 4  # 25 kB is 0.1 s at 2 Mbit/s
        wind_down.append((4.0 + i / 10, total))
    samples = moving + wind_down
    assert steady_rate_kbps(samples) < 2000 * 0.97  # the tail drags the whole window down
    assert steady_rate_kbps(samples, until=4.0) == pytest.approx(2000, rel=0.01)


def test_the_stop_time_never_extends_the_window_past_the_last_byte() -> None:
    moving = ramp(2000, 2.0, start=0.0)
    idle_tail = [(2.0 + i / 10, moving[-1][1]) for i in range(1, 6)]
    assert steady_rate_kbps(moving + idle_tail, until=4.0) == pytest.approx(2000, rel=0.01)


def test_a_stall_before_the_stop_counts_against_the_rate() -> None:
    # 500 kbps for 3 s, then nothing until the flows are stopped at 8 s.
    moving = [(t / 10, int(500_000 / 8 * t / 10)) for t in range(31)]
    stalled = [(t / 10, moving[-1][1]) for t in range(31, 86)]
    rate = steady_rate_kbps([*moving, *stalled], until=8.0)
    start = 0.1 + (8.0 - 0.1) * 0.2
    expected = (moving[-1][1] - 500_000 / 8 * start) * 8 / 1000 / (8.0 - start)
    assert rate == pytest.approx(expected, rel=1e-6)
    assert rate < 200


def test_flows_that_finish_early_end_the_window_at_their_last_byte() -> None:
    done = [(t / 10, int(800_000 / 8 * t / 10)) for t in range(21)] + [(2.1, 200_000)]
    assert steady_rate_kbps(done, until=8.0) == pytest.approx(800, rel=0.01)
