"""The agent's identity at the collector: its bearer token, kept in the data dir (0600).

With `collector.enroll_secret` set (or AGENTPROBE_ENROLL_SECRET), the agent enrols on
first use and stores the token it receives. A token, once stored, is never replaced
automatically: if the collector revokes it, the agent says so and waits for
`agentprobe enroll`, rather than quietly undoing the revocation.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import requests

from agentprobe.config.sections import Config
from agentprobe.privacy import private_dir

TOKEN_FILE = "agent-token"


class EnrolmentError(Exception):
    """Enrolment failed; the message says why in one line."""


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def read_token(data_dir: Path) -> str | None:
    """The stored token, or None when this agent has not enrolled."""
    try:
        token = token_path(data_dir).read_text().strip()
    except OSError:
        return None
    return token or None


def write_token(data_dir: Path, token: str) -> None:
    """Store the token atomically, readable by this user only (mode 0600)."""
    private_dir(data_dir)
    target = token_path(data_dir)
    temporary = target.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)


def enroll(config: Config, session: requests.Session | None = None) -> str:
    """Exchange the enrol secret for a token, store it and return it. Raises EnrolmentError."""
    if not config.collector.url:
        raise EnrolmentError("no [collector] url configured (local-only mode)")
    if not config.collector.enroll_secret:
        raise EnrolmentError(
            "no enrol secret: set [collector] enroll_secret or AGENTPROBE_ENROLL_SECRET"
        )
    from agentprobe.uplink.session import api_url, make_session

    session = session or make_session(config.collector)
    body = {
        "enroll_secret": config.collector.enroll_secret,
        "agent_id": config.agent_id,
        "host": socket.gethostname(),
    }
    try:
        response = session.post(api_url(config.collector, "/api/v1/enroll"), json=body)
    except requests.RequestException as error:
        raise EnrolmentError(f"collector unreachable: {type(error).__name__}: {error}") from None
    if response.status_code >= 300:
        raise EnrolmentError(f"collector refused enrolment: {_reason(response)}")
    token = _token_from(response)
    write_token(config.data_dir, token)
    return token


def ensure_token(config: Config, session: requests.Session | None = None) -> str | None:
    """The stored token, enrolling first if there is none and a secret is configured.

    Returns None in local-only mode, or when there is no token and no secret. Raises
    EnrolmentError when enrolment was attempted and failed.
    """
    if not config.collector.url:
        return None
    token = read_token(config.data_dir)
    if token or not config.collector.enroll_secret:
        return token
    return enroll(config, session)


def _token_from(response: requests.Response) -> str:
    try:
        token = response.json().get("agent_token")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise EnrolmentError("collector answered without an agent_token")
    return token


def _reason(response: requests.Response) -> str:
    """ "HTTP 403: bad secret" from a JSON error body, or the status alone."""
    try:
        body = response.json()
        detail = body.get("detail") or body.get("error")
    except (ValueError, AttributeError):
        detail = None
    return f"HTTP {response.status_code}" + (f": {detail}" if detail else "")
