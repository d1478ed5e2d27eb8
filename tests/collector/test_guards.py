"""The pure parts of the collector's defences, on known inputs: token buckets, the
connection caps, the created_at window, repeated keys, lone surrogates, headers."""

from __future__ import annotations

import json

import pytest

from agentprobe.collector.buckets import KeyedBuckets
from agentprobe.collector.connections import ConnectionGuard
from agentprobe.collector.errors import ApiError
from agentprobe.collector.headers import extra_headers
from agentprobe.collector.limits import DEFAULT_BYTES, SMALL_BYTES, rules
from agentprobe.collector.validation import TimeBounds, parse, validate
from agentprobe.report import AGENT_ID_PATTERN, json_schema
from tests.collector.security.reports import report, text


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_spends_its_burst_then_refills_at_its_rate() -> None:
    clock = Clock()
    buckets = KeyedBuckets(rate=0.5, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.wait_s("a") == 2 and buckets.take("b")
    clock.now += 2.0
    assert buckets.take("a") and not buckets.take("a")


def test_a_spend_may_go_into_debt_but_none_starts_while_in_debt() -> None:
    clock = Clock()
    buckets = KeyedBuckets(rate=10, burst=100, clock=clock)
    assert buckets.take("a", 150) and buckets.tokens("a") == -50
    assert not buckets.allowed("a") and buckets.wait_s("a") == 6
    assert not buckets.allowed("a", need=60) and KeyedBuckets(1, 100).allowed("x", need=60)


def test_the_least_recently_used_key_goes_first_beyond_max_keys() -> None:
    buckets = KeyedBuckets(rate=0.001, burst=1, clock=Clock(), max_keys=2)
    buckets.take("a"), buckets.take("b"), buckets.take("c")
    assert buckets.allowed("a")  # evicted, so it starts full again
    assert not buckets.allowed("c")


def test_the_guard_caps_each_address_and_the_total() -> None:
    guard = ConnectionGuard(per_address=2, total=3)
    assert [guard.admit("x") for _ in range(3)] == [True, True, False]
    assert guard.admit("y") and not guard.admit("z")
    guard.release("x")
    assert guard.admit("z") and guard.refused == 2 and dict(guard.held) == {"x": 1, "y": 1, "z": 1}


def test_small_routes_take_a_few_kib_and_the_rest_their_own_limit() -> None:
    table = rules(256 * 1024, 64 * 2**20, 30.0)
    assert table["/api/v1/enroll"].max_bytes == table["/login"].max_bytes == SMALL_BYTES == 8192
    assert table[""].max_bytes == DEFAULT_BYTES == 16384
    assert table["/api/v1/reports"].streamed and table["/speedtest/upload.php"].timeout_s == 60.0


def test_a_body_one_past_its_field_limits_still_fits_its_route() -> None:
    """So it is refused as invalid (422, naming the field), not as too large (413), even
    when every character comes as a 12-byte JSON escape (schemathesis sends such)."""
    table = rules(256 * 1024, 64 * 2**20, 30.0)
    astral = "\U0001f600"
    enrol = {"enroll_secret": astral * 257, "agent_id": astral * 129, "host": astral * 256}
    offices = {"networks": [astral * 50] * 201}
    for path, body in (("/api/v1/enroll", enrol), ("/api/v1/kpis/offices", offices)):
        assert len(json.dumps(body).encode()) <= table[path].max_bytes, path


def _refusal(raw: bytes, bounds: TimeBounds | None = None) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        validate(*parse(raw), bounds)
    return caught.value.status, json.dumps(caught.value.detail)


def test_created_at_must_fall_in_the_window() -> None:
    body = report("pc-1", created_at="2026-01-01T00:00:00Z")
    stamp = 1767225600.0  # 2026-01-01T00:00:00Z
    assert validate(*parse(text(body)), TimeBounds(stamp, stamp)).created_ts == stamp
    status, detail = _refusal(text(body), TimeBounds(stamp + 1, stamp + 2))
    assert status == 422 and "2026-01-01T00:00:01+00:00 .. 2026-01-01T00:00:02+00:00" in detail
    assert TimeBounds.around(1000.0, 100.0, 10.0) == TimeBounds(900.0, 1010.0)


def test_an_overflowing_timestamp_is_a_422_not_a_crash() -> None:
    status, _ = _refusal(text(report("pc-1", created_at="0001-01-01T00:00:00+01:00")))
    assert status == 422


def test_a_repeated_key_is_named() -> None:
    assert _refusal(b'{"a": 1, "b": 2, "a": 3}') == (
        400,
        json.dumps("body is not valid UTF-8 JSON: key 'a' appears twice in one object"),
    )


def test_a_lone_surrogate_is_refused_wherever_it_is() -> None:
    raw = text(report("pc-1")).replace(b'"system"', b'"sys\\udc00tem"', 1)
    assert _refusal(raw)[0] == 422


def test_the_schema_and_the_code_share_one_agent_id_rule() -> None:
    assert json_schema()["properties"]["agent_id"]["pattern"] == AGENT_ID_PATTERN


def test_headers_add_hsts_over_https_only_and_keep_a_routes_cache_control() -> None:
    https = dict(extra_headers({"scheme": "https", "path": "/"}, set()))
    assert https[b"strict-transport-security"] == b"max-age=31536000"
    assert https[b"cache-control"] == b"no-store"
    plain = dict(extra_headers({"scheme": "http", "path": "/"}, {b"cache-control"}))
    assert b"strict-transport-security" not in plain and b"cache-control" not in plain
