"""Half-open bands (property-based) and shift times, including shifts past midnight."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentprobe.config.shifts import on_shift, parse_shift
from agentprobe.report import Status
from agentprobe.thresholds import Band

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@st.composite
def bands(draw: st.DrawFn) -> Band:
    a, b = sorted((draw(finite), draw(finite)))
    higher = draw(st.booleans())
    return Band(b, a, True) if higher else Band(a, b, False)


def _membership(band: Band, value: float) -> list[Status]:
    """Which bands `value` belongs to, by the inclusive wording of the bands (pass <= limit)."""
    if band.higher_is_better:
        tests = {
            Status.PASS: value >= band.pass_limit,
            Status.WARN: band.warn_limit <= value < band.pass_limit,
            Status.FAIL: value < band.warn_limit,
        }
    else:
        tests = {
            Status.PASS: value <= band.pass_limit,
            Status.WARN: band.pass_limit < value <= band.warn_limit,
            Status.FAIL: value > band.warn_limit,
        }
    return [status for status, inside in tests.items() if inside]


@given(bands(), finite)
def test_every_value_lands_in_exactly_one_band(band: Band, value: float) -> None:
    assert _membership(band, value) == [band.grade(value)]


@given(bands())
def test_limits_are_inclusive_on_the_good_side(band: Band) -> None:
    assert band.grade(band.pass_limit) is Status.PASS
    if band.warn_limit != band.pass_limit:
        assert band.grade(band.warn_limit) is Status.WARN


@pytest.mark.parametrize(
    ("band", "value", "status"),
    [
        (Band(150, 300), 150, Status.PASS),
        (Band(150, 300), 150.001, Status.WARN),
        (Band(150, 300), 300, Status.WARN),
        (Band(150, 300), 300.001, Status.FAIL),
        (Band(-67, -75, True), -67, Status.PASS),
        (Band(-67, -75, True), -67.5, Status.WARN),
        (Band(-67, -75, True), -75, Status.WARN),
        (Band(-67, -75, True), -76, Status.FAIL),
        (Band(4.0, 3.5, True), 3.49, Status.FAIL),
    ],
)
def test_design_section_8_boundaries(band: Band, value: float, status: Status) -> None:
    assert band.grade(value) is status


def test_misordered_limits_are_rejected() -> None:
    with pytest.raises(ValueError, match="pass limit 90 must be at most the warn limit 80"):
        Band(90, 80)
    with pytest.raises(ValueError, match="pass limit -75 must be at least the warn limit -67"):
        Band(-75, -67, higher_is_better=True)


def test_with_limits_keeps_direction() -> None:
    assert Band(-67, -75, True).with_limits(-60, -70) == Band(-60, -70, True)


# 2026-03-02 is a Monday.
@pytest.mark.parametrize(
    ("text", "moment", "inside"),
    [
        ("Mon-Fri 08:00-17:00", datetime(2026, 3, 2, 8, 0), True),
        ("Mon-Fri 08:00-17:00", datetime(2026, 3, 2, 16, 59), True),
        ("Mon-Fri 08:00-17:00", datetime(2026, 3, 2, 17, 0), False),
        ("Mon-Fri 08:00-17:00", datetime(2026, 3, 7, 10, 0), False),
        ("Sun 22:00-06:00", datetime(2026, 3, 8, 23, 30), True),
        ("Sun 22:00-06:00", datetime(2026, 3, 9, 5, 59), True),
        ("Sun 22:00-06:00", datetime(2026, 3, 9, 6, 0), False),
        ("Sun 22:00-06:00", datetime(2026, 3, 2, 1, 0), True),
        ("Fri-Mon 20:00-02:00", datetime(2026, 3, 3, 1, 0), True),
        ("Fri-Mon 20:00-02:00", datetime(2026, 3, 4, 1, 0), False),
        ("Mon,Wed 09:00-12:00", datetime(2026, 3, 4, 9, 0), True),
        ("Mon,Wed 09:00-12:00", datetime(2026, 3, 3, 9, 0), False),
    ],
)
def test_shift_contains(text: str, moment: datetime, inside: bool) -> None:
    assert parse_shift(text).contains(moment) is inside


def test_next_start_across_the_weekend_and_midnight() -> None:
    weekdays = parse_shift("Mon-Fri 08:00-17:00")
    assert weekdays.next_start(datetime(2026, 3, 6, 17, 30)) == datetime(2026, 3, 9, 8, 0)
    overnight = parse_shift("Sun 22:00-06:00")
    assert overnight.next_start(datetime(2026, 3, 8, 22, 0)) == datetime(2026, 3, 15, 22, 0)


def test_no_shifts_means_always_on() -> None:
    assert on_shift([], datetime(2026, 3, 7, 3, 0))
    assert not on_shift([parse_shift("Mon 09:00-10:00")], datetime(2026, 3, 7, 3, 0))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weekdays 9-5", 'expected a shift like "Mon-Fri 08:00-17:00"'),
        ("Mon-Fry 08:00-17:00", "unknown day in shift"),
        ("Mon 25:00-26:00", "invalid time '25:00'"),
    ],
)
def test_bad_shifts(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_shift(text)
