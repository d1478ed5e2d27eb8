"""One agent token cannot pull unbounded bytes or requests from the measurement endpoints:
past its budget the answer is 429 with Retry-After, and /metrics counts it."""

from __future__ import annotations

import pytest
import requests

from tests.collector.security.client import bearer, request
from tests.collector.security.conftest import MEASURE_BUDGET_MB
from tests.rigs.collector import RunningCollector

pytestmark = pytest.mark.integration
SIDE = 2048  # random2048x2048.jpg: 2·2048² bytes = exactly 8 MiB


def test_downloads_stop_at_the_agents_byte_budget(rig: RunningCollector) -> None:
    assert 2 * SIDE * SIDE == MEASURE_BUDGET_MB * 2**20
    token = rig.enroll("greedy-agent")
    first = request(rig, "GET", f"/speedtest/random{SIDE}x{SIDE}.jpg", None, bearer(token))
    assert first.status == 200 and len(first.body) == 2 * SIDE * SIDE
    second = request(rig, "GET", f"/speedtest/random{SIDE}x{SIDE}.jpg", None, bearer(token))
    assert second.status == 429 and int(second.headers["retry-after"]) >= 1
    assert second.json()["error"] == "too_many_requests"
    assert request(rig, "GET", "/speedtest/latency.txt", None, bearer(token)).status == 429
    other = rig.enroll("modest-agent")
    assert request(rig, "GET", "/speedtest/latency.txt", None, bearer(other)).status == 200
    metrics = requests.get(f"{rig.url}/metrics", verify=str(rig.ca_file), timeout=10).text
    assert 'agentprobe_limited_requests_total{limit="measure_bytes"} 2.0' in metrics
    assert 'agentprobe_measure_bytes_total{direction="download"} 8.388608e+06' in metrics
