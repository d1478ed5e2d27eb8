"""Ingest through the whole path: collectors behind Debian haproxy on one PostgreSQL.

Starts a private PostgreSQL cluster with durable commits (fsync and synchronous_commit on),
then runs two phases on the same machine, each for `--seconds`, each on a fresh database:

1. one `collector serve` process behind haproxy (the single-process figure);
2. `--nodes` (2) collector processes, each on its own port as if on its own host,
   behind the same haproxy configuration (TCP passthrough, round robin per connection).

The reflector probe goes to a node other than the one that opened the session (in phase
1 there is only one).

In each phase `--agents` simulated agents (2,000), each enrolled with its own token, post
realistic reports over `--connections` keep-alive HTTPS connections through haproxy; one
request in `--session-every` (20) instead opens a reflector session and sends one probe
over UDP to another node than the one that opened it, and waits for the reply. It prints
durable reports/s (201s per second), p50/p99 latency, reflector answers, CPU per process,
and then checks the database: every acknowledged report stored once, nothing else.

    python bench/cluster.py [--seconds 15] [--agents 2000] [--connections 64] [--nodes 2]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentprobe.collector.ports import free_port
from agentprobe.collector.samples import sample_report
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.schema import open_engine
from agentprobe.voice import wire
from bench.ingest import print_commits
from tests.rigs.haproxy import binary, start_balancer
from tests.rigs.postgres import Cluster, binaries, start_cluster

PG_SETTINGS = {
    "max_connections": "200",
    "shared_buffers": "512MB",
    "synchronous_commit": "on",
    "fsync": "on",
    "wal_compression": "on",
    "jit": "off",
}
AGENTPROBE = [sys.executable, "-c", "from agentprobe.cli import main; main()"]


@dataclass
class Tally:
    """What the clients saw in one phase."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    acked: list[str] = field(default_factory=list)
    sessions: int = 0
    reflected: int = 0


def start_node(work: Path, url: str, tls: Path) -> tuple[subprocess.Popen[bytes], int]:
    data_dir, port = work / f"node-{free_port()}", free_port()
    shutil.copytree(tls, data_dir / "tls")
    command = [*AGENTPROBE, "collector", "serve", "--data-dir", str(data_dir), "--db", url]
    command += ["--listen", f"127.0.0.1:{port}", "--log-level", "warning"]
    process = subprocess.Popen(command)
    ca = str(tls / "cert.pem")
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"collector exited {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"https://127.0.0.1:{port}/healthz", verify=ca, timeout=2).ok:
                return process, port
        time.sleep(0.1)
    raise SystemExit("collector did not come up")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def enroll(url: str, count: int) -> dict[str, str]:
    """`count` agents, each with its own token, enrolled through the store."""
    engine = open_engine(url)
    credentials = Credentials(engine)
    secret = credentials.create_secret()
    tokens = {f"sim-{n:05d}": credentials.enroll(secret, f"sim-{n:05d}", "h") for n in range(count)}
    engine.dispose()
    return tokens


