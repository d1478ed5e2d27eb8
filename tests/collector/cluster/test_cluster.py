"""Two collectors, one PostgreSQL, haproxy in front: any node knows what one node knows."""

from __future__ import annotations

import base64
import socket
import threading
import time
from functools import partial
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from agentprobe.voice import wire
from tests.collector.cluster.conftest import Nodes
from tests.rigs.collector import RunningCollector
from tests.rigs.collector_client import report_for
from tests.rigs.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.root]
POSTERS = 4
MAX_REPORTS = 150  # per poster; bounded even if the kill came late
KILL_AFTER_ACKS = 80
ATTEMPTS = 25  # per report through the balancer, while a node dies


def _post(url: str, ca_file: str, token: str, body: str, http: Any = requests) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    answer = http.post(
        f"{url}/api/v1/reports", data=body, headers=headers, verify=ca_file, timeout=10
    )
    _ = answer.content
    return answer


def _enroll(nodes: Nodes, agent_id: str) -> str:
    answer = requests.post(
        f"{nodes.url}/api/v1/enroll",
        json={"enroll_secret": nodes.a.enroll_secret, "agent_id": agent_id, "host": "h"},
        verify=str(nodes.ca_file),
        timeout=10,
    )
    answer.raise_for_status()
    token: str = answer.json()["agent_token"]
    return token


def _query(db: str, sql: str) -> list[Any]:
    engine = sa.create_engine(db)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(sql)).all())
    finally:
        engine.dispose()


def test_reports_through_either_node_and_the_balancer(nodes: Nodes) -> None:
    token = _enroll(nodes, "spread-1")  # enrolled through the balancer, on whichever node
    ca = str(nodes.ca_file)
    reports = [report_for("spread-1", seed) for seed in range(6)]
    targets = [nodes.a.url, nodes.b.url, nodes.url] * 2
    answers = [_post(u, ca, token, r.to_json()) for u, r in zip(targets, reports, strict=True)]
    assert [a.status_code for a in answers] == [201] * 6
    again = _post(nodes.b.url, ca, token, reports[0].to_json())  # stored through a
    assert (again.status_code, again.json()["stored"]) == (200, False)
    listed = requests.get(
        f"{nodes.b.url}/api/v1/agents/spread-1/reports",
        headers=nodes.a.admin_headers(),  # an admin token made through a's store
        verify=ca,
        timeout=10,
    ).json()
    assert sorted(r["report_id"] for r in listed["reports"]) == sorted(r.report_id for r in reports)
    fleet = requests.get(
        f"{nodes.a.url}/api/v1/fleet", headers=nodes.b.admin_headers(), verify=ca, timeout=10
    ).json()
    (team,) = [g for g in fleet["groups"]["team"] if g["name"] == ""]
    assert team["reports"] >= 6


def test_a_token_revoked_on_one_node_is_refused_by_the_other(nodes: Nodes) -> None:
    ca = str(nodes.ca_file)
    token = _enroll(nodes, "revoked-1")
    assert _post(nodes.b.url, ca, token, report_for("revoked-1", 1).to_json()).status_code == 201
    gone = requests.delete(
        f"{nodes.a.url}/api/v1/agents/revoked-1/token",
        headers=nodes.a.admin_headers(),
        verify=ca,
        timeout=10,
    )
    assert gone.status_code == 204
    seeds = iter(range(2, 1000))

    def refused() -> bool:
        answer = _post(nodes.b.url, ca, token, report_for("revoked-1", next(seeds)).to_json())
        return answer.status_code == 401

    wait_until(refused, 15, "node b to refuse the token revoked on node a", interval_s=0.5)


