"""Guessing the enrol secret or an admin token: failed attempts are limited per address
(429 with Retry-After), other addresses are unaffected, failures are logged without the
secret, and enrolments, revocations, logins and admin reads are in the audit table."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.collector.security.client import enroll_body, request
from tests.rigs.collector import RunningCollector

pytestmark = pytest.mark.integration
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WRONG = "ape_wrong-secret-for-the-log-check"


def _audit(rig: RunningCollector) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(f"sqlite:///{rig.data_dir / 'collector.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT action, outcome, subject FROM audit_log")
            return [(str(a), str(o), str(s)) for a, o, s in rows]
    finally:
        engine.dispose()


def test_wrong_enrol_secrets_are_limited_per_address(rig: RunningCollector) -> None:
    statuses = [
        request(
            rig,
            "POST",
            "/api/v1/enroll",
            enroll_body(rig, f"g{n}", WRONG),
            JSON,
            source="127.0.0.70",
        ).status
        for n in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[-1] == 429
    limited = request(
        rig, "POST", "/api/v1/enroll", enroll_body(rig, "guess-ok"), JSON, source="127.0.0.70"
    )
    assert limited.status == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"] == "too_many_requests"
    other = request(
        rig, "POST", "/api/v1/enroll", enroll_body(rig, "guess-ok"), JSON, source="127.0.0.71"
    )
    assert other.status == 200
    log = rig.log_file.read_text()
    assert "enroll failed from source" in log and WRONG not in log and "127.0.0.70" not in log
    assert ("enroll", "failed", "g0") in _audit(rig) and ("enroll", "ok", "guess-ok") in _audit(rig)


def test_wrong_admin_tokens_at_the_login_form_are_limited_per_address(
    rig: RunningCollector,
) -> None:
    statuses = [
        request(rig, "POST", "/login", b"token=apo_wrong", FORM, source="127.0.0.72").status
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    good = request(
        rig, "POST", "/login", f"token={rig.admin_token}".encode(), FORM, source="127.0.0.73"
    )
    assert good.status == 303
    actions = {(action, outcome) for action, outcome, _ in _audit(rig)}
    assert {("login", "failed"), ("login", "ok")} <= actions


def test_admin_reads_and_revocations_are_audited(rig: RunningCollector) -> None:
    rig.enroll("audited-agent")
    for method, path in [
        ("GET", "/api/v1/agents"),
        ("DELETE", "/api/v1/agents/audited-agent/token"),
    ]:
        assert request(rig, method, path, None, rig.admin_headers()).status in (200, 204)
    rows = _audit(rig)
    assert ("admin_read", "ok", "/api/v1/agents") in rows
    assert ("admin_delete", "ok", "/api/v1/agents/audited-agent/token") in rows
