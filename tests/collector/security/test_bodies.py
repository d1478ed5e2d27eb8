"""Hostile bodies: every route refuses a body over its limit before reading it (413),
whether the size is declared, undeclared (chunked) or a lie, and a body that trickles
in is cut off at the body deadline (408)."""

from __future__ import annotations

import json
import ssl
import time

import pytest

from tests.collector.security.client import connect, enroll_body, request
from tests.collector.security.conftest import BODY_TIMEOUT_S
from tests.rigs.collector import RunningCollector

pytestmark = pytest.mark.integration
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _read_answer(sock: ssl.SSLSocket, limit_s: float) -> bytes:
    """Everything the server sends until it closes (these answers say Connection: close)."""
    sock.settimeout(limit_s)
    data = b""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            piece = sock.recv(65536)
        except TimeoutError:
            break
        if not piece:
            break
        data += piece
    return data


@pytest.mark.parametrize("path", ["/api/v1/enroll", "/login", "/api/v1/reports", "/healthz"])
def test_a_declared_huge_body_is_refused_before_it_is_sent(
    rig: RunningCollector, path: str
) -> None:
    with connect(rig) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        sock.sendall((head + "Content-Length: 536870912\r\n\r\n").encode())
        answer = _read_answer(sock, 10)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"413", answer[:300]
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["error"] == "too_large"


@pytest.mark.parametrize(
    ("path", "headers"), [("/api/v1/enroll", JSON), ("/login", FORM), ("/api/v1/agents", JSON)]
)
def test_a_chunked_body_over_the_limit_is_refused(
    rig: RunningCollector, path: str, headers: dict[str, str]
) -> None:
    answer = request(rig, "POST", path, [b"x" * 8192] * 8, headers)
    assert answer.status == 413
    assert answer.json()["error"] == "too_large"
    assert answer.headers.get("connection") == "close"


def test_a_small_enrolment_still_works_chunked(rig: RunningCollector) -> None:
    body = enroll_body(rig, "chunked-agent")
    answer = request(rig, "POST", "/api/v1/enroll", [body[:10], body[10:]], JSON)
    assert answer.status == 200, answer.body
    assert answer.json()["agent_token"].startswith("apa_")


def test_a_body_that_trickles_in_is_cut_off_at_the_deadline(rig: RunningCollector) -> None:
    with connect(rig, "127.0.0.40") as sock:
        head = "POST /api/v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        sock.sendall((head + "Content-Length: 100\r\n\r\n{").encode())
        answer = _read_answer(sock, BODY_TIMEOUT_S + 8)
    assert answer.split(b"\r\n")[0].split()[1] == b"408", answer[:300]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"] == "timeout"
