"""KPI files through the CLI and the admin API: whole or nothing, idempotent (SQLite, PG)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from agentprobe.collector.store.kpi_schema import kpi_values
from agentprobe.collector.store.schema import LATEST, current_version, open_engine
from tests.rigs.collector import RunningCollector, agentprobe_command
from tests.rigs.collector_client import admin_get, post, report_for

pytestmark = pytest.mark.integration
GOOD = "agent_id,date,aht_s,csat\na1,2026-11-02,300,4.5\na1,2026-11-03,310,4.4\n"
BAD = "agent_id,date,aht_s,csat\na1,2026-11-02,300,4.5\na2,2026-11-31,310,4.4\na3,2026-11-02,x,4\n"


def _values(rig: RunningCollector) -> list[tuple[str, str, str, float]]:
    engine = sa.create_engine(rig.db or f"sqlite:///{rig.data_dir / 'collector.db'}")
    try:
        with engine.connect() as connection:
            query = sa.select(
                kpi_values.c.agent_id, kpi_values.c.day, kpi_values.c.kpi, kpi_values.c.value
            ).order_by(kpi_values.c.day, kpi_values.c.kpi)
            return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]
    finally:
        engine.dispose()


def _post(
    rig: RunningCollector, body: bytes, content_type: str = "text/csv", mapping: str | None = None
) -> requests.Response:
    return requests.post(
        f"{rig.url}/api/v1/kpis",
        data=body,
        params={"mapping": mapping} if mapping else None,
        headers={**rig.admin_headers(), "Content-Type": content_type},
        verify=str(rig.ca_file),
        timeout=30,
    )


def test_bad_files_store_nothing_and_good_ones_replace_each_agent_day_kpi(
    collector: RunningCollector, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    done = subprocess.run(
        [*agentprobe_command(), "collector", "kpi", "import", *collector.cli_args(), str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert f"{bad}:3: date: '2026-11-31' is not a date (%Y-%m-%d)" in done.stderr
    assert f"{bad}:4: aht_s: 'x' is not a number" in done.stderr
    assert "Traceback" not in done.stderr and _values(collector) == []

    answer = _post(collector, BAD.encode())
    assert answer.status_code == 422
    assert answer.json() == {
        "error": "invalid_csv",
        "detail": [
            {"line": 3, "msg": "date: '2026-11-31' is not a date (%Y-%m-%d)"},
            {"line": 4, "msg": "aht_s: 'x' is not a number"},
        ],
    }
    assert _post(collector, GOOD.encode(), "application/json").status_code == 415
    assert _post(collector, b"\xff\xfe", "text/csv").status_code == 400
    assert _post(collector, GOOD.encode(), mapping="zendesk").status_code == 422
    assert _values(collector) == []

    # Then a good file, again, and a corrected one: one value per (agent, day, KPI).
    first = _post(collector, GOOD.encode())
    assert first.status_code == 200, first.text
    assert first.json()["unknown_agents"] == ["a1"] and first.json()["values"] == 4
    assert _post(collector, GOOD.encode()).status_code == 200
    corrected = GOOD.replace("310,4.4", "320,4.4")
    assert _post(collector, corrected.encode()).status_code == 200
    assert _values(collector) == [
        ("a1", "2026-11-02", "aht_s", 300.0),
        ("a1", "2026-11-02", "csat", 4.5),
        ("a1", "2026-11-03", "aht_s", 320.0),
        ("a1", "2026-11-03", "csat", 4.4),
    ]
    # The join reads the day's reports back (a server-side cursor on PostgreSQL).
    token = collector.enroll("a1")
    created = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    assert post(collector, token, report_for("a1", 3, created=created).to_json()).status_code == 201
    insights = admin_get(collector, "/api/v1/insights/kpis", since="3650d").json()
    assert (insights["agent_days"], insights["agents"]) == (1, 1)
    assert {r["verdict"] for r in insights["comparisons"]} == {"not enough data"}
    genesys = "Agent Name,Interval Start,Avg Handle,Answered\na1,11/04/2026,0:05:01,30\n"
    answer = _post(collector, genesys.encode(), mapping="genesys-cloud")
    assert answer.json()["kpis"] == ["aht_s", "calls_handled"]
    assert ("a1", "2026-11-04", "aht_s", 301.0) in _values(collector)
    # A month's export is larger than the 16 KiB most routes take: this route takes it.
    rows = [f"agent-{n:04d},2026-11-{1 + n % 28:02d},{300 + n % 50}\n" for n in range(1200)]
    big = "agent_id,date,aht_s\n" + "".join(rows)
    assert len(big) > 16 * 1024
    answer = _post(collector, big.encode())
    assert answer.status_code == 200, answer.text
    assert answer.json()["values"] == 1200


@pytest.mark.parametrize("start", [1, 2])
def test_upgrade_to_the_kpi_tables_keeps_data(
    tmp_path: Path, db_url: str | None, start: int
) -> None:
    url = db_url or f"sqlite:///{tmp_path / 'c.db'}"
    engine = open_engine(url)
    with engine.begin() as connection:  # back to what an older agentprobe left
        for table in ("kpi_values", "kpi_settings", "token_roles"):
            connection.exec_driver_sql(f"DROP TABLE {table}")
        if start == 1:
            connection.exec_driver_sql(
                "CREATE INDEX ix_report_checks_report_id ON report_checks (report_id)"
            )
        connection.exec_driver_sql(f"UPDATE schema_version SET version = {start}")
        connection.exec_driver_sql(
            "INSERT INTO admin_tokens (sha256, created_ts) VALUES ('ab', 1.0)"
        )
    engine.dispose()
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            assert current_version(connection) == LATEST
            assert connection.exec_driver_sql("SELECT count(*) FROM admin_tokens").scalar() == 1
        tables = set(sa.inspect(engine).get_table_names())
        assert {"kpi_values", "kpi_settings", "token_roles"} <= tables
    finally:
        engine.dispose()
