"""Schemathesis over the collector's own OpenAPI document, with every response check on:
no 5xx, and every status code, content type and body the document declares. A bounded
number of examples per operation keeps it well under a minute."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.rigs.collector import RunningCollector

pytestmark = pytest.mark.integration
EXAMPLES = 8
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
# A schema-valid report can still be refused: its created_at must fall in the window the
# collector keeps (422), which JSON Schema cannot express. Every other check stays on.
EXCLUDED = [positive_data_acceptance]
# A body over its route's limit is refused before it is read, with the 413 every route
# documents: a rejection of invalid data like schemathesis' own list. The limits let a
# body one past its fields' limits through to a 422 (tests/collector/test_guards.py), but
# a report's schema allows bodies no sane limit holds once each field is maxed out.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429",
              "5xx"]  # fmt: skip
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}}
)


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


def _operations(
    rig: RunningCollector, session: requests.Session
) -> list[schemathesis.APIOperation]:
    document = session.get(f"{rig.url}/openapi.json", verify=str(rig.ca_file), timeout=10).json()
    schema = schemathesis.openapi.from_dict(document, config=CONFIG)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        writes_agents = operation.path.startswith("/api/v1/agents/") and (
            operation.method.upper() in ("DELETE", "POST")
        )
        if operation.path.startswith("/speedtest/{") or writes_agents:
            continue  # bulk downloads; revoking or releasing the fuzzing's own agent
        found.append(operation)
    return found


def test_a_body_refused_as_too_large_counts_as_rejected() -> None:
    document = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"put": {"responses": {"200": {"description": "ok"}}}}},
    }
    schema = schemathesis.openapi.from_dict(document, config=CONFIG)
    operation = next(iter(schema.get_all_operations())).ok()
    checks = schema.config.checks_config_for(operation=operation, phase=None)
    assert checks.negative_data_rejection.expected_statuses == REJECTIONS


def test_every_operation_keeps_to_its_documented_contract(
    rig: RunningCollector, session: requests.Session
) -> None:
    token = rig.enroll("contract-agent")
    failures: list[str] = []
    for operation in _operations(rig, session):
        agent_call = operation.path.startswith(
            ("/api/v1/reports", "/api/v1/reflector", "/speedtest")
        )
        credential = token if agent_call else rig.admin_token
        headers = {"Authorization": f"Bearer {credential}"}
        for mode in MODES:
            _exercise(rig, session, operation, mode, headers, failures)
        # Without a credential every protected route must answer its documented 401.
        _exercise(rig, session, operation, MODES[0], {}, failures)
    assert failures == [], "\n\n".join(failures)


def _exercise(
    rig: RunningCollector,
    session: requests.Session,
    operation: schemathesis.APIOperation,
    mode: schemathesis.GenerationMode,
    headers: dict[str, str],
    failures: list[str],
) -> None:
    @SETTINGS
    @hypothesis.given(operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        response = case.call(
            base_url=rig.url,
            session=session,
            headers=headers,
            timeout=15,
            verify=str(rig.ca_file),
        )
        try:
            case.validate_response(response, excluded_checks=EXCLUDED)
        except FailureGroup as group:  # one exception holding each distinct finding
            for error in group.exceptions:
                failures.append(f"{operation.method} {operation.path}: {error}"[:400])

    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        run()  # Unsatisfiable: nothing to make invalid (no parameters and no body)