def _open_session(rig: RunningCollector, token: str) -> dict[str, Any]:
    answer = requests.post(
        f"{rig.url}/api/v1/reflector/sessions",
        headers={"Authorization": f"Bearer {token}"},
        verify=str(rig.ca_file),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    session: dict[str, Any] = answer.json()
    return session


def _answers(port: int, sid: bytes, key: bytes, tries: int = 3) -> bool:
    """Whether the reflector on `port` answers a probe packet of the session (UDP may drop
    one, so a few tries, each bounded by its timeout)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(0.5)
        for seq in range(tries):
            udp.sendto(wire.request(key, sid, seq, time.time_ns(), 80), ("127.0.0.1", port))
            try:
                return wire.parse_reply(key, sid, udp.recvfrom(2048)[0]) is not None
            except TimeoutError:
                continue
    return False


def _ended(port: int, sid: bytes, key: bytes) -> bool:
    return not _answers(port, sid, key, tries=2)


def test_a_revocation_on_one_node_ends_the_session_on_every_node(nodes: Nodes) -> None:
    session = _open_session(nodes.a, _enroll(nodes, "prober-2"))
    sid, key = bytes.fromhex(session["session_id"]), base64.b64decode(session["key"])
    assert _answers(nodes.a.port, sid, key) and _answers(nodes.b.port, sid, key)
    gone = requests.delete(
        f"{nodes.b.url}/api/v1/agents/prober-2/token",  # not the node that opened it
        headers=nodes.b.admin_headers(),
        verify=str(nodes.ca_file),
        timeout=10,
    )
    assert gone.status_code == 204
    started = time.monotonic()
    for port in (nodes.a.port, nodes.b.port):
        wait_until(
            partial(_ended, port, sid, key), 15, f"the reflector on {port} to end the session",
            interval_s=0.2,
        )  # fmt: skip
    assert time.monotonic() - started < 10  # "within seconds": the poll runs every 2 s


def test_a_reflector_session_opened_on_one_node_is_answered_by_the_other(nodes: Nodes) -> None:
    session = _open_session(nodes.a, _enroll(nodes, "prober-1"))
    assert session["udp_port"] == nodes.a.port
    sid, key = bytes.fromhex(session["session_id"]), base64.b64decode(session["key"])
    replies = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(1.0)
        for seq in range(5):  # UDP may drop one; five tries, each bounded by the timeout
            udp.sendto(wire.request(key, sid, seq, time.time_ns(), 80), ("127.0.0.1", nodes.b.port))
            try:
                replies.append(wire.parse_reply(key, sid, udp.recvfrom(2048)[0]))
            except TimeoutError:
                continue
            break
        forged = wire.request(bytes(32), sid, 9, time.time_ns(), 80)
        udp.sendto(forged, ("127.0.0.1", nodes.b.port))
        with pytest.raises(TimeoutError):
            udp.recvfrom(2048)
    assert replies and replies[-1] is not None
    assert replies[-1].kind == wire.REPLY and replies[-1].t2_ns > 0


def _poster(
    nodes: Nodes, agent_id: str, token: str, acked: list[str], stop: threading.Event
) -> None:
    """Post through the balancer, retrying each report until it is acknowledged."""
    ca = str(nodes.ca_file)
    http = requests.Session()
    for seed in range(MAX_REPORTS):
        if stop.is_set():
            break
        body, report_id = (r := report_for(agent_id, seed)).to_json(), r.report_id
        for _ in range(ATTEMPTS):
            try:
                answer = _post(nodes.url, ca, token, body, http)
            except requests.RequestException:
                http.close()
                http = requests.Session()  # a fresh connection, maybe to the other node
                time.sleep(0.1)
                continue
            if answer.status_code in (200, 201):
                acked.append(report_id)
                break
            time.sleep(0.1)
    http.close()


def test_a_node_killed_mid_burst_loses_no_acknowledged_report(nodes: Nodes) -> None:
    tokens = {f"burst-{n}": _enroll(nodes, f"burst-{n}") for n in range(POSTERS)}
    acked: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_poster, args=(nodes, agent, token, acked, stop))
        for agent, token in tokens.items()
    ]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(acked) >= KILL_AFTER_ACKS, 60, "acknowledged reports")
    nodes.b.kill()  # SIGKILL by PID: b's batches in flight are lost, acknowledged ones not
    acked_at_kill = len(acked)
    wait_until(lambda: len(acked) >= acked_at_kill + 40, 60, "reports acknowledged after")
    stop.set()
    for thread in threads:
        thread.join(60)
    stored = _query(nodes.db, "SELECT report_id FROM reports WHERE agent_id LIKE 'burst-%'")
    stored_ids = [row[0] for row in stored]
    assert set(acked) <= set(stored_ids), "acknowledged reports lost"
    assert len(stored_ids) == len(set(stored_ids)), "a retried report was stored twice"
    assert len(set(acked)) == len(acked)
