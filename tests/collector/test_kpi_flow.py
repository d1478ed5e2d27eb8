"""KPIs against health through a real collector over HTTPS, on a synthetic fleet.

One collector (SQLite) holds 16 agents x 16 days of reports, hybrid agents' office days
posted from 127.0.0.2, which the collector is told is the office network. KPI files are
imported through the CLI and the admin API; the effect built into the file (handle time
+40 s on bad-link days) must come back inside its interval, and a file with no effect
must yield no finding at all.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.rigs import kpi_fleet
from tests.rigs.chromium import ARGS, CHROMIUM, log_in
from tests.rigs.collector import RunningCollector, run_cli, start_collector

pytestmark = pytest.mark.integration
OFFICE = "127.0.0.2"
FleetRig = tuple[RunningCollector, kpi_fleet.Fleet, Path]
EFFECT_S = 40.0


def _request(
    rig: RunningCollector, method: str, path: str, token: str | None = None, **kwargs: object
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or rig.admin_token}"}
    headers.update(kwargs.pop("headers", {}))  # type: ignore[arg-type]
    return requests.request(
        method, f"{rig.url}{path}", headers=headers, verify=str(rig.ca_file), timeout=60, **kwargs
    )  # type: ignore[arg-type]


def _insights(rig: RunningCollector) -> dict[str, object]:
    answer = _request(rig, "GET", "/api/v1/insights/kpis", params={"since": "30d"})
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _row(answer: dict, kpi: str, problem: str, grouping: str = "all", group: str = "all") -> dict:
    return next(
        r
        for r in answer["comparisons"]
        if (r["kpi"], r["problem"], r["grouping"], r["group"]) == (kpi, problem, grouping, group)
    )


@pytest.fixture(scope="module")
def fleet_rig(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningCollector, kpi_fleet.Fleet, Path]]:
    tmp = tmp_path_factory.mktemp("kpi")
    rig = start_collector(tmp)
    try:
        put = _request(rig, "PUT", "/api/v1/kpis/offices", json={"networks": [f"{OFFICE}/32"]})
        assert put.json() == {"networks": [f"{OFFICE}/32"]}
        fleet = kpi_fleet.plan()
        assert kpi_fleet.post_fleet(rig, fleet, OFFICE) == 16 * 16 * 2
        dependent = tmp / "dependent.csv"
        dependent.write_text(kpi_fleet.kpi_csv(fleet, EFFECT_S, 0.3))
        out = run_cli("collector", "kpi", "import", *rig.cli_args(), str(dependent))
        assert out.startswith(
            "imported 1024 values (aht_s, csat, fcr_pct, calls_handled) for 16 agents"
        )
        yield rig, fleet, tmp
    finally:
        rig.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_handle_time_effect_is_recovered_within_its_interval(fleet_rig: FleetRig) -> None:
    rig, _, _ = fleet_rig
    answer = _insights(rig)
    assert answer["agent_days"] == 256 and answer["agents"] == 16
    aht = _row(answer, "aht_s", "link_failing")
    assert aht["low"] <= EFFECT_S <= aht["high"], aht
    assert aht["claim"] and aht["verdict"] == "higher"
    assert aht["with"]["n"] >= answer["min_count"] and aht["without"]["n"] >= answer["min_count"]
    assert _row(answer, "aht_s", "link_failing", "team", "blue")["claim"]
    csat = _row(answer, "csat", "link_failing")
    assert csat["low"] <= -0.3 <= csat["high"] and csat["verdict"] == "lower"
    assert not _row(answer, "fcr_pct", "link_failing")["claim"]  # nothing built in
    # Wi-Fi is a trait of some agents here, unrelated to handle time: no claim.
    assert not any(r["claim"] for r in answer["comparisons"] if r["problem"] == "wifi")


def test_home_and_office_by_team_and_paired(fleet_rig: FleetRig) -> None:
    rig, fleet, _ = fleet_rig
    answer = _insights(rig)
    cells = {(r["team"], r["location"]): r for r in answer["locations"]}
    office_days = {t: sum(d.office for d in fleet.days if d.team == t) for t in ("blue", "red")}
    places = ("home", "office", "home on wifi", "home on ethernet", "office on ethernet")
    assert set(cells) == {(t, p) for t in ("all", "blue", "red") for p in places}
    for team, days in office_days.items():
        assert cells[(team, "office")]["agent_days"] == days
        assert cells[(team, "office")]["means"]["failing_share"] == 0.0  # office links are good
    paired = {(r["measure"], r["team"]): r for r in answer["paired"]}
    for team, hybrid in (("all", 12), ("blue", 8), ("red", 4)):
        row = paired[("failing_share", team)]
        share = kpi_fleet.home_bad_share(fleet, None if team == "all" else team)  # about 1 in 4
        assert row["agents"] == hybrid and row["low"] <= share <= row["high"], (row, share)
    assert paired[("failing_share", "blue")]["verdict"] == "higher at home"
    for row in answer["paired"]:  # a verdict is called only where the screening lets it
        if row["q"] is not None and row["q"] >= 0.05:
            assert row["verdict"] == "no clear difference", row
    assert paired[("call_mos", "blue")]["verdict"] == "lower at home"
    for stored in rig.data_dir.glob("collector.db*"):  # the database and its WAL
        assert b"127.0.0.1" not in stored.read_bytes()  # no source address is kept
    engine = sa.create_engine(f"sqlite:///{rig.data_dir / 'collector.db'}")
    try:
        with engine.connect() as connection:
            places = connection.exec_driver_sql(
                "SELECT location, count(*) FROM reports GROUP BY location ORDER BY location"
            ).all()
    finally:
        engine.dispose()
    office = 2 * sum(office_days.values())  # two reports a day
    assert [tuple(p) for p in places] == [("home", 2 * 256 - office), ("office", office)]


def test_per_agent_views_need_the_role_and_can_be_switched_off(fleet_rig: FleetRig) -> None:
    rig, _, _ = fleet_rig
    path = "/api/v1/insights/kpis/agents/agent-00"
    refused = _request(rig, "GET", path)
    assert refused.status_code == 403 and "kpi-agent" in refused.json()["detail"]
    lead = run_cli(
        "collector", "admin-token", "create", "--role", "kpi-agent", *rig.cli_args()
    ).strip()
    allowed = _request(rig, "GET", path, token=lead)
    assert allowed.status_code == 200
    assert len(allowed.json()["days"]) == 16
    with requests.Session() as browser:  # an ops session on the dashboard: no agent page
        browser.post(
            f"{rig.url}/login", data={"token": rig.admin_token}, verify=str(rig.ca_file), timeout=30
        )
        page = browser.get(f"{rig.url}/kpis/agents/agent-00", verify=str(rig.ca_file), timeout=60)
        assert page.status_code == 403 and "kpi-agent token" in page.text
        assert browser.get(f"{rig.url}/kpis", verify=str(rig.ca_file), timeout=60).ok
    run_cli("collector", "kpi", "settings", "--agent-views", "off", *rig.cli_args())
    try:
        off = _request(rig, "GET", path, token=lead)
        assert off.status_code == 403 and "switched off" in off.json()["detail"]
    finally:
        run_cli("collector", "kpi", "settings", "--agent-views", "on", *rig.cli_args())


def test_kpi_pages_in_chromium(fleet_rig: FleetRig, tmp_path: Path) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.skip("Chromium absent (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    rig, _, _ = fleet_rig
    lead = run_cli(
        "collector", "admin-token", "create", "--role", "kpi-agent", *rig.cli_args()
    ).strip()
    with sync_playwright() as playwright:
        # A fresh profile in the test's own directory, removed with it.
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=ARGS,
            ignore_https_errors=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = browser.new_page()
            log_in(page, rig.url, lead, timeout_ms=30_000)
            page.click("a.nav-kpis")
            page.wait_for_selector("#findings", timeout=30_000)
            findings = page.inner_text("#findings")
            assert "handle time (s) is" in findings and "higher" in findings
            assert "256" in page.inner_text("#agent-days")
            assert "office" in page.inner_text("#locations")
            assert "home − office" in page.content()
            assert page.locator("#kpi-aht_s svg.ci").count() > 0
            page.screenshot(path=str(tmp_path / "kpis.png"), full_page=True)
            page.fill("input[name=agent]", "agent-00")
            page.click("#agent-form button")
            page.wait_for_selector("#agent-days", timeout=30_000)
            assert page.locator("#agent-days tr").count() == 17  # header + 16 days
            page.screenshot(path=str(tmp_path / "kpi-agent.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "kpis.png").stat().st_size > 10_000
    assert (tmp_path / "kpi-agent.png").stat().st_size > 10_000


def test_a_file_with_no_dependence_claims_nothing(fleet_rig: FleetRig) -> None:
    rig, fleet, tmp = fleet_rig
    null = kpi_fleet.kpi_csv(fleet, 0.0, 0.0, seed=6)
    answer = _request(
        rig, "POST", "/api/v1/kpis", data=null.encode(), headers={"Content-Type": "text/csv"}
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["rows"], answer.json()["values"]) == (256, 1024)
    try:
        insights = _insights(rig)
        claims = [r for r in insights["comparisons"] if r["claim"]]
        assert claims == []
        aht = _row(insights, "aht_s", "link_failing")
        assert aht["low"] <= 0 <= aht["high"] and aht["verdict"] == "no clear difference"
    finally:  # the other tests read the file with the effect
        run_cli("collector", "kpi", "import", *rig.cli_args(), str(tmp / "dependent.csv"))
