"""The bufferbloat letter grade at each boundary of its scale."""

from __future__ import annotations

import pytest

from agentprobe.bandwidth.bufferbloat import bufferbloat_grade


@pytest.mark.parametrize(
    ("increase", "grade"),
    [(0, "A+"), (4.9, "A+"), (5, "A"), (29, "A"), (30, "B"), (59, "B"), (60, "C"),
     (199, "C"), (200, "D"), (399, "D"), (400, "F")],
)  # fmt: skip
def test_bufferbloat_grade(increase: float, grade: str) -> None:
    assert bufferbloat_grade(increase) == grade
