"""Fixtures for the collector tests: a real collector (SQLite or PostgreSQL) on loopback."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.rigs.collector import RunningCollector, start_collector
from tests.rigs.postgres import Cluster, binaries, start_cluster

_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries absent (Debian package `postgresql`)")
    if os.geteuid() != 0:
        pytest.skip("starting a private PostgreSQL cluster needs root (to run it as postgres)")
    cluster = start_cluster(bin_dir)
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str | None:
    """None (SQLite in the data dir) or a fresh database in the private PostgreSQL cluster."""
    if request.param == "sqlite":
        return None
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"agentprobe_{os.getpid()}_{next(_databases)}")


@pytest.fixture
def collector(tmp_path: Path, db_url: str | None) -> Iterator[RunningCollector]:
    rig = start_collector(tmp_path, db=db_url)
    yield rig
    rig.stop()


@pytest.fixture
def sqlite_collector(tmp_path: Path) -> Iterator[RunningCollector]:
    rig = start_collector(tmp_path)
    yield rig
    rig.stop()
