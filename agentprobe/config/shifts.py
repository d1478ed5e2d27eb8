"""Shift times as people write them: "Mon-Fri 08:00-17:00", "Sat 09:00-13:00", "Sun 22:00-06:00".

Pure parsing and membership; local wall-clock time. A shift whose end is not after its
start runs past midnight into the next day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PATTERN = re.compile(
    r"^\s*(?P<days>[A-Za-z]{3}(?:-[A-Za-z]{3})?(?:,[A-Za-z]{3}(?:-[A-Za-z]{3})?)*)\s+"
    r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class Shift:
    """Days of the week (0 = Monday) on which the shift starts, and its wall-clock span."""

    days: frozenset[int]
    start: time
    end: time

    def contains(self, moment: datetime) -> bool:
        """Whether `moment` (local, naive or aware) falls inside this shift."""
        return any(start <= moment < end for start, end in self._spans_around(moment))

    def next_start(self, moment: datetime) -> datetime:
        """The first shift start strictly after `moment`."""
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        for offset in range(8):
            candidate = datetime.combine(
                (day + timedelta(days=offset)).date(), self.start, tzinfo=moment.tzinfo
            )
            if candidate.weekday() in self.days and candidate > moment:
                return candidate
        raise AssertionError("a shift with at least one day starts within eight days")

    def _spans_around(self, moment: datetime) -> list[tuple[datetime, datetime]]:
        spans = []
        for offset in (-1, 0):
            day = (moment + timedelta(days=offset)).date()
            if day.weekday() not in self.days:
                continue
            start = datetime.combine(day, self.start, tzinfo=moment.tzinfo)
            end = datetime.combine(day, self.end, tzinfo=moment.tzinfo)
            if end <= start:
                end += timedelta(days=1)
            spans.append((start, end))
        return spans


def parse_shift(text: str) -> Shift:
    """Parse "Mon-Fri 08:00-17:00" (day ranges may be comma-separated). Raises ValueError."""
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f'expected a shift like "Mon-Fri 08:00-17:00", got {text!r}')
    days: set[int] = set()
    for part in match.group("days").lower().split(","):
        days.update(_day_range(part, text))
    return Shift(
        frozenset(days), _clock(match.group("start"), text), _clock(match.group("end"), text)
    )


def _day_range(part: str, text: str) -> list[int]:
    first, _, last = part.partition("-")
    try:
        a, b = DAYS.index(first), DAYS.index(last or first)
    except ValueError:
        raise ValueError(
            f"unknown day in shift {text!r}; use Mon Tue Wed Thu Fri Sat Sun"
        ) from None
    return [(a + i) % 7 for i in range((b - a) % 7 + 1)]


def _clock(value: str, text: str) -> time:
    hours, minutes = (int(v) for v in value.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid time {value!r} in shift {text!r}")
    return time(hours, minutes)


def on_shift(shifts: list[Shift], moment: datetime) -> bool:
    """No shifts configured means always on shift."""
    return not shifts or any(shift.contains(moment) for shift in shifts)
