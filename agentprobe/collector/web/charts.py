"""Inline SVG charts for the dashboard: pure functions from numbers to markup.

No JavaScript and no build step: each chart is a small SVG drawn on the server. Values are
escaped; a chart states its unit and marks its reference lines (budget or thresholds).
Rates that span decades (loss) can be drawn on a log scale, where a zero is drawn at the
floor (`LOG_FLOOR`); change events appear as labelled vertical markers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from markupsafe import Markup, escape

WIDTH, HEIGHT = 560, 180
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 24, 28
COLOURS = ("#2563eb", "#d97706", "#059669", "#7c3aed")
LOG_FLOOR = 0.01
MARKER_COLOUR = "#7c3aed"
STATUS_COLOURS = {
    "pass": "#16a34a",
    "warn": "#f59e0b",
    "fail": "#dc2626",
    "error": "#6b7280",
    "skip": "#cbd5e1",
}


@dataclass
class Series:
    """One line: (POSIX time s, value) points in time order."""

    label: str
    points: list[tuple[float, float]]


@dataclass
class Chart:
    title: str
    unit: str
    series: list[Series]
    references: list[tuple[str, float]] = field(default_factory=list)  # (label, value)
    log: bool = False  # log10 value axis
    markers: list[tuple[float, str]] = field(default_factory=list)  # (POSIX time s, label)


def _scaled(chart: Chart) -> Chart:
    """The chart with values in axis units: log10 of the value (at least LOG_FLOOR) if log."""
    if not chart.log:
        return chart

    def f(value: float) -> float:
        return math.log10(max(value, LOG_FLOOR))

    return Chart(
        chart.title,
        chart.unit,
        [Series(s.label, [(x, f(y)) for x, y in s.points]) for s in chart.series],
        [(label, f(value)) for label, value in chart.references],
        True,
        chart.markers,
    )


def _bounds(chart: Chart) -> tuple[float, float, float, float]:
    xs = [x for s in chart.series for x, _ in s.points]
    ys = [y for s in chart.series for _, y in s.points] + [v for _, v in chart.references]
    x0, x1 = min(xs), max(xs)
    y0, y1 = (0.0 if min(ys) >= 0 and not chart.log else min(ys)), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    pad = (y1 - y0) * 0.08
    return x0, x1, y0 - (pad if y0 < 0 and not chart.log else 0), y1 + pad


def _label(value: float, log: bool = False) -> str:
    if log:
        value = 10**value
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%m-%d %H:%M")


def line_chart(chart: Chart) -> Markup:
    """An SVG line chart; an empty one says there is no data."""
    log = chart.log
    title = escape(f"{chart.title} ({chart.unit}{', log scale' if log else ''})")
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}">'
        f'<text x="{LEFT}" y="15" class="chart-title">{title}</text>'
    )
    if not any(s.points for s in chart.series):
        middle = f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no data</text>'
        return Markup(head + middle + "</svg>")
    markers = chart.markers
    chart = _scaled(chart)
    x0, x1, y0, y1 = _bounds(chart)

    def px(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT)

    def py(y: float) -> float:
        return HEIGHT - BOTTOM - (y - y0) / (y1 - y0) * (HEIGHT - TOP - BOTTOM)

    parts = [head, _axes(x0, x1, y0, y1, log)]
    for label, value in chart.references:
        y = py(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="ref"/>'
            f'<text x="{WIDTH - RIGHT}" y="{y - 3:.1f}" text-anchor="end" class="ref-label">'
            f"{escape(label)} {_label(value, log)}</text>"
        )
    parts.extend(_marker(px(at), label) for at, label in markers if x0 <= at <= x1)
    for index, series in enumerate(chart.series):
        parts.extend(_line(index, series, px, py))
    return Markup("".join(parts) + "</svg>")


def _line(
    index: int, series: Series, px: Callable[[float], float], py: Callable[[float], float]
) -> list[str]:
    """One series: the line, its points and its legend entry."""
    colour = COLOURS[index % len(COLOURS)]
    points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in series.points)
    return [
        f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>',
        *(
            f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{colour}"/>'
            for x, y in series.points
        ),
        f'<text x="{LEFT + 8 + index * 130}" y="{TOP + 10}" fill="{colour}" class="legend">'
        f"{escape(series.label)}</text>",
    ]


def _marker(x: float, label: str) -> str:
    """A change event: a dashed vertical line, labelled at its foot (clear of the legend)."""
    return (
        f'<g class="marker"><line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="{MARKER_COLOUR}" stroke-dasharray="2 2"/>'
        f'<text x="{x + 3:.1f}" y="{HEIGHT - BOTTOM - 4}" fill="{MARKER_COLOUR}" '
        'class="marker-label">'
        f"{escape(label)}</text><title>{escape(label)}</title></g>"
    )


def _axes(x0: float, x1: float, y0: float, y1: float, log: bool) -> str:
    bottom = HEIGHT - BOTTOM
    return (
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}" class="axis"/>'
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}" class="axis"/>'
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{_label(y1, log)}</text>'
        f'<text x="{LEFT - 4}" y="{bottom}" text-anchor="end">{_label(y0, log)}</text>'
        f'<text x="{LEFT}" y="{HEIGHT - 8}">{_time(x0)}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{_time(x1)}</text>'
    )


def status_bar(counts: dict[str, int], width: int = 560, height: int = 26) -> Markup:
    """A stacked horizontal bar of pass/warn/fail/error counts."""
    total = sum(counts.values())
    parts = [f'<svg class="bar" viewBox="0 0 {width} {height}" role="img" aria-label="status">']
    x = 0.0
    for status, colour in STATUS_COLOURS.items():
        count = counts.get(status, 0)
        if not total or not count:
            continue
        w = count / total * width
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}">'
            f"<title>{status}: {count}</title></rect>"
        )
        x += w
    if not total:
        parts.append(f'<rect width="{width}" height="{height}" fill="#e5e7eb"/>')
    return Markup("".join(parts) + "</svg>")
