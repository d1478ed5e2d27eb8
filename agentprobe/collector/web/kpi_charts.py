"""Small inline SVGs for the KPI page: a difference and its interval against zero."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 180, 18, 6


def figure(value: float | None) -> str:
    """A figure with as many decimals as its size deserves ("40.2", "312", "0.31")."""
    if value is None:
        return "–"
    size = abs(value)
    return f"{value:,.0f}" if size >= 100 else f"{value:.1f}" if size >= 10 else f"{value:.2f}"


def interval(
    low: float | None, value: float | None, high: float | None, span: float, claim: bool
) -> Markup:
    """A bar from low to high with a dot at value, on a scale of ±span around zero."""
    if low is None or value is None or high is None or span <= 0:
        return Markup("")

    def x(v: float) -> float:
        return PAD + (max(-span, min(span, v)) + span) / (2 * span) * (WIDTH - 2 * PAD)

    colour = "#1d4ed8" if claim else "#94a3b8"
    label = escape(f"{figure(value)} ({figure(low)} to {figure(high)})")
    middle = HEIGHT / 2
    return Markup(
        f'<svg class="ci" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{label}">'
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="1" y2="{HEIGHT - 1}" stroke="#475569"/>'
        f'<line x1="{x(low):.1f}" x2="{x(high):.1f}" y1="{middle}" y2="{middle}" '
        f'stroke="{colour}" stroke-width="4" stroke-linecap="round"/>'
        f'<circle cx="{x(value):.1f}" cy="{middle}" r="4" fill="{colour}"/></svg>'
    )
