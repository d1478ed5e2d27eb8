"""The dashboard in a real headless Chromium: log in, read the fleet and an agent's page."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.rigs.chromium import ARGS, CHROMIUM
from tests.rigs.collector import RunningCollector
from tests.rigs.collector_client import post, report_for

pytestmark = pytest.mark.integration


def seed(rig: RunningCollector) -> None:
    """Three agents over the last six hours; agent-bad's link and headset are poor."""
    now = datetime.now(UTC)
    agents = {
        "agent-good": ("blue", "lisbon", 1.0),
        "agent-ok": ("blue", "porto", 0.8),
        "agent-bad": ("red", "lisbon", 0.05),
    }
    for agent_id, (team, site, quality) in agents.items():
        token = rig.enroll(agent_id)
        for step in range(12):
            report = report_for(
                agent_id,
                step,
                team=team,
                site=site,
                quality=quality,
                created=now - timedelta(minutes=30 * (12 - step)),
            )
            assert post(rig, token, report.to_json()).status_code == 201


def test_dashboard_in_chromium(sqlite_collector: RunningCollector, tmp_path: Path) -> None:
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
            page.goto(f"{rig.url}/", timeout=20_000)
            assert page.url.endswith("/login")
            page.fill("input[name=token]", "apo_wrong")
            page.click("button[type=submit]")
            assert "not valid" in page.content()
            page.fill("input[name=token]", rig.admin_token)
            page.click("button[type=submit]")
            page.wait_for_selector("#readiness", timeout=20_000)
            cookie = next(c for c in page.context.cookies() if c["name"] == "agentprobe_session")
            assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (
                True,
                True,
                "Strict",
            )
            assert "of 3 reporting agents" in page.inner_text("#readiness")
            worst_first = page.inner_text("#attention tr:nth-child(2) td:first-child")
            assert worst_first == "agent-bad"
            assert "bandwidth" in page.inner_text("#checks")
            page.screenshot(path=str(tmp_path / "fleet.png"), full_page=True)

            page.click("#attention a:text('agent-bad')")
            page.wait_for_selector("svg.chart", timeout=20_000)
            titles = page.locator("svg.chart").evaluate_all(
                "els => els.map(e => e.getAttribute('aria-label'))"
            )
            assert titles == [
                "Download (kbps)",
                "Upload (kbps)",
                "MOS (1-5)",
                "Jitter (ms)",
                "Packet loss (%, log scale)",
                "Noise floor (dBFS)",
            ]
            assert page.locator("svg.chart polyline").count() == 7  # jitter has two lines
            assert "fail" in page.inner_text("#latest")
            page.screenshot(path=str(tmp_path / "agent.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "fleet.png").stat().st_size > 10_000
    assert (tmp_path / "agent.png").stat().st_size > 10_000
    shutil.copy(tmp_path / "fleet.png", "/tmp/agentprobe-fleet.png")
    shutil.copy(tmp_path / "agent.png", "/tmp/agentprobe-agent.png")
