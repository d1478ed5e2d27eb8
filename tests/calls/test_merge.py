"""A call seen by capture and by the browser becomes one record; back-to-back calls stay two."""

from __future__ import annotations

from typing import Any

from agentprobe.calls.merge import merge_calls


def record(source: str, start: str, end: str, **metrics: Any) -> dict[str, Any]:
    return {
        "call_id": f"{source}-{start}",
        "started_at": f"2026-12-01T{start}Z",
        "ended_at": f"2026-12-01T{end}Z",
        "source": source,
        "metrics": metrics,
    }


def test_the_browser_fills_in_what_capture_could_not_see() -> None:
    capture = record("capture", "10:00:00", "10:05:00", rx_loss_pct=0.5, rtt_ms=40)
    browser = record("browser", "10:00:02", "10:05:01", rx_loss_pct=0.7, tx_loss_pct=2.0)
    merged = merge_calls([("a.json", capture), ("b.json", browser)])
    assert len(merged) == 1
    files, call = merged[0]
    assert files == ["a.json", "b.json"] and call["source"] == "capture+browser"
    assert call["metrics"] == {"rx_loss_pct": 0.5, "rtt_ms": 40, "tx_loss_pct": 2.0}
    assert call["call_id"] == "capture-10:00:00"


def test_calls_that_barely_touch_are_two_calls() -> None:
    first = record("capture", "10:00:00", "10:05:00")
    second = record("browser", "10:04:50", "10:09:00")
    merged = merge_calls([("a.json", first), ("b.json", second)])
    assert [call["source"] for _, call in merged] == ["capture", "browser"]


def test_a_record_without_times_is_kept_as_it_is() -> None:
    broken: dict[str, Any] = {"call_id": "x", "source": "browser", "metrics": {}}
    capture = record("capture", "10:00:00", "10:05:00")
    assert len(merge_calls([("a.json", capture), ("b.json", broken)])) == 2
