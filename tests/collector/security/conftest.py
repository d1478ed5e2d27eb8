"""One real collector over HTTPS for the security suite, with short deadlines and budgets.

`--header-timeout 2 --body-timeout 2` let the slow-client tests finish in seconds, and
`--measure-budget 8` lets the budget test spend a whole budget with one 8 MB download.
Tests that trip a per-address limit use a loopback source address of their own
(127.0.0.0/8 is all loopback), so they never limit each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.rigs.collector import RunningCollector, start_collector

HEADER_TIMEOUT_S = 2.0
BODY_TIMEOUT_S = 2.0
MEASURE_BUDGET_MB = 8


@pytest.fixture(scope="package")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCollector]:
    running = start_collector(
        Path(tmp_path_factory.mktemp("security")),
        extra_args=(
            "--header-timeout",
            str(HEADER_TIMEOUT_S),
            "--body-timeout",
            str(BODY_TIMEOUT_S),
            "--measure-budget",
            str(MEASURE_BUDGET_MB),
        ),
    )
    yield running
    running.stop()
