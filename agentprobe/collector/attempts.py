"""Guessing defence for enrolment and login: failed attempts are limited per source.

Every failed attempt (a wrong enrol secret, a wrong admin token) spends a token of the
client address's bucket; when the bucket is empty, every attempt from that address gets
429 with Retry-After until it refills, right or wrong, so the secret cannot be guessed
at more than `FAILURES_PER_S` tries a second per address (OWASP ASVS 4.0 §2.2.1).
Successful attempts cost nothing, so a whole office enrolling from behind one NAT address
is never held up. Failures are logged without the secret, and with a salted hash of the
address rather than the address (an address locates a person).
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from agentprobe.collector.buckets import KeyedBuckets
from agentprobe.collector.errors import ApiError
from agentprobe.collector.metrics import CollectorMetrics

log = logging.getLogger("agentprobe.collector")

FAILURES_BURST = 10.0
FAILURES_PER_S = 1 / 6  # ten a minute once the burst is spent
SOURCE_CHARS = 16


class Attempts:
    """Failed-attempt budgets per source address, for one kind of credential."""

    def __init__(
        self,
        kind: str,
        salt: bytes,
        metrics: CollectorMetrics,
        buckets: KeyedBuckets | None = None,
    ) -> None:
        self.kind, self.salt, self.metrics = kind, salt, metrics
        self.buckets = buckets or KeyedBuckets(FAILURES_PER_S, FAILURES_BURST)

    def source(self, address: str) -> str:
        """The salted hash of a client address that logs and the audit table keep."""
        digest = hmac.new(self.salt, address.encode(), hashlib.sha256).hexdigest()
        return digest[:SOURCE_CHARS]

    def check(self, address: str) -> None:
        """429 ApiError while this address has no failed attempts left."""
        if self.buckets.allowed(address):
            return
        wait_s = self.buckets.wait_s(address)
        self.metrics.limited.labels(self.kind).inc()
        raise ApiError(
            429,
            "too_many_requests",
            f"too many failed {self.kind} attempts from this address; retry in {wait_s} s",
            {"Retry-After": str(wait_s)},
        )

    def failed(self, address: str, reason: str) -> None:
        """Spend one failure and log it (never the credential itself)."""
        self.buckets.take(address)
        log.warning("%s failed from source %s: %s", self.kind, self.source(address), reason)
