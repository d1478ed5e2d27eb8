"""Real calls at the collector: an agent's recent calls and the fleet's poor calls, through
the API and in a real Chromium."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentprobe.checks.call import CallCheck, CallConfig, call_report
from agentprobe.checks.registry import config_from_dict
from tests.rigs.chromium import ARGS, CHROMIUM, log_in
from tests.rigs.collector import RunningCollector
from tests.rigs.collector_client import admin_get, post

pytestmark = pytest.mark.integration


def call(call_id: str, ended: datetime, mos: float, loss: float) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "started_at": (ended - timedelta(minutes=4)).isoformat().replace("+00:00", "Z"),
        "ended_at": ended.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "duration_s": 240.0,
        "transport": "srtp",
        "codec": "opus",
        "remote": "0123456789abcdef",
        "source": "capture",
        "metrics": {"rx_loss_pct": loss, "rx_jitter_ms": 4.0, "rtt_ms": 60.0, "mos": mos},
    }


def seed(rig: RunningCollector) -> None:
    now = datetime.now(UTC)
    check = CallCheck(CallConfig())
    plan = {"agent-a": ("blue", [(4.3, 0.1), (3.1, 6.0)]), "agent-b": ("red", [(4.2, 0.4)])}
    for agent_id, (team, calls) in plan.items():
        token = rig.enroll(agent_id)
        config = config_from_dict({"agent": {"id": agent_id, "team": team}})
        for n, (mos, loss) in enumerate(calls):
            record = call(f"{agent_id}-{n}", now - timedelta(minutes=10 * (n + 1)), mos, loss)
            body = call_report(config, record, check).to_json()
            assert post(rig, token, body).status_code == 201


def test_calls_through_the_api(sqlite_collector: RunningCollector) -> None:
    seed(sqlite_collector)
    mine = admin_get(sqlite_collector, "/api/v1/agents/agent-a/calls").json()["calls"]
    assert [(c["mos"], c["rx_loss_pct"], c["status"]) for c in mine] == [
        (4.3, 0.1, "pass"),
        (3.1, 6.0, "fail"),
    ]
    assert (mine[0]["transport"], mine[0]["codec"], mine[0]["rtt_ms"]) == ("srtp", "opus", 60.0)
    fleet = admin_get(sqlite_collector, "/api/v1/fleet/calls", since="24h").json()
    assert (fleet["calls"], fleet["poor"], fleet["poor_mos_below"]) == (3, 1, 3.5)
    assert fleet["poor_by"]["team"] == {"blue": 1}
    assert [c["agent_id"] for c in fleet["worst"]] == ["agent-a", "agent-b", "agent-a"]
    assert admin_get(sqlite_collector, "/api/v1/agents/nobody/calls").status_code == 404


def test_calls_in_chromium(sqlite_collector: RunningCollector, tmp_path: Path) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.skip("Chromium absent (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    rig = sqlite_collector
    seed(rig)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(
                ignore_https_errors=True, viewport={"width": 1280, "height": 900}
            )
            log_in(page, rig.url, rig.admin_token)
            page.goto(f"{rig.url}/agents/agent-a", timeout=20_000)
            rows = page.locator("#calls tr").all_inner_texts()
            assert len(rows) == 3 and "3.1" in rows[2] and "6.0%" in rows[2] and "srtp" in rows[2]
            page.screenshot(path=str(tmp_path / "agent-calls.png"), full_page=True)
            page.click("a:text('Calls')")
            page.wait_for_selector("#poor", timeout=20_000)
            assert page.inner_text("#poor").split()[-1] == "1"
            assert "blue" in page.inner_text("#poor-by")
            page.screenshot(path=str(tmp_path / "fleet-calls.png"), full_page=True)
        finally:
            browser.close()
