"""The whole collector flow over real HTTPS on loopback, against SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import requests

from tests.rigs.collector import RunningCollector, run_cli
from tests.rigs.collector_client import admin_get, post, report_for, stored_count


def test_enrol_post_duplicate_read_and_report(collector: RunningCollector) -> None:
    # The operator's own way to a secret and a token, against the running collector.
    collector.enroll_secret = run_cli("collector", "secret", "create", *collector.cli_args())
    collector.enroll_secret = collector.enroll_secret.strip()
    assert collector.enroll_secret.startswith("ape_")
    collector.admin_token = run_cli("collector", "admin-token", "create", *collector.cli_args())
    collector.admin_token = collector.admin_token.strip()
    token = collector.enroll("agent-1")
    now = datetime.now(UTC)
    first = report_for("agent-1", 1, team="blue", site="lisbon", created=now - timedelta(hours=2))
    second = report_for("agent-1", 2, team="blue", site="lisbon", created=now, quality=0.05)

    answer = post(collector, token, first.to_json())
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"report_id": first.report_id, "stored": True}
    again = post(collector, token, first.to_json())
    assert (again.status_code, again.json()["stored"]) == (200, False)
    assert post(collector, token, second.to_json()).status_code == 201
    assert stored_count(collector) == 2

    agents = admin_get(collector, "/api/v1/agents").json()
    (agent,) = agents["agents"]
    assert agents["next"] is None
    assert (agent["agent_id"], agent["team"], agent["site"]) == ("agent-1", "blue", "lisbon")
    assert agent["last_status"] == second.status.value

    page = admin_get(collector, "/api/v1/agents/agent-1/reports", limit=1).json()
    assert [r["report_id"] for r in page["reports"]] == [second.report_id]
    assert page["reports"][0] == second.to_dict()
    rest = admin_get(collector, "/api/v1/agents/agent-1/reports", limit=1, cursor=page["next"])
    assert [r["report_id"] for r in rest.json()["reports"]] == [first.report_id]
    assert rest.json()["next"] is None

    fleet = admin_get(collector, "/api/v1/fleet", since="24h").json()
    assert fleet["reports"]["total"] == 2
    assert fleet["agents"]["reporting"] == 1
    statuses = [first.status.value, second.status.value]
    for status in ("pass", "warn", "fail", "error"):
        assert fleet["reports"][status] == statuses.count(status)
    (team,) = fleet["groups"]["team"]
    assert (team["name"], team["reports"], team["agents"]) == ("blue", 2, 1)
    failing = {c.name for c in second.checks if c.status.value == "fail"}
    assert failing, "quality 0.05 must fail a check"
    assert {c["name"] for c in fleet["checks"] if c["fail"]} == failing

    cli = run_cli("collector", "report", *collector.cli_args(), "--format", "json")
    assert json.loads(cli)["reports"] == fleet["reports"]
    rows = list(
        csv.DictReader(
            io.StringIO(
                run_cli(
                    "collector", "report", *collector.cli_args(), "--format", "csv", "--since", "1h"
                )
            )
        )
    )
    assert rows[0]["section"] == "fleet" and rows[0]["reports"] == "1"
    table = run_cli("collector", "report", *collector.cli_args())
    assert "blue" in table and "lisbon" in table

    metrics = requests.get(f"{collector.url}/metrics", verify=str(collector.ca_file), timeout=10)
    assert f'agentprobe_agents{{status="{second.status.value}"}} 1.0' in metrics.text
    stored_total = 'agentprobe_ingest_requests_total{outcome="stored"} 2.0'
    assert stored_total in metrics.text
    assert 'agentprobe_ingest_requests_total{outcome="duplicate"} 1.0' in metrics.text
    assert "agentprobe_ingest_latency_seconds_count 3.0" in metrics.text
    docs = requests.get(f"{collector.url}/docs", verify=str(collector.ca_file), timeout=10)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_bad_requests_get_4xx_and_store_nothing(collector: RunningCollector) -> None:
    token = collector.enroll("agent-1")
    other = collector.enroll("agent-2")
    good = report_for("agent-1")
    oversized = good.to_dict()  # valid by the schema, but over 256 KiB
    oversized["checks"] = [{**good.checks[0].to_dict(), "advice": ["x" * 900] * 32}] * 12
    cases = [
        (post(collector, None, good.to_json()), 401),
        (post(collector, "apa_not-a-token", good.to_json()), 401),
        (post(collector, other, good.to_json()), 403),
        (post(collector, token, good.to_json(), content_type="text/plain"), 415),
        (
            post(
                collector, token, good.to_json(), content_type="application/x-www-form-urlencoded"
            ),
            415,
        ),
        (post(collector, token, b'{"schema": '), 400),
        (post(collector, token, b'{"a": NaN}'), 400),
        (post(collector, token, b"[" * 50_000), 400),
        (post(collector, token, {**good.to_dict(), "status": "bogus"}), 422),
        (post(collector, token, {**good.to_dict(), "status": "fail"}), 422),
        (post(collector, token, {**good.to_dict(), "created_at": "2024-13-40T00:00:00Z"}), 422),
        (post(collector, token, oversized), 413),
        (post(collector, token, b" " * (300 * 1024)), 413),
    ]
    for response, expected in cases:
        assert response.status_code == expected, response.text
        assert set(response.json()) == {"error", "detail"}
    assert stored_count(collector) == 0
    assert post(collector, token, good.to_json()).status_code == 201


def test_revocation_and_enrolment_errors(collector: RunningCollector) -> None:
    token = collector.enroll("agent-1")
    url = f"{collector.url}/api/v1/enroll"
    wrong = requests.post(
        url,
        json={"enroll_secret": "ape_wrong", "agent_id": "x", "host": "h"},
        verify=str(collector.ca_file),
        timeout=10,
    )
    assert wrong.status_code == 401
    bad_id = requests.post(
        url,
        json={"enroll_secret": collector.enroll_secret, "agent_id": "a\n"},
        verify=str(collector.ca_file),
        timeout=10,
    )
    assert bad_id.status_code == 422
    revoke = requests.delete(
        f"{collector.url}/api/v1/agents/agent-1/token",
        headers=collector.admin_headers(),
        verify=str(collector.ca_file),
        timeout=10,
    )
    assert revoke.status_code == 204
    assert post(collector, token, report_for("agent-1").to_json()).status_code == 401
    run_cli("collector", "secret", "revoke", *collector.cli_args(), collector.enroll_secret)
    refused = requests.post(
        url,
        json={"enroll_secret": collector.enroll_secret, "agent_id": "b"},
        verify=str(collector.ca_file),
        timeout=10,
    )
    assert refused.status_code == 401
    assert admin_get(collector, "/api/v1/agents").status_code == 200
    run_cli("collector", "admin-token", "revoke", *collector.cli_args(), collector.admin_token)
    assert (
        requests.get(
            f"{collector.url}/api/v1/fleet", verify=str(collector.ca_file), timeout=10
        ).status_code
        == 401
    )
