"""The bufferbloat grade: how much latency a full link adds, on Waveform's letter scale.

The scale is the one Waveform's bufferbloat test publishes and the IETF responsiveness
draft (draft-ietf-ippm-responsiveness) motivates: added latency under load, not idle
latency, is what makes a call stutter while someone else downloads. Each limit belongs
to the better grade (B up to and including 60 ms), the same rule as the check's bands
(pass up to and including 60 ms), so a grade and a status never disagree at a boundary.
"""

from __future__ import annotations

_GRADES = ((5.0, "A+"), (30.0, "A"), (60.0, "B"), (200.0, "C"), (400.0, "D"))


def bufferbloat_grade(increase_ms: float) -> str:
    """A+ up to 5 ms of added latency under load, A <= 30, B <= 60, C <= 200, D <= 400, F."""
    for limit, grade in _GRADES:
        if increase_ms <= limit:
            return grade
    return "F"
