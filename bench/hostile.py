"""The collector under the attacks of the security review, with figures to compare.

Starts a real collector on loopback and measures, first quiet and then while attackers
run: /healthz latency (median and worst of 20), the collector's peak resident memory,
and how many of 40 report uploads by a real agent are stored. The attack is four threads
sending 64 MiB chunked bodies to enrolment and login plus 200 sockets holding partial
headers from eight addresses; a second phase has one agent token pull speed-test
downloads for 10 s and prints the bytes it got before its budget ran out. Everything
shares this machine's cores, so the figures are a floor for a dedicated collector.

Run: `.venv/bin/python bench/hostile.py`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.collector.security.client import bearer, connect, request
from tests.collector.security.reports import report, text
from tests.collector.security.test_memory import resident_bytes
from tests.rigs.collector import RunningCollector, start_collector

CHUNK = b"x" * 65536


def healthz_ms(rig: RunningCollector, count: int = 20) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        requests.get(f"{rig.url}/healthz", verify=str(rig.ca_file), timeout=30)
        times.append((time.perf_counter() - started) * 1000)
    return times


def attack(rig: RunningCollector, source: str, until: float) -> None:
    while time.monotonic() < until:
        with contextlib.suppress(OSError):
            request(rig, "POST", "/api/v1/enroll", [CHUNK] * 1024, {}, source=source)


def attackers(rig: RunningCollector, seconds: float) -> None:
    """Four attacking threads in a process of their own (not sharing the bench's GIL)."""
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=attack, args=(rig, f"127.0.4.{n}", until)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)


def uploads(rig: RunningCollector, token: str, agent: str, count: int) -> int:
    stored = 0
    for seed in range(count):
        answer = request(rig, "POST", "/api/v1/reports", text(report(agent, seed)), bearer(token))
        stored += answer.status == 201
    return stored


def phase(rig: RunningCollector, token: str, name: str, seed_base: int) -> None:
    peak = resident_bytes(rig.pid)
    times = healthz_ms(rig)
    stored = uploads(rig, token, "bench-agent", 40) if seed_base == 0 else 0
    peak = max(peak, resident_bytes(rig.pid))
    print(
        f"{name:>8}: healthz median {statistics.median(times):6.1f} ms, worst "
        f"{max(times):7.1f} ms; rss peak {peak / 2**20:6.1f} MB; reports stored {stored}/40"
    )


def download_race(rig: RunningCollector) -> None:
    token = rig.enroll("greedy-agent")
    got, refused, until = 0, 0, time.monotonic() + 10
    while time.monotonic() < until:
        with contextlib.suppress(OSError, requests.RequestException):
            answer = requests.get(
                f"{rig.url}/speedtest/random4000x4000.jpg",
                headers=bearer(token),
                verify=str(rig.ca_file),
                timeout=30,
            )
            got += len(answer.content) if answer.status_code == 200 else 0
            refused += answer.status_code == 429
    print(f"download: one token pulled {got / 2**20:.0f} MiB in 10 s, then {refused} x 429")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rig = start_collector(Path(tmp))
        try:
            token = rig.enroll("bench-agent")
            phase(rig, token, "quiet", 0)
            process = multiprocessing.get_context("spawn").Process(
                target=attackers, args=(dataclasses.replace(rig, process=None), 30.0)
            )
            with contextlib.ExitStack() as stack:
                for n in range(200):
                    with contextlib.suppress(OSError):
                        sock = stack.enter_context(connect(rig, f"127.0.5.{n % 8 + 1}"))
                        sock.sendall(b"POST /api/v1/enroll HTTP/1.1\r\n")
                process.start()
                time.sleep(3)
                phase(rig, token, "attacked", 0)
                process.join(90)
            download_race(rig)
        finally:
            rig.stop()


if __name__ == "__main__":
    main()
