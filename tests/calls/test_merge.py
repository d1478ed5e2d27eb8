"""A call seen by capture and by the browser becomes one record; back-to-back calls stay two."""

from __future__ import annotations

from typing import Any

from agentprobe.calls.merge import merge_calls, waiting


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


HEADSET_METRICS = {"speech_level_dbfs": -24.0, "noise_floor_dbfs": -58.1, "mic_muted_s": 3.0}


def test_the_headset_adds_its_metrics_to_the_call_it_overlaps() -> None:
    capture = record("capture", "10:00:00", "10:05:00", rx_loss_pct=0.5)
    browser = record("browser", "10:00:02", "10:05:01", tx_loss_pct=2.0)
    headset = record("headset", "10:00:05", "10:05:08", **HEADSET_METRICS, rx_loss_pct=9.0)
    merged = merge_calls([("h.json", headset), ("a.json", capture), ("b.json", browser)])
    assert len(merged) == 1
    files, call = merged[0]
    assert files == ["a.json", "b.json", "h.json"]
    assert call["source"] == "capture+browser+headset"
    assert call["metrics"] == {"rx_loss_pct": 0.5, "tx_loss_pct": 2.0, **HEADSET_METRICS}
    assert (call["call_id"], call["started_at"]) == ("capture-10:00:00", "2026-12-01T10:00:00Z")


def test_the_headset_joins_the_call_it_overlaps_most() -> None:
    first = record("capture", "10:00:00", "10:01:00")
    second = record("browser", "10:01:05", "10:09:00")
    headset = record("headset", "10:00:30", "10:09:05", **HEADSET_METRICS)
    merged = merge_calls([("a.json", first), ("b.json", second), ("h.json", headset)])
    assert [(files, call["source"]) for files, call in merged] == [
        (["a.json"], "capture"),
        (["b.json", "h.json"], "browser+headset"),
    ]


def test_a_headset_record_alone_waits_then_is_a_call_of_its_own() -> None:
    headset = record("headset", "10:00:00", "10:05:00", **HEADSET_METRICS)
    other = record("capture", "11:00:00", "11:05:00")
    merged = merge_calls([("h.json", headset), ("a.json", other)])
    assert [call["source"] for _, call in merged] == ["capture", "headset"]
    assert waiting(merged[1][1], age_s=119.0) and not waiting(merged[1][1], age_s=120.0)
    assert not waiting(merged[0][1], age_s=0.0)  # only the headset's record waits
