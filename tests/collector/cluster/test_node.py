"""One node on PostgreSQL: `--workers 2` shares a port, and `/healthz` tells whether the
database answers (503 with the JSON error when it does not)."""

from __future__ import annotations

from pathlib import Path

import psutil
import psycopg
import pytest
import requests
from click.testing import CliRunner

from agentprobe.cli import cli
from tests.collector.cluster.conftest import fresh_database
from tests.rigs.collector import start_collector
from tests.rigs.collector_client import post, report_for
from tests.rigs.postgres import Cluster
from tests.rigs.waiting import wait_until

pytestmark = pytest.mark.integration


def _admin(cluster: Cluster, sql: str) -> None:
    with psycopg.connect(
        host=str(cluster.directory),
        port=cluster.port,
        user="postgres",
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(sql)


def test_two_workers_share_one_port_and_stop_with_their_parent(
    tmp_path: Path, pg_cluster: Cluster
) -> None:
    rig = start_collector(tmp_path, db=fresh_database(pg_cluster), extra_args=("--workers", "2"))
    try:
        workers = wait_until(
            lambda: (c := psutil.Process(rig.pid).children()) and len(c) == 2 and c,
            20,
            "two workers",
        )
        token = rig.enroll("worker-agent")
        answers = [post(rig, token, report_for("worker-agent", n).to_json()) for n in range(6)]
        assert [a.status_code for a in answers] == [201] * 6
    finally:
        assert rig.stop() == 0
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)


def test_workers_need_postgresql(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["collector", "serve", "--data-dir", str(tmp_path), "--workers", "2"]
    )
    assert result.exit_code == 3  # bad usage: "unknown" in the monitoring convention
    assert "--workers above 1 needs a shared database" in result.output


def test_healthz_is_503_while_the_database_refuses_connections(
    tmp_path: Path, pg_cluster: Cluster
) -> None:
    database = fresh_database(pg_cluster)
    name = database.split("@/", 1)[1].split("?")[0]
    rig = start_collector(tmp_path, db=database)
    health = f"{rig.url}/healthz"
    try:
        try:
            _admin(pg_cluster, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            _admin(
                pg_cluster,
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            )
            answer = requests.get(health, verify=str(rig.ca_file), timeout=20)
        finally:
            _admin(pg_cluster, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert answer.status_code == 503
        assert answer.json()["error"] == "unavailable"
        assert answer.json()["detail"].startswith("database unreachable: ")
        wait_until(
            lambda: requests.get(health, verify=str(rig.ca_file), timeout=10).ok,
            20,
            "/healthz to recover",
        )
        assert requests.get(health, verify=str(rig.ca_file), timeout=10).json()["database"] == "ok"
    finally:
        rig.stop()
