"""Ingest throughput of the collector over real HTTPS on loopback, against a bare ceiling.

Phase 1 runs the real `agentprobe collector serve` (SQLite, group commit, durable acks)
and drives it with N concurrent keep-alive HTTPS clients posting realistic reports, each
with a fresh report_id, for a fixed time. Phase 2 serves a bare FastAPI endpoint (reads the
body, answers 201) under the same uvicorn and TLS setup: the ceiling of the framework on
this machine. Both print reports/s and p50/p99 latency. The client is a minimal asyncio
HTTP/1.1 writer so that it costs as little CPU as possible on the same machine.

    python bench/ingest.py [--clients 32] [--seconds 10] [--agents 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests
import sqlalchemy as sa

from agentprobe.collector.ports import free_port
from agentprobe.collector.samples import sample_report

BARE_APP = """
import sys, uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
app = FastAPI()
@app.post("/api/v1/reports")
async def reports(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"stored": True}, status_code=201)
config = uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[1]), ssl_certfile=sys.argv[2],
                        ssl_keyfile=sys.argv[3], log_level="warning", access_log=False)
uvicorn.Server(config).run()
"""


# How to start `agentprobe`; BENCH_AGENTPROBE overrides it (to run the server under a profiler).
AGENTPROBE = os.environ.get("BENCH_AGENTPROBE", "").split() or [
    sys.executable,
    "-c",
    "from agentprobe.cli import main; main()",
]


def agentprobe(*args: str) -> str:
    command = [sys.executable, "-c", "from agentprobe.cli import main; main()", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def wait_healthy(url: str, ca_file: Path, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server exited {process.returncode}")
        try:
            if ca_file.exists() and requests.get(url, verify=str(ca_file), timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not come up")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def request_bytes(port: int, token: str, body: bytes) -> bytes:
    head = (
        f"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def client(
    port: int,
    context: ssl.SSLContext,
    requests_: list[bytes],
    deadline: float,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    try:
        for request in requests_:
            if time.monotonic() >= deadline:
                break
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


async def drive(
    port: int, ca_file: Path, plans: list[list[bytes]], seconds: float, server_pid: int
) -> tuple[list[float], dict[int, int], float]:
    """Run every client until the deadline; prints the server's and the client's CPU use."""
    server = psutil.Process(server_pid)
    server_before, client_before = sum(server.cpu_times()[:2]), time.process_time()
    context = ssl.create_default_context(cafile=str(ca_file))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(client(port, context, plan, deadline, latencies, statuses) for plan in plans)
    )
    elapsed = time.monotonic() - started
    server_cpu = (sum(server.cpu_times()[:2]) - server_before) / elapsed
    client_cpu = (time.process_time() - client_before) / elapsed
    print(f"{'':<34} CPU: server {server_cpu:.0%} of a core, client {client_cpu:.0%}")
    return latencies, statuses, elapsed


def print_figures(
    label: str, latencies: list[float], statuses: dict[int, int], elapsed: float
) -> float:
    ok = statuses.get(201, 0)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [0.0] * 99
    rate = ok / elapsed
    print(
        f"{label:<34} {rate:8.0f} reports/s   p50 {cuts[49] * 1000:6.1f} ms   "
        f"p99 {cuts[98] * 1000:6.1f} ms   statuses {dict(sorted(statuses.items()))}"
    )
    return rate


def plans_for(
    port: int, tokens: dict[str, str], clients: int, per_client: int
) -> list[list[bytes]]:
    rng = random.Random(7)
    agents = list(tokens)
    plans = []
    for index in range(clients):
        agent = agents[index % len(agents)]
        plans.append(
            [
                request_bytes(
                    port,
                    tokens[agent],
                    sample_report(agent, rng, team=f"team-{index % 5}").to_json().encode(),
                )
                for _ in range(per_client)
            ]
        )
    return plans


def collector_phase(work: Path, args: argparse.Namespace) -> tuple[float, Path]:
    data_dir, port = work / "collector", free_port()
    command = [
        *AGENTPROBE,
        "collector",
        "serve",
        "--data-dir",
        str(data_dir),
        "--listen",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command)
    ca_file = data_dir / "tls" / "cert.pem"
    try:
        wait_healthy(f"https://127.0.0.1:{port}/healthz", ca_file, process)
        secret = agentprobe("collector", "secret", "create", "--data-dir", str(data_dir))
        tokens = {}
        for number in range(args.agents):
            answer = requests.post(
                f"https://127.0.0.1:{port}/api/v1/enroll",
                verify=str(ca_file),
                timeout=10,
                json={"enroll_secret": secret, "agent_id": f"bench-{number}", "host": "b"},
            )
            tokens[f"bench-{number}"] = answer.json()["agent_token"]
        plans = plans_for(port, tokens, args.clients, args.per_client)
        latencies, statuses, elapsed = asyncio.run(
            drive(port, ca_file, plans, args.seconds, process.pid)
        )
        scrape = requests.get(f"https://127.0.0.1:{port}/metrics", verify=str(ca_file), timeout=10)
    finally:
        stop(process)
    rate = print_figures("collector (SQLite, durable acks)", latencies, statuses, elapsed)
    print_commits(scrape.text)
    engine = sa.create_engine(f"sqlite:///{data_dir / 'collector.db'}")
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()
    engine.dispose()
    print(f"{'':<34} acknowledged 201: {statuses.get(201, 0)}, rows in the database: {stored}")
    return rate, ca_file


def print_commits(metrics_text: str) -> None:
    """Mean reports per transaction and mean commit time, from the collector's /metrics."""
    values = {}
    for line in metrics_text.splitlines():
        name, _, value = line.partition(" ")
        if name.startswith(("agentprobe_commit_batch_size_", "agentprobe_commit_seconds_")):
            values[name] = float(value)
    batches = values.get("agentprobe_commit_batch_size_count", 0.0)
    if batches:
        size = values["agentprobe_commit_batch_size_sum"] / batches
        commit_ms = values["agentprobe_commit_seconds_sum"] / batches * 1000
        print(f"{'':<34} {batches:.0f} commits, {size:.1f} reports each, {commit_ms:.1f} ms each")


def bare_phase(work: Path, args: argparse.Namespace, ca_file: Path) -> float:
    port = free_port()
    cert, key = ca_file, ca_file.with_name("key.pem")
    process = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port), str(cert), str(key)])
    try:
        wait_healthy(f"https://127.0.0.1:{port}/docs", ca_file, process)
        plans = plans_for(port, {"bare": "none"}, args.clients, args.per_client)
        latencies, statuses, elapsed = asyncio.run(
            drive(port, ca_file, plans, args.seconds, process.pid)
        )
    finally:
        stop(process)
    return print_figures("bare FastAPI endpoint (ceiling)", latencies, statuses, elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--per-client", type=int, default=800, help="reports prepared per client")
    args = parser.parse_args()
    setup = f"{args.clients} clients, {args.seconds:g} s per phase, loopback HTTPS"
    print(f"{os.cpu_count()} CPUs, {setup}")
    with tempfile.TemporaryDirectory(prefix="agentprobe-bench-") as tmp:
        rate, ca_file = collector_phase(Path(tmp), args)
        ceiling = bare_phase(Path(tmp), args, ca_file)
    print(f"collector / ceiling: {rate / ceiling:.0%}")


if __name__ == "__main__":
    main()
