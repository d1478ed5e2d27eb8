"""The per-agent export: every enrolled agent, exact columns, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from agentprobe.cli import cli
from agentprobe.collector.roster import cell, to_csv
from agentprobe.collector.samples import Setup, sample_report
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.roster import COLUMNS, agent_rows
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.synthetic import FleetPlan
from agentprobe.collector.validation import parse, validate
from tests.rigs.fleet import seed_fleet

HEADER = (
    "agent_id,team,site,location,last_seen,last_report_at,latest_status,not_passing,causes,"
    "mos,download_kbps,required_down_kbps,upload_kbps,required_up_kbps,loss_pct,jitter_ms,"
    "bufferbloat_grade,noise_floor_dbfs,noise_class,headset_detected,interface_type,"
    "wifi_rssi_dbm,vpn_active"
)


def test_cells_defuse_formulas_but_keep_numbers() -> None:
    assert [cell(v) for v in ("=1+1", "+31 6", "-x", "@SUM(A1)", "\tx", "ok", "")] == [
        "'=1+1",
        "'+31 6",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "ok",
        "",
    ]
    assert [cell(v) for v in (-62.0, 4.25, 3, True, False, None)] == [
        "-62",
        "4.25",
        "3",
        "true",
        "false",
        "",
    ]


def _seed_hostile(url: str) -> None:
    engine = open_engine(url)
    credentials = Credentials(engine)
    credentials.enroll(credentials.create_secret(), "agent-x", "pc")
    report = sample_report(
        "agent-x",
        random.Random(3),
        team='=HYPERLINK("http://x")',
        site='Lisbon, "PT"',
        setup=Setup(wifi=True, wifi_rssi_dbm=-80.0),
        created=datetime.now(UTC) - timedelta(minutes=5),
    )
    ReportStore(engine).save_batch([validate(*parse(report.to_json().encode()))])
    engine.dispose()


def test_csv_lists_every_enrolled_agent_with_exact_columns(tmp_path: Path) -> None:
    data_dir = tmp_path / "collector"
    data_dir.mkdir()
    url = f"sqlite:///{data_dir / 'collector.db'}"
    seed_fleet(
        url,
        FleetPlan(agents=12, days=2.0, update_after_days=1.0, incident_after_days=1.5),
        silent=2,
    )
    _seed_hostile(url)
    engine = open_engine(url)
    Credentials(engine).revoke_agent("agent-011")  # revoked agents are not listed
    engine.dispose()

    result = CliRunner().invoke(
        cli,
        ["collector", "report", "--by", "agent", "--format", "csv", "--data-dir", str(data_dir)],
    )
    assert result.exit_code == 0, result.output
    text = result.stdout_bytes.decode()  # .output would fold CRLF into LF
    assert text.startswith(HEADER + "\r\n") and ",".join(COLUMNS) == HEADER
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    expected = [f"agent-{i:03d}" for i in range(11)] + ["agent-x", "silent-00", "silent-01"]
    assert [row["agent_id"] for row in rows] == expected
    hostile = rows[expected.index("agent-x")]
    assert hostile["team"] == '\'=HYPERLINK("http://x")' and hostile["site"] == 'Lisbon, "PT"'
    assert '"Lisbon, ""PT"""' in text  # RFC 4180: quoted, inner quotes doubled
    assert hostile["wifi_rssi_dbm"] in {"-78", "-79", "-80", "-81", "-82", "-83", "-84"}
    assert hostile["interface_type"] == "wifi" and "Wi-Fi" in hostile["causes"]
    silent = rows[-1]
    assert silent["last_seen"] == "" and silent["latest_status"] == "" and silent["mos"] == ""
    assert all(row["latest_status"] in {"pass", "warn", "fail", "error"} for row in rows[:12])
    assert sum(1 for row in rows if row["latest_status"] == "pass") >= 1


def test_json_and_table_and_pages_agree(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    seed_fleet(url, FleetPlan(agents=5, days=1.0, update_after_days=0.5, incident_after_days=0.7))
    engine = open_engine(url)
    first, cursor = agent_rows(engine, 2)
    second, cursor2 = agent_rows(engine, 2, cursor)
    third, end = agent_rows(engine, 2, cursor2)
    assert [r["agent_id"] for r in first + second + third] == [f"agent-{i:03d}" for i in range(5)]
    assert end is None and list(first[0]) == list(COLUMNS)
    assert json.loads(json.dumps(first))[0]["agent_id"] == "agent-000"
    assert to_csv(first).count("\r\n") == 3
    engine.dispose()