def http_request(path: str, port: int, token: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return int(head.split(b" ", 2)[1]), await reader.readexactly(length)


async def probe(session: dict[str, object], ports: list[int]) -> bool:
    """One UDP probe to a node other than the one that opened the session; replied?"""
    others = [p for p in ports if p != session["udp_port"]] or ports
    sid, key = bytes.fromhex(str(session["session_id"])), base64.b64decode(str(session["key"]))
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.setblocking(False)
        packet = wire.request(key, sid, 1, time.time_ns(), 172)
        await loop.sock_sendto(udp, packet, ("127.0.0.1", random.choice(others)))
        try:
            data, _ = await asyncio.wait_for(loop.sock_recvfrom(udp, 2048), 1.0)
        except TimeoutError:
            return False
    return wire.parse_reply(key, sid, data) is not None


@dataclass
class Plan:
    """What every client connection shares in one phase."""

    port: int
    ports: list[int]
    deadline: float
    context: ssl.SSLContext


# One request of a connection's script: (report_id or None for a reflector session, bytes).
Step = tuple[str | None, bytes]


def script(
    port: int, tokens: list[tuple[str, str]], index: int, steps: int, session_every: int
) -> list[Step]:
    """A connection's requests, made before the clock starts: reports of many agents, each
    with its own token, and now and then a reflector session."""
    rng = random.Random(index)
    made: list[Step] = []
    for turn in range(steps):
        agent, token = tokens[(index + turn * 97) % len(tokens)]
        if turn % session_every == session_every - 1:
            made.append((None, http_request("/api/v1/reflector/sessions", port, token, b"")))
            continue
        report = sample_report(agent, rng, team=f"team-{index % 40}")
        body = report.to_json().encode()
        made.append((report.report_id, http_request("/api/v1/reports", port, token, body)))
    return made


async def connection(plan: Plan, steps: list[Step], tally: Tally) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", plan.port, ssl=plan.context)
    try:
        for report_id, request in steps:
            if time.monotonic() >= plan.deadline:
                break
            if report_id is None:
                status, body = await exchange(reader, writer, request)
                if status == 201:
                    tally.sessions += 1
                    tally.reflected += await probe(json.loads(body), plan.ports)
                continue
            started = time.perf_counter()
            status, _ = await exchange(reader, writer, request)
            tally.latencies.append(time.perf_counter() - started)
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
            if status == 201:
                tally.acked.append(report_id)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    return {pid: sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids}


def stored(url: str) -> tuple[int, int]:
    engine = sa.create_engine(url)
    with engine.connect() as c:
        row = c.exec_driver_sql("SELECT count(*), count(DISTINCT report_id) FROM reports").one()
    engine.dispose()
    return int(row[0]), int(row[1])


def figures(label: str, tally: Tally, elapsed: float) -> float:
    cuts = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 2 else [0.0] * 99
    rate = tally.statuses.get(201, 0) / elapsed
    print(
        f"{label:<30} {rate:7.0f} reports/s  p50 {cuts[49] * 1000:6.1f} ms  "
        f"p99 {cuts[98] * 1000:6.1f} ms  statuses {dict(sorted(tally.statuses.items()))}  "
        f"reflector sessions {tally.sessions}, probes answered {tally.reflected}"
    )
    return rate


def phase(cluster: Cluster, work: Path, args: argparse.Namespace, nodes: int) -> float:
    url = cluster.create_database(f"ingest_{nodes}")
    tls = work / "tls"
    tokens = list(enroll(url, args.agents).items())
    started = [start_node(work, url, tls) for _ in range(nodes)]
    ports = [port for _, port in started]
    balancer = start_balancer(work, ports, args.haproxy)
    pids = [process.pid for process, _ in started] + [balancer.pid]
    tally = Tally()
    try:
        context = ssl.create_default_context(cafile=str(tls / "cert.pem"))
        plan = Plan(balancer.port, ports, 0.0, context)
        scripts = [
            script(balancer.port, tokens, n, args.per_connection, args.session_every)
            for n in range(args.connections)
        ]
        before, clock, client_before = cpu_seconds(pids), time.monotonic(), time.process_time()
        plan.deadline = clock + args.seconds
        asyncio.run(_drive(plan, scripts, tally))
        elapsed = time.monotonic() - clock
        used = {pid: (t - before[pid]) / elapsed for pid, t in cpu_seconds(pids).items()}
        client = time.process_time() - client_before
        scrapes = [
            requests.get(f"https://127.0.0.1:{p}/metrics", verify=str(tls / "cert.pem"), timeout=10)
            for p in ports
        ]
    finally:
        balancer.stop()
        for process, _ in started:
            stop(process)
    label = f"{nodes} collector process{'es' if nodes > 1 else ''}"
    rate = figures(label, tally, elapsed)
    shares = ", ".join(f"{used[p]:.0%}" for p in pids[:-1])
    print(
        f"{'':<30} CPU: collectors {shares} of a core, haproxy {used[pids[-1]]:.0%}, "
        f"this client {client / elapsed:.0%}; load average {os.getloadavg()[0]:.1f}"
    )
    for scrape in scrapes:
        print_commits(scrape.text)
    rows, distinct = stored(url)
    whole = rows == distinct == len(set(tally.acked)) == len(tally.acked)
    verdict = "nothing lost or duplicated" if whole else "MISMATCH"
    print(
        f"{'':<30} acknowledged {len(tally.acked)}, stored {rows} ({distinct} distinct ids): "
        f"{verdict}"
    )
    return rate


async def _drive(plan: Plan, scripts: list[list[Step]], tally: Tally) -> None:
    await asyncio.gather(*(connection(plan, steps, tally) for steps in scripts))


def make_tls(work: Path) -> None:
    from agentprobe.collector.tls import ensure_certificate

    ensure_certificate(work / "tls", "127.0.0.1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--session-every", type=int, default=20)
    parser.add_argument("--per-connection", type=int, default=400, help="requests prepared")
    args = parser.parse_args()
    args.haproxy = binary()
    bin_dir = binaries()
    if bin_dir is None or args.haproxy is None:
        raise SystemExit("needs Debian packages `postgresql` and `haproxy`")
    print(
        f"{os.cpu_count()} CPUs; {args.agents} agents, {args.connections} connections, "
        f"{args.seconds:g} s per phase; PostgreSQL with fsync and synchronous_commit on"
    )
    cluster = start_cluster(bin_dir, PG_SETTINGS)
    try:
        with tempfile.TemporaryDirectory(prefix="agentprobe-cluster-") as tmp:
            make_tls(Path(tmp))
            one = phase(cluster, Path(tmp), args, 1)
            many = phase(cluster, Path(tmp), args, args.nodes)
    finally:
        cluster.stop()
    print(f"{args.nodes} processes / 1 process: {many / one:.2f}x")


if __name__ == "__main__":
    main()
