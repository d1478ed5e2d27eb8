"""The collector's resident memory stays under 300 MB while hostile bodies (huge declared,
huge chunked) and slow sockets are thrown at it from several addresses, and the agents
that post reports meanwhile are all served."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import pytest

from tests.collector.security.client import bearer, connect, request
from tests.collector.security.reports import report, text
from tests.rigs.collector import RunningCollector

pytestmark = pytest.mark.integration
LIMIT_BYTES = 300 * 2**20
HOSTILE_ROUNDS = 3
CHUNK = b"x" * 65536
JSON = {"Content-Type": "application/json"}


def resident_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def _hostile(rig: RunningCollector, source: str, errors: list[str]) -> None:
    """Bodies of 512 MiB declared, then 64 MiB chunked, at enrolment and login."""
    for round_number in range(HOSTILE_ROUNDS):
        with contextlib.suppress(OSError), connect(rig, source) as sock:
            head = "POST /api/v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            sock.sendall((head + "Content-Length: 536870912\r\n\r\n").encode() + CHUNK)
            sock.recv(4096)
        path = "/login" if round_number % 2 else "/api/v1/enroll"
        try:
            answer = request(rig, "POST", path, [CHUNK] * 1024, JSON, source=source)
            if answer.status != 413:
                errors.append(f"{path}: {answer.status}")
        except OSError:
            pass  # the collector may close mid-body after its 413: that is the point


def test_resident_memory_stays_bounded_under_hostile_bodies_and_slow_sockets(
    rig: RunningCollector,
) -> None:
    token = rig.enroll("memory-agent")
    errors: list[str] = []
    peak = resident_bytes(rig.pid)
    with contextlib.ExitStack() as stack:
        for n in range(120):  # slow sockets with partial headers, from six addresses
            with contextlib.suppress(OSError):
                sock = stack.enter_context(connect(rig, f"127.0.2.{n % 6 + 1}"))
                sock.sendall(b"POST /api/v1/enroll HTTP/1.1\r\nContent-Length: 999\r\n")
        attackers = [
            threading.Thread(target=_hostile, args=(rig, f"127.0.3.{n}", errors))
            for n in range(1, 5)
        ]
        for thread in attackers:
            thread.start()
        served = 0
        for seed in range(30):
            body = text(report("memory-agent", seed=seed))
            answer = request(rig, "POST", "/api/v1/reports", body, bearer(token))
            served += answer.status == 201
            peak = max(peak, resident_bytes(rig.pid))
        for thread in attackers:
            thread.join(120)
        peak = max(peak, resident_bytes(rig.pid))
    assert not any(thread.is_alive() for thread in attackers)
    assert served == 30
    assert errors == []
    assert peak < LIMIT_BYTES, json.dumps({"peak_rss_mb": peak / 2**20})
