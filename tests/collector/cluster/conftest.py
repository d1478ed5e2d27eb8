"""Two real collector processes on one PostgreSQL database behind a real haproxy."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.rigs.collector import RunningCollector, start_collector
from tests.rigs.haproxy import Balancer, binary, start_balancer
from tests.rigs.postgres import Cluster

_names = itertools.count()


@dataclass
class Nodes:
    """Collector `a` and `b` on database `db`, and the balancer in front of both."""

    a: RunningCollector
    b: RunningCollector
    balancer: Balancer
    db: str

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.balancer.port}"

    @property
    def ca_file(self) -> Path:
        return self.a.ca_file


def fresh_database(cluster: Cluster) -> str:
    # A random part too: this module may be imported under two names, each with a counter.
    name = f"agentprobe_cluster_{os.getpid()}_{next(_names)}_{uuid.uuid4().hex[:8]}"
    return cluster.create_database(name)


@pytest.fixture(scope="module")
def nodes(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    command = binary()
    if command is None:
        pytest.skip("haproxy absent (Debian package `haproxy`)")
    root = tmp_path_factory.mktemp("cluster")
    db = fresh_database(pg_cluster)
    a = start_collector(root / "a", db=db)
    started = [a]
    try:
        # One certificate for the whole cluster (agents pin a single CA file): b finds
        # a's files in its own TLS dir and serves them instead of making its own.
        shutil.copytree(a.ca_file.parent, root / "b" / "collector" / "tls")
        b = start_collector(root / "b", db=db)
        started.append(b)
        balancer = start_balancer(root, [a.port, b.port], command)
    except BaseException:
        for rig in started:
            rig.stop()
        raise
    yield Nodes(a, b, balancer, db)
    balancer.stop()
    for rig in started:
        rig.stop()
