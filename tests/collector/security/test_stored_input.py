"""Input that could be stored but not read back, or that lies, is refused at ingest (4xx),
and reads keep working: lone surrogates, timestamps outside the kept window, repeated
keys, direction controls in names, agent ids that are not path-safe."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from agentprobe.agent.delivery.uploader import Uploader
from agentprobe.config.sections import CollectorSection
from agentprobe.uplink.session import make_session
from tests.collector.security.client import bearer, enroll_body, request
from tests.collector.security.reports import report, text
from tests.rigs.collector import RunningCollector

pytestmark = pytest.mark.integration
AGENT = "input-agent"


@pytest.fixture(scope="module")
def token(rig: RunningCollector) -> Iterator[str]:
    yield rig.enroll(AGENT)


def _post(rig: RunningCollector, token: str, body: bytes) -> tuple[int, dict[str, object]]:
    answer = request(rig, "POST", "/api/v1/reports", body, bearer(token))
    return answer.status, answer.json()


def test_a_lone_surrogate_is_refused_and_reads_keep_working(
    rig: RunningCollector, token: str
) -> None:
    body = text(
        report(AGENT, context={"team": "x", "site": "s", "location": "home", "in_call": False})
    )
    poisoned = body.replace(b'"team": "x"', b'"team": "x\\ud800y"')
    status, answer = _post(rig, token, poisoned)
    assert status == 422 and answer["error"] == "invalid_report"
    assert _post(rig, token, text(report(AGENT, seed=2)))[0] == 201
    read = requests.get(
        f"{rig.url}/api/v1/agents/{AGENT}/reports",
        headers=rig.admin_headers(),
        verify=str(rig.ca_file),
        timeout=10,
    )
    assert read.status_code == 200 and len(read.json()["reports"]) == 1


def test_a_paired_surrogate_escape_is_a_character_and_is_kept(
    rig: RunningCollector, token: str
) -> None:
    body = text(report(AGENT, seed=3)).replace(b'"site": ""', b'"site": "\\ud83d\\ude00"')
    assert _post(rig, token, body)[0] == 201


@pytest.mark.parametrize(
    "created_at",
    ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00", "2001-01-01T00:00:00Z"],
    ids=["far-future", "overflowing", "older-than-retention"],
)
def test_a_timestamp_outside_the_kept_window_is_refused(
    rig: RunningCollector, token: str, created_at: str
) -> None:
    status, answer = _post(rig, token, text(report(AGENT, seed=4, created_at=created_at)))
    assert status == 422
    assert answer["detail"][0]["path"] == "/created_at"  # type: ignore[index]


def test_a_repeated_key_is_refused(rig: RunningCollector, token: str) -> None:
    body = text(report(AGENT, seed=5))
    twice = b'{"agent_id": "someone-else", ' + body[1:]
    status, answer = _post(rig, token, twice)
    assert status == 400 and "appears twice" in str(answer["detail"])


@pytest.mark.parametrize("name", ["team", "site"])
def test_direction_controls_in_names_are_refused(
    rig: RunningCollector, token: str, name: str
) -> None:
    context = {"team": "", "site": "", "location": "home", "in_call": False}
    context[name] = "abc\u202edcb"
    status, answer = _post(rig, token, text(report(AGENT, seed=6, context=context)))
    assert status == 422
    assert answer["detail"][0]["path"] == f"/context/{name}"  # type: ignore[index]


@pytest.mark.parametrize("agent_id", ["a/b", "../../logout", ".", "a b", "a\u202eb"])
def test_agent_ids_that_are_not_path_safe_cannot_enrol(
    rig: RunningCollector, agent_id: str
) -> None:
    answer = request(
        rig,
        "POST",
        "/api/v1/enroll",
        enroll_body(rig, agent_id),
        {"Content-Type": "application/json"},
    )
    assert answer.status == 422
    assert json.loads(answer.body)["error"] == "invalid"


def test_the_agent_dead_letters_a_report_the_collector_will_never_take(
    rig: RunningCollector, token: str
) -> None:
    session = make_session(CollectorSection(url=rig.url, ca_file=str(rig.ca_file)))
    body = json.dumps(report(AGENT, seed=7, created_at="9999-12-31T23:59:59Z"))
    outcome = Uploader(session, rig.url, token).send(body)
    assert outcome.kind == "dead" and outcome.detail.startswith("HTTP 422")
