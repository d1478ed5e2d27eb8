"""Hysteresis for the tray: a single bad result is a blip, two in a row are a problem.

Each check's results are counted as they arrive (a new `at` is a new result). A check
starts to count as "not passing" once two results in a row are not passing, and stops
once two in a row pass, so one dropped probe or one busy minute never turns the icon red
and one good result does not hide a lasting problem. The first result the tray ever sees
for a check counts at once: there is nothing yet to call it a blip against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RAISE_AFTER = 2
CLEAR_AFTER = 2
_BAD = ("warn", "fail", "error")


@dataclass
class _Track:
    at: str
    alarmed: bool
    bad: int = 0
    good: int = 0
    last_bad: Mapping[str, Any] | None = None  # shown while a lasting problem clears


class Calm:
    """Per check: whether its problem is lasting enough to show."""

    def __init__(self) -> None:
        self._tracks: dict[str, _Track] = {}

    def feed(self, checks: Mapping[str, Mapping[str, Any]]) -> None:
        """Take the daemon's latest results (the `checks` of a status summary)."""
        for name, entry in checks.items():
            at, bad = str(entry.get("at", "")), entry.get("status") in _BAD
            track = self._tracks.get(name)
            if track is None:
                track = self._tracks[name] = _Track(at, bad, int(bad), int(not bad))
            elif at != track.at:
                self._step(track, at, bad)
            if bad:
                track.last_bad = entry

    @staticmethod
    def _step(track: _Track, at: str, bad: bool) -> None:
        track.at = at
        track.bad, track.good = (track.bad + 1, 0) if bad else (0, track.good + 1)
        if not track.alarmed and track.bad >= RAISE_AFTER:
            track.alarmed = True
        elif track.alarmed and track.good >= CLEAR_AFTER:
            track.alarmed = False

    def shown(self, checks: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
        """The results with each blip shown as passing (status "pass", summary kept)."""
        calmed: dict[str, Mapping[str, Any]] = {}
        for name, entry in checks.items():
            track = self._tracks.get(name)
            bad = entry.get("status") in _BAD
            if track is not None and bad and not track.alarmed:
                calmed[name] = {**entry, "status": "pass"}  # a blip
            elif track is not None and not bad and track.alarmed and track.last_bad:
                calmed[name] = track.last_bad  # not yet good for long enough
            else:
                calmed[name] = entry
        return calmed
