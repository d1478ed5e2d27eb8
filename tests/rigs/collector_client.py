"""Small helpers shared by the collector tests: posting reports and counting what is stored."""

from __future__ import annotations

import json
import random
from typing import Any

import requests
import sqlalchemy as sa

from agentprobe.collector.samples import sample_report
from agentprobe.report import Report
from tests.rigs.collector import RunningCollector


def report_for(agent_id: str, seed: int = 0, **kwargs: Any) -> Report:
    return sample_report(agent_id, random.Random(seed), **kwargs)


def post(
    rig: RunningCollector,
    token: str | None,
    body: bytes | str | dict[str, Any],
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> requests.Response:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    sent = {"Content-Type": content_type, **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    response = requests.post(
        f"{rig.url}/api/v1/reports", data=data, headers=sent, verify=str(rig.ca_file), timeout=15
    )
    _ = response.content  # read it all, so the connection closes now rather than at exit
    return response


def admin_get(rig: RunningCollector, path: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{rig.url}{path}",
        params=params,
        headers=rig.admin_headers(),
        verify=str(rig.ca_file),
        timeout=15,
    )


def agent_reports(rig: RunningCollector, agent_id: str) -> list[dict[str, Any]]:
    """The agent's stored reports, newest first (one page: the tests make few); none
    while the collector does not know the agent yet."""
    answer = admin_get(rig, f"/api/v1/agents/{agent_id}/reports", limit=10000)
    if answer.status_code == 404:
        return []
    answer.raise_for_status()
    reports: list[dict[str, Any]] = answer.json()["reports"]
    return reports


def stored_count(rig: RunningCollector) -> int:
    """Rows in the reports table, read straight from the collector's database."""
    url = rig.db or f"sqlite:///{rig.data_dir / 'collector.db'}"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text("SELECT count(*) FROM reports")).scalar_one())
    finally:
        engine.dispose()
