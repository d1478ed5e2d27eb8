"""`agentprobe status`: what the daemon last saw, read from its state files and outbox.

Works whether or not the daemon is running; it never runs checks. Collector
reachability is probed live (GET /healthz) unless asked not to.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import click

from agentprobe.agent.delivery.outbox import OUTBOX_FILE, Outbox
from agentprobe.agent.state import read_status
from agentprobe.config.sections import Config
from agentprobe.report import Status, worst

COLOURS = {"pass": "green", "warn": "yellow", "fail": "red", "error": "red", "skip": "white"}


def gather(config: Config, probe: bool = True) -> dict[str, Any]:
    """Everything `status` shows, as one JSON-ready dict."""
    saved = read_status(config.data_dir)
    checks = saved.get("checks", {})
    statuses = [Status(entry["status"]) for entry in checks.values() if "status" in entry]
    overall = worst(statuses).value if statuses else "unknown"
    return {
        "agent_id": config.agent_id,
        "overall": overall,
        "exit_code": Status(overall).exit_code if statuses else 3,
        "daemon": _daemon(saved),
        "in_call": bool(saved.get("in_call", False)),
        "postponed": saved.get("postponed", []),
        "checks": checks,
        "next_run": saved.get("next_run", {}),
        "upload": saved.get("upload", {}),
        "outbox": _outbox(config),
        "collector": _reachability(config) if probe else {"probed": False},
    }


def _daemon(saved: dict[str, Any]) -> dict[str, Any]:
    pid = saved.get("pid")
    alive = isinstance(pid, int) and bool(saved.get("running")) and _alive(pid)
    return {"running": alive, "pid": pid if alive else None, "updated_at": saved.get("updated_at")}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _outbox(config: Config) -> dict[str, Any]:
    if not (config.data_dir / OUTBOX_FILE).exists():
        return {"depth": 0, "dead_letters": 0, "evicted": 0, "last_success_at": None}
    outbox = Outbox.for_config(config)
    try:
        last = outbox.get("last_success_at")
        return {
            "depth": outbox.depth(),
            "dead_letters": outbox.dead_count(),
            "evicted": outbox.evicted(),
            "last_success_at": _iso(last) if last else None,
            "recent_dead": [
                {"report_id": d.report_id, "reason": d.reason, "at": _iso(d.dead_at)}
                for d in outbox.dead_letters(5)
            ],
        }
    finally:
        outbox.close()


def _reachability(config: Config) -> dict[str, Any]:
    if not config.collector.url:
        return {"probed": False, "reachable": None, "detail": "local-only mode"}
    import requests

    from agentprobe.uplink.session import api_url, make_session

    try:
        response = make_session(config.collector).get(
            api_url(config.collector, "/healthz"), timeout=(3, 3)
        )
    except requests.RequestException as error:
        return {"probed": True, "reachable": False, "detail": type(error).__name__}
    ok = response.status_code == 200
    return {"probed": True, "reachable": ok, "detail": f"HTTP {response.status_code}"}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def render(summary: dict[str, Any]) -> None:
    """The human view: one line per check, then the upload side."""
    daemon = summary["daemon"]
    running = f"running (pid {daemon['pid']})" if daemon["running"] else "not running"
    click.echo(f"agent {summary['agent_id']}: {summary['overall']}; daemon {running}")
    if summary["in_call"]:
        click.echo("in a call: heavy checks postponed " + ", ".join(summary["postponed"]))
    for name, entry in summary["checks"].items():
        colour = COLOURS.get(entry.get("status", ""), "white")
        mark = click.style(f"{entry.get('status', '?'):5}", fg=colour)
        click.echo(f"  {name:14} {mark} {entry.get('summary', '')}  ({entry.get('at', '')})")
    if not summary["checks"]:
        click.echo("  no results yet (is the daemon running? agentprobe run)")
    _render_upload(summary)


def _render_upload(summary: dict[str, Any]) -> None:
    outbox, upload, collector = summary["outbox"], summary["upload"], summary["collector"]
    click.echo(
        f"outbox: {outbox['depth']} waiting, {outbox['dead_letters']} dead letter(s), "
        f"{outbox['evicted']} evicted; last upload {outbox['last_success_at'] or 'never'}"
    )
    if upload:
        click.echo(f"upload: {upload.get('state')}: {upload.get('detail')}")
    if collector.get("probed"):
        word = "reachable" if collector["reachable"] else "unreachable"
        click.echo(f"collector: {word} ({collector['detail']})")
