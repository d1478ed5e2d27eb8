"""Operations views on a synthetic fleet, through a real collector over HTTPS and in Chromium.

Two hundred agents, two weeks of reports twice a day, a Chrome update for the sales
team after which their voice path degrades, an ISP incident at one site, agents moving to
the laptop microphone, and a few enrolled agents that never report. The test reads the
read API (per-agent rows, timeline, changes, causes, trends), then the dashboard pages in
a real headless Chromium; screenshots are kept in the test's tmp dir.
"""

from __future__ import annotations

import http.client
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentprobe.collector.synthetic import NEW_BROWSER, FleetPlan
from tests.collector.test_dashboard import ARGS, CHROMIUM
from tests.rigs.chromium import log_in
from tests.rigs.collector import RunningCollector, start_collector
from tests.rigs.collector_client import admin_get, report_for
from tests.rigs.fleet import seed_fleet

pytestmark = pytest.mark.integration
PLAN = FleetPlan(agents=200, days=14.0, every_hours=12.0)
SILENT = 3


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningCollector, Path]]:
    tmp_path = tmp_path_factory.mktemp("operations")
    (tmp_path / "collector").mkdir()
    seed_fleet(f"sqlite:///{tmp_path / 'collector' / 'collector.db'}", PLAN, silent=SILENT)
    rig = start_collector(tmp_path)
    yield rig, tmp_path
    rig.stop()


