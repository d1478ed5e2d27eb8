"""Change categories, quality before and after a change, and the upload network's digest."""

from __future__ import annotations

import pytest

from agentprobe.collector.changes import Point, category, compare
from agentprobe.collector.peer import network_digest, network_of
from agentprobe.collector.web.charts import Chart, Series, line_chart

HOUR = 3600.0


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("software.chrome", "software"),
        ("software.os", "os"),
        ("audio.default_input", "audio"),
        ("network.ssid_hash", "network"),
        ("network.vpn", "vpn"),
        ("collector.public_network", "public_network"),
        ("something.else", "other"),
    ],
)
def test_category(what: str, expected: str) -> None:
    assert category(what) == expected


def test_compare_takes_medians_in_the_span_before_and_after() -> None:
    at = 100 * HOUR
    points = [
        Point(at - 30 * HOUR, 1.0, 9.0, "fail"),  # outside the span: ignored
        Point(at - 3 * HOUR, 4.2, 0.1, "pass"),
        Point(at - 2 * HOUR, 4.4, 0.3, "pass"),
        Point(at - 1 * HOUR, 4.0, 0.2, "warn"),
        Point(at, 3.0, 2.0, "fail"),
        Point(at + 1 * HOUR, 3.4, 1.0, "fail"),
        Point(at + 2 * HOUR, None, None, "pass"),
        Point(at + 25 * HOUR, 4.4, 0.0, "pass"),  # outside
    ]
    assert compare(points, at, 24 * HOUR) == {
        "before": {"reports": 3, "mos": 4.2, "loss_pct": 0.2, "failure_pct": 0.0},
        "after": {"reports": 3, "mos": 3.2, "loss_pct": 1.5, "failure_pct": 66.7},
        "mos_delta": -1.0,
    }
    assert compare([], at, HOUR)["before"] == {
        "reports": 0,
        "mos": None,
        "loss_pct": None,
        "failure_pct": None,
    }


def test_network_of_is_the_slash_24_or_slash_48() -> None:
    assert network_of("203.0.113.77") == "203.0.113.0/24"
    assert network_of("::ffff:203.0.113.77") == "203.0.113.0/24"
    assert network_of("2001:db8:1234:5678::9") == "2001:db8:1234::/48"
    assert network_of("not-an-ip") is None and network_digest("x", b"s") == ""


def test_network_digest_is_keyed_and_the_same_within_a_network() -> None:
    salt = bytes(32)
    one = network_digest("203.0.113.77", salt)
    assert one == network_digest("203.0.113.5", salt) and len(one) == 16
    assert one != network_digest("203.0.114.5", salt)
    assert one != network_digest("203.0.113.77", b"\x01" * 32)
    assert "203.0.113" not in one


def test_log_chart_draws_zero_at_the_floor_and_labels_in_real_units() -> None:
    chart = Chart(
        "Loss",
        "%",
        [Series("loss", [(0.0, 0.0), (60.0, 10.0)])],
        [("pass", 1.0)],
        log=True,
        markers=[(30.0, "chrome 131")],
    )
    svg = str(line_chart(chart))
    assert 'aria-label="Loss (%, log scale)"' in svg
    # axis ends: the floor, and the top padded by 8 % of the span in decades (10^1.24)
    assert ">0.01</text>" in svg and ">17.4</text>" in svg
    assert "pass 1</text>" in svg and svg.count('class="marker"') == 1
    assert ">chrome 131</text>" in svg
