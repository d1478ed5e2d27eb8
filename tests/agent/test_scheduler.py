"""When checks run: intervals, shifts, calls and jitter, on a clock the test moves."""

from __future__ import annotations

import random
from datetime import datetime

from agentprobe.agent.scheduler import Plan, Scheduler, next_shift_start
from agentprobe.config.shifts import parse_shift

PLANS = [Plan("system", 300.0, False), Plan("bandwidth", 1800.0, True)]


def started(jitter: float = 0.0) -> Scheduler:
    scheduler = Scheduler(PLANS, jitter, random.Random(3))
    scheduler.start(0.0)
    return scheduler


def test_everything_runs_once_at_start_then_on_its_interval() -> None:
    scheduler = started()
    pick = scheduler.pick(0.0, on_shift=True, in_call=False)
    assert (pick.names, pick.trigger) == (("system", "bandwidth"), "schedule")
    scheduler.ran(pick.names, 0.0)
    assert scheduler.pick(299.0, True, False).names == ()
    assert scheduler.pick(300.0, True, False).names == ("system",)
    assert scheduler.next_at["bandwidth"] == 1800.0


def test_outside_shifts_only_light_checks_run() -> None:
    scheduler = started()
    pick = scheduler.pick(0.0, on_shift=False, in_call=False)
    assert pick.names == ("system",)
    assert scheduler.next_due(on_shift=True) == 0.0  # bandwidth still owed
    scheduler.ran(pick.names, 0.0)
    assert scheduler.next_due(on_shift=False) == 300.0


def test_heavy_checks_wait_for_the_call_to_end() -> None:
    scheduler = started()
    during = scheduler.pick(0.0, on_shift=True, in_call=True)
    assert (during.names, during.postponed) == (("system",), ("bandwidth",))
    scheduler.ran(during.names, 0.0)
    assert scheduler.pick(20.0, True, True).postponed == ("bandwidth",)
    after = scheduler.pick(40.0, True, False)
    assert (after.names, after.trigger) == (("bandwidth",), "call_end")
    scheduler.ran(after.names, 40.0)
    assert scheduler.pick(300.0, True, False).trigger == "schedule"


def test_shift_start_and_manual_requests_make_everything_due() -> None:
    scheduler = started()
    scheduler.ran(("system", "bandwidth"), 0.0)
    scheduler.all_due(100.0, "shift_start", spread=False)
    pick = scheduler.pick(100.0, True, False)
    assert (pick.names, pick.trigger) == (("system", "bandwidth"), "shift_start")
    scheduler.ran(pick.names, 100.0)
    scheduler.all_due(150.0, "manual", spread=False)
    assert scheduler.pick(150.0, True, False).trigger == "manual"


def test_jitter_spreads_runs_within_its_window() -> None:
    scheduler = started(jitter=30.0)
    scheduler.ran(("system",), 0.0)
    assert 300.0 <= scheduler.next_at["system"] <= 330.0
    starts = set()
    for seed in range(20):
        other = Scheduler(PLANS, 30.0, random.Random(seed))
        other.start(0.0)
        starts.add(round(other.next_at["system"], 3))
    assert len(starts) > 10 and all(0.0 <= s <= 30.0 for s in starts)


def test_next_shift_start_is_the_earliest_of_all_shifts() -> None:
    shifts = [parse_shift("Mon-Fri 08:00-17:00"), parse_shift("Sat 10:00-14:00")]
    friday_evening = datetime(2024, 6, 7, 18, 0)
    assert next_shift_start(shifts, friday_evening) == datetime(2024, 6, 8, 10, 0)
    assert next_shift_start([], friday_evening) is None
