"""Durations as people write them in config and on the command line: 30, "30s", "15m", "2h"."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


def parse_duration(value: object) -> float:
    """Seconds from a number of seconds or a string like "30s", "15m", "2h", "1d".

    Raises ValueError with a reason a person can act on.
    """
    if isinstance(value, bool):
        raise ValueError('expected a duration such as 30, "30s", "15m" or "2h", got a boolean')
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative, got {value}")
        return float(value)
    if isinstance(value, str):
        match = _PATTERN.match(value)
        if match:
            return float(match.group(1)) * _UNITS[match.group(2) or "s"]
    raise ValueError(f'expected a duration such as 30, "30s", "15m" or "2h", got {value!r}')


def format_duration(seconds: float) -> str:
    """The shortest exact spelling: 1800 -> "30m", 90 -> "90s", 7200 -> "2h"."""
    for unit in ("d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size and (seconds / size).is_integer():
            return f"{int(seconds / size)}{unit}"
    return f"{seconds:g}s"
