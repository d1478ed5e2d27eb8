"""One upload of one report, and what its answer means for the outbox.

Every answer ends as exactly one outcome (the Telegraf output-buffer rule): `sent`
(2xx: remove it), `dead` (4xx other than 401/408/429: never retry; a report the collector
refuses, such as one dated outside its window, is refused the same way every time),
`retry` (408 and 429, 5xx, redirects and network errors: back off, honouring
Retry-After) or `revoked` (401: stop sending until the agent is enrolled again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import requests
from urllib3.util.retry import Retry

Kind = Literal["sent", "dead", "retry", "revoked"]
REPORTS_PATH = "/api/v1/reports"


@dataclass(frozen=True)
class Outcome:
    """What happened to one upload; `retry_after` is the collector's wish in seconds."""

    kind: Kind
    detail: str
    retry_after: float | None = None


class Uploader:
    """POSTs report bodies to the collector with the agent's bearer token."""

    def __init__(self, session: requests.Session, url: str, token: str) -> None:
        self.session, self.url, self.token = session, url.rstrip("/") + REPORTS_PATH, token

    def send(self, body: str) -> Outcome:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            response = self.session.post(
                self.url, data=body.encode(), headers=headers, allow_redirects=False
            )
        except requests.RequestException as error:
            return Outcome("retry", f"collector unreachable: {_short(error)}")
        return classify(
            response.status_code, _detail(response), response.headers.get("Retry-After")
        )


def classify(status: int, detail: str, retry_after: str | None = None) -> Outcome:
    """The outcome of an HTTP answer, from its status, error detail and Retry-After header."""
    text = f"HTTP {status}" + (f": {detail}" if detail else "")
    if 200 <= status < 300:
        return Outcome("sent", text)
    if status == 401:
        return Outcome("revoked", "token revoked: re-enrol (agentprobe enroll)")
    if status in (408, 429) or status >= 500 or 300 <= status < 400:
        return Outcome("retry", text, parse_retry_after(retry_after))
    return Outcome("dead", text)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), else None."""
    if not value:
        return None
    try:
        return max(0.0, Retry().parse_retry_after(value))
    except Exception:  # urllib3 raises InvalidHeader for garbage; treat as absent
        return None


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail") or body.get("error") or ""
    return str(detail)[:200]


def _short(error: Exception) -> str:
    """A one-line reason: the innermost cause's class and message, trimmed."""
    cause: BaseException = error
    while cause.__context__ is not None and cause is not cause.__context__:
        cause = cause.__context__
    return f"{type(error).__name__}: {str(cause)[:160]}"
