"""What each collector answer means for a queued report."""

from __future__ import annotations

import random

import pytest

from agentprobe.agent.delivery.backoff import Backoff
from agentprobe.agent.delivery.uploader import classify, parse_retry_after


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (201, "sent"),
        (200, "sent"),
        (400, "dead"),
        (403, "dead"),
        (413, "dead"),
        (415, "dead"),
        (422, "dead"),
        (401, "revoked"),
        (408, "retry"),  # the body did not arrive in time: a slow link, not a bad report
        (409, "dead"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (302, "retry"),
    ],
    ids=lambda value: str(value),
)
def test_each_status_ends_as_one_outcome(status: int, kind: str) -> None:
    assert classify(status, "").kind == kind


def test_dead_letter_reason_names_status_and_detail() -> None:
    assert classify(422, "checks: field required").detail == "HTTP 422: checks: field required"


def test_retry_after_is_read_in_seconds_and_as_a_date() -> None:
    assert classify(429, "", "120").retry_after == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_is_capped_and_respects_retry_after() -> None:
    backoff = Backoff(base_s=2.0, cap_s=60.0)
    rng = random.Random(1)
    first = [backoff.delay(0, rng) for _ in range(50)]
    assert min(first) >= 1.0 and max(first) <= 2.0
    late = [backoff.delay(20, rng) for _ in range(50)]
    assert min(late) >= 30.0 and max(late) <= 60.0
    assert backoff.delay(0, rng, retry_after=300.0) == 300.0
