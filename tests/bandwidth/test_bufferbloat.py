"""The bufferbloat letter grade at each boundary of its scale."""

from __future__ import annotations

import pytest

from agentprobe.bandwidth.bufferbloat import bufferbloat_grade


@pytest.mark.parametrize(
    ("increase", "grade"),
    [(0, "A+"), (5, "A+"), (5.1, "A"), (30, "A"), (30.1, "B"), (60, "B"), (60.1, "C"),
     (200, "C"), (200.1, "D"), (400, "D"), (400.1, "F")],
)  # fmt: skip
def test_bufferbloat_grade(increase: float, grade: str) -> None:
    assert bufferbloat_grade(increase) == grade
