"""Human-readable output for the terminal: the check table and the list of checks."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from agentprobe.checks.base import Check
from agentprobe.checks.registry import by_name
from agentprobe.report import MetricValue, Report, Status

COLOURS = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "red",
    Status.ERROR: "magenta",
    Status.SKIP: "dim",
}


def badge(status: Status) -> str:
    return f"[bold {COLOURS[status]}]{status.value.upper()}[/]"


def format_value(value: MetricValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def key_figures(name: str, metrics: dict[str, MetricValue]) -> str:
    """The check's headline metrics as `name=value` pairs, in declaration order."""
    check = by_name().get(name)
    names = list(check.headline) if check and check.headline else list(metrics)[:4]
    shown = [m for m in names if metrics.get(m) is not None]  # absent values say nothing
    return "  ".join(f"{m}={format_value(metrics[m])}" for m in shown)


def print_report(report: Report, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    console.print(
        f"agentprobe {report.agent_version} on [bold]{report.agent_id}[/] "
        f"at {report.created_at}: overall {badge(report.status)}"
    )
    table = Table(show_lines=False, expand=False)
    for column in ("status", "check", "summary", "key figures"):
        table.add_column(column, overflow="fold")
    for result in report.checks:
        table.add_row(
            badge(result.status),
            result.name,
            result.summary,
            key_figures(result.name, result.metrics),
        )
    console.print(table)
    advice = [(r.name, tip) for r in report.checks for tip in r.advice]
    if advice:
        console.print("[bold]What to do[/]")
        for name, tip in advice:
            console.print(f"  • {name}: {tip}", markup=False)
    for event in report.events:
        console.print(f"  changed: {event.what}: {event.from_} -> {event.to}", markup=False)


def print_check_list(checks: Sequence[type[Check]], console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    for check in checks:
        console.print(f"[bold]{check.name}[/]: {check.description}")
        for metric, spec in check.metrics.items():
            console.print(f"    {metric} ({spec.unit}): {spec.description}", markup=False)
