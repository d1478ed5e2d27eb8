"""A private PostgreSQL cluster for tests: initdb in a temp dir, one server process, by PID.

Runs as the `postgres` user (PostgreSQL refuses root) on a Unix socket in the cluster's
own directory, with a free TCP port number only to name the socket, and TCP switched off.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

from agentprobe.collector.ports import free_port
from tests.rigs.waiting import wait_until


def binaries() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin holding initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


@dataclass
class Cluster:
    directory: Path
    port: int
    process: subprocess.Popen[bytes]

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.directory}&port={self.port}"

    def create_database(self, name: str) -> str:
        """A fresh empty database; returns its SQLAlchemy URL."""
        with psycopg.connect(
            host=str(self.directory),
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)  # "fast" shutdown
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)


TEST_SETTINGS = {"fsync": "off", "max_connections": "50"}


def start_cluster(bin_dir: Path, settings: dict[str, str] | None = None) -> Cluster:
    """initdb + postgres as the postgres user in a new /tmp dir; waits until it accepts.

    `settings` (postgres -c NAME=VALUE) replace TEST_SETTINGS: the benches run with fsync
    on, so that their commits are as durable as production's."""
    user = pwd.getpwnam("postgres")
    # Not under pytest's tmp dir: its parents are 0700 root, which postgres cannot enter.
    directory = Path(tempfile.mkdtemp(prefix="agentprobe-pg-"))
    os.chown(directory, user.pw_uid, user.pw_gid)
    data = directory / "data"
    subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "--auth=trust",
            "--username=postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    with (directory / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [
                str(bin_dir / "postgres"),
                "-D",
                str(data),
                "-k",
                str(directory),
                "-p",
                str(port),
                "-c",
                "listen_addresses=",
                *_options(settings or TEST_SETTINGS),
            ],
            user=user.pw_uid,
            group=user.pw_gid,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    cluster = Cluster(directory, port, process)
    _wait_ready(cluster)
    return cluster


def _options(settings: dict[str, str]) -> list[str]:
    return [part for name, value in settings.items() for part in ("-c", f"{name}={value}")]


def _wait_ready(cluster: Cluster, timeout: float = 30.0) -> None:
    def accepts() -> bool:
        if cluster.process.poll() is not None:
            log = (cluster.directory / "server.log").read_text(errors="replace")
            cluster.stop()
            raise RuntimeError(f"postgres exited {cluster.process.returncode}:\n{log[-2000:]}")
        try:
            psycopg.connect(
                host=str(cluster.directory),
                port=cluster.port,
                user="postgres",
                dbname="postgres",
                connect_timeout=2,
            ).close()
        except psycopg.OperationalError:
            return False
        return True

    try:
        wait_until(accepts, timeout, "postgres to accept connections")
    except TimeoutError:
        cluster.stop()
        raise
