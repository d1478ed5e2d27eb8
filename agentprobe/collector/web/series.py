"""An agent's key metrics over time, read by name from its stored reports (for the charts).

Reports are the uploaded JSON; a metric missing from a report (the check did not run, or
was skipped) is simply absent from that point in time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agentprobe.checks.noise import NoiseCheck
from agentprobe.checks.voice import VoiceCheck
from agentprobe.collector.web.charts import Chart, Series
from agentprobe.thresholds import Band

# (check, metric) pairs the agent page charts.
DOWN = ("bandwidth", "download_kbps")
UP = ("bandwidth", "upload_kbps")
NEED_DOWN = ("bandwidth", "required_down_kbps")
NEED_UP = ("bandwidth", "required_up_kbps")
MOS = ("voice", "mos")
JITTER_UP = ("voice", "jitter_up_ms")
JITTER_DOWN = ("voice", "jitter_down_ms")
LOSS = ("voice", "loss_pct")
NOISE = ("noise", "noise_floor_dbfs")


def metric_points(reports: list[dict[str, Any]], key: tuple[str, str]) -> list[tuple[float, float]]:
    """(time s, value) for one check metric across reports, oldest first; numbers only."""
    check_name, metric = key
    points = []
    for report in reports:
        for check in report.get("checks", []):
            value = check.get("metrics", {}).get(metric)
            if check.get("name") == check_name and _is_number(value):
                points.append((_ts(report["created_at"]), float(value)))
    return sorted(points)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _references(band: Band) -> list[tuple[str, float]]:
    """A chart's reference lines: the check's own default pass and warn limits."""
    return [("pass", band.pass_limit), ("warn", band.warn_limit)]


def _budget(reports: list[dict[str, Any]], key: tuple[str, str]) -> list[tuple[str, float]]:
    points = metric_points(reports, key)
    return [("budget", points[-1][1])] if points else []


def agent_charts(
    reports: list[dict[str, Any]], markers: list[tuple[float, str]] | None = None
) -> list[Chart]:
    """The agent page's charts: bandwidth against budget, MOS, jitter, loss, noise floor.

    `markers` (time, label) are the agent's change events, drawn on every chart.
    """
    charts = _agent_charts(reports)
    for chart in charts:
        chart.markers = list(markers or [])
    return charts


def _agent_charts(reports: list[dict[str, Any]]) -> list[Chart]:
    return [
        Chart(
            "Download",
            "kbps",
            [Series("download", metric_points(reports, DOWN))],
            _budget(reports, NEED_DOWN),
        ),
        Chart(
            "Upload",
            "kbps",
            [Series("upload", metric_points(reports, UP))],
            _budget(reports, NEED_UP),
        ),
        Chart(
            "MOS",
            "1-5",
            [Series("MOS", metric_points(reports, MOS))],
            _references(VoiceCheck.bands["mos"]),
        ),
        Chart(
            "Jitter",
            "ms",
            [
                Series("up", metric_points(reports, JITTER_UP)),
                Series("down", metric_points(reports, JITTER_DOWN)),
            ],
            _references(VoiceCheck.bands["jitter_up_ms"]),
        ),
        Chart(
            "Packet loss",
            "%",
            [Series("loss", metric_points(reports, LOSS))],
            _references(VoiceCheck.bands["loss_pct"]),
            log=True,
        ),
        Chart(
            "Noise floor",
            "dBFS",
            [Series("noise floor", metric_points(reports, NOISE))],
            _references(NoiseCheck.bands["noise_floor_dbfs"]),
        ),
    ]


def _trend_points(buckets: list[dict[str, Any]], name: str) -> list[tuple[float, float]]:
    return [(b["start_ts"], float(b[name])) for b in buckets if b.get(name) is not None]


def trend_charts(buckets: list[dict[str, Any]]) -> list[Chart]:
    """The trends page's charts, from `store.trends.trend` rows (oldest first)."""
    return [
        Chart(
            "Readiness (reports passing)",
            "%",
            [Series("readiness", _trend_points(buckets, "readiness_pct"))],
        ),
        Chart(
            "MOS, mean",
            "1-5",
            [Series("MOS", _trend_points(buckets, "mos"))],
            _references(VoiceCheck.bands["mos"]),
        ),
        Chart(
            "Packet loss, mean",
            "%",
            [Series("loss", _trend_points(buckets, "loss_pct"))],
            _references(VoiceCheck.bands["loss_pct"]),
            log=True,
        ),
        Chart(
            "Jitter, worse direction, mean",
            "ms",
            [Series("jitter", _trend_points(buckets, "jitter_ms"))],
            _references(VoiceCheck.bands["jitter_up_ms"]),
        ),
        Chart(
            "Round trip, mean",
            "ms",
            [Series("RTT", _trend_points(buckets, "rtt_ms"))],
            _references(VoiceCheck.bands["rtt_ms"]),
        ),
        Chart(
            "Download and upload, mean",
            "kbps",
            [
                Series("download", _trend_points(buckets, "download_kbps")),
                Series("upload", _trend_points(buckets, "upload_kbps")),
            ],
            log=True,
        ),
    ]