def _get(rig: RunningCollector, path: str, **params: Any) -> Any:
    answer = admin_get(rig, path, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_fleet_agents_pages_list_every_enrolled_agent(fleet: tuple[RunningCollector, Path]) -> None:
    rig, _ = fleet
    ids, cursor = [], None
    for _ in range(10):
        page = _get(rig, "/api/v1/fleet/agents", limit=64, **({"cursor": cursor} if cursor else {}))
        ids += [row["agent_id"] for row in page["agents"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(ids) == PLAN.agents + SILENT and ids == sorted(ids)
    assert admin_get(rig, "/api/v1/fleet/agents", cursor="nope").status_code == 422


def test_browser_update_shows_in_timeline_and_fleet_changes(
    fleet: tuple[RunningCollector, Path],
) -> None:
    rig, _ = fleet
    changes = _get(rig, "/api/v1/fleet/changes", since="7d")["changes"]
    chrome = next(c for c in changes if c["what"] == "software.chrome")
    assert chrome["to"] == NEW_BROWSER and chrome["agents"] == PLAN.agents // 4
    assert chrome["mos_delta"] < -0.5 and chrome["mos_before"] >= 4.0 > chrome["mos_after"]
    events = _get(rig, "/api/v1/agents/agent-001/timeline", since="30d")["events"]
    update = next(e for e in events if e["what"] == "software.chrome")
    assert (update["from"], update["to"], update["category"]) == (
        "130.0.6723.91",
        NEW_BROWSER,
        "software",
    )
    assert update["before"]["reports"] >= 2 and update["after"]["reports"] >= 2
    assert update["after"]["mos"] < update["before"]["mos"]
    assert admin_get(rig, "/api/v1/agents/nobody/timeline").status_code == 404
    assert (
        admin_get(rig, "/api/v1/agents/agent-001/timeline", since="2026-13-01").status_code == 422
    )


def test_causes_and_trends(fleet: tuple[RunningCollector, Path]) -> None:
    rig, _ = fleet
    causes = _get(rig, "/api/v1/fleet/causes", since="7d")["causes"]
    labels = {c["cause"]: c for c in causes}
    assert {"home_network", "wifi", "room"} <= set(labels)
    assert all(c["agent_ids"] == sorted(c["agent_ids"]) for c in causes)
    daily = _get(rig, "/api/v1/fleet/trends", since="14d", bucket="day")["buckets"]
    assert 14 <= len(daily) <= 15 and all(0 <= b["readiness_pct"] <= 100 for b in daily)
    sales = _get(rig, "/api/v1/fleet/trends", since="14d", bucket="day", team="sales")
    assert sum(b["agents"] > 0 for b in sales["buckets"]) == len(sales["buckets"])
    hourly = _get(rig, "/api/v1/fleet/trends", since="2d", bucket="hour")["buckets"]
    assert 30 <= len(hourly) <= 49
    both = admin_get(rig, "/api/v1/fleet/trends", team="sales", site="porto")
    assert both.status_code == 422 and both.json()["error"] == "invalid"


def _post_from(rig: RunningCollector, source: str, token: str, body: str) -> int:
    context = ssl.create_default_context(cafile=str(rig.ca_file))
    connection = http.client.HTTPSConnection(
        rig.host, rig.port, context=context, source_address=(source, 0), timeout=15
    )
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    connection.request("POST", "/api/v1/reports", body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_public_network_change_is_an_event_and_never_stored_in_clear(
    fleet: tuple[RunningCollector, Path],
) -> None:
    rig, _ = fleet
    token = rig.enroll("mover")
    assert _post_from(rig, "127.0.0.1", token, report_for("mover", 1).to_json()) == 201
    assert _post_from(rig, "127.0.77.9", token, report_for("mover", 2).to_json()) == 201
    events = _get(rig, "/api/v1/agents/mover/timeline", since="1d")["events"]
    assert [(e["what"], e["category"], e["from"], e["to"]) for e in events] == [
        ("collector.public_network", "public_network", None, None)
    ]
    files = [rig.data_dir / name for name in ("collector.db", "collector.db-wal")]
    raw = b"".join(path.read_bytes() for path in files if path.exists())
    assert b"127.0.77" not in raw and b"127.0.0.0/24" not in raw


def _login(page: Any, rig: RunningCollector) -> None:
    log_in(page, rig.url, rig.admin_token)


def _fleet_page(page: Any, rig: RunningCollector, shots: Path) -> None:
    page.goto(f"{rig.url}/?since=7d", timeout=20_000)
    changes = page.inner_text("#changes")
    assert f"50 agents changed software.chrome to {NEW_BROWSER} in this window" in changes
    assert "their MOS moved by -" in changes
    causes = page.inner_text("#causes")
    assert "Wi-Fi" in causes and "home network / ISP" in causes
    page.screenshot(path=str(shots / "fleet.png"), full_page=True)


def _agent_page(page: Any, rig: RunningCollector, shots: Path) -> None:
    page.goto(f"{rig.url}/agents/agent-001?since=14d", timeout=20_000)
    events = page.inner_text("#events")
    assert "software.chrome" in events and NEW_BROWSER in events and "→" in events
    assert page.locator("svg.chart g.marker").count() >= 6  # the update, on all six charts
    labels = page.locator("svg.chart >> nth=2").locator("text.marker-label")
    assert labels.all_text_contents() == [f"chrome {NEW_BROWSER}"]
    page.screenshot(path=str(shots / "agent.png"), full_page=True)


def _trends_page(page: Any, rig: RunningCollector, shots: Path) -> None:
    page.goto(f"{rig.url}/trends?since=14d&bucket=day&group=team&value=sales", timeout=20_000)
    titles = page.locator("#trend-charts svg.chart").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert titles == [
        "Readiness (reports passing) (%)",
        "MOS, mean (1-5)",
        "Packet loss, mean (%, log scale)",
        "Jitter, worse direction, mean (ms)",
        "Round trip, mean (ms)",
        "Download and upload, mean (kbps, log scale)",
    ]
    assert page.locator("#trend-charts line.ref").count() == 8  # pass and warn, on four
    page.screenshot(path=str(shots / "trends.png"), full_page=True)


def _alerts_page(page: Any, rig: RunningCollector, shots: Path) -> None:
    page.goto(f"{rig.url}/alerts", timeout=20_000)
    assert "agent-failing" in page.inner_text("#rules")
    assert "failed" in page.inner_text("#active")
    page.screenshot(path=str(shots / "alerts.png"), full_page=True)


PAGES = {"fleet": _fleet_page, "agent": _agent_page, "trends": _trends_page, "alerts": _alerts_page}


def test_operations_pages_in_chromium(fleet: tuple[RunningCollector, Path]) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.skip("Chromium absent (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    rig, tmp_path = fleet
    shots = tmp_path / "screenshots"
    shots.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        # Playwright gives each launch a fresh temporary profile (its own --user-data-dir).
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(
                ignore_https_errors=True, viewport={"width": 1280, "height": 900}
            )
            _login(page, rig)
            for show in PAGES.values():
                show(page, rig, shots)
        finally:
            browser.close()
    for name in PAGES:
        assert (shots / f"{name}.png").stat().st_size > 10_000
        shutil.copy(shots / f"{name}.png", f"/tmp/agentprobe-ops-{name}.png")
