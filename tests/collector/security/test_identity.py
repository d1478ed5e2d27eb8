"""Agent identity: an enrolled id cannot be taken over with the shared secret, revoked stays
revoked until an operator releases the id, and revocation or re-enrolment ends the old
token and the agent's reflector sessions at once. Report ids are per agent."""

from __future__ import annotations

import base64
import socket
import time

import pytest
import requests

from agentprobe.voice import wire
from tests.collector.security.client import bearer, enroll_body, request
from tests.collector.security.reports import report, text
from tests.rigs.collector import RunningCollector, run_cli

pytestmark = pytest.mark.integration
JSON = {"Content-Type": "application/json"}


def _enroll(rig: RunningCollector, agent_id: str) -> int:
    return request(rig, "POST", "/api/v1/enroll", enroll_body(rig, agent_id), JSON).status


def _admin(rig: RunningCollector, method: str, path: str) -> int:
    response = requests.request(
        method,
        f"{rig.url}{path}",
        headers=rig.admin_headers(),
        verify=str(rig.ca_file),
        timeout=10,
    )
    return response.status_code


def _upload(rig: RunningCollector, token: str, agent_id: str, seed: int, **changes: object) -> int:
    body = text(report(agent_id, seed=seed, **changes))
    return request(rig, "POST", "/api/v1/reports", body, bearer(token)).status


def test_an_enrolled_id_cannot_be_enrolled_again_with_the_secret(rig: RunningCollector) -> None:
    token = rig.enroll("taken-agent")
    assert _enroll(rig, "taken-agent") == 409
    assert _upload(rig, token, "taken-agent", 1) == 201  # the real agent is undisturbed


def test_revoked_stays_revoked_until_released_and_the_old_token_ends_at_once(
    rig: RunningCollector,
) -> None:
    first = rig.enroll("cycled-agent")
    assert _upload(rig, first, "cycled-agent", 1) == 201  # now in the auth cache
    assert _admin(rig, "DELETE", "/api/v1/agents/cycled-agent/token") == 204
    assert _upload(rig, first, "cycled-agent", 2) == 401
    assert _enroll(rig, "cycled-agent") == 409
    assert _admin(rig, "POST", "/api/v1/agents/cycled-agent/release") == 204
    second = rig.enroll("cycled-agent")
    assert _upload(rig, second, "cycled-agent", 3) == 201
    assert _upload(rig, first, "cycled-agent", 4) == 401
    assert _enroll(rig, "cycled-agent") == 409  # a release is good for one enrolment


def test_release_ends_a_cached_token_at_once(rig: RunningCollector) -> None:
    token = rig.enroll("released-agent")
    assert _upload(rig, token, "released-agent", 1) == 201
    assert _admin(rig, "POST", "/api/v1/agents/released-agent/release") == 204
    assert _upload(rig, token, "released-agent", 2) == 401


def test_the_cli_releases_an_id(rig: RunningCollector) -> None:
    rig.enroll("cli-agent")
    run_cli("collector", "agent", "revoke", "cli-agent", *rig.cli_args())
    assert _enroll(rig, "cli-agent") == 409
    assert run_cli("collector", "agent", "release", "cli-agent", *rig.cli_args()).strip() == (
        "released"
    )
    assert _enroll(rig, "cli-agent") == 200


def _probe(port: int, session: bytes, key: bytes, seq: int) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(1.0)
        udp.sendto(wire.request(key, session, seq, time.time_ns(), 172), ("127.0.0.1", port))
        try:
            return udp.recv(2048)
        except TimeoutError:
            return None


def test_revocation_closes_the_agents_reflector_sessions(rig: RunningCollector) -> None:
    token = rig.enroll("probing-agent")
    opened = requests.post(
        f"{rig.url}/api/v1/reflector/sessions",
        headers=bearer(token),
        verify=str(rig.ca_file),
        timeout=10,
    ).json()
    session, key = bytes.fromhex(opened["session_id"]), base64.b64decode(opened["key"])
    assert _probe(opened["udp_port"], session, key, 1) is not None
    assert _admin(rig, "DELETE", "/api/v1/agents/probing-agent/token") == 204
    assert _probe(opened["udp_port"], session, key, 2) is None


def test_report_ids_are_per_agent_in_any_letter_case(rig: RunningCollector) -> None:
    alice, bob = rig.enroll("alice-agent"), rig.enroll("bob-agent")
    report_id = "8d2f8a0e-2a3b-4c5d-9e6f-0a1b2c3d4e5f"
    assert _upload(rig, alice, "alice-agent", 1, report_id=report_id) == 201
    assert _upload(rig, bob, "bob-agent", 1, report_id=report_id.upper()) == 201
    assert _upload(rig, bob, "bob-agent", 1, report_id=report_id) == 200  # bob's duplicate
