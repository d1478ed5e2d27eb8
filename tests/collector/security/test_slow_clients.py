"""Slow clients: idle and half-sent connections are closed at the header deadline, one
address cannot hold more than its share of connections, and real agents keep being served
while a few hundred slow sockets are held."""

from __future__ import annotations

import contextlib
import ssl
import time

import pytest
import requests

from agentprobe.collector.connections import PER_ADDRESS
from tests.collector.security.client import bearer, connect, request
from tests.collector.security.conftest import HEADER_TIMEOUT_S
from tests.collector.security.reports import report, text
from tests.rigs.collector import RunningCollector

pytestmark = pytest.mark.integration
SLOW_SOURCES = [f"127.0.1.{n}" for n in range(1, 11)]
SOCKETS_PER_SOURCE = 30  # 300 in all


def _closed_by_server(sock: ssl.SSLSocket, wait_s: float) -> bool:
    sock.settimeout(wait_s)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except (ssl.SSLError, ConnectionError):
        return True


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"G"],
    ids=["idle-after-handshake", "partial-headers", "one-byte"],
)
def test_a_connection_without_complete_headers_is_closed_at_the_deadline(
    rig: RunningCollector, sent: bytes
) -> None:
    with connect(rig, "127.0.0.60") as sock:
        if sent:
            sock.sendall(sent)
        assert _closed_by_server(sock, HEADER_TIMEOUT_S + 8)


def test_one_address_holds_at_most_its_share_of_connections(rig: RunningCollector) -> None:
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(connect(rig, "127.0.0.61")) for _ in range(PER_ADDRESS + 8)]
        refused = sum(_closed_by_server(sock, 0.5) for sock in socks)
    assert refused >= 8
    metrics = requests.get(f"{rig.url}/metrics", verify=str(rig.ca_file), timeout=10).text
    line = next(
        x for x in metrics.splitlines() if x.startswith("agentprobe_connections_refused_total")
    )
    assert float(line.split()[1]) >= 8


def test_agents_are_served_while_hundreds_of_slow_sockets_are_held(
    rig: RunningCollector,
) -> None:
    token = rig.enroll("steady-agent")
    served = 0
    with contextlib.ExitStack() as stack:
        for source in SLOW_SOURCES:
            for _ in range(SOCKETS_PER_SOURCE):
                with contextlib.suppress(OSError):
                    sock = stack.enter_context(connect(rig, source))
                    sock.sendall(b"POST /api/v1/enroll HTTP/1.1\r\nHost: x\r\n")
        for seed in range(20):
            body = text(report("steady-agent", seed=seed))
            served += request(rig, "POST", "/api/v1/reports", body, bearer(token)).status == 201
        time.sleep(0.1)
    assert served == 20
