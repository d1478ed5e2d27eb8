"""Property tests over real HTTPS: no input yields a 5xx, and rejected input stores nothing.

Schemathesis generates requests from the collector's own OpenAPI schema (valid and
schema-violating bodies for every operation); hypothesis adds raw bytes, wrong content
types and bad tokens. After each run the reports table must hold exactly the reports that
were acknowledged with 201.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hypothesis
import jsonschema
import pytest
import requests
import schemathesis
from hypothesis import strategies as st

from agentprobe.report import json_schema
from tests.rigs.collector import RunningCollector, start_collector
from tests.rigs.collector_client import post, stored_count

pytestmark = pytest.mark.integration
SETTINGS = hypothesis.settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
VALIDATOR = jsonschema.Draft202012Validator(json_schema())


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCollector]:
    running = start_collector(Path(tmp_path_factory.mktemp("fuzz")))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def token(rig: RunningCollector) -> str:
    return rig.enroll("0")  # schemathesis's shortest agent_id, so some valid bodies match


@pytest.fixture(scope="module")
def session(rig: RunningCollector) -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


def _schema(rig: RunningCollector, session: requests.Session) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(
        session.get(f"{rig.url}/openapi.json", verify=str(rig.ca_file), timeout=10).json()
    )


class Accepted:
    """Counts 201 answers, to compare with what the database holds."""

    def __init__(self) -> None:
        self.count = 0

    def check(self, response: requests.Response, body: object) -> None:
        assert response.status_code < 500, response.text
        if response.status_code in (200, 201):
            assert VALIDATOR.is_valid(body), f"accepted a report the schema rejects: {body!r}"
        else:
            assert set(response.json()) == {"error", "detail"}, response.text
        self.count += response.status_code == 201


@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.NEGATIVE, schemathesis.GenerationMode.POSITIVE]
)
def test_reports_endpoint_from_openapi(
    rig: RunningCollector, token: str, session: requests.Session, mode: schemathesis.GenerationMode
) -> None:
    before = stored_count(rig)
    accepted = Accepted()
    operation = _schema(rig, session)["/api/v1/reports"]["POST"]

    @SETTINGS
    @hypothesis.given(operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        response = case.call(
            base_url=rig.url,
            session=session,
            headers={"Authorization": f"Bearer {token}"},
            timeout=15,
            verify=str(rig.ca_file),
        )
        accepted.check(response, case.body)

    run()
    assert stored_count(rig) - before == accepted.count


def test_every_operation_answers_without_5xx(
    rig: RunningCollector, token: str, session: requests.Session
) -> None:
    for result in _schema(rig, session).get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/speedtest") or operation.method.upper() == "DELETE":
            continue  # bulk downloads, and revoking the token the fuzzing itself uses
        agent_call = operation.path == "/api/v1/reports" or operation.path.startswith(
            "/api/v1/reflector"
        )
        credential = token if agent_call else rig.admin_token
        _no_server_errors(rig, session, operation, {"Authorization": f"Bearer {credential}"})


def _no_server_errors(
    rig: RunningCollector,
    session: requests.Session,
    operation: schemathesis.APIOperation,
    headers: dict[str, str],
) -> None:
    @hypothesis.settings(SETTINGS, max_examples=15)
    @hypothesis.given(
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)
        | operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(
            base_url=rig.url,
            session=session,
            headers=headers,
            timeout=15,
            verify=str(rig.ca_file),
        )
        assert response.status_code < 500, (operation.path, response.text)

    run()


@SETTINGS
@hypothesis.given(
    body=st.binary(max_size=2048) | st.text(max_size=512).map(str.encode),
    content_type=st.sampled_from(
        [
            "application/json",
            "text/plain",
            "application/json; charset=utf-8",
            "",
            "multipart/form-data",
            "application/xml",
        ]
    ),
    auth=st.sampled_from(["good", "none", "garbage", "other"]),
)
def test_raw_garbage_is_rejected_and_stores_nothing(
    rig: RunningCollector, token: str, body: bytes, content_type: str, auth: str
) -> None:
    tokens = {"good": token, "none": None, "garbage": "apa_\u00ff", "other": "apa_" + "A" * 43}
    before = stored_count(rig)
    response = post(rig, tokens[auth], body, content_type=content_type)
    assert response.status_code in (400, 401, 413, 415, 422), response.text
    assert stored_count(rig) == before
